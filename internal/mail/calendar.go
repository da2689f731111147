package mail

import (
	"strings"
)

// summariseCalendar describes the first event of an iCalendar invitation
// (RFC 5545) in a few lines, for a message that has no other text:
//
//	Calendar invitation (REQUEST): Overleg bouwvergunning
//	Start: 2026-12-10 14:00 (Europe/Brussels)
//	End: 2026-12-10 15:00 (Europe/Brussels)
//	Location: Gemeentehuis, zaal 2
//	Organizer: Jan Claes <jan.claes@gemeente.example>
func summariseCalendar(data []byte, label string) string {
	s, _ := decodeCharset(label, data)
	s = normaliseNewlines(s)
	// Unfold (RFC 5545 section 3.1): a line break followed by one space or tab.
	s = strings.NewReplacer("\n ", "", "\n\t", "").Replace(s)
	var method string
	props := map[string]string{}
	params := map[string]string{}
	inEvent, done := false, false
	for _, line := range strings.Split(s, "\n") {
		if done {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		prop, param, _ := strings.Cut(name, ";")
		prop = strings.ToUpper(strings.TrimSpace(prop))
		switch {
		case prop == "METHOD" && !inEvent:
			method = strings.ToUpper(strings.TrimSpace(value))
		case prop == "BEGIN" && strings.EqualFold(strings.TrimSpace(value), "VEVENT"):
			inEvent = true
		case prop == "END" && strings.EqualFold(strings.TrimSpace(value), "VEVENT"):
			done = true
		case inEvent:
			if _, seen := props[prop]; !seen {
				props[prop] = value
				params[prop] = param
			}
		}
	}
	if !done && !inEvent {
		return ""
	}
	var b strings.Builder
	b.WriteString("Calendar invitation")
	if method != "" {
		b.WriteString(" (" + method + ")")
	}
	b.WriteString(": " + icsText(props["SUMMARY"]) + "\n")
	if v := props["DTSTART"]; v != "" {
		b.WriteString("Start: " + icsTime(v, params["DTSTART"]) + "\n")
	}
	if v := props["DTEND"]; v != "" {
		b.WriteString("End: " + icsTime(v, params["DTEND"]) + "\n")
	}
	if v := props["LOCATION"]; v != "" {
		b.WriteString("Location: " + icsText(v) + "\n")
	}
	if v := props["ORGANIZER"]; v != "" {
		email := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(v), "mailto:"), "MAILTO:")
		name := icsParam(params["ORGANIZER"], "CN")
		if name != "" {
			email = name + " <" + email + ">"
		}
		b.WriteString("Organizer: " + email + "\n")
	}
	return strings.TrimRight(cleanControl(b.String()), "\n")
}

// icsText undoes the escapes of RFC 5545 section 3.3.11.
func icsText(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`)
	return strings.TrimSpace(r.Replace(s))
}

// icsTime writes 20261210T140000 as 2026-12-10 14:00, with its zone.
func icsTime(v, param string) string {
	v = strings.TrimSpace(v)
	out := v
	if len(v) >= 8 && isAllDigits(v[:8]) {
		out = v[:4] + "-" + v[4:6] + "-" + v[6:8]
		if len(v) >= 13 && v[8] == 'T' && isAllDigits(v[9:13]) {
			out += " " + v[9:11] + ":" + v[11:13]
		}
		if strings.HasSuffix(v, "Z") {
			out += " UTC"
		}
	}
	if tz := icsParam(param, "TZID"); tz != "" {
		out += " (" + tz + ")"
	}
	return out
}

// icsParam returns a parameter of a property ("CN=Jan Claes;ROLE=...").
func icsParam(params, name string) string {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// cleanControl drops control characters other than line breaks and tabs.
func cleanControl(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
