package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/liveblog/liveblog"
)

var _ liveblog.WebhookStore = (*Store)(nil)

// CreateWebhook subscribes w.URL to w.EventID's changes from the next one on.
func (s *Store) CreateWebhook(ctx context.Context, w *liveblog.Webhook) error {
	return s.update(ctx, func(tx *tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (event_id, url, secret, active, next_seq, created_at)
			SELECT id, ?, ?, ?, head + 1, ? FROM events WHERE id = ? RETURNING id, next_seq`,
			w.URL, w.Secret, w.Active, timeValue(tx.now), w.EventID).Scan(&w.ID, &w.NextSeq)
		if errors.Is(err, sql.ErrNoRows) {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
		} else if err != nil {
			return fmt.Errorf("create webhook: %w", err)
		}
		w.CreatedAt = tx.now
		return nil
	})
}

const webhookColumns = `id, event_id, url, secret, active, next_seq, created_at`

func scanWebhook(row scanner) (*liveblog.Webhook, error) {
	var w liveblog.Webhook
	err := row.Scan(&w.ID, &w.EventID, &w.URL, &w.Secret, &w.Active, &w.NextSeq, timeColumn{&w.CreatedAt})
	return &w, err
}

// FindWebhookByID returns a webhook with its secret.
func (s *Store) FindWebhookByID(ctx context.Context, id int64) (*liveblog.Webhook, error) {
	w, err := scanWebhook(s.reader.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "Webhook not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find webhook: %w", err)
	}
	return w, nil
}

// FindWebhooks returns an event's webhooks, oldest first.
func (s *Store) FindWebhooks(ctx context.Context, eventID int64) ([]*liveblog.Webhook, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE event_id = ? ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("find webhooks: %w", err)
	}
	defer rows.Close()
	var ws []*liveblog.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("find webhooks: %w", err)
		}
		ws = append(ws, w)
	}
	return ws, rows.Err()
}

// DeleteWebhook removes a webhook and its attempts; a delivery in flight
// finds its lease gone and records nothing.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	return s.update(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Webhook not found.")
		}
		return nil
	})
}

// FindWebhookAttempts returns a webhook's latest attempts, newest first.
func (s *Store) FindWebhookAttempts(ctx context.Context, webhookID int64, limit int) ([]*liveblog.WebhookAttempt, error) {
	if limit <= 0 || limit > liveblog.MaxPageSize {
		limit = liveblog.MaxPageSize
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT id, webhook_id, seq, attempt, status_code, latency_us, error, done, created_at
		FROM webhook_attempts WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("find webhook attempts: %w", err)
	}
	defer rows.Close()
	var as []*liveblog.WebhookAttempt
	for rows.Next() {
		var a liveblog.WebhookAttempt
		var us int64
		if err := rows.Scan(&a.ID, &a.WebhookID, &a.Seq, &a.Attempt, &a.StatusCode, &us, &a.Error, &a.Done, timeColumn{&a.CreatedAt}); err != nil {
			return nil, fmt.Errorf("find webhook attempts: %w", err)
		}
		a.Latency = time.Duration(us) * time.Microsecond
		as = append(as, &a)
	}
	return as, rows.Err()
}

// ClaimWebhookDelivery leases the most overdue webhook that is behind its
// event's head. The single writer connection is what makes the claim
// exclusive between workers on one file.
func (s *Store) ClaimWebhookDelivery(ctx context.Context, now time.Time, lease time.Duration) (*liveblog.WebhookDelivery, error) {
	// Idle workers poll; asking the read pool first keeps them off the
	// single writer that publishing needs.
	var due bool
	if err := s.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhooks w JOIN events e ON e.id = w.event_id
		WHERE w.active AND w.next_seq <= e.head AND w.next_at <= ? AND w.lease_until <= ?)`,
		now.UnixMicro(), now.UnixMicro()).Scan(&due); err != nil {
		return nil, fmt.Errorf("claim webhook delivery: %w", err)
	}
	if !due {
		return nil, nil
	}
	var d *liveblog.WebhookDelivery
	err := s.update(ctx, func(tx *tx) error {
		for {
			w := &liveblog.Webhook{Active: true}
			var floor int64
			var slug string
			err := tx.QueryRowContext(ctx, `SELECT w.id, w.event_id, w.url, w.secret, w.next_seq, e.floor, e.slug
				FROM webhooks w JOIN events e ON e.id = w.event_id
				WHERE w.active AND w.next_seq <= e.head AND w.next_at <= ? AND w.lease_until <= ?
				ORDER BY w.next_at, w.id LIMIT 1`, now.UnixMicro(), now.UnixMicro()).
				Scan(&w.ID, &w.EventID, &w.URL, &w.Secret, &w.NextSeq, &floor, &slug)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			} else if err != nil {
				return fmt.Errorf("claim webhook delivery: %w", err)
			}
			// Changes trimmed from the feed cannot be sent; the partner
			// resumes at the oldest one kept.
			if w.NextSeq <= floor {
				if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET next_seq = ?, attempt = 0 WHERE id = ?`, floor+1, w.ID); err != nil {
					return fmt.Errorf("claim webhook delivery: %w", err)
				}
				continue
			}
			var attempt int
			if err := tx.QueryRowContext(ctx, `UPDATE webhooks SET attempt = attempt + 1, lease_until = ? WHERE id = ? RETURNING attempt`,
				now.Add(lease).UnixMicro(), w.ID).Scan(&attempt); err != nil {
				return fmt.Errorf("claim webhook delivery: %w", err)
			}
			c, err := scanChange(tx.QueryRowContext(ctx, `SELECT event_id, seq, kind, post_id, data, created_at FROM changes
				WHERE event_id = ? AND seq = ?`, w.EventID, w.NextSeq))
			if err != nil {
				return fmt.Errorf("claim webhook delivery: %w", err)
			}
			d = &liveblog.WebhookDelivery{Webhook: w, EventSlug: slug, Change: c, Attempt: attempt}
			return nil
		}
	})
	return d, err
}

// FinishWebhookDelivery records a and releases the lease taken for it.
func (s *Store) FinishWebhookDelivery(ctx context.Context, a *liveblog.WebhookAttempt, retryAt time.Time) error {
	return s.update(ctx, func(tx *tx) error {
		q := `UPDATE webhooks SET lease_until = 0, next_at = ? WHERE id = ? AND next_seq = ? AND attempt = ?`
		args := []any{retryAt.UnixMicro(), a.WebhookID, a.Seq, a.Attempt}
		if a.Done {
			q = `UPDATE webhooks SET lease_until = 0, next_at = 0, attempt = 0, next_seq = next_seq + 1
				WHERE id = ? AND next_seq = ? AND attempt = ?`
			args = args[1:]
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("finish webhook delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return liveblog.Errorf(liveblog.ECONFLICT, "The delivery is no longer leased to this worker.")
		}
		a.CreatedAt = tx.now
		err = tx.QueryRowContext(ctx, `INSERT INTO webhook_attempts (webhook_id, seq, attempt, status_code, latency_us, error, done, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.WebhookID, a.Seq, a.Attempt, a.StatusCode, a.Latency.Microseconds(), a.Error, a.Done, timeValue(a.CreatedAt)).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("finish webhook delivery: %w", err)
		}
		return nil
	})
}
