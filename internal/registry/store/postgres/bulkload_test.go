package postgres_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/testutil/ci"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// TestBulkLoad loads a small history in two calls and checks that the
// store reads it back and that the registry's writes go on after it:
// the next reference, case and message ids.
func TestBulkLoad(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	msg := func(id, caseID, contactID int64) *store.Message {
		return &store.Message{ID: id, EventID: "ev-" + string(rune('a'+id)), CaseID: caseID, ContactID: contactID,
			Channel: "email", Direction: "incoming", Domain: "gemeente", ExternalID: "<m" + string(rune('a'+id)) + "@x>",
			Subject: "Put in de straat", EventTime: at, StoredAt: at.Add(time.Duration(id) * time.Hour), Event: []byte(`{}`)}
	}
	closed := at.Add(48 * time.Hour)
	first := postgres.History{
		Contacts: []postgres.HistoryContact{{ID: 7, Domain: "gemeente", Contact: store.Contact{Name: "An Peeters",
			Email: "An@Example.be", Phone: "+32 470 12 34 56"}, CreatedAt: at, UpdatedAt: at}},
		Cases: []postgres.HistoryCase{{Case: store.Case{ID: 40, Ref: "MP-2026-000040", Domain: "gemeente", Status: store.StatusClosed,
			Subject: "Put in de straat", Channel: "email", ContactID: 7, OpenedAt: at, UpdatedAt: closed, ClosedAt: &closed,
			AnsweredAt: &closed}, Place: "kerkstraat 1", Category: "defect-openbare-weg"}},
		Messages: []*store.Message{msg(100, 40, 7)},
		Timeline: []postgres.HistoryEntry{
			{CaseID: 40, TimelineEntry: store.TimelineEntry{At: at.Add(100 * time.Hour), Kind: "message", MessageID: 100}},
			{CaseID: 40, TimelineEntry: store.TimelineEntry{At: closed, Kind: "status", Actor: "jan", Detail: "nieuw → afgesloten"}},
		},
	}
	if err := s.BulkLoad(ctx, first); err != nil {
		t.Fatalf("BulkLoad: %v", err)
	}
	// A later slice with a message of the earlier case.
	if err := s.BulkLoad(ctx, postgres.History{Messages: []*store.Message{msg(101, 40, 7)},
		Timeline: []postgres.HistoryEntry{{CaseID: 40, TimelineEntry: store.TimelineEntry{At: at.Add(101 * time.Hour), Kind: "message", MessageID: 101}}},
	}); err != nil {
		t.Fatalf("BulkLoad: %v", err)
	}
	if err := s.BulkLoadDone(ctx); err != nil {
		t.Fatalf("BulkLoadDone: %v", err)
	}

	c, err := s.GetCase(ctx, "MP-2026-000040")
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != 40 || c.Status != store.StatusClosed || c.ContactID != 7 || len(c.Messages) != 2 || len(c.Timeline) != 3 ||
		c.ClosedAt == nil || !c.ClosedAt.Equal(closed) {
		t.Errorf("case %+v with %d messages, %d timeline entries", c.Case, len(c.Messages), len(c.Timeline))
	}

	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	ids, err := tx.UpsertContacts(ctx, []store.DomainContact{{Domain: "gemeente", Contact: store.Contact{Email: "an@example.be"}}})
	if err != nil || ids[0] != 7 {
		t.Errorf("UpsertContacts = %v, %v; want the loaded contact 7 (found by its normalised e-mail)", ids, err)
	}
	related, err := tx.FindRelatedCases(ctx, []store.RelatedQuery{{Domain: "gemeente", Place: "kerkstraat 1",
		Category: "defect-openbare-weg", Since: at.Add(-time.Hour)}})
	if err != nil || related[0] != 0 {
		t.Errorf("FindRelatedCases = %v, %v; want nothing (the case is closed)", related, err)
	}
	refs, err := tx.CreateCases(ctx, []store.NewCase{{Prefix: "MP", Year: 2026, Domain: "gemeente", OpenedAt: at}})
	if err != nil {
		t.Fatal(err)
	}
	if refs[0].Ref != "MP-2026-000041" || refs[0].ID <= 40 {
		t.Errorf("CreateCases = %+v, want MP-2026-000041 with an id after 40", refs[0])
	}
	m := msg(0, refs[0].ID, 0)
	m.ID, m.EventID = 0, "ev-new"
	if err := tx.InsertMessages(ctx, []*store.Message{m}); err != nil {
		t.Fatal(err)
	}
	if m.ID <= 101 {
		t.Errorf("new message id %d, want one after 101", m.ID)
	}
}

// TestOpenExplained checks that the statements of a transaction come back
// with their plans.
func TestOpenExplained(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	if err := open(t, dsn).Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		plans []string
	)
	s, err := postgres.OpenExplained(t.Context(), dsn, nil, func(p string) {
		mu.Lock()
		plans = append(plans, p)
		mu.Unlock()
	})
	if err != nil {
		ci.Missing(t, "auto_explain not available: %v", err)
	}
	defer s.Close()
	tx, err := s.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.FindCasesByRef(t.Context(), []store.DomainKey{{Domain: "gemeente", Value: "MP-2026-000001"}}); err != nil {
		t.Fatal(err)
	}
	// The plan of a transaction's last statement comes at its end.
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, p := range plans {
		if strings.Contains(p, "JOIN cases c ON c.ref = k.ref") && strings.Contains(p, "actual time=") {
			found = true
		}
	}
	if !found {
		t.Errorf("no analysed plan of FindCasesByRef among %d plans:\n%s", len(plans), strings.Join(plans, "\n\n"))
	}
}
