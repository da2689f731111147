package store

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

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

// NameKey is the form in which names are compared: lower case, accents and
// punctuation left out, name particles joined to the word they belong to
// ("De Wulf" and "Dewulf", "Van den Broeck" and "Vandenbroeck"), the words
// sorted ("Martens Wim" and "Wim Martens"). A name of fewer than two words
// has no key (""): one first name says too little about who wrote.
func NameKey(name string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, strings.ToLower(name))
	if err != nil {
		folded = strings.ToLower(name)
	}
	// An apostrophe joins: D'Hondt and Dhondt are one name.
	folded = strings.NewReplacer("'", "", "’", "").Replace(folded)
	fields := strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var words []string
	prefix := ""
	for _, f := range fields {
		if nameParticle(f) {
			prefix += f
			continue
		}
		words = append(words, prefix+f)
		prefix = ""
	}
	if prefix != "" { // a name ending in a particle
		words = append(words, prefix)
	}
	if len(words) < 2 {
		return ""
	}
	slices.Sort(words)
	return strings.Join(words, " ")
}

// nameParticle reports whether w is a Dutch, French or German particle of
// family names.
func nameParticle(w string) bool {
	switch w {
	case "de", "den", "der", "van", "vande", "vanden", "vander", "ver", "t", "te", "ter", "ten",
		"le", "la", "du", "d", "des", "von", "di", "da", "del":
		return true
	}
	return false
}
