package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/liveblog/liveblog"
)

// FindIdempotencyRecord returns the record of key for the token, or
// ENOTFOUND when there is none younger than liveblog.IdempotencyTTL.
func (s *Store) FindIdempotencyRecord(ctx context.Context, tokenID int64, key string) (*liveblog.IdempotencyRecord, error) {
	r := liveblog.IdempotencyRecord{TokenID: tokenID, Key: key}
	err := s.pool.QueryRow(ctx, `SELECT method, path, hash, event_id, post_id, version, created_at
		FROM idempotency_keys WHERE token_id = $1 AND key = $2 AND created_at >= $3`,
		tokenID, key, liveblog.IdempotencyCutoff(s.now())).
		Scan(&r.Method, &r.Path, &r.Hash, &r.EventID, &r.PostID, &r.Version, timeColumn{&r.CreatedAt})
	return one(&r, err, liveblog.ErrNoKey, "find idempotency key")
}

func (tx *tx) DropIdempotencyRecord(tokenID int64, key string, before time.Time) error {
	_, err := tx.Exec(tx.ctx, `DELETE FROM idempotency_keys WHERE token_id = $1 AND key = $2 AND created_at < $3`, tokenID, key, before)
	return err
}

func (tx *tx) DropIdempotencyRecords(before time.Time) (int64, error) {
	tag, err := tx.Exec(tx.ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// InsertIdempotencyRecord waits, when another node's transaction holds the
// key uncommitted, for that one: its commit makes this insert fail, its
// rollback lets it through.
func (tx *tx) InsertIdempotencyRecord(r *liveblog.IdempotencyRecord) error {
	_, err := tx.Exec(tx.ctx, `INSERT INTO idempotency_keys (token_id, key, method, path, hash, event_id, post_id, version, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.TokenID, r.Key, r.Method, r.Path, r.Hash, r.EventID, r.PostID, r.Version, r.CreatedAt)
	if isUnique(err, "idempotency_keys_pkey") {
		return liveblog.ErrKeyTaken
	} else if err != nil {
		return fmt.Errorf("insert idempotency key: %w", err)
	}
	return nil
}
