package liveblog

import (
	"context"
	"time"
)

// CreateWebhook subscribes w.URL to w.EventID's changes from the next one on.
func (s *Service) CreateWebhook(ctx context.Context, wr Write, w *Webhook) error {
	return s.write(ctx, wr, func(t *txn) (target, error) {
		w.CreatedAt = t.Now()
		return target{eventID: w.EventID}, t.InsertWebhook(w)
	})
}

// DeleteWebhook removes a webhook and its attempts; a delivery in flight
// finds its lease gone and records nothing.
func (s *Service) DeleteWebhook(ctx context.Context, w Write, id int64) error {
	return s.write(ctx, w, func(t *txn) (target, error) { return target{}, t.DeleteWebhook(id) })
}

// ClaimWebhookDelivery leases the most overdue webhook that is behind its
// event's head until now+lease, and returns the change it gets next; nil
// when nothing is due. Changes trimmed from the feed cannot be sent: a
// webhook behind the floor resumes at the oldest change kept.
func (s *Service) ClaimWebhookDelivery(ctx context.Context, now time.Time, lease time.Duration) (*WebhookDelivery, error) {
	if due, err := s.db.WebhookDue(ctx, now); err != nil || !due {
		return nil, err
	}
	var d *WebhookDelivery
	err := s.write(ctx, Write{}, func(t *txn) (target, error) {
		for {
			w, floor, slug, err := t.DueWebhook(now)
			if err != nil || w == nil {
				return target{}, err
			}
			if w.NextSeq <= floor {
				if err := t.MoveWebhook(w.ID, floor+1); err != nil {
					return target{}, err
				}
				continue
			}
			attempt, err := t.LeaseWebhook(w.ID, now.Add(lease))
			if err != nil {
				return target{}, err
			}
			c, err := t.Change(w.EventID, w.NextSeq)
			if err != nil {
				return target{}, err
			}
			d = &WebhookDelivery{Webhook: w, EventSlug: slug, Change: c, Attempt: attempt}
			return target{}, nil
		}
	})
	return d, err
}

// FinishWebhookDelivery records a and ends the lease: after a.Done the
// webhook moves on to its next change, otherwise the same change is due
// again at retryAt. A lease taken over meanwhile records nothing and is a
// conflict.
func (s *Service) FinishWebhookDelivery(ctx context.Context, a *WebhookAttempt, retryAt time.Time) error {
	return s.write(ctx, Write{}, func(t *txn) (target, error) {
		var held bool
		var err error
		if a.Done {
			held, err = t.AdvanceWebhook(a.WebhookID, a.Seq, a.Attempt)
		} else {
			held, err = t.RetryWebhook(a.WebhookID, a.Seq, a.Attempt, retryAt)
		}
		if err != nil {
			return target{}, err
		}
		if !held {
			return target{}, Errorf(ECONFLICT, "The delivery is no longer leased to this worker.")
		}
		a.CreatedAt = t.Now()
		return target{}, t.InsertWebhookAttempt(a)
	})
}
