package liveblog

import (
	"context"
	"time"
)

// Presence is a colleague on an event's desk: who, and which post they have
// open in the composer, so that two people do not write the same update.
// It lives in the database, not in a node's memory, so everyone behind a
// load balancer sees everyone else.
type Presence struct {
	UserID   int64  `json:"user_id"`
	UserName string `json:"user_name"`
	EventID  int64  `json:"event_id"`
	// PostID is the post being edited, 0 for a new one or none; Headline
	// is that post's headline as last saved.
	PostID   int64     `json:"post_id"`
	Headline string    `json:"headline"`
	SeenAt   time.Time `json:"seen_at"`
}

// Presence timing.
const (
	// PresenceInterval is how often an open desk says it is there: often
	// enough that a colleague sees a switch of post within seconds, rarely
	// enough to be one small write per person per interval.
	PresenceInterval = 10 * time.Second
	// PresenceTimeout is how long a desk counts as open after it last said
	// so: three missed heartbeats, so one slow request does not make a
	// colleague vanish, and a closed tab is gone within half a minute.
	PresenceTimeout = 30 * time.Second
)

// PresenceStore keeps who is on which event's desk.
type PresenceStore interface {
	// SetPresence records that p.UserID is on p.EventID's desk with
	// p.PostID open, stamping p.SeenAt.
	SetPresence(ctx context.Context, p *Presence) error
	// FindPresence lists who has been on the event's desk since since,
	// by name, with the headline of the post each has open.
	FindPresence(ctx context.Context, eventID int64, since time.Time) ([]*Presence, error)
}
