package dovecot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Doveadm runs `doveadm -c <config> args...` and returns its standard
// output; a failure fails the test.
func (s *Server) Doveadm(t testing.TB, args ...string) string {
	t.Helper()
	out, err := s.doveadm(args...)
	if err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	return out
}

func (s *Server) doveadm(args ...string) (string, error) {
	cmd := exec.Command(DoveadmBin, append([]string{"-c", s.config}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("doveadm %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// CreateMailbox creates a mailbox (folder) for user; one that exists
// already is fine.
func (s *Server) CreateMailbox(t testing.TB, user, mailbox string) {
	t.Helper()
	if strings.EqualFold(mailbox, "INBOX") {
		s.status(t, user, mailbox) // INBOX exists as soon as it is opened
		return
	}
	if _, err := s.doveadm("mailbox", "create", "-u", user, mailbox); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("dovecot: %v", err)
	}
}

// SetUIDValidity changes the UIDVALIDITY of a mailbox, as a server does
// after its index was rebuilt: a client must then forget every UID it
// knew.
func (s *Server) SetUIDValidity(t testing.TB, user, mailbox string, v uint32) {
	t.Helper()
	s.Doveadm(t, "mailbox", "update", "-u", user, "--uid-validity", strconv.FormatUint(uint64(v), 10), mailbox)
}

// MailboxStatus is what doveadm reports of a mailbox.
type MailboxStatus struct {
	Messages    uint32
	UIDNext     uint32
	UIDValidity uint32
}

// Status returns the message count, UIDNEXT and UIDVALIDITY of a mailbox,
// seen by the server without any IMAP client.
func (s *Server) Status(t testing.TB, user, mailbox string) MailboxStatus {
	t.Helper()
	return s.status(t, user, mailbox)
}

func (s *Server) status(t testing.TB, user, mailbox string) MailboxStatus {
	t.Helper()
	out := s.Doveadm(t, "-f", "flow", "mailbox", "status", "-u", user, "messages uidnext uidvalidity", mailbox)
	var st MailboxStatus
	for _, field := range strings.Fields(out) {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			continue
		}
		switch k {
		case "messages":
			st.Messages = uint32(n)
		case "uidnext":
			st.UIDNext = uint32(n)
		case "uidvalidity":
			st.UIDValidity = uint32(n)
		}
	}
	if st.UIDValidity == 0 {
		t.Fatalf("dovecot: unexpected mailbox status %q", out)
	}
	return st
}

// Flags returns the flags of a message, seen by the server without any
// IMAP client (so that looking does not change them).
func (s *Server) Flags(t testing.TB, user, mailbox string, uid uint32) []string {
	t.Helper()
	out := s.Doveadm(t, "-f", "flow", "fetch", "-u", user, "flags", "mailbox", mailbox, "uid", strconv.FormatUint(uint64(uid), 10))
	_, flags, ok := strings.Cut(strings.TrimSpace(out), "flags=")
	if !ok {
		t.Fatalf("dovecot: no message with uid %d in %s of %s (%q)", uid, mailbox, user, out)
	}
	return strings.Fields(flags)
}

// Dial logs in as user and returns an IMAP client, closed when the test
// ends: for a test that plays a person's mail program beside the code
// under test.
func (s *Server) Dial(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatalf("dovecot: dial %s: %v", s.addr, err)
	}
	t.Cleanup(func() { c.Close() })
	name, password := s.User(user)
	if err := c.Login(name, password).Wait(); err != nil {
		t.Fatalf("dovecot: login %s: %v", user, err)
	}
	return c
}

// Append delivers one message through IMAP APPEND and returns its UID. A
// missing mailbox is created.
func (s *Server) Append(t testing.TB, user, mailbox string, raw []byte, flags ...string) uint32 {
	t.Helper()
	return s.AppendAt(t, user, mailbox, raw, time.Time{}, flags...)
}

// AppendAt is Append with a given INTERNALDATE (the arrival time the server
// records); the zero time means now.
func (s *Server) AppendAt(t testing.TB, user, mailbox string, raw []byte, at time.Time, flags ...string) uint32 {
	t.Helper()
	c := s.Dial(t, user)
	defer c.Close()
	opts := &imap.AppendOptions{Time: at}
	for _, f := range flags {
		opts.Flags = append(opts.Flags, imap.Flag(f))
	}
	data, err := appendOne(c, mailbox, raw, opts)
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeTryCreate {
		if err := c.Create(mailbox, nil).Wait(); err != nil {
			t.Fatalf("dovecot: create %s: %v", mailbox, err)
		}
		data, err = appendOne(c, mailbox, raw, opts)
	}
	if err != nil {
		t.Fatalf("dovecot: append to %s of %s: %v", mailbox, user, err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Logf("dovecot: logout: %v", err)
	}
	return uint32(data.UID)
}

func appendOne(c *imapclient.Client, mailbox string, raw []byte, opts *imap.AppendOptions) (*imap.AppendData, error) {
	cmd := c.Append(mailbox, int64(len(raw)), opts)
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return nil, err
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	return cmd.Wait()
}

// AppendMany delivers many messages at once and returns their UIDs, in
// order. It writes them straight into the Maildir, as a local delivery
// agent does, and lets Dovecot assign the UIDs in that order: thousands of
// messages take a second or so, where APPEND takes one round trip each.
// Nothing else may deliver to the mailbox meanwhile.
func (s *Server) AppendMany(t testing.TB, user, mailbox string, raws [][]byte) []uint32 {
	t.Helper()
	s.CreateMailbox(t, user, mailbox)
	before := s.status(t, user, mailbox)
	dir := strings.TrimSpace(s.Doveadm(t, "mailbox", "path", "-u", user, mailbox))
	if dir == "" {
		t.Fatalf("dovecot: no path for mailbox %s of %s", mailbox, user)
	}
	for _, sub := range []string{"tmp", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
		if err := os.Chown(filepath.Join(dir, sub), s.mailUID, s.mailGID); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
	}

	// Dovecot gives new files their UIDs in the order of their names.
	s.mu.Lock()
	first := s.fileSeq
	s.fileSeq += uint64(len(raws))
	s.mu.Unlock()
	stamp := time.Now().Unix()
	for i, raw := range raws {
		name := fmt.Sprintf("%d.M%012dP%d.meldpunt,S=%d", stamp, first+uint64(i), os.Getpid(), len(raw))
		tmp := filepath.Join(dir, "tmp", name)
		if err := os.WriteFile(tmp, raw, 0o600); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
		if err := os.Chown(tmp, s.mailUID, s.mailGID); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "cur", name+":2,")); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
	}

	after := s.status(t, user, mailbox) // this makes Dovecot see the new files
	if after.UIDNext-before.UIDNext != uint32(len(raws)) || after.Messages-before.Messages != uint32(len(raws)) {
		t.Fatalf("dovecot: appended %d messages to %s of %s, but its status went from %+v to %+v", len(raws), mailbox, user, before, after)
	}
	uids := make([]uint32, len(raws))
	for i := range uids {
		uids[i] = before.UIDNext + uint32(i)
	}
	return uids
}
