package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// section is the part of a page in the section with that id.
func section(t testing.TB, body, id string) string {
	t.Helper()
	i := strings.Index(body, `<section id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %q in the page", id)
	}
	j := strings.Index(body[i:], "</section>")
	return body[i : i+j]
}

func caseURL(ref string) string { return "/dossiers/" + ref }

// getPages are the pages to GET for the fixture, with the domain whose
// data they show ("" for pages of the user's own domains).
func getPages(f fixture) []struct{ path, domain string } {
	g, s := caseURL(f.streetlight), caseURL(f.social)
	return []struct{ path, domain string }{
		{"/", ""},
		{"/mijn-dienst", ""},
		{"/rapport/klachten", ""},
		{"/rapport/klachten?jaar=2026", ""},
		{"/rapport/klachten.csv?jaar=2026", ""},
		{g, "gemeente"},
		{g + "/bijlagen/" + f.photo.SHA256, "gemeente"},
		{caseURL(f.unsafe) + "/berichten/" + strconv.FormatInt(f.unsafeMessage, 10) + "/html", "gemeente"},
		{s, "sociaalhuis"},
		{s + "/bijlagen/" + f.socialPDF.SHA256, "sociaalhuis"},
		{s + "/berichten/" + strconv.FormatInt(f.socialMessage, 10) + "/html", "sociaalhuis"},
	}
}

// postPages are the case actions, each on a case of domain.
func postPages(f fixture) []string {
	var out []string
	for _, ref := range []string{f.streetlight, f.social} {
		for _, a := range []string{"notitie", "toewijzen", "status", "type", "suggestie/afwijzen", "ontvankelijkheid",
			"doorsturen", "doorsturen/1/antwoord", "samenvoegen", "splitsen", "verplaatsingen/1/ongedaan"} {
			out = append(out, caseURL(ref)+"/"+a)
		}
	}
	return out
}

// TestAnonymous: without a session every page sends the browser to the
// login page (and back afterwards), and every action is refused; only the
// login page and the stylesheet are for everyone.
func TestAnonymous(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	c := e.anonymous()
	for _, pg := range getPages(e.refs) {
		r := c.get(t, pg.path)
		want := "/aanmelden?next=" + url.QueryEscape(pg.path)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("GET %s = %d to %q, want 303 to %q", pg.path, r.status, r.header.Get("Location"), want)
		}
	}
	for _, path := range append(postPages(e.refs), "/afmelden") {
		r := c.post(t, path, url.Values{"text": {"x"}})
		want := http.StatusUnauthorized
		if path == "/afmelden" {
			want = http.StatusSeeOther // nothing to end
		}
		if r.status != want {
			t.Errorf("POST %s = %d, want %d", path, r.status, want)
		}
	}
	if r := c.get(t, "/aanmelden?next=%2Fdossiers%2Fx"); r.status != http.StatusOK || !strings.Contains(r.body, `name="next" value="/dossiers/x"`) {
		t.Errorf("login page = %d\n%s", r.status, r.body)
	}
	if r := c.get(t, "/static/style.css"); r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet = %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := c.get(t, "/static/geheim.txt"); r.status != http.StatusNotFound {
		t.Errorf("unknown static file = %d, want 404", r.status)
	}
	d, err := e.st.GetCase(t.Context(), e.refs.streetlight)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.StatusNew || len(d.Timeline) != 1 {
		t.Errorf("anonymous requests changed the case: %+v", d.Case)
	}
}

// TestAccess opens every page as every combination of role and domain: a
// user gets what the role allows, a case of a domain they may not see does
// not exist for them, and nothing of it appears on any page.
func TestAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	gemeenteOnly := []string{"Kapotte straatlamp", "Jan Peeters", "Afval niet opgehaald", e.refs.streetlight, e.refs.waste}
	socialOnly := append(slices.Clone(socialSecrets), e.refs.social, e.refs.socialComplaint)
	for _, role := range auth.Roles() {
		for _, domains := range [][]string{{"gemeente"}, {"sociaalhuis"}, {"gemeente", "sociaalhuis"}} {
			name := string(role) + "-" + strings.Join(domains, "-")
			t.Run(name, func(t *testing.T) {
				c := e.login(t, name, role, "openbare-werken", domains...)
				p := auth.Principal{Roles: []auth.Role{role}, Domains: domains}
				if p.CanSeeDomain("sociaalhuis") { // its data needs a reason (TestReason)
					c.post(t, caseURL(e.refs.social)+"/reden", url.Values{"reden": {"test van de toegang"}})
				}
				for _, pg := range getPages(e.refs) {
					r := c.get(t, pg.path)
					want := http.StatusOK
					switch {
					case strings.HasPrefix(pg.path, "/rapport/") && !p.HasRole(auth.RoleBehandelaar):
						want = http.StatusForbidden
					case pg.domain != "" && !p.CanSeeDomain(pg.domain):
						want = http.StatusNotFound
					}
					if r.status != want {
						t.Errorf("GET %s = %d, want %d", pg.path, r.status, want)
					}
					for domain, secrets := range map[string][]string{"gemeente": gemeenteOnly, "sociaalhuis": socialOnly} {
						if p.CanSeeDomain(domain) {
							continue
						}
						for _, s := range secrets {
							if strings.Contains(r.body, s) {
								t.Errorf("GET %s shows %q of domain %s", pg.path, s, domain)
							}
						}
					}
				}
				// Actions on a case of another domain: not found, whatever the role.
				for _, path := range postPages(e.refs) {
					domain := "gemeente"
					if strings.Contains(path, e.refs.social) {
						domain = "sociaalhuis"
					}
					if p.CanSeeDomain(domain) {
						continue
					}
					r := c.post(t, path, url.Values{"text": {"x"}, "status": {"afgesloten"}})
					if want := http.StatusNotFound; r.status != want && !(r.status == http.StatusForbidden && !p.HasRole(auth.RoleBehandelaar)) {
						t.Errorf("POST %s = %d, want %d", path, r.status, want)
					}
					for _, s := range socialOnly {
						if domain == "sociaalhuis" && strings.Contains(r.body, s) {
							t.Errorf("POST %s shows %q", path, s)
						}
					}
				}
				// What the navigation offers.
				home := c.get(t, "/")
				if got := strings.Contains(home.body, `href="/rapport/klachten"`); got != p.HasRole(auth.RoleBehandelaar) {
					t.Errorf("navigation links the complaints report: %v, want %v", got, !got)
				}
				// A front-desk member may add a note, and nothing else.
				if role == auth.RoleOnthaal && p.CanSeeDomain("gemeente") {
					if r := c.post(t, caseURL(e.refs.waste)+"/status", url.Values{"status": {"afgesloten"}}); r.status != http.StatusForbidden {
						t.Errorf("onthaal changed a status: %d", r.status)
					}
					r := c.follow(t, caseURL(e.refs.waste)+"/notitie", url.Values{"text": {"Burger belde: " + name}})
					if !strings.Contains(r.body, "Notitie toegevoegd.") || !strings.Contains(r.body, "Burger belde: "+name) {
						t.Errorf("onthaal could not add a note:\n%s", r.body)
					}
					if strings.Contains(r.body, `action="`+caseURL(e.refs.waste)+`/status"`) {
						t.Errorf("the case page offers onthaal the status form")
					}
				}
			})
		}
	}
	// No action of a user who may not see the social case reached it.
	d, err := e.st.GetCase(t.Context(), e.refs.social)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range d.Timeline {
		if en.Actor != "" && !strings.Contains(en.Actor, "sociaalhuis") {
			t.Errorf("the social case changed by %s: %+v", en.Actor, en)
		}
	}
}

// TestOverview: each list of the overview holds the cases it should, of
// the user's domains only.
func TestOverview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	f := e.refs
	c := e.login(t, "els", auth.RoleBehandelaar, "openbare-werken", "gemeente")
	body := c.get(t, "/").body
	for _, tc := range []struct {
		section string
		in, out []string
	}{
		{"te-laat", []string{f.waste}, []string{f.streetlight, f.pavement, f.social}},
		{"binnenkort", []string{f.streetlight}, []string{f.waste, f.pavement, f.social}},
		{"nieuw", []string{f.streetlight, f.unsafe}, []string{f.waste, f.pavement, f.complaint, f.social}},
		{"opnieuw", []string{f.pavement}, []string{f.streetlight, f.waste, f.social}},
		{"klacht", []string{f.pavement}, []string{f.streetlight, f.waste, f.social}},
	} {
		s := section(t, body, tc.section)
		for _, ref := range tc.in {
			if !strings.Contains(s, ref) {
				t.Errorf("section %s lacks %s", tc.section, ref)
			}
		}
		for _, ref := range tc.out {
			if strings.Contains(s, ref) {
				t.Errorf("section %s shows %s", tc.section, ref)
			}
		}
	}
	if !strings.Contains(section(t, body, "te-laat"), "te laat") {
		t.Error("the overdue case is not marked")
	}
	// Sociaalhuis staff see their own case in the same lists.
	s := e.login(t, "sofie", auth.RoleBehandelaar, "sociale-dienst", "sociaalhuis").get(t, "/").body
	for _, id := range []string{"binnenkort", "nieuw", "opnieuw", "klacht"} {
		if !strings.Contains(section(t, s, id), f.social) {
			t.Errorf("section %s lacks the social case for sociaalhuis staff", id)
		}
	}
	if strings.Contains(s, f.streetlight) {
		t.Error("sociaalhuis staff see a gemeente case")
	}
	// A user with no domain sees nothing, and the store is not asked for
	// "every domain".
	none := e.login(t, "nobody", auth.RoleBehandelaar, "openbare-werken")
	for _, path := range []string{"/", "/mijn-dienst", "/rapport/klachten"} {
		r := none.get(t, path)
		if r.status != http.StatusOK || !strings.Contains(r.body, "geen toegang tot de dossiers") {
			t.Errorf("GET %s without domains = %d\n%s", path, r.status, r.body)
		}
		for _, ref := range []string{f.streetlight, f.waste, f.social, f.complaint} {
			if strings.Contains(r.body, ref) {
				t.Errorf("GET %s without domains shows %s", path, ref)
			}
		}
	}
}

// TestDepartmentPage lists the open cases of the user's department.
func TestDepartmentPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	f := e.refs
	body := e.login(t, "els", auth.RoleOnthaal, "openbare-werken", "gemeente", "sociaalhuis").get(t, "/mijn-dienst").body
	for _, ref := range []string{f.streetlight, f.pavement, f.unsafe} {
		if !strings.Contains(body, ref) {
			t.Errorf("department page lacks %s", ref)
		}
	}
	for _, ref := range []string{f.waste, f.complaint, f.social} {
		if strings.Contains(body, ref) {
			t.Errorf("department page shows %s of another department", ref)
		}
	}
	if !strings.Contains(body, "Openbare Werken") || !strings.Contains(body, "<th scope=\"col\">Domein</th>") {
		t.Errorf("department page lacks the department's name or the domain column:\n%s", body)
	}
	r := e.login(t, "zonder", auth.RoleBehandelaar, "", "gemeente").get(t, "/mijn-dienst")
	if r.status != http.StatusOK || !strings.Contains(r.body, "aan geen dienst gekoppeld") {
		t.Errorf("department page without a department = %d\n%s", r.status, r.body)
	}
}

// TestComplaintsReport counts the complaints of the user's domains.
func TestComplaintsReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	g := e.login(t, "els", auth.RoleBehandelaar, "", "gemeente")
	body := g.get(t, "/rapport/klachten?jaar=2026").body
	if !strings.Contains(body, "<h1>Klachtenrapport 2026</h1>") || !strings.Contains(body, "<th scope=\"row\">Burgerzaken</th>") {
		t.Errorf("report lacks its title or the Burgerzaken row:\n%s", body)
	}
	tfoot := body[strings.Index(body, "<tfoot>"):]
	if !strings.Contains(tfoot, `<td class="num">1</td>`) || strings.Contains(body, "Sociale dienst") {
		t.Errorf("report of a gemeente user counts another domain:\n%s", body)
	}
	both := e.login(t, "jan", auth.RoleBeheerder, "", "gemeente", "sociaalhuis").get(t, "/rapport/klachten?jaar=2026").body
	if !strings.Contains(both, "Sociale dienst") {
		t.Errorf("report of a user of both domains lacks the social complaint:\n%s", both)
	}
	if r := g.get(t, "/rapport/klachten?jaar=2025"); !strings.Contains(r.body, "Geen klachten in 2025") {
		t.Errorf("report of a year without complaints:\n%s", r.body)
	}
	if r := g.get(t, "/rapport/klachten?jaar=twee"); r.status != http.StatusBadRequest {
		t.Errorf("report of a bad year = %d, want 400", r.status)
	}
	csv := g.get(t, "/rapport/klachten.csv?jaar=2026")
	if !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.body, "2026;burgerzaken;email;1;1;0;0;") ||
		strings.Contains(csv.body, "sociale-dienst") {
		t.Errorf("CSV report = %s\n%s", csv.header.Get("Content-Type"), csv.body)
	}
}

// TestCSRF: an action without the session's CSRF token is refused, and
// changes nothing.
func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	c := e.login(t, "els", auth.RoleBeheerder, "", "gemeente", "sociaalhuis")
	before, err := e.st.GetCase(t.Context(), e.refs.streetlight)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range append(postPages(e.refs), "/afmelden") {
		for _, token := range []string{"", "wrong"} {
			form := url.Values{"text": {"x"}, "status": {"afgesloten"}}
			if token != "" {
				form.Set(auth.CSRFFormField, token)
			}
			if r := c.postRaw(t, path, form); r.status != http.StatusForbidden {
				t.Errorf("POST %s with CSRF token %q = %d, want 403", path, token, r.status)
			}
		}
	}
	after, err := e.st.GetCase(t.Context(), e.refs.streetlight)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Timeline) != len(before.Timeline) || after.Status != before.Status {
		t.Errorf("refused requests changed the case: %d → %d entries", len(before.Timeline), len(after.Timeline))
	}
	// The session survived the refused logout.
	if r := c.get(t, "/"); r.status != http.StatusOK {
		t.Errorf("after a refused logout GET / = %d", r.status)
	}
	// Every form of the case page carries the token.
	page := c.get(t, caseURL(e.refs.streetlight)).body
	forms, tokens := strings.Count(page, "<form method=\"post\""), strings.Count(page, `name="csrf_token" value="`+c.csrf+`"`)
	if forms < 8 || forms != tokens {
		t.Errorf("case page: %d forms, %d CSRF fields", forms, tokens)
	}
}

// TestSecurityHeaders: every page forbids framing, inline script and
// remote content, and sends no referrer.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	c := e.login(t, "els", auth.RoleBehandelaar, "openbare-werken", "gemeente")
	for _, path := range []string{"/", "/mijn-dienst", "/rapport/klachten", caseURL(e.refs.streetlight), "/dossiers/MP-1900-000001", "/aanmelden"} {
		r := c.get(t, path)
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "img-src 'self' data:", "script-src 'self'", "style-src 'self'",
			"frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", path, csp, want)
			}
		}
		for h, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
			if got := r.header.Get(h); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, h, got, want)
			}
		}
		if path != "/aanmelden" && (!strings.Contains(r.body, `<html lang="nl-BE">`) || !strings.Contains(r.body, `<a class="skip" href="#inhoud">`)) {
			t.Errorf("GET %s: no lang or skip link", path)
		}
	}
}

// TestUnsafeMail: a mail with script and remote content shows neither: the
// case page holds no HTML of the mail at all, and the sanitised version in
// the sandboxed frame keeps the text and links but nothing that runs or
// fetches.
func TestUnsafeMail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	c := e.login(t, "els", auth.RoleBehandelaar, "openbare-werken", "gemeente")
	page := c.get(t, caseURL(e.refs.unsafe))
	htmlURL := caseURL(e.refs.unsafe) + "/berichten/" + strconv.FormatInt(e.refs.unsafeMessage, 10) + "/html"
	if !strings.Contains(page.body, `<iframe src="`+htmlURL+`" sandbox="allow-popups allow-popups-to-escape-sandbox"`) {
		t.Errorf("case page has no sandboxed frame for the mail:\n%s", page.body)
	}
	for _, bad := range []string{"<script", beaconHost, "onerror", "onload", "__meldpuntXSS"} {
		if strings.Contains(page.body, bad) {
			t.Errorf("case page contains %q", bad)
		}
	}
	r := c.get(t, htmlURL)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s = %d", htmlURL, r.status)
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"sandbox allow-popups", "default-src 'none'", "img-src data:", "frame-ancestors 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("mail CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "allow-scripts") || strings.Contains(csp, "allow-same-origin") {
		t.Errorf("mail CSP %q lets the mail run script", csp)
	}
	for _, bad := range []string{"<script", "__meldpuntXSS", beaconHost, "onerror", "onload", "javascript:", "style=", "<style",
		"<iframe", "<object", "<form", "<meta http-equiv", "srcset", "background", "poster", "<svg", "<image"} {
		if strings.Contains(strings.ToLower(r.body), strings.ToLower(bad)) {
			t.Errorf("sanitised mail contains %q:\n%s", bad, r.body)
		}
	}
	for _, want := range []string{"<b>een foto</b>", `<a href="https://www.example.be/kaart?put=1" rel="nofollow noreferrer noopener" target="_blank">Kerkstraat</a>`,
		`<img src="data:image/png;base64,`, "vriendelijke"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("sanitised mail lacks %q:\n%s", want, r.body)
		}
	}
	// A message of another case, or without HTML, is not served here.
	if r := c.get(t, caseURL(e.refs.streetlight)+"/berichten/"+strconv.FormatInt(e.refs.unsafeMessage, 10)+"/html"); r.status != http.StatusNotFound {
		t.Errorf("mail of another case = %d, want 404", r.status)
	}
}

