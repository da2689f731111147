//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/testutil/dovecot"
	"github.com/meldpunt/meldpunt/internal/testutil/graphfake"
	"github.com/meldpunt/meldpunt/internal/testutil/natscluster"
)

// registryApp is the application_name of the registry's PostgreSQL
// connections, so that the harness can end exactly those.
const registryApp = "meldpunt-registry-e2e"

// startNATS starts one standalone nats-server process with JetStream.
func startNATS(t *testing.T, binDir string) *natscluster.Node {
	t.Helper()
	c := natscluster.Start(t, natscluster.Options{Binary: filepath.Join(binDir, "nats-server")})
	return c.Nodes()[0]
}

// pgAddr is the host:port of a PostgreSQL URL.
func pgAddr(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Fatalf("the e2e harness needs a postgres:// URL, got %q", dsn)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "5432")
	}
	return u.Host
}

// viaProxy is dsn pointed at addr, with the registry's application_name.
func viaProxy(t *testing.T, dsn, addr string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	q := u.Query()
	q.Set("application_name", registryApp)
	u.RawQuery = q.Encode()
	return u.String()
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// registryConfig: the example configuration's defaults, but a shorter
// ack_wait, so that a batch a killed registry held is delivered again
// within seconds (production: 60s).
func registryConfig(t *testing.T, dir string, ackWait time.Duration) string {
	t.Helper()
	return writeFile(t, filepath.Join(dir, "registry.toml"), fmt.Sprintf(`[consumer]
ack_wait = %q
[log]
level = "info"
`, ackWait))
}

// mailConfig configures ingest-mail for the given mailboxes on one IMAP
// address; passwords come from IMAP_PASSWORD_<n>.
func mailConfig(t *testing.T, dir, imapAddr string, poll time.Duration, boxes ...mailbox) string {
	t.Helper()
	host, port, err := net.SplitHostPort(imapAddr)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "poll_interval = %q\n[log]\nlevel = \"info\"\n", poll)
	for i, mb := range boxes {
		fmt.Fprintf(&b, `[[mailbox]]
inbox = %q
domain = %q
host = %q
port = %s
security = "none"
[mailbox.auth]
method = "plain"
username = %q
password = { env = "IMAP_PASSWORD_%d" }
`, mb.inbox, mb.domain, host, port, mb.inbox, i)
	}
	return writeFile(t, filepath.Join(dir, "ingest-mail.toml"), b.String())
}

// mailEnv is the passwords mailConfig refers to.
func mailEnv(imap *dovecot.Server, env map[string]string, boxes ...mailbox) map[string]string {
	for i, mb := range boxes {
		_, pw := imap.User(mb.inbox)
		env[fmt.Sprintf("IMAP_PASSWORD_%d", i)] = pw
	}
	return env
}

// facebookConfig configures ingest-facebook against the local Graph API
// server, as in production but polling every second.
func facebookConfig(t *testing.T, dir string, fb *graphfake.Server) string {
	t.Helper()
	secret := writeFile(t, filepath.Join(dir, "facebook-app-secret"), fb.AppSecret()+"\n")
	token := writeFile(t, filepath.Join(dir, "facebook-page-token"), fb.Token()+"\n")
	return writeFile(t, filepath.Join(dir, "ingest-facebook.toml"), fmt.Sprintf(`graph_url = %q
app_id = "42"
app_secret = { file = %q }
poll_interval = "1s"
overlap = "30s"
conversations_rate = -1
[log]
level = "info"
[[page]]
id = %q
inbox = %q
domain = "gemeente"
token = { file = %q }
`, fb.URL(), secret, fb.PageID(), fbInbox, token))
}

// eloketConfig configures ingest-eloket against the local Open311 server,
// polling every second with a 30-second overlap.
func eloketConfig(t *testing.T, dir, baseURL string) string {
	t.Helper()
	return writeFile(t, filepath.Join(dir, "ingest-eloket.toml"), fmt.Sprintf(`[log]
level = "info"
[[source]]
inbox = %q
domain = "gemeente"
profile = "open311"
poll_interval = "1s"
overlap = "30s"
since = %q
[source.open311]
base_url = %q
`, eloketInbox, time.Now().AddDate(0, 0, -1).Format(time.DateOnly), baseURL))
}

// waitLog waits until the process's log has a line containing substr.
func waitLog(t *testing.T, p *proc, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(p.log); err == nil && bytes.Contains(b, []byte(substr)) {
			return
		}
		if !p.running() {
			t.Fatalf("%s ended before logging %q:\n%s", p.name, substr, tailFile(p.log, 20))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q within %s:\n%s", p.name, substr, timeout, tailFile(p.log, 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// createToken makes an API token with `registry token add` against the
// database and returns it.
func createToken(t *testing.T, bin, dsn string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "token", "add", "--name", "e2e", "--role", "beheerder", "--domain", "gemeente", "--domain", "sociaalhuis")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "MELDPUNT_DATABASE_URL=" + dsn}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("registry token add: %v\n%s", err, stderr.String())
	}
	token := strings.TrimSpace(stdout.String())
	if token == "" {
		t.Fatalf("registry token add printed no token:\n%s", stderr.String())
	}
	return token
}

// freeAddr returns a loopback address nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
