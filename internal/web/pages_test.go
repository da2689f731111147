package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// newPage is a page added for searching, citizens, registering, the
// quarantine and the sources: its path, the lowest role, and the domain
// whose data it shows ("" for pages of the user's own domains).
type newPage struct {
	path   string
	role   auth.Role
	domain string
	// allDomains: only for those who see every domain (the quarantine's
	// items); others get 404.
	allDomains bool
}

func newPages(f fixture, cz citizens) []newPage {
	return []newPage{
		{path: "/zoeken", role: auth.RoleOnthaal},
		{path: "/zoeken?q=leefloon", role: auth.RoleOnthaal},
		{path: "/zoeken?q=straatlamp&kanaal=email&type=melding", role: auth.RoleOnthaal},
		{path: "/zoeken?kanaal=counter", role: auth.RoleOnthaal},
		{path: "/burgers", role: auth.RoleOnthaal},
		{path: "/burgers?q=Peeters", role: auth.RoleOnthaal},
		{path: "/burgers?q=Janssens", role: auth.RoleOnthaal},
		{path: citizenURL(cz.jan), role: auth.RoleOnthaal, domain: "gemeente"},
		{path: citizenURL(cz.sofie), role: auth.RoleOnthaal, domain: "sociaalhuis"},
		{path: "/registreren", role: auth.RoleOnthaal},
		{path: "/registreren/mp1-onbekend", role: auth.RoleOnthaal},
		{path: "/bronnen", role: auth.RoleBehandelaar},
		{path: "/quarantaine", role: auth.RoleBeheerder},
		{path: "/quarantaine?status=alle", role: auth.RoleBeheerder},
		{path: "/quarantaine/1/inhoud", role: auth.RoleBeheerder, allDomains: true},
	}
}

// newPosts are the forms the new pages post to.
func newPosts(f fixture, cz citizens) []string {
	return []string{
		"/registreren", "/quarantaine/1/opnieuw", "/quarantaine/1/afhandelen",
		citizenURL(cz.jan) + "/export", citizenURL(cz.sofie) + "/export",
		"/zoeken/reden", "/burgers/reden", citizenURL(cz.sofie) + "/reden", caseURL(f.social) + "/reden",
	}
}

// TestNewPagesAnonymous: without a session the new pages send the browser
// to the login page, and their forms are refused.
func TestNewPagesAnonymous(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	cz := seedCitizens(t, e.st)
	c := e.anonymous()
	for _, pg := range newPages(e.refs, cz) {
		r := c.get(t, pg.path)
		want := "/aanmelden?next=" + url.QueryEscape(pg.path)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("GET %s = %d to %q, want 303 to %q", pg.path, r.status, r.header.Get("Location"), want)
		}
	}
	for _, path := range newPosts(e.refs, cz) {
		if r := c.post(t, path, url.Values{"reden": {"x"}, "note": {"x"}}); r.status != http.StatusUnauthorized {
			t.Errorf("POST %s = %d, want 401", path, r.status)
		}
	}
	if es := accessLog(t, e.st, store.AccessFilter{}); len(es) != 0 {
		t.Errorf("anonymous requests were logged as accesses: %+v", es)
	}
}

// TestNewPagesCSRF: a form of the new pages without the session's CSRF
// token is refused, and changes nothing.
func TestNewPagesCSRF(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, "sqlite", uiOptions{bus: true})
	cz := seedCitizens(t, e.st)
	seedQuarantine(t, e.st, "meldpunt.intake.email.info", "", []byte(`{"geen":"event"}`))
	c := e.login(t, "jan", auth.RoleBeheerder, "", "gemeente", "sociaalhuis")
	for _, path := range newPosts(e.refs, cz) {
		for _, token := range []string{"", "wrong"} {
			form := url.Values{"reden": {"x"}, "note": {"x"}, "channel": {"phone"}, "subject": {"x"}, "idempotency_key": {"k"}}
			if token != "" {
				form.Set(auth.CSRFFormField, token)
			}
			if r := c.postRaw(t, path, form); r.status != http.StatusForbidden {
				t.Errorf("POST %s with CSRF token %q = %d, want 403", path, token, r.status)
			}
		}
	}
	// A multipart form (the registration with a scanned letter) too.
	r := c.postMultipart(t, "/registreren", map[string]string{"channel": "letter", "subject": "Brief", "idempotency_key": "k"},
		map[string][]byte{"brief.pdf": []byte("%PDF-1.4 brief")}, false)
	if r.status != http.StatusForbidden {
		t.Errorf("multipart POST /registreren without a CSRF token = %d, want 403", r.status)
	}
	if n := streamCount(t, e); n != 0 {
		t.Errorf("refused registrations published %d events", n)
	}
	if items, err := e.st.ListQuarantineEntries(t.Context(), store.QuarantineFilter{Open: true}); err != nil || len(items) != 1 {
		t.Errorf("refused requests resolved the quarantined item: %+v %v", items, err)
	}
	if es := accessLog(t, e.st, store.AccessFilter{Action: store.AccessExport}); len(es) != 0 {
		t.Errorf("a refused export was logged: %+v", es)
	}
}

