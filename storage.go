package liveblog

import (
	"context"
	"time"
)

// Storage is a store adapter as the Service drives it: transactions, and in
// them the adapter's own SQL, a method per statement or two. It decides
// nothing. Every rule (versions, the change feed, pins, takedowns, sessions,
// what is audited and recorded) is the Service's, written once for every
// adapter; an adapter only reads, locks and writes rows.
type Storage interface {
	// Now is the store's clock, in UTC to the microsecond.
	Now() time.Time
	// Write runs fn in one write transaction, committed when fn returns nil
	// and rolled back otherwise.
	Write(ctx context.Context, fn func(Tx) error) error
	// Read runs fn in one read-only transaction: its reads see one snapshot.
	Read(ctx context.Context, fn func(ReadTx) error) error
	// Session reads a session and its user, in one statement; ENOTFOUND
	// when there is none.
	Session(ctx context.Context, hash string) (*Session, error)
	// WebhookDue reports whether a webhook may have a delivery due at now,
	// so that an idle worker polls without opening a write transaction. A
	// store whose claims cost no more than this check answers true.
	WebhookDue(ctx context.Context, now time.Time) (bool, error)
}

// ReadTx is what a transaction reads, under the context its Read or Write
// was given. Methods that read one row return ENOTFOUND when there is none.
type ReadTx interface {
	EventBySlug(slug string) (*Event, error)
	// CheckEvent returns ENOTFOUND for an event that does not exist.
	CheckEvent(id int64) error
	Post(id int64) (*Post, error)
	// Pinned reads the event's pinned post, nil when it has none.
	Pinned(eventID int64) (*Post, error)
	// Seek reads up to n posts of l beyond cursor c (from the start when c
	// is nil) towards older or newer posts, nearest first.
	Seek(l Listing, older bool, c *Cursor, n int) ([]*Post, error)
	// Exists reports whether l has a post beyond c towards older or newer
	// posts.
	Exists(l Listing, older bool, c *Cursor) (bool, error)
	// CountLoginAttempts counts the sign-in attempts against key since
	// since.
	CountLoginAttempts(key string, since time.Time) (int, error)
	// Search reads the page of posts s asks for from the search index:
	// the posts whose headline matches every term not excluded first,
	// then the others, each group by id, highest first.
	Search(s *SearchSpec) ([]SearchHit, error)
	// SummaryHistory reads up to n of the event's replaced summaries,
	// newest first; SummaryRecord reads one of them (ErrNoSummaryRecord
	// when the event has no such record).
	SummaryHistory(eventID int64, n int) ([]*SummaryRecord, error)
	SummaryRecord(eventID, id int64) (*SummaryRecord, error)
}

// Listing is the set of posts a listing walks: one event's posts in some
// statuses (published only when none are named), ordered by their sort time
// (PublishedAt, or CreatedAt for a post never published) and id.
type Listing struct {
	EventID  int64
	Statuses []PostStatus
	KeyOnly  bool
	// ExcludePinned leaves the pinned post out.
	ExcludePinned bool
}

// StatusNames returns the names of the statuses l walks: published when it
// names none.
func (l Listing) StatusNames() []string {
	if len(l.Statuses) == 0 {
		return []string{string(StatusPublished)}
	}
	names := make([]string, len(l.Statuses))
	for i, st := range l.Statuses {
		names[i] = string(st)
	}
	return names
}

