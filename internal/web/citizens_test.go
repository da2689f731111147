package web_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// TestCitizens finds a citizen by name, e-mail address and phone number,
// and shows them with all their cases across channels; a citizen of
// another domain is found by nobody there and does not exist; every
// look-up and view is in the access log.
func TestCitizens(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, kind)
			cz := seedCitizens(t, e.st)
			c := e.login(t, "mieke", auth.RoleOnthaal, "burgerzaken", "gemeente")

			if r := c.get(t, "/burgers"); r.status != http.StatusOK || strings.Contains(r.body, `id="burgers"`) {
				t.Errorf("the empty form looked someone up: %d", r.status)
			}
			for _, q := range []string{"Peeters", "jan pee", "jan.peeters@example.be", "0470/12.34.56", "+32 470 12 34 56"} {
				r := c.get(t, "/burgers?q="+url.QueryEscape(q))
				if r.status != http.StatusOK || !strings.Contains(r.body, `<a href="`+citizenURL(cz.jan)+`">Jan Peeters</a>`) ||
					!strings.Contains(r.body, `<td class="num">2</td>`) {
					t.Errorf("looking up %q = %d\n%s", q, r.status, r.body)
				}
			}
			for _, q := range []string{"Janssens", "Sofie", "sofie.janssens@example.be", "Kerkstraat"} {
				r := c.get(t, "/burgers?q="+url.QueryEscape(q))
				if !strings.Contains(r.body, "Geen burgers gevonden.") || strings.Contains(r.body, citizenURL(cz.sofie)) {
					t.Errorf("looking up %q found a citizen of the sociaalhuis:\n%s", q, r.body)
				}
			}

			page := c.get(t, citizenURL(cz.jan))
			for _, want := range []string{"<h1>Jan Peeters</h1>", "jan.peeters@example.be", "0470 12 34 56",
				`href="/dossiers/` + cz.janMail + `"`, `href="/dossiers/` + cz.janPhone + `"`,
				"Losliggende stoeptegel Dorpsstraat", "Vraag over de afvalkalender", "<td>telefoon</td>", "<td>e-mail</td>"} {
				if !strings.Contains(page.body, want) {
					t.Errorf("the citizen page lacks %q", want)
				}
			}
			if strings.Contains(page.body, "exporteren") {
				t.Error("the citizen page offers onthaal the export")
			}
			for _, path := range []string{citizenURL(cz.sofie), "/burgers/999999", "/burgers/nul"} {
				if r := c.get(t, path); r.status != http.StatusNotFound || strings.Contains(r.body, "Sofie") {
					t.Errorf("GET %s = %d, want 404", path, r.status)
				}
			}

			searches := accessLog(t, e.st, store.AccessFilter{Action: store.AccessSearch, Limit: 100})
			if len(searches) != 9 || searches[len(searches)-1].Detail != "burgers zoeken: q=Peeters (1 resultaten)" ||
				searches[0].Detail != "burgers zoeken: q=Kerkstraat (0 resultaten)" {
				t.Errorf("logged look-ups: %+v", searches)
			}
			for _, en := range searches {
				if en.Domain != "gemeente" {
					t.Errorf("look-up logged in %s", en.Domain)
				}
			}
			if views := accessLog(t, e.st, store.AccessFilter{Action: store.AccessViewCitizen}); len(views) != 1 ||
				views[0].ContactID != cz.jan || views[0].Domain != "gemeente" || views[0].Actor != "mieke" {
				t.Errorf("logged views: %+v", views)
			}
		})
	}
}

// TestCitizenExport: a beheerder exports everything about a citizen as a
// zip file, with a reason, logged; others may not.
func TestCitizenExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	cz := seedCitizens(t, e.st)
	admin := e.login(t, "jan", auth.RoleBeheerder, "", "gemeente")
	if page := admin.get(t, citizenURL(cz.jan)).body; !strings.Contains(page, `action="`+citizenURL(cz.jan)+`/export"`) {
		t.Errorf("the citizen page does not offer a beheerder the export:\n%s", page)
	}
	r := admin.follow(t, citizenURL(cz.jan)+"/export", url.Values{"reden": {" "}})
	if !strings.Contains(r.body, "Geef een reden op voor de export") {
		t.Errorf("an export without a reason:\n%s", r.body)
	}
	r = admin.post(t, citizenURL(cz.jan)+"/export", url.Values{"reden": {"inzageverzoek van de burger"}})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(r.header.Get("Content-Disposition"), "burger-"+itoa(cz.jan)+".zip") {
		t.Fatalf("export = %d %v", r.status, r.header)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if !strings.Contains(strings.Join(names, " "), "export.json") {
		t.Errorf("the export holds %v", names)
	}
	log := accessLog(t, e.st, store.AccessFilter{Action: store.AccessExport})
	if len(log) != 1 || log[0].ContactID != cz.jan || log[0].Reason != "inzageverzoek van de burger" ||
		!strings.Contains(log[0].Detail, cz.janMail) || !strings.HasPrefix(log[0].Detail, "zip: 2 berichten") {
		t.Errorf("logged export: %+v", log)
	}
	if r := admin.post(t, citizenURL(cz.sofie)+"/export", url.Values{"reden": {"x"}}); r.status != http.StatusNotFound {
		t.Errorf("export of another domain's citizen = %d, want 404", r.status)
	}
	if r := e.login(t, "els", auth.RoleBehandelaar, "", "gemeente").post(t, citizenURL(cz.jan)+"/export", url.Values{"reden": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("export by a behandelaar = %d, want 403", r.status)
	}
}
