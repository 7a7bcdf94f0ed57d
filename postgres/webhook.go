package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

var _ liveblog.WebhookStore = (*Store)(nil)

// CreateWebhook subscribes w.URL to w.EventID's changes from the next one on.
func (s *Store) CreateWebhook(ctx context.Context, w *liveblog.Webhook) error {
	return s.update(ctx, func(tx *tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO webhooks (event_id, url, secret, active, next_seq, created_at)
			SELECT id, $1, $2, $3, head + 1, $4 FROM events WHERE id = $5 RETURNING id, next_seq`,
			w.URL, w.Secret, w.Active, tx.now, w.EventID).Scan(&w.ID, &w.NextSeq)
		if errors.Is(err, pgx.ErrNoRows) {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
		} else if err != nil {
			return fmt.Errorf("create webhook: %w", err)
		}
		w.CreatedAt = tx.now
		return nil
	})
}

const webhookColumns = `id, event_id, url, secret, active, next_seq, created_at`

func scanWebhook(row pgx.Row) (*liveblog.Webhook, error) {
	var w liveblog.Webhook
	err := row.Scan(&w.ID, &w.EventID, &w.URL, &w.Secret, &w.Active, &w.NextSeq, timeColumn{&w.CreatedAt})
	return &w, err
}

// FindWebhookByID returns a webhook with its secret.
func (s *Store) FindWebhookByID(ctx context.Context, id int64) (*liveblog.Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "Webhook not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find webhook: %w", err)
	}
	return w, nil
}

// FindWebhooks returns an event's webhooks, oldest first.
func (s *Store) FindWebhooks(ctx context.Context, eventID int64) ([]*liveblog.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE event_id = $1 ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("find webhooks: %w", err)
	}
	ws, err := collect(rows, scanWebhook)
	if err != nil {
		return nil, fmt.Errorf("find webhooks: %w", err)
	}
	return ws, nil
}

// DeleteWebhook removes a webhook and its attempts; a delivery in flight
// finds its lease gone and records nothing.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	return s.update(ctx, func(tx *tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		if tag.RowsAffected() == 0 {
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
	rows, err := s.pool.Query(ctx, `SELECT id, webhook_id, seq, attempt, status_code, latency_us, error, done, created_at
		FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("find webhook attempts: %w", err)
	}
	as, err := collect(rows, func(row pgx.Row) (*liveblog.WebhookAttempt, error) {
		var a liveblog.WebhookAttempt
		var us int64
		err := row.Scan(&a.ID, &a.WebhookID, &a.Seq, &a.Attempt, &a.StatusCode, &us, &a.Error, &a.Done, timeColumn{&a.CreatedAt})
		a.Latency = time.Duration(us) * time.Microsecond
		return &a, err
	})
	if err != nil {
		return nil, fmt.Errorf("find webhook attempts: %w", err)
	}
	return as, nil
}

// ClaimWebhookDelivery leases the most overdue webhook that is behind its
// event's head. SKIP LOCKED lets workers on other nodes pass over a row
// being claimed rather than queue for it, and the lease keeps them off it
// until the request has been answered.
func (s *Store) ClaimWebhookDelivery(ctx context.Context, now time.Time, lease time.Duration) (*liveblog.WebhookDelivery, error) {
	var d *liveblog.WebhookDelivery
	err := s.update(ctx, func(tx *tx) error {
		for {
			w := &liveblog.Webhook{Active: true}
			var floor int64
			var slug string
			err := tx.QueryRow(ctx, `SELECT w.id, w.event_id, w.url, w.secret, w.next_seq, e.floor, e.slug
				FROM webhooks w JOIN events e ON e.id = w.event_id
				WHERE w.active AND w.next_seq <= e.head AND w.next_at <= $1 AND w.lease_until <= $1
				ORDER BY w.next_at, w.id LIMIT 1
				FOR UPDATE OF w SKIP LOCKED`, now).
				Scan(&w.ID, &w.EventID, &w.URL, &w.Secret, &w.NextSeq, &floor, &slug)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			} else if err != nil {
				return fmt.Errorf("claim webhook delivery: %w", err)
			}
			// Changes trimmed from the feed cannot be sent; the partner
			// resumes at the oldest one kept.
			if w.NextSeq <= floor {
				if _, err := tx.Exec(ctx, `UPDATE webhooks SET next_seq = $1, attempt = 0 WHERE id = $2`, floor+1, w.ID); err != nil {
					return fmt.Errorf("claim webhook delivery: %w", err)
				}
				continue
			}
			var attempt int
			if err := tx.QueryRow(ctx, `UPDATE webhooks SET attempt = attempt + 1, lease_until = $1 WHERE id = $2 RETURNING attempt`,
				now.Add(lease), w.ID).Scan(&attempt); err != nil {
				return fmt.Errorf("claim webhook delivery: %w", err)
			}
			c := liveblog.Change{EventID: w.EventID, Seq: w.NextSeq}
			var data []byte
			if err := tx.QueryRow(ctx, `SELECT kind, post_id, data, created_at FROM changes WHERE event_id = $1 AND seq = $2`,
				w.EventID, w.NextSeq).Scan(&c.Kind, idColumn{&c.PostID}, &data, timeColumn{&c.CreatedAt}); err != nil {
				return fmt.Errorf("claim webhook delivery: %w", err)
			}
			if err := c.UnmarshalPayload(data); err != nil {
				return fmt.Errorf("claim webhook delivery: %w", err)
			}
			d = &liveblog.WebhookDelivery{Webhook: w, EventSlug: slug, Change: &c, Attempt: attempt}
			return nil
		}
	})
	return d, err
}

// FinishWebhookDelivery records a and releases the lease taken for it.
func (s *Store) FinishWebhookDelivery(ctx context.Context, a *liveblog.WebhookAttempt, retryAt time.Time) error {
	return s.update(ctx, func(tx *tx) error {
		q := `UPDATE webhooks SET lease_until = '-infinity', next_at = $4 WHERE id = $1 AND next_seq = $2 AND attempt = $3`
		args := []any{a.WebhookID, a.Seq, a.Attempt, retryAt}
		if a.Done {
			q = `UPDATE webhooks SET lease_until = '-infinity', next_at = '-infinity', attempt = 0, next_seq = next_seq + 1
				WHERE id = $1 AND next_seq = $2 AND attempt = $3`
			args = args[:3]
		}
		tag, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("finish webhook delivery: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return liveblog.Errorf(liveblog.ECONFLICT, "The delivery is no longer leased to this worker.")
		}
		a.CreatedAt = tx.now
		err = tx.QueryRow(ctx, `INSERT INTO webhook_attempts (webhook_id, seq, attempt, status_code, latency_us, error, done, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			a.WebhookID, a.Seq, a.Attempt, a.StatusCode, a.Latency.Microseconds(), a.Error, a.Done, a.CreatedAt).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("finish webhook delivery: %w", err)
		}
		return nil
	})
}
