package liveblog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ChangeKind names what a Change did.
type ChangeKind string

// Change kinds: everything a reader can see change on a live page.
const (
	ChangePostPublished ChangeKind = "post.published"
	ChangePostUpdated   ChangeKind = "post.updated"
	ChangePostDeleted   ChangeKind = "post.deleted"
	ChangePostPinned    ChangeKind = "post.pinned"
	ChangePostUnpinned  ChangeKind = "post.unpinned"
	ChangeSummary       ChangeKind = "summary.updated"
	ChangeCoverage      ChangeKind = "coverage.changed"
	ChangeEvent         ChangeKind = "event.updated"
)

// Change is one entry of an event's change feed. Seq is gapless and strictly
// increasing per event: the first change of an event is 1, and the stream's
// frame ids, the polling endpoint and cache keys are all these numbers.
//
// A change carries the state it produced: the post after a post change (nil
// for a deletion, and nil in every earlier change of a post once it has been
// deleted, so a takedown leaves no copy in the feed), or the event after an
// event, summary or coverage change.
type Change struct {
	EventID   int64      `json:"event_id"`
	Seq       int64      `json:"seq"`
	Kind      ChangeKind `json:"kind"`
	PostID    int64      `json:"post_id,omitempty"`
	Post      *Post      `json:"post,omitempty"`
	Event     *Event     `json:"event,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// UnmarshalPayload sets the post or event c carries, by its kind, from data,
// the JSON a store keeps of it. Nil data (a deletion, or an earlier change of
// a post taken down) carries neither.
func (c *Change) UnmarshalPayload(data []byte) error {
	if data == nil {
		return nil
	}
	var target any
	switch c.Kind {
	case ChangeSummary, ChangeCoverage, ChangeEvent:
		c.Event = new(Event)
		target = c.Event
	default:
		c.Post = new(Post)
		target = c.Post
	}
	if err := json.Unmarshal(data, target); err != nil {
		return fmt.Errorf("change %d: %w", c.Seq, err)
	}
	return nil
}

// ChangeFilter selects changes after a position in an event's feed.
type ChangeFilter struct {
	EventID int64
	After   int64
	Limit   int
}

// Check validates f and returns the number of changes to read: f.Limit, and
// MaxChangesPerRead when that is 0 or more than that.
func (f *ChangeFilter) Check() (int, error) {
	return clampLimit(f.Limit, MaxChangesPerRead, MaxChangesPerRead)
}

// ChangeBatch is a slice of an event's feed. Floor is the earliest position a
// reader can resume from: changes up to Floor have been trimmed away, so a
// reader whose position is below Floor must reload the current state instead
// (the stream sends it a reset). Head is the latest sequence.
type ChangeBatch struct {
	Changes []*Change
	Head    int64
	Floor   int64
}

// NeedsReset reports whether a reader at position after cannot be brought up
// to date from the feed: its position is older than anything kept, or ahead
// of the head (it read another instance or a restored backup).
func (b *ChangeBatch) NeedsReset(after int64) bool {
	return after < b.Floor || after > b.Head
}

// MaxChangesPerRead bounds one read of the feed; callers page through longer
// gaps.
const MaxChangesPerRead = 500

// ChangeStore reads an event's change feed.
type ChangeStore interface {
	// FindChanges returns changes with Seq > filter.After in order, at most
	// filter.Limit (MaxChangesPerRead when 0), with the head and floor read in
	// the same transaction.
	FindChanges(ctx context.Context, filter ChangeFilter) (*ChangeBatch, error)
	// TrimChanges drops the oldest changes of an event so that at most keep
	// remain, and raises the event's floor accordingly.
	TrimChanges(ctx context.Context, eventID int64, keep int) error
}
