package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/cli"
	"github.com/meldpunt/meldpunt/internal/config"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/testutil/eventgen"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
	"github.com/meldpunt/meldpunt/internal/testutil/tcpproxy"
)

// TestExactlyOnce publishes 10,000 events of which 2,000 repeat an earlier
// id: 1,500 through the same publisher within the duplicate window (the
// stream drops them), and 500 by a second publisher without the
// deduplication header, as a redelivery after the duplicate window would
// arrive (the stream keeps them; the registry must skip them).
func TestExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 events")
	}
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			ctx := context.Background()
			gen := eventgen.New(eventgen.Options{Seed: 1, TextSize: 1500})
			const unique, repeatsInWindow, repeatsLate = 8000, 1500, 500

			var evs []caseevent.Event
			for i := range unique {
				evs = append(evs, gen.Event(i))
				if i%5 == 0 && len(evs) < unique+repeatsInWindow && i/5 < repeatsInWindow {
					evs = append(evs, gen.Event(i/2)) // an earlier message again
				}
			}
			if len(evs) != unique+repeatsInWindow {
				t.Fatalf("workload has %d events, want %d", len(evs), unique+repeatsInWindow)
			}
			h.run(registry.Config{BatchSize: 250})
			var dups int
			for start := 0; start < len(evs); start += 1000 {
				res, err := h.bus.PublishEvents(ctx, evs[start:min(start+1000, len(evs))])
				if err != nil {
					t.Fatalf("publish: %v", err)
				}
				for _, r := range res {
					if r.Duplicate {
						dups++
					}
				}
			}
			if dups != repeatsInWindow {
				t.Errorf("stream reported %d duplicates, want %d", dups, repeatsInWindow)
			}
			// The second publisher: its own connection, no Nats-Msg-Id.
			late := newPublisher(t, h)
			for i := range repeatsLate {
				ev := gen.Event(i * 7)
				data, err := json.Marshal(ev)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := late.PublishRaw(ctx, caseevent.Subject(ev.Data.Channel, ev.Data.Inbox), "", data); err != nil {
					t.Fatalf("late publish: %v", err)
				}
			}
			s := h.waitFor("8,000 messages and every delivery handled", func(s store.Stats) bool {
				handled := promtest.ToFloat64(h.metrics.Events.WithLabelValues(registry.OutcomeStored)) +
					promtest.ToFloat64(h.metrics.Events.WithLabelValues(registry.OutcomeDuplicate))
				return s.Messages >= unique && handled >= unique+repeatsLate
			})
			if s.Messages != unique || s.Cases != unique || s.Quarantined != 0 {
				t.Errorf("store holds %d messages, %d cases, %d quarantined; want %d, %d, 0", s.Messages, s.Cases, s.Quarantined, unique, unique)
			}
			if got := s.ByChannel["email"]; got != unique {
				t.Errorf("by_channel email = %d, want %d", got, unique)
			}
			if got := promtest.ToFloat64(h.metrics.Events.WithLabelValues(registry.OutcomeDuplicate)); got != repeatsLate {
				t.Errorf("registry skipped %v duplicates, want %d", got, repeatsLate)
			}
			// `registry stats --json` reads the same store and says so.
			env := map[string]string{}
			if kind == "postgres" {
				env[config.EnvDatabaseURL] = h.dsn
			} else {
				env[config.EnvDataDir] = filepath.Dir(h.dsn)
			}
			var out, errOut bytes.Buffer
			code := cli.Registry(ctx, []string{"stats", "--json"}, cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }})
			if code != 0 {
				t.Fatalf("registry stats --json: exit %d: %s", code, errOut.String())
			}
			var got struct {
				Messages    int64            `json:"messages"`
				Cases       int64            `json:"cases"`
				Quarantined int64            `json:"quarantined"`
				ByChannel   map[string]int64 `json:"by_channel"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("registry stats --json printed %q: %v", out.String(), err)
			}
			if got.Messages != unique || got.Cases != unique || got.Quarantined != 0 || got.ByChannel["email"] != unique {
				t.Errorf("registry stats --json = %s, want %d messages and cases", out.String(), unique)
			}
		})
	}
}

func newPublisher(t *testing.T, h *harness) *bus.Bus {
	t.Helper()
	b, err := bus.Connect(context.Background(), bus.Config{URL: h.nats.URL(), Name: "second-publisher"}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestQuarantine: what cannot be accepted is kept with a readable reason,
// and the events behind it are stored.
func TestQuarantine(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{})
			ctx := context.Background()
			gen := eventgen.New(eventgen.Options{Seed: 2})
			publish := func(subject, id string, data []byte) {
				t.Helper()
				if _, err := h.bus.PublishRaw(ctx, subject, id, data); err != nil {
					t.Fatal(err)
				}
			}
			publishEvent := func(ev caseevent.Event) {
				t.Helper()
				if _, err := h.bus.PublishEvent(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			publishEvent(gen.Event(0))
			publish("meldpunt.intake.email.gemeentebestuur", "garbage-1", []byte("\x00\xffthis is not JSON at all"))
			publishEvent(gen.Event(1))
			publish("meldpunt.intake.email.gemeentebestuur", "notanevent-1", []byte(`{"hello": "world", "specversion": "0.3"}`))
			publishEvent(gen.Event(2))
			missing := gen.Event(3)
			missing.ID = "missing-attachment"
			missing.Data.Attachments = []caseevent.Attachment{{
				Name: "foto.jpg", ContentType: "image/jpeg", Size: 10,
				SHA256: strings.Repeat("ab", 32), Object: strings.Repeat("ab", 32),
			}}
			publishEvent(missing)
			wrongSubject := gen.Event(4)
			data, _ := json.Marshal(wrongSubject)
			publish("meldpunt.intake.facebook.gemeente", wrongSubject.ID, data)
			publishEvent(gen.Event(5))

			s := h.waitFor("4 stored and 4 quarantined", func(s store.Stats) bool { return s.Messages >= 4 && s.Quarantined >= 4 })
			if s.Messages != 4 || s.Quarantined != 4 {
				t.Fatalf("store holds %d messages and %d quarantined, want 4 and 4", s.Messages, s.Quarantined)
			}
			items, err := h.store.ListQuarantine(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"garbage-1":          "malformed",
				"notanevent-1":       "specversion",
				"missing-attachment": "data.attachments[0]: object",
				wrongSubject.ID:      caseevent.Subject(wrongSubject.Data.Channel, wrongSubject.Data.Inbox),
			}
			for _, it := range items {
				w, ok := want[it.EventID]
				if !ok {
					t.Errorf("unexpected quarantine item %q: %s", it.EventID, it.Reason)
					continue
				}
				if !strings.Contains(strings.ToLower(it.Reason), strings.ToLower(w)) {
					t.Errorf("reason for %s = %q, want it to mention %q", it.EventID, it.Reason, w)
				}
				if len(it.Payload) == 0 || it.Subject == "" {
					t.Errorf("quarantine item %s lost its payload or subject", it.EventID)
				}
				delete(want, it.EventID)
			}
			for id := range want {
				t.Errorf("%s not quarantined", id)
			}
		})
	}
}

// TestDatabaseOutage cuts the registry's connection to PostgreSQL while
// events arrive: nothing is acknowledged that was not committed, nothing is
// quarantined, and everything is stored once the database is back.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := tcpproxy.Start(t, u.Host)
	u.Host = proxy.Addr()
	ctx := context.Background()
	st, err := postgres.Open(ctx, u.String(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	direct, err := postgres.Open(ctx, dsn, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	srv := natstest.Start(t)
	h := &harness{t: t, nats: srv, bus: natstest.Connect(t, srv), store: direct, dsn: dsn}
	// The registry writes through the proxy; the test reads directly.
	regHarness := &harness{t: t, nats: srv, bus: h.bus, store: st}
	regHarness.run(registry.Config{BatchSize: 20})
	h.metrics = regHarness.metrics

	gen := eventgen.New(eventgen.Options{Seed: 6})
	var evs []caseevent.Event
	for i := range 300 {
		evs = append(evs, gen.Event(i))
	}
	if _, err := h.bus.PublishEvents(ctx, evs[:100]); err != nil {
		t.Fatal(err)
	}
	h.waitFor("first 100", func(s store.Stats) bool { return s.Messages >= 100 })

	proxy.Cut()
	if _, err := h.bus.PublishEvents(ctx, evs[100:]); err != nil {
		t.Fatal(err)
	}
	// Wait until the registry has met the outage and retried.
	deadline := time.Now().Add(2 * time.Minute)
	for promtest.ToFloat64(h.metrics.Retries) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the registry never retried during the outage")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := promtest.ToFloat64(h.metrics.Events.WithLabelValues(registry.OutcomeStored)); got != 100 {
		t.Errorf("%v events counted as stored during the outage, want 100", got)
	}
	proxy.Restore(t)
	s := h.waitFor("all 300", func(s store.Stats) bool { return s.Messages >= 300 })
	if s.Messages != 300 || s.Quarantined != 0 {
		t.Errorf("after the outage: %d messages, %d quarantined; want 300, 0", s.Messages, s.Quarantined)
	}
}
