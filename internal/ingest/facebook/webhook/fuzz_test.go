package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bodies to Decode: it must not panic, every
// change it returns has a Kind, and its times marshal.
func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "decode", "*.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"object":"page","entry":[{"id":1,"time":"2","messaging":[null,{}],"changes":[null,{},{"field":"feed","value":null}]}]}`))
	f.Add([]byte(`{"object":"page","entry":[{"changes":[{"field":"feed","value":{"created_time":1e300,"photos":[1,"u"]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		changes, err := Decode(body)
		if err != nil {
			if len(changes) != 0 {
				t.Fatalf("Decode returned %d changes with error %v", len(changes), err)
			}
			return
		}
		for i, c := range changes {
			if c.Kind == "" {
				t.Fatalf("change %d has no Kind: %+v", i, c)
			}
			if len(c.Raw) == 0 || !json.Valid(c.Raw) {
				t.Fatalf("change %d Raw is not JSON: %q", i, c.Raw)
			}
			if _, err := json.Marshal(c); err != nil {
				t.Fatalf("change %d does not marshal: %v", i, err)
			}
		}
	})
}

// FuzzSignature checks that Sign and the handler's check agree, and that a
// changed body, secret or signature is refused.
func FuzzSignature(f *testing.F) {
	f.Add([]byte(`{"object":"page"}`), "secret", uint16(0), byte(1))
	f.Add([]byte{}, "s", uint16(3), byte(0x80))
	f.Add([]byte("x"), "", uint16(0), byte(1))
	f.Fuzz(func(t *testing.T, body []byte, secret string, at uint16, flip byte) {
		sig := Sign(body, secret)
		if secret == "" {
			if validSignature(body, sig, secret) {
				t.Fatal("an empty secret validated a signature")
			}
			return
		}
		if !validSignature(body, sig, secret) {
			t.Fatalf("Sign(%q, %q) = %s does not verify", body, secret, sig)
		}
		if flip == 0 {
			flip = 1
		}
		if len(body) > 0 {
			tampered := append([]byte(nil), body...)
			tampered[int(at)%len(tampered)] ^= flip
			if validSignature(tampered, sig, secret) {
				t.Fatalf("tampered body %q verified", tampered)
			}
		}
		if validSignature(append(append([]byte(nil), body...), 'x'), sig, secret) {
			t.Fatal("extended body verified")
		}
		if validSignature(body, sig, secret+"x") {
			t.Fatal("another secret verified")
		}
		badSig := []byte(sig)
		i := len(signaturePrefix) + int(at)%(len(badSig)-len(signaturePrefix))
		badSig[i] = "0123456789abcdef"[(hexVal(badSig[i])+1)%16]
		if validSignature(body, string(badSig), secret) {
			t.Fatalf("tampered signature %s verified", badSig)
		}
		if validSignature(body, sig[len(signaturePrefix):], secret) {
			t.Fatal("signature without sha256= prefix verified")
		}
	})
}

func hexVal(c byte) int {
	if c >= 'a' {
		return int(c-'a') + 10
	}
	return int(c - '0')
}
