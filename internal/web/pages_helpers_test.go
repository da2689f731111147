package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/intake"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/meldpunt/meldpunt/internal/web"
)

// uiOptions change what newEnvWith builds.
type uiOptions struct {
	// wrap is the store the UI reads and logs through (a failing access
	// log); the rest of the env uses the real one.
	wrap func(store.Store) store.Store
	// clock is the UI's clock (default: now).
	clock func() time.Time
	// bus: a real NATS server behind the UI (front-desk registrations,
	// quarantine retries, source reports), with a registry consuming
	// from it into the store, as `registry serve` runs them.
	bus bool
}

// busEnv is an env with, when asked for, its bus.
type busEnv struct {
	*env
	bus *bus.Bus
}

// newEnvWith is newEnv with the UI built as o says.
func newEnvWith(t testing.TB, kind string, o uiOptions) *busEnv {
	t.Helper()
	st := openStore(t, kind)
	svc, err := auth.New(st, auth.Options{Password: auth.Params{Memory: 64, Time: 1, Threads: 1}, InsecureCookie: true})
	if err != nil {
		t.Fatal(err)
	}
	clock := o.clock
	if clock == nil {
		clock = func() time.Time { return now }
	}
	log := slog.New(slog.DiscardHandler)
	cw := casework.New(st, casework.Options{Departments: departments(), Now: clock})
	opts := web.Options{Store: st, Casework: cw, Auth: svc, Log: log, InsecureCookies: true, Now: clock}
	if o.wrap != nil {
		opts.Store = o.wrap(st)
	}
	var b *bus.Bus
	if o.bus {
		b = natstest.Connect(t, natstest.Start(t))
		if err := b.EnsureSources(t.Context()); err != nil {
			t.Fatal(err)
		}
		ib := intake.New(b)
		opts.Intake, opts.Republisher, opts.Sources = ib, ib, ib
		runRegistry(t, st, b, log)
	}
	ui, err := web.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ui.Register(mux)
	hits := &hitCounter{}
	srv := httptest.NewServer(hits.count(auth.Middleware(svc)(mux)))
	t.Cleanup(srv.Close)
	e := &env{st: st, svc: svc, cw: cw, srv: srv, refs: seed(t, st, "http://"+beaconHost), hits: hits}
	return &busEnv{env: e, bus: b}
}

// runRegistry consumes the intake stream of b into st until the test ends.
func runRegistry(t testing.TB, st store.Store, b *bus.Bus, log *slog.Logger) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{AckWait: 5 * time.Second})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := registry.New(st, b, registry.Config{FetchWait: 100 * time.Millisecond, MaxDeliveries: 3},
		registry.NewMetrics(prometheus.NewRegistry()), log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(ctx, cons) // ends with the context
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// failingLog is a store whose access log cannot be written (a full disk, a
// revoked grant): nothing may be shown then.
type failingLog struct{ store.Store }

func (failingLog) LogAccess(context.Context, []store.AccessEntry) error {
	return errors.New("access log: disk full")
}

// citizens names the contacts seedCitizens made.
type citizens struct {
	jan, sofie int64 // gemeente, sociaalhuis
	// Jan's cases: a report by e-mail and a question by phone; Sofie's:
	// a visit at the front desk.
	janMail, janPhone, sofieVisit string
}

// seedCitizens stores two citizens with their cases across channels, as
// the registry would have: Jan Peeters (gemeente), who wrote and called,
// and Sofie Janssens (sociaalhuis), who came to the front desk.
func seedCitizens(t testing.TB, st store.Store) citizens {
	t.Helper()
	ctx := t.Context()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	ids, err := tx.UpsertContacts(ctx, []store.DomainContact{
		{Domain: "gemeente", Contact: store.Contact{Name: "Jan Peeters", Email: "jan.peeters@example.be", Phone: "0470 12 34 56"}},
		{Domain: "sociaalhuis", Contact: store.Contact{Name: "Sofie Janssens", Email: "sofie.janssens@example.be", Address: "Kerkstraat 7"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	refs, err := tx.CreateCases(ctx, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: "Losliggende stoeptegel Dorpsstraat", Channel: "email",
			ContactID: ids[0], OpenedAt: now.Add(-6 * day), Department: "openbare-werken"},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Subject: "Vraag over de afvalkalender", Channel: "phone",
			ContactID: ids[0], OpenedAt: now.Add(-4 * day), Department: "milieu"},
		{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Type: "vraag", Subject: "Geheim-Sociaal huurpremie", Channel: "counter",
			ContactID: ids[1], OpenedAt: now.Add(-2 * day), Department: "sociale-dienst"},
	})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(i int, contact int64, domain, channel, name, email, phone, subject, text string, at time.Time) *store.Message {
		return &store.Message{EventID: "citizen-" + refs[i].Ref, CaseID: refs[i].ID, ContactID: contact, Channel: channel,
			Direction: "incoming", Inbox: "info", Domain: domain, ExternalID: "citizen-" + refs[i].Ref, SenderName: name,
			SenderEmail: email, SenderPhone: phone, Subject: subject, Text: text, EventTime: at, StoredAt: at, ReceivedAt: &at,
			Event: []byte(`{}`)}
	}
	if err := tx.InsertMessages(ctx, []*store.Message{
		msg(0, ids[0], "gemeente", "email", "Jan Peeters", "jan.peeters@example.be", "", "Losliggende stoeptegel Dorpsstraat",
			`Gevaarlijk: <script>alert("xss")</script> een tegel ligt los voor <b>Dorpsstraat</b> 3 <img src=x onerror=alert(1)>`, now.Add(-6*day)),
		msg(1, ids[0], "gemeente", "phone", "Jan Peeters", "", "0470 12 34 56", "Vraag over de afvalkalender",
			"Belde: wanneer komt de PMD-ophaling in de Dorpsstraat?", now.Add(-4*day)),
		msg(2, ids[1], "sociaalhuis", "counter", "Sofie Janssens", "sofie.janssens@example.be", "", "Geheim-Sociaal huurpremie",
			"Kwam langs over haar huurpremie (Geheim-Sociaal).", now.Add(-2*day)),
	}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return citizens{jan: ids[0], sofie: ids[1], janMail: refs[0].Ref, janPhone: refs[1].Ref, sofieVisit: refs[2].Ref}
}

func citizenURL(id int64) string { return "/burgers/" + itoa(id) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// accessLog is the access log as the store has it, newest first.
func accessLog(t testing.TB, st store.Store, f store.AccessFilter) []store.AccessEntry {
	t.Helper()
	es, err := st.ListAccess(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// giveReason posts a reason for what scope names (a case's or citizen's
// path, /zoeken or /burgers).
func (c *client) giveReason(t testing.TB, scope, reason string) {
	t.Helper()
	r := c.post(t, scope+"/reden", map[string][]string{"reden": {reason}, "terug": {scope}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != scope {
		t.Fatalf("POST %s/reden = %d to %q\n%s", scope, r.status, r.header.Get("Location"), r.body)
	}
}
