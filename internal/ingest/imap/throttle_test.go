package imap_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/meldpunt/meldpunt/internal/ingest/imap"
)

func TestThrottleDelay(t *testing.T) {
	no := func(text string) error {
		return &goimap.Error{Type: goimap.StatusResponseTypeNo, Text: text}
	}
	for _, tc := range []struct {
		name string
		err  error
		want time.Duration
		ok   bool
	}{
		{"nil", nil, 0, false},
		{"other NO", no("Mailbox does not exist"), 0, false},
		{"exchange NO", no("Request is throttled. Suggested Backoff Time: 190 milliseconds"), 190 * time.Millisecond, true},
		{"exchange BAD", &goimap.Error{Type: goimap.StatusResponseTypeBad, Text: "Request is throttled. Suggested Backoff Time: 29831 milliseconds"}, 29831 * time.Millisecond, true},
		{"wrapped", fmt.Errorf("imap: uid fetch: %w", no("Request is throttled. Suggested Backoff Time: 5000 milliseconds")), 5 * time.Second, true},
		{"plain text", errors.New("* BYE Request is throttled. Suggested Backoff Time: 123 milliseconds"), 123 * time.Millisecond, true},
		{"lower case", no("request is throttled. suggested backoff time: 2 seconds"), 2 * time.Second, true},
		{"ms", no("Throttled. Suggested backoff time: 250ms"), 250 * time.Millisecond, true},
		{"minutes", no("Throttled. Suggested Backoff Time: 2 minutes"), 2 * time.Minute, true},
		{"no number", no("Request is throttled."), imap.DefaultThrottleDelay, true},
		{"code", &goimap.Error{Type: goimap.StatusResponseTypeNo, Code: "THROTTLED", Text: "Account exceeded command or bandwidth limits."}, imap.DefaultThrottleDelay, true},
		{"zero", no("Request is throttled. Suggested Backoff Time: 0 milliseconds"), imap.MinThrottleDelay, true},
		{"huge", no("Request is throttled. Suggested Backoff Time: 99999999999999999999999 milliseconds"), imap.MaxThrottleDelay, true},
		{"too long", no("Request is throttled. Suggested Backoff Time: 86400 seconds"), imap.MaxThrottleDelay, true},
		{"backoff without throttling", no("Suggested Backoff Time: 100 milliseconds"), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := imap.ThrottleDelay(tc.err)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("ThrottleDelay(%v) = %v, %v; want %v, %v", tc.err, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzThrottleDelay(f *testing.F) {
	f.Add("Request is throttled. Suggested Backoff Time: 190 milliseconds")
	f.Add("throttled backoff time: 18446744073709551616 s")
	f.Add("THROTTLED backofftime=5min")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		d, ok := imap.ThrottleDelay(errors.New(text))
		if !ok {
			if d != 0 {
				t.Fatalf("not throttled, but delay %v", d)
			}
			return
		}
		if d < imap.MinThrottleDelay || d > imap.MaxThrottleDelay {
			t.Fatalf("delay %v out of bounds for %q", d, text)
		}
	})
}

func TestIsConnectionError(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"sentinel", fmt.Errorf("imap: idle: %w: closed", imap.ErrConnection), true},
		{"timeout", fmt.Errorf("x: %w: %w", imap.ErrConnection, imap.ErrTimeout), true},
		{"eof", fmt.Errorf("read: %w", io.EOF), true},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"closed", net.ErrClosed, true},
		{"server NO", fmt.Errorf("imap: select: %w", &goimap.Error{Type: goimap.StatusResponseTypeNo, Text: "Mailbox doesn't exist"}), false},
		{"auth", fmt.Errorf("plain: %w", imap.ErrAuthFailed), false},
		{"other", errors.New("invalid flag"), false},
	} {
		if got := imap.IsConnectionError(tc.err); got != tc.want {
			t.Errorf("%s: IsConnectionError(%v) = %v; want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
