package driverutil

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestReadMigrations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr bool
	}{
		{"ordered by number", fstest.MapFS{
			"m/0010_later.sql": {Data: []byte("b")},
			"m/0002_next.sql":  {Data: []byte("a")},
			"m/0001_init.sql":  {Data: []byte("x")},
			"m/README.md":      {Data: []byte("not sql")},
		}, []int{1, 2, 10}, false},
		{"same version", fstest.MapFS{"m/0001_a.sql": {}, "m/1_b.sql": {}}, nil, true},
		{"no number", fstest.MapFS{"m/init.sql": {}}, nil, true},
		{"zero", fstest.MapFS{"m/0000_init.sql": {}}, nil, true},
		{"none", fstest.MapFS{"m/README.md": {}}, nil, true},
		{"no directory", fstest.MapFS{}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := ReadMigrations(tc.files, "m")
			if (err != nil) != tc.wantErr {
				t.Fatalf("ReadMigrations: %v, want error %v", err, tc.wantErr)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("versions %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("versions %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestFormatRef(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prefix string
		year   int
		n      int64
		want   string
	}{
		{"MP", 2026, 123, "MP-2026-000123"},
		{"MP", 2026, 1, "MP-2026-000001"},
		{"SH", 2027, 999999, "SH-2027-999999"},
		{"MP", 2026, 1234567, "MP-2026-1234567"}, // grows rather than wraps
	} {
		if got := FormatRef(tc.prefix, tc.year, tc.n); got != tc.want {
			t.Errorf("FormatRef(%s, %d, %d) = %s, want %s", tc.prefix, tc.year, tc.n, got, tc.want)
		}
	}
}

func TestCleanMessageKeepsInput(t *testing.T) {
	t.Parallel()
	m := &store.Message{
		Subject:     "a\x00b",
		References:  []string{"r\x00"},
		Attachments: []store.Attachment{{Name: "n\x00"}},
		EventTime:   time.Date(2026, 1, 1, 0, 0, 0, 1999, time.FixedZone("X", 3600)),
	}
	c := CleanMessage(m)
	if c.Subject != "ab" || c.References[0] != "r" || c.Attachments[0].Name != "n" {
		t.Errorf("CleanMessage = %+v", c)
	}
	if m.Subject != "a\x00b" || m.References[0] != "r\x00" || m.Attachments[0].Name != "n\x00" {
		t.Errorf("CleanMessage changed its input: %+v", m)
	}
	if want := time.Date(2025, 12, 31, 23, 0, 0, 1000, time.UTC); c.EventTime != want {
		t.Errorf("EventTime = %v, want %v", c.EventTime, want)
	}
	if c.StoredAt.IsZero() {
		t.Error("StoredAt not set")
	}
}

// FuzzClean: whatever a message holds, the cleaned text is storable as
// PostgreSQL text, and cleaning twice changes nothing (so an event id
// deduplicates the same after cleaning).
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", "nul\x00", "bad \xff\xfe utf-8", "\xed\xa0\x80 surrogate", "é ü 日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if !utf8.ValidString(c) || strings.ContainsRune(c, 0) {
			t.Errorf("Clean(%q) = %q: not storable", s, c)
		}
		if Clean(c) != c {
			t.Errorf("Clean(Clean(%q)) != Clean(%q)", s, s)
		}
		if utf8.ValidString(s) && !strings.ContainsRune(s, 0) && c != s {
			t.Errorf("Clean(%q) = %q: changed clean text", s, c)
		}
	})
}
