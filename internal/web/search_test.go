package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// hitRefs are the case references the results of a search page link, in
// order.
func hitRefs(body string) []string {
	var refs []string
	for _, part := range strings.Split(body, `<p class="hit-case">Dossier <a href="/dossiers/`)[1:] {
		refs = append(refs, part[:strings.IndexAny(part, "#\"")])
	}
	return refs
}

// TestSearch searches as a member of staff of the gemeente: words in the
// subject, text, sender, reference and attachment names, the filters, the
// pages of results; results link their case, snippets are escaped, nothing
// of the sociaalhuis is ever found, and every search is in the access log.
func TestSearch(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, kind)
			f := e.refs
			cz := seedCitizens(t, e.st)
			litter(t, e.st, 25)
			c := e.login(t, "els", auth.RoleBehandelaar, "openbare-werken", "gemeente")

			if r := c.get(t, "/zoeken"); r.status != http.StatusOK || strings.Contains(r.body, `id="resultaten"`) {
				t.Errorf("the empty form searched: %d\n%s", r.status, r.body)
			}
			if log := accessLog(t, e.st, store.AccessFilter{}); len(log) != 0 {
				t.Errorf("the empty form was logged: %+v", log)
			}

			for _, tc := range []struct {
				name  string
				query string
				want  []string // the refs found, in any order
			}{
				{"word in the subject", "q=straatlamp", []string{f.streetlight}},
				{"word in the text", "q=PMD-zak", []string{f.waste}},
				{"sender", "q=Marie+Claes", []string{f.waste, f.waste}},
				{"reference", "q=" + f.pavement, []string{f.pavement}},
				{"attachment name", "q=foto&kanaal=email&type=melding&dienst=openbare-werken", []string{f.streetlight, f.unsafe}},
				{"channel", "kanaal=phone", []string{cz.janPhone}},
				{"department", "q=Dorpsstraat&dienst=milieu", []string{cz.janPhone}},
				{"type", "type=klacht", []string{f.complaint}},
				{"status", "status=afgesloten", []string{f.complaint}},
				{"period", "van=2026-03-01&tot=2026-03-02", []string{f.complaint}},
				{"period excludes", "q=wachttijd&van=2026-03-03", nil},
				{"another domain's words", "q=Geheim-Sociaal", nil},
				{"another domain's citizen", "q=Janssens", nil},
				{"another domain asked for", "q=leefloon&domein=sociaalhuis", nil},
				{"another domain's channel", "kanaal=counter", nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := c.get(t, "/zoeken?"+tc.query)
					if r.status != http.StatusOK {
						t.Fatalf("GET /zoeken?%s = %d\n%s", tc.query, r.status, r.body)
					}
					got := hitRefs(r.body)
					if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tc.want))) {
						t.Errorf("found %v, want %v", got, tc.want)
					}
					results := section(t, r.body, "resultaten")
					for _, s := range socialSecrets {
						if strings.Contains(results, s) {
							t.Errorf("the results show %q of the sociaalhuis", s)
						}
					}
					if tc.want == nil && !strings.Contains(r.body, "Geen berichten gevonden.") && !strings.Contains(r.body, `<span class="count">(0)</span>`) {
						t.Errorf("no results, but the page does not say so:\n%s", r.body)
					}
				})
			}

			// A result: the subject and snippet marked and escaped, linked to
			// the message in its case.
			r := c.get(t, "/zoeken?q=Dorpsstraat+gevaarlijk")
			for _, want := range []string{
				`<a href="/dossiers/` + cz.janMail + `#bericht-`,
				`stoeptegel <mark>Dorpsstraat</mark></a>`,
				`alert(&#34;xss&#34;)`,
				`van Jan Peeters &lt;jan.peeters@example.be&gt;`,
			} {
				if !strings.Contains(r.body, want) {
					t.Errorf("the result lacks %q:\n%s", want, r.body)
				}
			}
			if strings.Contains(r.body, "<script") || strings.Contains(r.body, "<b>") || strings.Contains(r.body, "<img") {
				t.Errorf("the result holds the message's markup unescaped:\n%s", r.body)
			}

			// Pages of 20.
			first := c.get(t, "/zoeken?q=zwerfvuil")
			if n := len(hitRefs(first.body)); n != 20 || !strings.Contains(first.body, "Resultaat 1 tot 20.") ||
				!strings.Contains(first.body, `href="/zoeken?pagina=2&amp;q=zwerfvuil" rel="next"`) {
				t.Fatalf("first page: %d results\n%s", n, first.body)
			}
			second := c.get(t, "/zoeken?q=zwerfvuil&pagina=2")
			if n := len(hitRefs(second.body)); n != 5 || strings.Contains(second.body, `rel="next"`) ||
				!strings.Contains(second.body, `rel="prev"`) || !strings.Contains(second.body, "Resultaat 21 tot 25.") {
				t.Errorf("second page: %d results\n%s", n, second.body)
			}

			// What cannot be searched for.
			for _, q := range []string{"van=gisteren", "tot=2026-13-01", "q=" + strings.Repeat("a", 201)} {
				if r := c.get(t, "/zoeken?"+q); r.status != http.StatusBadRequest || !strings.Contains(r.body, `class="flash fout"`) {
					t.Errorf("GET /zoeken?%s = %d, want 400 with the problem", q[:min(len(q), 20)], r.status)
				}
			}

			// Every search is in the access log, in the gemeente only, with
			// the query and the number of results.
			log := accessLog(t, e.st, store.AccessFilter{Actor: "els", Action: store.AccessSearch, Limit: 1000})
			if len(log) != 17 { // not the bad ones, nor the one in another domain
				t.Errorf("%d searches logged, want 17", len(log))
			}
			for _, en := range log {
				if en.Domain != "gemeente" || !strings.HasPrefix(en.Detail, "berichten zoeken: ") {
					t.Errorf("logged search %+v", en)
				}
			}
			if want := "berichten zoeken: pagina=2&q=zwerfvuil (5 resultaten)"; log[0].Detail != want {
				t.Errorf("last search logged as %q, want %q", log[0].Detail, want)
			}
		})
	}
}

// litter adds n reports of litter in the gemeente, each its own case, a
// minute apart.
func litter(t testing.TB, st store.Store, n int) {
	t.Helper()
	ctx := t.Context()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	ncs := make([]store.NewCase, n)
	for i := range ncs {
		ncs[i] = store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: fmt.Sprintf("Zwerfvuil %d", i+1),
			Channel: "eloket", OpenedAt: now.Add(-time.Duration(i) * time.Minute), Department: "milieu"}
	}
	refs, err := tx.CreateCases(ctx, ncs)
	if err != nil {
		t.Fatal(err)
	}
	ms := make([]*store.Message, n)
	for i := range ms {
		at := ncs[i].OpenedAt
		ms[i] = &store.Message{EventID: "litter-" + refs[i].Ref, CaseID: refs[i].ID, Channel: "eloket", Direction: "incoming", Inbox: "eloket",
			Domain: "gemeente", ExternalID: "litter-" + refs[i].Ref, Subject: ncs[i].Subject, Text: "Zwerfvuil langs de weg.",
			EventTime: at, StoredAt: at, ReceivedAt: &at, Event: []byte(`{}`)}
	}
	if err := tx.InsertMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}
