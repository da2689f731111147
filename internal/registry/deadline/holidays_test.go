package deadline

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func brussels(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	return loc
}

func TestEaster(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		year int
		want time.Time
	}{
		{"2000", 2000, date(2000, time.April, 23)},
		{"2019 late", 2019, date(2019, time.April, 21)},
		{"2024", 2024, date(2024, time.March, 31)},
		{"2025", 2025, date(2025, time.April, 20)},
		{"2026", 2026, date(2026, time.April, 5)},
		{"2027", 2027, date(2027, time.March, 28)},
		{"2038 latest possible", 2038, date(2038, time.April, 25)},
		{"2285 earliest possible", 2285, date(2285, time.March, 22)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Easter(tt.year); !got.Equal(tt.want) {
				t.Errorf("Easter(%d) = %s, want %s", tt.year, got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
			}
		})
	}
}

func TestBelgianHolidays(t *testing.T) {
	t.Parallel()
	got := BelgianHolidays(2026)
	want := []string{
		"2026-01-01", // Nieuwjaar
		"2026-04-06", // Paasmaandag
		"2026-05-01", // Dag van de Arbeid
		"2026-05-14", // Hemelvaart
		"2026-05-25", // Pinkstermaandag
		"2026-07-21", // Nationale feestdag
		"2026-08-15", // O.L.V. Hemelvaart
		"2026-11-01", // Allerheiligen
		"2026-11-11", // Wapenstilstand
		"2026-12-25", // Kerstmis
	}
	if len(got) != len(want) {
		t.Fatalf("got %d holidays, want %d", len(got), len(want))
	}
	for i := range want {
		if s := got[i].Format(time.DateOnly); s != want[i] {
			t.Errorf("holiday %d = %s, want %s", i, s, want[i])
		}
	}
	if h := BelgianHolidays(2025); h[3].Format(time.DateOnly) != "2025-05-29" || h[4].Format(time.DateOnly) != "2025-06-09" {
		t.Errorf("2025 Ascension/Whit Monday = %s/%s", h[3].Format(time.DateOnly), h[4].Format(time.DateOnly))
	}
}

func TestAddWorkingDays(t *testing.T) {
	t.Parallel()
	loc := brussels(t)
	at := func(y int, m time.Month, d, hour int) time.Time { return time.Date(y, m, d, hour, 0, 0, 0, loc) }
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 0, loc) }
	tests := []struct {
		name string
		t    time.Time
		n    int
		want time.Time
	}{
		{"same week", at(2026, time.March, 2, 9), 3, end(2026, time.March, 5)},           // Mon → Thu
		{"across a weekend", at(2026, time.March, 5, 9), 2, end(2026, time.March, 9)},    // Thu → Mon
		{"friday plus one", at(2026, time.March, 6, 16), 1, end(2026, time.March, 9)},    // Fri → Mon
		{"opened on saturday", at(2026, time.March, 7, 10), 1, end(2026, time.March, 9)}, // Sat → Mon
		{"zero on a working day", at(2026, time.March, 4, 10), 0, end(2026, time.March, 4)},
		{"zero on sunday", at(2026, time.March, 8, 10), 0, end(2026, time.March, 9)},
		{"negative is zero", at(2026, time.March, 4, 10), -3, end(2026, time.March, 4)},
		{"across 11 November", at(2026, time.November, 10, 9), 1, end(2026, time.November, 12)}, // Tue → Thu
		{"across Christmas and a weekend", at(2026, time.December, 24, 9), 1, end(2026, time.December, 28)},
		{"across Christmas and New Year", at(2025, time.December, 24, 9), 5, end(2026, time.January, 2)},
		{"across Easter Monday", at(2026, time.April, 3, 9), 1, end(2026, time.April, 7)},
		{"ten working days", at(2026, time.May, 11, 9), 10, end(2026, time.May, 27)},                                     // skips Ascension 14 May and Whit Monday 25 May
		{"the date counts in loc", time.Date(2026, time.March, 8, 23, 30, 0, 0, time.UTC), 1, end(2026, time.March, 10)}, // Mon 00:30 in Brussels
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := AddWorkingDays(tt.t, tt.n, loc); !got.Equal(tt.want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.t, tt.n, got, tt.want)
			}
		})
	}
}

func FuzzAddWorkingDays(f *testing.F) {
	loc := brussels(f)
	f.Add(int64(1772700000), 10, 3600)
	f.Add(int64(1798156800), 1, 86400)
	f.Add(int64(-62135596800), 0, 0)
	f.Fuzz(func(t *testing.T, unix int64, n int, later int) {
		// Keep to years a case can have and periods a town can promise.
		unix %= 200 * 365 * 86400
		n %= 400
		later %= 60 * 86400
		if later < 0 {
			later = -later
		}
		t1 := time.Unix(unix, 0)
		t2 := t1.Add(time.Duration(later) * time.Second)
		got := AddWorkingDays(t1, n, loc)
		local := got.In(loc)
		if h, m, s := local.Clock(); h != 23 || m != 59 || s != 59 {
			t.Fatalf("AddWorkingDays(%s, %d) = %s: not the end of a day", t1, n, got)
		}
		if !isWorkingDay(local.Date()) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s: not a working day", t1, n, local)
		}
		if got.Before(t1) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s: before the start", t1, n, got)
		}
		if next := AddWorkingDays(t1, n+1, loc); next.Before(got) || (n >= 0 && !next.After(got) && isWorkingDay(t1.In(loc).Date())) {
			t.Fatalf("n %d → %s, n+1 → %s: not increasing", n, got, next)
		}
		if other := AddWorkingDays(t2, n, loc); other.Before(got) {
			t.Fatalf("t %s → %s, later t %s → %s: not monotonic", t1, got, t2, other)
		}
	})
}
