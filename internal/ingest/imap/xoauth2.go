package imap

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/emersion/go-sasl"
)

// XOAUTH2 is the SASL mechanism of Google and Microsoft for OAuth 2.0
// bearer tokens. It predates OAUTHBEARER (RFC 7628) and has no RFC; see
// https://developers.google.com/gmail/imap/xoauth2-protocol and
// https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth.
//
// The initial response is
//
//	"user=" user "\x01auth=Bearer " token "\x01\x01"
//
// On success the server answers OK. On failure it first sends a
// continuation with a base64 JSON error, e.g.
// {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"};
// the client must answer it with an empty response, and then the server
// answers NO.
const xoauth2Mechanism = "XOAUTH2"

// NewXOAUTH2Client returns a SASL client for XOAUTH2 (go-sasl has none).
func NewXOAUTH2Client(username, token string) sasl.Client {
	return &xoauth2Client{username: username, token: token}
}

type xoauth2Client struct {
	username, token string
	serverErr       *XOAUTH2Error // the error challenge, if the server sent one
}

func (c *xoauth2Client) Start() (mech string, ir []byte, err error) {
	if err := checkXOAUTH2(c.username, c.token); err != nil {
		return "", nil, err
	}
	return xoauth2Mechanism, []byte("user=" + c.username + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

// Next answers the only challenge XOAUTH2 has, the error, with the empty
// response the protocol requires, so that the server ends the exchange
// with NO instead of waiting; the error is kept for the message.
func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	if c.serverErr != nil {
		return nil, errors.New("xoauth2: unexpected second challenge")
	}
	c.serverErr = parseXOAUTH2Error(challenge)
	return []byte{}, nil
}

// checkXOAUTH2 refuses what would break the framing of the initial
// response.
func checkXOAUTH2(username, token string) error {
	if username == "" {
		return errors.New("xoauth2: empty username")
	}
	if token == "" {
		return errors.New("xoauth2: empty token")
	}
	if strings.ContainsRune(username, '\x01') || strings.ContainsRune(token, '\x01') {
		return errors.New("xoauth2: username or token contains \\x01")
	}
	return nil
}

// XOAUTH2Error is the error a server sends as an XOAUTH2 challenge.
type XOAUTH2Error struct {
	Status  string `json:"status"`
	Schemes string `json:"schemes"`
	Scope   string `json:"scope"`
	// Raw is the challenge when it is not the expected JSON, cleaned up
	// for a log line.
	Raw string `json:"-"`
}

func (e *XOAUTH2Error) Error() string {
	if e.Raw != "" || (e.Status == "" && e.Schemes == "" && e.Scope == "") {
		return fmt.Sprintf("xoauth2 error challenge %q", e.Raw)
	}
	var b strings.Builder
	b.WriteString("xoauth2 error challenge: status ")
	b.WriteString(e.Status)
	if e.Schemes != "" {
		b.WriteString(", schemes " + e.Schemes)
	}
	if e.Scope != "" {
		b.WriteString(", scope " + e.Scope)
	}
	return b.String()
}

// maxChallengeText bounds what of an unexpected challenge ends up in an
// error message.
const maxChallengeText = 200

func parseXOAUTH2Error(challenge []byte) *XOAUTH2Error {
	var e XOAUTH2Error
	if err := json.Unmarshal(challenge, &e); err == nil {
		e.Status = printable(e.Status)
		e.Schemes = printable(e.Schemes)
		e.Scope = printable(e.Scope)
		return &e
	}
	return &XOAUTH2Error{Raw: printable(string(challenge))}
}

// printable keeps a server's text fit for a log line: no control
// characters, no invalid UTF-8, bounded length.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= maxChallengeText {
			b.WriteString("…")
			break
		}
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
