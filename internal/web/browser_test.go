package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/testutil/ci"
)

// The browser tests drive the UI in a headless Chromium, one browser for
// the package (started by the first test that needs it, ended by
// TestMain). Without Chromium they are skipped, unless CI=true: then a
// missing browser fails them, as a silent skip would hide that nothing was
// tested. MELDPUNT_CHROMIUM names the binary when it is not on the PATH.

func TestMain(m *testing.M) {
	code := m.Run()
	shared.close()
	os.Exit(code)
}

// shared is the package's browser. Test-only state: the tests share one
// browser because starting one costs seconds on the office-class test
// machine.
var shared sharedBrowser

type sharedBrowser struct {
	once   sync.Once
	ctx    context.Context
	cancel []context.CancelFunc
	dir    string
	err    error
}

func (b *sharedBrowser) close() {
	for i := len(b.cancel) - 1; i >= 0; i-- {
		b.cancel[i]()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// chromiumPath finds the browser: MELDPUNT_CHROMIUM, or chromium (the
// Debian package) or Chrome on the PATH.
func chromiumPath() string {
	if p := os.Getenv("MELDPUNT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab opens a tab with a browser context of its own (no cookies of other
// tests) and returns it with a deadline for the test.
func tab(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		ci.Missing(t, "Chromium not found (install the Debian package chromium, or set MELDPUNT_CHROMIUM): browser test not run")
	}
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "meldpunt-chromium-")
		if shared.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.UserDataDir(shared.dir),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("no-proxy-server", true),
			chromedp.WindowSize(1280, 900),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
		shared.cancel = []context.CancelFunc{cancelAlloc, cancelBrowser}
		shared.ctx = browserCtx
		shared.err = chromedp.Do(browserCtx) // starts the browser
	})
	if shared.err != nil {
		t.Fatalf("start Chromium %s: %v", path, shared.err)
	}
	ctx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// waitFor polls a JavaScript condition in the page until it holds. An
// evaluation that fails because the page is navigating is tried again.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	t.Fatalf("waiting for %s: %v\n%s", what, lastErr, html)
}

// flashIs is the condition that the page's flash message contains text.
func flashIs(text string) string {
	return fmt.Sprintf(`(document.querySelector(".flash") || {textContent: ""}).textContent.includes(%q)`, text)
}

// signIn signs in through the login form, starting at path (which sends
// the browser to the login page and back).
func signIn(t *testing.T, ctx context.Context, base, path, username string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+path),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/aanmelden"] button[type=submit]`)),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	waitFor(t, ctx, "the page after signing in", fmt.Sprintf(`location.pathname === %q && !!document.querySelector("main h1")`, strings.Split(path, "?")[0]))
}

