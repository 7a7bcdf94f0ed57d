package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/liveblog/liveblog"
)

func (tx *tx) AddSignInFailure(address string, failures, throttled int64, email string, at time.Time) error {
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO signin_failures (address, failures, throttled, last_email, first_at, last_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (address) DO UPDATE SET failures = failures + excluded.failures,
			throttled = throttled + excluded.throttled,
			last_email = CASE WHEN excluded.last_email = '' THEN last_email ELSE excluded.last_email END,
			last_at = excluded.last_at`,
		address, failures, throttled, email, timeValue(at), timeValue(at)); err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	return nil
}

func (tx *tx) DropSignInFailures(before time.Time) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM signin_failures WHERE last_at < ?`, timeValue(before)); err != nil {
		return fmt.Errorf("drop old sign-in failures: %w", err)
	}
	return nil
}

// FindSignInFailures returns the addresses with failures, latest first.
func (s *Store) FindSignInFailures(ctx context.Context, limit int) ([]*liveblog.SignInFailures, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT address, failures, throttled, last_email, first_at, last_at
		FROM signin_failures ORDER BY last_at DESC, address LIMIT ?`, liveblog.AuditLimit(limit))
	return all(rows, err, func(row scanner) (*liveblog.SignInFailures, error) {
		f := &liveblog.SignInFailures{}
		return f, row.Scan(&f.Address, &f.Failures, &f.Throttled, &f.LastEmail, timeColumn{&f.FirstAt}, timeColumn{&f.LastAt})
	}, "find sign-in failures")
}
