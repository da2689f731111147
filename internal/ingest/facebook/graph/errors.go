package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	facebook "github.com/huandu/facebook/v2"
)

// Error is an error answer of the Graph API (or of the HTTP server in front
// of it). Code is Graph's error code, 0 when the answer held no Graph error.
type Error struct {
	Code        int
	Subcode     int
	Type        string
	Message     string
	FBTraceID   string
	HTTPStatus  int  // 0 when unknown
	IsTransient bool // Graph's is_transient
}

// Type values of Errors that carry no Graph error.
const (
	typeNonJSON    = "NonJSONAnswer"    // e.g. a proxy's 502 page
	typeHTTPStatus = "HTTPStatus"       // a download answered with an error status
	typeDecode     = "UnexpectedAnswer" // JSON, but not what the API documents
)

func (e *Error) Error() string {
	switch e.Type {
	case typeNonJSON, typeHTTPStatus:
		return fmt.Sprintf("graph: http %d: %s", e.HTTPStatus, e.Message)
	case typeDecode:
		return "graph: unexpected answer: " + e.Message
	}
	s := fmt.Sprintf("graph: %s (code %d", e.Message, e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf(", subcode %d", e.Subcode)
	}
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf(", http %d", e.HTTPStatus)
	}
	if e.FBTraceID != "" {
		s += ", fbtrace_id " + e.FBTraceID
	}
	return s + ")"
}

// Class is what the caller should do about an error.
type Class int

// Error classes.
const (
	Transient    Class = iota + 1 // retry with backoff
	Throttled                     // back off (see Usage.Backoff), then retry
	TokenInvalid                  // stop the page until the token is replaced
	Permission                    // stop the page until permissions are granted (and the token replaced)
	Permanent                     // retrying will not help
)

func (c Class) String() string {
	switch c {
	case Transient:
		return "transient"
	case Throttled:
		return "throttled"
	case TokenInvalid:
		return "token_invalid"
	case Permission:
		return "permission"
	case Permanent:
		return "permanent"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Classify tells what kind of failure err is; 0 for nil.
//
// Graph errors go by code (https://developers.facebook.com/docs/graph-api/guides/error-handling):
// 1, 2 and is_transient are transient; 4, 17, 32, 613, 80001-80006 throttling;
// 102, 190, 463, 467 a dead token; 10 and 200-299 missing permissions;
// anything else permanent. Answers without a Graph error (a proxy's HTML
// page, a truncated body), timeouts and connection errors are transient, a
// download's 429 is throttling and its other 4xx permanent. Errors of the
// caller's own fn are returned as they are and classify as Transient unless
// they wrap a Graph error.
func Classify(err error) Class {
	if err == nil {
		return 0
	}
	var e *Error
	if !errors.As(err, &e) {
		return Transient // network, timeout, cancelled context
	}
	switch e.Type {
	case typeDecode:
		return Permanent
	case typeNonJSON:
		return Transient
	case typeHTTPStatus:
		switch {
		case e.HTTPStatus == http.StatusTooManyRequests:
			return Throttled
		case e.HTTPStatus == http.StatusRequestTimeout, e.HTTPStatus >= 500:
			return Transient
		}
		return Permanent
	}
	switch c := e.Code; {
	case c == 1 || c == 2:
		return Transient
	case c == 4 || c == 17 || c == 32 || c == 613 || c == 80001 || c == 80006 ||
		(c >= 80002 && c <= 80005) || c == 80008 || c == 80014:
		return Throttled
	case c == 190 || c == 102 || c == 463 || c == 467:
		return TokenInvalid
	case c == 10 || (c >= 200 && c <= 299):
		return Permission
	case e.IsTransient:
		return Transient
	}
	return Permanent
}

// convertError turns what huandu returned into an *Error where it is an
// answer of the server; network and context errors stay as they are.
func convertError(err error, status int) error {
	var fe *facebook.Error
	if errors.As(err, &fe) {
		return &Error{
			Code:        fe.Code,
			Subcode:     fe.ErrorSubcode,
			Type:        fe.Type,
			Message:     fe.Message,
			FBTraceID:   fe.TraceID,
			HTTPStatus:  status,
			IsTransient: fe.IsTransient,
		}
	}
	var ue *facebook.UnmarshalError
	if errors.As(err, &ue) {
		return &Error{HTTPStatus: status, Type: typeNonJSON, Message: "answer is not JSON: " + snippet(ue.Payload)}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return err
	}
	if status != 0 && status >= 300 {
		return &Error{HTTPStatus: status, Type: typeNonJSON, Message: err.Error()}
	}
	return err
}

// snippet is the start of a body, printable ASCII only, for error messages.
func snippet(b []byte) string {
	const max = 80
	out := make([]byte, 0, max)
	for _, c := range b {
		if len(out) == max {
			return string(out) + "..."
		}
		if c < ' ' || c > '~' {
			c = ' '
		}
		out = append(out, c)
	}
	return string(out)
}
