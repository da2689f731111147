package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The paths of the OpenID Connect sign-in. The redirect URL registered at
// the provider ends in OIDCCallbackPath.
const (
	OIDCLoginPath    = "/aanmelden/oidc"
	OIDCCallbackPath = "/aanmelden/oidc/callback"
)

// oidcStateCookiePrefix starts the name of the cookie that carries one
// sign-in from OIDCLoginPath to OIDCCallbackPath; the state follows, so
// that sign-ins started in several tabs at once do not overwrite each
// other.
const oidcStateCookiePrefix = "meldpunt_oidc_"

// oidcStateLifetime is how long a user may take at the provider.
const oidcStateLifetime = 10 * time.Minute

// oidcRetryDiscovery is how long after a failed discovery the next sign-in
// tries again (sign-ins in between are refused at once).
const oidcRetryDiscovery = 5 * time.Second

// The texts staff see when a sign-in is refused.
const (
	msgOIDCNoRole   = "Je account heeft geen toegang tot meldpunt. Vraag een rol aan bij de beheerder."
	msgOIDCDisabled = "Je account is uitgeschakeld in meldpunt. Vraag de beheerder om het opnieuw te activeren."
	msgOIDCUsername = "Je account kan niet gebruikt worden in meldpunt: de gebruikersnaam ontbreekt of bevat tekens die meldpunt niet toelaat. Vraag hulp aan de beheerder."
	msgOIDCStale    = "Het aanmelden duurde te lang of werd onderbroken. Probeer het opnieuw."
	msgOIDCRefused  = "Je aanmelding kon niet gecontroleerd worden. Probeer het opnieuw; lukt het niet, vraag dan hulp aan de beheerder."
	msgOIDCProvider = "Aanmelden bij je organisatie is niet gelukt. Probeer het opnieuw; lukt het niet, vraag dan hulp aan de beheerder."
	msgOIDCDown     = "De aanmelddienst is even niet bereikbaar. Probeer het zo opnieuw."
)

// OIDCConfig configures sign-in through an OpenID Connect provider, such
// as Microsoft Entra ID.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL, for Entra ID
	// https://login.microsoftonline.com/<tenant id>/v2.0. Its discovery
	// document must name exactly this issuer.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback as registered at the provider:
	// https://<host>/aanmelden/oidc/callback.
	RedirectURL string
	// Scopes asked for (openid, profile, email).
	Scopes []string
	// UsernameClaim names the claim that becomes the meldpunt username,
	// normalised by NormalizeUsername (preferred_username: for Entra ID
	// the user principal name).
	UsernameClaim string
	// Roles and Domains map values of the "roles" claim (Entra ID app
	// roles) and of the "groups" claim (group object ids) to meldpunt
	// roles and domains. A user without a mapped role is refused. They
	// replace the stored user's roles and domains at every sign-in.
	Roles   map[string]Role
	Domains map[string]string
	// DepartmentClaim, when set, names the claim that holds the user's
	// department; Departments maps its values to department codes (empty:
	// the value is the code). It replaces the stored department at every
	// sign-in. When DepartmentClaim is empty, the stored department stays
	// as a beheerder set it.
	DepartmentClaim string
	Departments     map[string]string
	// HTTPClient talks to the provider (nil: http.DefaultClient).
	HTTPClient *http.Client
	// RenderError shows staff why a sign-in failed (a page of the web UI);
	// nil: a plain page with the message and a link to /aanmelden.
	RenderError func(w http.ResponseWriter, r *http.Request, status int, message string)
}

// OIDC signs staff in through an OpenID Connect provider: the
// authorization code flow with PKCE (S256), its state, nonce and code
// verifier carried from OIDCLoginPath to OIDCCallbackPath in an encrypted,
// short-lived cookie. A user is made or updated from the ID token's claims
// at every sign-in (just in time) and gets a session of the Service like a
// local login. It is safe for concurrent use.
type OIDC struct {
	svc  *Service
	cfg  OIDCConfig
	log  *slog.Logger
	aead cipher.AEAD

	provider atomic.Pointer[oidcProvider] // nil until discovered

	mu       sync.Mutex // one discovery at a time
	failedAt time.Time  // of the last failed discovery
	failErr  error
}

// oidcProvider is what discovery found.
type oidcProvider struct {
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
}

