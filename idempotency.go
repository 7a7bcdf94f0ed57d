package liveblog

import (
	"context"
	"time"
)

// IdempotencyTTL is how long a write made with an Idempotency-Key is
// remembered. A client retries a request it got no answer to within
// seconds or minutes, or at worst after an outage of some hours; a day
// covers that and keeps the record small (one row per write a day).
const IdempotencyTTL = 24 * time.Hour

// MaxIdempotencyKeyLength bounds a key: a UUID is 36 characters, and room
// for a client's own prefix is plenty; a key is stored with every write.
const MaxIdempotencyKeyLength = 255

// ValidateIdempotencyKey checks a key as a client sends it: 1 to
// MaxIdempotencyKeyLength visible ASCII characters.
func ValidateIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLength {
		return FieldError("Idempotency-Key", "An Idempotency-Key is 1 to %d visible ASCII characters, such as a UUID.", MaxIdempotencyKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' {
			return FieldError("Idempotency-Key", "An Idempotency-Key is 1 to %d visible ASCII characters, such as a UUID.", MaxIdempotencyKeyLength)
		}
	}
	return nil
}

// IdempotentRequest is a write made with an Idempotency-Key: whose key it
// is, and what the request was. The http package gives it to the store
// mutation the request makes (Write.Idempotent), which records it in the
// same transaction as the mutation, so that no crash can leave a mutation
// without its record or a record without its mutation.
type IdempotentRequest struct {
	// TokenID scopes the key: two clients may choose the same key.
	TokenID int64
	Key     string
	Method  string
	Path    string
	// Hash is a digest of everything that makes the request this request
	// (method, path, If-Match and body), so that a key reused for another
	// request is told apart from a retry.
	Hash string
}

// IdempotencyRecord is a remembered write: the request's identity and what
// the write produced, from which a retry is answered. It keeps no copy of
// the response, so a post taken down leaves none here either.
type IdempotencyRecord struct {
	TokenID int64
	Key     string
	Method  string
	Path    string
	Hash    string
	// EventID, PostID and Version name what the write produced: a post of
	// the event (PostID not 0) or the event itself, at the version it left.
	EventID int64
	PostID  int64
	Version int

	CreatedAt time.Time
}

// Matches reports whether req is a retry of the request r records, rather
// than another request under the same key.
func (r *IdempotencyRecord) Matches(req *IdempotentRequest) bool {
	return r.Method == req.Method && r.Path == req.Path && r.Hash == req.Hash
}

// IdempotencyCutoff is the time before which a record made counts as absent
// at now.
func IdempotencyCutoff(now time.Time) time.Time { return now.Add(-IdempotencyTTL) }

// IdempotencyStore keeps the records of idempotent writes.
//
// Contract: a mutation of a post or an event whose Write carries an
// IdempotentRequest stores an IdempotencyRecord in its own transaction,
// naming what it produced. A request makes at most one such mutation. A
// second mutation under a token and key that already has a live record
// fails with ECONFLICT and changes nothing, whichever node makes it; a
// record older than IdempotencyTTL counts as absent and is replaced.
type IdempotencyStore interface {
	// FindIdempotencyRecord returns the record of key for the token, or
	// ENOTFOUND when there is none younger than IdempotencyTTL.
	FindIdempotencyRecord(ctx context.Context, tokenID int64, key string) (*IdempotencyRecord, error)
	// DeleteExpiredIdempotencyRecords deletes the records older than
	// IdempotencyTTL and reports how many there were.
	DeleteExpiredIdempotencyRecords(ctx context.Context) (int64, error)
}
