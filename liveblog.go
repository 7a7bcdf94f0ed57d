// Package liveblog holds the domain of a live-coverage platform: live events,
// the posts published into them, and the gapless per-event change feed that
// every reader surface (stream, polling, pages, feeds) is derived from.
//
// The package depends on the standard library only. Storage, brokers and the
// HTTP surfaces live in sub-packages named after their technology, and only
// cmd/liveblog knows the concrete types.
package liveblog

import (
	"context"
	"time"
)

// Build information, set by the linker in release builds.
var (
	Version = "dev"
	Commit  = ""
)

// DefaultTimeZone is the display zone of a new event: the first newsrooms to
// run liveblog publish in UK time, as in "09:45 GMT 13 February".
const DefaultTimeZone = "Europe/London"

// DefaultPageSize is how many posts a reader page shows before the "older
// posts" link. It matches what live pages on news sites show on a phone
// without the first paint becoming heavy.
const DefaultPageSize = 20

// MaxPageSize bounds any single listing so that no request's cost grows with
// the length of an event.
const MaxPageSize = 100

// PageLimit turns a requested listing size into the one served: 0 means
// DefaultPageSize, and no listing is longer than MaxPageSize.
func PageLimit(limit int) (int, error) {
	return clampLimit(limit, DefaultPageSize, MaxPageSize)
}

// clampLimit turns a requested limit into the one served: 0 means def, and
// none is more than most.
func clampLimit(limit, def, most int) (int, error) {
	switch {
	case limit < 0:
		return 0, FieldError("limit", "The limit cannot be negative.")
	case limit == 0:
		return def, nil
	}
	return min(limit, most), nil
}

// Now is the clock the domain uses; tests and stores may replace it per
// instance, never globally, so it is only a default.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Store is the record of an instance: events, posts, their change feed and
// API tokens. Every method runs in one transaction. Implementations append the
// Changes a mutation causes in the same transaction as the mutation, and call
// the Announcer set on them only after the transaction has committed.
type Store interface {
	EventStore
	PostStore
	ChangeStore
	TokenStore
	Close() error
}

// Database is everything a store adapter keeps: the record (Store), the
// newsroom's accounts, idempotent writes, webhooks, the audit log and
// presence, and the import of whole events. Both adapters implement all of
// it; the http package takes it whole, so that a store lacking a piece fails
// to compile instead of losing a feature at run time.
type Database interface {
	Store
	UserStore
	IdempotencyStore
	WebhookStore
	AuditStore
	PresenceStore
	SearchStore
	// ImportEvent stores an event, its posts, its feed and its summary
	// history exactly as another instance recorded them (see
	// Service.ImportEvent).
	ImportEvent(ctx context.Context, e *Event, posts []*Post, feed *ChangeBatch, history []*SummaryRecord) error
	// Ping checks that the database answers, for the readiness probe.
	Ping(ctx context.Context) error
}

// Announcer is told, after a commit, the new head sequence of an event's change
// feed. A Broker is an Announcer; so is the in-process hub in tests. Announce
// must not block, and announces even when ctx is done: the commit has
// happened, and readers would otherwise wait for a poll. ctx carries the
// writer's values, for log lines.
type Announcer interface {
	Announce(ctx context.Context, eventID int64, head int64)
}

// AnnouncerFunc adapts a function to an Announcer.
type AnnouncerFunc func(ctx context.Context, eventID, head int64)

// Announce calls f.
func (f AnnouncerFunc) Announce(ctx context.Context, eventID, head int64) { f(ctx, eventID, head) }

// Announcement says that event EventID has changes up to and including Head.
// It carries no payload: the store is the record, and a node that receives an
// announcement reads the changes it has not yet delivered from the store, so a
// lost or reordered announcement can never open a gap.
type Announcement struct {
	EventID int64 `json:"event_id"`
	Head    int64 `json:"head"`
	// Resync, set by a broker that may have missed announcements (it lost
	// and regained its connection), asks every hub to re-read the feed of
	// every event it serves. EventID and Head are zero then.
	Resync bool `json:"resync,omitempty"`
}

// Broker carries announcements between the nodes of an instance: in process
// (inmem) for the single binary, over NATS when several nodes share one
// PostgreSQL database.
type Broker interface {
	Announcer
	// Subscribe calls fn for every announcement until the returned cancel
	// function is called. fn must not block for long.
	Subscribe(fn func(Announcement)) (cancel func())
	Close() error
}
