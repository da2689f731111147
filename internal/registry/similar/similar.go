// Package similar tells whether two messages of a citizen are about the
// same thing: the words that carry meaning are compared with the overlap
// coefficient. What carries no meaning is left out: Dutch and French stop
// words, greetings, courtesies and the words of mail and phone notes, the
// signature, quoted earlier mail, and numbers too short to name anything
// (house numbers, postcodes, pieces of phone numbers). Accents and case are
// ignored, Dutch inflections are reduced to one stem ("straatlampen" and
// "straatlamp", "afspraken" and "afspraak"), and a word is found inside a
// compound ("leefloon" in "leefloonaanvraag"). Pure; imports nothing of
// meldpunt.
package similar

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Words are the meaningful words of a text, as a set of stems.
type Words map[string]struct{}

// quoteStarts end the citizen's own words in a reply: what follows is the
// earlier message, quoted or forwarded.
var quoteStarts = []string{
	"-----original message-----", "-----oorspronkelijk bericht-----", "----- doorgestuurd bericht",
	"---------- doorgestuurd bericht", "---------- forwarded message", "van:", "from:", "de :", "verzonden:",
}

// closings start the signature: a closing formula on a line of its own,
// and the name, address and phone number that follow it.
var closings = []string{
	"met vriendelijke groet", "vriendelijke groet", "met beleefde groet", "beleefde groet", "hartelijke groet",
	"beste groet", "met groet", "groeten", "groetjes", "mvg", "cordialement", "bien a vous", "kind regards",
	"best regards", "--", "verzonden vanaf mijn", "verstuurd vanaf mijn", "sent from my",
}