// TestBrowser is a day's work in a real browser: sign in, find the
// citizen's case on the overview, open it, take it, add a note and close
// it; then a mail with script and a tracking pixel shows neither and
// fetches nothing.
func TestBrowser(t *testing.T) {
	ctx := tab(t)
	var beaconHits atomic.Int64
	beacon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		beaconHits.Add(1)
		t.Logf("beacon requested: %s %s", r.Method, r.URL)
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write([]byte("GIF89a"))
	}))
	defer beacon.Close()
	e := newEnvBeacon(t, "sqlite", beacon.URL)
	e.addUser(t, "els", auth.RoleBehandelaar, "openbare-werken", "gemeente")
	f := e.refs

	t.Run("sign in, take and close a case", func(t *testing.T) {
		signIn(t, ctx, e.srv.URL, "/", "els")
		title, err := chromedp.Run(ctx, chromedp.Title())
		if err != nil || title != "Overzicht – Meldpunt" {
			t.Fatalf("title = %q, %v", title, err)
		}
		// The keyboard: the first Tab reaches the skip link, Enter follows it.
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the skip link to have the focus", `document.activeElement.classList.contains("skip")`)
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the skip link to lead to the content", `location.hash === "#inhoud"`)

		// The citizen's new case, from the list of new cases.
		link := fmt.Sprintf(`#nieuw a[href="/dossiers/%s"]`, f.streetlight)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(link))); err != nil {
			t.Fatalf("open the case from the overview: %v", err)
		}
		waitFor(t, ctx, "the case page", fmt.Sprintf(`location.pathname === "/dossiers/%s" && !!document.getElementById("tijdlijn")`, f.streetlight))

		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action$="/toewijzen"] button.primary`))); err != nil {
			t.Fatalf("assign: %v", err)
		}
		waitFor(t, ctx, "the assignment", flashIs("behandelaar els"))

		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("notitie-tekst"), "Burger gebeld: de lamp wordt maandag hersteld."),
			chromedp.Click(chromedp.CSS(`form[action$="/notitie"] button`)),
		); err != nil {
			t.Fatalf("add a note: %v", err)
		}
		waitFor(t, ctx, "the note", flashIs("Notitie toegevoegd."))

		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("status-nieuw"), store.StatusClosed),
			chromedp.Click(chromedp.CSS(`form[action$="/status"] button`)),
		); err != nil {
			t.Fatalf("close: %v", err)
		}
		waitFor(t, ctx, "the closing", flashIs("Status gewijzigd: Afgesloten."))

		facts, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#gegevens dl")))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Afgesloten", "els"} {
			if !strings.Contains(facts, want) {
				t.Errorf("case facts lack %q:\n%s", want, facts)
			}
		}
		timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#tijdlijn")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(timeline, "Burger gebeld: de lamp wordt maandag hersteld.") {
			t.Errorf("timeline lacks the note:\n%s", timeline)
		}
		d, err := e.st.GetCase(t.Context(), f.streetlight)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != store.StatusClosed || d.Assignee != "els" {
			t.Errorf("stored case: status %q, assignee %q", d.Status, d.Assignee)
		}
	})

	t.Run("unsafe mail", func(t *testing.T) {
		htmlPath := caseURL(f.unsafe) + "/berichten/" + strconv.FormatInt(f.unsafeMessage, 10) + "/html"
		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.srv.URL+caseURL(f.unsafe)),
			chromedp.WaitVisible(chromedp.CSS("details.html summary")),
			chromedp.Click(chromedp.CSS("details.html summary")),
			chromedp.ScrollIntoView(chromedp.CSS("details.html iframe")),
		); err != nil {
			t.Fatalf("open the mail's HTML: %v", err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for e.hits.get(htmlPath) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if e.hits.get(htmlPath) == 0 {
			t.Fatal("the browser never loaded the mail's frame")
		}
		time.Sleep(time.Second) // what the mail could fetch or run, it has had time to
		if e.hits.get("/static/mail.css") == 0 {
			t.Error("the mail's frame did not load its stylesheet")
		}
		if n := beaconHits.Load(); n != 0 {
			t.Errorf("the browser made %d requests to the beacon", n)
		}
		ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.__meldpuntXSS !== "undefined"`))
		if err != nil || ran {
			t.Errorf("the mail's script ran in the page: %v %v", ran, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("article.message .text")))
		if err != nil || !strings.Contains(text, "hierbij een foto van de put") {
			t.Errorf("the mail's text is not shown: %q %v", text, err)
		}
		// The same frame opened on its own: still sandboxed, still quiet.
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+htmlPath), chromedp.Sleep(500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if n := beaconHits.Load(); n != 0 {
			t.Errorf("the mail opened on its own made %d requests to the beacon", n)
		}
		// The beacon does count what a browser asks of it.
		if err := chromedp.Do(ctx, chromedp.Navigate(beacon.URL+"/control")); err != nil {
			t.Fatal(err)
		}
		if n := beaconHits.Load(); n != 1 {
			t.Errorf("the beacon counted %d requests of the control, want 1", n)
		}
	})
}

