package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/liveblog/liveblog"
)

// CountLoginAttempts returns how many attempts each key has had since since.
func (s *Store) CountLoginAttempts(ctx context.Context, keys []string, since time.Time) ([]int, error) {
	if err := liveblog.ValidateLoginKeys(keys); err != nil {
		return nil, err
	}
	var counts []int
	err := s.view(ctx, func(tx pgx.Tx) (err error) {
		counts, err = countLoginAttempts(ctx, tx, keys, utc(since))
		return err
	})
	return counts, err
}

// countLoginAttempts counts each key's attempts since since.
func countLoginAttempts(ctx context.Context, tx pgx.Tx, keys []string, since time.Time) ([]int, error) {
	counts := make([]int, len(keys))
	for i, key := range keys {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM login_attempts WHERE key = $1 AND at >= $2`,
			key, since).Scan(&counts[i]); err != nil {
			return nil, fmt.Errorf("count login attempts: %w", err)
		}
	}
	return counts, nil
}

// RecordSignInFailure adds a failure to its address's row.
func (s *Store) RecordSignInFailure(ctx context.Context, f liveblog.SignInFailure) error {
	if err := f.Validate(); err != nil {
		return err
	}
	failed, throttled := f.Counts()
	return s.update(ctx, func(tx *tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM signin_failures WHERE last_at < $1`,
			tx.now.Add(-liveblog.SignInFailureRetention)); err != nil {
			return fmt.Errorf("drop old sign-in failures: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO signin_failures (address, failures, throttled, last_email, first_at, last_at)
			VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (address) DO UPDATE SET failures = signin_failures.failures + EXCLUDED.failures,
				throttled = signin_failures.throttled + EXCLUDED.throttled,
				last_email = CASE WHEN EXCLUDED.last_email = '' THEN signin_failures.last_email ELSE EXCLUDED.last_email END,
				last_at = EXCLUDED.last_at`,
			f.Address, failed, throttled, f.Email, tx.now)
		if err != nil {
			return fmt.Errorf("record sign-in failure: %w", err)
		}
		return nil
	})
}

// FindSignInFailures returns the addresses with failures, latest first.
func (s *Store) FindSignInFailures(ctx context.Context, limit int) ([]*liveblog.SignInFailures, error) {
	var out []*liveblog.SignInFailures
	err := s.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT address, failures, throttled, last_email, first_at, last_at
			FROM signin_failures ORDER BY last_at DESC, address LIMIT $1`, liveblog.AuditLimit(limit))
		if err != nil {
			return fmt.Errorf("find sign-in failures: %w", err)
		}
		out, err = collect(rows, func(row pgx.Row) (*liveblog.SignInFailures, error) {
			f := &liveblog.SignInFailures{}
			err := row.Scan(&f.Address, &f.Failures, &f.Throttled, &f.LastEmail, timeColumn{&f.FirstAt}, timeColumn{&f.LastAt})
			return f, err
		})
		if err != nil {
			return fmt.Errorf("find sign-in failures: %w", err)
		}
		return nil
	})
	return out, err
}
