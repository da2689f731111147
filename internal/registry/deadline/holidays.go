package deadline

import "time"

// BelgianHolidays returns the ten legal public holidays of Belgium in year
// (Royal Decree of 18 April 1974), in date order, as midnight UTC: New Year,
// Easter Monday, Labour Day (1 May), Ascension, Whit Monday, National Day
// (21 July), Assumption (15 August), All Saints (1 November), Armistice
// (11 November) and Christmas.
func BelgianHolidays(year int) []time.Time {
	easter := Easter(year)
	date := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	return []time.Time{
		date(time.January, 1),
		easter.AddDate(0, 0, 1),  // Paasmaandag
		date(time.May, 1),        // Dag van de Arbeid
		easter.AddDate(0, 0, 39), // O.L.H. Hemelvaart
		easter.AddDate(0, 0, 50), // Pinkstermaandag
		date(time.July, 21),      // Nationale feestdag
		date(time.August, 15),    // O.L.V. Hemelvaart
		date(time.November, 1),   // Allerheiligen
		date(time.November, 11),  // Wapenstilstand
		date(time.December, 25),  // Kerstmis
	}
}

// Easter returns Easter Sunday of the Gregorian year as midnight UTC, by the
// anonymous Gregorian computus (Meeus/Jones/Butcher).
func Easter(year int) time.Time {
	a := mod(year, 19)
	b, c := floorDiv(year, 100), mod(year, 100)
	d, e := floorDiv(b, 4), mod(b, 4)
	f := floorDiv(b+8, 25)
	g := floorDiv(b-f+1, 3)
	h := mod(19*a+b-d-g+15, 30)
	i, k := c/4, c%4
	l := mod(32+2*e+2*i-h-k, 7)
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// mod and floorDiv keep the computus well defined for years before 1, which
// only fuzzed or corrupt input reaches.
func mod(a, b int) int { return ((a % b) + b) % b }

func floorDiv(a, b int) int { return (a - mod(a, b)) / b }

// isWorkingDay reports whether the date is neither a weekend day nor a
// Belgian public holiday.
func isWorkingDay(y int, m time.Month, d int) bool {
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	for _, h := range BelgianHolidays(day.Year()) {
		if h.Equal(day) {
			return false
		}
	}
	return true
}

// AddWorkingDays returns the end (23:59:59, in loc) of the nth working day
// after t's date in loc; working days skip Saturdays, Sundays and
// BelgianHolidays. With n = 0 (or less) it is the end of t's own date, or of
// the next working day when that date is not one. A nil loc means t's own
// location. The result never decreases when t or n grows.
func AddWorkingDays(t time.Time, n int, loc *time.Location) time.Time {
	if loc == nil {
		loc = t.Location()
	}
	y, m, d := t.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if n <= 0 {
		for !isWorkingDay(day.Date()) {
			day = day.AddDate(0, 0, 1)
		}
	}
	for range max(n, 0) {
		day = day.AddDate(0, 0, 1)
		for !isWorkingDay(day.Date()) {
			day = day.AddDate(0, 0, 1)
		}
	}
	y, m, d = day.Date()
	return endOfDay(y, m, d, loc)
}