// Tx is one write transaction of a Storage, running under the context its
// Write was given. Every method is a statement or two of the adapter's SQL:
// the Service decides what to write.
type Tx interface {
	ReadTx
	// Now is the time the transaction started: every time it stamps.
	Now() time.Time

	// LockEvent takes the lock that every writer of an event's posts and
	// feed holds until it commits; ENOTFOUND when there is no such event.
	// Writers take it first (the scheduler takes several, in id order), so
	// that they queue on one row and never deadlock.
	LockEvent(id int64) error
	// LockedEvent takes the event's lock and reads the event.
	LockedEvent(id int64) (*Event, error)
	// InsertEvent stores e with its version, times and head, and with
	// floor; under e.ID unless that is 0, when it sets e.ID. A slug in use
	// is ErrSlugTaken.
	InsertEvent(e *Event, floor int64) error
	// SaveEvent writes an event's own fields; head and floor are the feed's.
	SaveEvent(e *Event) error

	// LockPost takes its event's lock (LockEvent) and reads the post.
	LockPost(id int64) (*Post, error)
	// LockDuePosts takes the locks of the events with scheduled posts due
	// at now, in id order, and then reads those posts, in the order of
	// their time and id.
	LockDuePosts(now time.Time) ([]*Post, error)
	// InsertPost stores p as it is; under p.ID unless that is 0, when it
	// sets p.ID.
	InsertPost(p *Post) error
	SavePost(p *Post) error
	// IndexPost writes d into the search index, replacing the post's
	// record; UnindexPost deletes the post's record.
	IndexPost(d SearchDoc) error
	UnindexPost(id int64) error
	// SearchBackfill reads how far the indexing of the posts written
	// before the search index existed has come: pending while the posts
	// with ids above after are still to be indexed, locking it until
	// commit. SetSearchBackfill moves it on; EndSearchBackfill ends it.
	SearchBackfill() (after int64, pending bool, err error)
	SetSearchBackfill(after int64) error
	EndSearchBackfill() error
	// PostsAfter reads up to n posts, in any status, with ids above id,
	// in id order, each kept from changing until commit.
	PostsAfter(id int64, n int) ([]*Post, error)
	// ReserveIDs reports whether the event id and the post ids are all
	// free, and when they are, makes sure the store does not hand them out
	// to anything else.
	ReserveIDs(eventID int64, postIDs []int64) (bool, error)

	// NextSeq raises the event's head and returns it: the sequence of the
	// change being appended. The caller holds the event's lock.
	NextSeq(eventID int64) (int64, error)
	// InsertChange stores c with its sequence, time and payload (its post,
	// its event, or none).
	InsertChange(c *Change) error
	// Redact clears the payloads of every change of a post.
	Redact(eventID, postID int64) error
	// LockFeed takes the event's lock and reads its head and floor.
	LockFeed(eventID int64) (head, floor int64, err error)
	// TrimFeed deletes the event's changes up to through and raises its
	// floor to it.
	TrimFeed(eventID, through int64) error
	// Change reads one change of an event's feed.
	Change(eventID, seq int64) (*Change, error)

	// InsertToken stores t and sets its id; a hash in use is ErrTokenTaken.
	InsertToken(t *Token) error
	// TokenByHash reads the token with this hash if it is not revoked.
	TokenByHash(hash string) (*Token, error)
	// TouchToken records that a token was used at at.
	TouchToken(id int64, at time.Time) error
	// RevokeToken stamps a token revoked at at unless it already is.
	RevokeToken(id int64, at time.Time) error

	// InsertUser stores u and sets its id; an email in use is
	// ErrEmailTaken.
	InsertUser(u *User) error
	// LockUser reads a user and locks it against every other write until
	// commit; ShareUser reads a user and keeps it from changing until
	// commit, letting other readers share it.
	LockUser(id int64) (*User, error)
	ShareUser(id int64) (*User, error)
	// SaveUser writes a user's name, role, byline, disabled flag, password
	// hash, time and version.
	SaveUser(u *User) error

	InsertSession(s *Session) error
	// LockSession reads a session and its user, locking the session.
	LockSession(hash string) (*Session, error)
	TouchSession(hash string, at time.Time) error
	DeleteSession(hash string) error
	// EndSessions deletes a user's sessions but the one whose hash is
	// except ("" for none).
	EndSessions(userID int64, except string) error
	// DropSessions deletes the sessions that expire by expiredBy or were
	// last seen before idleSince.
	DropSessions(expiredBy, idleSince time.Time) error

	// LockLoginKeys serialises the counting of sign-in attempts against
	// each key, locking them in the order given.
	LockLoginKeys(keys []string) error
	InsertLoginAttempt(attempt, key string, at time.Time) error
	// DropLoginAttempts deletes the attempts made before before.
	DropLoginAttempts(before time.Time) error
	// ForgetLoginAttempt deletes the rows of one attempt.
	ForgetLoginAttempt(attempt string) error
	// AddSignInFailure adds failures and throttled to the counts of
	// address's row, creating it first at at, and stamps it last at at;
	// an email that is not "" becomes its last email.
	AddSignInFailure(address string, failures, throttled int64, email string, at time.Time) error
	// DropSignInFailures deletes the addresses whose last failure was
	// before before.
	DropSignInFailures(before time.Time) error

	// InsertSummaryRecord stores r and sets its id.
	InsertSummaryRecord(r *SummaryRecord) error

	// InsertAudit stores a and sets its id.
	InsertAudit(a *AuditEntry) error

	// InsertIdempotencyRecord stores r; a key the token has a record of is
	// ErrKeyTaken. A record of the same key on another node's transaction
	// not yet committed makes it wait for that one.
	InsertIdempotencyRecord(r *IdempotencyRecord) error
	// DropIdempotencyRecord deletes the token's record of key if it was
	// made before before.
	DropIdempotencyRecord(tokenID int64, key string, before time.Time) error
	// DropIdempotencyRecords deletes the records made before before and
	// reports how many there were.
	DropIdempotencyRecords(before time.Time) (int64, error)

	// UpsertPresence records p, replacing the user's row for the event.
	UpsertPresence(p *Presence) error
	// DropPresence deletes the rows last seen before before.
	DropPresence(before time.Time) error

	// InsertWebhook stores w, due from the change after its event's head,
	// and sets its id and NextSeq; ENOTFOUND when the event does not exist.
	InsertWebhook(w *Webhook) error
	// DeleteWebhook deletes a webhook and its attempts.
	DeleteWebhook(id int64) error
	// DueWebhook reads the active webhook whose next change is longest
	// due at now and not leased, with its event's floor and slug, locking
	// it; nil when there is none.
	DueWebhook(now time.Time) (w *Webhook, floor int64, slug string, err error)
	// MoveWebhook sets the change a webhook gets next, as its first attempt.
	MoveWebhook(id, nextSeq int64) error
	// LeaseWebhook counts an attempt at a webhook's next change and leases
	// it until until, returning the attempt's number.
	LeaseWebhook(id int64, until time.Time) (attempt int, err error)
	// AdvanceWebhook moves a webhook on to its next change, and RetryWebhook
	// makes the same change due again at at, both ending the lease; each
	// only while the webhook is still at seq and attempt, and reports
	// whether it was.
	AdvanceWebhook(id, seq int64, attempt int) (bool, error)
	RetryWebhook(id, seq int64, attempt int, at time.Time) (bool, error)
	// InsertWebhookAttempt stores a and sets its id.
	InsertWebhookAttempt(a *WebhookAttempt) error
}
