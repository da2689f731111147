package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// asksReason reports whether the page is the form that asks why, posting
// to action and coming back to back.
func asksReason(body, action, back string) bool {
	return strings.Contains(body, `<form method="post" action="`+action+`"`) &&
		strings.Contains(body, `name="terug" value="`+back+`"`) && strings.Contains(body, `name="reden"`)
}

// showsSecrets reports whether the page shows data of the sociaalhuis.
func showsSecrets(body string) bool {
	for _, s := range append(socialSecrets, "huurpremie") {
		if strings.Contains(body, s) {
			return true
		}
	}
	return false
}

// TestReason: the sociaalhuis's data is shown only once the user said why,
// and every view is in the access log with the reason; the reason counts
// for that case (its page, mail and attachments), citizen or search only,
// in that session only, for half an hour.
func TestReason(t *testing.T) {
	t.Parallel()
	var later atomic.Int64
	e := newEnvWith(t, "sqlite", uiOptions{clock: func() time.Time { return now.Add(time.Duration(later.Load())) }})
	f := e.refs
	cz := seedCitizens(t, e.st)
	c := e.login(t, "sofie", auth.RoleBehandelaar, "sociale-dienst", "gemeente", "sociaalhuis")
	social := caseURL(f.social)
	frame := social + "/berichten/" + strconv.FormatInt(f.socialMessage, 10) + "/html"
	pdf := social + "/bijlagen/" + f.socialPDF.SHA256
	logged := func() []store.AccessEntry { return accessLog(t, e.st, store.AccessFilter{Limit: 1000}) }

	// Without a reason: the form, nothing of the case, nothing logged.
	for _, path := range []string{social, pdf} {
		r := c.get(t, path)
		if r.status != http.StatusOK || !asksReason(r.body, social+"/reden", path) || showsSecrets(r.body) {
			t.Errorf("GET %s without a reason = %d\n%s", path, r.status, r.body)
		}
	}
	if r := c.get(t, frame); r.status != http.StatusForbidden || showsSecrets(r.body) || !strings.Contains(r.body, "Geef eerst op de pagina van het dossier een reden op") ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("mail frame without a reason = %d %v\n%s", r.status, r.header, r.body)
	}
	if l := logged(); len(l) != 0 {
		t.Errorf("views without a reason were logged: %+v", l)
	}

	// An empty or too long reason is asked for again.
	for reason, want := range map[string]string{"  ": "Geef een reden op", strings.Repeat("x", 501): "hoogstens 500 tekens"} {
		r := c.follow(t, social+"/reden", url.Values{"reden": {reason}, "terug": {social}})
		if !strings.Contains(r.body, want) || !asksReason(r.body, social+"/reden", social) || showsSecrets(r.body) {
			t.Errorf("reason %q:\n%s", reason[:min(len(reason), 5)], r.body)
		}
	}

	// With a reason: the case, its mail and attachment, each logged.
	const why = "burger belt over haar leefloon"
	r := c.post(t, social+"/reden", url.Values{"reden": {why}, "terug": {pdf}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != pdf {
		t.Fatalf("POST reason = %d to %q, want 303 to the attachment", r.status, r.header.Get("Location"))
	}
	if r := c.get(t, pdf); r.status != http.StatusOK || r.body != "%PDF-1.4 attest" {
		t.Errorf("attachment with a reason = %d %q", r.status, r.body)
	}
	if r := c.get(t, social); r.status != http.StatusOK || !strings.Contains(r.body, "Geheim-Sociaal leefloon") || !strings.Contains(r.body, `id="tijdlijn"`) {
		t.Errorf("case with a reason = %d\n%s", r.status, r.body)
	}
	if r := c.get(t, frame); r.status != http.StatusOK || !strings.Contains(r.body, "<b>leefloon</b>") {
		t.Errorf("mail frame with a reason = %d\n%s", r.status, r.body)
	}
	l := logged()
	if len(l) != 3 {
		t.Fatalf("%d views logged, want 3: %+v", len(l), l)
	}
	for i, detail := range []string{"opgemaakte versie van bericht " + strconv.FormatInt(f.socialMessage, 10), "", "bijlage attest-leefloon.pdf"} {
		if en := l[i]; en.Action != store.AccessViewCase || en.CaseRef != f.social || en.Domain != "sociaalhuis" || en.Reason != why ||
			en.Actor != "sofie" || en.Detail != detail || !en.At.Equal(now) {
			t.Errorf("entry %d = %+v, want detail %q", i, en, detail)
		}
	}

	// The reason is for that case only.
	if r := c.get(t, caseURL(f.socialComplaint)); !asksReason(r.body, caseURL(f.socialComplaint)+"/reden", caseURL(f.socialComplaint)) {
		t.Errorf("another case of the sociaalhuis was shown on the first one's reason:\n%s", r.body)
	}
	// Where to come back to stays within the case.
	for _, back := range []string{"/zoeken?q=x", "https://evil.example/", "//evil.example" + social, caseURL(f.socialComplaint)} {
		r := c.post(t, social+"/reden", url.Values{"reden": {why}, "terug": {back}})
		if r.header.Get("Location") != social {
			t.Errorf("reason with terug %q sends the browser to %q, want %q", back, r.header.Get("Location"), social)
		}
	}

	// The gemeente's cases need no reason; a view is logged all the same.
	if r := c.get(t, caseURL(f.streetlight)); r.status != http.StatusOK || !strings.Contains(r.body, "Kapotte straatlamp") {
		t.Errorf("gemeente case = %d", r.status)
	}
	if en := logged()[0]; en.CaseRef != f.streetlight || en.Domain != "gemeente" || en.Reason != "" || en.Action != store.AccessViewCase {
		t.Errorf("gemeente view logged as %+v", en)
	}

	// Another session of the same user, even with the first one's cookie,
	// is asked again.
	other := e.anonymous()
	ns, err := e.svc.NewSession(t.Context(), "sofie")
	if err != nil {
		t.Fatal(err)
	}
	u := mustURL(t, e.srv.URL)
	other.http.Jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookieName, Value: ns.Value, Path: "/"}})
	other.csrf = ns.CSRF
	su := mustURL(t, e.srv.URL+social)
	for _, ck := range c.http.Jar.Cookies(su) {
		if ck.Name == "meldpunt_reden" {
			other.http.Jar.SetCookies(su, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: social}})
		}
	}
	if r := other.get(t, social); !asksReason(r.body, social+"/reden", social) || showsSecrets(r.body) {
		t.Errorf("another session was shown the case on the first one's reason:\n%s", r.body)
	}

	// Half an hour later the reason is asked again.
	later.Store(int64(31 * time.Minute))
	if r := c.get(t, social); !asksReason(r.body, social+"/reden", social) || showsSecrets(r.body) {
		t.Errorf("the reason still counts after 31 minutes:\n%s", r.body)
	}
	later.Store(0)

	// Searching: results of the sociaalhuis need a reason too, for the
	// search (and paging it) only.
	search := "/zoeken?q=leefloon"
	if r := c.get(t, search); !asksReason(r.body, "/zoeken/reden", search) || showsSecrets(r.body) {
		t.Errorf("search with sociaalhuis results without a reason:\n%s", r.body)
	}
	if r := c.get(t, "/zoeken?q=leefloon&domein=gemeente"); r.status != http.StatusOK || asksReason(r.body, "/zoeken/reden", "/zoeken?q=leefloon&amp;domein=gemeente") {
		t.Errorf("a search in the gemeente only asked for a reason:\n%s", r.body)
	}
	before := len(accessLog(t, e.st, store.AccessFilter{Action: store.AccessSearch}))
	if before != 2 {
		t.Errorf("%d searches logged, want 2 (the refused one, in the sociaalhuis, and the one in the gemeente)", before)
	}
	r = c.follow(t, "/zoeken/reden", url.Values{"reden": {why}, "terug": {search}})
	if !strings.Contains(r.body, caseURL(f.social)) || !strings.Contains(r.body, "<mark>leefloon</mark>") {
		t.Errorf("search with a reason:\n%s", r.body)
	}
	searches := accessLog(t, e.st, store.AccessFilter{Action: store.AccessSearch})
	if len(searches) != 4 {
		t.Fatalf("searches logged: %+v", searches)
	}
	// The query and reason stay in the sociaalhuis entry; the gemeente's
	// says only that it was searched.
	for _, en := range searches[:2] {
		wantReason, want := "", "zoekopdracht over meerdere domeinen (0 resultaten)"
		if en.Domain == "sociaalhuis" {
			wantReason, want = why, "berichten zoeken: q=leefloon (1 resultaten)"
		}
		if en.Reason != wantReason || en.Detail != want {
			t.Errorf("search logged as %+v, want reason %q, detail %q", en, wantReason, want)
		}
	}

	// Citizens: the look-up and the citizen each need one.
	if r := c.get(t, "/burgers?q=Janssens"); !asksReason(r.body, "/burgers/reden", "/burgers?q=Janssens") || showsSecrets(r.body) {
		t.Errorf("look-up of a sociaalhuis citizen without a reason:\n%s", r.body)
	}
	c.giveReason(t, "/burgers", why)
	if r := c.get(t, "/burgers?q=Janssens"); !strings.Contains(r.body, citizenURL(cz.sofie)) {
		t.Errorf("look-up with a reason:\n%s", r.body)
	}
	if r := c.get(t, citizenURL(cz.sofie)); !asksReason(r.body, citizenURL(cz.sofie)+"/reden", citizenURL(cz.sofie)) || showsSecrets(r.body) {
		t.Errorf("sociaalhuis citizen without a reason:\n%s", r.body)
	}
	c.giveReason(t, citizenURL(cz.sofie), why)
	if r := c.get(t, citizenURL(cz.sofie)); !strings.Contains(r.body, "Sofie Janssens") || !strings.Contains(r.body, cz.sofieVisit) {
		t.Errorf("sociaalhuis citizen with a reason:\n%s", r.body)
	}
	if views := accessLog(t, e.st, store.AccessFilter{Action: store.AccessViewCitizen}); len(views) != 1 || views[0].ContactID != cz.sofie ||
		views[0].Reason != why || views[0].Domain != "sociaalhuis" {
		t.Errorf("citizen views logged: %+v", views)
	}
}

