package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/cli"
	"github.com/meldpunt/meldpunt/internal/testutil/dovecot"
	"github.com/meldpunt/meldpunt/internal/testutil/mailgen"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

// mailConfig writes an ingest-mail configuration for one Dovecot mailbox;
// the password comes from the environment variable IMAP_PASSWORD.
func mailConfig(t *testing.T, dir string, imap *dovecot.Server, user string) string {
	t.Helper()
	path := filepath.Join(dir, "ingest-mail.toml")
	conf := fmt.Sprintf(`poll_interval = "2s"
[log]
level = "info"
[[mailbox]]
inbox = "gemeentebestuur"
domain = "gemeente"
host = %q
port = %d
security = "none"
[mailbox.auth]
method = "plain"
username = %q
password = { env = "IMAP_PASSWORD" }
`, imap.Host(), imap.Port(), user)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitStreamMsgs waits until the stream holds at least n events and
// returns how many it holds.
func waitStreamMsgs(t testing.TB, b *bus.Bus, n uint64) uint64 {
	t.Helper()
	natstest.WaitStream(t, b, n, func() string { return "" })
	return natstest.StreamCount(t, b)
}

// peakRSSKiB is a running process's peak resident set size (VmHWM).
func peakRSSKiB(t testing.TB, pid int) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

var duplicatesRE = regexp.MustCompile(`meldpunt_ingest_mail_published_total\{result="duplicate",source="gemeentebestuur/INBOX"\} (\d+)`)

// TestIngestMailKilled kills the mail connector with SIGKILL in the middle
// of a 5,000-message mailbox and restarts it: every message is captured
// once, and at most one chunk is published again.
func TestIngestMailKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 messages")
	}
	t.Parallel()
	imap := dovecot.Start(t)
	user, pass := imap.User("gemeentebestuur")
	const n = 5000
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = mailgen.Message(i, mailgen.Options{NoMessageID: 50})
	}
	imap.AppendMany(t, user, "INBOX", raws)
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)
	dir := t.TempDir()
	cfg := mailConfig(t, dir, imap, user)
	env := map[string]string{"MELDPUNT_NATS_URL": srv.URL(), "MELDPUNT_HTTP_ADDR": "127.0.0.1:0", "IMAP_PASSWORD": pass}
	bin := binary(t, "ingest-mail")

	first := startProcess(t, bin, "ingest-mail-1", dir, env, "-config", cfg)
	got := waitStreamMsgs(t, b, n/4)
	first.kill()
	if got >= n {
		t.Fatal("the mailbox was done before the kill; the test proved nothing")
	}
	t.Logf("killed ingest-mail with %d of %d captured", got, n)

	second := startProcess(t, bin, "ingest-mail-2", dir, env, "-config", cfg)
	waitStreamMsgs(t, b, n)
	base := "http://" + second.waitHTTP()
	ctx := context.Background()
	code, body, err := getURL(ctx, base+"/healthz")
	if err != nil || code != 200 || !strings.Contains(body, `"healthy":true`) {
		t.Errorf("GET /healthz = %d %s, %v", code, body, err)
	}
	_, metrics, err := getURL(ctx, base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(metrics, `meldpunt_ingest_mail_published_total{result="new",source="gemeentebestuur/INBOX"}`) {
		t.Fatalf("/metrics lacks the published counter")
	}
	dups := 0 // absent until the first duplicate
	if m := duplicatesRE.FindStringSubmatch(metrics); m != nil {
		dups, _ = strconv.Atoi(m[1])
	}
	t.Logf("the restarted connector published %d messages a second time", dups)
	if dups > 250 {
		t.Errorf("the restarted connector published %d messages again; want at most one chunk", dups)
	}
	if code := second.stop(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d", code)
	}
	if got := natstest.StreamCount(t, b); got != n {
		t.Errorf("stream holds %d events, want %d", got, n)
	}
}

// TestIngestMailLargeMessage: a 40 MB message passes while the process's
// peak memory stays under 150 MB.
func TestIngestMailLargeMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("40 MB message")
	}
	t.Parallel()
	imap := dovecot.Start(t)
	user, pass := imap.User("gemeentebestuur")
	imap.Append(t, user, "INBOX", bigMail(t, 40<<20))
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)
	dir := t.TempDir()
	cfg := mailConfig(t, dir, imap, user)
	c := startProcess(t, binary(t, "ingest-mail"), "ingest-mail", dir,
		map[string]string{"MELDPUNT_NATS_URL": srv.URL(), "MELDPUNT_HTTP_ADDR": "127.0.0.1:0", "IMAP_PASSWORD": pass}, "-config", cfg)
	waitStreamMsgs(t, b, 1)
	peakKB := peakRSSKiB(t, c.cmd.Process.Pid)
	t.Logf("ingest-mail peak RSS with a 40 MB message: %.1f MiB", float64(peakKB)/1024)
	if peakKB == 0 || peakKB > 150*1024 {
		t.Errorf("peak RSS %d KiB, want under 150 MiB", peakKB)
	}
}

// bigMail is a message of about size bytes: a short text and a base64
// attachment of random bytes.
func bigMail(t *testing.T, size int) []byte {
	t.Helper()
	data := make([]byte, size*3/4)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("From: Els Maes <els@example.be>\r\nTo: gemeentebestuur@meldegem.be\r\nSubject: Plannen voor de verbouwing\r\n" +
		"Date: Mon, 5 Jan 2026 10:00:00 +0100\r\nMessage-ID: <big-1@example.be>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Goeiedag, in bijlage de plannen.\r\n--b1\r\nContent-Type: application/pdf; name=\"plannen.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"plannen.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		sb.WriteString(enc[:76])
		sb.WriteString("\r\n")
		enc = enc[76:]
	}
	sb.WriteString(enc + "\r\n--b1--\r\n")
	return []byte(sb.String())
}

// TestIngestMailImport runs `ingest-mail import` on the mail corpus twice:
// the second run finds every message already published.
func TestIngestMailImport(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	natstest.Connect(t, srv) // sets the stream up, as the registry does: connectors create nothing
	corpus, err := filepath.Abs("../mail/testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(corpus, "*.eml"))
	if len(files) < 30 {
		t.Fatalf("corpus has %d messages", len(files))
	}
	getenv := func(k string) string { return map[string]string{"MELDPUNT_NATS_URL": srv.URL()}[k] }
	for run, want := range []string{
		fmt.Sprintf("read %d, published %d, duplicates 0, errors 0", len(files), len(files)),
		fmt.Sprintf("read %d, published 0, duplicates %d, errors 0", len(files), len(files)),
	} {
		var out, errOut strings.Builder
		code := cli.IngestMail(context.Background(), []string{"import", "--inbox", "gemeentebestuur", "--domain", "gemeente", corpus},
			cli.Env{Stdout: &out, Stderr: &errOut, Getenv: getenv})
		if code != 0 || !strings.Contains(out.String(), want) {
			t.Errorf("run %d: exit %d, output %q, want %q\n%s", run+1, code, out.String(), want, errOut.String())
		}
	}
	var errOut strings.Builder
	if code := cli.IngestMail(context.Background(), []string{"import", "--domain", "stad"}, cli.Env{Stdout: io.Discard, Stderr: &errOut, Getenv: getenv}); code != 2 ||
		!strings.Contains(errOut.String(), "--inbox") || !strings.Contains(errOut.String(), "--domain") {
		t.Errorf("bad arguments: exit %d, %s", code, errOut.String())
	}
}
