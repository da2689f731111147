package cli_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/testutil/eventgen"
	"github.com/meldpunt/meldpunt/internal/testutil/natscluster"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// clusterEvents is how many distinct events the cluster test publishes.
const clusterEvents = 5000

// TestClusterExactlyOnce runs the production layout on loopback: a
// three-node NATS cluster (separate nats-server processes, with the users of
// `registry nats-accounts`), the stream and buckets replicated three times,
// and two registries sharing the consumer and a PostgreSQL database. While a
// publisher feeds events as the mail connector, the node leading the intake
// stream is killed with SIGKILL, then one registry; the node comes back
// later. Every event must be stored exactly once, with case references
// without gaps or repeats.
func TestClusterExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster crash test")
	}
	began := time.Now()
	natsServer(t) // builds the binaries first, outside the timings below
	t.Logf("binaries built in %s", time.Since(began).Round(time.Millisecond))
	began = time.Now()
	cluster := natscluster.Start(t, natscluster.Options{Binary: natsServer(t), Nodes: 3, Include: natsAccountsConf(t), Env: natsPasswords()})
	url := cluster.URL()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("NATS errors:\n%s", strings.Join(cluster.LogLines(t, "[ERR]"), "\n"))
		}
	})
	dsn := pgtest.DSN(t)
	st, err := postgres.Open(context.Background(), dsn, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	appendConfig(t, cfg, natsSection("registry", 3))
	env := roleEnv(url, bus.RoleRegistry, map[string]string{"MELDPUNT_DATABASE_URL": dsn})
	var regs []*child
	for _, name := range []string{"registry-1", "registry-2"} {
		r := startChild(t, name, dir, env, "-config", cfg, "serve")
		r.waitHTTP() // the stream, the buckets and the consumer are there
		regs = append(regs, r)
	}
	admin := connectAs(t, url, bus.RoleRegistry)
	checkReplicas(t, admin, 3)
	t.Logf("cluster and registries up in %s", time.Since(began).Round(time.Millisecond))
	began = time.Now()

	// The publisher is the mail connector, with its own user: it retries
	// a batch until JetStream acknowledged all of it, as a connector does
	// before it moves its checkpoint.
	pubCtx, stopPub := context.WithTimeout(t.Context(), 4*time.Minute)
	defer stopPub()
	pub, err := bus.Connect(pubCtx, bus.Config{URL: url, Name: "cluster-publisher", User: string(bus.RoleIngestMail),
		Password: roleEnv(url, bus.RoleIngestMail, nil)["NATS_PASSWORD"], InboxPrefix: bus.RoleIngestMail.InboxPrefix()}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	if err := pub.Lookup(pubCtx); err != nil {
		t.Fatal(err)
	}
	var published atomic.Int64
	pubDone := make(chan error, 1)
	go func() { pubDone <- publishPaced(pubCtx, pub, clusterWorkload(), &published) }()

	// Kill the node that leads the intake stream while events are being
	// published and consumed.
	for published.Load() < clusterEvents/3 {
		time.Sleep(5 * time.Millisecond)
	}
	leader := streamLeader(t, admin)
	s, _ := st.Stats(context.Background())
	cluster.Node(leader).Kill()
	t.Logf("killed NATS node %s (stream leader) with %d published, %d stored", leader, published.Load(), s.Messages)

	s = waitMessages(t, st, clusterEvents/2)
	regs[0].kill()
	if s.Messages >= clusterEvents {
		t.Fatal("the backlog was done before the kills; the test proved nothing")
	}
	t.Logf("killed registry-1 with %d stored; stream leader now %s", s.Messages, streamLeader(t, admin))

	if err := <-pubDone; err != nil {
		t.Fatalf("publish: %v", err)
	}
	cluster.Node(leader).Restart()
	t.Logf("NATS node %s back after the publisher was done", leader)
	waitMessages(t, st, clusterEvents)
	if code := regs[1].stop(); code != 0 {
		t.Errorf("registry-2 exit code %d after SIGTERM", code)
	}
	t.Logf("all %d events stored %s after the first publish", clusterEvents, time.Since(began).Round(time.Millisecond))
	checkExactlyOnce(t, st, clusterEvents)
	if n := streamMsgs(t, admin); n != clusterEvents {
		t.Errorf("the intake stream holds %d events, want %d: deduplication failed across the failover", n, clusterEvents)
	}
}

// clusterWorkload is clusterEvents distinct events, with every tenth one
// followed by a repeat of an earlier one, as after a connector restart.
func clusterWorkload() []caseevent.Event {
	gen := eventgen.New(eventgen.Options{Seed: 7, TextSize: 1000})
	var evs []caseevent.Event
	for i := range clusterEvents {
		evs = append(evs, gen.Event(i))
		if i%10 == 9 {
			evs = append(evs, gen.Event(i-5))
		}
	}
	return evs
}

// publishPaced publishes evs in small batches, a few a second, so that the
// kills fall in the middle of the run, and retries a batch until every event
// of it is acknowledged. published counts the distinct events done.
func publishPaced(ctx context.Context, b *bus.Bus, evs []caseevent.Event, published *atomic.Int64) error {
	const batch = 100
	seen := map[string]bool{}
	for start := 0; start < len(evs); start += batch {
		part := evs[start:min(start+batch, len(evs))]
		for attempt := 1; ; attempt++ {
			_, err := b.PublishEvents(ctx, part)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("batch at %d, attempt %d: %w", start, attempt, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		for _, ev := range part {
			seen[ev.ID] = true
		}
		published.Store(int64(len(seen)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// checkReplicas checks that the stream, the buckets and the consumer are
// replicated want times.
func checkReplicas(t *testing.T, u *natsUser, want int) {
	t.Helper()
	ctx := t.Context()
	for _, name := range []string{bus.StreamName, "OBJ_" + bus.ObjectBucket, "KV_" + bus.CheckpointBucket} {
		s, err := u.js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.CachedInfo().Config.Replicas; got != want {
			t.Errorf("%s has %d replicas, want %d", name, got, want)
		}
	}
	c, err := u.js.Consumer(ctx, bus.StreamName, bus.DefaultDurable)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CachedInfo().Config.Replicas; got != want {
		t.Errorf("consumer %s has %d replicas, want %d", bus.DefaultDurable, got, want)
	}
}

// streamLeader names the node that leads the intake stream; it waits while
// the stream has none (an election).
func streamLeader(t *testing.T, u *natsUser) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		s, err := u.js.Stream(ctx, bus.StreamName)
		cancel()
		if err == nil {
			if c := s.CachedInfo().Cluster; c != nil && c.Leader != "" {
				return c.Leader
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the intake stream has no leader: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func streamMsgs(t *testing.T, u *natsUser) uint64 {
	t.Helper()
	s, err := u.js.Stream(t.Context(), bus.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().State.Msgs
}
