package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	l := newLimiter(15*time.Minute, 1000)
	lim := limit{"user:an", 3}
	for i := range 3 {
		if wait := l.take(t0.Add(time.Duration(i)*time.Minute), lim); wait != 0 {
			t.Fatalf("attempt %d refused, wait %v", i, wait)
		}
	}
	// Three failures at 0, 1 and 2 minutes: the next attempt waits until the
	// first leaves the window, at 15 minutes.
	if wait := l.take(t0.Add(5*time.Minute), lim); wait != 10*time.Minute {
		t.Errorf("fourth attempt: wait %v, want 10m", wait)
	}
	if wait := l.take(t0.Add(15*time.Minute), lim); wait != 0 {
		t.Errorf("attempt after the window: wait %v, want 0", wait)
	}
	// A forgiven attempt does not count.
	l.forgive(lim.key, t0.Add(15*time.Minute))
	if wait := l.take(t0.Add(15*time.Minute), lim); wait != 0 {
		t.Errorf("attempt after a forgiven one: wait %v, want 0", wait)
	}
	l.reset(lim.key)
	if wait := l.take(t0.Add(16*time.Minute), lim); wait != 0 {
		t.Errorf("attempt after reset: wait %v, want 0", wait)
	}

	// A refused attempt on one key records nothing on the other.
	other := limit{"ip:192.0.2.1", 10}
	for range 2 {
		l.take(t0.Add(16*time.Minute), lim)
	}
	if wait := l.take(t0.Add(16*time.Minute), lim, other); wait == 0 {
		t.Fatal("attempt over the limit allowed")
	}
	if n := len(l.failures[other.key]); n != 0 {
		t.Errorf("refused attempt recorded %d failures on the other key", n)
	}
}

func TestLimiterBoundsKeys(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	l := newLimiter(time.Minute, 100)
	for i := range 1000 {
		l.take(t0, limit{fmt.Sprint("user:", i), 5})
	}
	if n := len(l.failures); n > 100 {
		t.Errorf("%d keys kept, want at most 100", n)
	}
}

func TestAddressKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.1", "ip:192.0.2.1"},
		{"192.0.2.1:51234", "ip:192.0.2.1"},
		{"::ffff:192.0.2.1", "ip:192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "ip:2001:db8:1:2::/64"},
		{"[2001:db8:1:2::9]:443", "ip:2001:db8:1:2::/64"},
		{"fe80::1%eth0", "ip:fe80::/64"},
		{"", "ip:"},
		{"not an address", "ip:not an address"},
	} {
		if got := addressKey(tc.in); got != tc.want {
			t.Errorf("addressKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