// NewOIDC returns the OpenID Connect sign-in of svc. It discovers the
// provider now; when that fails for another reason than a wrong issuer,
// it logs the error and discovers again at the first sign-in, so that a
// provider that cannot be reached does not keep the registry from
// starting. ErrInvalid for an incomplete cfg.
func NewOIDC(ctx context.Context, svc *Service, cfg OIDCConfig) (*OIDC, error) {
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "preferred_username"
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	// The key is derived from the client secret, which every registry
	// process of the installation has: a sign-in started at one process can
	// end at another.
	key, err := hkdf.Key(sha256.New, []byte(cfg.ClientSecret), nil, "meldpunt oidc state cookie v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive state cookie key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("state cookie cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("state cookie cipher: %w", err)
	}
	o := &OIDC{svc: svc, cfg: cfg, log: svc.log, aead: aead}
	if _, err := o.discover(ctx); err != nil {
		if mismatch := (*oidc.IssuerMismatchError)(nil); errors.As(err, &mismatch) {
			return nil, fmt.Errorf("%w: the provider calls itself %q, not %q: set the issuer exactly so", ErrInvalid, mismatch.Discovered, mismatch.Provided)
		}
		o.log.Warn("OpenID Connect provider not reachable; trying again at the first sign-in", "issuer", cfg.Issuer, "error", err)
	}
	return o, nil
}

func (c OIDCConfig) check() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...))
	}
	if u, err := url.Parse(c.Issuer); c.Issuer == "" || err != nil || u.Host == "" {
		bad("OpenID Connect issuer %q is no URL", c.Issuer)
	}
	if c.ClientID == "" {
		bad("OpenID Connect needs a client id")
	}
	if c.ClientSecret == "" {
		bad("OpenID Connect needs a client secret")
	}
	if u, err := url.Parse(c.RedirectURL); err != nil || u.Host == "" || !strings.HasSuffix(u.Path, OIDCCallbackPath) {
		bad("OpenID Connect redirect URL %q: want https://<host>%s", c.RedirectURL, OIDCCallbackPath)
	}
	if !slices.Contains(c.Scopes, oidc.ScopeOpenID) {
		bad("OpenID Connect scopes %v lack %q", c.Scopes, oidc.ScopeOpenID)
	}
	if len(c.Roles) == 0 {
		bad("OpenID Connect maps no claim value to a role: no one could sign in")
	}
	for v, r := range c.Roles {
		if !r.Valid() {
			bad("OpenID Connect claim value %q: unknown role %q", v, r)
		}
	}
	for v, d := range c.Domains {
		if !ValidDomain(d) {
			bad("OpenID Connect claim value %q: unknown domain %q", v, d)
		}
	}
	return errors.Join(errs...)
}

// ctx returns ctx carrying the HTTP client for the provider, for go-oidc
// and x/oauth2 alike.
func (o *OIDC) ctx(ctx context.Context) context.Context {
	if o.cfg.HTTPClient == nil {
		return ctx
	}
	return context.WithValue(oidc.ClientContext(ctx, o.cfg.HTTPClient), oauth2.HTTPClient, o.cfg.HTTPClient)
}

// discover returns the provider, fetching its discovery document when that
// has not succeeded yet (at most once per oidcRetryDiscovery).
func (o *OIDC) discover(ctx context.Context) (*oidcProvider, error) {
	if p := o.provider.Load(); p != nil {
		return p, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if p := o.provider.Load(); p != nil {
		return p, nil
	}
	now := o.svc.now()
	if o.failErr != nil && now.Sub(o.failedAt) < oidcRetryDiscovery {
		return nil, o.failErr
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(o.ctx(ctx), o.cfg.Issuer)
	if err != nil {
		o.failedAt, o.failErr = now, fmt.Errorf("discover OpenID Connect provider %s: %w", o.cfg.Issuer, err)
		return nil, o.failErr
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&meta) // the document was decoded as JSON by NewProvider already
	found := &oidcProvider{
		oauth: oauth2.Config{
			ClientID:     o.cfg.ClientID,
			ClientSecret: o.cfg.ClientSecret,
			Endpoint:     p.Endpoint(),
			RedirectURL:  o.cfg.RedirectURL,
			Scopes:       o.cfg.Scopes,
		},
		verifier:   p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID, Now: o.svc.opts.Now}),
		endSession: meta.EndSession,
	}
	o.provider.Store(found)
	o.failErr = nil
	return found, nil
}

// Register adds GET OIDCLoginPath (?next=, the page to return to) and GET
// OIDCCallbackPath to mux.
func (o *OIDC) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+OIDCLoginPath, o.start)
	mux.HandleFunc("GET "+OIDCCallbackPath, o.callback)
}

