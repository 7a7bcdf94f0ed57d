package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
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
	return all(rows, err, func(row pgx.Row) (*liveblog.AuditEntry, error) {
		a := &liveblog.AuditEntry{}
		return a, row.Scan(&a.ID, timeColumn{&a.At}, &a.UserID, &a.UserName, &a.Action, &a.EventID, &a.PostID, &a.Address, &a.Detail)
	}, "find audit")
}
