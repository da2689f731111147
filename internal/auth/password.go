package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters (RFC 9106).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
}

// DefaultParams follow the second recommended option of RFC 9106 section
// 4 (64 MiB, 3 passes), with 2 lanes for our 2-core machines: one hash
// takes 65-75 ms there, up to 150 ms while other work keeps both cores busy
// (BenchmarkHashPassword, 64 MiB and 56 allocations a hash). Each login
// holds 64 MiB while it hashes; Options.MaxConcurrentHashes bounds how many
// do at once.
func DefaultParams() Params { return Params{Memory: 64 * 1024, Time: 3, Threads: 2} }

const (
	saltLen = 16 // bytes; RFC 9106 recommends 16
	keyLen  = 32 // bytes of tag

	// Limits on what a PHC string may ask for, so that a hash read from
	// the store cannot make a login allocate gigabytes or spin for
	// minutes.
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 16
	maxThreads = 16
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64

	// MinPasswordLen is the shortest password accepted, in characters
	// (NIST SP 800-63B asks at least 8; these accounts see personal data).
	MinPasswordLen = 12
	// maxPasswordLen bounds the bytes hashed, in characters of any size.
	maxPasswordLen = 1024
)

// phcPrefix starts every hash this package writes: argon2id, version 0x13.
const phcPrefix = "$argon2id$v=19$"

// b64 is the encoding of salt and tag in PHC strings: standard alphabet,
// no padding, no stray bits.
func b64() *base64.Encoding { return base64.RawStdEncoding.Strict() }

// HashPassword hashes password with argon2id and a new random salt, in the
// PHC string format: $argon2id$v=19$m=65536,t=3,p=2$<salt>$<tag>.
func HashPassword(password string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand documents it)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return formatPHC(p, salt, key), nil
}

func formatPHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix, p.Memory, p.Time, p.Threads,
		b64().EncodeToString(salt), b64().EncodeToString(key))
}

// CheckPassword reports whether password matches the PHC string hash, and
// whether the hash should be made again with want (its parameters, salt or
// tag length differ). The tags are compared in constant time. An error
// means hash is not a PHC string this package can check.
func CheckPassword(hash, password string, want Params) (match, rehash bool, err error) {
	p, salt, key, err := parsePHC(hash)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	match = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p != want || len(salt) != saltLen || len(key) != keyLen
	return match, rehash, nil
}

var errPHC = errors.New("not an argon2id PHC string")

// parsePHC reads $argon2id$v=19$m=M,t=T,p=P$salt$tag, in that order, with
// every number in decimal without sign or leading zeros, and salt and tag
// in unpadded standard base64. Nothing else is accepted.
func parsePHC(s string) (p Params, salt, key []byte, err error) {
	rest, ok := strings.CutPrefix(s, phcPrefix)
	if !ok {
		return Params{}, nil, nil, fmt.Errorf("%w: want prefix %s", errPHC, phcPrefix)
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return Params{}, nil, nil, fmt.Errorf("%w: want parameters, salt and hash", errPHC)
	}
	params := strings.Split(fields[0], ",")
	if len(params) != 3 {
		return Params{}, nil, nil, fmt.Errorf("%w: want m, t and p", errPHC)
	}
	var n [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(params[i], name+"=")
		if !ok || v == "" || (v[0] == '0' && len(v) > 1) {
			return Params{}, nil, nil, fmt.Errorf("%w: bad parameter %q", errPHC, params[i])
		}
		if n[i], err = strconv.ParseUint(v, 10, 32); err != nil {
			return Params{}, nil, nil, fmt.Errorf("%w: bad parameter %q", errPHC, params[i])
		}
	}
	if n[2] > maxThreads {
		return Params{}, nil, nil, fmt.Errorf("%w: p=%d is more than %d", errPHC, n[2], maxThreads)
	}
	p = Params{Memory: uint32(n[0]), Time: uint32(n[1]), Threads: uint8(n[2])}
	if err := p.check(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %w", errPHC, err)
	}
	if salt, err = b64().DecodeString(fields[1]); err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return Params{}, nil, nil, fmt.Errorf("%w: bad salt", errPHC)
	}
	if key, err = b64().DecodeString(fields[2]); err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return Params{}, nil, nil, fmt.Errorf("%w: bad hash", errPHC)
	}
	return p, salt, key, nil
}

// check rejects parameters argon2 cannot use, or that cost too much.
func (p Params) check() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("argon2id: threads %d not in [1, %d]", p.Threads, maxThreads)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id: time %d not in [1, %d]", p.Time, maxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("argon2id: memory %d KiB not in [%d, %d]", p.Memory, 8*uint32(p.Threads), maxMemory)
	}
	return nil
}

// CheckPasswordPolicy rejects a password that is too short or too long.
// (Length is what counts, NIST SP 800-63B section 3.1.1.2: no composition
// rules.)
func CheckPasswordPolicy(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case strings.TrimSpace(password) == "" || n < MinPasswordLen:
		return fmt.Errorf("%w: a password needs at least %d characters", ErrInvalid, MinPasswordLen)
	case n > maxPasswordLen:
		return fmt.Errorf("%w: a password has at most %d characters", ErrInvalid, maxPasswordLen)
	}
	return nil
}

// GeneratePassword returns a new random password: 26 characters of base32
// (130 bits).
func GeneratePassword() string { return rand.Text() }
