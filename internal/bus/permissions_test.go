package bus_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

// TestRolePermissions checks the permission lists against subjects the
// roles must and must not use. The real server enforcing them, with the
// real processes, is tested in internal/cli (TestLeastPrivilege).
func TestRolePermissions(t *testing.T) {
	t.Parallel()
	const (
		kvAPI  = "$JS.API.DIRECT.GET.KV_meldpunt_checkpoints.$KV.meldpunt_checkpoints."
		objAPI = "$JS.API.DIRECT.GET.OBJ_meldpunt_objects.$O.meldpunt_objects.M."
	)
	fbKey := bus.CheckpointKey("facebook", "facebook", "104857600123456")
	mailKey := bus.CheckpointKey("mail", "gemeentebestuur", "INBOX")
	for _, tc := range []struct {
		name      string
		role      bus.Role
		subscribe bool
		subject   string
		allowed   bool
	}{
		{"facebook publishes facebook events", bus.RoleIngestFacebook, false, caseevent.Subject(caseevent.ChannelFacebook, "facebook"), true},
		{"facebook may not publish mail events", bus.RoleIngestFacebook, false, caseevent.Subject(caseevent.ChannelEmail, "gemeentebestuur"), false},
		{"facebook may not publish counter events", bus.RoleIngestFacebook, false, caseevent.Subject(caseevent.ChannelCounter, "onthaal"), false},
		{"facebook writes its checkpoint", bus.RoleIngestFacebook, false, "$KV.meldpunt_checkpoints." + fbKey, true},
		{"facebook reads its checkpoint", bus.RoleIngestFacebook, false, kvAPI + fbKey, true},
		{"facebook may not write a mail checkpoint", bus.RoleIngestFacebook, false, "$KV.meldpunt_checkpoints." + mailKey, false},
		{"facebook may not read a mail checkpoint", bus.RoleIngestFacebook, false, kvAPI + mailKey, false},
		{"facebook may not read by sequence", bus.RoleIngestFacebook, false, "$JS.API.DIRECT.GET.KV_meldpunt_checkpoints", false},
		{"facebook may not get messages of the bucket", bus.RoleIngestFacebook, false, "$JS.API.STREAM.MSG.GET.KV_meldpunt_checkpoints", false},
		{"facebook stores objects", bus.RoleIngestFacebook, false, "$O.meldpunt_objects.C.abc", true},
		{"facebook looks objects up", bus.RoleIngestFacebook, false, objAPI + "YWJj", true},
		{"facebook may not purge objects", bus.RoleIngestFacebook, false, "$JS.API.STREAM.PURGE.OBJ_meldpunt_objects", false},
		{"facebook may not create streams", bus.RoleIngestFacebook, false, "$JS.API.STREAM.CREATE.MELDPUNT_INTAKE", false},
		{"facebook may not delete streams", bus.RoleIngestFacebook, false, "$JS.API.STREAM.DELETE.MELDPUNT_INTAKE", false},
		{"facebook may not create consumers", bus.RoleIngestFacebook, false, "$JS.API.CONSUMER.CREATE.MELDPUNT_INTAKE.x", false},
		{"facebook may not ack case events", bus.RoleIngestFacebook, false, "$JS.ACK.MELDPUNT_INTAKE.registry.1.2.3.4.5.6", false},
		{"mail publishes mail events", bus.RoleIngestMail, false, caseevent.Subject(caseevent.ChannelEmail, "gemeentebestuur"), true},
		{"mail writes its checkpoint", bus.RoleIngestMail, false, "$KV.meldpunt_checkpoints." + mailKey, true},
		{"eloket publishes eloket events", bus.RoleIngestEloket, false, caseevent.Subject(caseevent.ChannelEloket, "eloket"), true},
		{"eloket may not publish facebook events", bus.RoleIngestEloket, false, caseevent.Subject(caseevent.ChannelFacebook, "facebook"), false},
		{"eloket writes its checkpoint", bus.RoleIngestEloket, false, "$KV.meldpunt_checkpoints." + bus.CheckpointKey("eloket", "eloket"), true},
		{"registry creates the stream", bus.RoleRegistry, false, "$JS.API.STREAM.CREATE.MELDPUNT_INTAKE", true},
		{"registry may not create other streams", bus.RoleRegistry, false, "$JS.API.STREAM.CREATE.OTHER", false},
		{"registry may not delete the stream", bus.RoleRegistry, false, "$JS.API.STREAM.DELETE.MELDPUNT_INTAKE", false},
		{"registry may not purge the stream", bus.RoleRegistry, false, "$JS.API.STREAM.PURGE.MELDPUNT_INTAKE", false},
		{"registry creates its consumer", bus.RoleRegistry, false, "$JS.API.CONSUMER.CREATE.MELDPUNT_INTAKE.registry.meldpunt.intake.>", true},
		{"registry fetches", bus.RoleRegistry, false, "$JS.API.CONSUMER.MSG.NEXT.MELDPUNT_INTAKE.registry", true},
		{"registry acks", bus.RoleRegistry, false, "$JS.ACK.MELDPUNT_INTAKE.registry.1.2.3.4.5.6", true},
		{"registry publishes front-desk registrations", bus.RoleRegistry, false, caseevent.Subject(caseevent.ChannelCounter, "onthaal"), true},
		{"registry sends a quarantined mail event again", bus.RoleRegistry, false, caseevent.Subject(caseevent.ChannelEmail, "gemeentebestuur"), true},
		{"registry may not touch checkpoints", bus.RoleRegistry, false, "$KV.meldpunt_checkpoints." + mailKey, false},
		{"registry stores front-desk files", bus.RoleRegistry, false, "$O.meldpunt_objects.M.YWJj", true},
		{"registry may not purge objects", bus.RoleRegistry, false, "$JS.API.STREAM.PURGE.OBJ_meldpunt_objects", false},
		{"registry may not delete messages", bus.RoleRegistry, false, "$JS.API.STREAM.MSG.DELETE.MELDPUNT_INTAKE", false},
		{"registry reads objects", bus.RoleRegistry, false, objAPI + "YWJj", true},
		{"facebook subscribes to its inbox", bus.RoleIngestFacebook, true, bus.RoleIngestFacebook.InboxPrefix() + ".abc.1", true},
		{"facebook may not subscribe to the registry's inbox", bus.RoleIngestFacebook, true, bus.RoleRegistry.InboxPrefix() + ".>", false},
		{"facebook may not subscribe to all inboxes", bus.RoleIngestFacebook, true, "_INBOX.>", false},
		{"facebook may not subscribe to events", bus.RoleIngestFacebook, true, "meldpunt.intake.>", false},
		{"registry may not subscribe to events", bus.RoleRegistry, true, "meldpunt.intake.>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			perms, err := tc.role.Permissions()
			if err != nil {
				t.Fatal(err)
			}
			grants := perms.Publish
			if tc.subscribe {
				grants = perms.Subscribe
			}
			var by []string
			for _, g := range grants {
				if subjectCovered(tc.subject, g.Subject) {
					by = append(by, g.Subject)
				}
			}
			if got := len(by) > 0; got != tc.allowed {
				t.Errorf("%s %q: allowed = %v (by %v), want %v", tc.role, tc.subject, got, by, tc.allowed)
			}
		})
	}
}

