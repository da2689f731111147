package cli_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeZeroConfig runs `registry serve` the way the README's quick start
// does, in an empty directory with no configuration. Only the two ports are
// moved: on these test machines a system NATS already holds 4222, and 8080
// may be taken.
func TestServeZeroConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startChild(t, "registry", dir, map[string]string{
		"MELDPUNT_NATS_LISTEN": "127.0.0.1:0",
		"MELDPUNT_HTTP_ADDR":   "127.0.0.1:0",
	}, "serve")
	base := "http://" + c.waitHTTP()
	ctx := context.Background()
	for _, path := range []string{"/readyz", "/healthz"} {
		code, body, err := getURL(ctx, base+path)
		if err != nil || code != 200 {
			t.Fatalf("GET %s = %d %q, %v", path, code, body, err)
		}
	}
	// The API answers only who signs in.
	code, body, err := getURL(ctx, base+"/api/v1/cases")
	if err != nil || code != 401 || !strings.Contains(body, "sign in") {
		t.Errorf("GET /api/v1/cases without a token = %d %q, %v; want 401", code, body, err)
	}
	code, body, err = getURL(ctx, base+"/metrics")
	if err != nil || code != 200 || !strings.Contains(body, "meldpunt_registry_events_total") || !strings.Contains(body, "meldpunt_cases_overdue 0") {
		t.Errorf("GET /metrics = %d, %v; body lacks the registry's metrics", code, err)
	}
	for _, p := range []string{"var/meldpunt.db", "var/nats"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("embedded mode did not create %s: %v", p, err)
		}
	}
	if code := c.stop(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
}

// TestServeNATSPortTaken: when the embedded server's port is taken, serve
// exits and says what to do.
func TestServeNATSPortTaken(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := startChild(t, "registry", t.TempDir(), map[string]string{
		"MELDPUNT_NATS_LISTEN": ln.Addr().String(),
		"MELDPUNT_HTTP_ADDR":   "127.0.0.1:0",
	}, "serve")
	select {
	case <-c.exited:
	case <-time.After(2 * time.Minute):
		t.Fatal("serve did not exit although the NATS port is taken")
	}
	if code := c.cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	// The reader goroutine has seen everything once the process exited.
	out := c.tail()
	for _, want := range []string{ln.Addr().String() + " is already in use", "MELDPUNT_NATS_URL", "MELDPUNT_NATS_LISTEN"} {
		if !strings.Contains(out, want) {
			t.Errorf("message lacks %q:\n%s", want, out)
		}
	}
}
