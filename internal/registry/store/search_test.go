package store_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestPhoneQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"0477 12 34 56", "0477123456", true},
		{"+32 (0)9 123.45.67", "32091234567", true},
		{"0032 9/123-45-67", "3291234567", true},
		{"12345", "", false},
		{"MP-2026-000123", "", false},
		{"straatlamp", "", false},
		{"", "", false},
	} {
		got, ok := store.PhoneQuery(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("PhoneQuery(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLeadingWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"kort", 10, "kort"},
		{"  de lamp brandt niet  ", 10, "de lamp …"},
		{"straatverlichting", 6, "straat …"},
		{"café café", 4, "caf …"},
	} {
		if got := store.LeadingWords(tc.in, tc.n); got != tc.want {
			t.Errorf("LeadingWords(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestSearchQueryNormalized(t *testing.T) {
	t.Parallel()
	if _, err := (store.SearchQuery{Text: "x"}).Normalized(); err != store.ErrNoDomains {
		t.Errorf("no domains: %v", err)
	}
	q, err := store.SearchQuery{Text: " a\x00b\xff ", Domains: []string{"gemeente"}, Limit: 1000, Offset: -3}.Normalized()
	if err != nil || q.Text != "ab\uFFFD" || q.Limit != store.SearchMaxLimit || q.Offset != 0 {
		t.Errorf("Normalized = %+v, %v", q, err)
	}
	if q, _ := (store.SearchQuery{Domains: []string{"gemeente"}}).Normalized(); q.Limit != store.SearchDefaultLimit {
		t.Errorf("default limit %d", q.Limit)
	}
	if _, err := (store.ContactQuery{Text: "x"}).Normalized(); err != store.ErrNoDomains {
		t.Errorf("contacts without domains: %v", err)
	}
}

// FuzzSplitMarked: the parts hold the text without the marks, white space
// made single spaces, none empty, and neighbours differ in Match.
func FuzzSplitMarked(f *testing.F) {
	for _, s := range []string{"", "a \x02b\x03 c", "\x02\x02a\x03\x03", "x\x03y\x02", " \x02 \x03 ", "één\u00a0twee", "\xe9", "0\x02\x030", "0 \x02", "\x02a \x03 b", "a\u2003\x02 b", "\x02 0 \x02 00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts := store.SplitMarked(s)
		if !utf8.ValidString(s) { // stored text never is; the parts are
			for _, p := range parts {
				if !utf8.ValidString(p.Text) {
					t.Fatalf("SplitMarked(%q): part %q", s, p.Text)
				}
			}
			return
		}
		var b strings.Builder
		for i, p := range parts {
			if p.Text == "" {
				t.Fatalf("SplitMarked(%q): empty part %d", s, i)
			}
			if i > 0 && parts[i-1].Match == p.Match {
				t.Fatalf("SplitMarked(%q): parts %d and %d both match=%v", s, i-1, i, p.Match)
			}
			if strings.ContainsAny(p.Text, store.MarkStart+store.MarkStop+"\n\t") || strings.Contains(p.Text, "  ") ||
				(p.Match && strings.TrimSpace(p.Text) != p.Text) {
				t.Fatalf("SplitMarked(%q): part %q", s, p.Text)
			}
			b.WriteString(p.Text)
		}
		want := strings.Join(strings.Fields(strings.NewReplacer(store.MarkStart, "", store.MarkStop, "").Replace(s)), " ")
		if got := b.String(); got != want {
			t.Fatalf("SplitMarked(%q) joins to %q, want %q", s, got, want)
		}
	})
}
