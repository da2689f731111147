package auth_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/testutil/oidcfake"
)

// The Entra ID app roles and a group object id of the tests.
const (
	groupGemeente = "5f1c2b7e-9a43-4d1e-8c6b-2a7d0e3f9b11"
)

func oidcMapping() (map[string]auth.Role, map[string]string) {
	return map[string]auth.Role{
			"Meldpunt.Onthaal":     auth.RoleOnthaal,
			"Meldpunt.Behandelaar": auth.RoleBehandelaar,
			"Meldpunt.Beheerder":   auth.RoleBeheerder,
		}, map[string]string{
			"Meldpunt.Sociaalhuis": auth.DomainSociaalhuis,
			groupGemeente:          auth.DomainGemeente,
		}
}

// oidcEnv is a registry web server with the OpenID Connect sign-in, a
// provider, and a browser.
type oidcEnv struct {
	logs    *logBuffer
	st      store.Store
	svc     *auth.Service
	clock   *clock
	idp     *oidcfake.Server
	oidc    *auth.OIDC
	app     *httptest.Server
	browser *http.Client
}

// newOIDCEnv starts an environment; change adjusts the sign-in's
// configuration, down starts it with the provider unreachable.
func newOIDCEnv(t *testing.T, st store.Store, down bool, change func(*auth.OIDCConfig)) *oidcEnv {
	t.Helper()
	e := &oidcEnv{st: st, clock: newClock(), logs: &logBuffer{}}
	// The test server speaks plain HTTP.
	e.svc = newService(t, st, e.clock, auth.Options{InsecureCookie: true,
		Log: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "startpagina") })
	mux.HandleFunc("GET /aanmelden", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "aanmeldpagina") })
	mux.HandleFunc("GET /wie", func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			http.Error(w, "niet aangemeld", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(p)
	})
	e.app = httptest.NewServer(auth.Middleware(e.svc)(mux))
	t.Cleanup(e.app.Close)

	e.idp = oidcfake.Start(t, oidcfake.Options{
		RedirectURIs: []string{e.app.URL + auth.OIDCCallbackPath},
		Now:          e.clock.Now,
	})
	e.idp.SetDown(down)
	roles, domains := oidcMapping()
	cfg := auth.OIDCConfig{
		Issuer:       e.idp.URL,
		ClientID:     e.idp.ClientID(),
		ClientSecret: e.idp.ClientSecret(),
		RedirectURL:  e.app.URL + auth.OIDCCallbackPath,
		Roles:        roles,
		Domains:      domains,
	}
	if change != nil {
		change(&cfg)
	}
	o, err := auth.NewOIDC(t.Context(), e.svc, cfg)
	if err != nil {
		t.Fatalf("NewOIDC: %v", err)
	}
	e.oidc = o
	o.Register(mux)
	e.newBrowser(t)
	return e
}

