// Package auth owns who may use the staff UI and the API, and what they may
// do: roles and domains (Principal), local passwords (argon2id), API tokens,
// browser sessions with CSRF tokens, login rate limiting, and the HTTP
// middleware that puts the Principal of a request in its context.
//
// Accounts are stored through store.Accounts; this package holds no SQL.
// A Principal can come from a local account, a token, or the claims
// of an OpenID Connect provider: UserPrincipal is the one place that turns a
// stored user into one.
//
// It must not import the registry, bus, api or web packages: they import
// it.
package auth
