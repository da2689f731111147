package auth_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// whoami answers who the request is from, and its CSRF token.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		fmt.Fprint(w, "anoniem")
		return
	}
	fmt.Fprintf(w, "%s %s %s csrf=%t", p.Kind, p.Actor(), p.Role(), auth.CSRFToken(r.Context()) != "")
})

func TestMiddleware(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		svc := newService(t, st, newClock(), auth.Options{})
		addUser(t, svc, "an", auth.RoleBehandelaar, auth.DomainGemeente)
		ns, err := svc.NewSession(ctx, "an")
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := svc.CreateToken(ctx, auth.NewToken{Name: "koppeling", Roles: []string{"onthaal"}, Domains: []string{"gemeente"}})
		if err != nil {
			t.Fatal(err)
		}
		h := auth.Middleware(svc)(whoami)
		cookie := &http.Cookie{Name: auth.SessionCookieName, Value: ns.Value}

		for _, tc := range []struct {
			name     string
			method   string
			header   map[string]string
			cookie   *http.Cookie
			body     string
			wantCode int
			wantBody string
		}{
			{"nothing", "GET", nil, nil, "", 200, "anoniem"},
			{"token", "GET", map[string]string{"Authorization": "Bearer " + secret}, nil, "", 200, "integration integratie:koppeling onthaal csrf=false"},
			{"token POST needs no CSRF", "POST", map[string]string{"Authorization": "Bearer " + secret}, nil, "", 200, "integration integratie:koppeling onthaal"},
			{"unknown token", "GET", map[string]string{"Authorization": "Bearer mpt_" + strings.Repeat("A", 43)}, nil, "", 200, "anoniem"},
			{"other scheme", "GET", map[string]string{"Authorization": "Basic YW46eA=="}, cookie, "", 200, "anoniem"},
			{"cookie", "GET", nil, cookie, "", 200, "user an behandelaar csrf=true"},
			{"cookie HEAD", "HEAD", nil, cookie, "", 200, ""},
			{"cookie POST without CSRF", "POST", nil, cookie, "", 403, "CSRF"},
			{"cookie DELETE without CSRF", "DELETE", nil, cookie, "", 403, "CSRF"},
			{"cookie POST wrong CSRF", "POST", map[string]string{auth.CSRFHeader: ns.CSRF + "x"}, cookie, "", 403, "CSRF"},
			{"cookie POST CSRF header", "POST", map[string]string{auth.CSRFHeader: ns.CSRF}, cookie, "", 200, "user an"},
			{"cookie PATCH CSRF header", "PATCH", map[string]string{auth.CSRFHeader: ns.CSRF}, cookie, "", 200, "user an"},
			{"cookie POST CSRF form", "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, cookie,
				url.Values{auth.CSRFFormField: {ns.CSRF}, "note": {"ok"}}.Encode(), 200, "user an"},
			{"cookie POST CSRF in JSON body", "POST", map[string]string{"Content-Type": "application/json"}, cookie,
				`{"csrf_token":"` + ns.CSRF + `"}`, 403, "CSRF"},
			{"bad cookie", "GET", nil, &http.Cookie{Name: auth.SessionCookieName, Value: "vals"}, "", 200, "anoniem"},
			{"cross-site POST with CSRF", "POST", map[string]string{auth.CSRFHeader: ns.CSRF, "Sec-Fetch-Site": "cross-site"}, cookie, "", 403, "andere website"},
			{"cross-site login form", "POST", map[string]string{"Origin": "https://evil.example"}, nil, "", 403, "andere website"},
			{"same-origin login form", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, nil, "", 200, "anoniem"},
			{"cross-site GET", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, cookie, "", 200, "user an"},
			{"cross-site token POST", "POST", map[string]string{"Authorization": "Bearer " + secret, "Sec-Fetch-Site": "cross-site"}, nil, "", 200, "integration"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req := httptest.NewRequestWithContext(ctx, tc.method, "/dossiers", strings.NewReader(tc.body))
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				if tc.cookie != nil {
					req.AddCookie(tc.cookie)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != tc.wantCode || !strings.Contains(rec.Body.String(), tc.wantBody) {
					t.Errorf("%s %s = %d %q, want %d containing %q", tc.method, tc.name, rec.Code, rec.Body, tc.wantCode, tc.wantBody)
				}
			})
		}

		// An invalid cookie is cleared.
		req := httptest.NewRequestWithContext(ctx, "GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: auth.SessionCookieName, Value: strings.Repeat("A", 43)})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if c := rec.Result().Cookies(); len(c) != 1 || c[0].Name != auth.SessionCookieName || c[0].MaxAge >= 0 {
			t.Errorf("cookies after an unknown session: %v, want the session cookie cleared", c)
		}
	})
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		insecure bool
	}{{"secure", false}, {"plain http on localhost", true}} {
		svc := newService(t, nil, newClock(), auth.Options{InsecureCookie: tc.insecure})
		rec := httptest.NewRecorder()
		svc.SetSessionCookie(rec, auth.Session{Value: "waarde"})
		c := rec.Result().Cookies()
		if len(c) != 1 {
			t.Fatalf("%s: cookies %v", tc.name, c)
		}
		if c[0].Name != "meldpunt_session" || c[0].Value != "waarde" || c[0].Path != "/" || !c[0].HttpOnly ||
			c[0].SameSite != http.SameSiteLaxMode || c[0].Secure == tc.insecure || c[0].MaxAge != 0 || !c[0].Expires.IsZero() {
			t.Errorf("%s: cookie %+v", tc.name, c[0])
		}
	}
}

