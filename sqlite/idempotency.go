package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FindIdempotencyRecord returns the record of key for the token, or
// ENOTFOUND when there is none younger than liveblog.IdempotencyTTL.
func (s *Store) FindIdempotencyRecord(ctx context.Context, tokenID int64, key string) (*liveblog.IdempotencyRecord, error) {
	r := liveblog.IdempotencyRecord{TokenID: tokenID, Key: key}
	err := s.reader.QueryRowContext(ctx, `SELECT method, path, hash, event_id, post_id, version, created_at
		FROM idempotency_keys WHERE token_id = ? AND key = ? AND created_at >= ?`,
		tokenID, key, liveblog.IdempotencyCutoff(s.now()).UnixMicro()).
		Scan(&r.Method, &r.Path, &r.Hash, &r.EventID, &r.PostID, &r.Version, timeColumn{&r.CreatedAt})
	return one(&r, err, liveblog.ErrNoKey, "find idempotency key")
}

func (tx *tx) DropIdempotencyRecord(tokenID int64, key string, before time.Time) error {
	_, err := tx.ExecContext(tx.ctx, `DELETE FROM idempotency_keys WHERE token_id = ? AND key = ? AND created_at < ?`,
		tokenID, key, before.UnixMicro())
	return err
}

func (tx *tx) DropIdempotencyRecords(before time.Time) (int64, error) {
	res, err := tx.ExecContext(tx.ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

func (tx *tx) InsertIdempotencyRecord(r *liveblog.IdempotencyRecord) error {
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO idempotency_keys (token_id, key, method, path, hash, event_id, post_id, version, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.TokenID, r.Key, r.Method, r.Path, r.Hash, r.EventID, r.PostID, r.Version, r.CreatedAt.UnixMicro())
	if isKeyTaken(err) {
		return liveblog.ErrKeyTaken
	} else if err != nil {
		return fmt.Errorf("insert idempotency key: %w", err)
	}
	return nil
}

// isKeyTaken reports whether err is the primary key of idempotency_keys
// refusing a second record of a key.
func isKeyTaken(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) &&
		strings.Contains(e.Error(), "idempotency_keys.")
}
