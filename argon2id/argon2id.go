// Package argon2id hashes and checks passwords with Argon2id (RFC 9106),
// encoded in the PHC string format that other tools read:
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>
//
// The parameters travel in each hash, so raising them later leaves existing
// passwords working.
package argon2id

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are the cost of one hash.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLength  int
	KeyLength   uint32
}

// DefaultParams follow RFC 9106's second recommended option (64 MiB, three
// passes), with two lanes instead of four so that a burst of sign-ins does
// not take every core of a small server: about 60 ms on one current core,
// cheap for a person signing in once a shift and ruinous for a guesser
// holding a stolen database. Sign-ins run a few at a time (see the http
// package), which bounds the memory a crowd of them can claim.
var DefaultParams = Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// ErrMalformed is returned for a stored hash that is not an Argon2id PHC
// string this package can read.
var ErrMalformed = errors.New("argon2id: malformed hash")

var b64 = base64.RawStdEncoding

// Hash returns the encoded Argon2id hash of password with DefaultParams and
// a fresh random salt.
func Hash(password string) string { return HashWith(password, DefaultParams) }

// HashWith returns the encoded hash of password with p.
func HashWith(password string, p Params) string {
	salt := make([]byte, p.SaltLength)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Limits on the parameters of a stored hash, so that a tampered row cannot
// make one sign-in allocate gigabytes or run for minutes.
const (
	maxMemory     = 1 << 20 // 1 GiB in KiB
	maxIterations = 100
)

// Verify reports whether password matches the encoded hash, in time that
// does not depend on where they differ.
func Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

func decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrMalformed
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil {
		return p, nil, nil, ErrMalformed
	}
	if p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory || p.Iterations < 1 || p.Iterations > maxIterations || p.Parallelism < 1 {
		return p, nil, nil, ErrMalformed
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrMalformed
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrMalformed
	}
	p.SaltLength, p.KeyLength = len(salt), uint32(len(key))
	return p, salt, key, nil
}

var (
	dummyOnce sync.Once
	dummy     string
)

// VerifyNobody does the work of a Verify that fails, for a sign-in with an
// address that has no account: the answer then takes as long as a wrong
// password for a real account, so timing does not tell which addresses
// exist.
func VerifyNobody(password string) {
	dummyOnce.Do(func() { dummy = Hash("no account has this password") })
	Verify(dummy, password)
}