// logBuffer collects what the Service logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns what was logged since the last take.
func (b *logBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// newBrowser gives the environment a browser without cookies.
func (e *oidcEnv) newBrowser(t *testing.T) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	e.browser = &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// get fetches path of the app (or a full URL) in the browser, following
// redirects, and returns the last status, body and URL.
func (e *oidcEnv) get(t *testing.T, target string) (int, string, *url.URL) {
	t.Helper()
	if strings.HasPrefix(target, "/") {
		target = e.app.URL + target
	}
	resp, err := e.browser.Get(target)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Request.URL
}

// signIn signs the browser in through the provider, coming back to next.
func (e *oidcEnv) signIn(t *testing.T, next string) (int, string, *url.URL) {
	t.Helper()
	return e.get(t, auth.OIDCLoginPath+"?next="+url.QueryEscape(next))
}

// whoami returns the Principal of the browser's session, and false when
// it has none.
func (e *oidcEnv) whoami(t *testing.T) (auth.Principal, bool) {
	t.Helper()
	status, body, _ := e.get(t, "/wie")
	if status == http.StatusUnauthorized {
		return auth.Principal{}, false
	}
	if status != http.StatusOK {
		t.Fatalf("GET /wie: %d %s", status, body)
	}
	var p auth.Principal
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	return p, true
}

func (e *oidcEnv) sessionCookie() string {
	u, _ := url.Parse(e.app.URL)
	for _, c := range e.browser.Jar.Cookies(u) {
		if c.Name == auth.SessionCookieName {
			return c.Value
		}
	}
	return ""
}

// entraUser is a user as Microsoft Entra ID describes them in an ID token.
func entraUser(upn string, roles []string, groups ...string) *oidcfake.User {
	claims := map[string]any{
		"preferred_username": upn,
		"name":               "An Peeters",
		"email":              strings.ToLower(upn),
		"oid":                "0e7d4a1c-3b2f-4c5d-9e8f-7a6b5c4d3e2f",
		"tid":                "9188040d-6c67-4c5b-b112-36a304b66dad",
		"ver":                "2.0",
		"roles":              roles,
	}
	if len(groups) > 0 {
		claims["groups"] = groups
	}
	return &oidcfake.User{Subject: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", Claims: claims}
}

func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := newOIDCEnv(t, st, false, func(c *auth.OIDCConfig) {
			c.DepartmentClaim = "department"
			c.Departments = map[string]string{"Dienst Wegen en Groen": "wegen"}
		})
		u := entraUser("An.Peeters@Gemeente.be", []string{"Meldpunt.Behandelaar", "Meldpunt.Sociaalhuis", "Andere.App"}, groupGemeente, "0000-not-mapped")
		u.Claims["department"] = "Dienst Wegen en Groen"
		e.idp.SetUser(u)

		status, body, final := e.signIn(t, "/wie?tab=dossiers")
		if status != http.StatusOK || final.Path != "/wie" || final.RawQuery != "tab=dossiers" {
			t.Fatalf("sign-in ended at %s with %d: %s", final, status, body)
		}
		q := e.idp.LastAuthorization()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
			t.Errorf("authorization request without PKCE, nonce or state: %v", q)
		}
		if got := strings.Fields(q.Get("scope")); !slices.Equal(got, []string{"openid", "profile", "email"}) {
			t.Errorf("scopes %v", got)
		}
		p, ok := e.whoami(t)
		if !ok {
			t.Fatal("no session after the sign-in")
		}
		if p.Username != "an.peeters@gemeente.be" || p.DisplayName != "An Peeters" || p.Kind != auth.KindUser || p.Department != "wegen" {
			t.Errorf("principal %+v", p)
		}
		if !slices.Equal(p.Roles, []auth.Role{auth.RoleBehandelaar}) || !slices.Equal(p.Domains, []string{"gemeente", "sociaalhuis"}) {
			t.Errorf("roles %v, domains %v", p.Roles, p.Domains)
		}
		stored, err := st.GetUser(t.Context(), "an.peeters@gemeente.be")
		if err != nil {
			t.Fatal(err)
		}
		if stored.PasswordHash != "" || stored.Email != "an.peeters@gemeente.be" || stored.Disabled {
			t.Errorf("stored user %+v", stored)
		}
		// A local login is impossible without a password.
		if _, err := e.svc.Login(t.Context(), "an.peeters@gemeente.be", "", "192.0.2.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("local login of an OpenID Connect user: %v", err)
		}
		firstSession := e.sessionCookie()

		// The beheerder of the tenant changes the app roles and groups.
		u = entraUser("an.peeters@gemeente.be", []string{"Meldpunt.Onthaal"})
		u.Claims["name"] = "An Peeters-Janssens"
		e.idp.SetUser(u)
		e.clock.Advance(time.Hour)
		if status, body, final := e.signIn(t, "/wie"); status != http.StatusOK || final.Path != "/wie" {
			t.Fatalf("second sign-in ended at %s with %d: %s", final, status, body)
		}
		p, _ = e.whoami(t)
		if !slices.Equal(p.Roles, []auth.Role{auth.RoleOnthaal}) || len(p.Domains) != 0 || p.DisplayName != "An Peeters-Janssens" || p.Department != "" {
			t.Errorf("after the change at the provider: %+v", p)
		}
		if _, _, err := e.svc.SessionPrincipal(t.Context(), firstSession); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("the session before the second sign-in still works: %v", err)
		}
		if n := e.idp.TokensSent(); n != 2 {
			t.Errorf("%d ID tokens sent, want 2", n)
		}

		// Removed from every meldpunt role at the provider: the sign-in is
		// refused and the stored user is disabled, so the session and any
		// token of theirs stop working too.
		secondSession := e.sessionCookie()
		e.idp.SetUser(entraUser("an.peeters@gemeente.be", []string{"Andere.App"}))
		if status, _, _ := e.signIn(t, "/wie"); status != http.StatusForbidden {
			t.Errorf("sign-in without a role = %d, want 403", status)
		}
		if stored, err := st.GetUser(t.Context(), "an.peeters@gemeente.be"); err != nil || !stored.Disabled {
			t.Errorf("user without a role at the provider: %+v, %v; want disabled", stored, err)
		}
		if _, _, err := e.svc.SessionPrincipal(t.Context(), secondSession); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("the session of a user without roles still works: %v", err)
		}
	})
}

