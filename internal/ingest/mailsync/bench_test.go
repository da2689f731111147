package mailsync_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/ingest/mailsync"
	"github.com/meldpunt/meldpunt/internal/testutil/ci"
	"github.com/meldpunt/meldpunt/internal/testutil/mailgen"
)

// BenchmarkCaptureVsMbsync captures a 10,000-message mailbox from a local
// Dovecot into JetStream, and in the same run times mbsync (isync, FSync no)
// pulling the same mailbox into a Maildir. Run it once:
//
//	go test ./internal/ingest/mailsync -run '^$' -bench CaptureVsMbsync -benchtime 1x
func BenchmarkCaptureVsMbsync(b *testing.B) {
	mbsync, err := exec.LookPath("mbsync")
	if err != nil {
		ci.Missing(b, "mbsync (Debian isync) is not installed; .ci/run installs it")
	}
	const n = 10000
	raws := make([][]byte, n)
	var total int
	for i := range raws {
		raws[i] = mailgen.Message(i, mailgen.Options{PadTo: 3000})
		total += len(raws[i])
	}
	for b.Loop() {
		b.StopTimer()
		r := newRigB(b)
		r.imap.AppendMany(b, r.user, "INBOX", raws)
		b.StartTimer()

		start := time.Now()
		r.start(r.mailbox("", mailsync.AfterKeep))
		r.waitStream(n)
		ours := time.Since(start)

		dir := b.TempDir()
		cfg := filepath.Join(dir, "mbsyncrc")
		host, port := r.imap.Host(), r.imap.Port()
		conf := fmt.Sprintf(`FSync no

IMAPAccount bench
Host %s
Port %d
User %s
Pass %s
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path %s/mail/
Inbox %s/inbox

Channel pull
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
SyncState *
`, host, port, r.user, r.pass, dir, dir)
		if err := os.MkdirAll(filepath.Join(dir, "mail"), 0o700); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		out, err := exec.Command(mbsync, "-c", cfg, "-q", "pull").CombinedOutput()
		theirs := time.Since(start)
		if err != nil {
			b.Fatalf("mbsync: %v\n%s", err, out)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "inbox", "cur", "*"))
		news, _ := filepath.Glob(filepath.Join(dir, "inbox", "new", "*"))
		if len(files)+len(news) != n {
			b.Fatalf("mbsync pulled %d messages, want %d", len(files)+len(news), n)
		}
		b.ReportMetric(float64(n)/ours.Seconds(), "ingest-msgs/s")
		b.ReportMetric(float64(n)/theirs.Seconds(), "mbsync-msgs/s")
		b.ReportMetric(theirs.Seconds()/ours.Seconds(), "speedup-vs-mbsync")
		b.ReportMetric(float64(total)/float64(n), "bytes/msg")
	}
}
