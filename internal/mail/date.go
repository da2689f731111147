package mail

import (
	"strconv"
	"strings"
	"time"
)

// parseDate reads a Date: value. It tries ISO 8601, then reads the pieces
// of RFC 5322 dates (with their obsolete forms) and of what broken mailers
// write, in any order: day names and month names in English, Dutch,
// French and German, two-digit years (RFC 5322 section 4.3), time zone
// names (CET, CEST, ...), numeric zones written "+0100", "+01:00",
// "GMT+1" or "+100", dates written 4.12.2026 or 04/12/2026 (day first, as
// in Europe). A date without a zone is read as UTC and flagged. ok is
// false when no plausible date (years 1970-9999) is found.
func parseDate(s string) (t time.Time, note string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "", false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return checkDate(t, "")
		}
	}
	return parseDateLoosely(s)
}

// checkDate rejects implausible dates and gives t a location that depends
// only on its offset (time.Parse may pick the machine's local zone).
func checkDate(t time.Time, note string) (time.Time, string, bool) {
	if t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, "", false
	}
	_, off := t.Zone()
	switch {
	case off <= -24*3600 || off >= 24*3600:
		return time.Time{}, "", false
	case off == 0:
		t = t.UTC()
	default:
		t = t.In(time.FixedZone("", off))
	}
	return t, note, true
}

var monthNames = map[string]time.Month{
	"jan": 1, "januari": 1, "january": 1, "janv": 1, "janvier": 1, "januar": 1, "jän": 1,
	"feb": 2, "februari": 2, "february": 2, "fév": 2, "févr": 2, "fev": 2, "fevr": 2, "février": 2, "fevrier": 2, "februar": 2,
	"mar": 3, "mrt": 3, "maart": 3, "march": 3, "mars": 3, "mär": 3, "märz": 3, "maerz": 3,
	"apr": 4, "april": 4, "avr": 4, "avril": 4,
	"may": 5, "mei": 5, "mai": 5,
	"jun": 6, "juni": 6, "june": 6, "juin": 6,
	"jul": 7, "juli": 7, "july": 7, "juil": 7, "juillet": 7,
	"aug": 8, "augustus": 8, "august": 8, "aoû": 8, "aout": 8, "août": 8,
	"sep": 9, "sept": 9, "september": 9, "septembre": 9,
	"oct": 10, "okt": 10, "oktober": 10, "october": 10, "octobre": 10,
	"nov": 11, "november": 11, "novembre": 11,
	"dec": 12, "december": 12, "déc": 12, "décembre": 12, "decembre": 12, "dez": 12, "dezember": 12,
}

var dayNames = map[string]bool{
	"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
	"ma": true, "di": true, "wo": true, "do": true, "vr": true, "za": true, "zo": true,
	"maandag": true, "dinsdag": true, "woensdag": true, "donderdag": true, "vrijdag": true, "zaterdag": true, "zondag": true,
	"lun": true, "mer": true, "jeu": true, "ven": true, "sam": true, "dim": true,
	"lundi": true, "mardi": true, "mercredi": true, "jeudi": true, "vendredi": true, "samedi": true, "dimanche": true,
	"mo": true, "mi": true, "fr": true, "sa": true, "so": true, "die": true, "mit": true, "don": true, "fre": true,
}

// zoneOffsets are the zone names mail software writes, in seconds east.
var zoneOffsets = map[string]int{
	"ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 3600, "west": 3600,
	"cet": 3600, "met": 3600, "mez": 3600, "cest": 7200, "mest": 7200, "mesz": 7200,
	"eet": 7200, "eest": 10800,
	"est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
}