// TestOIDCKeepsLocalGrants: without a department claim the department a
// beheerder set stays; a local password stays as well.
func TestOIDCKeepsLocalGrants(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := newOIDCEnv(t, st, false, nil)
		if _, err := e.svc.AddUser(t.Context(), store.User{Username: "jan@gemeente.be", DisplayName: "Jan", Department: "burgerzaken",
			Roles: []string{"beheerder"}, Domains: []string{"gemeente"}}, password); err != nil {
			t.Fatal(err)
		}
		e.idp.SetUser(entraUser("Jan@gemeente.be", []string{"Meldpunt.Onthaal", "Meldpunt.Sociaalhuis"}))
		if status, body, _ := e.signIn(t, "/"); status != http.StatusOK || body != "startpagina" {
			t.Fatalf("sign-in: %d %s", status, body)
		}
		p, _ := e.whoami(t)
		if p.Department != "burgerzaken" || !slices.Equal(p.Roles, []auth.Role{auth.RoleOnthaal}) || !slices.Equal(p.Domains, []string{"sociaalhuis"}) {
			t.Errorf("principal %+v", p)
		}
		if _, err := e.svc.Login(t.Context(), "jan@gemeente.be", password, "192.0.2.1"); err != nil {
			t.Errorf("the local password no longer works: %v", err)
		}
	})
}

