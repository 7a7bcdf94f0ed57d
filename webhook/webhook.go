// Package webhook delivers an event's change feed to syndication partners:
// each change, in order, as a signed JSON POST to every webhook of the event.
//
// Publishing never waits for a partner. The worker reads the feed after the
// fact, keeping each webhook's position on the webhook's own row, and claims
// one change of one webhook at a time with a lease, so that workers on
// several nodes of one database send each change once and a partner that
// hangs holds up only itself.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/netguard"
)

// Defaults of Config.
const (
	// DefaultTimeout bounds one request, body and answer: a partner that
	// has not answered in this long is counted as failed and tried again.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxAttempts and DefaultBaseDelay spread the attempts for one
	// change over about an hour (30s, 1m, 2m ... 32m), long enough to ride
	// out a partner's deploy or short outage, short enough that a feed is
	// not stuck behind one change all day.
	DefaultMaxAttempts = 8
	DefaultBaseDelay   = 30 * time.Second
	// DefaultMaxDelay caps one wait, whatever MaxAttempts is raised to.
	DefaultMaxDelay = time.Hour
	// DefaultLease is how long a claimed change is kept from other
	// workers. It must outlast a request, or a slow partner would get the
	// change twice.
	DefaultLease = 2*DefaultTimeout + 30*time.Second
	// DefaultPollInterval is how often the worker looks for work it was
	// not woken for: retries falling due, and announcements from nodes it
	// does not hear.
	DefaultPollInterval = time.Second
	// DefaultConcurrency is how many requests a worker has in flight, so
	// that one hanging partner does not delay the others.
	DefaultConcurrency = 4
)

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>" over
// "<t>.<body>" with the webhook's secret.
const SignatureHeader = "Liveblog-Signature"

