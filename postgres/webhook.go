package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

func (tx *tx) InsertWebhook(w *liveblog.Webhook) error {
	err := tx.QueryRow(tx.ctx, `INSERT INTO webhooks (event_id, url, secret, active, next_seq, created_at)
		SELECT id, $1, $2, $3, head + 1, $4 FROM events WHERE id = $5 RETURNING id, next_seq`,
		w.URL, w.Secret, w.Active, w.CreatedAt, w.EventID).Scan(&w.ID, &w.NextSeq)
	_, err = one(w, err, liveblog.ErrNoEvent, "create webhook")
	return err
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
	return one(w, err, liveblog.ErrNoWebhook, "find webhook")
}

// FindWebhooks returns an event's webhooks, oldest first.
func (s *Store) FindWebhooks(ctx context.Context, eventID int64) ([]*liveblog.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE event_id = $1 ORDER BY id`, eventID)
	return all(rows, err, scanWebhook, "find webhooks")
}

func (tx *tx) DeleteWebhook(id int64) error {
	tag, err := tx.Exec(tx.ctx, `DELETE FROM webhooks WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return liveblog.ErrNoWebhook
	}
	return nil
}

// FindWebhookAttempts returns a webhook's latest attempts, newest first.
func (s *Store) FindWebhookAttempts(ctx context.Context, webhookID int64, limit int) ([]*liveblog.WebhookAttempt, error) {
	limit = liveblog.WebhookAttemptLimit(limit)
	rows, err := s.pool.Query(ctx, `SELECT id, webhook_id, seq, attempt, status_code, latency_us, error, done, created_at
		FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`, webhookID, limit)
	return all(rows, err, func(row pgx.Row) (*liveblog.WebhookAttempt, error) {
		var a liveblog.WebhookAttempt
		var us int64
		err := row.Scan(&a.ID, &a.WebhookID, &a.Seq, &a.Attempt, &a.StatusCode, &us, &a.Error, &a.Done, timeColumn{&a.CreatedAt})
		a.Latency = time.Duration(us) * time.Microsecond
		return &a, err
	}, "find webhook attempts")
}

// WebhookDue answers true: a claim is one statement that SKIP LOCKED keeps
// from queueing behind another worker's, which costs no more than asking.
func (s storage) WebhookDue(context.Context, time.Time) (bool, error) { return true, nil }

// DueWebhook takes the webhook FOR UPDATE SKIP LOCKED: workers on other
// nodes pass over a row being claimed rather than queue for it, and the
// lease keeps them off it until the request has been answered.
func (tx *tx) DueWebhook(now time.Time) (*liveblog.Webhook, int64, string, error) {
	w := &liveblog.Webhook{Active: true}
	var floor int64
	var slug string
	err := tx.QueryRow(tx.ctx, `SELECT w.id, w.event_id, w.url, w.secret, w.next_seq, e.floor, e.slug
		FROM webhooks w JOIN events e ON e.id = w.event_id
		WHERE w.active AND w.next_seq <= e.head AND w.next_at <= $1 AND w.lease_until <= $1
		ORDER BY w.next_at, w.id LIMIT 1
		FOR UPDATE OF w SKIP LOCKED`, now).
		Scan(&w.ID, &w.EventID, &w.URL, &w.Secret, &w.NextSeq, &floor, &slug)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, "", nil
	} else if err != nil {
		return nil, 0, "", fmt.Errorf("claim webhook delivery: %w", err)
	}
	return w, floor, slug, nil
}

func (tx *tx) MoveWebhook(id, nextSeq int64) error {
	if _, err := tx.Exec(tx.ctx, `UPDATE webhooks SET next_seq = $1, attempt = 0 WHERE id = $2`, nextSeq, id); err != nil {
		return fmt.Errorf("claim webhook delivery: %w", err)
	}
	return nil
}

func (tx *tx) LeaseWebhook(id int64, until time.Time) (int, error) {
	var attempt int
	if err := tx.QueryRow(tx.ctx, `UPDATE webhooks SET attempt = attempt + 1, lease_until = $1 WHERE id = $2 RETURNING attempt`,
		until, id).Scan(&attempt); err != nil {
		return 0, fmt.Errorf("claim webhook delivery: %w", err)
	}
	return attempt, nil
}

func (tx *tx) AdvanceWebhook(id, seq int64, attempt int) (bool, error) {
	return tx.finishWebhook(`UPDATE webhooks SET lease_until = '-infinity', next_at = '-infinity', attempt = 0, next_seq = next_seq + 1
		WHERE id = $1 AND next_seq = $2 AND attempt = $3`, id, seq, attempt)
}

func (tx *tx) RetryWebhook(id, seq int64, attempt int, at time.Time) (bool, error) {
	return tx.finishWebhook(`UPDATE webhooks SET lease_until = '-infinity', next_at = $4 WHERE id = $1 AND next_seq = $2 AND attempt = $3`,
		id, seq, attempt, at)
}

func (tx *tx) finishWebhook(q string, args ...any) (bool, error) {
	tag, err := tx.Exec(tx.ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("finish webhook delivery: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

func (tx *tx) InsertWebhookAttempt(a *liveblog.WebhookAttempt) error {
	err := tx.QueryRow(tx.ctx, `INSERT INTO webhook_attempts (webhook_id, seq, attempt, status_code, latency_us, error, done, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		a.WebhookID, a.Seq, a.Attempt, a.StatusCode, a.Latency.Microseconds(), a.Error, a.Done, a.CreatedAt).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("finish webhook delivery: %w", err)
	}
	return nil
}
