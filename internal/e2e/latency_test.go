//go:build e2e

package e2e

import (
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

	"github.com/emersion/go-imap/v2/imapclient"
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

	announced := watchIdle(t, imap, box.inbox)
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
	const warmUp = 5
	for i := range warmUp {
		subject, _ := deliver(1_000_000 + i)
		if _, ok := w.wait(subject, 2*time.Minute); !ok {
			t.Fatalf("warm-up mail %q never visible in the API (%d API errors)", subject, w.errors())
		}
	}

	n := *flagLatencyMails
	sent := make(map[string]time.Time, n)
	count := make(map[string]uint32, n) // the mailbox's message count once it is in
	pace := time.Duration(float64(time.Second) / *flagLatencyRate)
	next := time.Now()
	for i := range n {
		time.Sleep(time.Until(next))
		next = next.Add(pace)
		subject, at := deliver(i)
		sent[subject], count[subject] = at, uint32(warmUp+i+1)
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
	db, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	subjects := make([]string, 0, len(sent))
	for s := range sent {
		subjects = append(subjects, s)
	}
	found, err := stored(context.Background(), db, subjects)
	if err != nil {
		t.Fatal(err)
	}
	var commit []time.Duration // delivered -> stored_at
	for s, m := range found {
		commit = append(commit, m.at.Sub(sent[s]))
	}
	var idle []time.Duration // delivered -> Dovecot announced it in IDLE
	for s, at := range sent {
		if a, ok := announced.at(count[s]); ok {
			idle = append(idle, a.Sub(at))
		}
	}
	if len(lat) == 0 || len(commit) == 0 {
		t.Fatalf("none of %d mails became visible in the API (%d API errors)", n, w.errors())
	}
	line := fmt.Sprintf("latency: mails=%d visible=%d %s (IMAP IDLE; %.0f mails/s; from APPEND sent to the first GET /api/v1/cases listing the case, asked every %s)",
		n, len(lat), percentiles(lat), *flagLatencyRate, *flagLatencyPoll)
	fmt.Println(line)
	if len(idle) > 0 {
		t.Logf("of which until Dovecot announced it to another client in IDLE: %s", percentiles(idle))
	}
	t.Logf("of which until the message's stored_at (the registry's clock as it writes the batch): %s", percentiles(commit))
	if len(missing) > 0 {
		t.Errorf("%d mails not visible in the API within a minute", len(missing))
		slices.Sort(missing)
		for _, s := range missing {
			what := "not stored"
			if m, ok := found[s]; ok {
				what = fmt.Sprintf("stored at %s in case %s %q", m.at.Format(time.RFC3339Nano), m.ref, m.caseSubject)
			}
			t.Logf("%s sent %s: %s", s, sent[s].Format(time.RFC3339Nano), what)
		}
	}
	if p99 := quantile(lat, 0.99); p99 >= *flagLatencyGoal {
		t.Errorf("p99 %s, goal under %s", p99, *flagLatencyGoal)
	}
	if e := w.errors(); e > 0 {
		t.Logf("%d API requests failed", e)
	}
}

// quantile is the q-quantile of ds (nearest rank); it sorts ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	slices.Sort(ds)
	return ds[max(0, int(math.Ceil(q*float64(len(ds))))-1)]
}

// percentiles is "p50=... p90=... p99=... max=...".
func percentiles(ds []time.Duration) string {
	r := func(q float64) time.Duration { return quantile(ds, q).Round(time.Millisecond) }
	return fmt.Sprintf("p50=%s p90=%s p99=%s max=%s", r(0.5), r(0.9), r(0.99), r(1))
}

// idleWatch is a plain IMAP client in IDLE on the mailbox, beside the
// connector's: when Dovecot announces a new message to it is the part of
// the latency that is Dovecot's.
type idleWatch struct {
	mu    sync.Mutex
	times map[uint32]time.Time // message count -> when first announced
}

func watchIdle(t *testing.T, srv *dovecot.Server, user string) *idleWatch {
	t.Helper()
	w := &idleWatch{times: map[uint32]time.Time{}}
	c, err := imapclient.DialInsecure(srv.Addr(), &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages == nil {
				return
			}
			now := time.Now()
			w.mu.Lock()
			if _, ok := w.times[*d.NumMessages]; !ok {
				w.times[*d.NumMessages] = now
			}
			w.mu.Unlock()
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	name, password := srv.User(user)
	if err := c.Login(name, password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idle.Close() })
	return w
}

// at is when the mailbox was first announced to hold count messages or
// more (two deliveries can be announced together).
func (w *idleWatch) at(count uint32) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	best, found := uint32(0), false
	for c := range w.times {
		if c >= count && (!found || c < best) {
			best, found = c, true
		}
	}
	return w.times[best], found
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
