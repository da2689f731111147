package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader is the header in which Facebook sends the HMAC-SHA256 of
// the raw request body, keyed with the app secret.
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// Sign returns the X-Hub-Signature-256 value for body: "sha256=" followed
// by the hex HMAC-SHA256 of body keyed with secret. It is meant for tests
// and tools that replay deliveries.
func Sign(body []byte, secret string) string {
	return signaturePrefix + hex.EncodeToString(mac(body, secret))
}

func mac(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// validSignature reports whether header carries the HMAC-SHA256 of body
// under secret. The comparison is constant-time; an empty secret never
// validates, since anyone can compute a MAC with an empty key.
func validSignature(body []byte, header, secret string) bool {
	if secret == "" {
		return false
	}
	hexSum, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, mac(body, secret))
}
