package imap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/ingest/imap"
	"github.com/meldpunt/meldpunt/internal/testutil/dovecot"
	"github.com/meldpunt/meldpunt/internal/testutil/tcpproxy"
)

const inbox = "gemeentebestuur"

func message(i int) []byte {
	return fmt.Appendf(nil, "From: Burger %d <burger%d@example.org>\r\n"+
		"To: gemeentebestuur@example.gov\r\n"+
		"Subject: Melding %d\r\n"+
		"Message-ID: <melding-%d@example.org>\r\n"+
		"Date: Fri, 04 Dec 2026 10:15:00 +0100\r\n"+
		"\r\n"+
		"Goedemiddag, het voetpad in de Stationsstraat ligt open sinds maandag.\r\n", i, i, i, i)
}

// bigMessage has a header and a body of about size bytes.
func bigMessage(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Burger <burger@example.org>\r\nSubject: Foto's van de schade\r\nMessage-ID: <groot@example.org>\r\n\r\n")
	line := strings.Repeat("x", 76) + "\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.Bytes()
}

func config(s *dovecot.Server, user string) imap.Config {
	name, password := s.User(user)
	return imap.Config{
		Host:     s.Host(),
		Port:     s.Port(),
		Security: imap.SecurityNone,
		Auth:     imap.Auth{Method: imap.AuthPlain, Username: name, Password: password},
		Timeout:  5 * time.Second,
	}
}