// reencode returns the ID token with its claims changed but the signature
// kept.
func reencode(t *testing.T, token string, change func(map[string]any)) string {
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Error(err)
		return token
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Error(err)
		return token
	}
	change(claims)
	payload, _ = json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func TestOIDCRefused(t *testing.T) {
	t.Parallel()
	const (
		refused  = "Je aanmelding kon niet gecontroleerd worden"
		noAccess = "Je account heeft geen toegang tot meldpunt. Vraag een rol aan bij de beheerder."
	)
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := newOIDCEnv(t, st, false, nil)
		tests := []struct {
			name       string
			user       *oidcfake.User
			claims     func(t *testing.T, c map[string]any, now time.Time)
			token      func(t *testing.T, token string) string
			wantLog    string
			wantStatus int
			wantText   string
		}{
			{
				name: "tampered ID token",
				user: entraUser("piet@gemeente.be", []string{"Meldpunt.Onthaal"}),
				token: func(t *testing.T, tok string) string {
					return reencode(t, tok, func(c map[string]any) { c["roles"] = []string{"Meldpunt.Beheerder"} })
				},
				wantLog:    "failed to verify signature",
				wantStatus: http.StatusForbidden, wantText: refused,
			},
			{
				name: "unsigned ID token",
				user: entraUser("piet@gemeente.be", []string{"Meldpunt.Onthaal"}),
				token: func(t *testing.T, tok string) string {
					parts := strings.Split(tok, ".")
					return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
				},
				wantLog:    "malformed jwt",
				wantStatus: http.StatusForbidden, wantText: refused,
			},
			{
				name: "expired ID token",
				user: entraUser("piet@gemeente.be", []string{"Meldpunt.Onthaal"}),
				claims: func(t *testing.T, c map[string]any, now time.Time) {
					c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
				},
				wantLog:    "token is expired",
				wantStatus: http.StatusForbidden, wantText: refused,
			},
			{
				name:       "wrong audience",
				user:       entraUser("piet@gemeente.be", []string{"Meldpunt.Onthaal"}),
				claims:     func(t *testing.T, c map[string]any, now time.Time) { c["aud"] = "11111111-2222-3333-4444-555555555555" },
				wantLog:    "expected audience",
				wantStatus: http.StatusForbidden, wantText: refused,
			},
			{
				name: "several audiences, authorized party another client",
				user: entraUser("piet@gemeente.be", []string{"Meldpunt.Onthaal"}),
				claims: func(t *testing.T, c map[string]any, now time.Time) {
					c["aud"] = []any{c["aud"], "11111111-2222-3333-4444-555555555555"}
					c["azp"] = "11111111-2222-3333-4444-555555555555"
				},
				wantLog:    "several audiences",
				wantStatus: http.StatusForbidden, wantText: refused,
			},
			{
				name: "wrong issuer",
				user: entraUser("piet@gemeente.be", []string{"Meldpunt.Onthaal"}),
				claims: func(t *testing.T, c map[string]any, now time.Time) {
					c["iss"] = "https://login.microsoftonline.com/other-tenant/v2.0"
				},
				wantLog:    "issued by a different provider",
				wantStatus: http.StatusForbidden, wantText: refused,
			},
			{
				name:       "wrong nonce",
				user:       entraUser("piet@gemeente.be", []string{"Meldpunt.Onthaal"}),
				claims:     func(t *testing.T, c map[string]any, now time.Time) { c["nonce"] = "een-andere-nonce" },
				wantLog:    "wrong nonce",
				wantStatus: http.StatusForbidden, wantText: refused,
			},
			{
				name:       "no nonce",
				user:       entraUser("piet@gemeente.be", []string{"Meldpunt.Onthaal"}),
				claims:     func(t *testing.T, c map[string]any, now time.Time) { delete(c, "nonce") },
				wantLog:    "wrong nonce",
				wantStatus: http.StatusForbidden, wantText: refused,
			},
			{
				name:       "no mapped role",
				user:       entraUser("piet@gemeente.be", []string{"Andere.App", "Meldpunt.Sociaalhuis"}, groupGemeente),
				wantLog:    "no claim value maps to a meldpunt role",
				wantStatus: http.StatusForbidden, wantText: noAccess,
			},
			{
				name:       "no roles claim at all",
				user:       &oidcfake.User{Subject: "x", Claims: map[string]any{"preferred_username": "piet@gemeente.be"}},
				wantLog:    "no claim value maps to a meldpunt role",
				wantStatus: http.StatusForbidden, wantText: noAccess,
			},
			{
				name:       "username meldpunt cannot use",
				user:       entraUser("Piet Pieters", []string{"Meldpunt.Onthaal"}),
				wantLog:    "claim preferred_username",
				wantStatus: http.StatusForbidden, wantText: "de gebruikersnaam ontbreekt of bevat tekens",
			},
			{
				name:       "the provider refuses",
				wantLog:    "error=access_denied",
				wantStatus: http.StatusForbidden, wantText: "Aanmelden bij je organisatie is niet gelukt",
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.newBrowser(t)
				e.logs.take()
				e.idp.SetUser(tt.user)
				e.idp.SetClaimsHook(nil)
				e.idp.SetTokenHook(nil)
				if tt.claims != nil {
					e.idp.SetClaimsHook(func(c map[string]any) { tt.claims(t, c, e.clock.Now()) })
				}
				if tt.token != nil {
					e.idp.SetTokenHook(func(tok string) string { return tt.token(t, tok) })
				}
				status, body, final := e.signIn(t, "/wie")
				if status != tt.wantStatus || !strings.Contains(body, tt.wantText) || final.Path != auth.OIDCCallbackPath {
					t.Errorf("got %d at %s: %s\nwant %d with %q", status, final.Path, body, tt.wantStatus, tt.wantText)
				}
				if logs := e.logs.take(); !strings.Contains(logs, tt.wantLog) {
					t.Errorf("the log does not tell why (%q):\n%s", tt.wantLog, logs)
				}
				if p, ok := e.whoami(t); ok {
					t.Errorf("signed in as %+v", p)
				}
				if _, err := st.GetUser(t.Context(), "piet@gemeente.be"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("the refused user was stored: %v", err)
				}
			})
		}
	})
}

