package cli_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/testutil/dovecot"
	"github.com/meldpunt/meldpunt/internal/testutil/graphfake"
	"github.com/meldpunt/meldpunt/internal/testutil/mailgen"
	"github.com/meldpunt/meldpunt/internal/testutil/natscluster"
	"github.com/meldpunt/meldpunt/internal/testutil/open311fake"
)

// natsServerBinary builds nats-server once, beside the meldpunt binaries.
var natsServerBinary = sync.OnceValues(func() (string, error) {
	dir, err := binaries()
	if err != nil {
		return "", err
	}
	return natscluster.Build(dir)
})

func natsServer(t *testing.T) string {
	t.Helper()
	bin, err := natsServerBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// natsSection is the [nats] section of a process that logs in as user,
// with the password from the environment variable NATS_PASSWORD.
func natsSection(user string, replicas int) string {
	return fmt.Sprintf("\n[nats]\nuser = %q\npassword = { env = \"NATS_PASSWORD\" }\nreplicas = %d\n", user, replicas)
}

// appendConfig adds text to a configuration file.
func appendConfig(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// roleEnv is the environment of a process running as role: the NATS URL
// and the role's password.
func roleEnv(url string, role bus.Role, more map[string]string) map[string]string {
	env := map[string]string{
		"MELDPUNT_NATS_URL":  url,
		"MELDPUNT_HTTP_ADDR": "127.0.0.1:0",
		"NATS_PASSWORD":      natsPasswords()["MELDPUNT_NATS_PASSWORD_"+strings.ToUpper(strings.ReplaceAll(string(role), "-", "_"))],
	}
	for k, v := range more {
		env[k] = v
	}
	return env
}

// TestLeastPrivilege runs nats-server with the users of `registry
// nats-accounts`. First the real registry and connectors run with their
// own credentials and bring every message in without a single permission
// violation: the lists are sufficient. Then each user tries what it must
// not do, and the server refuses: the lists are restrictive.
func TestLeastPrivilege(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the registry and the connectors")
	}
	t.Parallel()
	srv := natscluster.Start(t, natscluster.Options{Binary: natsServer(t), Include: natsAccountsConf(t), Env: natsPasswords()})
	url := srv.URL()

	// Connectors create nothing: before the registry ran they stop with a
	// clear message.
	{
		dir := t.TempDir()
		cfg := eloketConfig(t, dir, "http://127.0.0.1:1", time.Now())
		appendConfig(t, cfg, natsSection("ingest-eloket", 1))
		early := startProcess(t, binary(t, "ingest-eloket"), "ingest-eloket-early", dir, roleEnv(url, bus.RoleIngestEloket, nil), "-config", cfg)
		select {
		case <-early.exited:
		case <-time.After(time.Minute):
			t.Fatal("ingest-eloket started without the stream")
		}
		if code := early.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(early.tail(), "stream MELDPUNT_INTAKE not found: start the registry first") {
			t.Errorf("ingest-eloket before the registry: exit %d\n%s", code, early.tail())
		}
	}

	regDir := t.TempDir()
	regCfg := filepath.Join(regDir, "registry.toml")
	if err := os.WriteFile(regCfg, []byte("[log]\nlevel = \"info\"\n"+natsSection("registry", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	reg := startChild(t, "registry", regDir, roleEnv(url, bus.RoleRegistry, map[string]string{"MELDPUNT_DATA_DIR": regDir}), "-config", regCfg, "serve")
	reg.waitHTTP()
	st, err := sqlite.Open(context.Background(), filepath.Join(regDir, "meldpunt.db"), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	t.Run("sufficient", func(t *testing.T) {
		t.Run("ingest-facebook", func(t *testing.T) {
			fb := graphfake.Start(t)
			fb.Generate(20, 3, 5)
			dir := t.TempDir()
			cfg := facebookConfig(t, dir, fb)
			appendConfig(t, cfg, natsSection("ingest-facebook", 1))
			c := startProcess(t, binary(t, "ingest-facebook"), "ingest-facebook", dir, roleEnv(url, bus.RoleIngestFacebook, nil), "-config", cfg)
			waitChannel(t, st, caseevent.ChannelFacebook, 60)
			if code := c.stop(); code != 0 {
				t.Errorf("ingest-facebook exit code %d", code)
			}
		})
		t.Run("ingest-eloket", func(t *testing.T) {
			fake := open311fake.Start(t)
			to := time.Now().UTC()
			from := to.AddDate(0, -2, 0)
			fake.Generate(40, from, to.Add(-time.Hour), 3)
			dir := t.TempDir()
			cfg := eloketConfig(t, dir, fake.URL(), from.AddDate(0, 0, -1))
			appendConfig(t, cfg, natsSection("ingest-eloket", 1))
			c := startProcess(t, binary(t, "ingest-eloket"), "ingest-eloket", dir, roleEnv(url, bus.RoleIngestEloket, nil), "-config", cfg)
			waitChannel(t, st, caseevent.ChannelEloket, 40)
			if code := c.stop(); code != 0 {
				t.Errorf("ingest-eloket exit code %d", code)
			}
		})
		t.Run("ingest-mail", func(t *testing.T) {
			imap := dovecot.Start(t)
			user, pass := imap.User("gemeentebestuur")
			raws := make([][]byte, 30)
			for i := range raws {
				raws[i] = mailgen.Message(i, mailgen.Options{})
			}
			imap.AppendMany(t, user, "INBOX", raws)
			dir := t.TempDir()
			cfg := mailConfig(t, dir, imap, user)
			appendConfig(t, cfg, natsSection("ingest-mail", 1))
			c := startProcess(t, binary(t, "ingest-mail"), "ingest-mail", dir, roleEnv(url, bus.RoleIngestMail, map[string]string{"IMAP_PASSWORD": pass}), "-config", cfg)
			waitChannel(t, st, caseevent.ChannelEmail, 30)
			if code := c.stop(); code != 0 {
				t.Errorf("ingest-mail exit code %d", code)
			}
		})
		if lines := srv.LogLines(t, "Violation"); len(lines) > 0 {
			t.Errorf("permission violations while the processes ran:\n%s", strings.Join(lines, "\n"))
		}
		if s, err := st.Stats(context.Background()); err != nil || s.Quarantined != 0 {
			t.Errorf("stats %+v, %v: want nothing quarantined", s, err)
		}
	})

	before, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("restrictive", func(t *testing.T) {
		mailKey := bus.CheckpointKey("mail", "gemeentebestuur", "INBOX")
		fbKey := bus.CheckpointKey("facebook", "test", "least-privilege")
		mailEvent := eventOn(caseevent.ChannelEmail, "gemeentebestuur", "<refused@example.org>")
		for _, tc := range []struct {
			name string
			role bus.Role
			do   func(ctx context.Context, u *natsUser) error
			// refused names the subject the server refuses; empty: allowed.
			refused string
		}{
			{"facebook publishes a facebook event", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.PublishEvent(ctx, eventOn(caseevent.ChannelFacebook, "facebook", "m_allowed"))
				return err
			}, ""},
			{"facebook keeps its checkpoint", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				rev, err := u.bus.PutCheckpoint(ctx, fbKey, []byte(`{"t":1}`), 0)
				if err != nil {
					return err
				}
				_, got, err := u.bus.GetCheckpoint(ctx, fbKey)
				if err == nil && got != rev {
					err = fmt.Errorf("revision %d, want %d", got, rev)
				}
				return err
			}, ""},
			{"facebook stores an object", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.PutObject(ctx, []byte("least privilege"), "text/plain")
				return err
			}, ""},
			{"facebook publishes a mail event", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.PublishEvent(ctx, mailEvent)
				return err
			}, "meldpunt.intake.email.gemeentebestuur"},
			{"facebook writes the mail checkpoint", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.PutCheckpoint(ctx, mailKey, []byte("{}"), 0)
				return err
			}, "$KV.meldpunt_checkpoints." + mailKey},
			{"facebook reads the mail checkpoint", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				_, _, err := u.bus.GetCheckpoint(ctx, mailKey)
				return err
			}, "$JS.API.DIRECT.GET.KV_meldpunt_checkpoints.$KV.meldpunt_checkpoints." + mailKey},
			{"facebook reads checkpoints by sequence", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				s, err := u.js.Stream(ctx, "KV_"+bus.CheckpointBucket)
				if err != nil {
					return err
				}
				_, err = s.GetMsg(ctx, 1)
				return err
			}, "$JS.API.DIRECT.GET.KV_meldpunt_checkpoints"},
			{"facebook creates a stream", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				_, err := u.js.CreateStream(ctx, jetstream.StreamConfig{Name: "SPY", Subjects: []string{"meldpunt.intake.email.>"}})
				return err
			}, "$JS.API.STREAM.CREATE.SPY"},
			{"facebook deletes the intake stream", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				return u.js.DeleteStream(ctx, bus.StreamName)
			}, "$JS.API.STREAM.DELETE." + bus.StreamName},
			{"facebook purges the object store", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				s, err := u.js.Stream(ctx, "OBJ_"+bus.ObjectBucket)
				if err != nil {
					return err
				}
				return s.Purge(ctx)
			}, "$JS.API.STREAM.PURGE.OBJ_" + bus.ObjectBucket},
			{"facebook reports on its sources", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				return u.bus.PutSourceReports(ctx, []bus.SourceReport{{Connector: "facebook", Channel: "facebook", Source: "test/1", ReportedAt: time.Now()}})
			}, ""},
			{"facebook reports on a mail source", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				return u.bus.PutSourceReports(ctx, []bus.SourceReport{{Connector: "mail", Channel: "email", Source: "test/1", ReportedAt: time.Now()}})
			}, "$KV.meldpunt_sources.mail."},
			{"registry reads the source reports", bus.RoleRegistry, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.SourceReports(ctx)
				return err
			}, ""},
			{"facebook sets up JetStream as the registry does", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				err := u.bus.Ensure(ctx)
				if err != nil && !strings.Contains(err.Error(), "registry nats-accounts") {
					return fmt.Errorf("%w; want the error to name the refusal", errSilentRefusal)
				}
				return err
			}, "$JS.API.STREAM.UPDATE.OBJ_" + bus.ObjectBucket},
			{"facebook creates a consumer", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				_, err := u.js.CreateOrUpdateConsumer(ctx, bus.StreamName, jetstream.ConsumerConfig{Durable: "spy"})
				return err
			}, "$JS.API.CONSUMER.CREATE." + bus.StreamName},
			{"facebook deletes the registry's consumer", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				return u.js.DeleteConsumer(ctx, bus.StreamName, bus.DefaultDurable)
			}, "$JS.API.CONSUMER.DELETE." + bus.StreamName},
			{"facebook listens to case events", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				return u.subscribe("meldpunt.intake.>")
			}, "meldpunt.intake.>"},
			{"facebook listens to the registry's replies", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				return u.subscribe(bus.RoleRegistry.InboxPrefix() + ".>")
			}, bus.RoleRegistry.InboxPrefix() + ".>"},
			{"facebook listens to every inbox", bus.RoleIngestFacebook, func(ctx context.Context, u *natsUser) error {
				return u.subscribe("_INBOX.>")
			}, "_INBOX.>"},
			{"mail publishes a mail event", bus.RoleIngestMail, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.PublishEvent(ctx, mailEvent)
				return err
			}, ""},
			{"mail publishes a facebook event", bus.RoleIngestMail, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.PublishEvent(ctx, eventOn(caseevent.ChannelFacebook, "facebook", "m_refused"))
				return err
			}, "meldpunt.intake.facebook.facebook"},
			{"eloket writes the facebook checkpoint", bus.RoleIngestEloket, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.PutCheckpoint(ctx, fbKey, []byte("{}"), 0)
				return err
			}, "$KV.meldpunt_checkpoints." + fbKey},
			{"registry publishes a front-desk registration", bus.RoleRegistry, func(ctx context.Context, u *natsUser) error {
				if _, err := u.bus.PutObject(ctx, []byte("scanned letter"), "application/pdf"); err != nil {
					return err
				}
				_, err := u.bus.PublishEvent(ctx, eventOn(caseevent.ChannelLetter, "post", "letter-1"))
				return err
			}, ""},
			{"registry purges the intake stream", bus.RoleRegistry, func(ctx context.Context, u *natsUser) error {
				s, err := u.js.Stream(ctx, bus.StreamName)
				if err != nil {
					return err
				}
				return s.Purge(ctx)
			}, "$JS.API.STREAM.PURGE." + bus.StreamName},
			{"registry deletes an event", bus.RoleRegistry, func(ctx context.Context, u *natsUser) error {
				s, err := u.js.Stream(ctx, bus.StreamName)
				if err != nil {
					return err
				}
				return s.DeleteMsg(ctx, 1)
			}, "$JS.API.STREAM.MSG.DELETE." + bus.StreamName},
			{"registry writes a checkpoint", bus.RoleRegistry, func(ctx context.Context, u *natsUser) error {
				_, err := u.bus.PutCheckpoint(ctx, mailKey, []byte("{}"), 0)
				return err
			}, "$KV.meldpunt_checkpoints." + mailKey},
			{"registry deletes the intake stream", bus.RoleRegistry, func(ctx context.Context, u *natsUser) error {
				return u.js.DeleteStream(ctx, bus.StreamName)
			}, "$JS.API.STREAM.DELETE." + bus.StreamName},
			{"registry creates another stream", bus.RoleRegistry, func(ctx context.Context, u *natsUser) error {
				_, err := u.js.CreateStream(ctx, jetstream.StreamConfig{Name: "OTHER", Subjects: []string{"other.>"}})
				return err
			}, "$JS.API.STREAM.CREATE.OTHER"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				u := connectAs(t, url, tc.role)
				wait := 30 * time.Second
				if tc.refused != "" {
					wait = 3 * time.Second // a refused request gets no answer
				}
				ctx, cancel := context.WithTimeout(t.Context(), wait)
				defer cancel()
				err := tc.do(ctx, u)
				violation := u.violation(tc.refused)
				switch {
				case tc.refused == "" && err != nil:
					t.Fatalf("refused: %v (%v)", err, u.violations())
				case tc.refused == "" && len(u.violations()) > 0:
					t.Fatalf("permission violations: %v", u.violations())
				case errors.Is(err, errSilentRefusal):
					t.Fatal(err)
				case tc.refused != "" && err == nil:
					t.Fatalf("allowed, want refused on %s", tc.refused)
				case tc.refused != "" && violation == "":
					t.Fatalf("failed with %v but the server reported no violation on %s (%v)", err, tc.refused, u.violations())
				}
			})
		}
	})

	// Of all the events above, the three allowed ones arrive, and nothing
	// was deleted or taken away from the registry.
	waitChannel(t, st, caseevent.ChannelEmail, before.ByChannel[string(caseevent.ChannelEmail)]+1)
	waitChannel(t, st, caseevent.ChannelFacebook, before.ByChannel[string(caseevent.ChannelFacebook)]+1)
	waitChannel(t, st, caseevent.ChannelLetter, before.ByChannel[string(caseevent.ChannelLetter)]+1)
	if after, err := st.Stats(context.Background()); err != nil || after.Messages != before.Messages+3 || after.Quarantined != 0 {
		t.Errorf("after the refusals the store holds %+v (%v), want %d messages, none quarantined", after, err, before.Messages+3)
	}
	if err := connectAs(t, url, bus.RoleRegistry).bus.Ready(t.Context()); err != nil {
		t.Errorf("the intake stream after the refusals: %v", err)
	}
	if code := reg.stop(); code != 0 {
		t.Errorf("registry exit code %d", code)
	}
}

