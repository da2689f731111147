package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/intake"
	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

// TestAPIAccess calls every API route as every combination of role and
// domain, anonymously, with a wrong token and with a session but without
// its CSRF token: each gets what it may, and nothing of a domain a caller
// may not see leaks into an answer.
func TestAPIAccess(t *testing.T) {
	t.Parallel()
	st, log := openStore(t)
	opened := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	secret := map[string]string{"gemeente": "Geheim-Gemeente-Onderwerp", "sociaalhuis": "Geheim-Sociaal-Onderwerp"}
	refs := seedCases(t, st, opened, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Subject: secret["gemeente"], OpenedAt: opened},
		{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Type: "klacht", Subject: secret["sociaalhuis"], OpenedAt: opened},
	}, []int{2, 2})
	caseOf := map[string]string{"gemeente": refs[0].Ref, "sociaalhuis": refs[1].Ref}
	srv := newServer(t, st, log, casework.Options{})
	// A quarantined item (id 1) whose payload is of the sociaalhuis, and a
	// bus to retry it on.
	seedQuarantine(t, st, `{"data":{"domain":"sociaalhuis","subject":"`+secret["sociaalhuis"]+`"}}`)
	srv.api.WithRepublisher(intake.New(natstest.Connect(t, natstest.Start(t))))
	routes := srv.api.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes", len(routes))
	}
	path := func(rt api.Route, ref string) string {
		p := strings.ReplaceAll(rt.Path, "{ref}", ref)
		if strings.HasPrefix(p, "/api/v1/intake/") {
			p = strings.ReplaceAll(p, "{id}", ref+"-0") // the event id of the case's first message
		}
		p = strings.ReplaceAll(p, "{id}", "1")
		if strings.HasSuffix(p, "/reports/complaints") {
			p += "?year=2026"
		}
		return srv.URL + p
	}
	body := func(rt api.Route) any {
		if rt.Method == http.MethodPost {
			return map[string]any{}
		}
		return nil
	}
	snapshot := func() string {
		var b strings.Builder
		for _, ref := range refs {
			d, err := st.GetCase(t.Context(), ref.Ref)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(d.Status + d.Type + d.Assignee)
			for _, e := range d.Timeline {
				b.WriteString(e.Kind)
			}
		}
		return b.String()
	}
	before := snapshot()

	t.Run("anonymous and wrong token", func(t *testing.T) {
		for _, c := range map[string]*http.Client{"anonymous": srv.client(""), "wrong token": srv.client("mpt_" + strings.Repeat("A", 43))} {
			for _, rt := range routes {
				code, b := do(t, c, rt.Method, path(rt, caseOf["gemeente"]), body(rt))
				want := http.StatusUnauthorized
				if rt.Public {
					want = http.StatusOK // the OpenAPI document
				}
				if code != want {
					t.Errorf("%s %s = %d %s, want %d", rt.Method, rt.Path, code, b, want)
				}
			}
		}
	})

	domainSets := [][]string{{"gemeente"}, {"sociaalhuis"}, {"gemeente", "sociaalhuis"}}
	for _, role := range auth.Roles() {
		for _, domains := range domainSets {
			name := string(role) + "/" + strings.Join(domains, "+")
			t.Run(name, func(t *testing.T) {
				c := srv.client(srv.token(t, string(role), domains...))
				p := auth.Principal{Roles: []auth.Role{role}, Domains: domains}
				for _, rt := range routes {
					for _, domain := range []string{"gemeente", "sociaalhuis"} {
						code, b := do(t, c, rt.Method, path(rt, caseOf[domain]), body(rt))
						switch {
						case rt.Public:
							if code != http.StatusOK {
								t.Errorf("%s %s = %d, want 200", rt.Method, rt.Path, code)
							}
						case !p.HasRole(rt.Role):
							if code != http.StatusForbidden {
								t.Errorf("%s %s (%s case) = %d, want 403", rt.Method, rt.Path, domain, code)
							}
						case strings.Contains(rt.Path, "{ref}") && !p.CanSeeDomain(domain):
							if code != http.StatusNotFound {
								t.Errorf("%s %s on a %s case = %d %s, want 404", rt.Method, rt.Path, domain, code, b)
							}
						default:
							if code == http.StatusUnauthorized || code == http.StatusForbidden || code >= 500 {
								t.Errorf("%s %s (%s case) = %d %s", rt.Method, rt.Path, domain, code, b)
							}
						}
						for d, s := range secret {
							if !p.CanSeeDomain(d) && (strings.Contains(string(b), s) || (d != domain && strings.Contains(string(b), caseOf[d]))) {
								t.Errorf("%s %s leaks the %s case: %s", rt.Method, rt.Path, d, b)
							}
						}
					}
				}
			})
		}
	}

	// Refused and malformed requests changed nothing.
	if after := snapshot(); after != before {
		t.Errorf("cases changed by refused requests:\n%s\n%s", before, after)
	}

	t.Run("session without CSRF token", func(t *testing.T) {
		ns := srv.session(t, "jan", "beheerder", "gemeente", "sociaalhuis")
		for _, rt := range routes {
			for _, csrf := range []string{"", "wrong"} {
				req, err := http.NewRequestWithContext(t.Context(), rt.Method, path(rt, caseOf["gemeente"]), strings.NewReader(`{"text":"x"}`))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(api.ReasonHeader, "toegangstest") // sociaalhuis data needs one
				req.AddCookie(&http.Cookie{Name: auth.SessionCookieName, Value: ns.Value})
				if csrf != "" {
					req.Header.Set(auth.CSRFHeader, csrf)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				want := http.StatusForbidden
				if rt.Method == http.MethodGet {
					want = http.StatusOK // reading needs no CSRF token
					if strings.HasPrefix(rt.Path, "/api/v1/citizens/{id}") {
						want = http.StatusNotFound // there is no citizen 1
					}
				}
				if resp.StatusCode != want {
					t.Errorf("%s %s with a session, CSRF token %q = %d, want %d", rt.Method, rt.Path, csrf, resp.StatusCode, want)
				}
			}
		}
		// With the token, the session works.
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/v1/cases/"+caseOf["gemeente"]+"/notes", strings.NewReader(`{"text":"via sessie"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(auth.CSRFHeader, ns.CSRF)
		req.AddCookie(&http.Cookie{Name: auth.SessionCookieName, Value: ns.Value})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("note with session and CSRF token = %d", resp.StatusCode)
		}
	})
}