// TestAccessLogFails: when the access log cannot be written, no case,
// citizen, search result, attachment, mail, export or payload is shown.
func TestAccessLogFails(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, "sqlite", uiOptions{wrap: func(st store.Store) store.Store { return failingLog{st} }})
	f := e.refs
	cz := seedCitizens(t, e.st)
	seedQuarantine(t, e.st, "meldpunt.intake.email.info", "", []byte(`{"Geheim-Payload":1}`))
	c := e.login(t, "jan", auth.RoleBeheerder, "", "gemeente", "sociaalhuis")
	for _, path := range []string{
		caseURL(f.streetlight), caseURL(f.streetlight) + "/bijlagen/" + f.photo.SHA256,
		caseURL(f.unsafe) + "/berichten/" + strconv.FormatInt(f.unsafeMessage, 10) + "/html",
		"/zoeken?q=straatlamp", "/burgers?q=Peeters", citizenURL(cz.jan), "/quarantaine/1/inhoud",
	} {
		r := c.get(t, path)
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("GET %s with a failing access log = %d, want 503", path, r.status)
		}
		for _, s := range []string{"Kapotte straatlamp", "Jan Peeters", "not really a jpeg", "een foto</b>", "Geheim-Payload", cz.janMail} {
			if strings.Contains(r.body, s) {
				t.Errorf("GET %s with a failing access log shows %q", path, s)
			}
		}
	}
	if r := c.post(t, citizenURL(cz.jan)+"/export", url.Values{"reden": {"inzage"}}); r.status != http.StatusServiceUnavailable || strings.Contains(r.body, "PK\x03\x04") {
		t.Errorf("export with a failing access log = %d", r.status)
	}
}
