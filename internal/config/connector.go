package config

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"
)

// This file holds what the connector configurations (ingest-mail,
// ingest-facebook, ingest-eloket) share.

// inboxRE is what an inbox name looks like.
var inboxRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// badFunc records one validation problem.
type badFunc func(format string, a ...any)

// applyConnectorEnv applies MELDPUNT_NATS_URL and MELDPUNT_HTTP_ADDR.
func applyConnectorEnv(n *NATS, h *HTTP, getenv func(string) string) {
	if v := getenv(EnvNATSURL); v != "" {
		n.URL = v
	}
	if v := getenv(EnvHTTPAddr); v != "" {
		h.Addr = v
	}
}

// checkConnector checks the NATS URL and HTTP address every connector needs.
func checkConnector(bad badFunc, n NATS, h HTTP) {
	if n.URL == "" {
		bad("nats.url (or MELDPUNT_NATS_URL) is required: connectors publish to the registry's NATS")
	}
	if _, _, err := net.SplitHostPort(h.Addr); err != nil {
		bad("http.addr %q: want host:port", h.Addr)
	}
}

// itemName names the i-th entry of a [[kind]] list by its inbox, or by its
// index while it has none.
func itemName(kind string, i int, inbox string) string {
	if inbox != "" {
		return fmt.Sprintf("%s %q", kind, inbox)
	}
	return fmt.Sprintf("%s[%d]", kind, i)
}

// checkInbox checks an entry's inbox name and domain. With a non-nil seen it
// also reports an inbox named twice, and records the inbox in seen.
func checkInbox(bad badFunc, p, inbox, domain string, seen map[string]bool) {
	if !inboxRE.MatchString(inbox) {
		bad("%s: inbox %q: want lower-case letters, digits, '-' or '_'", p, inbox)
	}
	if seen != nil {
		if seen[inbox] {
			bad("%s: inbox named twice", p)
		}
		seen[inbox] = true
	}
	if domain != "gemeente" && domain != "sociaalhuis" {
		bad("%s: domain %q: want gemeente or sociaalhuis", p, domain)
	}
}

// checkSince checks an optional YYYY-MM-DD start date.
func checkSince(bad badFunc, p, since string) {
	if since == "" {
		return
	}
	if _, err := time.Parse(time.DateOnly, since); err != nil {
		bad("%s: since %q: want YYYY-MM-DD", p, since)
	}
}

// isHTTPURL reports whether s starts with http:// or https://.
func isHTTPURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}
