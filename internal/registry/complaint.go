package registry

import (
	"regexp"
	"strings"

	"github.com/meldpunt/meldpunt/internal/registry/similar"
)

// dissatisfaction matches Dutch phrases of a citizen who is unhappy about
// how their question or report is handled, in folded text (lower case,
// without accents).
var dissatisfaction = regexp.MustCompile(`\b(` + strings.Join([]string{
	`nog steeds`, `nog altijd`, `nog (altijd |steeds )?(geen|niets)`, `(geen|nooit) (antwoord|reactie|respons|nieuws)`,
	`niets (meer )?(gehoord|vernomen)`, `al (\w+ )?(dagen|weken|maanden)`, `ontevreden`, `onaanvaardbaar`,
	`onaanvaardbare`, `klacht`, `klagen`, `belachelijk`, `schandalig`, `teleurgesteld`, `niet serieus`,
	`(de|uw|jullie) (dienst|gemeente) (doet|reageert) niets`,
}, "|") + `)\b`)

// Dissatisfied reports whether a citizen's text says they are unhappy with
// how the town handles their question: a repeat that says so may be a
// complaint. Quoted earlier messages (lines starting with ">") are ignored.
func Dissatisfied(text string) bool {
	var own strings.Builder
	for line := range strings.Lines(text) {
		if !strings.HasPrefix(strings.TrimSpace(line), ">") {
			own.WriteString(line)
		}
	}
	return dissatisfaction.MatchString(similar.Fold(own.String()))
}
