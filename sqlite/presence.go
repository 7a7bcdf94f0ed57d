package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/liveblog/liveblog"
)

func (tx *tx) UpsertPresence(p *liveblog.Presence) error {
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO presence (user_id, event_id, post_id, seen_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (event_id, user_id) DO UPDATE SET post_id = excluded.post_id, seen_at = excluded.seen_at`,
		p.UserID, p.EventID, p.PostID, timeValue(p.SeenAt)); err != nil {
		return fmt.Errorf("set presence: %w", err)
	}
	return nil
}

func (tx *tx) DropPresence(before time.Time) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM presence WHERE seen_at < ?`, timeValue(before)); err != nil {
		return fmt.Errorf("drop stale presence: %w", err)
	}
	return nil
}

// FindPresence lists the desks open on the event since since.
func (s *Store) FindPresence(ctx context.Context, eventID int64, since time.Time) ([]*liveblog.Presence, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT pr.user_id, u.name, pr.event_id, pr.post_id, coalesce(p.headline, ''), pr.seen_at
		FROM presence pr JOIN users u ON u.id = pr.user_id LEFT JOIN posts p ON p.id = pr.post_id AND p.event_id = pr.event_id
		WHERE pr.event_id = ? AND pr.seen_at >= ? AND NOT u.disabled
		ORDER BY u.name COLLATE NOCASE, u.id`, eventID, timeValue(utc(since)))
	return all(rows, err, func(row scanner) (*liveblog.Presence, error) {
		p := &liveblog.Presence{}
		return p, row.Scan(&p.UserID, &p.UserName, &p.EventID, &p.PostID, &p.Headline, timeColumn{&p.SeenAt})
	}, "find presence")
}