// LogoutURL returns where to send the browser after a local logout to end
// the session at the provider as well (OpenID Connect RP-Initiated Logout
// 1.0, section 2), coming back to postLogoutRedirect (which must be
// registered at the provider; empty: the provider's page). It is "" when
// the provider has no end_session_endpoint, or was not reached yet.
func (o *OIDC) LogoutURL(postLogoutRedirect string) string {
	p := o.provider.Load()
	if p == nil || p.endSession == "" {
		return ""
	}
	u, err := url.Parse(p.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", o.cfg.ClientID)
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// oidcState is what the state cookie carries from start to callback.
type oidcState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
	Expires  int64  `json:"e"` // Unix seconds
}

// start sends the browser to the provider.
func (o *OIDC) start(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p, err := o.discover(r.Context())
	if err != nil {
		o.log.Error("start OpenID Connect sign-in", "error", err)
		o.renderError(w, r, http.StatusServiceUnavailable, msgOIDCDown)
		return
	}
	next := r.URL.Query().Get("next")
	if len(next) > 2000 {
		next = "/"
	}
	st := oidcState{
		State:    newSecret(),
		Nonce:    newSecret(),
		Verifier: oauth2.GenerateVerifier(),
		Next:     SafeNext(next),
		Expires:  o.svc.now().Add(oidcStateLifetime).Unix(),
	}
	http.SetCookie(w, o.stateCookie(st.State, o.sealState(st), int(oidcStateLifetime/time.Second)))
	http.Redirect(w, r, p.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusSeeOther)
}

// callback takes the browser back from the provider: it checks the state,
// exchanges the code, verifies the ID token, makes or updates the user and
// starts a session.
func (o *OIDC) callback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	state := q.Get("state")
	st, ok := o.takeState(w, r, state)
	if code := q.Get("error"); code != "" {
		// RFC 6749 section 4.1.2.1. The description may name the user:
		// debug only.
		o.log.Warn("OpenID Connect provider refused the sign-in", "error", code)
		o.log.Debug("OpenID Connect provider refused the sign-in", "error", code, "description", q.Get("error_description"))
		o.renderError(w, r, http.StatusForbidden, msgOIDCProvider)
		return
	}
	if !ok {
		o.renderError(w, r, http.StatusBadRequest, msgOIDCStale)
		return
	}
	p, err := o.discover(r.Context())
	if err != nil {
		o.log.Error("finish OpenID Connect sign-in", "error", err)
		o.renderError(w, r, http.StatusServiceUnavailable, msgOIDCDown)
		return
	}
	claims, err := o.exchange(r.Context(), p, q.Get("code"), st)
	if err != nil {
		o.log.Warn("OpenID Connect sign-in refused", "error", err)
		status, msg := http.StatusForbidden, msgOIDCRefused
		if re := (*oauth2.RetrieveError)(nil); !errors.As(err, &re) && !errors.Is(err, errIDToken) {
			status, msg = http.StatusServiceUnavailable, msgOIDCDown
		}
		o.renderError(w, r, status, msg)
		return
	}
	u, err := o.userFromClaims(claims)
	if err != nil {
		o.log.Warn("OpenID Connect sign-in refused", "error", err)
		msg := msgOIDCUsername
		if errors.Is(err, errOIDCNoRole) {
			msg = msgOIDCNoRole
			// Removed from meldpunt's roles at the provider: the stored
			// user keeps no grants, sessions or tokens.
			if derr := o.svc.DisableUser(r.Context(), u.Username); derr == nil {
				o.log.Warn("OpenID Connect: the user has no role any more and was disabled", "user", u.Username)
			} else if !errors.Is(derr, store.ErrNotFound) {
				o.log.Error("disable a user without roles", "user", u.Username, "error", derr)
			}
		}
		o.renderError(w, r, http.StatusForbidden, msg)
		return
	}
	if err := o.signIn(r.Context(), u); err != nil {
		if errors.Is(err, ErrAccountDisabled) {
			o.log.Warn("OpenID Connect sign-in refused: the user is disabled", "user", u.Username)
			o.renderError(w, r, http.StatusForbidden, msgOIDCDisabled)
			return
		}
		o.log.Error("OpenID Connect sign-in", "user", u.Username, "error", err)
		o.renderError(w, r, http.StatusServiceUnavailable, msgOIDCDown)
		return
	}
	if c, err := r.Cookie(SessionCookieName); err == nil {
		if err := o.svc.Logout(r.Context(), c.Value); err != nil {
			o.log.Warn("end the previous session", "error", err)
		}
	}
	ns, err := o.svc.NewSession(r.Context(), u.Username)
	if err != nil {
		o.log.Error("OpenID Connect sign-in", "user", u.Username, "error", err)
		o.renderError(w, r, http.StatusServiceUnavailable, msgOIDCDown)
		return
	}
	o.svc.SetSessionCookie(w, ns)
	o.log.Info("signed in through OpenID Connect", "user", u.Username)
	http.Redirect(w, r, SafeNext(st.Next), http.StatusSeeOther)
}

