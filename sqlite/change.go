package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/liveblog/liveblog"
)

// appendChange gives c the event's next sequence and stores it. Raising the
// head and inserting in the writing transaction is what keeps the feed
// gapless under concurrent writers; the head is announced after commit.
func (tx *tx) appendChange(ctx context.Context, c *liveblog.Change) error {
	if err := tx.QueryRowContext(ctx, `UPDATE events SET head = head + 1 WHERE id = ? RETURNING head`, c.EventID).Scan(&c.Seq); err != nil {
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
	var payload sql.NullString
	if data != nil {
		s, err := jsonValue(data)
		if err != nil {
			return err
		}
		payload = sql.NullString{String: s, Valid: true}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO changes (event_id, seq, kind, post_id, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.EventID, c.Seq, c.Kind, idValue(c.PostID), payload, timeValue(c.CreatedAt)); err != nil {
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
			return liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
		} else if err != nil {
			return fmt.Errorf("find changes: %w", err)
		}
		if f.After < b.Floor {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT event_id, seq, kind, post_id, data, created_at FROM changes
			WHERE event_id = ? AND seq > ? ORDER BY seq LIMIT ?`, f.EventID, f.After, limit)
		if err != nil {
			return fmt.Errorf("find changes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanChange(rows)
			if err != nil {
				return fmt.Errorf("find changes: %w", err)
			}
			b.Changes = append(b.Changes, c)
		}
		return rows.Err()
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

// TrimChanges drops the oldest changes of an event so that at most keep
// remain, and raises its floor to the newest one dropped.
func (s *Store) TrimChanges(ctx context.Context, eventID int64, keep int) error {
	if keep < 0 {
		return liveblog.FieldError("keep", "The number of changes to keep cannot be negative.")
	}
	return s.update(ctx, func(tx *tx) error {
		var head, floor int64
		err := tx.QueryRowContext(ctx, `SELECT head, floor FROM events WHERE id = ?`, eventID).Scan(&head, &floor)
		if errors.Is(err, sql.ErrNoRows) {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
		} else if err != nil {
			return fmt.Errorf("trim changes: %w", err)
		}
		cut := head - int64(keep)
		if cut <= floor {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE event_id = ? AND seq <= ?`, eventID, cut); err != nil {
			return fmt.Errorf("trim changes: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET floor = ? WHERE id = ?`, cut, eventID); err != nil {
			return fmt.Errorf("trim changes: %w", err)
		}
		return nil
	})
}
