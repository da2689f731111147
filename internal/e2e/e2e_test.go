//go:build e2e

package e2e

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/testutil/dovecot"
	"github.com/meldpunt/meldpunt/internal/testutil/graphfake"
	"github.com/meldpunt/meldpunt/internal/testutil/open311fake"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
	"github.com/meldpunt/meldpunt/internal/testutil/tcpproxy"
)

// The workload and the faults; the defaults are the short run of make e2e.
var (
	flagMails      = flag.Int("e2e.mails", 1500, "mails, the mail corpus in both mailboxes included")
	flagFacebook   = flag.Int("e2e.facebook", 300, "Facebook Messenger messages")
	flagEloket     = flag.Int("e2e.eloket", 150, "e-loket (Open311) requests")
	flagRepeat     = flag.Float64("e2e.repeat", 0.03, "fraction of the inputs of each channel delivered a second time")
	flagDuration   = flag.Duration("e2e.duration", 90*time.Second, "how long the workload is fed and faults are injected")
	flagFaultEvery = flag.Duration("e2e.fault-every", 4*time.Second, "mean time between two faults")
	flagSettle     = flag.Duration("e2e.settle", 5*time.Minute, "how long to wait, after the last fault, for every input to be registered")
	flagSeed       = flag.Uint64("e2e.seed", 0, "random seed of the workload and the faults (0: from the clock)")
)

// quietFor is how long the count must stay complete and unchanged before
// the final check, so that a late second registration would be seen: more
// than the connectors' poll intervals and the registry's ack_wait.
const quietFor = 20 * time.Second

