package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/liveblog/liveblog"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ liveblog.IdempotencyStore = (*Store)(nil)

// FindIdempotencyRecord returns the record of key for the token, or
// ENOTFOUND when there is none younger than liveblog.IdempotencyTTL.
func (s *Store) FindIdempotencyRecord(ctx context.Context, tokenID int64, key string) (*liveblog.IdempotencyRecord, error) {
	var rec *liveblog.IdempotencyRecord
	err := s.view(ctx, func(tx *tx) error {
		r := liveblog.IdempotencyRecord{TokenID: tokenID, Key: key}
		err := tx.QueryRowContext(ctx, `SELECT method, path, hash, status, header, body, created_at
			FROM idempotency_keys WHERE token_id = ? AND key = ? AND created_at >= ?`,
			tokenID, key, tx.now.Add(-liveblog.IdempotencyTTL).UnixMicro()).
			Scan(&r.Method, &r.Path, &r.Hash, &r.Response.Status, jsonColumn{&r.Response.Header}, &r.Response.Body, timeColumn{&r.CreatedAt})
		if errors.Is(err, sql.ErrNoRows) {
			return liveblog.Errorf(liveblog.ENOTFOUND, "No request with this Idempotency-Key.")
		} else if err != nil {
			return fmt.Errorf("find idempotency key: %w", err)
		}
		rec = &r
		return nil
	})
	return rec, err
}

// DeleteExpiredIdempotencyRecords deletes the records older than
// liveblog.IdempotencyTTL.
func (s *Store) DeleteExpiredIdempotencyRecords(ctx context.Context) (int64, error) {
	var n int64
	err := s.update(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`,
			tx.now.Add(-liveblog.IdempotencyTTL).UnixMicro())
		if err != nil {
			return fmt.Errorf("delete expired idempotency keys: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// recordIdempotent stores the record of req with the response to result,
// in the transaction of the mutation that produced result. An expired
// record of the key makes way; a live one means the same write was already
// made, and this one must not be.
func (tx *tx) recordIdempotent(ctx context.Context, req *liveblog.IdempotentRequest, result any) error {
	resp, err := req.Respond(result)
	if err != nil {
		return fmt.Errorf("idempotent response: %w", err)
	}
	header, err := jsonValue(resp.Header)
	if err != nil {
		return err
	}
	// A NULL would not fit the column; an empty body is no body.
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE token_id = ? AND key = ? AND created_at < ?`,
		req.TokenID, req.Key, tx.now.Add(-liveblog.IdempotencyTTL).UnixMicro()); err != nil {
		return fmt.Errorf("delete expired idempotency key: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (token_id, key, method, path, hash, status, header, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		req.TokenID, req.Key, req.Method, req.Path, req.Hash, resp.Status, header, body, tx.now.UnixMicro())
	if isKeyTaken(err) {
		return errDuplicateKey
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

var errDuplicateKey = &liveblog.Error{Code: liveblog.ECONFLICT, Field: "Idempotency-Key",
	Message: "A request with this Idempotency-Key was made at the same time; repeat it to get its response."}
