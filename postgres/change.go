package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

// appendChange gives c the event's next sequence and stores it. Raising the
// head in the writing transaction takes the event's row lock (held already by
// every caller) until commit, so concurrent writers on any node get
// consecutive numbers, and a rollback gives its number back: a sequence object
// would leave a gap for every transaction that failed. The head is announced
// after commit.
func (tx *tx) appendChange(ctx context.Context, c *liveblog.Change) error {
	if err := tx.QueryRow(ctx, `UPDATE events SET head = head + 1 WHERE id = $1 RETURNING head`, c.EventID).Scan(&c.Seq); err != nil {
		return fmt.Errorf("append change: %w", err)
	}
	c.CreatedAt = tx.now
	var data any
	switch {
	case c.Post != nil:
		data = c.Post
	case c.Event != nil:
		c.Event.Head = c.Seq
		data = c.Event
	}
	var payload []byte
	if data != nil {
		var err error
		if payload, err = jsonValue(data); err != nil {
			return err
		}
	}
	// A nil payload is SQL NULL: a deletion carries no post.
	if _, err := tx.Exec(ctx, `INSERT INTO changes (event_id, seq, kind, post_id, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.EventID, c.Seq, c.Kind, idValue(c.PostID), payload, c.CreatedAt); err != nil {
		return fmt.Errorf("append change: %w", err)
	}
	tx.heads[c.EventID] = c.Seq
	return nil
}

// appendPostChange appends a change carrying a copy of p as it is now.
func (tx *tx) appendPostChange(ctx context.Context, kind liveblog.ChangeKind, p *liveblog.Post) error {
	snapshot := *p
	return tx.appendChange(ctx, &liveblog.Change{EventID: p.EventID, Kind: kind, PostID: p.ID, Post: &snapshot})
}

// changesQuery reads the changes of event $1 after seq $2, at most $3, with
// the event's head and floor: the event's row comes back once per change, or
// once alone when there is none to read (or the position is below the floor).
const changesQuery = `SELECT e.head, e.floor, c.seq, c.kind, c.post_id, c.data, c.created_at
	FROM events e LEFT JOIN LATERAL (
		SELECT seq, kind, post_id, data, created_at FROM changes
		WHERE event_id = e.id AND seq > $2 AND $2 >= e.floor
		ORDER BY seq LIMIT $3
	) c ON true
	WHERE e.id = $1
	ORDER BY c.seq`

// FindChanges reads the changes after filter.After with the head and floor of
// the same snapshot. A position below the floor gets no changes: the reader
// has to reload, and ChangeBatch.NeedsReset tells it so.
//
// Every node's hub calls this on every announcement, so it is one statement,
// one round trip, rather than a transaction of two: a single statement sees
// one snapshot, which is all REPEATABLE READ would add.
func (s *Store) FindChanges(ctx context.Context, f liveblog.ChangeFilter) (*liveblog.ChangeBatch, error) {
	limit, err := f.Check()
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, changesQuery, f.EventID, f.After, limit)
	if err != nil {
		return nil, fmt.Errorf("find changes: %w", err)
	}
	defer rows.Close()
	var b *liveblog.ChangeBatch
	for rows.Next() {
		var head, floor int64
		var seq *int64
		var kind *liveblog.ChangeKind
		var c liveblog.Change
		var data []byte
		if err := rows.Scan(&head, &floor, &seq, &kind, idColumn{&c.PostID}, &data, timeColumn{&c.CreatedAt}); err != nil {
			return nil, fmt.Errorf("find changes: %w", err)
		}
		if b == nil {
			b = &liveblog.ChangeBatch{Head: head, Floor: floor}
		}
		if seq == nil {
			continue
		}
		c.EventID, c.Seq, c.Kind = f.EventID, *seq, *kind
		if err := c.UnmarshalPayload(data); err != nil {
			return nil, fmt.Errorf("find changes: %w", err)
		}
		b.Changes = append(b.Changes, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find changes: %w", err)
	}
	if b == nil {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
	}
	return b, nil
}

// TrimChanges drops the oldest changes of an event so that at most keep
// remain, and raises its floor to the newest one dropped. It holds the event's
// lock, like every writer of the feed, so that a takedown clearing payloads
// and a trim deleting them never wait on each other in opposite orders.
func (s *Store) TrimChanges(ctx context.Context, eventID int64, keep int) error {
	if keep < 0 {
		return liveblog.FieldError("keep", "The number of changes to keep cannot be negative.")
	}
	return s.update(ctx, func(tx *tx) error {
		var head, floor int64
		err := tx.QueryRow(ctx, `SELECT head, floor FROM events WHERE id = $1 FOR NO KEY UPDATE`, eventID).Scan(&head, &floor)
		if errors.Is(err, pgx.ErrNoRows) {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
		} else if err != nil {
			return fmt.Errorf("trim changes: %w", err)
		}
		cut := head - int64(keep)
		if cut <= floor {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM changes WHERE event_id = $1 AND seq <= $2`, eventID, cut); err != nil {
			return fmt.Errorf("trim changes: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE events SET floor = $1 WHERE id = $2`, cut, eventID); err != nil {
			return fmt.Errorf("trim changes: %w", err)
		}
		return nil
	})
}
