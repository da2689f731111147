package auth

import (
	"strings"
	"testing"
)

func TestBearerToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header, want string
		ok           bool
	}{
		{"Bearer mpt_abc", "mpt_abc", true},
		{"bearer mpt_abc", "mpt_abc", true},
		{"BEARER   mpt_abc", "mpt_abc", true},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Bearer a b", "", false},
		{"Basic dXNlcjpwYXNz", "", false},
		{"Bearermpt_abc", "", false},
		{"", "", false},
	} {
		got, ok := bearerToken(tc.header)
		if got != tc.want || ok != tc.ok {
			t.Errorf("bearerToken(%q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTokenFormat(t *testing.T) {
	t.Parallel()
	tok := newToken()
	if len(tok) != len(TokenPrefix)+43 || !strings.HasPrefix(tok, TokenPrefix) {
		t.Fatalf("newToken = %q", tok)
	}
	if _, ok := tokenSecret(tok); !ok {
		t.Errorf("tokenSecret(%q): not a token", tok)
	}
	for _, bad := range []string{"", TokenPrefix, tok[len(TokenPrefix):], "mpx_" + tok[4:], tok + "A", tok[:len(tok)-1],
		tok[:len(tok)-1] + "=", tok[:len(tok)-1] + "+"} {
		if _, ok := tokenSecret(bad); ok {
			t.Errorf("tokenSecret(%q): accepted", bad)
		}
	}
	if a, b := newSecret(), newSecret(); a == b || !wellFormed(a) {
		t.Errorf("newSecret = %q, %q", a, b)
	}
	if h := hashSecret("x"); h != "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" {
		t.Errorf("hashSecret(x) = %s", h)
	}
}

// FuzzAuthorization: any Authorization header is read without panicking,
// and what passes as a token is one without spaces.
func FuzzAuthorization(f *testing.F) {
	f.Add("Bearer " + newToken())
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("Bearer  \t")
	f.Fuzz(func(t *testing.T, header string) {
		token, ok := bearerToken(header)
		if !ok {
			return
		}
		if token == "" || strings.ContainsAny(token, " \t") {
			t.Fatalf("bearerToken(%q) = %q", header, token)
		}
		if secret, ok := tokenSecret(token); ok && !wellFormed(secret) {
			t.Fatalf("tokenSecret(%q) accepted a malformed secret", token)
		}
	})
}
