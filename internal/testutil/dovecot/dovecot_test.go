package dovecot_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/meldpunt/meldpunt/internal/testutil/dovecot"
)

func message(i int) []byte {
	return fmt.Appendf(nil, "From: Burger %d <burger%d@example.org>\r\n"+
		"To: gemeentebestuur@example.gov\r\n"+
		"Subject: Vraag %d\r\n"+
		"Message-ID: <%d@example.org>\r\n"+
		"Date: Fri, 04 Dec 2026 10:15:00 +0100\r\n"+
		"\r\n"+
		"Beste, de straatlamp in de Kerkstraat is stuk.\r\n", i, i, i, i)
}

func TestLogin(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)

	user, password := s.User("gemeentebestuur")
	c, err := imapclient.DialInsecure(s.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, "wrong").Wait(); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select: %v", err)
	}
}

func TestParallelServers(t *testing.T) {
	t.Parallel()
	a, b := dovecot.Start(t), dovecot.Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("both servers on %s", a.Addr())
	}
	a.Append(t, "sociaalhuis", "INBOX", message(1))
	if got := b.Status(t, "sociaalhuis", "INBOX").Messages; got != 0 {
		t.Fatalf("second server sees %d messages of the first", got)
	}
}

func TestAppend(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)

	uid1 := s.Append(t, "gemeentebestuur", "INBOX", message(1))
	uid2 := s.Append(t, "gemeentebestuur", "INBOX", message(2), `\Seen`, "$Meldpunt")
	if uid1 != 1 || uid2 != 2 {
		t.Fatalf("uids %d, %d; want 1, 2", uid1, uid2)
	}
	if flags := s.Flags(t, "gemeentebestuur", "INBOX", uid2); !slices.Contains(flags, `\Seen`) || !slices.Contains(flags, "$Meldpunt") {
		t.Fatalf("flags of uid %d: %q", uid2, flags)
	}
	if flags := s.Flags(t, "gemeentebestuur", "INBOX", uid1); slices.Contains(flags, `\Seen`) {
		t.Fatalf("flags of uid %d: %q", uid1, flags)
	}

	// A missing mailbox is created.
	if uid := s.Append(t, "gemeentebestuur", "Verzonden", message(3)); uid != 1 {
		t.Fatalf("uid in new mailbox %d; want 1", uid)
	}

	at := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	uid := s.AppendAt(t, "gemeentebestuur", "INBOX", message(4), at)
	c := s.Dial(t, "gemeentebestuur")
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(imap.UID(uid)), &imap.FetchOptions{InternalDate: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v, %d messages", err, len(msgs))
	}
	if !msgs[0].InternalDate.Equal(at) {
		t.Fatalf("internal date %v; want %v", msgs[0].InternalDate, at)
	}
}

func TestAppendMany(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	s.Append(t, "gemeentebestuur", "Archief", message(0))

	n := 5000
	if testing.Short() {
		n = 500
	}
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = message(i + 1)
	}
	start := time.Now()
	uids := s.AppendMany(t, "gemeentebestuur", "Archief", raws)
	t.Logf("AppendMany: %d messages in %v", n, time.Since(start))
	if len(uids) != n || uids[0] != 2 || uids[n-1] != uint32(n+1) {
		t.Fatalf("uids %d..%d (%d); want 2..%d", uids[0], uids[len(uids)-1], len(uids), n+1)
	}

	// The UIDs follow the order of the messages.
	c := s.Dial(t, "gemeentebestuur")
	if _, err := c.Select("Archief", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}, Peek: true}
		msgs, err := c.Fetch(imap.UIDSetNum(imap.UID(uids[i])), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil || len(msgs) != 1 {
			t.Fatalf("fetch uid %d: %v (%d messages)", uids[i], err, len(msgs))
		}
		want := fmt.Sprintf("Subject: Vraag %d\r\n\r\n", i+1)
		if got := string(msgs[0].FindBodySection(section)); got != want {
			t.Fatalf("uid %d: %q; want %q", uids[i], got, want)
		}
	}

	// A second batch continues after the first.
	more := s.AppendMany(t, "gemeentebestuur", "Archief", raws[:3])
	if more[0] != uint32(n+2) {
		t.Fatalf("second batch starts at uid %d; want %d", more[0], n+2)
	}
}

func TestSetUIDValidity(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	s.Append(t, "sociaalhuis", "INBOX", message(1))
	s.SetUIDValidity(t, "sociaalhuis", "INBOX", 4242)
	if got := s.Status(t, "sociaalhuis", "INBOX").UIDValidity; got != 4242 {
		t.Fatalf("uidvalidity %d; want 4242", got)
	}
	c := s.Dial(t, "sociaalhuis")
	data, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if data.UIDValidity != 4242 || data.NumMessages != 1 {
		t.Fatalf("select: uidvalidity %d, %d messages", data.UIDValidity, data.NumMessages)
	}
}

func TestCreateMailbox(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	s.CreateMailbox(t, "gemeentebestuur", "Behandeld")
	s.CreateMailbox(t, "gemeentebestuur", "Behandeld") // exists: fine
	s.CreateMailbox(t, "gemeentebestuur", "INBOX")
	if got := s.Status(t, "gemeentebestuur", "Behandeld").Messages; got != 0 {
		t.Fatalf("%d messages in a new mailbox", got)
	}
}

func TestRestart(t *testing.T) {
	t.Parallel()
	s := dovecot.Start(t)
	s.Append(t, "gemeentebestuur", "INBOX", message(1))
	c := s.Dial(t, "gemeentebestuur")

	s.Restart(t)
	if err := c.Noop().Wait(); err == nil {
		t.Fatal("connection survived a restart")
	}
	if got := s.Status(t, "gemeentebestuur", "INBOX").Messages; got != 1 {
		t.Fatalf("%d messages after restart; want 1", got)
	}
	s.Dial(t, "gemeentebestuur") // same address

	s.Stop()
	s.Stop() // twice is fine
	if _, err := imapclient.DialInsecure(s.Addr(), &imapclient.Options{}); err == nil {
		t.Fatal("dial after stop succeeded")
	}
}
