package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/liveblog/liveblog"
)

func (tx *tx) InsertAudit(a *liveblog.AuditEntry) error {
	return tx.QueryRowContext(tx.ctx, `INSERT INTO audit_log (at, user_id, user_name, action, event_id, post_id, address, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		timeValue(a.At), a.UserID, a.UserName, a.Action, a.EventID, a.PostID, a.Address, a.Detail).Scan(&a.ID)
}

// FindAudit returns entries newest first.
func (s *Store) FindAudit(ctx context.Context, f liveblog.AuditFilter) ([]*liveblog.AuditEntry, error) {
	var where []string
	var args []any
	if f.UserID != 0 {
		where, args = append(where, "user_id = ?"), append(args, f.UserID)
	}
	if f.EventID != 0 {
		where, args = append(where, "event_id = ?"), append(args, f.EventID)
	}
	if f.Before != 0 {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	q := `SELECT id, at, user_id, user_name, action, event_id, post_id, address, detail FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, liveblog.AuditLimit(f.Limit))
	var out []*liveblog.AuditEntry
	err := s.view(ctx, func(tx *tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("find audit: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			a := &liveblog.AuditEntry{}
			if err := rows.Scan(&a.ID, timeColumn{&a.At}, &a.UserID, &a.UserName, &a.Action, &a.EventID, &a.PostID, &a.Address, &a.Detail); err != nil {
				return fmt.Errorf("find audit: %w", err)
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}
