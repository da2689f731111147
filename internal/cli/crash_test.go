package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/testutil/eventgen"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

const crashEvents = 6000

// crashConfig makes the registry commit in small batches, so that a kill
// lands between many commits.
const crashConfig = `
[consumer]
batch_size = 40
ack_wait = "5s"
[log]
level = "info"
`

func writeConfig(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "registry.toml")
	if err := os.WriteFile(path, []byte(crashConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// publishWorkload publishes crashEvents distinct events plus repeats of
// some of them, and returns how many distinct events there are.
func publishWorkload(t *testing.T, b *bus.Bus) int {
	t.Helper()
	gen := eventgen.New(eventgen.Options{Seed: 42, TextSize: 1000})
	var evs []caseevent.Event
	for i := range crashEvents {
		evs = append(evs, gen.Event(i))
		if i%10 == 9 {
			evs = append(evs, gen.Event(i-5))
		}
	}
	for start := 0; start < len(evs); start += 1000 {
		if _, err := b.PublishEvents(context.Background(), evs[start:min(start+1000, len(evs))]); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	return crashEvents
}

// waitMessages polls the store until it holds at least n messages.
func waitMessages(t *testing.T, st store.Store, n int64) store.Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute) // a hung test's safety net
	for {
		s, err := st.Stats(context.Background())
		if err == nil && s.Messages >= n {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("store never reached %d messages: %+v, %v", n, s, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkExactlyOnce checks the store after the dust settled: every event
// stored once, one case each with references 1..n without gaps or repeats.
func checkExactlyOnce(t *testing.T, st store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	s, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Messages != int64(n) || s.Cases != int64(n) || s.Quarantined != 0 {
		t.Fatalf("store holds %d messages, %d cases, %d quarantined; want %d, %d, 0", s.Messages, s.Cases, s.Quarantined, n, n)
	}
	var refs []string
	var before int64
	for {
		cases, err := st.ListCases(ctx, store.CaseFilter{Limit: 1000, BeforeID: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) == 0 {
			break
		}
		for _, c := range cases {
			refs = append(refs, c.Ref)
			if c.MessageCount != 1 {
				t.Errorf("case %s has %d messages, want 1", c.Ref, c.MessageCount)
			}
			before = c.ID
		}
	}
	sort.Strings(refs)
	for i, ref := range refs {
		if want := fmt.Sprintf("MP-2026-%06d", i+1); ref != want {
			t.Fatalf("case reference %d is %s, want %s (gap or repeat)", i, ref, want)
		}
	}
}

// TestCrashPostgres kills registries with SIGKILL in the middle of a
// backlog and checks that every event is stored exactly once, with one
// registry and with two sharing the consumer and the database.
func TestCrashPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	for _, registries := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d registries", registries), func(t *testing.T) {
			srv := natstest.Start(t)
			b := natstest.Connect(t, srv)
			dsn := pgtest.DSN(t)
			st, err := postgres.Open(context.Background(), dsn, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			n := publishWorkload(t, b)
			dir := t.TempDir()
			cfg := writeConfig(t, dir)
			env := map[string]string{
				"MELDPUNT_NATS_URL":     srv.URL(),
				"MELDPUNT_DATABASE_URL": dsn,
				"MELDPUNT_HTTP_ADDR":    "127.0.0.1:0",
			}
			start := func(name string) *child { return startChild(t, name, dir, env, "-config", cfg, "serve") }
			var kids []*child
			for i := range registries {
				kids = append(kids, start(fmt.Sprintf("registry-%d", i+1)))
			}
			// Kill one at a quarter and (with two) again at half, each time
			// restarting it.
			for _, at := range []int64{int64(n) / 4, int64(n) / 2} {
				s := waitMessages(t, st, at)
				kids[0].kill()
				if s.Messages >= int64(n) {
					t.Fatalf("the backlog was done before the kill; the test proved nothing")
				}
				t.Logf("killed %s with %d of %d stored", kids[0].name, s.Messages, n)
				kids[0] = start(kids[0].name)
			}
			waitMessages(t, st, int64(n))
			for _, k := range kids {
				if code := k.stop(); code != 0 {
					t.Errorf("%s exit code %d after SIGTERM", k.name, code)
				}
			}
			checkExactlyOnce(t, st, n)
		})
	}
}

// TestCrashEmbedded kills the registry in the embedded mode (its in-process
// NATS server and SQLite store die with it) in the middle of a backlog.
func TestCrashEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	natsAddr := freeAddr(t)
	env := map[string]string{
		"MELDPUNT_NATS_LISTEN": natsAddr,
		"MELDPUNT_HTTP_ADDR":   "127.0.0.1:0",
	}
	start := func() *child {
		c := startChild(t, "registry", dir, env, "-config", cfg, "serve")
		c.waitHTTP()
		return c
	}
	kid := start()
	b, err := bus.Connect(context.Background(), bus.Config{URL: "nats://" + natsAddr}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	n := publishWorkload(t, b)

	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "var", "meldpunt.db"), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := waitMessages(t, st, int64(n)/3)
	// `registry stats --json` reads the SQLite store while serve writes.
	stats := exec.Command(registryBinary(t), "stats", "--json")
	stats.Dir = dir
	stats.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	out, err := stats.Output()
	if err != nil {
		t.Fatalf("registry stats --json while serving: %v", err)
	}
	var live store.Stats
	if err := json.Unmarshal(out, &live); err != nil || live.Messages < s.Messages {
		t.Errorf("registry stats --json while serving printed %q (%v), want at least %d messages", out, err, s.Messages)
	}
	kid.kill()
	if s.Messages >= int64(n) {
		t.Fatalf("the backlog was done before the kill; the test proved nothing")
	}
	t.Logf("killed the registry with %d of %d stored", s.Messages, n)
	kid = start()
	waitMessages(t, st, int64(n))
	if code := kid.stop(); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
	checkExactlyOnce(t, st, n)
}
