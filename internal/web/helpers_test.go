package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
	"github.com/meldpunt/meldpunt/internal/web"
)

// storeKinds are the stores the tests that change cases run against.
var storeKinds = []string{"sqlite", "postgres"}

// now is the clock of every test: a Friday morning in December.
var now = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// openStore opens a new, migrated store of the given kind for one test.
func openStore(t testing.TB, kind string) store.Store {
	t.Helper()
	var (
		st  store.Store
		err error
	)
	switch kind {
	case "sqlite":
		st, err = sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "web.db"), nil)
	case "postgres":
		st, err = postgres.Open(t.Context(), pgtest.DSN(t), nil)
	default:
		t.Fatalf("unknown store kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// departments are those of the routing rules in the tests.
func departments() []routing.Department {
	return []routing.Department{
		{Code: "openbare-werken", Name: "Openbare Werken"}, {Code: "milieu", Name: "Milieu"},
		{Code: "burgerzaken", Name: "Burgerzaken"}, {Code: "sociale-dienst", Name: "Sociale dienst"},
	}
}

// env is the UI behind the real authentication middleware, over a real
// store with the fixture's cases.
type env struct {
	st   store.Store
	svc  *auth.Service
	cw   *casework.Service
	srv  *httptest.Server
	refs fixture
	// hits counts requests per path, to see what a browser fetched.
	hits *hitCounter
}

// newEnv starts the UI over a new store of kind with the fixture's cases.
func newEnv(t testing.TB, kind string) *env {
	t.Helper()
	return newEnvBeacon(t, kind, "http://"+beaconHost)
}

// newEnvBeacon is newEnv with the unsafe mail's remote content at beacon.
func newEnvBeacon(t testing.TB, kind, beacon string) *env {
	t.Helper()
	st := openStore(t, kind)
	// Cheap password hashing: the tests sign in many times.
	svc, err := auth.New(st, auth.Options{Password: auth.Params{Memory: 64, Time: 1, Threads: 1}, InsecureCookie: true})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	cw := casework.New(st, casework.Options{Departments: departments(), Now: clock})
	ui, err := web.New(web.Options{Store: st, Casework: cw, Auth: svc, Log: slog.New(slog.DiscardHandler),
		InsecureCookies: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ui.Register(mux)
	hits := &hitCounter{}
	srv := httptest.NewServer(hits.count(auth.Middleware(svc)(mux)))
	t.Cleanup(srv.Close)
	return &env{st: st, svc: svc, cw: cw, srv: srv, refs: seed(t, st, beacon), hits: hits}
}

// password is every test user's password.
const password = "een lang genoeg wachtwoord"

// addUser adds a user with role in domains.
func (e *env) addUser(t testing.TB, username string, role auth.Role, department string, domains ...string) {
	t.Helper()
	if _, err := e.svc.AddUser(t.Context(), store.User{Username: username, DisplayName: "Naam van " + username,
		Roles: []string{string(role)}, Domains: domains, Department: department}, password); err != nil {
		t.Fatalf("add user %s: %v", username, err)
	}
}

// client is a browser of a signed-in user: it keeps cookies and does not
// follow redirects.
type client struct {
	base string
	csrf string
	http *http.Client
}

// login adds a user with role in domains and returns a signed-in client.
func (e *env) login(t testing.TB, username string, role auth.Role, department string, domains ...string) *client {
	t.Helper()
	e.addUser(t, username, role, department, domains...)
	ns, err := e.svc.NewSession(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	c := e.anonymous()
	u, _ := url.Parse(e.srv.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookieName, Value: ns.Value, Path: "/"}})
	c.csrf = ns.CSRF
	return c
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// anonymous is a client that is not signed in.
func (e *env) anonymous() *client {
	jar, _ := cookiejar.New(nil) // never fails
	return &client{base: e.srv.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is what a request got.
type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (c *client) get(t testing.TB, path string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.do(t, req)
}

// post sends a form with the session's CSRF token.
func (c *client) post(t testing.TB, path string, form url.Values) response {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if c.csrf != "" {
		f.Set(auth.CSRFFormField, c.csrf)
	}
	return c.postRaw(t, path, f)
}

// postRaw sends a form as it is.
func (c *client) postRaw(t testing.TB, path string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(t, req)
}

// follow posts a form, expects a redirect (303) and gets where it points:
// the page with the flash message.
func (c *client) follow(t testing.TB, path string, form url.Values) response {
	t.Helper()
	r := c.post(t, path, form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("POST %s %v = %d, want 303\n%s", path, form, r.status, r.body)
	}
	return c.get(t, r.header.Get("Location"))
}

// fixture names the cases seed made.
type fixture struct {
	streetlight, waste, pavement, unsafe, complaint string // gemeente
	social, socialComplaint                         string // sociaalhuis
	// Attachments: a picture and an HTML file of streetlight, a PDF of
	// social.
	photo, htmlFile, socialPDF store.Attachment
	// unsafeMessage is the message of unsafe with the dangerous HTML;
	// socialMessage the one of social with HTML.
	unsafeMessage, socialMessage int64
}

// Secrets of the sociaalhuis domain: none may reach a user who sees only
// gemeente.
var socialSecrets = []string{"Geheim-Sociaal", "Sofie Janssens", "sofie.janssens@example.be", "attest-leefloon"}

// beaconHost is where the unsafe mail's remote content points; the browser
// test serves it for real and rewrites this placeholder.
const beaconHost = "beacon.invalid"

// unsafeHTML is a citizen's mail that tries every way to run script or
// fetch something remote.
func unsafeHTML(beacon string) string {
	return `<html><head><style>body{background:url(` + beacon + `/css-bg.png)}</style>
<script>window.__meldpuntXSS = 1; fetch("` + beacon + `/script");</script>
<meta http-equiv="refresh" content="0;url=` + beacon + `/refresh">
<link rel="stylesheet" href="` + beacon + `/style.css"></head>
<body onload="fetch('` + beacon + `/onload')">
<p>Beste, hierbij <b>een foto</b> van de put in de <a href="https://www.example.be/kaart?put=1">Kerkstraat</a>.</p>
<img src="` + beacon + `/pixel.gif" width="1" height="1" alt="">
<img src="x" onerror="fetch('` + beacon + `/onerror')">
<img srcset="` + beacon + `/srcset.png 2x" alt="srcset">
<table background="` + beacon + `/table.png"><tr><td style="background-image:url(` + beacon + `/td.png)">cel</td></tr></table>
<p style="color:red">Met <a href="javascript:fetch('` + beacon + `/js')">vriendelijke</a> groeten</p>
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==" alt="inline">
<iframe src="` + beacon + `/frame"></iframe><object data="` + beacon + `/object"></object>
<svg><image href="` + beacon + `/svg.png"/></svg>
<form action="` + beacon + `/form"><input name="q"><button>Verstuur</button></form>
<video poster="` + beacon + `/poster.png"></video>
</body></html>`
}

// seed stores the fixture's cases as the registry would have made them.
func seed(t testing.TB, st store.Store, beacon string) fixture {
	t.Helper()
	ctx := t.Context()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	day := 24 * time.Hour
	refs, err := tx.CreateCases(ctx, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: "Kapotte straatlamp Kerkstraat", Channel: "email",
			OpenedAt: now.Add(-2 * day), Department: "openbare-werken", Priority: "normaal", AckDue: at(day), AnswerDue: at(2 * day)},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Subject: "Afval niet opgehaald", Channel: "eloket",
			OpenedAt: now.Add(-30 * day), Department: "milieu", AnswerDue: at(-5 * day)},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: "Nog steeds een gat in de stoep", Channel: "email",
			OpenedAt: now.Add(-25 * day), Department: "openbare-werken", AnswerDue: at(10 * day)},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: "Foto van de put", Channel: "email",
			OpenedAt: now.Add(-1 * day), Department: "openbare-werken", AnswerDue: at(20 * day)},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Subject: "Klacht over de wachttijd aan het loket", Channel: "email",
			OpenedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Department: "burgerzaken", AnswerDue: new(time.Date(2026, 4, 1, 22, 0, 0, 0, time.UTC))},
		{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Type: "vraag", Subject: "Geheim-Sociaal leefloon", Channel: "email",
			OpenedAt: now.Add(-3 * day), Department: "sociale-dienst", AnswerDue: at(day)},
		{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Type: "klacht", Subject: "Geheim-Sociaal klacht", Channel: "letter",
			OpenedAt: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC), Department: "sociale-dienst"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{streetlight: refs[0].Ref, waste: refs[1].Ref, pavement: refs[2].Ref, unsafe: refs[3].Ref,
		complaint: refs[4].Ref, social: refs[5].Ref, socialComplaint: refs[6].Ref}

	blob := func(name, contentType, data string) (store.Attachment, store.Blob) {
		s := sha256.Sum256([]byte(data))
		sum := hex.EncodeToString(s[:])
		return store.Attachment{Name: name, ContentType: contentType, Size: int64(len(data)), SHA256: sum},
			store.Blob{SHA256: sum, ContentType: contentType, Data: []byte(data)}
	}
	var blobs []store.Blob
	add := func(name, contentType, data string) store.Attachment {
		a, b := blob(name, contentType, data)
		blobs = append(blobs, b)
		return a
	}
	f.photo = add("foto straatlamp.jpg", "image/jpeg", "\xff\xd8\xff\xe0 not really a jpeg")
	f.htmlFile = add("formulier \"ingevuld\" één.html", "text/html", "<script>alert(1)</script>")
	f.socialPDF = add("attest-leefloon.pdf", "application/pdf", "%PDF-1.4 attest")
	if err := tx.PutBlobs(ctx, blobs); err != nil {
		t.Fatal(err)
	}

	n := 0
	msg := func(i int, domain, sender, email, subject, text, html string, at time.Time, atts ...store.Attachment) *store.Message {
		n++
		return &store.Message{EventID: fmt.Sprintf("event-%d", n), CaseID: refs[i].ID, Channel: "email", Direction: "incoming",
			Inbox: "info", Domain: domain, ExternalID: fmt.Sprintf("<m%d@example.be>", n), SenderName: sender, SenderEmail: email,
			Subject: subject, Text: text, HTML: html, EventTime: at, StoredAt: at, ReceivedAt: &at, Attachments: atts, Event: []byte(`{}`)}
	}
	msgs := []*store.Message{
		msg(0, "gemeente", "Jan Peeters", "jan.peeters@example.be", "Kapotte straatlamp Kerkstraat",
			"De straatlamp voor Kerkstraat 12 brandt al een week niet.\nKunnen jullie die herstellen?", "",
			now.Add(-2*day), f.photo, f.htmlFile),
		msg(1, "gemeente", "Marie Claes", "marie.claes@example.be", "Afval niet opgehaald", "Mijn PMD-zak is niet opgehaald.", "", now.Add(-30*day)),
		msg(1, "gemeente", "Marie Claes", "marie.claes@example.be", "Re: Afval niet opgehaald", "Nog altijd niet.", "", now.Add(-20*day)),
		msg(2, "gemeente", "Luc Wouters", "luc.wouters@example.be", "Gat in de stoep", "Er zit een gat in de stoep.", "", now.Add(-25*day)),
		msg(3, "gemeente", "Ann Maes", "ann.maes@example.be", "Foto van de put", "Beste, hierbij een foto van de put in de Kerkstraat.",
			unsafeHTML(beacon), now.Add(-day)),
		msg(4, "gemeente", "Piet Jacobs", "piet.jacobs@example.be", "Klacht over de wachttijd", "Ik heb twee uur gewacht.", "",
			time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
		msg(5, "sociaalhuis", "Sofie Janssens", "sofie.janssens@example.be", "Geheim-Sociaal leefloon",
			"Vraag over mijn leefloon (Geheim-Sociaal).", "<p>Geheim-Sociaal <b>leefloon</b></p>", now.Add(-3*day), f.socialPDF),
		msg(6, "sociaalhuis", "Sofie Janssens", "", "Geheim-Sociaal klacht", "Een klacht per brief.", "",
			time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)),
	}
	if err := tx.InsertMessages(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	f.unsafeMessage, f.socialMessage = msgs[4].ID, msgs[6].ID

	// The citizens came back about the pavement and the social case.
	if err := tx.MarkRepeats(ctx, []store.Repeat{
		{CaseID: refs[2].ID, At: now.Add(-day), Dissatisfied: true, Detail: "opnieuw per e-mail"},
		{CaseID: refs[5].ID, At: now.Add(-day), Dissatisfied: true, Detail: "opnieuw per e-mail"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Assign(ctx, store.Assignment{CaseID: refs[1].ID, Assignee: "els", Actor: "els", At: now.Add(-29 * day)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetStatuses(ctx, []store.StatusChange{
		{CaseID: refs[1].ID, Status: store.StatusInProgress, Actor: "els", At: now.Add(-29 * day)},
		{CaseID: refs[2].ID, Status: store.StatusInProgress, Actor: "els", At: now.Add(-24 * day)},
		{CaseID: refs[4].ID, Status: store.StatusClosed, Actor: "els", At: time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)},
	}); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetAdmissible(ctx, refs[4].ID, true, "", "els", time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// hitCounter counts the requests of each path.
type hitCounter struct {
	mu    sync.Mutex
	paths map[string]int
}

func (c *hitCounter) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if c.paths == nil {
			c.paths = map[string]int{}
		}
		c.paths[r.URL.Path]++
		c.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (c *hitCounter) get(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paths[path]
}
