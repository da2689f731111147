package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// fastParams keep the tests quick; the defaults are measured by
// BenchmarkHashPassword.
var fastParams = Params{Memory: 64, Time: 1, Threads: 1}

// TestCheckPasswordReference checks hashes made by the reference
// implementation (Debian's argon2 command line tool, phc-winner-argon2):
//
//	echo -n "$password" | argon2 $salt -id -t 3 -m 16 -p 2 -l 32 -e
func TestCheckPasswordReference(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, hash, password string
		params               Params
	}{
		{"defaults", "$argon2id$v=19$m=65536,t=3,p=2$c29tZXNhbHQwMTIzNDU2Nw$0ruVlnfk+1Sf5wHqpvhyZM6A4eEaCaAI0D1Y1aLxgzc",
			"correct horse battery staple", DefaultParams()},
		{"small", "$argon2id$v=19$m=1024,t=2,p=1$em91dHpvdXR6b3V0em91dA$+H1bXZx6tmBHU7a2A+7Zt78BB2cfq4hz3mIPxBmVV2M",
			"Wachtwoord van An 2026!", Params{Memory: 1024, Time: 2, Threads: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			match, rehash, err := CheckPassword(tc.hash, tc.password, tc.params)
			if err != nil || !match || rehash {
				t.Errorf("CheckPassword(right password) = %v, %v, %v; want match, no rehash", match, rehash, err)
			}
			if match, _, err := CheckPassword(tc.hash, tc.password+" ", tc.params); err != nil || match {
				t.Errorf("CheckPassword(wrong password) = %v, %v; want no match", match, err)
			}
			if _, rehash, _ := CheckPassword(tc.hash, tc.password, fastParams); !rehash {
				t.Error("CheckPassword with other parameters: no rehash")
			}
		})
	}
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("één lang wachtwoord", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Errorf("HashPassword = %q: not a PHC string with a 16-byte salt and 32-byte tag", h)
	}
	h2, _ := HashPassword("één lang wachtwoord", fastParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, tc := range []struct {
		name     string
		password string
		want     Params
		match    bool
		rehash   bool
	}{
		{"right", "één lang wachtwoord", fastParams, true, false},
		{"wrong", "een lang wachtwoord", fastParams, false, false},
		{"empty", "", fastParams, false, false},
		{"stronger wanted", "één lang wachtwoord", Params{Memory: 128, Time: 1, Threads: 1}, true, true},
	} {
		match, rehash, err := CheckPassword(h, tc.password, tc.want)
		if err != nil || match != tc.match || rehash != tc.rehash {
			t.Errorf("%s: CheckPassword = %v, %v, %v; want %v, %v", tc.name, match, rehash, err, tc.match, tc.rehash)
		}
	}
	if _, err := HashPassword("x", Params{Memory: 1, Time: 1, Threads: 1}); err == nil {
		t.Error("HashPassword with 1 KiB: no error")
	}
}

func TestParsePHC(t *testing.T) {
	t.Parallel()
	const salt, tag = "c29tZXNhbHQwMTIzNDU2", "eVla6YBNmTSW+5TmXCopyYva1Vfsz5ZYU0KhI7VyTQw"
	for _, tc := range []struct {
		name, phc string
		ok        bool
	}{
		{"valid", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + tag, true},
		{"argon2i", "$argon2i$v=19$m=65536,t=3,p=2$" + salt + "$" + tag, false},
		{"old version", "$argon2id$v=16$m=65536,t=3,p=2$" + salt + "$" + tag, false},
		{"no version", "$argon2id$m=65536,t=3,p=2$" + salt + "$" + tag, false},
		{"order", "$argon2id$v=19$t=3,m=65536,p=2$" + salt + "$" + tag, false},
		{"extra parameter", "$argon2id$v=19$m=65536,t=3,p=2,k=1$" + salt + "$" + tag, false},
		{"leading zero", "$argon2id$v=19$m=065536,t=3,p=2$" + salt + "$" + tag, false},
		{"sign", "$argon2id$v=19$m=+65536,t=3,p=2$" + salt + "$" + tag, false},
		{"memory too high", "$argon2id$v=19$m=4194304,t=3,p=2$" + salt + "$" + tag, false},
		{"memory below 8p", "$argon2id$v=19$m=15,t=3,p=2$" + salt + "$" + tag, false},
		{"time 0", "$argon2id$v=19$m=65536,t=0,p=2$" + salt + "$" + tag, false},
		{"time too high", "$argon2id$v=19$m=65536,t=17,p=2$" + salt + "$" + tag, false},
		{"threads 0", "$argon2id$v=19$m=65536,t=3,p=0$" + salt + "$" + tag, false},
		{"threads 256", "$argon2id$v=19$m=65536,t=3,p=256$" + salt + "$" + tag, false},
		{"overflow", "$argon2id$v=19$m=4294967296,t=3,p=2$" + salt + "$" + tag, false},
		{"padded salt", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "=$" + tag, false},
		{"url alphabet", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + strings.ReplaceAll(tag, "+", "-"), false},
		{"short salt", "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$" + tag, false},
		{"short tag", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$aGFzaA", false},
		{"missing tag", "$argon2id$v=19$m=65536,t=3,p=2$" + salt, false},
		{"trailing", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + tag + "$", false},
		{"empty", "", false},
	} {
		_, _, _, err := parsePHC(tc.phc)
		if (err == nil) != tc.ok {
			t.Errorf("%s: parsePHC(%q) error %v, want ok %v", tc.name, tc.phc, err, tc.ok)
		}
		if err != nil && !errors.Is(err, errPHC) {
			t.Errorf("%s: error %v does not wrap errPHC", tc.name, err)
		}
	}
}

// FuzzParsePHC: whatever a stored hash holds, parsing neither panics nor
// accepts parameters that would cost too much, and what it accepts formats
// back to the same string (there is one way to write a hash).
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$c29tZXNhbHQwMTIzNDU2$eVla6YBNmTSW+5TmXCopyYva1Vfsz5ZYU0KhI7VyTQw")
	f.Add("$argon2id$v=19$m=1024,t=2,p=1$em91dHpvdXR6b3V0em91dA$+H1bXZx6tmBHU7a2A+7Zt78BB2cfq4hz3mIPxBmVV2M")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Add("$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parsePHC(s)
		if err != nil {
			return
		}
		if p.check() != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen || len(key) < minKeyLen || len(key) > maxKeyLen {
			t.Fatalf("parsePHC(%q) accepted %+v, salt %d, key %d bytes", s, p, len(salt), len(key))
		}
		if got := formatPHC(p, salt, key); got != s {
			t.Fatalf("parsePHC(%q) formats back as %q", s, got)
		}
	})
}

func TestCheckPasswordPolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, password string
		ok             bool
	}{
		{"twelve", "abcdefghijkl", true},
		{"eleven", "abcdefghijk", false},
		{"twelve runes, more bytes", "ééééééééééé!", true},
		{"spaces only", strings.Repeat(" ", 20), false},
		{"long", strings.Repeat("a", maxPasswordLen), true},
		{"too long", strings.Repeat("a", maxPasswordLen+1), false},
		{"generated", GeneratePassword(), true},
	} {
		if err := CheckPasswordPolicy(tc.password); (err == nil) != tc.ok {
			t.Errorf("%s: CheckPasswordPolicy = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// BenchmarkHashPassword measures DefaultParams on this machine: the cost of
// one login.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", DefaultParams()); err != nil {
			b.Fatal(err)
		}
	}
}