func TestOIDCDisabledUser(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := newOIDCEnv(t, st, false, nil)
		e.idp.SetUser(entraUser("an@gemeente.be", []string{"Meldpunt.Behandelaar"}))
		if status, _, _ := e.signIn(t, "/"); status != http.StatusOK {
			t.Fatalf("first sign-in: %d", status)
		}
		if err := e.svc.DisableUser(t.Context(), "an@gemeente.be"); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.whoami(t); ok {
			t.Fatal("the session of a disabled user still works")
		}
		e.idp.SetUser(entraUser("an@gemeente.be", []string{"Meldpunt.Beheerder", "Meldpunt.Sociaalhuis"}))
		status, body, _ := e.signIn(t, "/")
		if status != http.StatusForbidden || !strings.Contains(body, "Je account is uitgeschakeld in meldpunt") {
			t.Errorf("disabled user: %d %s", status, body)
		}
		if _, ok := e.whoami(t); ok {
			t.Error("a disabled user signed in")
		}
		u, err := st.GetUser(t.Context(), "an@gemeente.be")
		if err != nil {
			t.Fatal(err)
		}
		if !u.Disabled || !slices.Equal(u.Roles, []string{"behandelaar"}) || len(u.Domains) != 0 {
			t.Errorf("the provider changed a disabled user: %+v", u)
		}
	})
}

// noRedirects is a browser that stops at every redirect.
func noRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// step fetches target without following a redirect, and returns the
// response (closed) and where it redirects.
func step(t *testing.T, c *http.Client, target string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, resp.Header.Get("Location")
}

func TestOIDCState(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	e := newOIDCEnv(t, st, false, nil)
	e.idp.SetUser(entraUser("an@gemeente.be", []string{"Meldpunt.Onthaal"}))
	c := noRedirects(e.browser.Jar)

	// begin starts a sign-in and returns the callback URL the provider
	// sends the browser to.
	begin := func(t *testing.T) *url.URL {
		t.Helper()
		_, toIdP := step(t, c, e.app.URL+auth.OIDCLoginPath+"?next=/wie")
		resp, back := step(t, c, toIdP)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("provider answered %d", resp.StatusCode)
		}
		u, err := url.Parse(back)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	callback := func(t *testing.T, client *http.Client, u *url.URL) (int, string) {
		t.Helper()
		resp, err := client.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	withState := func(u *url.URL, state string) *url.URL {
		c := *u
		q := c.Query()
		q.Set("state", state)
		c.RawQuery = q.Encode()
		return &c
	}
	const stale = "Het aanmelden duurde te lang of werd onderbroken"

	t.Run("wrong state", func(t *testing.T) {
		back := begin(t)
		for _, state := range []string{"", "abc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", back.Query().Get("state") + "x"} {
			if status, body := callback(t, c, withState(back, state)); status != http.StatusBadRequest || !strings.Contains(body, stale) {
				t.Errorf("state %q: %d %s", state, status, body)
			}
		}
		// The right state still works: the code was not used.
		if status, body := callback(t, c, back); status != http.StatusSeeOther {
			t.Errorf("right state: %d %s", status, body)
		}
	})
	t.Run("replayed callback", func(t *testing.T) {
		back := begin(t)
		if status, _ := callback(t, c, back); status != http.StatusSeeOther {
			t.Fatalf("callback: %d", status)
		}
		if status, body := callback(t, c, back); status != http.StatusBadRequest || !strings.Contains(body, stale) {
			t.Errorf("replay: %d %s", status, body)
		}
	})
	t.Run("callback in another browser", func(t *testing.T) {
		back := begin(t)
		other := noRedirects(nil)
		if status, body := callback(t, other, back); status != http.StatusBadRequest || !strings.Contains(body, stale) {
			t.Errorf("other browser: %d %s", status, body)
		}
	})
	t.Run("forged state cookie", func(t *testing.T) {
		back := begin(t)
		state := back.Query().Get("state")
		forger := noRedirects(nil)
		req, _ := http.NewRequest(http.MethodGet, back.String(), nil)
		req.Header.Set("Cookie", "meldpunt_oidc_"+state+"="+base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("x", 120))))
		resp, err := forger.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged cookie: %d", resp.StatusCode)
		}
	})
	t.Run("too slow", func(t *testing.T) {
		back := begin(t)
		e.clock.Advance(11 * time.Minute)
		if status, body := callback(t, c, back); status != http.StatusBadRequest || !strings.Contains(body, stale) {
			t.Errorf("after 11 minutes: %d %s", status, body)
		}
	})
	t.Run("two tabs", func(t *testing.T) {
		first, second := begin(t), begin(t)
		for _, back := range []*url.URL{second, first} {
			if status, body := callback(t, c, back); status != http.StatusSeeOther {
				t.Errorf("callback: %d %s", status, body)
			}
		}
	})
}

