//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meldpunt/meldpunt/internal/testutil/natscluster"
	"github.com/meldpunt/meldpunt/internal/testutil/tcpproxy"
)

// The faults, in the order the summary lists them.
const (
	killRegistry = "kill-registry"
	killMail     = "kill-mail"
	killFacebook = "kill-facebook"
	killEloket   = "kill-eloket"
	natsRestart  = "nats-restart"
	pgOutage     = "pg-outage"
	imapCut      = "imap-cut"
)

func faultKinds() []string {
	return []string{killRegistry, killMail, killFacebook, killEloket, natsRestart, pgOutage, imapCut}
}

// injector injects one fault every so often, at random, each kind in turn
// in a shuffled order so that a short run still has every kind. It runs on
// the test's goroutine.
type injector struct {
	r     *rand.Rand
	every time.Duration
	procs map[string]*proc // by the fault that kills it
	nats  *natscluster.Node
	imap  *tcpproxy.Proxy
	pg    *tcpproxy.Proxy
	db    *pgxpool.Pool // direct, to end the registry's backends

	bag    []string
	next   time.Time
	ends   map[string]time.Time // outages in progress, by kind
	counts map[string]int
	// terminated counts the registry backends ended at pg-outage.
	terminated int
}

func (in *injector) start(now time.Time) {
	in.ends = map[string]time.Time{}
	in.counts = map[string]int{}
	in.next = now.Add(in.interval())
}

// interval is every, give or take half.
func (in *injector) interval() time.Duration {
	return in.every/2 + time.Duration(in.r.Int64N(int64(in.every)))
}

// between is a random duration in [lo, hi).
func (in *injector) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(in.r.Int64N(int64(hi-lo)))
}

// step ends the outages that are over and injects the next fault when
// it is time.
func (in *injector) step(t *testing.T, now time.Time) {
	t.Helper()
	for kind, end := range in.ends {
		if !now.Before(end) {
			in.end(t, kind)
		}
	}
	if now.Before(in.next) {
		return
	}
	in.next = now.Add(in.interval())
	for range len(faultKinds()) {
		if len(in.bag) == 0 {
			in.bag = faultKinds()
			in.r.Shuffle(len(in.bag), func(i, j int) { in.bag[i], in.bag[j] = in.bag[j], in.bag[i] })
		}
		kind := in.bag[0]
		in.bag = in.bag[1:]
		if in.begin(t, kind, now) {
			in.counts[kind]++
			return
		}
	}
}

// begin injects a fault; false when it cannot be now (the process is down
// already, the outage is in progress).
func (in *injector) begin(t *testing.T, kind string, now time.Time) bool {
	t.Helper()
	if _, busy := in.ends[kind]; busy {
		return false
	}
	if p, ok := in.procs[kind]; ok {
		if !p.running() {
			return false
		}
		p.kill()
		p.downUntil = now.Add(in.between(100*time.Millisecond, 3*time.Second))
		return true
	}
	switch kind {
	case natsRestart:
		in.nats.Kill()
		in.ends[kind] = now.Add(in.between(500*time.Millisecond, 3*time.Second))
	case pgOutage:
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n, err := terminateRegistry(ctx, in.db)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		in.terminated += n
		in.pg.Cut()
		in.ends[kind] = now.Add(in.between(time.Second, 8*time.Second))
	case imapCut:
		in.imap.Cut()
		in.ends[kind] = now.Add(in.between(time.Second, 8*time.Second))
	default:
		t.Fatalf("unknown fault %q", kind)
	}
	return true
}

// end ends an outage: the server is back.
func (in *injector) end(t *testing.T, kind string) {
	t.Helper()
	delete(in.ends, kind)
	switch kind {
	case natsRestart:
		in.nats.Restart()
	case pgOutage:
		in.pg.Restore(t)
	case imapCut:
		in.imap.Restore(t)
	}
}

// stop ends every outage and lets killed processes start again at once.
func (in *injector) stop(t *testing.T) {
	t.Helper()
	for kind := range in.ends {
		in.end(t, kind)
	}
	for _, p := range in.procs {
		p.downUntil = time.Time{}
	}
}

func (in *injector) total() int {
	n := 0
	for _, c := range in.counts {
		n += c
	}
	return n
}

// summary is "kill-registry=12 kill-mail=9 ...".
func (in *injector) summary() string {
	var parts []string
	for _, k := range faultKinds() {
		parts = append(parts, fmt.Sprintf("%s=%d", k, in.counts[k]))
	}
	return strings.Join(parts, " ")
}
