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

	"github.com/meldpunt/meldpunt/internal/testutil/graphfake"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

// facebookConfig writes an ingest-facebook configuration against a local
// Graph API server; secrets come from files in dir.
func facebookConfig(t testing.TB, dir string, fb *graphfake.Server) string {
	t.Helper()
	for name, v := range map[string]string{"app-secret": fb.AppSecret(), "page-token": fb.Token()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "ingest-facebook.toml")
	conf := fmt.Sprintf(`graph_url = %q
app_id = "42"
app_secret = { file = %q }
poll_interval = "1s"
conversations_rate = -1
[log]
level = "info"
[[page]]
id = %q
inbox = "facebook"
domain = "gemeente"
token = { file = %q }
`, fb.URL(), filepath.Join(dir, "app-secret"), fb.PageID(), filepath.Join(dir, "page-token"))
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestIngestFacebookKilled kills the Facebook connector with SIGKILL in the
// middle of a backlog and restarts it: every message once on the stream.
func TestIngestFacebookKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("backlog")
	}
	t.Parallel()
	fb := graphfake.Start(t)
	fb.SetPageSize(25)
	fb.Generate(400, 10, 7)
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)
	dir := t.TempDir()
	cfg := facebookConfig(t, dir, fb)
	env := map[string]string{"MELDPUNT_NATS_URL": srv.URL(), "MELDPUNT_HTTP_ADDR": "127.0.0.1:0"}
	bin := binary(t, "ingest-facebook")
	const n = 4000

	first := startProcess(t, bin, "ingest-facebook-1", dir, env, "-config", cfg)
	got := waitStreamMsgs(t, b, n/4)
	first.kill()
	if got >= n {
		t.Fatal("the backlog was done before the kill; the test proved nothing")
	}
	t.Logf("killed ingest-facebook with %d of %d captured", got, n)
	second := startProcess(t, bin, "ingest-facebook-2", dir, env, "-config", cfg)
	waitStreamMsgs(t, b, n)
	base := "http://" + second.waitHTTP()
	code, body, err := getURL(context.Background(), base+"/healthz")
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

// BenchmarkFacebookBacklog: the ingest-facebook binary works a backlog of
// 20,000 messages over 2,000 conversations from a local Graph API server.
// Run it once:
//
//	go test ./internal/cli -run '^$' -bench FacebookBacklog -benchtime 1x
func BenchmarkFacebookBacklog(b *testing.B) {
	const convs, per = 2000, 10
	for range b.N {
		b.StopTimer()
		fb := graphfake.Start(b)
		fb.Generate(convs, per, 11)
		srv := natstest.Start(b)
		bus := natstest.Connect(b, srv)
		dir := b.TempDir()
		cfg := facebookConfig(b, dir, fb)
		b.StartTimer()
		start := time.Now()
		c := exec.Command(binary(b, "ingest-facebook"), "-config", cfg)
		c.Dir = dir
		c.Env = []string{"PATH=" + os.Getenv("PATH"), "MELDPUNT_NATS_URL=" + srv.URL(), "MELDPUNT_HTTP_ADDR=127.0.0.1:0"}
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		waitStreamMsgs(b, bus, convs*per)
		elapsed := time.Since(start)
		b.StopTimer()
		peakKB := peakRSSKiB(b, c.Process.Pid)
		_ = c.Process.Kill()
		_ = c.Wait()
		b.ReportMetric(float64(convs*per)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(peakKB)/1024, "peak-RSS-MiB")
	}
}