func parseDateLoosely(s string) (time.Time, string, bool) {
	s = strings.ToLower(s)
	// Keep a zone name from a comment such as "(CET)"; drop other
	// punctuation that only separates.
	s = strings.NewReplacer("(", " ", ")", " ", ",", " ", "\"", " ").Replace(s)
	s = splitISOTime(s)
	var (
		day, year, hour, min, sec = -1, -1, -1, 0, 0
		month                     time.Month
		offset                    = 0
		haveZone                  bool
		pm, am                    bool
	)
	setZone := func(off int) {
		if !haveZone {
			offset, haveZone = off, true
		}
	}
	for _, tok := range strings.Fields(s) {
		tok = strings.TrimRight(tok, ".")
		if tok == "" {
			continue
		}
		switch {
		case tok == "pm":
			pm = true
		case tok == "am":
			am = true
		case strings.Contains(tok, ":") && isDigit(tok[0]):
			clock, zone := splitClock(tok)
			h, m, sc, ok := parseClock(clock)
			if !ok {
				continue
			}
			hour, min, sec = h, m, sc
			if zone != "" {
				if off, ok := parseZone(zone); ok {
					setZone(off)
				}
			}
		case (tok[0] == '+' || tok[0] == '-') && len(tok) > 1 && isDigit(tok[1]):
			if off, ok := parseZone(tok); ok {
				setZone(off)
			}
		case isAllDigits(tok):
			n, _ := strconv.Atoi(tok)
			switch {
			case len(tok) == 4 && year < 0:
				year = n
			case len(tok) <= 2 && day < 0 && n >= 1 && n <= 31:
				day = n
			case len(tok) <= 2 && year < 0 && (month != 0 || day >= 0):
				year = twoDigitYear(n)
			}
		case strings.Count(tok, ".") == 2 || strings.Count(tok, "/") == 2 || strings.Count(tok, "-") == 2:
			d, m, y, ok := parseNumericDate(tok)
			if ok {
				day, month, year = d, m, y
			}
		default:
			word := tok
			if m, ok := monthNames[word]; ok {
				month = m
				continue
			}
			if dayNames[word] {
				continue
			}
			if off, ok := zoneOffsets[word]; ok {
				setZone(off)
				continue
			}
			// "GMT+0100", "UTC+1"
			for _, prefix := range []string{"gmt", "utc", "ut"} {
				if rest, found := strings.CutPrefix(word, prefix); found && rest != "" {
					if off, ok := parseZone(rest); ok {
						setZone(off)
					}
					break
				}
			}
			if len(word) > 3 {
				if m, ok := monthNames[word[:3]]; ok && month == 0 {
					month = m
				}
			}
		}
	}
	if day < 0 || month == 0 || year < 0 {
		return time.Time{}, "", false
	}
	if hour < 0 {
		hour = 0
	}
	if pm && hour < 12 {
		hour += 12
	} else if am && hour == 12 {
		hour = 0
	}
	if hour > 23 || min > 59 || sec > 60 {
		return time.Time{}, "", false
	}
	if sec == 60 {
		sec = 59 // a leap second cannot be written in the case event
	}
	loc := time.UTC
	note := ""
	if !haveZone {
		note = "date has no time zone; read as UTC"
	} else if offset != 0 {
		loc = time.FixedZone("", offset)
	}
	t := time.Date(year, month, day, hour, min, sec, 0, loc)
	if t.Day() != day {
		return time.Time{}, "", false // 31 February
	}
	return checkDate(t, note)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func twoDigitYear(n int) int {
	if n < 50 {
		return 2000 + n
	}
	return 1900 + n
}

// splitClock splits "10:15:00+0100" or "10:15z" into clock and zone.
func splitClock(tok string) (string, string) {
	for i := 1; i < len(tok); i++ {
		c := tok[i]
		if c == '+' || c == '-' || c >= 'a' && c <= 'z' {
			return tok[:i], tok[i:]
		}
	}
	return tok, ""
}

func parseClock(s string) (h, m, sec int, ok bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i] // fractions of a second
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	var nums [3]int
	for i, p := range parts {
		if !isAllDigits(p) || len(p) > 2 {
			return 0, 0, 0, false
		}
		nums[i], _ = strconv.Atoi(p)
	}
	return nums[0], nums[1], nums[2], true
}

// parseZone reads "+0100", "-05:00", "+1", "+100" or "z".
func parseZone(s string) (int, bool) {
	if s == "z" {
		return 0, true
	}
	if off, ok := zoneOffsets[s]; ok {
		return off, true
	}
	if len(s) < 2 || s[0] != '+' && s[0] != '-' {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	if !isAllDigits(digits) {
		return 0, false
	}
	var h, m int
	switch len(digits) {
	case 1, 2:
		h, _ = strconv.Atoi(digits)
	case 3:
		h, _ = strconv.Atoi(digits[:1])
		m, _ = strconv.Atoi(digits[1:])
	case 4:
		h, _ = strconv.Atoi(digits[:2])
		m, _ = strconv.Atoi(digits[2:])
	default:
		return 0, false
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// parseNumericDate reads 4.12.2026, 04/12/2026, 04-12-26, 2026-12-04, or
// 04-dec-2026.
func parseNumericDate(tok string) (int, time.Month, int, bool) {
	sep := "."
	switch {
	case strings.Contains(tok, "/"):
		sep = "/"
	case strings.Contains(tok, "-"):
		sep = "-"
	}
	f := strings.Split(tok, sep)
	if len(f) != 3 {
		return 0, 0, 0, false
	}
	if len(f[0]) == 4 && isAllDigits(f[0]) { // year first
		f[0], f[2] = f[2], f[0]
	}
	d, err1 := strconv.Atoi(f[0])
	y, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || d < 1 || d > 31 {
		return 0, 0, 0, false
	}
	var m time.Month
	if n, err := strconv.Atoi(f[1]); err == nil {
		if n < 1 || n > 12 {
			return 0, 0, 0, false
		}
		m = time.Month(n)
	} else if mm, ok := monthNames[strings.TrimRight(f[1], ".")]; ok {
		m = mm
	} else {
		return 0, 0, 0, false
	}
	if len(f[2]) <= 2 {
		y = twoDigitYear(y)
	}
	return d, m, y, true
}

// splitISOTime writes "2026-12-04t10:15" as "2026-12-04 10:15".
func splitISOTime(s string) string {
	b := []byte(s)
	for i := 1; i+1 < len(b); i++ {
		if b[i] == 't' && isDigit(b[i-1]) && isDigit(b[i+1]) {
			b[i] = ' '
		}
	}
	return string(b)
}