// errIDToken: the ID token is missing or does not verify.
var errIDToken = errors.New("invalid ID token")

// exchange trades the code for tokens and returns the claims of the
// verified ID token: signed by the provider, issued by the issuer for this
// client, not expired, and carrying the nonce of this sign-in (OpenID
// Connect Core 1.0, section 3.1.3.7).
func (o *OIDC) exchange(ctx context.Context, p *oidcProvider, code string, st oidcState) (map[string]any, error) {
	if code == "" {
		return nil, fmt.Errorf("%w: the callback has no code", errIDToken)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tok, err := p.oauth.Exchange(o.ctx(ctx), code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: the token response has no id_token", errIDToken)
	}
	idt, err := p.verifier.Verify(o.ctx(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errIDToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return nil, fmt.Errorf("%w: wrong nonce", errIDToken)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", errIDToken, err)
	}
	// With several audiences, the token must be meant for this client
	// (section 3.1.3.7, items 4 and 5).
	if azp, _ := claims["azp"].(string); len(idt.Audience) > 1 && azp != o.cfg.ClientID {
		return nil, fmt.Errorf("%w: several audiences and authorized party %q", errIDToken, azp)
	}
	return claims, nil
}

// errOIDCNoRole: none of the user's claim values maps to a role.
var errOIDCNoRole = errors.New("no claim value maps to a meldpunt role")

// userFromClaims maps the claims of an ID token to a user. Roles and
// domains come from the values of the "roles" claim (Entra ID app roles)
// and the "groups" claim (group object ids).
func (o *OIDC) userFromClaims(claims map[string]any) (store.User, error) {
	username, _ := claims[o.cfg.UsernameClaim].(string)
	u := store.User{Username: NormalizeUsername(username)}
	if err := checkUsername(u.Username); err != nil {
		return store.User{}, fmt.Errorf("claim %s: %w", o.cfg.UsernameClaim, err)
	}
	u.DisplayName, _ = claims["name"].(string)
	u.Email, _ = claims["email"].(string)
	if o.cfg.DepartmentClaim != "" {
		u.Department, _ = claims[o.cfg.DepartmentClaim].(string)
		if len(o.cfg.Departments) > 0 {
			u.Department = o.cfg.Departments[u.Department]
		}
	}
	if names, ok := claims["_claim_names"].(map[string]any); ok && names["groups"] != nil {
		// Entra ID leaves the groups out when there are more than fit in
		// a token ("groups overage").
		o.log.Warn("the ID token has too many groups to list them: map app roles instead of groups", "user", u.Username)
	}
	var values []string
	for _, name := range []string{"roles", "groups"} {
		values = append(values, claimStrings(claims[name])...)
	}
	for _, v := range values {
		if r, ok := o.cfg.Roles[v]; ok {
			u.Roles = append(u.Roles, string(r))
		}
		if d, ok := o.cfg.Domains[v]; ok {
			u.Domains = append(u.Domains, d)
		}
	}
	if len(u.Roles) == 0 {
		// The user (with its username) comes back with the error: whoever
		// lost every role at the provider loses their grants here too.
		return u, fmt.Errorf("user %s: %w", u.Username, errOIDCNoRole)
	}
	return checkUser(u)
}

// claimStrings returns the strings of a claim that holds a string or a list.
func claimStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var l []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				l = append(l, s)
			}
		}
		return l
	}
	return nil
}

