//go:build e2e

package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meldpunt/meldpunt/internal/testutil/dovecot"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

var (
	flagLatencyMails = flag.Int("latency.mails", 1000, "mails delivered one by one")
	flagLatencyRate  = flag.Float64("latency.rate", 5, "mails delivered per second")
	flagLatencyPoll  = flag.Duration("latency.poll", 20*time.Millisecond, "pause between two requests to the API")
	flagLatencyGoal  = flag.Duration("latency.goal", 2*time.Second, "the p99 to meet")
)

// TestLatency measures the time from a mail delivered into Dovecot to its
// case being visible in the API, on the IDLE path: the connector's poll
// interval is a minute, so only IDLE can be that fast. The registry runs
// with the example configuration's defaults; nothing is injected.
func TestLatency(t *testing.T) {
	binDir := t.TempDir()
	buildBinaries(t, binDir)
	bin := func(name string) string { return filepath.Join(binDir, name) }

	imap := dovecot.Start(t)
	box := mailboxes()[0]
	imap.CreateMailbox(t, box.inbox, "INBOX")
	node := startNATS(t, binDir)
	dsn := pgtest.DSN(t)
	token := createToken(t, bin("registry"), dsn)

	dir := t.TempDir()
	httpAddr := freeAddr(t)
	registry := newProc(t, "registry", bin("registry"), dir,
		map[string]string{"MELDPUNT_NATS_URL": node.URL(), "MELDPUNT_DATABASE_URL": dsn, "MELDPUNT_HTTP_ADDR": httpAddr},
		"-config", writeFile(t, filepath.Join(dir, "registry.toml"), "[log]\nlevel = \"info\"\n"), "serve")
	mail := newProc(t, "ingest-mail", bin("ingest-mail"), dir,
		mailEnv(imap, map[string]string{"MELDPUNT_NATS_URL": node.URL(), "MELDPUNT_HTTP_ADDR": "127.0.0.1:0"}, box),
		"-config", mailConfig(t, dir, imap.Addr(), time.Minute, box))
	if err := registry.start(); err != nil {
		t.Fatal(err)
	}
	waitLog(t, registry, `msg="http listening"`, 2*time.Minute)
	if err := mail.start(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &watcher{url: "http://" + httpAddr + "/api/v1/cases?limit=100&domain=gemeente", token: token, seen: map[string]time.Time{}}
	var wg sync.WaitGroup
	wg.Go(func() { w.run(ctx, *flagLatencyPoll) })
	defer wg.Wait()
	defer cancel()

	client := imap.Dial(t, box.inbox)
	run := time.Now().Format("150405")
	deliver := func(i int) (subject string, at time.Time) {
		subject = fmt.Sprintf("Latentiemeting %s nr %d", run, i)
		at = time.Now()
		if err := appendMail(client, latencyMail(i, subject)); err != nil {
			t.Fatalf("deliver mail %d: %v", i, err)
		}
		return subject, at
	}
	// Warm up: the first mails wait for the connector's first sync.
	for i := range 5 {
		subject, _ := deliver(1_000_000 + i)
		if _, ok := w.wait(subject, 2*time.Minute); !ok {
			t.Fatalf("warm-up mail %q never visible in the API (%d API errors)", subject, w.errors())
		}
	}

	n := *flagLatencyMails
	sent := make(map[string]time.Time, n)
	pace := time.Duration(float64(time.Second) / *flagLatencyRate)
	next := time.Now()
	for i := range n {
		time.Sleep(time.Until(next))
		next = next.Add(pace)
		subject, at := deliver(i)
		sent[subject] = at
	}
	var lat []time.Duration
	var missing []string
	until := time.Now().Add(time.Minute)
	for subject, at := range sent {
		seen, ok := w.wait(subject, time.Until(until))
		if !ok {
			missing = append(missing, subject)
			continue
		}
		lat = append(lat, seen.Sub(at))
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		t.Fatalf("none of %d mails became visible in the API (%d API errors)", n, w.errors())
	}
	q := func(p float64) time.Duration { return lat[max(0, int(math.Ceil(p*float64(len(lat))))-1)] }
	line := fmt.Sprintf("latency: mails=%d visible=%d p50=%s p90=%s p99=%s max=%s (IMAP IDLE; %.0f mails/s; from APPEND sent to the first GET /api/v1/cases listing the case, asked every %s)",
		n, len(lat), q(0.50).Round(time.Millisecond), q(0.90).Round(time.Millisecond), q(0.99).Round(time.Millisecond),
		lat[len(lat)-1].Round(time.Millisecond), *flagLatencyRate, *flagLatencyPoll)
	fmt.Println(line)
	if len(missing) > 0 {
		t.Errorf("%d mails not visible in the API within a minute", len(missing))
		db, err := pgxpool.New(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		found, err := stored(context.Background(), db, missing)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(missing)
		for _, s := range missing {
			t.Logf("%s sent %s: %s", s, sent[s].Format(time.RFC3339Nano), cmp.Or(found[s], "not stored"))
		}
	}
	if q(0.99) >= *flagLatencyGoal {
		t.Errorf("p99 %s, goal under %s", q(0.99), *flagLatencyGoal)
	}
	if e := w.errors(); e > 0 {
		t.Logf("%d API requests failed", e)
	}
}

// latencyMail is a mail from a citizen of its own, about a matter of its
// own, so that it opens a case of its own.
func latencyMail(i int, subject string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Inwoner %d <inwoner.%d@example.be>\r\n", i, i)
	b.WriteString("To: gemeentebestuur@meldegem.be\r\n")
	fmt.Fprintf(&b, "Subject: %s\r\n", subject)
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <latency-%d-%d@example.be>\r\n", time.Now().UnixNano(), i)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Fprintf(&b, "Goeiedag,\r\n\r\nDit is melding %d over huisnummer %d.\r\n\r\nInwoner %d\r\n", i, i, i)
	return []byte(b.String())
}

// watcher asks the API for the newest cases, over and over, and notes when
// it first saw each subject.
type watcher struct {
	url, token string

	mu     sync.Mutex
	seen   map[string]time.Time
	failed int
}

func (w *watcher) run(ctx context.Context, pause time.Duration) {
	for ctx.Err() == nil {
		subjects, err := w.list(ctx)
		now := time.Now()
		w.mu.Lock()
		if err != nil {
			w.failed++
		}
		for _, s := range subjects {
			if _, ok := w.seen[s]; !ok {
				w.seen[s] = now
			}
		}
		w.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
}

func (w *watcher) list(ctx context.Context) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", w.url, resp.Status)
	}
	var list struct {
		Cases []struct {
			Subject string `json:"subject"`
		} `json:"cases"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("GET %s: %w", w.url, err)
	}
	out := make([]string, len(list.Cases))
	for i, c := range list.Cases {
		out[i] = c.Subject
	}
	return out, nil
}

// wait returns when subject was first seen, waiting up to timeout for it.
func (w *watcher) wait(subject string, timeout time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		at, ok := w.seen[subject]
		w.mu.Unlock()
		if ok || time.Now().After(deadline) {
			return at, ok
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (w *watcher) errors() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}
