package argon2id

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps the tests fast; the encoding and checks are the same.
var cheap = Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func TestHash(t *testing.T) {
	t.Run("DefaultParamsInEncoding", func(t *testing.T) {
		h := Hash("correct horse battery")
		if want := "$argon2id$v=19$m=65536,t=3,p=2$"; !strings.HasPrefix(h, want) {
			t.Errorf("hash = %q, want prefix %q", h, want)
		}
		ok, err := Verify(h, "correct horse battery")
		if err != nil || !ok {
			t.Errorf("Verify(right password) = %v, %v; want true", ok, err)
		}
	})
	t.Run("SaltedDifferently", func(t *testing.T) {
		if a, b := HashWith("same", cheap), HashWith("same", cheap); a == b {
			t.Errorf("two hashes of one password are equal: %q", a)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		ok, err := Verify(HashWith("correct horse battery", cheap), "correct horse batterz")
		if err != nil || ok {
			t.Errorf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
		}
	})
	t.Run("ParamsFromTheHash", func(t *testing.T) {
		h := HashWith("pw", Params{Memory: 128, Iterations: 2, Parallelism: 1, SaltLength: 8, KeyLength: 16})
		if ok, err := Verify(h, "pw"); err != nil || !ok {
			t.Errorf("Verify = %v, %v; want true", ok, err)
		}
	})
}

func TestVerifyMalformed(t *testing.T) {
	good := HashWith("pw", cheap)
	parts := strings.Split(good, "$")
	for _, tt := range []struct{ name, hash string }{
		{"Empty", ""},
		{"Bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"Argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"OtherVersion", strings.Replace(good, "v=19", "v=16", 1)},
		{"HugeMemory", strings.Join([]string{"", parts[1], parts[2], "m=4194304,t=1,p=1", parts[4], parts[5]}, "$")},
		{"ZeroIterations", strings.Join([]string{"", parts[1], parts[2], "m=64,t=0,p=1", parts[4], parts[5]}, "$")},
		{"BadSalt", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$")},
		{"ShortKey", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if ok, err := Verify(tt.hash, "pw"); ok || !errors.Is(err, ErrMalformed) {
				t.Errorf("Verify = %v, %v; want false, ErrMalformed", ok, err)
			}
		})
	}
}