func TestRequireAPI(t *testing.T) {
	t.Parallel()
	h := auth.RequireAPI(auth.RoleBehandelaar)(whoami)
	for _, tc := range []struct {
		name     string
		p        *auth.Principal
		wantCode int
	}{
		{"anonymous", nil, 401},
		{"onthaal", &auth.Principal{Kind: auth.KindUser, Username: "an", Roles: []auth.Role{auth.RoleOnthaal}}, 403},
		{"behandelaar", &auth.Principal{Kind: auth.KindUser, Username: "an", Roles: []auth.Role{auth.RoleBehandelaar}}, 200},
		{"beheerder", &auth.Principal{Kind: auth.KindUser, Username: "an", Roles: []auth.Role{auth.RoleBeheerder}}, 200},
	} {
		req := httptest.NewRequest("GET", "/api/v1/cases", nil)
		if tc.p != nil {
			req = req.WithContext(auth.WithPrincipal(req.Context(), *tc.p))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.wantCode {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.wantCode)
		}
		if rec.Code >= 400 {
			var body struct{ Error string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" ||
				!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("%s: body %q, want a JSON error", tc.name, rec.Body)
			}
		}
		if tc.wantCode == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: no WWW-Authenticate: Bearer", tc.name)
		}
	}
}

func TestRequireUI(t *testing.T) {
	t.Parallel()
	h := auth.RequireUI("/aanmelden", auth.RoleOnthaal)(whoami)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/dossiers?status=nieuw", nil))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/aanmelden?next=%2Fdossiers%3Fstatus%3Dnieuw" {
		t.Errorf("GET without a session: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/dossiers", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/beheer", nil)
	h = auth.RequireUI("/aanmelden", auth.RoleBeheerder)(whoami)
	h.ServeHTTP(rec, req.WithContext(auth.WithPrincipal(req.Context(), auth.Principal{Roles: []auth.Role{auth.RoleBehandelaar}})))
	if rec.Code != http.StatusForbidden {
		t.Errorf("behandelaar on a beheerder page: %d", rec.Code)
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/dossiers?status=nieuw", "/dossiers?status=nieuw"},
		{"", "/"},
		{"//evil.example/x", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"dossiers", "/"},
	} {
		if got := auth.SafeNext(tc.in); got != tc.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
