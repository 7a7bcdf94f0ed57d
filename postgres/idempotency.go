package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

var _ liveblog.IdempotencyStore = (*Store)(nil)

// FindIdempotencyRecord returns the record of key for the token, or
// ENOTFOUND when there is none younger than liveblog.IdempotencyTTL.
func (s *Store) FindIdempotencyRecord(ctx context.Context, tokenID int64, key string) (*liveblog.IdempotencyRecord, error) {
	r := liveblog.IdempotencyRecord{TokenID: tokenID, Key: key}
	err := s.pool.QueryRow(ctx, `SELECT method, path, hash, status, header, body, created_at
		FROM idempotency_keys WHERE token_id = $1 AND key = $2 AND created_at >= $3`,
		tokenID, key, s.now().Add(-liveblog.IdempotencyTTL)).
		Scan(&r.Method, &r.Path, &r.Hash, &r.Response.Status, &r.Response.Header, &r.Response.Body, timeColumn{&r.CreatedAt})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "No request with this Idempotency-Key.")
	} else if err != nil {
		return nil, fmt.Errorf("find idempotency key: %w", err)
	}
	return &r, nil
}

// DeleteExpiredIdempotencyRecords deletes the records older than
// liveblog.IdempotencyTTL.
func (s *Store) DeleteExpiredIdempotencyRecords(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, s.now().Add(-liveblog.IdempotencyTTL))
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// recordIdempotent stores the record of req with the response to result,
// in the transaction of the mutation that produced result. An expired
// record of the key makes way; a live one means the same write was already
// made, and this one must not be. When another node's transaction holds the
// key uncommitted, the insert waits for it: its commit makes this one fail,
// its rollback lets this one through.
func (tx *tx) recordIdempotent(ctx context.Context, req *liveblog.IdempotentRequest, result any) error {
	resp, err := req.Respond(result)
	if err != nil {
		return fmt.Errorf("idempotent response: %w", err)
	}
	header, err := jsonValue(resp.Header)
	if err != nil {
		return err
	}
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE token_id = $1 AND key = $2 AND created_at < $3`,
		req.TokenID, req.Key, tx.now.Add(-liveblog.IdempotencyTTL)); err != nil {
		return fmt.Errorf("delete expired idempotency key: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO idempotency_keys (token_id, key, method, path, hash, status, header, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		req.TokenID, req.Key, req.Method, req.Path, req.Hash, resp.Status, header, body, tx.now)
	if isUnique(err, "idempotency_keys_pkey") {
		return errDuplicateKey
	} else if err != nil {
		return fmt.Errorf("insert idempotency key: %w", err)
	}
	return nil
}

var errDuplicateKey = &liveblog.Error{Code: liveblog.ECONFLICT, Field: "Idempotency-Key",
	Message: "A request with this Idempotency-Key was made at the same time; repeat it to get its response."}
