// Package mailgen writes realistic e-mail messages for tests and
// benchmarks: Dutch citizens writing to a Flemish town, with the defects
// real mail has (no Message-ID, a reused Message-ID). Same i, same bytes.
package mailgen

import (
	"fmt"
	"strings"
	"time"
)

var (
	names    = []string{"An Peeters", "Bart Janssens", "Els Maes", "Jan Jacobs", "Lieve Mertens", "Mohamed El Amrani", "Nathalie Dubois", "Pieter Claes", "Sofie Wouters", "Yasmina Benali"}
	subjects = []string{"Vraag over de afvalophaling", "Melding kapotte straatlamp Kerkstraat", "Klacht: nog altijd geen antwoord", "Aanvraag huurpremie", "Sluikstort aan het containerpark", "Bouwvergunning Molenstraat 12", "Afspraak Sociaal Huis", "Put in het fietspad"}
	lines    = []string{
		"Goeiedag,", "", "Ik woon in de Stationsstraat en wil graag weten wanneer de gemeente iets doet aan het probleem dat ik vorige maand al meldde.",
		"Er ligt nog altijd afval op de stoep en de lamp aan de hoek brandt niet.", "Kunt u mij laten weten wie dit opvolgt?", "",
		"Met vriendelijke groeten,",
	}
)

// Options shape the messages.
type Options struct {
	// NoMessageID: every n-th message has no Message-ID (0: none).
	NoMessageID int
	// ReusedMessageID: every n-th message reuses the Message-ID of the one
	// before it, with other content (0: none).
	ReusedMessageID int
	// PadTo pads the body to about this many bytes.
	PadTo int
}

// Message returns message i.
func Message(i int, o Options) []byte {
	name := names[i%len(names)]
	email := strings.ToLower(strings.ReplaceAll(strings.Split(name, " ")[0], " ", "")) + fmt.Sprintf(".%d@example.be", i)
	date := time.Date(2026, 1, 5, 8, 0, 0, 0, time.FixedZone("CET", 3600)).Add(time.Duration(i) * 7 * time.Minute)
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <%s>\r\n", email)
	fmt.Fprintf(&b, "From: %s <%s>\r\n", name, email)
	b.WriteString("To: gemeentebestuur@meldegem.be\r\n")
	fmt.Fprintf(&b, "Subject: %s (%d)\r\n", subjects[i%len(subjects)], i)
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	id := i
	if o.ReusedMessageID > 0 && i > 0 && i%o.ReusedMessageID == 0 {
		id = i - 1 // a broken mailer: the id of the message before
	}
	if o.NoMessageID == 0 || i%o.NoMessageID != 0 {
		fmt.Fprintf(&b, "Message-ID: <gen-%d@mail.example.be>\r\n", id)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "%s\r\nBericht nummer %d.\r\n", name, i)
	for b.Len() < o.PadTo {
		b.WriteString("Dit is een langere uitleg over de situatie in onze straat, met alle details die de dienst nodig heeft.\r\n")
	}
	return []byte(b.String())
}