// TestAttachment: an attachment downloads under its name, never as a page
// of the UI, and only through a case it belongs to.
func TestAttachment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	f := e.refs
	c := e.login(t, "els", auth.RoleOnthaal, "", "gemeente")
	for _, tc := range []struct {
		name        string
		path        string
		status      int
		contentType string
		disposition string
		body        string
	}{
		{"picture", caseURL(f.streetlight) + "/bijlagen/" + f.photo.SHA256, 200, "image/jpeg",
			`attachment; filename="foto straatlamp.jpg"; filename*=UTF-8''foto%20straatlamp.jpg`, "\xff\xd8\xff\xe0 not really a jpeg"},
		{"html is not served as html", caseURL(f.streetlight) + "/bijlagen/" + f.htmlFile.SHA256, 200, "application/octet-stream",
			`attachment; filename="formulier _ingevuld_ __n.html"; filename*=UTF-8''formulier%20%22ingevuld%22%20%C3%A9%C3%A9n.html`, "<script>alert(1)</script>"},
		{"not of this case", caseURL(f.waste) + "/bijlagen/" + f.photo.SHA256, 404, "", "", ""},
		{"of a case of another domain", caseURL(f.social) + "/bijlagen/" + f.socialPDF.SHA256, 404, "", "", ""},
		{"of another domain through a visible case", caseURL(f.streetlight) + "/bijlagen/" + f.socialPDF.SHA256, 404, "", "", ""},
		{"unknown", caseURL(f.streetlight) + "/bijlagen/" + strings.Repeat("0", 64), 404, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.get(t, tc.path)
			if r.status != tc.status {
				t.Fatalf("GET %s = %d, want %d", tc.path, r.status, tc.status)
			}
			if tc.status != 200 {
				if strings.Contains(r.body, "Geheim-Sociaal") || strings.Contains(r.body, "%PDF") {
					t.Errorf("404 page leaks: %s", r.body)
				}
				return
			}
			for h, want := range map[string]string{"Content-Type": tc.contentType, "Content-Disposition": tc.disposition,
				"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'"} {
				if got := r.header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if r.body != tc.body {
				t.Errorf("body = %q, want %q", r.body, tc.body)
			}
		})
	}
	// The case page links the attachments.
	page := c.get(t, caseURL(f.streetlight)).body
	if !strings.Contains(page, `href="/dossiers/`+f.streetlight+`/bijlagen/`+f.photo.SHA256+`"`) || !strings.Contains(page, "foto straatlamp.jpg") {
		t.Errorf("case page does not link the attachment")
	}
}

