package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestForwardedClientIP(t *testing.T) {
	ip := ForwardedClientIP([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")})
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct, header ignored", "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"through the proxy", "127.0.0.1:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a client's forged hop is left of the real one", "127.0.0.1:5000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"two trusted proxies", "127.0.0.1:5000", []string{"203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"several headers", "127.0.0.1:5000", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"ipv6 client", "127.0.0.1:5000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"garbage hop", "127.0.0.1:5000", []string{"203.0.113.9, nonsense"}, "127.0.0.1"},
		{"no header", "127.0.0.1:5000", nil, "127.0.0.1"},
		{"only proxies", "127.0.0.1:5000", []string{"10.0.0.1"}, "127.0.0.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ip(r); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
