package mail

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		want     string // RFC 3339, "" when no date should be found
		wantNote bool
	}{
		{"RFC 5322", "Thu, 3 Dec 2026 08:47:12 +0100", "2026-12-03T08:47:12+01:00", false},
		{"RFC 5322 with comment", "Tue,  8 Dec 2026 10:15:33 +0100 (CET)", "2026-12-08T10:15:33+01:00", false},
		{"no day name", "3 Dec 2026 08:47:12 -0500", "2026-12-03T08:47:12-05:00", false},
		{"zero offset is UTC", "Mon, 7 Dec 2026 10:02:09 +0000", "2026-12-07T10:02:09Z", false},
		{"-0000", "Mon, 7 Dec 2026 10:02:09 -0000", "2026-12-07T10:02:09Z", false},
		{"GMT", "Mon, 07 Dec 2026 10:02:09 GMT", "2026-12-07T10:02:09Z", false},
		{"zone name only", "Tue, 15 Dec 2026 16:20:00 CET", "2026-12-15T16:20:00+01:00", false},
		{"summer zone name", "Wed, 17 Jun 2026 16:20:00 CEST", "2026-06-17T16:20:00+02:00", false},
		{"numeric zone wins over name", "Wed, 17 Jun 2026 16:20:00 +0200 (CET)", "2026-06-17T16:20:00+02:00", false},
		{"no seconds", "Thu, 3 Dec 2026 08:47 +0100", "2026-12-03T08:47:00+01:00", false},
		{"two-digit year", "Thu, 03 Dec 26 08:47:12 +0100", "2026-12-03T08:47:12+01:00", false},
		{"two-digit year, last century", "Fri, 31 Dec 99 23:59:59 +0100", "1999-12-31T23:59:59+01:00", false},
		{"Dutch names", "do, 03 dec 2026 16:20:00 +0100", "2026-12-03T16:20:00+01:00", false},
		{"Dutch month spelled out", "donderdag 3 december 2026 16:20 +0100", "2026-12-03T16:20:00+01:00", false},
		{"Dutch mrt", "ma, 2 mrt 2026 09:00:00 +0100", "2026-03-02T09:00:00+01:00", false},
		{"French names", "jeu., 3 déc. 2026 16:20:00 +0100", "2026-12-03T16:20:00+01:00", false},
		{"French mardi and mars", "mar., 3 mars 2026 10:00:00 +0100", "2026-03-03T10:00:00+01:00", false},
		{"German names", "Do, 3 Dez 2026 16:20:00 +0100", "2026-12-03T16:20:00+01:00", false},
		{"colon in zone", "Thu, 3 Dec 2026 08:47:12 +01:00", "2026-12-03T08:47:12+01:00", false},
		{"three-digit zone", "Thu, 3 Dec 2026 08:47:12 +100", "2026-12-03T08:47:12+01:00", false},
		{"GMT+0100", "Thu, 3 Dec 2026 08:47:12 GMT+0100", "2026-12-03T08:47:12+01:00", false},
		{"UTC+1", "Thu, 3 Dec 2026 08:47:12 UTC+1", "2026-12-03T08:47:12+01:00", false},
		{"zone glued to time", "Thu, 3 Dec 2026 08:47:12+0100", "2026-12-03T08:47:12+01:00", false},
		{"asctime", "Thu Dec  3 08:47:12 2026", "2026-12-03T08:47:12Z", true},
		{"ISO 8601", "2026-12-03T08:47:12+01:00", "2026-12-03T08:47:12+01:00", false},
		{"ISO 8601 fraction", "2026-12-03T08:47:12.123Z", "2026-12-03T08:47:12.123Z", false},
		{"ISO without zone", "2026-12-03T08:47:12", "2026-12-03T08:47:12Z", true},
		{"SQL-like", "2026-12-03 08:47:12 +0100", "2026-12-03T08:47:12+01:00", false},
		{"dotted day first", "03.12.2026 08:47", "2026-12-03T08:47:00Z", true},
		{"slashed day first", "03/12/2026 08:47:12 +0100", "2026-12-03T08:47:12+01:00", false},
		{"day-month name-year", "03-Dec-2026 08:47:12 +0100", "2026-12-03T08:47:12+01:00", false},
		{"pm", "Thu, 3 Dec 2026 4:20 PM +0100", "2026-12-03T16:20:00+01:00", false},
		{"12 am", "Thu, 3 Dec 2026 12:05 AM +0100", "2026-12-03T00:05:00+01:00", false},
		{"leap second", "Wed, 31 Dec 2025 23:59:60 +0000", "2025-12-31T23:59:59Z", false},
		{"no time", "Thu, 3 Dec 2026 +0100", "2026-12-03T00:00:00+01:00", false},
		{"31 February", "Tue, 31 Feb 2026 10:00:00 +0100", "", false},
		{"year 1601", "Mon, 1 Jan 1601 00:00:00 +0000", "", false},
		{"year 0", "0000-01-01T00:00:00Z", "", false},
		{"absurd zone", "Thu, 3 Dec 2026 08:47:12 +9900", "2026-12-03T08:47:12Z", true},
		{"hour 25", "Thu, 3 Dec 2026 25:47:12 +0100", "", false},
		{"no month", "Thu, 3 2026 08:47:12 +0100", "", false},
		{"garbage", "gisteren rond de middag", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, note, ok := parseDate(tt.in)
			if tt.want == "" {
				if ok {
					t.Errorf("parseDate(%q) = %v, want no date", tt.in, got)
				}
				return
			}
			if !ok {
				t.Fatalf("parseDate(%q) found no date, want %s", tt.in, tt.want)
			}
			if s := got.Format(time.RFC3339Nano); s != tt.want {
				t.Errorf("parseDate(%q) = %s, want %s", tt.in, s, tt.want)
			}
			if (note != "") != tt.wantNote {
				t.Errorf("note = %q, want a note: %v", note, tt.wantNote)
			}
		})
	}
}

// TestParseDateIgnoresLocalZone checks that the result does not depend on
// the machine's time zone.
func TestParseDateIgnoresLocalZone(t *testing.T) {
	saved := time.Local
	t.Cleanup(func() { time.Local = saved })
	time.Local = time.FixedZone("CET", 3600)
	got, _, ok := parseDate("2026-12-03T08:47:12+01:00")
	if !ok {
		t.Fatal("no date")
	}
	if name, _ := got.Zone(); name != "" {
		t.Errorf("zone name %q, want none: the location must not be the local one", name)
	}
}
