package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ForwardedClientIP returns a ClientIP for a UI behind reverse proxies: a
// request that comes from one of the trusted proxies is from the last
// address in its X-Forwarded-For that is not a trusted proxy itself (what
// the nearest proxy saw, not what the client claims); any other request is
// from its own address. Without it, behind a proxy every client has the
// proxy's address and the login rate limit per address locks everyone out.
func ForwardedClientIP(trusted []netip.Prefix) func(r *http.Request) string {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		host := remoteHost(r)
		addr, err := netip.ParseAddr(host)
		if err != nil || !isTrusted(addr) {
			return host
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			if h, _, err := net.SplitHostPort(hop); err == nil {
				hop = h
			}
			a, err := netip.ParseAddr(strings.Trim(hop, "[]"))
			if err != nil {
				return host // a hop we cannot read: trust nothing beyond the proxy
			}
			if !isTrusted(a) {
				return a.Unmap().String()
			}
		}
		return host
	}
}