func TestOIDCCookies(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	e := newOIDCEnv(t, st, false, nil)
	// A second sign-in of the same Service, as served over HTTPS.
	svc := newService(t, st, e.clock, auth.Options{})
	o, err := auth.NewOIDC(t.Context(), svc, auth.OIDCConfig{
		Issuer: e.idp.URL, ClientID: e.idp.ClientID(), ClientSecret: e.idp.ClientSecret(),
		RedirectURL: "https://meldpunt.gemeente.be" + auth.OIDCCallbackPath, Roles: map[string]auth.Role{"Meldpunt.Onthaal": auth.RoleOnthaal},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	o.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://meldpunt.gemeente.be"+auth.OIDCLoginPath+"?next=/dossiers", nil))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), e.idp.URL+"/authorize?") {
		t.Fatalf("start: %d, Location %s", rec.Code, rec.Header().Get("Location"))
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	c := cookies[0]
	if !strings.HasPrefix(c.Name, "meldpunt_oidc_") || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		c.Path != auth.OIDCLoginPath || c.MaxAge != 600 {
		t.Errorf("state cookie %+v", c)
	}
	if strings.Contains(c.Value, "dossiers") {
		t.Error("the state cookie is readable")
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("start may be cached")
	}
}

func TestOIDCUnsafeNext(t *testing.T) {
	t.Parallel()
	e := newOIDCEnv(t, openSQLite(t), false, nil)
	e.idp.SetUser(entraUser("an@gemeente.be", []string{"Meldpunt.Onthaal"}))
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "", strings.Repeat("/a", 1500)} {
		status, body, final := e.signIn(t, next)
		if status != http.StatusOK || final.String() != e.app.URL+"/" || body != "startpagina" {
			t.Errorf("next %.40q: ended at %s with %d", next, final, status)
		}
	}
}

func TestOIDCProviderDownAtStart(t *testing.T) {
	t.Parallel()
	e := newOIDCEnv(t, openSQLite(t), true, nil)
	e.idp.SetUser(entraUser("an@gemeente.be", []string{"Meldpunt.Onthaal"}))
	if url := e.oidc.LogoutURL(""); url != "" {
		t.Errorf("LogoutURL before discovery: %q", url)
	}
	status, body, _ := e.signIn(t, "/wie")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "De aanmelddienst is even niet bereikbaar") {
		t.Errorf("provider down: %d %s", status, body)
	}
	e.idp.SetDown(false)
	// Within a few seconds of a failure the provider is not asked again.
	if status, _, _ := e.signIn(t, "/wie"); status != http.StatusServiceUnavailable {
		t.Errorf("at once after a failure: %d", status)
	}
	e.clock.Advance(10 * time.Second)
	if status, body, final := e.signIn(t, "/wie"); status != http.StatusOK || final.Path != "/wie" {
		t.Errorf("provider back: %d at %s: %s", status, final, body)
	}
	if _, ok := e.whoami(t); !ok {
		t.Error("no session")
	}
}