// signIn makes the user known through OpenID Connect, or updates the
// stored one with the provider's grants. ErrAccountDisabled when the
// stored user is disabled: that is decided here, not at the provider. A
// local password is neither set nor removed.
func (o *OIDC) signIn(ctx context.Context, u store.User) error {
	for range 2 { // a second time when a parallel first sign-in made the user
		stored, err := o.svc.st.GetUser(ctx, u.Username)
		if errors.Is(err, store.ErrNotFound) {
			u.CreatedAt, u.UpdatedAt = o.svc.now(), o.svc.now()
			err := o.svc.st.CreateUser(ctx, u)
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			if err != nil {
				return fmt.Errorf("add user %s: %w", u.Username, err)
			}
			o.log.Info("user added through OpenID Connect", "user", u.Username)
			return nil
		}
		if err != nil {
			return fmt.Errorf("find user %s: %w", u.Username, err)
		}
		if stored.Disabled {
			return ErrAccountDisabled
		}
		changed := stored
		changed.Roles, changed.Domains = u.Roles, u.Domains
		if u.DisplayName != "" {
			changed.DisplayName = u.DisplayName
		}
		if u.Email != "" {
			changed.Email = u.Email
		}
		if o.cfg.DepartmentClaim != "" {
			changed.Department = u.Department
		}
		if slices.Equal(changed.Roles, stored.Roles) && slices.Equal(changed.Domains, stored.Domains) &&
			changed.DisplayName == stored.DisplayName && changed.Email == stored.Email && changed.Department == stored.Department {
			return nil
		}
		changed.UpdatedAt = o.svc.now()
		if err := o.svc.st.UpdateUser(ctx, changed); err != nil {
			return fmt.Errorf("update user %s: %w", u.Username, err)
		}
		return nil
	}
	return fmt.Errorf("add user %s: %w", u.Username, store.ErrConflict)
}

// stateCookie is the cookie of one sign-in, sent back only to the
// callback.
func (o *OIDC) stateCookie(state, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     oidcStateCookiePrefix + state,
		Value:    value,
		Path:     OIDCLoginPath,
		MaxAge:   maxAge,
		Secure:   !o.svc.opts.InsecureCookie,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// sealState encrypts st with AES-GCM, bound to the cookie's name.
func (o *OIDC) sealState(st oidcState) string {
	plain, _ := json.Marshal(st) // strings and a number
	nonce := make([]byte, o.aead.NonceSize())
	rand.Read(nonce) // never fails (crypto/rand documents it)
	sealed := o.aead.Seal(nonce, nonce, plain, []byte(oidcStateCookiePrefix+st.State))
	return base64.RawURLEncoding.EncodeToString(sealed)
}

// openState decrypts a state cookie value and checks that it belongs to
// state and has not expired.
func (o *OIDC) openState(state, value string) (oidcState, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(sealed) < o.aead.NonceSize() {
		return oidcState{}, errors.New("malformed state cookie")
	}
	n := o.aead.NonceSize()
	plain, err := o.aead.Open(nil, sealed[:n], sealed[n:], []byte(oidcStateCookiePrefix+state))
	if err != nil {
		return oidcState{}, errors.New("state cookie does not open")
	}
	var st oidcState
	if err := json.Unmarshal(plain, &st); err != nil {
		return oidcState{}, fmt.Errorf("state cookie: %w", err)
	}
	if st.State != state {
		return oidcState{}, errors.New("state cookie of another sign-in")
	}
	if !o.svc.now().Before(time.Unix(st.Expires, 0)) {
		return oidcState{}, errors.New("state cookie expired")
	}
	return st, nil
}

// takeState returns the sign-in that state names, and false when the
// request carries no valid cookie for it. The cookie is cleared: a state
// is used once.
func (o *OIDC) takeState(w http.ResponseWriter, r *http.Request, state string) (oidcState, bool) {
	if !wellFormed(state) {
		o.log.Warn("OpenID Connect callback without a valid state")
		return oidcState{}, false
	}
	c, err := r.Cookie(oidcStateCookiePrefix + state)
	if err != nil {
		o.log.Warn("OpenID Connect callback for a sign-in this browser did not start, or started too long ago")
		return oidcState{}, false
	}
	http.SetCookie(w, o.stateCookie(state, "", -1))
	st, err := o.openState(state, c.Value)
	if err != nil {
		o.log.Warn("OpenID Connect callback", "error", err)
		return oidcState{}, false
	}
	return st, true
}

var oidcErrorPage = template.Must(template.New("").Parse(`<!doctype html>
<html lang="nl-BE">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Aanmelden – meldpunt</title></head>
<body>
<main>
<h1>Aanmelden is niet gelukt</h1>
<p>{{.}}</p>
<p><a href="/aanmelden">Terug naar aanmelden</a></p>
</main>
</body>
</html>
`))

func (o *OIDC) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if o.cfg.RenderError != nil {
		o.cfg.RenderError(w, r, status, msg)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = oidcErrorPage.Execute(w, msg) // the browser went away; nothing left to tell it
}