// TestLogin signs in and out through the forms.
func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.addUser(t, "els", auth.RoleBehandelaar, "", "gemeente")
	c := e.anonymous()

	r := c.postRaw(t, "/aanmelden", url.Values{"username": {"els"}, "password": {"fout"}, "next": {"/mijn-dienst"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "De gebruikersnaam of het wachtwoord klopt niet.") ||
		!strings.Contains(r.body, `value="els"`) || strings.Contains(r.body, `value="fout"`) {
		t.Errorf("wrong password = %d\n%s", r.status, r.body)
	}
	for _, tc := range []struct{ next, want string }{
		{"/mijn-dienst", "/mijn-dienst"},
		{"//evil.example/x", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"", "/"},
	} {
		c := e.anonymous()
		r := c.postRaw(t, "/aanmelden", url.Values{"username": {"ELS "}, "password": {password}, "next": {tc.next}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != tc.want {
			t.Errorf("login with next %q = %d to %q, want 303 to %q", tc.next, r.status, r.header.Get("Location"), tc.want)
		}
		if home := c.get(t, "/"); home.status != http.StatusOK || !strings.Contains(home.body, "Naam van els") {
			t.Errorf("after login GET / = %d", home.status)
		}
		// Signed in, the login page sends the browser on.
		if again := c.get(t, "/aanmelden?next=/rapport/klachten"); again.status != http.StatusSeeOther || again.header.Get("Location") != "/rapport/klachten" {
			t.Errorf("login page when signed in = %d to %q", again.status, again.header.Get("Location"))
		}
	}

	// Logout ends the session.
	c = e.anonymous()
	c.postRaw(t, "/aanmelden", url.Values{"username": {"els"}, "password": {password}})
	page := c.get(t, "/").body
	const field = `name="csrf_token" value="`
	i := strings.Index(page, field)
	if i < 0 {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	c.csrf = page[i+len(field) : i+len(field)+strings.Index(page[i+len(field):], `"`)]
	out := c.post(t, "/afmelden", nil)
	if out.status != http.StatusSeeOther || out.header.Get("Location") != "/aanmelden" {
		t.Errorf("logout = %d to %q", out.status, out.header.Get("Location"))
	}
	if r := c.get(t, "/aanmelden"); !strings.Contains(r.body, "Je bent afgemeld.") {
		t.Errorf("login page after logout lacks the message:\n%s", r.body)
	}
	if r := c.get(t, "/"); r.status != http.StatusSeeOther {
		t.Errorf("after logout GET / = %d, want 303", r.status)
	}

	// Too many failures: the form says how long to wait.
	var last response
	for range 6 {
		last = e.anonymous().postRaw(t, "/aanmelden", url.Values{"username": {"els"}, "password": {"nog eens fout"}})
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "Te veel mislukte aanmeldpogingen. Probeer het opnieuw over 15 minuten.") ||
		last.header.Get("Retry-After") == "" {
		t.Errorf("rate limited login = %d %q\n%s", last.status, last.header.Get("Retry-After"), last.body)
	}

	// A disabled user is told so.
	e.addUser(t, "weg", auth.RoleBehandelaar, "", "gemeente")
	if err := e.svc.DisableUser(t.Context(), "weg"); err != nil {
		t.Fatal(err)
	}
	if r := e.anonymous().postRaw(t, "/aanmelden", url.Values{"username": {"weg"}, "password": {password}}); r.status != http.StatusForbidden ||
		!strings.Contains(r.body, "uitgeschakeld") {
		t.Errorf("disabled user = %d\n%s", r.status, r.body)
	}
}
