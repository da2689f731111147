package imap_test

import (
	"errors"
	"slices"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/meldpunt/meldpunt/internal/ingest/imap"
)

func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := selfSigned(t)
	m := startMemServer(t, memOptions{tls: serverTLS})
	cfg := memConfig(t, m)
	cfg.Security = imap.SecurityTLS
	cfg.TLSConfig = clientTLS
	c := dial(t, cfg)
	selectFolder(t, c, "INBOX", true)

	// An untrusted certificate is not a connection problem that a retry
	// would solve.
	cfg.TLSConfig = nil
	_, err := imap.Dial(t.Context(), cfg, nil)
	if err == nil || imap.IsConnectionError(err) {
		t.Fatalf("dial with an untrusted certificate: %v", err)
	}
}

func TestStartTLS(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := selfSigned(t)
	m := startMemServer(t, memOptions{startTLS: serverTLS})
	cfg := memConfig(t, m)
	cfg.Security = imap.SecurityStartTLS
	cfg.TLSConfig = clientTLS
	for _, method := range []string{imap.AuthPlain, imap.AuthLogin} {
		cfg.Auth.Method = method
		c := dial(t, cfg)
		selectFolder(t, c, "INBOX", true)
	}

	cfg.TLSConfig = nil
	if _, err := imap.Dial(t.Context(), cfg, nil); err == nil || imap.IsConnectionError(err) {
		t.Fatalf("starttls with an untrusted certificate: %v", err)
	}

	// Without STARTTLS this server refuses to log in.
	cfg.Security = imap.SecurityNone
	cfg.Auth.Method = imap.AuthLogin
	if _, err := imap.Dial(t.Context(), cfg, nil); !errors.Is(err, imap.ErrAuthFailed) {
		t.Fatalf("login in the clear: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []imap.Config{
		{},
		{Host: "h", Security: "ssl"},
		{Host: "h", Port: 70000},
		{Host: "h", Auth: imap.Auth{Method: "cram-md5"}},
	} {
		if _, err := imap.Dial(t.Context(), cfg, nil); err == nil || imap.IsConnectionError(err) {
			t.Errorf("config %+v: %v", cfg, err)
		}
	}
}

// Without MOVE, Move copies, marks \Deleted and expunges exactly the moved
// messages with UID EXPUNGE.
func TestMoveWithoutMOVE(t *testing.T) {
	t.Parallel()
	m := startMemServer(t, memOptions{caps: goimap.CapSet{goimap.CapIMAP4rev1: {}, goimap.CapUIDPlus: {}}})
	for i := range 3 {
		m.append(t, "INBOX", message(i))
	}
	c := dial(t, memConfig(t, m))
	selectFolder(t, c, "INBOX", false)
	if err := c.Move(t.Context(), []uint32{1, 3}, "Behandeld"); err != nil {
		t.Fatal(err)
	}
	uids, err := c.UIDsAfter(t.Context(), 0)
	if err != nil || !slices.Equal(uids, []uint32{2}) {
		t.Fatalf("left in INBOX: %v, %v", uids, err)
	}
	if f := selectFolder(t, c, "Behandeld", true); f.Messages != 2 {
		t.Fatalf("%d messages in Behandeld; want 2", f.Messages)
	}
}

// Without MOVE and UIDPLUS an EXPUNGE would also remove what a person
// marked deleted: the messages are copied and flagged, and stay.
func TestMoveWithoutUIDPLUS(t *testing.T) {
	t.Parallel()
	m := startMemServer(t, memOptions{caps: goimap.CapSet{goimap.CapIMAP4rev1: {}}})
	for i := range 2 {
		m.append(t, "INBOX", message(i))
	}
	c := dial(t, memConfig(t, m))
	selectFolder(t, c, "INBOX", false)
	if err := c.Move(t.Context(), []uint32{1}, "Behandeld"); err != nil {
		t.Fatal(err)
	}
	got := fetchAll(t, c, []uint32{1, 2}, 0)
	if len(got) != 2 || !slices.Contains(got[0].Flags, `\Deleted`) || slices.Contains(got[1].Flags, `\Deleted`) {
		t.Fatalf("after move: %+v", got)
	}
	if f := selectFolder(t, c, "Behandeld", true); f.Messages != 1 {
		t.Fatalf("%d messages in Behandeld; want 1", f.Messages)
	}
}
