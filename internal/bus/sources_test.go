package bus_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/nats-io/nats.go/jetstream"
)

func TestSourceReports(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)

	// Before the registry made the bucket, there is nothing to show, and a
	// connector cannot report (it may not make the bucket).
	got, err := b.SourceReports(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("SourceReports before the bucket = %v, %v; want none", got, err)
	}
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	early := bus.SourceReport{Connector: "mail", Channel: "email", Source: "x", ReportedAt: at}
	if err := b.PutSourceReports(ctx, []bus.SourceReport{early}); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("PutSourceReports before the bucket = %v, want ErrBucketNotFound", err)
	}
	for range 2 { // the registry's every start
		if err := b.EnsureSources(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := b.SourceReports(ctx); err != nil || len(got) != 0 {
		t.Fatalf("SourceReports before any report = %v, %v; want none", got, err)
	}

	mail := bus.SourceReport{Connector: "mail", Channel: "email", Source: "gemeentebestuur/INBOX",
		LastSuccess: at, ReportedAt: at, IntervalSeconds: 30}
	fb := bus.SourceReport{Connector: "facebook", Channel: "facebook", Source: "gemeente/1234",
		LastError: "page token invalid", LastErrorAt: at, ConsecutiveFailures: 3, NeedsPerson: true, ReportedAt: at, IntervalSeconds: 30}
	if err := b.PutSourceReports(ctx, []bus.SourceReport{mail, fb}); err != nil {
		t.Fatal(err)
	}
	// A newer report replaces the older one of the same source.
	mail.LastError, mail.LastErrorAt, mail.ConsecutiveFailures = "dial tcp: connection refused", at.Add(time.Minute), 1
	if err := b.PutSourceReports(ctx, []bus.SourceReport{mail}); err != nil {
		t.Fatal(err)
	}

	// Another connection (the registry) reads them.
	other := natstest.Connect(t, srv)
	got, err = other.SourceReports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b bus.SourceReport) int { return strings.Compare(a.Connector, b.Connector) })
	if len(got) != 2 {
		t.Fatalf("SourceReports = %d reports, want 2: %+v", len(got), got)
	}
	for i, want := range []bus.SourceReport{fb, mail} {
		g := got[i]
		if g.Received.IsZero() || time.Since(g.Received) > time.Minute {
			t.Errorf("report %s: Received = %v, want the time the server stored it", g.Source, g.Received)
		}
		g.Received = time.Time{}
		if g != want {
			t.Errorf("report %d = %+v, want %+v", i, g, want)
		}
	}

	// A source name with characters a key cannot hold still makes a key.
	odd := bus.SourceReport{Connector: "mail", Channel: "email", Source: "sociaal huis/Postvak IN.*", ReportedAt: at}
	if err := b.PutSourceReports(ctx, []bus.SourceReport{odd}); err != nil {
		t.Fatalf("report with an odd source name: %v", err)
	}
	if got, err := b.SourceReports(ctx); err != nil || len(got) != 3 {
		t.Errorf("SourceReports = %d reports, %v; want 3", len(got), err)
	}
}
