package auth

import (
	"net/netip"
	"sync"
	"time"
)

// limiter counts failed logins per key (a username, a client address) in a
// sliding window. It lives in memory, in one Service: several registry
// processes each count on their own, and a restart forgets.
type limiter struct {
	window  time.Duration
	maxKeys int

	mu sync.Mutex
	// failures holds, per key, the times of the most recent failures,
	// oldest first; never more than the highest limit asked for.
	failures map[string][]time.Time
}

func newLimiter(window time.Duration, maxKeys int) *limiter {
	return &limiter{window: window, maxKeys: maxKeys, failures: map[string][]time.Time{}}
}

// limit is a key and the failures it may have within the window.
type limit struct {
	key string
	max int
}

// take records an attempt of every key, counted as a failure until
// forgiven, and returns 0; or, when a key already failed its max times
// within the window, records nothing and returns how long to wait. Checking
// and recording at once keeps parallel attempts from slipping past the
// limit.
func (l *limiter) take(now time.Time, limits ...limit) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	keep := 0
	for _, lim := range limits {
		keep = max(keep, lim.max)
		recent := l.recent(lim.key, now)
		if len(recent) >= lim.max {
			// Allowed again once the max-th most recent failure leaves
			// the window.
			wait = max(wait, recent[len(recent)-lim.max].Add(l.window).Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, lim := range limits {
		fs := append(l.failures[lim.key], now)
		if len(fs) > keep {
			fs = fs[len(fs)-keep:]
		}
		l.failures[lim.key] = fs
	}
	if len(l.failures) > l.maxKeys {
		l.sweep(now)
	}
	return 0
}

// forgive takes back the failure recorded at t for key (the attempt
// succeeded).
func (l *limiter) forgive(key string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.failures[key]
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Equal(t) {
			fs = append(fs[:i:i], fs[i+1:]...)
			break
		}
	}
	if len(fs) == 0 {
		delete(l.failures, key)
		return
	}
	l.failures[key] = fs
}

// recent drops the failures of key outside the window and returns the rest.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	fs := l.failures[key]
	i := 0
	for i < len(fs) && !fs[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(fs) {
		delete(l.failures, key)
		return nil
	}
	fs = fs[i:]
	l.failures[key] = fs
	return fs
}

// sweep forgets keys without recent failures and, if there are still too
// many (a flood of made-up usernames), arbitrary others: the per-address
// limit still holds the flood back.
func (l *limiter) sweep(now time.Time) {
	for key := range l.failures {
		l.recent(key, now)
	}
	for key := range l.failures {
		if len(l.failures) <= l.maxKeys*9/10 {
			break
		}
		delete(l.failures, key)
	}
}

// reset forgets the failures of key.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// addressKey is the limiter key of a client address: the address itself
// for IPv4, its /64 network for IPv6 (one subscriber usually has a whole
// /64). A value that is not an address (with or without port) is used as
// it is.
func addressKey(clientIP string) string {
	addr, err := netip.ParseAddr(clientIP)
	if err != nil {
		ap, err := netip.ParseAddrPort(clientIP)
		if err != nil {
			return "ip:" + clientIP
		}
		addr = ap.Addr()
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.WithZone("").Prefix(64) // never fails for /64 of an IPv6 address
		return "ip:" + p.String()
	}
	return "ip:" + addr.String()
}
