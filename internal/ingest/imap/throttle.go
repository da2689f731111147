package imap

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Bounds of the delay ThrottleDelay reports.
const (
	// DefaultThrottleDelay is the delay for a throttled answer that
	// suggests none.
	DefaultThrottleDelay = 10 * time.Second
	// MinThrottleDelay keeps a suggested "0 milliseconds" from becoming a
	// tight loop.
	MinThrottleDelay = 100 * time.Millisecond
	// MaxThrottleDelay caps an absurd suggestion.
	MaxThrottleDelay = 15 * time.Minute
)

// backoffPattern finds Exchange's suggestion, e.g. "NO Request is
// throttled. Suggested Backoff Time: 190 milliseconds". Exchange gives
// milliseconds; the other units are there for servers that say so.
var backoffPattern = regexp.MustCompile(`(?i)backoff\s*time\s*[:=]?\s*(\d+)\s*(milliseconds?|millisecs?|msecs?|ms|minutes?|mins?|seconds?|secs?|s)?\b`)

// ThrottleDelay reports whether err is the server throttling the client
// (Exchange Online: "Request is throttled. Suggested Backoff Time: N
// milliseconds", answered with NO, BAD or BYE; others use the THROTTLED
// response code), and how long to wait before the next command or
// connection.
func ThrottleDelay(err error) (time.Duration, bool) {
	if err == nil {
		return 0, false
	}
	text := err.Error()
	if !strings.Contains(strings.ToLower(text), "throttl") {
		return 0, false
	}
	m := backoffPattern.FindStringSubmatch(text)
	if m == nil {
		return DefaultThrottleDelay, true
	}
	unit := time.Millisecond
	switch u := strings.ToLower(m[2]); {
	case strings.HasPrefix(u, "min"):
		unit = time.Minute
	case strings.HasPrefix(u, "s"):
		unit = time.Second
	}
	n, perr := strconv.ParseInt(m[1], 10, 64)
	if perr != nil || n > int64(MaxThrottleDelay/unit) {
		return MaxThrottleDelay, true
	}
	return min(max(time.Duration(n)*unit, MinThrottleDelay), MaxThrottleDelay), true
}
