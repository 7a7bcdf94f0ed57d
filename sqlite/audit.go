package sqlite

import (
	"context"
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
	rows, err := s.reader.QueryContext(ctx, q, args...)
	return all(rows, err, func(row scanner) (*liveblog.AuditEntry, error) {
		a := &liveblog.AuditEntry{}
		return a, row.Scan(&a.ID, timeColumn{&a.At}, &a.UserID, &a.UserName, &a.Action, &a.EventID, &a.PostID, &a.Address, &a.Detail)
	}, "find audit")
}
