// Package eventgen makes realistic case events for tests and benchmarks:
// Dutch text of a chosen size, senders, subjects and channels of a Flemish
// town. Same seed, same events.
package eventgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// Options shape the generated events.
type Options struct {
	// Seed makes the sequence reproducible.
	Seed uint64
	// TextSize is the approximate size of the message text in bytes.
	TextSize int
	// Domain of the events; empty alternates gemeente and sociaalhuis by inbox.
	Domain caseevent.Domain
	// Start is the time of the first event; later ones follow a minute apart.
	Start time.Time
}

var (
	subjects = []string{
		"Vraag over mijn afvalophaling", "Melding: kapotte straatverlichting", "Klacht over de behandeling van mijn aanvraag",
		"Wanneer is het containerpark open?", "Aanvraag parkeerkaart bewoners", "Put in het fietspad",
		"Vraag over huurpremie", "Sluikstort aan de kerk", "Geen antwoord op mijn mail van vorige week",
		"Afspraak maken bij het Sociaal Huis", "Overlast van de buren", "Vraag over bouwvergunning",
	}
	words = strings.Fields(`goeiedag ik woon in de kerkstraat en wil graag weten wanneer de
		gemeente iets doet aan het probleem dat ik vorige maand al gemeld heb er ligt nog altijd
		afval op de stoep en de lamp aan de hoek brandt niet mijn buren hebben hetzelfde gemerkt
		kunt u mij laten weten wie dit opvolgt en tegen wanneer ik een antwoord mag verwachten
		alvast bedankt met vriendelijke groeten het loket van het sociaal huis was gesloten toen
		ik langskwam daarom stuur ik deze mail`)
	firstNames = []string{"An", "Bart", "Els", "Jan", "Lieve", "Mohamed", "Nathalie", "Pieter", "Sofie", "Wim", "Yasmina", "Koen"}
	lastNames  = []string{"Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet"}
	streets    = []string{"Kerkstraat", "Stationsstraat", "Dorpsplein", "Molenstraat", "Schoolstraat", "Nieuwstraat"}
)

// Generator produces events.
type Generator struct {
	opts Options
	rng  *rand.Rand
}

// New returns a generator.
func New(opts Options) *Generator {
	if opts.TextSize <= 0 {
		opts.TextSize = 1200
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	}
	return &Generator{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
}

// Event returns the i-th event: the same i gives the same id, so
// Event(i) twice is a repeat of one message.
func (g *Generator) Event(i int) caseevent.Event {
	rng := rand.New(rand.NewPCG(g.opts.Seed, uint64(i)))
	inbox, domain := "gemeentebestuur", caseevent.DomainGemeente
	if g.opts.Domain == caseevent.DomainSociaalhuis || (g.opts.Domain == "" && i%5 == 4) {
		inbox, domain = "sociaalhuis", caseevent.DomainSociaalhuis
	}
	first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	// Every event is another citizen: the same person writing again about
	// the same thing is a repeat, which tests make on purpose.
	last = fmt.Sprintf("%s-%d", last, i)
	email := strings.ToLower(strings.ReplaceAll(first+"."+last, " ", "")) + "@example.be"
	var text strings.Builder
	for text.Len() < g.opts.TextSize {
		text.WriteString(words[rng.IntN(len(words))])
		text.WriteByte(' ')
	}
	sent := g.opts.Start.Add(time.Duration(i) * time.Minute)
	received := sent.Add(3 * time.Second)
	externalID := fmt.Sprintf("<gen-%d-%d@mail.example.be>", g.opts.Seed, i)
	m := caseevent.Message{
		Channel:    caseevent.ChannelEmail,
		Direction:  caseevent.DirectionIncoming,
		Inbox:      inbox,
		Domain:     domain,
		ExternalID: externalID,
		Sender: caseevent.Party{
			Name: first + " " + last, Email: email,
			Address: fmt.Sprintf("%s %d, 9999 Meldegem", streets[rng.IntN(len(streets))], 1+rng.IntN(120)),
		},
		Recipients: []caseevent.Party{{Email: inbox + "@meldegem.be"}},
		Subject:    subjects[rng.IntN(len(subjects))],
		Text:       text.String(),
		SentAt:     &sent,
		ReceivedAt: &received,
	}
	id := caseevent.NewID(m.Channel, m.Inbox, externalID)
	return caseevent.NewEvent(id, "meldpunt/ingest-mail/"+inbox, received, m)
}
