package cli_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/cli"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/meldpunt/meldpunt/internal/testutil/open311fake"
)

func eloketConfig(t testing.TB, dir, baseURL string, since time.Time) string {
	t.Helper()
	path := filepath.Join(dir, "ingest-eloket.toml")
	conf := fmt.Sprintf(`[log]
level = "info"
[[source]]
inbox = "eloket"
domain = "gemeente"
profile = "open311"
poll_interval = "1s"
since = %q
[source.open311]
base_url = %q
`, since.Format(time.DateOnly), baseURL)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestIngestEloketKilled kills the e-loket connector with SIGKILL in the
// middle of a backfill and restarts it: every submission once.
func TestIngestEloketKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("backfill")
	}
	t.Parallel()
	fake := open311fake.Start(t)
	to := time.Now().UTC()
	from := to.AddDate(-2, 0, 0)
	const n = 6000
	fake.Generate(n, from, to.Add(-time.Hour), 3)
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)
	dir := t.TempDir()
	cfg := eloketConfig(t, dir, fake.URL(), from.AddDate(0, 0, -1))
	env := map[string]string{"MELDPUNT_NATS_URL": srv.URL(), "MELDPUNT_HTTP_ADDR": "127.0.0.1:0"}
	bin := binary(t, "ingest-eloket")
	first := startProcess(t, bin, "ingest-eloket-1", dir, env, "-config", cfg)
	got := waitStreamMsgs(t, b, n/4)
	first.kill()
	if got >= n {
		t.Fatal("the backfill was done before the kill; the test proved nothing")
	}
	t.Logf("killed ingest-eloket with %d of %d captured", got, n)
	second := startProcess(t, bin, "ingest-eloket-2", dir, env, "-config", cfg)
	waitStreamMsgs(t, b, n)
	code, body, err := getURL(context.Background(), "http://"+second.waitHTTP()+"/healthz")
	if err != nil || code != 200 || !strings.Contains(body, `"healthy":true`) {
		t.Errorf("GET /healthz = %d %s, %v", code, body, err)
	}
	time.Sleep(2 * time.Second) // another poll over the overlap
	if code := second.stop(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d", code)
	}
	if got := natstest.StreamCount(t, b); got != n {
		t.Errorf("stream holds %d events, want %d", got, n)
	}
}

// TestIngestEloketBadMapping: a mapping setting nobody knows is refused at
// start with its name.
func TestIngestEloketBadMapping(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "e.toml")
	conf := "[[source]]\ninbox = \"f\"\ndomain = \"gemeente\"\nprofile = \"json\"\n[source.json]\nurl = \"http://127.0.0.1:1/x\"\n" +
		"[source.json.mapping]\nid = \"id\"\ntimestamp = \"created\"\nonderwerp = \"title\"\n"
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	code := cli.IngestEloket(context.Background(), []string{"-config", path},
		cli.Env{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return map[string]string{"MELDPUNT_NATS_URL": "nats://127.0.0.1:1"}[k] }})
	if code != 2 || !strings.Contains(out.String(), "onderwerp") {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

// BenchmarkEloketBackfill: the ingest-eloket binary backfills 100,000
// Open311 requests from a local server. Run it once:
//
//	go test ./internal/cli -run '^$' -bench EloketBackfill -benchtime 1x
func BenchmarkEloketBackfill(b *testing.B) {
	const n = 100000
	for range b.N {
		b.StopTimer()
		fake := open311fake.Start(b)
		to := time.Now().UTC()
		from := to.AddDate(-2, 0, 0)
		fake.Generate(n, from, to.Add(-time.Hour), 9)
		srv := natstest.Start(b)
		bus := natstest.Connect(b, srv)
		dir := b.TempDir()
		cfg := eloketConfig(b, dir, fake.URL(), from.AddDate(0, 0, -1))
		b.StartTimer()
		start := time.Now()
		c := exec.Command(binary(b, "ingest-eloket"), "-config", cfg)
		c.Dir = dir
		c.Env = []string{"PATH=" + os.Getenv("PATH"), "MELDPUNT_NATS_URL=" + srv.URL(), "MELDPUNT_HTTP_ADDR=127.0.0.1:0"}
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		waitStreamMsgs(b, bus, n)
		elapsed := time.Since(start)
		b.StopTimer()
		peakKB := peakRSSKiB(b, c.Process.Pid)
		_ = c.Process.Kill()
		_ = c.Wait()
		b.ReportMetric(float64(n)/elapsed.Seconds(), "submissions/s")
		b.ReportMetric(float64(peakKB)/1024, "peak-RSS-MiB")
	}
}
