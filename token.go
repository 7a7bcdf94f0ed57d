package liveblog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// TokenPrefix starts every API token so that secret scanners and people can
// recognise one.
const TokenPrefix = "lb_"

// TokenUseResolution is how stale a token's LastUsedAt may get before a use
// rewrites it: enough to tell an idle token from a busy one without a write
// on every API request.
const TokenUseResolution = time.Minute

// Token is an API credential. Only a hash of the secret is stored; the secret
// is shown once, when the token is created.
type Token struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Hash       string    `json:"-"`
	UserID     int64     `json:"user_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// NewTokenSecret returns a fresh random secret and its hash.
func NewTokenSecret() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken returns the stored form of a token secret. A fast hash is right
// here: the secret has 256 bits of entropy, so there is nothing to stretch.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenStore keeps API tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, w Write, t *Token) error
	// FindTokenByHash returns an unrevoked token and records its use.
	FindTokenByHash(ctx context.Context, hash string) (*Token, error)
	FindTokens(ctx context.Context) ([]*Token, error)
	// RevokeToken revokes a token for good; revoking it again changes
	// nothing.
	RevokeToken(ctx context.Context, w Write, id int64) error
}

// Validate checks a token before it is stored. The hash is what requests are
// matched against, so a token without one could never be used.
func (t *Token) Validate() error {
	if err := validateText("name", t.Name, MaxNameLength, true); err != nil {
		return err
	}
	if len(t.Hash) != sha256.Size*2 {
		return FieldError("hash", "A token needs the SHA-256 hash of its secret (see HashToken).")
	}
	return nil
}
