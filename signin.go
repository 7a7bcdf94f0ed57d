package liveblog

import (
	"strings"
	"time"
	"unicode/utf8"
)

// SignInFailures is the record of failed sign-ins from one client address:
// one row whose counts rise, never a row per attempt, so that what a client
// nobody has signed in can make the database keep grows with the addresses
// it has, not with the requests it sends.
type SignInFailures struct {
	// Address is the client as sign-in throttling sees it: an IP address,
	// or an IPv6 /64.
	Address string `json:"address"`
	// Failures counts the attempts whose password was checked and wrong
	// (or whose account does not exist).
	Failures int64 `json:"failures"`
	// Throttled counts the attempts refused unchecked, over a limit.
	Throttled int64 `json:"throttled"`
	// LastEmail is the account the latest checked failure named. Nothing
	// a throttled attempt typed is kept.
	LastEmail string    `json:"last_email"`
	FirstAt   time.Time `json:"first_at"`
	LastAt    time.Time `json:"last_at"`
}

// SignInFailure is one failed sign-in, as the desk reports it to the store.
type SignInFailure struct {
	Address string
	// Email is the account tried, "" for a throttled attempt.
	Email     string
	Throttled bool
}

// Limits on what an unauthenticated client can have stored.
const (
	// MaxAddressLength bounds a client address: the longest an address
	// or /64 prefix is written is 45 bytes (an IPv4-mapped IPv6 address).
	MaxAddressLength = 64
	// MaxLoginKeyLength bounds a key of the sign-in throttle: a prefix
	// such as "account:" and an email or address.
	MaxLoginKeyLength = 16 + MaxEmailLength
	// SignInFailureRetention is how long an address's failures are kept
	// after its last one: long enough to notice a campaign at the next
	// review of the log, and it bounds the rows a spread of addresses
	// leaves behind.
	SignInFailureRetention = 30 * 24 * time.Hour
)

// Counts is what the failure adds to its address's counts.
func (f *SignInFailure) Counts() (failures, throttled int64) {
	if f.Throttled {
		return 0, 1
	}
	return 1, 0
}

// Validate checks a failure before it is stored.
func (f *SignInFailure) Validate() error {
	if f.Address == "" || len(f.Address) > MaxAddressLength || !utf8.ValidString(f.Address) {
		return FieldError("address", "A client address has 1 to %d bytes.", MaxAddressLength)
	}
	if f.Throttled && f.Email != "" {
		return FieldError("email", "A throttled attempt keeps nothing that was typed.")
	}
	if len(f.Email) > MaxEmailLength || !utf8.ValidString(f.Email) {
		return FieldError("email", "An email address has at most %d bytes.", MaxEmailLength)
	}
	return nil
}

// ValidateLoginKeys checks the keys of a sign-in attempt before they are
// stored or looked up.
func ValidateLoginKeys(keys []string) error {
	for _, k := range keys {
		if k == "" || len(k) > MaxLoginKeyLength || !utf8.ValidString(k) || strings.ContainsRune(k, 0) {
			return FieldError("key", "A sign-in throttle key has 1 to %d bytes.", MaxLoginKeyLength)
		}
	}
	return nil
}
