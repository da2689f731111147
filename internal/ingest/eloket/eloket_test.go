package eloket_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket/open311"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/meldpunt/meldpunt/internal/testutil/open311fake"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type rig struct {
	t      *testing.T
	bus    *bus.Bus
	health *ingest.Health
}

func newRig(t *testing.T) *rig {
	t.Helper()
	srv := natstest.Start(t)
	return &rig{t: t, bus: natstest.Connect(t, srv), health: ingest.NewHealth()}
}

// run runs a runner (a connector process) until stop is called.
func (r *rig) run(sources ...eloket.Source) (stop func()) {
	runner := eloket.NewRunner(r.bus, r.health, ingest.NewMetrics("eloket"), 1<<20, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); runner.Run(ctx, sources) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	r.t.Cleanup(stop)
	return stop
}

func (r *rig) count() uint64 { return natstest.StreamCount(r.t, r.bus) }

func (r *rig) waitCount(n uint64) {
	r.t.Helper()
	natstest.WaitStream(r.t, r.bus, n, func() string { return fmt.Sprintf("health %+v", r.health.Snapshot()) })
}

func (r *rig) events() map[string]caseevent.Event { return natstest.StreamEvents(r.t, r.bus) }

// TestOpen311 captures a town's two years of reports, through a server
// error, a malformed item, a restart and a report that changes later.
func TestOpen311(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	fake := open311fake.Start(t)
	to := time.Now().UTC().Truncate(time.Second)
	from := to.AddDate(-2, 0, 0)
	fake.Generate(300, from, to.Add(-time.Hour), 1)
	all := fake.All()
	fake.InjectMalformed(all[10].ID)
	fake.FailNext(2, 503, "<html>Service Unavailable</html>") // services.json, then the listing
	client, err := open311.New(open311.Config{BaseURL: fake.URL(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src := eloket.Source{Inbox: "eloket", Domain: caseevent.DomainGemeente, PollInterval: 100 * time.Millisecond,
		Overlap: time.Hour, Since: from.Add(-24 * time.Hour), Open311: client}
	stop := r.run(src)
	r.waitCount(300)
	stop()

	// A citizen's report is closed by the town: seen again, not new.
	fake.Update(all[0].ID, "closed")
	// A new report after the restart.
	fake.Add(open311fake.Request{ServiceCode: "sluikstort", ServiceName: "Sluikstort", Description: "Zakken afval aan de glasbol",
		Requested: to.Add(-time.Minute), Address: "Kerkstraat 1, 9999 Meldegem", Lat: 51.05, Long: 3.72, HasLocation: true})
	r.run(src)
	r.waitCount(301)
	time.Sleep(500 * time.Millisecond) // more polls over the overlap
	evs := r.events()
	if len(evs) != 301 {
		t.Fatalf("stream holds %d events, want 301", len(evs))
	}
	var malformed, located, withPhoto int
	for _, ev := range evs {
		d := ev.Data
		if ev.ID != eloket.EventID("eloket", d.ExternalID) {
			t.Errorf("event id %s does not follow from the submission id %s", ev.ID, d.ExternalID)
		}
		if d.ParseError != "" && d.Raw != nil {
			malformed++
		}
		if d.Location != nil {
			located++
		}
		if len(d.Attachments) > 0 {
			withPhoto++
		}
		if d.Form == nil || d.Form.ServiceCode == "" {
			t.Errorf("event %s has no service: %+v", ev.ID, d.Form)
		}
	}
	if malformed != 1 || located < 200 || withPhoto == 0 {
		t.Errorf("malformed %d (want 1), located %d, with photo %d", malformed, located, withPhoto)
	}
	if snap := r.health.Snapshot(); len(snap) != 1 || !snap[0].Healthy || !strings.Contains(snap[0].LastError, "503") {
		t.Errorf("health %+v", snap)
	}
}
