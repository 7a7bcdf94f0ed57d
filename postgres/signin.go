package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/liveblog/liveblog"
)

func (tx *tx) AddSignInFailure(address string, failures, throttled int64, email string, at time.Time) error {
	if _, err := tx.Exec(tx.ctx, `INSERT INTO signin_failures (address, failures, throttled, last_email, first_at, last_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (address) DO UPDATE SET failures = signin_failures.failures + EXCLUDED.failures,
			throttled = signin_failures.throttled + EXCLUDED.throttled,
			last_email = CASE WHEN EXCLUDED.last_email = '' THEN signin_failures.last_email ELSE EXCLUDED.last_email END,
			last_at = EXCLUDED.last_at`,
		address, failures, throttled, email, at); err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	return nil
}

func (tx *tx) DropSignInFailures(before time.Time) error {
	if _, err := tx.Exec(tx.ctx, `DELETE FROM signin_failures WHERE last_at < $1`, before); err != nil {
		return fmt.Errorf("drop old sign-in failures: %w", err)
	}
	return nil
}

// FindSignInFailures returns the addresses with failures, latest first.
func (s *Store) FindSignInFailures(ctx context.Context, limit int) ([]*liveblog.SignInFailures, error) {
	rows, err := s.pool.Query(ctx, `SELECT address, failures, throttled, last_email, first_at, last_at
		FROM signin_failures ORDER BY last_at DESC, address LIMIT $1`, liveblog.AuditLimit(limit))
	return all(rows, err, func(row pgx.Row) (*liveblog.SignInFailures, error) {
		f := &liveblog.SignInFailures{}
		return f, row.Scan(&f.Address, &f.Failures, &f.Throttled, &f.LastEmail, timeColumn{&f.FirstAt}, timeColumn{&f.LastAt})
	}, "find sign-in failures")
}
