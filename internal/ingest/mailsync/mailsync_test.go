package mailsync_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"testing"
	"time"

	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/imap"
	"github.com/meldpunt/meldpunt/internal/ingest/mailsync"
	"github.com/meldpunt/meldpunt/internal/testutil/dovecot"
	"github.com/meldpunt/meldpunt/internal/testutil/mailgen"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/meldpunt/meldpunt/internal/testutil/tcpproxy"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type rig struct {
	t       testing.TB
	imap    *dovecot.Server
	bus     *bus.Bus
	health  *ingest.Health
	metrics *ingest.Metrics
	user    string
	pass    string
}

func newRig(t *testing.T) *rig { return newRigB(t) }

func newRigB(t testing.TB) *rig {
	t.Helper()
	srv := natstest.Start(t)
	r := &rig{t: t, imap: dovecot.Start(t), bus: natstest.Connect(t, srv), health: ingest.NewHealth(), metrics: ingest.NewMetrics("mail")}
	r.user, r.pass = r.imap.User("gemeentebestuur")
	return r
}

func (r *rig) mailbox(addr string, after string) mailsync.Mailbox {
	host, port := r.imap.Host(), r.imap.Port()
	if addr != "" {
		h, p, _ := splitHostPort(addr)
		host, port = h, p
	}
	return mailsync.Mailbox{
		Inbox: "gemeentebestuur", Domain: caseevent.DomainGemeente,
		IMAP: imap.Config{Host: host, Port: port, Security: imap.SecurityNone, Timeout: 10 * time.Second,
			Auth: imap.Auth{Method: imap.AuthPlain, Username: r.user, Password: r.pass}},
		Folders: []mailsync.Folder{{Name: "INBOX", Direction: caseevent.DirectionIncoming}},
		After:   after, FlagKeyword: "$Meldpunt", MoveTo: "Meldpunt",
	}
}

