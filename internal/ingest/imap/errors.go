package imap

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/emersion/go-imap/v2"
)

var (
	// ErrConnection marks an error after which the connection is gone:
	// dial again, with backoff.
	ErrConnection = errors.New("connection lost")
	// ErrTimeout is a server that stayed silent for Config.Timeout; the
	// error also matches ErrConnection.
	ErrTimeout = errors.New("server timed out")
	// ErrAuthFailed is a server that refused the credentials or token.
	// Retrying soon will not help, unless the token was refreshed.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrReadOnly is a change asked of a folder selected read-only.
	ErrReadOnly = errors.New("folder is selected read-only")
	// ErrNotSelected is a folder operation before Select.
	ErrNotSelected = errors.New("no folder selected")
	// ErrIdleUnsupported is Idle on a server without IDLE: poll instead.
	ErrIdleUnsupported = errors.New("server does not support IDLE")
)

// IsConnectionError reports whether err means the connection is lost (or
// could not be made): the Client must be closed and dialled again. It is
// false for an answer of the server (NO, BAD) on a live connection.
func IsConnectionError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrConnection) {
		return true
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		return false
	}
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, os.ErrDeadlineExceeded,
		syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, syscall.EPIPE, syscall.ETIMEDOUT,
		syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, target) {
			return true
		}
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// MessageError is a message the server would not return (FETCH answered
// NO for it alone). Fetch stops there; the messages before it were
// handed over.
type MessageError struct {
	UID uint32
	Err error
}

func (e *MessageError) Error() string { return fmt.Sprintf("uid %d: %v", e.UID, e.Err) }

func (e *MessageError) Unwrap() error { return e.Err }
