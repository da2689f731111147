package store

import "strings"

// NormalizeEmail is the form in which e-mail addresses are compared: trimmed
// and lower-case. (The local part is case-sensitive by RFC 5321 section
// 2.4, but no mail system in practice treats it so, and citizens type it
// both ways.)
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// NormalizePhone is the form in which phone numbers are compared: digits
// only, with an international "00" prefix dropped so that "+32 9 123 45 67"
// and "0032 9 123 45 67" match. National forms ("09 123 45 67") stay
// different: telling them apart needs the country, which the store does not
// know.
func NormalizePhone(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return strings.TrimPrefix(b.String(), "00")
}
