package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/liveblog/liveblog"
)

// CountLoginAttempts returns how many attempts each key has had since since.
func (s *Store) CountLoginAttempts(ctx context.Context, keys []string, since time.Time) ([]int, error) {
	if err := liveblog.ValidateLoginKeys(keys); err != nil {
		return nil, err
	}
	var counts []int
	err := s.view(ctx, func(tx *tx) (err error) {
		counts, err = tx.countLoginAttempts(ctx, keys, since)
		return err
	})
	return counts, err
}

// countLoginAttempts counts each key's attempts since since.
func (tx *tx) countLoginAttempts(ctx context.Context, keys []string, since time.Time) ([]int, error) {
	counts := make([]int, len(keys))
	for i, key := range keys {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE key = ? AND at >= ?`,
			key, timeValue(utc(since))).Scan(&counts[i]); err != nil {
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
		if _, err := tx.ExecContext(ctx, `DELETE FROM signin_failures WHERE last_at < ?`,
			timeValue(tx.now.Add(-liveblog.SignInFailureRetention))); err != nil {
			return fmt.Errorf("drop old sign-in failures: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO signin_failures (address, failures, throttled, last_email, first_at, last_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (address) DO UPDATE SET failures = failures + excluded.failures,
				throttled = throttled + excluded.throttled,
				last_email = CASE WHEN excluded.last_email = '' THEN last_email ELSE excluded.last_email END,
				last_at = excluded.last_at`,
			f.Address, failed, throttled, f.Email, timeValue(tx.now), timeValue(tx.now))
		if err != nil {
			return fmt.Errorf("record sign-in failure: %w", err)
		}
		return nil
	})
}

// FindSignInFailures returns the addresses with failures, latest first.
func (s *Store) FindSignInFailures(ctx context.Context, limit int) ([]*liveblog.SignInFailures, error) {
	var out []*liveblog.SignInFailures
	err := s.view(ctx, func(tx *tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT address, failures, throttled, last_email, first_at, last_at
			FROM signin_failures ORDER BY last_at DESC, address LIMIT ?`, liveblog.AuditLimit(limit))
		if err != nil {
			return fmt.Errorf("find sign-in failures: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			f := &liveblog.SignInFailures{}
			if err := rows.Scan(&f.Address, &f.Failures, &f.Throttled, &f.LastEmail, timeColumn{&f.FirstAt}, timeColumn{&f.LastAt}); err != nil {
				return fmt.Errorf("find sign-in failures: %w", err)
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}
