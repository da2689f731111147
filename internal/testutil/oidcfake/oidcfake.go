// Package oidcfake is a local OpenID Connect provider that speaks the real
// protocol, for the tests of the sign-in: a discovery document, a JWKS
// with an RSA key made at start, an authorization endpoint that signs the
// configured user in at once (no page) and sends the browser back with a
// code, a token endpoint that checks the client, the redirect URI and the
// PKCE verifier (RFC 7636, S256 only) and returns an ID token signed with
// go-jose, and an end-session endpoint. Hooks change the claims or the
// signed token, to test that the relying party refuses what it must.
//
// It is a test helper; it imports no meldpunt package.
package oidcfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Defaults of a started Server.
const (
	DefaultClientID     = "00000000-aaaa-4bbb-8ccc-000000000001"
	DefaultClientSecret = "fake-client-secret"
	KeyID               = "oidcfake-key-1"
)

// Options configure a Server. Zero values mean the defaults.
type Options struct {
	ClientID, ClientSecret string
	// RedirectURIs are the registered redirect URIs; empty: any.
	RedirectURIs []string
	// Now is the clock of iat and exp (time.Now).
	Now func() time.Time
	// TokenLifetime is how long an ID token is valid (1 hour).
	TokenLifetime time.Duration
}

// User is who signs in at the authorization endpoint.
type User struct {
	// Subject is the "sub" claim.
	Subject string
	// Claims are added to the ID token: preferred_username, name, email,
	// roles, groups, ... The provider sets iss, aud, sub, exp, iat and
	// nonce over them (change those with SetClaimsHook).
	Claims map[string]any
}

// Server is a running fake provider. Its URL is the issuer.
type Server struct {
	URL  string
	opts Options
	key  *rsa.PrivateKey
	srv  *httptest.Server

	mu          sync.Mutex
	user        *User
	down        bool
	claimsHook  func(map[string]any)
	tokenHook   func(string) string
	codes       map[string]grant
	authorizes  int
	tokensSent  int
	lastRequest url.Values
}

// grant is what a code stands for.
type grant struct {
	user        User
	clientID    string
	redirectURI string
	nonce       string
	challenge   string
	expires     time.Time
}

// Start starts a provider, stopped when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = time.Hour
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("oidcfake: generate key: %v", err)
	}
	s := &Server{opts: opts, key: key, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /keys", s.keys)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /logout", s.logout)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// ClientID and ClientSecret are the registered client's.
func (s *Server) ClientID() string     { return s.opts.ClientID }
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// SetUser makes u the user who signs in at the next authorization; nil:
// the authorization is refused (error=access_denied).
func (s *Server) SetUser(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u != nil {
		c := *u
		c.Claims = maps.Clone(u.Claims)
		u = &c
	}
	s.user = u
}

// SetDown makes every endpoint answer 503 (true) or work again (false).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetClaimsHook changes the claims of the ID tokens issued from now on,
// just before they are signed (nil: none).
func (s *Server) SetClaimsHook(f func(claims map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claimsHook = f
}

// SetTokenHook changes the signed ID token before it is sent (nil: none):
// to tamper with it.
func (s *Server) SetTokenHook(f func(idToken string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenHook = f
}

// Authorizations reports how many authorization requests arrived, and
// TokensSent how many ID tokens were sent.
func (s *Server) Authorizations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authorizes
}

func (s *Server) TokensSent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensSent
}

// LastAuthorization returns the query of the last authorization request.
func (s *Server) LastAuthorization() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastRequest
}

func (s *Server) isDown(w http.ResponseWriter) bool {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		http.Error(w, "down for the test", http.StatusServiceUnavailable)
	}
	return down
}

// discovery serves OpenID Connect Discovery 1.0, section 3.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.URL,
		"authorization_endpoint":                s.URL + "/authorize",
		"token_endpoint":                        s.URL + "/token",
		"jwks_uri":                              s.URL + "/keys",
		"end_session_endpoint":                  s.URL + "/logout",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nonce", "name", "preferred_username", "email", "roles", "groups"},
	})
}

func (s *Server) keys(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &s.key.PublicKey, KeyID: KeyID, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

// authorize is the authorization endpoint (RFC 6749 section 4.1.1,
// OpenID Connect Core 1.0 section 3.1.2): the user is signed in at once.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.authorizes++
	s.lastRequest = q
	user := s.user
	s.mu.Unlock()

	redirect := q.Get("redirect_uri")
	if q.Get("client_id") != s.opts.ClientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	if !s.redirectAllowed(redirect) {
		http.Error(w, "redirect_uri not registered", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		u, _ := url.Parse(redirect) // checked by redirectAllowed
		v := u.Query()
		for k, l := range params {
			v[k] = l
		}
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, desc string) { back(url.Values{"error": {code}, "error_description": {desc}}) }
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only code")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope", "openid is required")
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		fail("invalid_request", "PKCE with S256 is required")
		return
	case user == nil:
		fail("access_denied", "the user declined or may not use the application")
		return
	}
	code := randomString()
	s.mu.Lock()
	s.codes[code] = grant{
		user: *user, clientID: q.Get("client_id"), redirectURI: redirect, nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), expires: s.opts.Now().Add(5 * time.Minute),
	}
	s.mu.Unlock()
	back(url.Values{"code": {code}})
}

func (s *Server) redirectAllowed(redirect string) bool {
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return false
	}
	return len(s.opts.RedirectURIs) == 0 || slices.Contains(s.opts.RedirectURIs, redirect)
}

// token is the token endpoint (RFC 6749 section 4.1.3, RFC 7636 section
// 4.6, OpenID Connect Core 1.0 section 3.1.3).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id) // RFC 6749 section 2.3.1
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.opts.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	code := r.PostForm.Get("code")
	s.mu.Lock()
	g, found := s.codes[code]
	delete(s.codes, code) // a code is used once
	s.mu.Unlock()
	now := s.opts.Now()
	if !found || now.After(g.expires) || g.clientID != id || g.redirectURI != r.PostForm.Get("redirect_uri") {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}

	claims := maps.Clone(g.user.Claims)
	if claims == nil {
		claims = map[string]any{}
	}
	claims["iss"] = s.URL
	claims["aud"] = id
	claims["sub"] = g.user.Subject
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(s.opts.TokenLifetime).Unix()
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	s.mu.Lock()
	claimsHook, tokenHook := s.claimsHook, s.tokenHook
	s.mu.Unlock()
	if claimsHook != nil {
		claimsHook(claims)
	}
	idToken, err := s.sign(claims)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error")
		return
	}
	if tokenHook != nil {
		idToken = tokenHook(idToken)
	}
	s.mu.Lock()
	s.tokensSent++
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": randomString(),
		"token_type":   "Bearer",
		"expires_in":   3600,
		"scope":        "openid profile email",
		"id_token":     idToken,
	})
}

// logout is the end-session endpoint (OpenID Connect RP-Initiated Logout
// 1.0): back to post_logout_redirect_uri, or a page.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if to := r.URL.Query().Get("post_logout_redirect_uri"); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("signed out\n"))
}

func (s *Server) sign(claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: s.key, KeyID: KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func tokenError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
