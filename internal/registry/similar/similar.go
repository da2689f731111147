// Package similar tells whether two messages of a citizen are about the
// same thing: the words that carry meaning (no Dutch or French stop words,
// no quoted earlier mail, accents and case ignored) are compared with the
// overlap coefficient. Pure; imports nothing of meldpunt.
package similar

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Words are the meaningful words of a text, as a set.
type Words map[string]struct{}

// quoteStarts end the citizen's own words in a reply: what follows is the
// earlier message, quoted.
var quoteStarts = []string{
	"-----original message-----", "-----oorspronkelijk bericht-----", "----- doorgestuurd bericht",
	"van:", "from:", "de :", "verzonden:",
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`de het een en of in op aan van voor met om te is was zijn ben bent heb hebt
		heeft had ik je jij u uw mijn wij we ze zij hij dit dat die deze er hier daar niet geen wel ook nog al
		maar dan als want dus naar bij uit over tot door nu wat wie waar hoe wanneer kan kunt kunnen wil wilt
		zou zal moet mag graag goeiedag goedendag beste dag hallo bedankt dank alvast groeten vriendelijke
		met mvg groet meneer mevrouw heer le la les un une des et ou en dans sur pour avec est sont je vous
		nous il elle bonjour merci cordialement madame monsieur the and to of a`) {
		m[w] = true
	}
	return m
}()

// Of returns the meaningful words of text.
func Of(texts ...string) Words {
	w := Words{}
	for _, text := range texts {
		for _, line := range strings.Split(own(text), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), ">") {
				continue // quoted
			}
			for _, word := range strings.FieldsFunc(fold(line), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				if len([]rune(word)) >= 3 && !stopWords[word] {
					w[word] = struct{}{}
				}
			}
		}
	}
	return w
}

// own cuts a reply at the first line that starts the quoted earlier mail
// ("Op 3 maart schreef ...:", "-----Original Message-----", "Van: ...").
func own(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		t := strings.ToLower(strings.TrimSpace(l))
		if (strings.HasPrefix(t, "op ") && strings.HasSuffix(t, "schreef:")) || (strings.HasPrefix(t, "le ") && strings.HasSuffix(t, "a écrit :")) {
			return strings.Join(lines[:i], "\n")
		}
		for _, q := range quoteStarts {
			if i > 0 && strings.HasPrefix(t, q) {
				return strings.Join(lines[:i], "\n")
			}
		}
	}
	return text
}

// Fold lower-cases s and strips accents (é is e).
func Fold(s string) string { return fold(s) }

// fold lower-cases s and strips accents (é is e).
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

// Score is the overlap coefficient of a and b: the share of the smaller
// set's words found in the other, 0 when either is empty.
func Score(a, b Words) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	common := 0
	for w := range a {
		if _, ok := b[w]; ok {
			common++
		}
	}
	return float64(common) / float64(len(a))
}

// Same reports whether two word sets are about the same thing: at least
// half of the smaller set's words, and at least three of them, in common.
func Same(a, b Words) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	small := min(len(a), len(b))
	return Score(a, b) >= 0.5 && float64(small)*Score(a, b) >= 3
}
