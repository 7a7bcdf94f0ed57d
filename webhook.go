package liveblog

import (
	"context"
	"net/url"
	"time"
)

// Webhook is a syndication partner's subscription to an event's change feed:
// every change after the subscription was made is sent to URL, in order,
// signed with Secret.
type Webhook struct {
	ID      int64  `json:"id"`
	EventID int64  `json:"event_id"`
	URL     string `json:"url"`
	// Secret signs each delivery; it is shown once, when the webhook is
	// created, and never listed.
	Secret string `json:"secret,omitempty"`
	Active bool   `json:"active"`
	// NextSeq is the change the partner gets next: the feed's head + 1 when
	// the webhook was made, so a partner starts from now, not from the
	// beginning of the event.
	NextSeq   int64     `json:"next_seq"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookDelivery is one change claimed for sending to one webhook.
// Attempt counts from 1; Change is what the feed holds for the sequence at
// the moment of the claim, so a post deleted meanwhile is sent scrubbed.
type WebhookDelivery struct {
	Webhook   *Webhook
	EventSlug string
	Change    *Change
	Attempt   int
}

// WebhookAttempt is the record of one request to a partner, kept for the
// desk to see why a partner is not getting changes.
type WebhookAttempt struct {
	ID         int64         `json:"id"`
	WebhookID  int64         `json:"webhook_id"`
	Seq        int64         `json:"seq"`
	Attempt    int           `json:"attempt"`
	StatusCode int           `json:"status_code,omitempty"`
	Latency    time.Duration `json:"latency_ns"`
	Error      string        `json:"error,omitempty"`
	// Done is set on the attempt after which the worker moved on: a
	// success, or the last attempt it makes.
	Done      bool      `json:"done"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookStore keeps webhooks and the work of delivering to them. The
// worker's position is on the webhook row, so publishing never writes to it.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, wr Write, w *Webhook) error
	FindWebhookByID(ctx context.Context, id int64) (*Webhook, error)
	FindWebhooks(ctx context.Context, eventID int64) ([]*Webhook, error)
	DeleteWebhook(ctx context.Context, wr Write, id int64) error
	FindWebhookAttempts(ctx context.Context, webhookID int64, limit int) ([]*WebhookAttempt, error)

	// ClaimWebhookDelivery takes the next change due for some webhook and
	// leases it until now+lease, so that no other worker on the database
	// claims it meanwhile. It returns nil when nothing is due.
	ClaimWebhookDelivery(ctx context.Context, now time.Time, lease time.Duration) (*WebhookDelivery, error)
	// FinishWebhookDelivery records a and ends the lease: with a.Done the
	// webhook moves on to the next change, else the same change is due again
	// at retryAt. A lease that has been taken over meanwhile records nothing
	// and returns a conflict.
	FinishWebhookDelivery(ctx context.Context, a *WebhookAttempt, retryAt time.Time) error
}

// WebhookAttemptLimit turns a requested number of delivery attempts into the
// one a store lists: MaxPageSize when none, or more, is asked for.
func WebhookAttemptLimit(limit int) int {
	if limit <= 0 || limit > MaxPageSize {
		return MaxPageSize
	}
	return limit
}

// MaxWebhookURLLength bounds a partner's URL; real endpoints are far shorter.
const MaxWebhookURLLength = 2048

// Validate checks that w can be delivered to: an absolute http or https URL
// with a host and without credentials, which would end up in the log.
func (w *Webhook) Validate() error {
	if w.URL == "" {
		return FieldError("url", "A webhook needs a URL.")
	}
	if len(w.URL) > MaxWebhookURLLength {
		return FieldError("url", "A webhook URL has at most %d characters.", MaxWebhookURLLength)
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return FieldError("url", "A webhook URL must be an absolute http or https URL.")
	}
	if u.User != nil {
		return FieldError("url", "A webhook URL cannot carry a user name or password.")
	}
	if len(w.Secret) < 16 {
		return FieldError("secret", "A webhook secret has at least 16 characters.")
	}
	return nil
}