// start runs a syncer until the test ends.
func (r *rig) start(mbs ...mailsync.Mailbox) {
	r.t.Helper()
	s := mailsync.New(r.bus, r.health, r.metrics, mailsync.Options{
		CaseRef: regexp.MustCompile(`MP-\d{4}-\d{6}`), PollInterval: time.Second, Chunk: 250,
	}, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx, mbs) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

// streamIDs reads the whole intake stream and counts its events by id
// (StreamEvents fails the test on an id seen twice).
func (r *rig) streamIDs() map[string]int {
	r.t.Helper()
	ids := map[string]int{}
	for id := range natstest.StreamEvents(r.t, r.bus) {
		ids[id]++
	}
	return ids
}

func (r *rig) streamCount() uint64 { return natstest.StreamCount(r.t, r.bus) }

func (r *rig) waitStream(n uint64) {
	r.t.Helper()
	natstest.WaitStream(r.t, r.bus, n, func() string { return fmt.Sprintf("health %+v", r.health.Snapshot()) })
}

func (r *rig) published(result string) float64 {
	return promtest.ToFloat64(r.metrics.Published.WithLabelValues("gemeentebestuur/INBOX", result))
}

// TestCaptureMailboxExactlyOnce: 5,000 messages (some without Message-ID,
// some reusing one) are captured once each; then a UIDVALIDITY change makes
// the connector read the folder again without registering anything twice.
func TestCaptureMailboxExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 messages")
	}
	t.Parallel()
	r := newRig(t)
	const n = 5000
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = mailgen.Message(i, mailgen.Options{NoMessageID: 97, ReusedMessageID: 89})
	}
	uids := r.imap.AppendMany(t, r.user, "INBOX", raws)
	r.start(r.mailbox("", mailsync.AfterKeep))
	r.waitStream(n)
	ids := r.streamIDs()
	if len(ids) != n {
		t.Fatalf("stream holds %d distinct events, want %d", len(ids), n)
	}
	if got := r.published("duplicate"); got != 0 {
		t.Errorf("%v events were published twice in a plain run", got)
	}
	// keep: nothing changed on the server.
	for _, uid := range []uint32{uids[0], uids[n/2], uids[n-1]} {
		if flags := r.imap.Flags(t, r.user, "INBOX", uid); slices.Contains(flags, `\Seen`) || slices.Contains(flags, "$Meldpunt") {
			t.Errorf("uid %d got flags %v", uid, flags)
		}
	}

	// The server renumbers the folder: everything is read again, and all of
	// it is recognised.
	r.imap.SetUIDValidity(t, r.user, "INBOX", 4242)
	deadline := time.Now().Add(3 * time.Minute)
	for r.published("duplicate") < n {
		if time.Now().After(deadline) {
			t.Fatalf("after the UIDVALIDITY change, %v of %d messages were read again", r.published("duplicate"), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := r.streamCount(); got != n {
		t.Errorf("stream holds %d events after the rescan, want %d", got, n)
	}
}

// TestPersonAtWork: while the connector captures, a person reads messages,
// moves some away and moves some back (they get new UIDs). Nothing is lost,
// nothing is registered twice, and the connector sets no flags.
func TestPersonAtWork(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	const n = 600
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = mailgen.Message(i, mailgen.Options{})
	}
	r.imap.AppendMany(t, r.user, "INBOX", raws)
	r.imap.CreateMailbox(t, r.user, "Archief")
	r.start(r.mailbox("", mailsync.AfterKeep))

	person := r.imap.Dial(t, r.user)
	if _, err := person.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var seen, moved imapUIDs
	for i := uint32(1); i <= 40; i++ {
		seen = append(seen, i*7)
		moved = append(moved, i*11)
	}
	if err := storeSeen(person, seen); err != nil {
		t.Fatal(err)
	}
	if err := moveUIDs(person, moved, "Archief"); err != nil {
		t.Fatal(err)
	}
	// and back again, after a while
	r.waitStream(200)
	if _, err := person.Select("Archief", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := moveAll(person, "INBOX"); err != nil {
		t.Fatal(err)
	}
	r.waitStream(n)
	time.Sleep(2 * time.Second) // a few more polls, to give a double registration every chance
	ids := r.streamIDs()
	if len(ids) != n || r.streamCount() != n {
		t.Errorf("stream holds %d events with %d distinct ids, want %d", r.streamCount(), len(ids), n)
	}
}

// TestIdle: a message delivered while the connector idles is captured
// without waiting for the poll; and after the connection is cut during
// IDLE, the connector comes back and captures what arrived meanwhile.
func TestIdle(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	proxy := tcpproxy.Start(t, r.imap.Addr())
	r.imap.Append(t, r.user, "INBOX", mailgen.Message(0, mailgen.Options{}))
	mb := r.mailbox(proxy.Addr(), mailsync.AfterKeep)
	r.start(mb)
	r.waitStream(1)
	time.Sleep(200 * time.Millisecond) // into IDLE

	start := time.Now()
	r.imap.Append(t, r.user, "INBOX", mailgen.Message(1, mailgen.Options{}))
	r.waitStream(2)
	t.Logf("delivered while idle: captured after %s", time.Since(start).Round(time.Millisecond))

	proxy.Cut()
	r.imap.Append(t, r.user, "INBOX", mailgen.Message(2, mailgen.Options{}))
	time.Sleep(500 * time.Millisecond)
	if got := r.streamCount(); got != 2 {
		t.Fatalf("stream holds %d events while the connection is cut", got)
	}
	proxy.Restore(t)
	r.waitStream(3)
	snap := r.health.Snapshot()
	if len(snap) != 1 || snap[0].LastError == "" || !snap[0].Healthy {
		t.Errorf("health after a cut and recovery: %+v", snap)
	}
}

// TestAfterCapture: flag and move act only after JetStream acknowledged.
func TestAfterCapture(t *testing.T) {
	t.Parallel()
	for _, after := range []string{mailsync.AfterFlag, mailsync.AfterMove} {
		t.Run(after, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			r.imap.CreateMailbox(t, r.user, "Meldpunt")
			for i := range 5 {
				r.imap.Append(t, r.user, "INBOX", mailgen.Message(i, mailgen.Options{}))
			}
			r.start(r.mailbox("", after))
			r.waitStream(5)
			deadline := time.Now().Add(time.Minute)
			for {
				inbox, dest := r.imap.Status(t, r.user, "INBOX"), r.imap.Status(t, r.user, "Meldpunt")
				if after == mailsync.AfterMove && inbox.Messages == 0 && dest.Messages == 5 {
					break
				}
				if after == mailsync.AfterFlag && slices.Contains(r.imap.Flags(t, r.user, "INBOX", 5), "$Meldpunt") {
					if flags := r.imap.Flags(t, r.user, "INBOX", 1); !slices.Contains(flags, "$Meldpunt") || slices.Contains(flags, `\Seen`) {
						t.Errorf("uid 1 flags %v", flags)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s did not happen: INBOX %+v, Meldpunt %+v", after, inbox, dest)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// TestWrongPassword: the source shows as unhealthy with the reason.
func TestWrongPassword(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	mb := r.mailbox("", mailsync.AfterKeep)
	mb.IMAP.Auth.Password = "wrong"
	r.start(mb)
	deadline := time.Now().Add(time.Minute)
	for {
		snap := r.health.Snapshot()
		if len(snap) == 1 && !snap[0].Healthy {
			if snap[0].LastError == "" {
				t.Error("unhealthy without a reason")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("health %+v", snap)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
