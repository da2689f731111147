package routing

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// keyword is a whole-word phrase in normalised form. With prefix set, the last
// word of the phrase only has to start the word in the text ("afval*" matches
// "afvalzakken"), which Dutch compounds need.
type keyword struct {
	words  []string
	prefix bool
}

// words splits s into lower-case words of letters and digits with accents
// removed: "Ontevréden, échte klacht!" gives [ontevreden echte klacht].
// Compatibility decomposition also turns the Dutch ligature "ĳ" into "ij".
func words(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining accent left by decomposition: é became e + ◌́.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

// parseKeyword normalises a keyword from the rules file; ok is false when it
// has no letters or digits or a misplaced "*".
func parseKeyword(s string) (keyword, bool) {
	s = strings.TrimSpace(s)
	prefix := strings.HasSuffix(s, "*")
	s = strings.TrimSuffix(s, "*")
	if strings.Contains(s, "*") || strings.HasSuffix(s, " ") {
		return keyword{}, false
	}
	w := words(s)
	if len(w) == 0 {
		return keyword{}, false
	}
	return keyword{words: w, prefix: prefix}, true
}

func containsAny(text []string, keywords []keyword) bool {
	for _, k := range keywords {
		if k.in(text) {
			return true
		}
	}
	return false
}

func (k keyword) in(text []string) bool {
	last := len(k.words) - 1
	for i := 0; i+last < len(text); i++ {
		j := 0
		for ; j < last; j++ {
			if text[i+j] != k.words[j] {
				break
			}
		}
		if j < last {
			continue
		}
		w := text[i+last]
		if w == k.words[last] || (k.prefix && strings.HasPrefix(w, k.words[last])) {
			return true
		}
	}
	return false
}
