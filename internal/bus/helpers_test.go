package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// testContext is generous: tests wait for events, never for wall-clock
// durations.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testEvent(inbox, externalID string) caseevent.Event {
	id := caseevent.NewID(caseevent.ChannelEmail, inbox, externalID)
	return caseevent.NewEvent(id, "meldpunt/ingest-mail/"+inbox, time.Date(2026, 12, 4, 10, 15, 0, 0, time.UTC), caseevent.Message{
		Channel:    caseevent.ChannelEmail,
		Direction:  caseevent.DirectionIncoming,
		Inbox:      inbox,
		Domain:     caseevent.DomainGemeente,
		ExternalID: externalID,
		Subject:    "Put in de straat",
		Text:       "Er zit een put in de Kerkstraat <ter hoogte van nr. 12>.",
	})
}