// errSilentRefusal: a refusal that the error does not explain.
var errSilentRefusal = errors.New("refused without saying why")

// waitChannel waits until the store holds at least n messages of channel.
func waitChannel(t *testing.T, st store.Store, channel caseevent.Channel, n int64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s, err := st.Stats(context.Background())
		if err == nil && s.ByChannel[string(channel)] >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store never held %d %s messages: %+v, %v", n, channel, s, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func eventOn(channel caseevent.Channel, inbox, externalID string) caseevent.Event {
	id := caseevent.NewID(channel, inbox, externalID)
	return caseevent.NewEvent(id, "meldpunt/test/"+inbox, time.Now().UTC().Truncate(time.Second), caseevent.Message{
		Channel: channel, Direction: caseevent.DirectionIncoming, Inbox: inbox,
		Domain: caseevent.DomainGemeente, ExternalID: externalID, Text: "least privilege",
	})
}

// natsUser is a connection as one role's user, with the permission
// violations the server reported to it.
type natsUser struct {
	bus *bus.Bus
	js  jetstream.JetStream
	nc  *nats.Conn

	mu   sync.Mutex
	errs []string
}

// connectAs connects as role with the role's password and inbox prefix,
// through the bus (as the processes do) and with a plain JetStream handle.
func connectAs(t *testing.T, url string, role bus.Role) *natsUser {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	u := &natsUser{}
	password := roleEnv(url, role, nil)["NATS_PASSWORD"]
	b, err := bus.Connect(ctx, bus.Config{URL: url, Name: "test-" + string(role), User: string(role), Password: password, InboxPrefix: role.InboxPrefix()},
		slog.New(violationHandler{u}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.Lookup(ctx); err != nil {
		t.Fatal(err)
	}
	u.bus, u.js, u.nc = b, b.JetStream(), b.Conn()
	return u
}

// subscribe subscribes and waits for the server's answer.
func (u *natsUser) subscribe(subject string) error {
	sub, err := u.nc.SubscribeSync(subject)
	if err != nil {
		return err
	}
	if err := u.nc.Flush(); err != nil {
		return err
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if v := u.violation(subject); v != "" {
			return errors.New(v)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return sub.Unsubscribe()
}

func (u *natsUser) violations() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.errs...)
}

// violation returns the reported violation on subject, or "".
func (u *natsUser) violation(subject string) string {
	if subject == "" {
		return ""
	}
	for _, v := range u.violations() {
		if strings.Contains(v, fmt.Sprintf("%q", subject)) || strings.Contains(v, `"`+subject) {
			return v
		}
	}
	return ""
}

// violationHandler collects the permission violations the bus logs.
type violationHandler struct{ u *natsUser }

func (h violationHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h violationHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h violationHandler) WithGroup(string) slog.Handler            { return h }
func (h violationHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" && strings.Contains(a.Value.String(), "Permissions Violation") {
			h.u.mu.Lock()
			h.u.errs = append(h.u.errs, a.Value.String())
			h.u.mu.Unlock()
		}
		return true
	})
	return nil
}
