package ingest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

func TestObserveCountsConsecutiveFailures(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	ok := func(min int) SourceHealth { return SourceHealth{LastSuccess: t0.Add(time.Duration(min) * time.Minute)} }
	tests := []struct {
		name string
		// steps are the Health states observed one after another.
		steps []SourceHealth
		want  int
	}{
		{"never synced", []SourceHealth{{}}, 0},
		{"one success", []SourceHealth{ok(1)}, 0},
		{"one failure", []SourceHealth{{LastErrorAt: t0}}, 1},
		{"three failures", []SourceHealth{{LastErrorAt: t0}, {LastErrorAt: t0.Add(time.Minute)}, {LastErrorAt: t0.Add(2 * time.Minute)}}, 3},
		{"the same failure seen twice", []SourceHealth{{LastErrorAt: t0}, {LastErrorAt: t0}}, 1},
		{"failures then a success", []SourceHealth{{LastErrorAt: t0}, {LastErrorAt: t0.Add(time.Minute)}, {LastSuccess: t0.Add(2 * time.Minute), LastErrorAt: t0.Add(time.Minute)}}, 0},
		{"failure and later success seen at once", []SourceHealth{{LastErrorAt: t0}, {LastErrorAt: t0.Add(time.Minute), LastSuccess: t0.Add(2 * time.Minute)}}, 0},
		{"success and later failure seen at once", []SourceHealth{{LastErrorAt: t0}, {LastErrorAt: t0.Add(2 * time.Minute), LastSuccess: t0.Add(time.Minute)}}, 1},
		{"success, then failures", []SourceHealth{ok(1), {LastSuccess: t0.Add(time.Minute), LastErrorAt: t0.Add(2 * time.Minute)}, {LastSuccess: t0.Add(time.Minute), LastErrorAt: t0.Add(3 * time.Minute)}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var seen sourceSeen
			for _, s := range tc.steps {
				seen.observe(s)
			}
			if seen.failures != tc.want {
				t.Errorf("failures = %d, want %d", seen.failures, tc.want)
			}
		})
	}
}

// TestReporter runs a reporter against a real NATS server and reads its
// reports back as the registry does.
func TestReporter(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	srv := natstest.Start(t)
	connector := natstest.Connect(t, srv)
	registry := natstest.Connect(t, srv)
	if err := registry.EnsureSources(ctx); err != nil {
		t.Fatal(err)
	}

	h := NewHealth()
	h.Register("gemeente/1234")
	rep := NewReporter(connector, ReportConfig{Connector: "facebook", Channel: caseevent.ChannelFacebook, Every: time.Hour}, h, nil)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		rep.Run(runCtx)
	}()

	// wait polls the reports until one satisfies ok.
	wait := func(what string, ok func(bus.SourceReport) bool) bus.SourceReport {
		t.Helper()
		var last []bus.SourceReport
		for ctx.Err() == nil {
			got, err := registry.SourceReports(ctx)
			if err != nil {
				t.Fatal(err)
			}
			last = got
			if len(got) == 1 && ok(got[0]) {
				return got[0]
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no report %s; last: %+v", what, last)
		return bus.SourceReport{}
	}

	// A registered source is reported before its first sync, although the
	// interval is an hour: changes go out at once.
	first := wait("of the registered source", func(r bus.SourceReport) bool { return true })
	if first.Connector != "facebook" || first.Channel != "facebook" || first.Source != "gemeente/1234" ||
		!first.LastSuccess.IsZero() || first.NeedsPerson || first.IntervalSeconds != 3600 {
		t.Errorf("first report = %+v", first)
	}

	h.Success("gemeente/1234")
	wait("of the success", func(r bus.SourceReport) bool { return !r.LastSuccess.IsZero() })

	h.Failure("gemeente/1234", errors.New("page token invalid"), true)
	r := wait("of the expired token", func(r bus.SourceReport) bool { return r.NeedsPerson })
	if r.LastError != "page token invalid" || r.ConsecutiveFailures != 1 || r.LastErrorAt.IsZero() {
		t.Errorf("report after the failure = %+v", r)
	}
	time.Sleep(2 * reportPoll) // failures closer together count once
	h.Failure("gemeente/1234", errors.New("page token invalid"), true)
	wait("of the second failure", func(r bus.SourceReport) bool { return r.ConsecutiveFailures == 2 })

	h.Success("gemeente/1234")
	r = wait("of the token mended", func(r bus.SourceReport) bool { return !r.NeedsPerson })
	if r.ConsecutiveFailures != 0 || r.LastError == "" {
		t.Errorf("report after the token was mended = %+v; want no failures, the last error kept", r)
	}

	stop()
	<-done
	r = wait("of the stop", func(r bus.SourceReport) bool { return r.Stopped })
	if r.LastSuccess.IsZero() {
		t.Errorf("last report = %+v", r)
	}
}

// TestReporterWithoutNATS: a reporter whose server is gone keeps running and
// stops when asked.
func TestReporterWithoutNATS(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)
	srv.Stop()
	h := NewHealth()
	h.Register("inbox")
	rep := NewReporter(b, ReportConfig{Connector: "eloket", Channel: caseevent.ChannelEloket, Every: 100 * time.Millisecond}, h, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		rep.Run(ctx)
	}()
	select {
	case <-done:
	case <-time.After(finalReportTimeout + 10*time.Second):
		t.Fatal("reporter did not stop")
	}
}
