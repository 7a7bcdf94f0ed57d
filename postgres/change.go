package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

// NextSeq raises the head under the event's row lock, held already by every
// caller, until commit: concurrent writers on any node get consecutive
// numbers, and a rollback gives its number back, where a sequence object
// would leave a gap for every transaction that failed.
func (tx *tx) NextSeq(eventID int64) (int64, error) {
	var seq int64
	err := tx.QueryRow(tx.ctx, `UPDATE events SET head = head + 1 WHERE id = $1 RETURNING head`, eventID).Scan(&seq)
	return seq, err
}

func (tx *tx) InsertChange(c *liveblog.Change) error {
	var data any
	switch {
	case c.Post != nil:
		data = c.Post
	case c.Event != nil:
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
	_, err := tx.Exec(tx.ctx, `INSERT INTO changes (event_id, seq, kind, post_id, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.EventID, c.Seq, c.Kind, idValue(c.PostID), payload, c.CreatedAt)
	return err
}

func (tx *tx) Redact(eventID, postID int64) error {
	if _, err := tx.Exec(tx.ctx, `UPDATE changes SET data = NULL
		WHERE post_id = $1 AND event_id = $2 AND data IS NOT NULL`, postID, eventID); err != nil {
		return fmt.Errorf("clear changes of post: %w", err)
	}
	return nil
}

func (tx *tx) Change(eventID, seq int64) (*liveblog.Change, error) {
	c := liveblog.Change{EventID: eventID, Seq: seq}
	var data []byte
	if err := tx.QueryRow(tx.ctx, `SELECT kind, post_id, data, created_at FROM changes WHERE event_id = $1 AND seq = $2`,
		eventID, seq).Scan(&c.Kind, idColumn{&c.PostID}, &data, timeColumn{&c.CreatedAt}); err != nil {
		return nil, fmt.Errorf("find change: %w", err)
	}
	if err := c.UnmarshalPayload(data); err != nil {
		return nil, fmt.Errorf("find change: %w", err)
	}
	return &c, nil
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
		return nil, liveblog.ErrNoEvent
	}
	return b, nil
}

func (tx *tx) LockFeed(eventID int64) (head, floor int64, err error) {
	err = tx.QueryRow(tx.ctx, `SELECT head, floor FROM events WHERE id = $1 FOR NO KEY UPDATE`, eventID).Scan(&head, &floor)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, liveblog.ErrNoEvent
	} else if err != nil {
		return 0, 0, fmt.Errorf("trim changes: %w", err)
	}
	return head, floor, nil
}

func (tx *tx) TrimFeed(eventID, through int64) error {
	if _, err := tx.Exec(tx.ctx, `DELETE FROM changes WHERE event_id = $1 AND seq <= $2`, eventID, through); err != nil {
		return fmt.Errorf("trim changes: %w", err)
	}
	if _, err := tx.Exec(tx.ctx, `UPDATE events SET floor = $1 WHERE id = $2`, through, eventID); err != nil {
		return fmt.Errorf("trim changes: %w", err)
	}
	return nil
}