func dial(t *testing.T, cfg imap.Config) *imap.Client {
	t.Helper()
	c, err := imap.Dial(t.Context(), cfg, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func selectFolder(t *testing.T, c *imap.Client, name string, readOnly bool) imap.Folder {
	t.Helper()
	f, err := c.Select(t.Context(), name, readOnly)
	if err != nil {
		t.Fatalf("select %s: %v", name, err)
	}
	return f
}

func fetchAll(t *testing.T, c *imap.Client, uids []uint32, maxSize int64) []imap.Fetched {
	t.Helper()
	var got []imap.Fetched
	err := c.Fetch(t.Context(), uids, maxSize, func(f imap.Fetched) error {
		got = append(got, f)
		return nil
	})
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	return got
}

func TestLogin(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	for _, method := range []string{"", imap.AuthPlain, imap.AuthLogin} {
		t.Run("method="+method, func(t *testing.T) {
			cfg := config(s, inbox)
			cfg.Auth.Method = method
			c := dial(t, cfg)
			if !c.SupportsIdle() {
				t.Error("Dovecot offers IDLE, but SupportsIdle is false")
			}
			if err := c.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}

func TestWrongPassword(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	for _, method := range []string{imap.AuthPlain, imap.AuthLogin} {
		cfg := config(s, inbox)
		cfg.Auth.Method = method
		cfg.Auth.Password = "fout"
		_, err := imap.Dial(t.Context(), cfg, nil)
		if !errors.Is(err, imap.ErrAuthFailed) {
			t.Fatalf("%s: error %v; want ErrAuthFailed", method, err)
		}
		if imap.IsConnectionError(err) {
			t.Errorf("%s: a refused password is taken for a lost connection: %v", method, err)
		}
		for _, want := range []string{inbox, "authentication failed", "AUTHENTICATIONFAILED"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %q", method, err, want)
			}
		}
	}
}

func TestDialRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	_, err = imap.Dial(t.Context(), imap.Config{Host: "127.0.0.1", Port: port, Security: imap.SecurityNone, Timeout: time.Second}, nil)
	if !imap.IsConnectionError(err) {
		t.Fatalf("error %v; want a connection error", err)
	}
}

// A server that accepts but never greets must not hang Dial.
func TestDialSilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	start := time.Now()
	_, err = imap.Dial(t.Context(), imap.Config{Host: "127.0.0.1", Port: port, Security: imap.SecurityNone, Timeout: 300 * time.Millisecond}, nil)
	if !errors.Is(err, imap.ErrTimeout) || !imap.IsConnectionError(err) {
		t.Fatalf("error %v; want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("dial took %v", d)
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	s.Append(t, inbox, "INBOX", message(1))
	s.Append(t, inbox, "INBOX", message(2))
	c := dial(t, config(s, inbox))

	for _, readOnly := range []bool{true, false} {
		f := selectFolder(t, c, "INBOX", readOnly)
		want := imap.Folder{Name: "INBOX", UIDValidity: s.Status(t, inbox, "INBOX").UIDValidity, UIDNext: 3, Messages: 2}
		if f != want {
			t.Errorf("readOnly=%v: %+v; want %+v", readOnly, f, want)
		}
	}
	_, err := c.Select(t.Context(), "Bestaat niet", true)
	if err == nil || imap.IsConnectionError(err) {
		t.Fatalf("select of a missing folder: %v", err)
	}
	// The connection is still fine.
	selectFolder(t, c, "INBOX", true)
}

func TestUIDsAfter(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	for i := range 3 {
		s.Append(t, inbox, "INBOX", message(i))
	}
	c := dial(t, config(s, inbox))
	if _, err := c.UIDsAfter(t.Context(), 0); !errors.Is(err, imap.ErrNotSelected) {
		t.Fatalf("before select: %v", err)
	}
	selectFolder(t, c, "INBOX", true)
	for _, tc := range []struct {
		name  string
		after uint32
		want  []uint32
	}{
		{"all", 0, []uint32{1, 2, 3}},
		{"some", 1, []uint32{2, 3}},
		// "4:*" matches the last message, UID 3: it must not come back.
		{"last", 3, nil},
		{"beyond", 100, nil},
		{"max", 1<<32 - 1, nil},
	} {
		got, err := c.UIDsAfter(t.Context(), tc.after)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: UIDsAfter(%d) = %v; want %v", tc.name, tc.after, got, tc.want)
		}
	}
}

func TestUIDsSince(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	s.AppendAt(t, inbox, "INBOX", message(1), day(1))
	s.AppendAt(t, inbox, "INBOX", message(2), day(5))
	s.AppendAt(t, inbox, "INBOX", message(3), day(9))
	c := dial(t, config(s, inbox))
	selectFolder(t, c, "INBOX", true)
	got, err := c.UIDsSince(t.Context(), day(4))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []uint32{2, 3}) {
		t.Fatalf("UIDsSince = %v; want [2 3]", got)
	}
}

func TestFetchLeavesSeenAlone(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	raws := [][]byte{message(1), message(2), message(3)}
	for _, raw := range raws {
		s.Append(t, inbox, "INBOX", raw)
	}
	s.Append(t, inbox, "INBOX", message(4), `\Seen`, `\Flagged`)
	c := dial(t, config(s, inbox))
	selectFolder(t, c, "INBOX", false) // read-write: only PEEK keeps \Seen unset

	got := fetchAll(t, c, []uint32{3, 1, 2, 4, 99}, 0)
	if len(got) != 4 {
		t.Fatalf("fetched %d messages; want 4", len(got))
	}
	for i, f := range got {
		if f.UID != uint32(i+1) {
			t.Fatalf("message %d has uid %d: not in uid order", i, f.UID)
		}
		if i < 3 && !bytes.Equal(f.Raw, raws[i]) {
			t.Errorf("uid %d: raw differs", f.UID)
		}
		if f.Truncated || f.Size != int64(len(f.Raw)) || f.InternalDate.IsZero() {
			t.Errorf("uid %d: truncated %v, size %d (raw %d), date %v", f.UID, f.Truncated, f.Size, len(f.Raw), f.InternalDate)
		}
	}
	if !slices.Contains(got[3].Flags, `\Seen`) || !slices.Contains(got[3].Flags, `\Flagged`) {
		t.Errorf("flags of uid 4: %q", got[3].Flags)
	}
	for uid := uint32(1); uid <= 3; uid++ {
		if flags := s.Flags(t, inbox, "INBOX", uid); slices.Contains(flags, `\Seen`) {
			t.Errorf("uid %d is \\Seen after fetch: %q", uid, flags)
		}
	}
}

func TestFetchTruncatesLargeMessages(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	big := bigMessage(300 << 10)
	s.Append(t, inbox, "INBOX", message(1))
	s.Append(t, inbox, "INBOX", big)
	s.Append(t, inbox, "INBOX", message(3))
	c := dial(t, config(s, inbox))
	selectFolder(t, c, "INBOX", true)

	got := fetchAll(t, c, []uint32{1, 2, 3}, 100<<10)
	if len(got) != 3 || got[0].UID != 1 || got[1].UID != 2 || got[2].UID != 3 {
		t.Fatalf("fetched %d messages, not uids 1, 2, 3 in order", len(got))
	}
	if got[0].Truncated || got[2].Truncated {
		t.Error("small messages truncated")
	}
	f := got[1]
	header, _, _ := bytes.Cut(big, []byte("\r\n\r\n"))
	if !f.Truncated || f.Size != int64(len(big)) || string(f.Raw) != string(header)+"\r\n\r\n" {
		t.Errorf("large message: truncated %v, size %d (want %d), raw %q", f.Truncated, f.Size, len(big), f.Raw[:min(len(f.Raw), 80)])
	}
	if flags := s.Flags(t, inbox, "INBOX", 2); slices.Contains(flags, `\Seen`) {
		t.Errorf("large message \\Seen: %q", flags)
	}
}

func TestFetchManyInOrder(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	raws := make([][]byte, 2500)
	for i := range raws {
		raws[i] = message(i)
		if i%500 == 7 {
			raws[i] = bigMessage(2 << 20) // a few above the limit
		}
	}
	s.AppendMany(t, inbox, "INBOX", raws)
	c := dial(t, config(s, inbox))
	selectFolder(t, c, "INBOX", true)
	uids, err := c.UIDsAfter(t.Context(), 0)
	if err != nil || len(uids) != len(raws) {
		t.Fatalf("UIDsAfter: %d uids, %v", len(uids), err)
	}
	var last uint32
	n, truncated := 0, 0
	start := time.Now()
	err = c.Fetch(t.Context(), uids, 1<<20, func(f imap.Fetched) error {
		if f.UID <= last {
			return fmt.Errorf("uid %d after %d", f.UID, last)
		}
		last = f.UID
		i := int(f.UID) - 1
		if f.Truncated {
			truncated++
		} else if !bytes.Equal(f.Raw, raws[i]) {
			return fmt.Errorf("uid %d: raw differs", f.UID)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fetched %d messages in %v", n, time.Since(start))
	if n != len(raws) || truncated != 5 {
		t.Fatalf("fetched %d (%d truncated); want %d (5)", n, truncated, len(raws))
	}

	// An error from fn stops Fetch and comes back as is.
	stop := errors.New("stop")
	calls := 0
	err = c.Fetch(t.Context(), uids, 0, func(imap.Fetched) error {
		calls++
		if calls == 150 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 150 {
		t.Fatalf("error %v after %d calls; want stop after 150", err, calls)
	}
	// fn returning early leaves the connection usable.
	if _, err := c.UIDsAfter(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
}

func TestAddFlag(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	for i := range 3 {
		s.Append(t, inbox, "INBOX", message(i))
	}
	c := dial(t, config(s, inbox))

	selectFolder(t, c, "INBOX", true)
	if err := c.AddFlag(t.Context(), []uint32{1}, "$Meldpunt"); !errors.Is(err, imap.ErrReadOnly) {
		t.Fatalf("flag in a read-only folder: %v", err)
	}
	selectFolder(t, c, "INBOX", false)
	for _, bad := range []string{"", "two words", "$Meld(punt)", `\`} {
		if err := c.AddFlag(t.Context(), []uint32{1}, bad); err == nil {
			t.Errorf("flag %q accepted", bad)
		}
	}
	if err := c.AddFlag(t.Context(), []uint32{1, 3}, "$Meldpunt"); err != nil {
		t.Fatal(err)
	}
	for uid, want := range map[uint32]bool{1: true, 2: false, 3: true} {
		flags := s.Flags(t, inbox, "INBOX", uid)
		if slices.Contains(flags, "$Meldpunt") != want {
			t.Errorf("uid %d flags %q", uid, flags)
		}
		if slices.Contains(flags, `\Seen`) {
			t.Errorf("uid %d \\Seen: %q", uid, flags)
		}
	}
}

func TestMove(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	for i := range 4 {
		s.Append(t, inbox, "INBOX", message(i))
	}
	s.CreateMailbox(t, inbox, "Behandeld")
	c := dial(t, config(s, inbox))

	selectFolder(t, c, "INBOX", true)
	if err := c.Move(t.Context(), []uint32{1}, "Behandeld"); !errors.Is(err, imap.ErrReadOnly) {
		t.Fatalf("move from a read-only folder: %v", err)
	}
	selectFolder(t, c, "INBOX", false)
	if err := c.Move(t.Context(), []uint32{1, 3}, "Behandeld"); err != nil {
		t.Fatal(err)
	}
	if got := s.Status(t, inbox, "INBOX").Messages; got != 2 {
		t.Errorf("%d messages left in INBOX; want 2", got)
	}
	if got := s.Status(t, inbox, "Behandeld").Messages; got != 2 {
		t.Errorf("%d messages in Behandeld; want 2", got)
	}
	uids, err := c.UIDsAfter(t.Context(), 0)
	if err != nil || !slices.Equal(uids, []uint32{2, 4}) {
		t.Errorf("left in INBOX: %v, %v", uids, err)
	}

	err = c.Move(t.Context(), []uint32{2}, "Bestaat niet")
	if err == nil || imap.IsConnectionError(err) {
		t.Fatalf("move to a missing folder: %v", err)
	}
}

func TestUIDValidityChange(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	s.Append(t, inbox, "INBOX", message(1))
	cfg := config(s, inbox)
	c := dial(t, cfg)
	before := selectFolder(t, c, "INBOX", true)
	c.Close()

	s.SetUIDValidity(t, inbox, "INBOX", before.UIDValidity+1000)
	c = dial(t, cfg)
	after := selectFolder(t, c, "INBOX", true)
	if after.UIDValidity != before.UIDValidity+1000 {
		t.Fatalf("uidvalidity %d after the change; want %d", after.UIDValidity, before.UIDValidity+1000)
	}
}

func TestIdleSeesNewMail(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	c := dial(t, config(s, inbox))
	selectFolder(t, c, "INBOX", true)

	// Nothing happens: Idle returns after maxWait, and the connection is
	// still good.
	start := time.Now()
	changed, err := c.Idle(t.Context(), 300*time.Millisecond)
	if err != nil || changed {
		t.Fatalf("quiet idle: changed %v, %v", changed, err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("quiet idle took %v", d)
	}

	start = time.Now()
	idle := idleAsync(t, c, 30*time.Second)
	time.Sleep(300 * time.Millisecond)
	s.Append(t, inbox, "INBOX", message(1))
	res := <-idle
	if changed, err := res.changed, res.err; err != nil || !changed {
		t.Fatalf("idle: changed %v, %v", changed, err)
	}
	t.Logf("new mail seen after %v", time.Since(start))
	uids, err := c.UIDsAfter(t.Context(), 0)
	if err != nil || !slices.Equal(uids, []uint32{1}) {
		t.Fatalf("after idle: %v, %v", uids, err)
	}

	// ctx ending stops Idle cleanly.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Idle(ctx, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("idle with a cancelled context: %v", err)
	}
	if _, err := c.UIDsAfter(t.Context(), 0); err != nil {
		t.Fatalf("connection unusable after a cancelled idle: %v", err)
	}
}

// Mail that arrived while the client was busy is not lost to the next
// Idle.
func TestIdleAfterChangeDuringCommand(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	c := dial(t, config(s, inbox))
	selectFolder(t, c, "INBOX", true)
	s.Append(t, inbox, "INBOX", message(1))
	if _, err := c.UIDsAfter(t.Context(), 0); err != nil { // Dovecot reports EXISTS here
		t.Fatal(err)
	}
	changed, err := c.Idle(t.Context(), 5*time.Second)
	if err != nil || !changed {
		t.Fatalf("idle: changed %v, %v", changed, err)
	}
}

func TestIdleConnectionCut(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	proxy := tcpproxy.Start(t, s.Addr())
	cfg := config(s, inbox)
	cfg.Host, cfg.Port = splitAddr(t, proxy.Addr())
	c := dial(t, cfg)
	selectFolder(t, c, "INBOX", true)

	start := time.Now()
	idle := idleAsync(t, c, time.Minute)
	time.Sleep(300 * time.Millisecond)
	proxy.Cut()
	err := (<-idle).err
	if !imap.IsConnectionError(err) {
		t.Fatalf("idle on a cut connection: %v; want a connection error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("idle noticed the cut after %v", d)
	}
	if _, err := c.UIDsAfter(t.Context(), 0); !imap.IsConnectionError(err) {
		t.Fatalf("command after the cut: %v", err)
	}

	proxy.Restore(t)
	c = dial(t, cfg)
	selectFolder(t, c, "INBOX", true)
}

func TestIdleServerRestart(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	c := dial(t, config(s, inbox))
	selectFolder(t, c, "INBOX", true)
	idle := idleAsync(t, c, time.Minute)
	time.Sleep(300 * time.Millisecond)
	s.Restart(t)
	err := (<-idle).err
	if !imap.IsConnectionError(err) {
		t.Fatalf("idle across a restart: %v; want a connection error", err)
	}
}

// A connection that dies without a sound (no FIN, no RST) must not keep
// Idle, or any command, waiting forever.
func TestIdleSilentDeath(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	proxy := startFreezer(t, s.Addr())
	cfg := config(s, inbox)
	cfg.Host, cfg.Port = splitAddr(t, proxy.addr)
	cfg.Timeout = time.Second
	c := dial(t, cfg)
	selectFolder(t, c, "INBOX", true)

	start := time.Now()
	idle := idleAsync(t, c, time.Second)
	time.Sleep(200 * time.Millisecond)
	proxy.freeze()
	err := (<-idle).err
	if !errors.Is(err, imap.ErrTimeout) || !imap.IsConnectionError(err) {
		t.Fatalf("idle on a frozen connection: %v; want a timeout", err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("idle returned after %v", d)
	}

	// A command on a frozen connection times out too.
	proxy2 := startFreezer(t, s.Addr())
	cfg.Host, cfg.Port = splitAddr(t, proxy2.addr)
	c2 := dial(t, cfg)
	selectFolder(t, c2, "INBOX", true)
	proxy2.freeze()
	if _, err := c2.UIDsAfter(t.Context(), 0); !errors.Is(err, imap.ErrTimeout) {
		t.Fatalf("search on a frozen connection: %v", err)
	}
}

func TestFetchCancelled(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	s.AppendMany(t, inbox, "INBOX", [][]byte{message(1), message(2)})
	c := dial(t, config(s, inbox))
	selectFolder(t, c, "INBOX", true)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := c.Fetch(ctx, []uint32{1, 2}, 0, func(imap.Fetched) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("fetch with a cancelled context: %v", err)
	}
}

type idleResult struct {
	changed bool
	err     error
}

// idleAsync runs Idle in the background, so that the test can act
// meanwhile; a result that takes more than 10s fails the test.
func idleAsync(t *testing.T, c *imap.Client, maxWait time.Duration) <-chan idleResult {
	t.Helper()
	ch := make(chan idleResult, 1)
	go func() {
		changed, err := c.Idle(t.Context(), maxWait)
		ch <- idleResult{changed, err}
	}()
	out := make(chan idleResult, 1)
	go func() {
		select {
		case r := <-ch:
			out <- r
		case <-time.After(10 * time.Second):
			out <- idleResult{err: errors.New("idle did not return within 10s")}
		}
	}()
	return out
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(port, &n)
	return host, n
}

// freezer is a TCP proxy that can stop passing data while keeping every
// connection open: a network that silently drops everything.
type freezer struct {
	addr   string
	mu     sync.Mutex
	frozen bool
}

func startFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &freezer{addr: ln.Addr().String()}
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				down.Close()
				continue
			}
			t.Cleanup(func() { down.Close(); up.Close() })
			go f.pipe(up, down)
			go f.pipe(down, up)
		}
	}()
	return f
}

func (f *freezer) freeze() {
	f.mu.Lock()
	f.frozen = true
	f.mu.Unlock()
}

func (f *freezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		f.mu.Lock()
		frozen := f.frozen
		f.mu.Unlock()
		if n > 0 && !frozen {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
