package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/liveblog/liveblog"
)

func (tx *tx) InsertAudit(a *liveblog.AuditEntry) error {
	return tx.QueryRow(tx.ctx, `INSERT INTO audit_log (at, user_id, user_name, action, event_id, post_id, address, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		a.At, a.UserID, a.UserName, a.Action, a.EventID, a.PostID, a.Address, a.Detail).Scan(&a.ID)
}

// FindAudit returns entries newest first.
func (s *Store) FindAudit(ctx context.Context, f liveblog.AuditFilter) ([]*liveblog.AuditEntry, error) {
	var where []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, cond+" $"+strconv.Itoa(len(args)))
	}
	if f.UserID != 0 {
		arg("user_id =", f.UserID)
	}
	if f.EventID != 0 {
		arg("event_id =", f.EventID)
	}
	if f.Before != 0 {
		arg("id <", f.Before)
	}
	q := `SELECT id, at, user_id, user_name, action, event_id, post_id, address, detail FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, liveblog.AuditLimit(f.Limit))
	q += ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find audit: %w", err)
	}
	defer rows.Close()
	var out []*liveblog.AuditEntry
	for rows.Next() {
		a := &liveblog.AuditEntry{}
		if err := rows.Scan(&a.ID, timeColumn{&a.At}, &a.UserID, &a.UserName, &a.Action, &a.EventID, &a.PostID, &a.Address, &a.Detail); err != nil {
			return nil, fmt.Errorf("find audit: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find audit: %w", err)
	}
	return out, nil
}