// Config configures a Worker. The zero value sends with the defaults above
// through a client that refuses private and loopback addresses.
type Config struct {
	Timeout      time.Duration
	MaxAttempts  int
	BaseDelay    time.Duration
	MaxDelay     time.Duration
	Lease        time.Duration
	PollInterval time.Duration
	Concurrency  int
	// AllowPrivateNetworks turns the netguard check off, letting
	// deliveries reach loopback and private addresses. It exists for
	// tests with a receiver on 127.0.0.1; a partner on the newsroom's own
	// network is better allowed by a netguard.Guard in Client.
	AllowPrivateNetworks bool
	// Client sends the requests; nil means a netguard client (or a plain
	// one with AllowPrivateNetworks) with Timeout.
	Client *http.Client
	// Now is the clock for due times, liveblog.Now when nil; Jitter
	// returns a number in [0, 1), math/rand when nil.
	Now    func() time.Time
	Jitter func() float64
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = DefaultBaseDelay
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = DefaultMaxDelay
	}
	if c.Lease <= 0 {
		c.Lease = max(DefaultLease, 2*c.Timeout+30*time.Second)
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Client == nil {
		if c.AllowPrivateNetworks {
			c.Client = &http.Client{Timeout: c.Timeout}
		} else {
			c.Client = (&netguard.Guard{}).Client()
			c.Client.Timeout = c.Timeout
		}
	}
	if c.Now == nil {
		c.Now = liveblog.Now
	}
	if c.Jitter == nil {
		c.Jitter = rand.Float64
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Backoff is the wait after failed attempt n (from 1): doubling from
// base, capped at max, and drawn at random from its upper half so that
// partners coming back from an outage are not hit by every node at once.
func Backoff(n int, base, maxDelay time.Duration, jitter float64) time.Duration {
	d := base
	for i := 1; i < n && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	return d/2 + time.Duration(jitter*float64(d/2))
}

// Payload is the body of a delivery: the change as GET
// /live/{slug}/changes lists it, with the event's slug.
type Payload struct {
	Event string `json:"event"`
	*liveblog.Change
}

// Sign returns the signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ErrSignature is returned by Verify for a signature that does not match
// or is too old.
var ErrSignature = errors.New("webhook: bad signature")

// Verify checks a signature header against body, refusing one made more
// than tolerance before now (a replay). It is what a partner written in Go
// calls; docs/API.md shows the same in a few lines.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrSignature
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrSignature
}

// Worker sends due deliveries until its context ends.
type Worker struct {
	store liveblog.WebhookStore
	cfg   Config
	wake  chan struct{}
}

// NewWorker returns a worker taking its work from store.
func NewWorker(store liveblog.WebhookStore, cfg Config) *Worker {
	return &Worker{store: store, cfg: cfg.withDefaults(), wake: make(chan struct{}, 1)}
}

// Wake makes the worker look for work now rather than at its next poll; it
// is called for every announcement, and never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends deliveries with cfg.Concurrency requests in flight until ctx
// ends.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range w.cfg.Concurrency {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context) {
	t := time.NewTicker(w.cfg.PollInterval)
	defer t.Stop()
	for {
		for {
			ok, err := w.Step(ctx)
			if ctx.Err() != nil {
				return
			}
			switch {
			case liveblog.ErrorCode(err) == liveblog.ECONFLICT:
				// The webhook was deleted, or the lease outlived, while
				// the request was out: nothing is wrong with this node.
				w.cfg.Logger.Warn("webhook delivery not recorded", "err", err)
			case err != nil:
				w.cfg.Logger.Error("delivering webhook", "err", err)
			}
			if !ok {
				break
			}
			// More work may be waiting for the other goroutines.
			w.Wake()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// Step claims one due delivery, sends it and records the attempt. It
// reports whether there was one.
func (w *Worker) Step(ctx context.Context) (bool, error) {
	d, err := w.store.ClaimWebhookDelivery(ctx, w.cfg.Now(), w.cfg.Lease)
	if err != nil || d == nil {
		return false, err
	}
	a := w.send(ctx, d)
	retryAt := time.Time{}
	if a.StatusCode >= 200 && a.StatusCode < 300 {
		a.Done = true
	} else if a.Attempt >= w.cfg.MaxAttempts {
		a.Done = true
		w.cfg.Logger.Warn("webhook gave up on a change", "webhook", d.Webhook.ID, "seq", d.Change.Seq, "attempts", a.Attempt)
	} else {
		retryAt = w.cfg.Now().Add(Backoff(a.Attempt, w.cfg.BaseDelay, w.cfg.MaxDelay, w.cfg.Jitter()))
	}
	// The attempt has been made whether or not the caller still waits.
	if err := w.store.FinishWebhookDelivery(context.WithoutCancel(ctx), a, retryAt); err != nil {
		return true, fmt.Errorf("webhook %d seq %d: %w", d.Webhook.ID, d.Change.Seq, err)
	}
	return true, nil
}

func (w *Worker) send(ctx context.Context, d *liveblog.WebhookDelivery) *liveblog.WebhookAttempt {
	a := &liveblog.WebhookAttempt{WebhookID: d.Webhook.ID, Seq: d.Change.Seq, Attempt: d.Attempt}
	body, err := json.Marshal(Payload{Event: d.EventSlug, Change: d.Change})
	if err != nil {
		a.Error = err.Error()
		return a
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		a.Error = err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "liveblog-webhook/"+liveblog.Version)
	req.Header.Set(SignatureHeader, Sign(d.Webhook.Secret, w.cfg.Now(), body))
	// A partner that got a change but whose answer was lost sees it again;
	// this names it so that the partner can drop the repeat.
	req.Header.Set("Liveblog-Delivery", strconv.FormatInt(d.Webhook.ID, 10)+"-"+strconv.FormatInt(d.Change.Seq, 10))
	start := time.Now()
	resp, err := w.cfg.Client.Do(req)
	if err == nil {
		// Reading a little of the body lets the connection be reused
		// without letting a partner stream at us.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		a.StatusCode = resp.StatusCode
		if resp.StatusCode < 200 || resp.StatusCode >= 300 {
			a.Error = resp.Status
		}
	} else {
		a.Error = err.Error()
	}
	a.Latency = time.Since(start)
	return a
}