func TestRolePermissionsComplete(t *testing.T) {
	t.Parallel()
	inboxes := map[string]bool{}
	for _, r := range bus.Roles() {
		p, err := r.Permissions()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Publish) == 0 || len(p.Subscribe) != 1 {
			t.Errorf("%s: %d publish and %d subscribe grants", r, len(p.Publish), len(p.Subscribe))
		}
		for _, g := range append(p.Publish, p.Subscribe...) {
			if g.Subject == "" || g.Reason == "" || strings.ContainsAny(g.Subject, " \t\"#") {
				t.Errorf("%s: bad grant %+v", r, g)
			}
		}
		if err := (bus.Config{URL: "nats://127.0.0.1:4222", InboxPrefix: r.InboxPrefix()}).Validate(); err != nil {
			t.Errorf("%s: inbox prefix: %v", r, err)
		}
		inboxes[r.InboxPrefix()] = true
	}
	if len(inboxes) != len(bus.Roles()) {
		t.Errorf("roles share inbox prefixes: %v", inboxes)
	}
	if _, err := bus.Role("ingest-fax").Permissions(); err == nil {
		t.Error("unknown role: no error")
	}
}

// subjectCovered reports whether a subject (which may itself hold
// wildcards, as in a subscription) lies within a NATS subject pattern.
func subjectCovered(subject, pattern string) bool {
	s, p := strings.Split(subject, "."), strings.Split(pattern, ".")
	for i, pt := range p {
		if pt == ">" {
			return len(s) > i
		}
		if i >= len(s) {
			return false
		}
		if s[i] == ">" || (s[i] == "*" && pt != "*") || (pt != "*" && pt != s[i]) {
			return false
		}
	}
	return len(s) == len(p)
}

// TestLookup: a connector's Lookup finds nothing before the registry ran
// Ensure and says so, and works after it.
func TestLookup(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv := natstest.Start(t)
	b, err := bus.Connect(ctx, bus.Config{URL: srv.URL(), InboxPrefix: bus.RoleIngestMail.InboxPrefix()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Lookup(ctx)
	if !errors.Is(err, bus.ErrNotSetUp) || err.Error() != "stream MELDPUNT_INTAKE not found: start the registry first" {
		t.Fatalf("Lookup before Ensure = %v, want stream MELDPUNT_INTAKE not found: start the registry first", err)
	}
	registry := natstest.Connect(t, srv) // runs Ensure, as the registry does
	if err := b.Lookup(ctx); err != nil {
		t.Fatalf("Lookup after Ensure: %v", err)
	}
	key := bus.CheckpointKey("mail", "gemeentebestuur", "INBOX")
	if _, err := b.PutCheckpoint(ctx, key, []byte("42"), 0); err != nil {
		t.Fatal(err)
	}
	if got, _, err := registry.GetCheckpoint(ctx, key); err != nil || string(got) != "42" {
		t.Errorf("checkpoint = %q, %v; want 42", got, err)
	}
	if _, err := b.PublishEvent(ctx, testEvent("gemeentebestuur", "<lookup@example.org>")); err != nil {
		t.Fatal(err)
	}
}
