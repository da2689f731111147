package oidcfake

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const redirect = "https://rp.example/aanmelden/oidc/callback"

// authorize runs the authorization request and returns the parameters the
// provider sends back to the redirect URI.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func TestProvider(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{RedirectURIs: []string{redirect}})
	s.SetUser(&User{Subject: "sub-1", Claims: map[string]any{"preferred_username": "an@gemeente.be", "roles": []string{"Meldpunt.Onthaal"}}})
	p, err := oidc.NewProvider(t.Context(), s.URL)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: s.ClientID(), ClientSecret: s.ClientSecret(), Endpoint: p.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()

	back := authorize(t, conf.AuthCodeURL("st", oidc.Nonce("n-1"), oauth2.S256ChallengeOption(verifier)))
	if back.Get("state") != "st" || back.Get("code") == "" {
		t.Fatalf("callback parameters %v", back)
	}
	code := back.Get("code")
	if _, err := conf.Exchange(t.Context(), code, oauth2.VerifierOption("another verifier of at least 43 characters....")); !isGrantError(err, "invalid_grant") {
		t.Errorf("wrong verifier: %v", err)
	}
	// The failed exchange used the code up.
	if _, err := conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); !isGrantError(err, "invalid_grant") {
		t.Errorf("used code: %v", err)
	}

	code = authorize(t, conf.AuthCodeURL("st", oidc.Nonce("n-2"), oauth2.S256ChallengeOption(verifier))).Get("code")
	bad := conf
	bad.ClientSecret = "wrong"
	if _, err := bad.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); !isGrantError(err, "invalid_client") {
		t.Errorf("wrong client secret: %v", err)
	}
	tok, err := conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.ClientID()}).Verify(t.Context(), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Username string   `json:"preferred_username"`
		Roles    []string `json:"roles"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "sub-1" || idt.Nonce != "n-2" || claims.Username != "an@gemeente.be" || len(claims.Roles) != 1 {
		t.Errorf("ID token %+v, claims %+v", idt, claims)
	}

	if back := authorize(t, conf.AuthCodeURL("st")); back.Get("error") != "invalid_request" {
		t.Errorf("without PKCE: %v", back)
	}
	s.SetUser(nil)
	if back := authorize(t, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))); back.Get("error") != "access_denied" {
		t.Errorf("no user: %v", back)
	}
}

func isGrantError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}
