package postgres_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/testutil/eventgen"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// The two ways into messages compared, as the registry benchmark
// (internal/registry/bench) compares them, without NATS:
//
//	go test ./internal/registry/store/postgres -run '^$' -bench . -benchtime 20x
//
// Each iteration writes one batch of new events; events/s is the figure to
// compare.

const benchBatch = 500

// benchMessages are n messages as the registry makes them from generated
// events of about 2 KB, with event ids that start at from.
func benchMessages(b *testing.B, from, n int) []*store.Message {
	b.Helper()
	gen := eventgen.New(eventgen.Options{Seed: 7, TextSize: 1500})
	now := time.Now()
	ms := make([]*store.Message, n)
	for i := range ms {
		ev := gen.Event(from + i)
		raw, err := json.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		d := ev.Data
		ms[i] = &store.Message{
			EventID: ev.ID, Channel: string(d.Channel), Direction: string(d.Direction), Inbox: d.Inbox,
			Domain: string(d.Domain), ExternalID: d.ExternalID, SenderName: d.Sender.Name,
			SenderEmail: d.Sender.Email, SenderAddress: d.Sender.Address, Subject: d.Subject, Text: d.Text,
			SentAt: d.SentAt, ReceivedAt: d.ReceivedAt, EventTime: ev.Time, Event: raw, StoredAt: now,
		}
	}
	return ms
}

func benchStore(b *testing.B) *postgres.Store {
	b.Helper()
	s, err := postgres.Open(b.Context(), pgtest.DSN(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return s
}

func reportEvents(b *testing.B) {
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBulkInsert500 is the ceiling: message rows only.
func BenchmarkBulkInsert500(b *testing.B) {
	s := benchStore(b)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		ms := benchMessages(b, i*benchBatch, benchBatch)
		b.StartTimer()
		n, err := s.BulkInsertMessages(b.Context(), ms)
		if err != nil || n != benchBatch {
			b.Fatalf("BulkInsertMessages = %d, %v", n, err)
		}
	}
	reportEvents(b)
}

// BenchmarkTxBatch500 is one registry batch of new events, each opening a
// case: the calls the registry makes, in its order.
func BenchmarkTxBatch500(b *testing.B) {
	s := benchStore(b)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		ms := benchMessages(b, i*benchBatch, benchBatch)
		b.StartTimer()
		if err := storeBatch(b, s, ms); err != nil {
			b.Fatal(err)
		}
	}
	reportEvents(b)
}

func storeBatch(b *testing.B, s *postgres.Store, ms []*store.Message) error {
	ctx := b.Context()
	tx, err := s.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	ids := make([]string, len(ms))
	keys := make([]store.DomainKey, len(ms))
	for i, m := range ms {
		ids[i] = m.EventID
		keys[i] = store.DomainKey{Domain: m.Domain, Value: fmt.Sprint("<parent-", m.ExternalID, ">")}
	}
	stored, err := tx.ClaimEvents(ctx, ids)
	if err != nil || len(stored) != 0 {
		return fmt.Errorf("ClaimEvents = %v, %v", stored, err)
	}
	if _, err := tx.FindCasesByExternalID(ctx, keys); err != nil {
		return err
	}
	contacts := make([]store.DomainContact, len(ms))
	for i, m := range ms {
		contacts[i] = store.DomainContact{Domain: m.Domain, Contact: store.Contact{
			Name: m.SenderName, Email: m.SenderEmail, Address: m.SenderAddress,
		}}
	}
	contactIDs, err := tx.UpsertContacts(ctx, contacts)
	if err != nil {
		return err
	}
	cases := make([]store.NewCase, len(ms))
	for i, m := range ms {
		m.ContactID = contactIDs[i]
		cases[i] = store.NewCase{Prefix: "MP", Year: 2026, Domain: m.Domain, Subject: m.Subject,
			Channel: m.Channel, ContactID: m.ContactID, OpenedAt: *m.ReceivedAt}
	}
	refs, err := tx.CreateCases(ctx, cases)
	if err != nil {
		return err
	}
	for i, m := range ms {
		m.CaseID = refs[i].ID
	}
	if err := tx.InsertMessages(ctx, ms); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
