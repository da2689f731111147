package driverutil

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// What erasure looks for in text it does not remove wholesale: a detail
// shorter than this finds too much that is not the citizen ("Jan", "Gent").
const (
	minNameMention    = 5 // and two words at least: a first name alone is no one
	minDetailMention  = 6
	minAddressMention = 8
)

// Mentions returns the details of a citizen to look for in other texts:
// the full name (two words or more), e-mail, phone, Facebook id and
// address of each contact given (the contact and the senders of its
// messages), without duplicates, longest first so that a longer detail is
// replaced before a part of it.
func Mentions(cs ...store.Contact) []string {
	var out []string
	add := func(s string, min int) {
		s = strings.TrimSpace(Clean(s))
		if utf8.RuneCountInString(s) < min {
			return
		}
		for _, o := range out {
			if strings.EqualFold(o, s) {
				return
			}
		}
		out = append(out, s)
	}
	for _, c := range cs {
		if len(strings.Fields(c.Name)) >= 2 {
			add(c.Name, minNameMention)
		}
		add(c.Email, minDetailMention)
		add(c.Phone, minDetailMention)
		add(c.FacebookID, minDetailMention)
		add(c.Address, minAddressMention)
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// PayloadMentions are the details that identify a citizen in a
// quarantined payload: e-mail, phone and Facebook id (not the name, which
// is not unique enough to delete another citizen's event for).
func PayloadMentions(cs ...store.Contact) []string {
	var out []string
	for _, c := range cs {
		for _, s := range []string{c.Email, c.Phone, c.FacebookID} {
			if s = strings.TrimSpace(Clean(s)); utf8.RuneCountInString(s) >= minDetailMention && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// Scrub replaces every mention (compared case-insensitively) in s by
// store.Erased and reports whether it replaced any.
func Scrub(s string, mentions []string) (string, bool) {
	changed := false
	for _, m := range mentions {
		re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(m))
		if re.MatchString(s) {
			s, changed = re.ReplaceAllLiteralString(s, store.Erased), true
		}
	}
	return s, changed
}

// PayloadMentioned reports whether a quarantined payload holds one of the
// mentions, compared case-insensitively, or one of the event ids.
func PayloadMentioned(payload []byte, eventID string, mentions []string, eventIDs map[string]bool) bool {
	if eventID != "" && eventIDs[eventID] {
		return true
	}
	lower := bytes.ToLower(payload)
	for _, m := range mentions {
		if bytes.Contains(lower, bytes.ToLower([]byte(m))) {
			return true
		}
	}
	return false
}
