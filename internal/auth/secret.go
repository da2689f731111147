package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every API token, so that a leaked token is easy to
// recognise (secret scanners, logs).
const TokenPrefix = "mpt_"

// secretBytes is the entropy of tokens, session ids and CSRF tokens.
const secretBytes = 32

// secretLen is the length of a secret: 32 bytes in base64url without
// padding.
const secretLen = (secretBytes*8 + 5) / 6

// newSecret returns 32 random bytes in base64url without padding.
func newSecret() string {
	b := make([]byte, secretBytes)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// wellFormed reports whether s looks like a secret of newSecret, so that
// garbage is refused without asking the store.
func wellFormed(s string) bool {
	if len(s) != secretLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == secretBytes
}

// newToken returns a new API token: TokenPrefix and a secret.
func newToken() string { return TokenPrefix + newSecret() }

// tokenSecret returns the secret part of an API token, and false when
// token is not one.
func tokenSecret(token string) (string, bool) {
	s, ok := strings.CutPrefix(token, TokenPrefix)
	return s, ok && wellFormed(s)
}

// hashSecret is what the store keeps of a token or session id: its
// SHA-256, lower-case hex. The secrets are random, so a fast hash is
// enough; it keeps a copy of the database from being a set of keys.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header value (RFC 6750 section 2.1; the scheme is case-insensitive),
// and false for any other value.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}