func TestOIDCLogoutURL(t *testing.T) {
	t.Parallel()
	e := newOIDCEnv(t, openSQLite(t), false, nil)
	u, err := url.Parse(e.oidc.LogoutURL("https://meldpunt.gemeente.be/afgemeld"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/logout" || u.Query().Get("client_id") != e.idp.ClientID() || u.Query().Get("post_logout_redirect_uri") != "https://meldpunt.gemeente.be/afgemeld" {
		t.Errorf("LogoutURL %s", u)
	}
	if _, to := step(t, noRedirects(nil), u.String()); to != "https://meldpunt.gemeente.be/afgemeld" {
		t.Errorf("the provider's logout sends the browser to %q", to)
	}
}

// openSQLite returns a new, migrated SQLite store.
func openSQLite(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meldpunt.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestNewOIDCRefusesBadConfig(t *testing.T) {
	t.Parallel()
	e := newOIDCEnv(t, openSQLite(t), false, nil)
	good := func() auth.OIDCConfig {
		roles, domains := oidcMapping()
		return auth.OIDCConfig{Issuer: e.idp.URL, ClientID: e.idp.ClientID(), ClientSecret: e.idp.ClientSecret(),
			RedirectURL: "https://meldpunt.gemeente.be" + auth.OIDCCallbackPath, Roles: roles, Domains: domains}
	}
	tests := []struct {
		name   string
		change func(c *auth.OIDCConfig)
	}{
		{"no issuer", func(c *auth.OIDCConfig) { c.Issuer = "" }},
		{"issuer differs from the discovery document", func(c *auth.OIDCConfig) { c.Issuer += "/" }},
		{"no client id", func(c *auth.OIDCConfig) { c.ClientID = "" }},
		{"no client secret", func(c *auth.OIDCConfig) { c.ClientSecret = "" }},
		{"redirect to another path", func(c *auth.OIDCConfig) { c.RedirectURL = "https://meldpunt.gemeente.be/callback" }},
		{"scopes without openid", func(c *auth.OIDCConfig) { c.Scopes = []string{"profile"} }},
		{"no roles", func(c *auth.OIDCConfig) { c.Roles = nil }},
		{"unknown role", func(c *auth.OIDCConfig) { c.Roles["Meldpunt.Admin"] = "admin" }},
		{"unknown domain", func(c *auth.OIDCConfig) { c.Domains["Meldpunt.Stad"] = "stad" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := good()
			tt.change(&c)
			if _, err := auth.NewOIDC(t.Context(), e.svc, c); !errors.Is(err, auth.ErrInvalid) {
				t.Errorf("NewOIDC: %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := auth.NewOIDC(t.Context(), e.svc, good()); err != nil {
		t.Errorf("good config: %v", err)
	}
}

// FuzzOIDCCallback sends the callback what a browser (or an attacker)
// can: any state, code and state cookie. Nothing of it may sign anyone in.
func FuzzOIDCCallback(f *testing.F) {
	st := openSQLite(f)
	c := newClock()
	svc, err := auth.New(st, auth.Options{Password: fastParams, Now: c.Now})
	if err != nil {
		f.Fatal(err)
	}
	idp := oidcfake.Start(f, oidcfake.Options{Now: c.Now})
	idp.SetUser(entraUser("an@gemeente.be", []string{"Meldpunt.Beheerder"}))
	o, err := auth.NewOIDC(f.Context(), svc, auth.OIDCConfig{Issuer: idp.URL, ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(),
		RedirectURL: "https://meldpunt.gemeente.be" + auth.OIDCCallbackPath, Roles: map[string]auth.Role{"Meldpunt.Beheerder": auth.RoleBeheerder}})
	if err != nil {
		f.Fatal(err)
	}
	mux := http.NewServeMux()
	o.Register(mux)
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "code", "AAAA")
	f.Add("", "", "")
	f.Add("state", "code", `{"s":"state","n":"n","v":"v","r":"/","e":99999999999}`)
	f.Fuzz(func(t *testing.T, state, code, cookie string) {
		req := httptest.NewRequest(http.MethodGet, "https://meldpunt.gemeente.be"+auth.OIDCCallbackPath, nil)
		req.URL.RawQuery = url.Values{"state": {state}, "code": {code}}.Encode()
		req.Header.Set("Cookie", "meldpunt_oidc_"+state+"="+cookie)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("state %q, cookie %q: %d", state, cookie, rec.Code)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == auth.SessionCookieName {
				t.Errorf("a session cookie was set: %v", c)
			}
		}
	})
}