// TestEndToEnd runs every part as its own process, feeds the workload while
// injecting faults, and checks that every input is registered exactly once.
func TestEndToEnd(t *testing.T) {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (-e2e.seed to repeat the workload and the order of the faults)", seed)
	r := rand.New(rand.NewPCG(seed, 0xe2e))
	ctx := context.Background()
	began := time.Now()

	binDir := t.TempDir()
	buildBinaries(t, binDir)
	w := buildWorkload(t, r, *flagMails, *flagFacebook, *flagEloket, *flagRepeat)
	t.Logf("workload: %d inputs (mail %d, facebook %d, eloket %d); delivered twice: mail %d, facebook %d, eloket %d (changed and listed again)",
		w.totalInputs(), w.inputs[caseevent.ChannelEmail], w.inputs[caseevent.ChannelFacebook], w.inputs[caseevent.ChannelEloket],
		w.repeats[caseevent.ChannelEmail], w.repeats[caseevent.ChannelFacebook], w.repeats[caseevent.ChannelEloket])

	// The servers.
	imap := dovecot.Start(t)
	boxes := mailboxes()
	for _, mb := range boxes {
		user, _ := imap.User(mb.inbox)
		imap.CreateMailbox(t, user, "INBOX")
	}
	imapProxy := tcpproxy.Start(t, imap.Addr())
	fb := graphfake.Start(t)
	o311 := open311fake.Start(t)
	node := startNATS(t, binDir)
	dsn := pgtest.DSN(t)
	db, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	pgProxy := tcpproxy.Start(t, pgAddr(t, dsn))

	// The meldpunt processes, each with its own configuration.
	dir := t.TempDir()
	bin := func(name string) string { return filepath.Join(binDir, name) }
	base := map[string]string{"MELDPUNT_NATS_URL": node.URL(), "MELDPUNT_HTTP_ADDR": "127.0.0.1:0"}
	with := func(extra map[string]string) map[string]string {
		env := maps.Clone(base)
		maps.Copy(env, extra)
		return env
	}
	registry := newProc(t, "registry", bin("registry"), dir,
		with(map[string]string{"MELDPUNT_DATABASE_URL": viaProxy(t, dsn, pgProxy.Addr())}),
		"-config", registryConfig(t, dir, 10*time.Second), "serve")
	mail := newProc(t, "ingest-mail", bin("ingest-mail"), dir, mailEnv(imap, with(nil), boxes[:]...),
		"-config", mailConfig(t, dir, imapProxy.Addr(), 5*time.Second, boxes[:]...))
	facebook := newProc(t, "ingest-facebook", bin("ingest-facebook"), dir, with(nil), "-config", facebookConfig(t, dir, fb))
	eloket := newProc(t, "ingest-eloket", bin("ingest-eloket"), dir, with(nil), "-config", eloketConfig(t, dir, o311.URL()))
	procs := []*proc{registry, mail, facebook, eloket}

	// The registry creates the stream and buckets the connectors need.
	if err := registry.start(); err != nil {
		t.Fatal(err)
	}
	waitLog(t, registry, `msg="http listening"`, 2*time.Minute)
	for _, p := range procs[1:] {
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
	}

	f := &feeder{w: w, fb: fb, o311: o311}
	for i, mb := range boxes {
		f.clients[i] = imap.Dial(t, mb.inbox)
	}
	in := &injector{r: r, every: *flagFaultEvery, nats: node, imap: imapProxy, pg: pgProxy, db: db,
		procs: map[string]*proc{killRegistry: registry, killMail: mail, killFacebook: facebook, killEloket: eloket}}
	start := time.Now()
	in.start(start)
	progress := start
	for now := start; now.Before(start.Add(*flagDuration)); now = time.Now() {
		f.feed(t, float64(now.Sub(start))/float64(*flagDuration))
		in.step(t, now)
		for _, p := range procs {
			p.supervise(t, now)
		}
		if now.Sub(progress) >= 30*time.Second {
			progress = now
			n, err := registeredCount(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: delivered %s; %d messages registered; %d faults so far", now.Sub(start).Round(time.Second), f.delivered(), n, in.total())
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.feed(t, 1)
	in.stop(t)
	t.Logf("workload delivered and faults over after %s; %d faults (%s)", time.Since(start).Round(time.Second), in.total(), in.summary())

	final := awaitRegistered(t, db, w.want, procs, *flagSettle)

	var exits []string
	for _, p := range procs {
		exits = append(exits, fmt.Sprintf("%s=%d", p.name, p.exits))
	}
	t.Logf("restarted after ending on their own (NATS or PostgreSQL away at start): %v; registry backends ended by pg-outage: %d",
		exits, in.terminated)
	for _, e := range final.examples {
		t.Log(e)
	}
	line := fmt.Sprintf("e2e: inputs=%d registered=%d missing=%d duplicated=%d faults=%d (%s) in %s",
		final.inputs, final.registered, final.missing, final.duplicated, in.total(), in.summary(), time.Since(began).Round(time.Second))
	if final.unexpected > 0 || final.quarantined > 0 {
		line += fmt.Sprintf(" unexpected=%d quarantined=%d", final.unexpected, final.quarantined)
	}
	fmt.Println(line)
	if !final.ok() {
		t.Errorf("not exactly once: %s", line)
	}
	for _, p := range procs {
		if !p.running() {
			continue
		}
		if code := p.stop(time.Minute); code != 0 {
			t.Errorf("%s: exit code %d after SIGTERM", p.name, code)
		}
	}
}

// awaitRegistered waits until every input is registered and the count
// stays complete for quietFor, or settle is over, keeping the processes
// running; it returns the last count.
func awaitRegistered(t *testing.T, db *pgxpool.Pool, want map[identity]int, procs []*proc, settle time.Duration) tally {
	t.Helper()
	began := time.Now()
	var complete time.Time
	for {
		now := time.Now()
		for _, p := range procs {
			p.supervise(t, now)
		}
		tl, err := count(context.Background(), db, want)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tl.missing > 0:
			complete = time.Time{}
		case complete.IsZero():
			complete = now
			t.Logf("every input registered %s after the faults ended; watching %s for late duplicates", now.Sub(began).Round(time.Second), quietFor)
		}
		if !complete.IsZero() && now.Sub(complete) >= quietFor {
			return tl
		}
		if now.Sub(began) > settle {
			t.Logf("still %d of %d inputs missing %s after the faults ended", tl.missing, tl.inputs, settle)
			return tl
		}
		time.Sleep(2 * time.Second)
	}
}
