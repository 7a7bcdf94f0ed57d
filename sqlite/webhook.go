package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/liveblog/liveblog"
)

func (tx *tx) InsertWebhook(w *liveblog.Webhook) error {
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO webhooks (event_id, url, secret, active, next_seq, created_at)
		SELECT id, ?, ?, ?, head + 1, ? FROM events WHERE id = ? RETURNING id, next_seq`,
		w.URL, w.Secret, w.Active, timeValue(w.CreatedAt), w.EventID).Scan(&w.ID, &w.NextSeq)
	_, err = one(w, err, liveblog.ErrNoEvent, "create webhook")
	return err
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
	return one(w, err, liveblog.ErrNoWebhook, "find webhook")
}

// FindWebhooks returns an event's webhooks, oldest first.
func (s *Store) FindWebhooks(ctx context.Context, eventID int64) ([]*liveblog.Webhook, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE event_id = ? ORDER BY id`, eventID)
	return all(rows, err, scanWebhook, "find webhooks")
}

func (tx *tx) DeleteWebhook(id int64) error {
	res, err := tx.ExecContext(tx.ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return liveblog.ErrNoWebhook
	}
	return nil
}

// FindWebhookAttempts returns a webhook's latest attempts, newest first.
func (s *Store) FindWebhookAttempts(ctx context.Context, webhookID int64, limit int) ([]*liveblog.WebhookAttempt, error) {
	limit = liveblog.WebhookAttemptLimit(limit)
	rows, err := s.reader.QueryContext(ctx, `SELECT id, webhook_id, seq, attempt, status_code, latency_us, error, done, created_at
		FROM webhook_attempts WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, webhookID, limit)
	return all(rows, err, func(row scanner) (*liveblog.WebhookAttempt, error) {
		var a liveblog.WebhookAttempt
		var us int64
		err := row.Scan(&a.ID, &a.WebhookID, &a.Seq, &a.Attempt, &a.StatusCode, &us, &a.Error, &a.Done, timeColumn{&a.CreatedAt})
		a.Latency = time.Duration(us) * time.Microsecond
		return &a, err
	}, "find webhook attempts")
}

// WebhookDue asks the read pool whether anything is due: idle workers poll,
// and this keeps them off the single writer that publishing needs.
func (s storage) WebhookDue(ctx context.Context, now time.Time) (bool, error) {
	var due bool
	if err := s.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhooks w JOIN events e ON e.id = w.event_id
		WHERE w.active AND w.next_seq <= e.head AND w.next_at <= ? AND w.lease_until <= ?)`,
		now.UnixMicro(), now.UnixMicro()).Scan(&due); err != nil {
		return false, fmt.Errorf("claim webhook delivery: %w", err)
	}
	return due, nil
}

// DueWebhook needs no lock of its own: the single writer connection is what
// makes a claim exclusive between workers on one file.
func (tx *tx) DueWebhook(now time.Time) (*liveblog.Webhook, int64, string, error) {
	w := &liveblog.Webhook{Active: true}
	var floor int64
	var slug string
	err := tx.QueryRowContext(tx.ctx, `SELECT w.id, w.event_id, w.url, w.secret, w.next_seq, e.floor, e.slug
		FROM webhooks w JOIN events e ON e.id = w.event_id
		WHERE w.active AND w.next_seq <= e.head AND w.next_at <= ? AND w.lease_until <= ?
		ORDER BY w.next_at, w.id LIMIT 1`, now.UnixMicro(), now.UnixMicro()).
		Scan(&w.ID, &w.EventID, &w.URL, &w.Secret, &w.NextSeq, &floor, &slug)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, "", nil
	} else if err != nil {
		return nil, 0, "", fmt.Errorf("claim webhook delivery: %w", err)
	}
	return w, floor, slug, nil
}

func (tx *tx) MoveWebhook(id, nextSeq int64) error {
	if _, err := tx.ExecContext(tx.ctx, `UPDATE webhooks SET next_seq = ?, attempt = 0 WHERE id = ?`, nextSeq, id); err != nil {
		return fmt.Errorf("claim webhook delivery: %w", err)
	}
	return nil
}

func (tx *tx) LeaseWebhook(id int64, until time.Time) (int, error) {
	var attempt int
	if err := tx.QueryRowContext(tx.ctx, `UPDATE webhooks SET attempt = attempt + 1, lease_until = ? WHERE id = ? RETURNING attempt`,
		until.UnixMicro(), id).Scan(&attempt); err != nil {
		return 0, fmt.Errorf("claim webhook delivery: %w", err)
	}
	return attempt, nil
}

func (tx *tx) AdvanceWebhook(id, seq int64, attempt int) (bool, error) {
	return tx.finishWebhook(`UPDATE webhooks SET lease_until = 0, next_at = 0, attempt = 0, next_seq = next_seq + 1
		WHERE id = ? AND next_seq = ? AND attempt = ?`, id, seq, attempt)
}

func (tx *tx) RetryWebhook(id, seq int64, attempt int, at time.Time) (bool, error) {
	return tx.finishWebhook(`UPDATE webhooks SET lease_until = 0, next_at = ? WHERE id = ? AND next_seq = ? AND attempt = ?`,
		at.UnixMicro(), id, seq, attempt)
}

func (tx *tx) finishWebhook(q string, args ...any) (bool, error) {
	res, err := tx.ExecContext(tx.ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("finish webhook delivery: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (tx *tx) InsertWebhookAttempt(a *liveblog.WebhookAttempt) error {
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO webhook_attempts (webhook_id, seq, attempt, status_code, latency_us, error, done, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.WebhookID, a.Seq, a.Attempt, a.StatusCode, a.Latency.Microseconds(), a.Error, a.Done, timeValue(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("finish webhook delivery: %w", err)
	}
	return nil
}
