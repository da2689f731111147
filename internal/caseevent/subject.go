package caseevent

import (
	"strings"
	"unicode"
)

// Subject returns the NATS subject an event of this channel and inbox is
// published on: "meldpunt.intake.<channel>.<inbox>", each made safe with
// SafeToken. Different inboxes may share a subject ("Sociaal Huis" and
// "sociaal.huis" both become sociaal_huis); subjects route, ids identify.
func Subject(channel Channel, inbox string) string {
	return SubjectPrefix + "." + SafeToken(string(channel)) + "." + SafeToken(inbox)
}

// SafeToken turns s into one NATS subject token: lower case, with a-z, 0-9,
// '-' and '_' kept, simple accents stripped (é becomes e, ß becomes ss), and
// every other rune, such as '.', '*', '>' and whitespace, replaced by '_'. An
// empty s gives "_". The result always matches ^[a-z0-9_-]+$, and SafeToken
// of a result is that result.
func SafeToken(s string) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			if plain := stripAccent(r); plain != "" {
				b.WriteString(plain)
			} else {
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}

// stripAccent returns the plain a-z spelling of a lower-case Latin letter
// with a diacritic (Latin-1 Supplement and Latin Extended-A), or "".
func stripAccent(r rune) string {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ă', 'ą':
		return "a"
	case 'æ':
		return "ae"
	case 'ç', 'ć', 'ĉ', 'ċ', 'č':
		return "c"
	case 'ď', 'đ', 'ð':
		return "d"
	case 'è', 'é', 'ê', 'ë', 'ē', 'ĕ', 'ė', 'ę', 'ě':
		return "e"
	case 'ĝ', 'ğ', 'ġ', 'ģ':
		return "g"
	case 'ĥ', 'ħ':
		return "h"
	case 'ì', 'í', 'î', 'ï', 'ĩ', 'ī', 'ĭ', 'į', 'ı':
		return "i"
	case 'ĳ':
		return "ij"
	case 'ĵ':
		return "j"
	case 'ķ', 'ĸ':
		return "k"
	case 'ĺ', 'ļ', 'ľ', 'ŀ', 'ł':
		return "l"
	case 'ñ', 'ń', 'ņ', 'ň', 'ŉ', 'ŋ':
		return "n"
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ŏ', 'ő':
		return "o"
	case 'œ':
		return "oe"
	case 'ŕ', 'ŗ', 'ř':
		return "r"
	case 'ś', 'ŝ', 'ş', 'š', 'ſ':
		return "s"
	case 'ß':
		return "ss"
	case 'ţ', 'ť', 'ŧ':
		return "t"
	case 'þ':
		return "th"
	case 'ù', 'ú', 'û', 'ü', 'ũ', 'ū', 'ŭ', 'ů', 'ű', 'ų':
		return "u"
	case 'ŵ':
		return "w"
	case 'ý', 'ÿ', 'ŷ':
		return "y"
	case 'ź', 'ż', 'ž':
		return "z"
	}
	return ""
}