// TestBrowserFrontDesk is the front desk in a real browser: find a citizen
// by name and open one of their cases; register a phone call and see it
// registered, in its case.
func TestBrowserFrontDesk(t *testing.T) {
	ctx := tab(t)
	e := newEnvWith(t, "sqlite", uiOptions{bus: true})
	cz := seedCitizens(t, e.st)
	e.addUser(t, "mieke", auth.RoleOnthaal, "burgerzaken", "gemeente")

	t.Run("find a citizen and open their case", func(t *testing.T) {
		signIn(t, ctx, e.srv.URL, "/burgers", "mieke")
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("q"), "peeters"),
			chromedp.Click(chromedp.CSS(`form[action="/burgers"] button[type=submit]`)),
		); err != nil {
			t.Fatalf("look the citizen up: %v", err)
		}
		link := fmt.Sprintf(`#burgers a[href="%s"]`, citizenURL(cz.jan))
		waitFor(t, ctx, "the citizen in the results", fmt.Sprintf(`!!document.querySelector(%q)`, link))
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(link))); err != nil {
			t.Fatalf("open the citizen: %v", err)
		}
		waitFor(t, ctx, "the citizen page", fmt.Sprintf(`location.pathname === %q && document.querySelector("main h1").textContent === "Jan Peeters"`,
			citizenURL(cz.jan)))
		caseLink := fmt.Sprintf(`#dossiers a[href="/dossiers/%s"]`, cz.janPhone)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(caseLink))); err != nil {
			t.Fatalf("open the citizen's case: %v", err)
		}
		waitFor(t, ctx, "the case page", fmt.Sprintf(`location.pathname === "/dossiers/%s" && !!document.getElementById("tijdlijn")`, cz.janPhone))
		timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#tijdlijn")))
		if err != nil || !strings.Contains(timeline, "wanneer komt de PMD-ophaling") {
			t.Errorf("the case's timeline lacks the call: %q %v", timeline, err)
		}
	})

	t.Run("register a phone call", func(t *testing.T) {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.srv.URL+"/registreren"),
			chromedp.WaitVisible(chromedp.ID("subject")),
			chromedp.Click(chromedp.CSS(`input[name=channel][value=phone]`)),
			chromedp.SendKeys(chromedp.ID("citizen_name"), "Jan Peeters"),
			chromedp.SendKeys(chromedp.ID("citizen_phone"), "0470 12 34 56"),
			chromedp.SendKeys(chromedp.ID("subject"), "Container niet geleegd"),
			chromedp.SendKeys(chromedp.ID("text"), "Belde: de groene container in de Dorpsstraat werd niet geleegd."),
			chromedp.Click(chromedp.CSS(`form[action="/registreren"] button[type=submit]`)),
		); err != nil {
			t.Fatalf("register the call: %v", err)
		}
		// The page reloads itself until the registry stored the call.
		waitFor(t, ctx, "the call registered", `location.pathname.startsWith("/registreren/mp1-") && `+
			`document.querySelector("main h1").textContent === "Geregistreerd"`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main .flash a[href^="/dossiers/"]`))); err != nil {
			t.Fatalf("open the case of the call: %v", err)
		}
		waitFor(t, ctx, "the case of the call", `location.pathname.startsWith("/dossiers/") && !!document.getElementById("tijdlijn")`)
		timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#tijdlijn")))
		if err != nil || !strings.Contains(timeline, "Container niet geleegd") || !strings.Contains(timeline, "telefoon") {
			t.Errorf("the case's timeline lacks the registered call: %q %v", timeline, err)
		}
	})
}

// TestScreenshots writes screenshots of the main pages, for the
// documentation, to the directory in MELDPUNT_SCREENSHOTS (relative to the
// module root):
//
//	MELDPUNT_SCREENSHOTS=docs/screenshots go test ./internal/web -run Screenshots
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("MELDPUNT_SCREENSHOTS")
	if dir == "" {
		t.Skip("set MELDPUNT_SCREENSHOTS=docs/screenshots to write the screenshots")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t)
	e := newEnv(t, "sqlite")
	e.addUser(t, "els", auth.RoleBehandelaar, "openbare-werken", "gemeente")
	storyOfPavement(t, e)
	moreComplaints(t, e.st)
	cz := seedCitizens(t, e.st)

	shoot := func(name, path, ready string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, name, ready)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d KiB)", filepath.Join(dir, name+".png"), len(png)/1024)
	}
	shoot("aanmelden", "/aanmelden", `!!document.getElementById("username")`)
	signIn(t, ctx, e.srv.URL, "/", "els")
	shoot("overzicht", "/", `!!document.getElementById("nieuw")`)
	shoot("dossier", caseURL(e.refs.pavement), `!!document.getElementById("tijdlijn")`)
	shoot("klachtenrapport", "/rapport/klachten?jaar=2026", `!!document.querySelector("table.report")`)
	shoot("zoeken", "/zoeken?q=Kerkstraat", `!!document.getElementById("resultaten")`)
	shoot("burger", citizenURL(cz.jan), `!!document.getElementById("dossiers")`)
}

// storyOfPavement gives the pavement case some history, for its
// screenshot.
func storyOfPavement(t *testing.T, e *env) {
	t.Helper()
	ctx := t.Context()
	p := auth.Principal{Username: "els", Kind: auth.KindUser, Roles: []auth.Role{auth.RoleBehandelaar}, Domains: []string{"gemeente"}}
	ref := e.refs.pavement
	steps := []func() (store.CaseDetail, error){
		func() (store.CaseDetail, error) {
			return e.cw.Assign(ctx, p, ref, casework.Assignment{Assignee: "els"})
		},
		func() (store.CaseDetail, error) {
			return e.cw.Note(ctx, p, ref, "Burger gebeld: de stoep wordt deze maand hersteld.")
		},
		func() (store.CaseDetail, error) {
			return e.cw.Forward(ctx, p, ref, casework.Forward{Organisation: "Aquafin", Question: "Ligt de verzakking aan de riolering?",
				ExpectedBy: "2026-12-18"})
		},
	}
	for _, s := range steps {
		if _, err := s(); err != nil {
			t.Fatal(err)
		}
	}
}

// moreComplaints adds complaints of 2026 in several departments and
// channels, for the screenshot of the report.
func moreComplaints(t *testing.T, st store.Store) {
	t.Helper()
	ctx := t.Context()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	type complaint struct {
		dept, channel       string
		month, days         int // opened in month, answered days later (0: not yet)
		admissible, decided bool
	}
	list := []complaint{
		{"burgerzaken", "counter", 1, 9, true, true}, {"burgerzaken", "email", 2, 31, true, true},
		{"burgerzaken", "eloket", 6, 12, false, true}, {"milieu", "email", 3, 14, true, true},
		{"milieu", "facebook", 7, 40, true, true}, {"milieu", "phone", 11, 0, false, false},
		{"openbare-werken", "email", 4, 20, true, true}, {"openbare-werken", "eloket", 5, 25, true, true},
		{"openbare-werken", "letter", 9, 45, false, true}, {"openbare-werken", "email", 11, 0, true, true},
	}
	var ncs []store.NewCase
	for _, c := range list {
		opened := time.Date(2026, time.Month(c.month), 10, 9, 0, 0, 0, time.UTC)
		ncs = append(ncs, store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Subject: "Klacht",
			Channel: c.channel, OpenedAt: opened, Department: c.dept, AnswerDue: new(opened.AddDate(0, 0, 30))})
	}
	refs, err := tx.CreateCases(ctx, ncs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range list {
		opened := ncs[i].OpenedAt
		if c.decided {
			reason := ""
			if !c.admissible {
				reason = "feiten ouder dan een jaar"
			}
			if err := tx.SetAdmissible(ctx, refs[i].ID, c.admissible, reason, "els", opened.Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if c.days > 0 {
			if err := tx.SetStatuses(ctx, []store.StatusChange{{CaseID: refs[i].ID, Status: store.StatusAnswered, Actor: "els",
				At: opened.AddDate(0, 0, c.days)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// moduleRoot is the directory of go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
