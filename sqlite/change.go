package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/liveblog/liveblog"
)

func (tx *tx) NextSeq(eventID int64) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(tx.ctx, `UPDATE events SET head = head + 1 WHERE id = ? RETURNING head`, eventID).Scan(&seq)
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
	var payload sql.NullString
	if data != nil {
		s, err := jsonValue(data)
		if err != nil {
			return err
		}
		payload = sql.NullString{String: s, Valid: true}
	}
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO changes (event_id, seq, kind, post_id, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.EventID, c.Seq, c.Kind, idValue(c.PostID), payload, timeValue(c.CreatedAt))
	return err
}

func (tx *tx) Redact(eventID, postID int64) error {
	if _, err := tx.ExecContext(tx.ctx, `UPDATE changes SET data = NULL
		WHERE post_id = ? AND event_id = ? AND data IS NOT NULL`, postID, eventID); err != nil {
		return fmt.Errorf("clear changes of post: %w", err)
	}
	return nil
}

func (tx *tx) Change(eventID, seq int64) (*liveblog.Change, error) {
	c, err := scanChange(tx.QueryRowContext(tx.ctx, `SELECT event_id, seq, kind, post_id, data, created_at FROM changes
		WHERE event_id = ? AND seq = ?`, eventID, seq))
	if err != nil {
		return nil, fmt.Errorf("find change: %w", err)
	}
	return c, nil
}

// FindChanges reads the changes after filter.After with the head and floor of
// the same snapshot. A position below the floor gets no changes: the reader
// has to reload, and ChangeBatch.NeedsReset tells it so.
func (s *Store) FindChanges(ctx context.Context, f liveblog.ChangeFilter) (*liveblog.ChangeBatch, error) {
	limit, err := f.Check()
	if err != nil {
		return nil, err
	}
	var b liveblog.ChangeBatch
	err = s.view(ctx, func(tx *tx) error {
		err := tx.QueryRowContext(ctx, `SELECT head, floor FROM events WHERE id = ?`, f.EventID).Scan(&b.Head, &b.Floor)
		if errors.Is(err, sql.ErrNoRows) {
			return liveblog.ErrNoEvent
		} else if err != nil {
			return fmt.Errorf("find changes: %w", err)
		}
		if f.After < b.Floor {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT event_id, seq, kind, post_id, data, created_at FROM changes
			WHERE event_id = ? AND seq > ? ORDER BY seq LIMIT ?`, f.EventID, f.After, limit)
		b.Changes, err = all(rows, err, scanChange, "find changes")
		return err
	})
	if err != nil {
		return nil, err
	}
	return &b, nil
}

func scanChange(row scanner) (*liveblog.Change, error) {
	var c liveblog.Change
	var data []byte // nil for a change without a payload
	if err := row.Scan(&c.EventID, &c.Seq, &c.Kind, idColumn{&c.PostID}, &data, timeColumn{&c.CreatedAt}); err != nil {
		return nil, err
	}
	if err := c.UnmarshalPayload(data); err != nil {
		return nil, err
	}
	return &c, nil
}

func (tx *tx) LockFeed(eventID int64) (head, floor int64, err error) {
	err = tx.QueryRowContext(tx.ctx, `SELECT head, floor FROM events WHERE id = ?`, eventID).Scan(&head, &floor)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, liveblog.ErrNoEvent
	} else if err != nil {
		return 0, 0, fmt.Errorf("trim changes: %w", err)
	}
	return head, floor, nil
}

func (tx *tx) TrimFeed(eventID, through int64) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM changes WHERE event_id = ? AND seq <= ?`, eventID, through); err != nil {
		return fmt.Errorf("trim changes: %w", err)
	}
	if _, err := tx.ExecContext(tx.ctx, `UPDATE events SET floor = ? WHERE id = ?`, through, eventID); err != nil {
		return fmt.Errorf("trim changes: %w", err)
	}
	return nil
}