// stopWords carry no meaning of their own: the Snowball stop words of Dutch
// (and a few French and English ones), greetings and courtesies, the words
// of mail and phone notes ("dossier", "bijlage", "belt"), and the verbs and
// words of time and number with which people ask anything at all ("kan
// iemand", "al twee weken", "nog altijd niet").
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		aan al alle alles als altijd ander andere ben bent bij daar dan dat de der deze die dit doch doen door
		dus een eens en er ge geen geweest haar had heb hebt hebben heeft hem het hier hij hoe hun iemand iets ik
		in is ja je jij kan kon kunnen kunt maar me meer men met mij mijn moet na naar niet niets nog nu of om
		omdat ons onze ook op over reeds te tegen toch toen tot u uit uw van veel voor want waren was wat we wel
		werd wezen wie wij wil wilt worden wordt zal ze zelf zich zij zijn zo zonder zou

		waar wanneer waarom welk welke hoeveel ofwel zoals sinds tussen via per vanaf tijdens binnen buiten
		bijna even gewoon echt heel erg zeer graag steeds weer opnieuw alweer terug ineens intussen ondertussen
		daarvoor hiervoor hierover daarover hierbij daarbij jullie hen elkaar mekaar niemand iedereen alleen
		enkel ongeveer zouden zullen moeten mogen mag mocht willen wilde konden ga gaat gaan ging komt komen kom
		kwam krijg krijgt krijgen kreeg kregen doe doet deed weet weten wist zie ziet zien zag laat laten liet
		staat staan stond sta hadden zult vind vindt vinden denk denkt lijkt blijft blijven nodig gebeurt
		gebeurd langs

		twee drie vier vijf zes zeven acht negen tien eerste tweede keer keren dag dagen week weken maand
		maanden jaar jaren uur uren vandaag gisteren morgen vanmorgen vanavond vannacht straks later vroeger
		vorige vorig volgende volgend geleden

		vraag vragen vroeg vroegen antwoord antwoorden bericht berichten nieuws mail mails gemaild mailde
		mailen email brief telefoon telefonisch belt belde gebeld bellen dossier dossiernummer kenmerk nummer
		referentie ontvangstbevestiging bijlage bijgevoegd hieronder gemeente tel gsm

		goeiedag goedendag goededag goedemorgen goeiemorgen goedemiddag goeiemiddag goedenavond goeieavond
		hallo hoi hey beste geachte geacht heer mevrouw meneer mevr dhr dames heren dank danku bedankt merci
		alvast hartelijk vriendelijk vriendelijke groet groeten groetjes mvg re antw aw tr fw fwd doorgestuurd

		le la les un une des et ou dans sur pour avec est sont je vous nous il elle ils pas ne que qui au aux
		du ce cette mon ma mes votre vos bonjour cordialement madame monsieur
		the and to of a is are for on in with`) {
		m[w] = true
	}
	return m
}()

// Of returns the meaningful words of texts (a subject and a text, say).
func Of(texts ...string) Words {
	w := Words{}
	for _, text := range texts {
		for _, line := range strings.Split(unsigned(own(text)), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), ">") {
				continue // quoted
			}
			for _, word := range strings.FieldsFunc(fold(line), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				if meaningful(word) {
					w[stem(word)] = struct{}{}
				}
			}
		}
	}
	return w
}

// meaningful reports whether a folded word can tell messages apart: not a
// stop word, at least three letters, and if only digits, at least five (a
// file number, not a house number, postcode or piece of a phone number).
func meaningful(word string) bool {
	if utf8.RuneCountInString(word) < 3 || stopWords[word] {
		return false
	}
	if strings.IndexFunc(word, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		return len(word) >= 5
	}
	return true
}

// own cuts a reply at the first line that starts the quoted earlier mail
// ("Op 3 maart 2026 om 10:12 schreef Gemeente <info@...>:", "-----Original
// Message-----", "Van: ...").
func own(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		t := strings.ToLower(strings.TrimSpace(l))
		if strings.HasSuffix(t, ":") && (strings.HasPrefix(t, "op ") && strings.Contains(t, "schreef") ||
			strings.HasPrefix(t, "le ") && strings.Contains(t, "a écrit") || strings.HasPrefix(t, "on ") && strings.Contains(t, "wrote")) {
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

// unsigned cuts the signature: from a closing formula on a line of its own
// ("Met vriendelijke groeten,"), or else the last paragraph when it looks
// like one: at most five short lines, none ending a sentence (a name, an
// address, a phone number). The first line is never cut, so a subject or a
// one-line message stays whole.
func unsigned(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n\t "), "\n")
	for i, l := range lines {
		t := strings.Trim(fold(strings.TrimSpace(l)), ",.!")
		if i == 0 || len(t) > 40 {
			continue
		}
		for _, c := range closings {
			if t == c || strings.HasPrefix(t, c+" ") || (c == "--" && strings.HasPrefix(t, c)) {
				return strings.Join(lines[:i], "\n")
			}
		}
	}
	last := len(lines)
	for last > 0 && strings.TrimSpace(lines[last-1]) != "" {
		last--
	}
	if last == 0 || len(lines)-last > 5 {
		return text // one paragraph, or a long last one
	}
	for _, l := range lines[last:] {
		l = strings.TrimSpace(l)
		if len(l) > 40 || strings.HasSuffix(l, ".") || strings.HasSuffix(l, "?") || strings.HasSuffix(l, "!") || strings.HasSuffix(l, ":") {
			return text
		}
	}
	return strings.Join(lines[:last], "\n")
}

// stem reduces a folded Dutch word to a stem its inflections share: one
// plural or inflected ending goes ("-en", "-s", "-e"), then a doubled final
// consonant, or a doubled vowel before the final consonant, is made single.
// So "straten" and "straat" both give "strat", "kapotte" and "kapot" both
// "kapot". It is a light version of the Snowball Dutch stemmer, enough to
// compare two messages; short words stay as they are.
func stem(w string) string {
	r := []rune(w)
	switch n := len(r); {
	case n >= 5 && strings.HasSuffix(w, "en"):
		r = r[:n-2]
	case n >= 5 && strings.HasSuffix(w, "s") && !isVowel(r[n-2]) && r[n-2] != 's':
		r = r[:n-1]
	case n >= 5 && strings.HasSuffix(w, "e"):
		r = r[:n-1]
	}
	n := len(r)
	if n >= 4 && r[n-1] == r[n-2] && unicode.IsLetter(r[n-1]) && !isVowel(r[n-1]) {
		r = r[:n-1]
		n--
	}
	if n >= 4 && !isVowel(r[n-1]) && strings.ContainsRune("aeou", r[n-2]) && r[n-2] == r[n-3] {
		r = append(r[:n-2], r[n-1])
	}
	return string(r)
}

func isVowel(r rune) bool { return strings.ContainsRune("aeiouy", r) }

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

// minPart is the shortest word that is found inside a compound: shorter
// ones ("straat", "park", "premie") end or start too many compounds that
// mean something else.
const minPart = 6

// Score is the overlap coefficient of a and b: the share of the smaller
// set's words found in the other, 0 when either is empty. A word is found
// when the other set has it, or has a compound that starts or ends with it
// and the word is at least minPart letters long ("leefloon" is found in
// "leefloonaanvraag", "overlast" in "geluidsoverlast").
func Score(a, b Words) float64 {
	s, _ := score(a, b)
	return s
}

// score is Score and the number of words found, taken in the direction that
// gives the higher share, so that neither depends on the order of a and b.
func score(a, b Words) (float64, int) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	na, nb := found(a, b), found(b, a)
	sa, sb := float64(na)/float64(len(a)), float64(nb)/float64(len(b))
	if sa > sb || sa == sb && na >= nb {
		return sa, na
	}
	return sb, nb
}

// found counts the words of a that are found in b.
func found(a, b Words) int {
	var heads, tails []string // b's words, and b's words reversed, sorted
	n := 0
	for w := range a {
		if _, ok := b[w]; ok {
			n++
			continue
		}
		if utf8.RuneCountInString(w) < minPart {
			continue
		}
		if heads == nil {
			for v := range b {
				heads = append(heads, v)
				tails = append(tails, reverse(v))
			}
			slices.Sort(heads)
			slices.Sort(tails)
		}
		if startsSome(heads, w) || startsSome(tails, reverse(w)) {
			n++
		}
	}
	return n
}

// startsSome reports whether a word of sorted (other than p itself) starts
// with p.
func startsSome(sorted []string, p string) bool {
	i, _ := slices.BinarySearch(sorted, p)
	for ; i < len(sorted) && strings.HasPrefix(sorted[i], p); i++ {
		if sorted[i] != p {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// Same reports whether two word sets are about the same thing: at least
// three words, and at least a third of the smaller set, found in the other;
// or, for a short message of three words or more, two words that are half
// of it. A citizen who writes again repeats the words of the subject but
// adds what is new (it got worse, nobody came, the bailiff called), so
// asking for half of the words misses most repeats.
func Same(a, b Words) bool {
	s, n := score(a, b)
	return n >= 3 && s >= 1.0/3 || n >= 2 && s >= 0.5 && min(len(a), len(b)) >= 3
}
