package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/liveblog/liveblog"
)

var _ liveblog.AuditStore = (*Store)(nil)

// RecordAudit writes an entry in a transaction of its own.
func (s *Store) RecordAudit(ctx context.Context, a *liveblog.AuditEntry) error {
	err := s.update(liveblog.WithAudit(ctx, nil), func(tx *tx) error { return tx.recordAudit(ctx, a) })
	if err == nil {
		a.MarkRecorded()
	}
	return err
}

// recordAudit inserts a, stamping its time; an entry without an event takes
// the one event the transaction wrote to, if there is exactly one.
func (tx *tx) recordAudit(ctx context.Context, a *liveblog.AuditEntry) error {
	if a.EventID == 0 && len(tx.heads) == 1 {
		for id := range tx.heads {
			a.EventID = id
		}
	}
	a.At = tx.now
	err := tx.QueryRowContext(ctx, `INSERT INTO audit_log (at, user_id, user_name, action, event_id, post_id, address, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		timeValue(a.At), a.UserID, a.UserName, a.Action, a.EventID, a.PostID, a.Address, a.Detail).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
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
