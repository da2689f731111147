package config

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// oidcCallbackPath is where the registry takes staff back from the
// provider (auth.OIDCCallbackPath; this package imports no other meldpunt
// package).
const oidcCallbackPath = "/aanmelden/oidc/callback"

// Auth configures how staff sign in. Local accounts (`registry user`)
// always work; OIDC adds sign-in through the municipality's identity
// provider.
type Auth struct {
	OIDC OIDC `toml:"oidc"`
}

// OIDC configures sign-in through an OpenID Connect provider, such as
// Microsoft Entra ID. It is off while Issuer is empty.
type OIDC struct {
	// Issuer is the provider's issuer URL; for Entra ID
	// https://login.microsoftonline.com/<tenant id>/v2.0.
	Issuer       string `toml:"issuer"`
	ClientID     string `toml:"client_id"`
	ClientSecret Secret `toml:"client_secret"`
	// RedirectURL is the callback registered at the provider:
	// https://<host>/aanmelden/oidc/callback.
	RedirectURL string   `toml:"redirect_url"`
	Scopes      []string `toml:"scopes"`
	// UsernameClaim names the claim that becomes the meldpunt username
	// (lower-cased).
	UsernameClaim string `toml:"username_claim"`
	// Roles and Domains map values of the "roles" claim (Entra ID app
	// roles) and the "groups" claim (group object ids) to meldpunt roles
	// and domains.
	Roles   map[string]string `toml:"roles"`
	Domains map[string]string `toml:"domains"`
	// DepartmentClaim names a claim with the user's department; when set,
	// it replaces the department at every sign-in. Departments maps its
	// values to department codes (empty: the value is the code).
	DepartmentClaim string            `toml:"department_claim"`
	Departments     map[string]string `toml:"departments"`
}

// Enabled reports whether sign-in through OpenID Connect is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

func authDefaults() Auth {
	return Auth{OIDC: OIDC{Scopes: []string{"openid", "profile", "email"}, UsernameClaim: "preferred_username"}}
}

// validate returns every problem of the [auth] settings.
func (a Auth) validate() []error {
	o := a.OIDC
	knownRoles := []string{"onthaal", "behandelaar", "beheerder"} // as package auth knows them
	knownDomains := []string{"gemeente", "sociaalhuis"}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("auth.oidc."+format, args...)) }
	if !o.Enabled() {
		if o.ClientID != "" || o.ClientSecret.IsSet() || o.RedirectURL != "" || len(o.Roles) > 0 || len(o.Domains) > 0 ||
			o.DepartmentClaim != "" || len(o.Departments) > 0 {
			bad("issuer is required to sign in through OpenID Connect (or remove [auth.oidc])")
		}
		return errs
	}
	if u, err := url.Parse(o.Issuer); err != nil || u.Host == "" || !secureURL(u) {
		bad("issuer %q: want an https:// URL, such as https://login.microsoftonline.com/<tenant id>/v2.0", o.Issuer)
	}
	if o.ClientID == "" {
		bad("client_id is required (the application (client) id of the app registration)")
	}
	if !o.ClientSecret.IsSet() {
		bad("client_secret is required: { file = \"...\" } or { env = \"...\" }")
	} else if o.ClientSecret.File != "" && o.ClientSecret.Env != "" {
		bad("client_secret: set either file or env, not both")
	}
	if u, err := url.Parse(o.RedirectURL); err != nil || u.Host == "" || !secureURL(u) || !strings.HasSuffix(u.Path, oidcCallbackPath) {
		bad("redirect_url %q: want https://<host>%s, as registered at the provider", o.RedirectURL, oidcCallbackPath)
	}
	if !slices.Contains(o.Scopes, "openid") {
		bad("scopes %q: openid is required", o.Scopes)
	}
	if strings.TrimSpace(o.UsernameClaim) == "" {
		bad("username_claim must not be empty (preferred_username for Entra ID)")
	}
	if len(o.Roles) == 0 {
		bad("roles: map at least one claim value to a role, or no one can sign in")
	}
	for _, v := range sortedKeys(o.Roles) {
		if v == "" {
			bad("roles: an empty claim value")
		}
		if !slices.Contains(knownRoles, o.Roles[v]) {
			bad("roles.%q = %q: unknown role (want %s)", v, o.Roles[v], strings.Join(knownRoles, ", "))
		}
	}
	for _, v := range sortedKeys(o.Domains) {
		if v == "" {
			bad("domains: an empty claim value")
		}
		if !slices.Contains(knownDomains, o.Domains[v]) {
			bad("domains.%q = %q: unknown domain (want %s)", v, o.Domains[v], strings.Join(knownDomains, " or "))
		}
	}
	if len(o.Departments) > 0 && o.DepartmentClaim == "" {
		bad("departments needs department_claim: the claim whose values it maps")
	}
	return errs
}

// secureURL accepts https, and http for the local machine (development and
// tests).
func secureURL(u *url.URL) bool {
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		return h == "localhost" || h == "127.0.0.1" || h == "::1"
	}
	return false
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