// TestNewPagesAccess opens every new page as every combination of role
// and domain: what the role allows, a citizen of a domain the user may not
// see does not exist for them, and nothing of another domain appears on
// any page, in results, lists or counts.
func TestNewPagesAccess(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, "sqlite", uiOptions{bus: true})
	cz := seedCitizens(t, e.st)
	seedQuarantine(t, e.st, "meldpunt.intake.email.info", "", []byte(`{"geen":"event"}`))
	gemeenteOnly := []string{"Kapotte straatlamp", "Jan Peeters", "jan.peeters@example.be", "afvalkalender", e.refs.streetlight, cz.janMail}
	socialOnly := append(slices.Clone(socialSecrets), "huurpremie", e.refs.social, e.refs.socialComplaint, cz.sofieVisit)
	navs := map[string]auth.Role{"/zoeken": auth.RoleOnthaal, "/burgers": auth.RoleOnthaal, "/registreren": auth.RoleOnthaal,
		"/bronnen": auth.RoleBehandelaar, "/quarantaine": auth.RoleBeheerder}
	for _, role := range auth.Roles() {
		for _, domains := range [][]string{nil, {"gemeente"}, {"sociaalhuis"}, {"gemeente", "sociaalhuis"}} {
			name := string(role) + "-" + strings.Join(domains, "-")
			if len(domains) == 0 {
				name += "geen"
			}
			t.Run(name, func(t *testing.T) {
				c := e.login(t, name, role, "openbare-werken", domains...)
				p := auth.Principal{Roles: []auth.Role{role}, Domains: domains}
				if p.CanSeeDomain("sociaalhuis") { // its data needs a reason (TestReason)
					for _, scope := range []string{"/zoeken", "/burgers", citizenURL(cz.sofie)} {
						c.giveReason(t, scope, "test van de toegang")
					}
				}
				for _, pg := range newPages(e.refs, cz) {
					r := c.get(t, pg.path)
					want := http.StatusOK
					switch {
					case !p.HasRole(pg.role):
						want = http.StatusForbidden
					case pg.domain != "" && !p.CanSeeDomain(pg.domain):
						want = http.StatusNotFound
					case pg.allDomains && len(domains) < 2:
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
				// The navigation offers what the role allows.
				home := c.get(t, "/")
				for path, min := range navs {
					if got := strings.Contains(home.body, `<li><a href="`+path+`"`); got != p.HasRole(min) {
						t.Errorf("navigation links %s: %v, want %v", path, got, !got)
					}
				}
				// What the user found is what the domains allow.
				found := c.get(t, "/burgers?q=Peeters").body
				if got := strings.Contains(found, citizenURL(cz.jan)); got != p.CanSeeDomain("gemeente") {
					t.Errorf("looking up Peeters finds Jan: %v, want %v", got, !got)
				}
				found = c.get(t, "/zoeken?q=Geheim-Sociaal").body
				if got := strings.Contains(found, caseURL(e.refs.social)); got != p.CanSeeDomain("sociaalhuis") {
					t.Errorf("searching Geheim-Sociaal finds the social case: %v, want %v", got, !got)
				}
				if !p.CanSeeDomain("sociaalhuis") && !strings.Contains(found, "Geen berichten gevonden") && len(domains) > 0 {
					t.Errorf("a search for another domain's words found something:\n%s", found)
				}
			})
		}
	}
	// Every search and view was logged in the domains of the user who made
	// it.
	for _, en := range accessLog(t, e.st, store.AccessFilter{Limit: 1000}) {
		if en.Domain != "" && !strings.Contains(en.Actor, en.Domain) {
			t.Errorf("%s logged an access in %s: %+v", en.Actor, en.Domain, en)
		}
	}
}
