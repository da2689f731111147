package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// TestKeepSearchIndex: what the registry stored becomes searchable without
// a search having to index it first (PostgreSQL indexes after storing).
func TestKeepSearchIndex(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{})
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			var evs []caseevent.Event
			for i := range 50 {
				id := "<idx-" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@example.be>"
				evs = append(evs, caseevent.NewEvent(caseevent.NewID(caseevent.ChannelEmail, "gemeentebestuur", id), "test", at, caseevent.Message{
					Channel: caseevent.ChannelEmail, Direction: caseevent.DirectionIncoming, Inbox: "gemeentebestuur",
					Domain: caseevent.DomainGemeente, ExternalID: id, Subject: "Zwerfvuil aan de vijver",
					Sender: caseevent.Party{Name: "Burger " + id}, Text: "Er ligt zwerfvuil aan de vijver in het park.", ReceivedAt: &at,
				}))
			}
			if _, err := h.bus.PublishEvents(context.Background(), evs); err != nil {
				t.Fatal(err)
			}
			h.waitFor("50 messages", func(s store.Stats) bool { return s.Messages >= 50 })
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); registry.KeepSearchIndex(ctx, h.store, 10*time.Millisecond, testLogger(t)) }()
			defer func() { cancel(); <-done }()
			// The keeper has caught up when nothing is pending (asking with
			// a limit of zero indexes nothing itself). The deadline is a
			// safety net against a hung test, not a performance limit.
			deadline := time.Now().Add(3 * time.Minute)
			for {
				pending, err := h.store.UpdateSearchIndex(context.Background(), 0)
				if err != nil {
					t.Fatal(err)
				}
				if pending == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d changes still not indexed", pending)
				}
				time.Sleep(10 * time.Millisecond)
			}
			res, err := h.store.SearchMessages(context.Background(), store.SearchQuery{Text: "zwerfvuil vijver", Domains: []string{"gemeente"}, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 50 || res.Pending != 0 {
				t.Errorf("search finds %d (pending %d), want 50 (0)", res.Total, res.Pending)
			}
		})
	}
}
