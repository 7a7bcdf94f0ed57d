package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
	"github.com/liveblog/liveblog/webhook"
)

const secret = "whsec_test"

// received is one request as the receiver saw it.
type received struct {
	header http.Header
	body   []byte
	seq    int64
	kind   liveblog.ChangeKind
	post   *liveblog.Post
}

// receiver is a partner's endpoint on 127.0.0.1 answering with the status
// codes in order (200 once they run out).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	statuses []int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p struct {
			Seq  int64               `json:"seq"`
			Kind liveblog.ChangeKind `json:"kind"`
			Post *liveblog.Post      `json:"post"`
		}
		json.Unmarshal(body, &p)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: body, seq: p.Seq, kind: p.Kind, post: p.Post})
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

type fixture struct {
	path  string
	store *sqlite.Store
	event *liveblog.Event
	hook  *liveblog.Webhook
	clock *clock
}

func newFixture(t *testing.T, url string) *fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "liveblog.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ev := &liveblog.Event{Slug: "election", Title: "Election night"}
	if err := s.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	hook := &liveblog.Webhook{EventID: ev.ID, URL: url, Secret: secret, Active: true}
	if err := s.CreateWebhook(ctx, liveblog.Write{}, hook); err != nil {
		t.Fatal(err)
	}
	return &fixture{path: path, store: s, event: ev, hook: hook, clock: &clock{now: time.Date(2026, 5, 7, 22, 0, 0, 0, time.UTC)}}
}

func (f *fixture) publish(t *testing.T, headline string) *liveblog.Post {
	t.Helper()
	p := &liveblog.Post{EventID: f.event.ID, Headline: headline}
	if err := f.store.CreatePost(context.Background(), liveblog.Write{}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// worker is a worker allowed to reach the loopback receiver, on f's clock
// and with no jitter, so that due times can be computed.
func (f *fixture) worker(cfg webhook.Config) *webhook.Worker {
	cfg.AllowPrivateNetworks = true
	cfg.Now = f.clock.Now
	cfg.Jitter = func() float64 { return 0 }
	return webhook.NewWorker(f.store, cfg)
}

// drain runs w until nothing is due.
func drain(t *testing.T, w *webhook.Worker) {
	t.Helper()
	for {
		ok, err := w.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
	}
}

func TestWorker(t *testing.T) {
	ctx := context.Background()

	t.Run("SignedAndInOrder", func(t *testing.T) {
		rc := newReceiver(t)
		f := newFixture(t, rc.URL)
		for _, h := range []string{"Polls close", "First result", "Turnout up"} {
			f.publish(t, h)
		}
		drain(t, f.worker(webhook.Config{}))

		got := rc.requests()
		if len(got) != 3 {
			t.Fatalf("got %d requests, want 3", len(got))
		}
		for i, r := range got {
			if want := f.hook.NextSeq + int64(i); r.seq != want {
				t.Errorf("request %d: got seq %d, want %d", i, r.seq, want)
			}
			if r.kind != liveblog.ChangePostPublished || r.post == nil {
				t.Errorf("request %d: got %s with post %v, want a published post", i, r.kind, r.post)
			}
			if err := webhook.Verify(secret, r.header.Get(webhook.SignatureHeader), r.body, f.clock.Now(), 5*time.Minute); err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			if err := webhook.Verify("other", r.header.Get(webhook.SignatureHeader), r.body, f.clock.Now(), 5*time.Minute); err == nil {
				t.Errorf("request %d: verified with the wrong secret", i)
			}
			var p struct {
				Event string `json:"event"`
			}
			json.Unmarshal(r.body, &p)
			if p.Event != "election" {
				t.Errorf("request %d: got event %q, want %q", i, p.Event, "election")
			}
		}
		attempts, err := f.store.FindWebhookAttempts(ctx, f.hook.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(attempts) != 3 {
			t.Fatalf("got %d attempts logged, want 3", len(attempts))
		}
		for _, a := range attempts {
			if a.StatusCode != 200 || !a.Done || a.Attempt != 1 {
				t.Errorf("got attempt %+v, want a first attempt answered 200", a)
			}
		}
	})

	t.Run("RetryWithBackoff", func(t *testing.T) {
		rc := newReceiver(t, 500, 503, 200)
		f := newFixture(t, rc.URL)
		f.publish(t, "Recount ordered")
		f.publish(t, "Recount over")
		w := f.worker(webhook.Config{BaseDelay: time.Minute})
		start := f.clock.Now()

		// A failed change holds back the ones after it: order first.
		wants := []time.Duration{0, 30 * time.Second, time.Minute}
		at := start
		for i, wait := range wants {
			at = at.Add(wait)
			if wait > 0 {
				f.clock.Set(at.Add(-time.Microsecond))
				if ok, err := w.Step(ctx); ok || err != nil {
					t.Fatalf("attempt %d: ran %v before it was due (err %v)", i+1, wait, err)
				}
				f.clock.Set(at)
			}
			if ok, err := w.Step(ctx); !ok || err != nil {
				t.Fatalf("attempt %d: not run when due: %v", i+1, err)
			}
		}
		drain(t, w)

		got := rc.requests()
		var seqs []int64
		for _, r := range got {
			seqs = append(seqs, r.seq)
		}
		first := f.hook.NextSeq
		if want := []int64{first, first, first, first + 1}; !slices.Equal(seqs, want) {
			t.Fatalf("got seqs %v, want %v", seqs, want)
		}
		attempts, err := f.store.FindWebhookAttempts(ctx, f.hook.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var codes []int64
		for _, a := range attempts {
			codes = append(codes, int64(a.StatusCode))
		}
		if want := []int64{200, 200, 503, 500}; !slices.Equal(codes, want) {
			t.Fatalf("got status codes (newest first) %v, want %v", codes, want)
		}
	})

	t.Run("GivesUpAfterMaxAttempts", func(t *testing.T) {
		rc := newReceiver(t, 500, 500, 500)
		f := newFixture(t, rc.URL)
		f.publish(t, "Lost")
		f.publish(t, "Next")
		w := f.worker(webhook.Config{MaxAttempts: 3, BaseDelay: time.Second})
		for range 3 {
			drain(t, w)
			f.clock.Set(f.clock.Now().Add(time.Hour))
		}
		got := rc.requests()
		if len(got) != 4 || got[3].seq != f.hook.NextSeq+1 {
			t.Fatalf("got %d requests, want 3 for the first change and then the next one", len(got))
		}
		attempts, _ := f.store.FindWebhookAttempts(ctx, f.hook.ID, 0)
		if last := attempts[1]; !last.Done || last.Attempt != 3 || last.StatusCode != 500 {
			t.Fatalf("got the last attempt at the first change %+v, want the third, done", last)
		}
	})

	t.Run("DeletedPostNotSent", func(t *testing.T) {
		rc := newReceiver(t)
		f := newFixture(t, rc.URL)
		p := f.publish(t, "Wrongly named candidate")
		if _, err := f.store.ChangePost(ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: p.Version}); err != nil {
			t.Fatal(err)
		}
		drain(t, f.worker(webhook.Config{}))
		got := rc.requests()
		if len(got) != 2 {
			t.Fatalf("got %d requests, want 2", len(got))
		}
		for _, r := range got {
			if r.post != nil || strings.Contains(string(r.body), "Wrongly named") {
				t.Errorf("got %s carrying the deleted post: %s", r.kind, r.body)
			}
		}
		if got[1].kind != liveblog.ChangePostDeleted {
			t.Errorf("got %s last, want %s", got[1].kind, liveblog.ChangePostDeleted)
		}
	})

	t.Run("HangingReceiverDoesNotBlockPublishing", func(t *testing.T) {
		arrived := make(chan struct{}, 16)
		release := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			<-release
		}))
		defer hang.Close()
		defer close(release)
		f := newFixture(t, hang.URL)
		f.publish(t, "First")

		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			f.worker(webhook.Config{Timeout: time.Hour}).Run(runCtx)
			close(done)
		}()
		defer func() { stop(); <-done }()
		<-arrived

		// The worker now holds a request open; every publish must still
		// go through, and quickly, since nothing it does waits on it.
		for i := range 20 {
			start := time.Now()
			f.publish(t, "More")
			if d := time.Since(start); d > time.Second {
				t.Fatalf("publish %d took %v while a partner hung", i, d)
			}
		}
	})

	t.Run("ExactlyOnceWithTwoStoresOnOneFile", func(t *testing.T) {
		rc := newReceiver(t)
		f := newFixture(t, rc.URL)
		for range 30 {
			f.publish(t, "Line")
		}
		// A second process on the same file, as a CLI or another node
		// sharing a disk would be: BEGIN IMMEDIATE serialises the claims.
		other, err := sqlite.Open(ctx, f.path)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		var wg sync.WaitGroup
		for _, s := range []liveblog.WebhookStore{f.store, other, f.store, other} {
			w := webhook.NewWorker(s, webhook.Config{AllowPrivateNetworks: true, Now: f.clock.Now})
			wg.Go(func() {
				for {
					ok, err := w.Step(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						return
					}
				}
			})
		}
		wg.Wait()
		got := rc.requests()
		if len(got) != 30 {
			t.Fatalf("got %d requests, want 30", len(got))
		}
		for i, r := range got {
			if want := f.hook.NextSeq + int64(i); r.seq != want {
				t.Fatalf("request %d: got seq %d, want %d", i, r.seq, want)
			}
		}
	})

	t.Run("RefusesLoopbackByDefault", func(t *testing.T) {
		rc := newReceiver(t)
		f := newFixture(t, rc.URL)
		f.publish(t, "Not for localhost")
		w := webhook.NewWorker(f.store, webhook.Config{Now: f.clock.Now})
		if ok, err := w.Step(ctx); !ok || err != nil {
			t.Fatalf("got %v, %v; want one attempt", ok, err)
		}
		if n := len(rc.requests()); n != 0 {
			t.Fatalf("the receiver on loopback got %d requests, want 0", n)
		}
		attempts, _ := f.store.FindWebhookAttempts(ctx, f.hook.ID, 0)
		if len(attempts) != 1 || !strings.Contains(attempts[0].Error, "not allowed") {
			t.Fatalf("got attempts %+v, want one refused by netguard", attempts)
		}
	})
}

func TestBackoff(t *testing.T) {
	base, maxDelay := 30*time.Second, time.Hour
	var total time.Duration
	for n := 1; n < webhook.DefaultMaxAttempts; n++ {
		lo, hi := webhook.Backoff(n, base, maxDelay, 0), webhook.Backoff(n, base, maxDelay, 0.999999)
		full := base << (n - 1)
		if lo != full/2 || hi > full || hi < full-time.Millisecond {
			t.Errorf("attempt %d: got [%v, %v], want [%v, %v]", n, lo, hi, full/2, full)
		}
		total += hi
	}
	if total < 50*time.Minute || total > 70*time.Minute {
		t.Errorf("got %v from first to last attempt at most, want about an hour", total)
	}
	if got := webhook.Backoff(30, base, maxDelay, 0.999999); got > maxDelay {
		t.Errorf("got %v, want at most %v", got, maxDelay)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_780_000_000, 0)
	body := []byte(`{"seq":1}`)
	sig := webhook.Sign(secret, now, body)
	for _, tc := range []struct {
		name   string
		secret string
		header string
		body   []byte
		at     time.Time
		ok     bool
	}{
		{"OK", secret, sig, body, now, true},
		{"WrongSecret", "nope", sig, body, now, false},
		{"Tampered", secret, sig, []byte(`{"seq":2}`), now, false},
		{"Replayed", secret, sig, body, now.Add(time.Hour), false},
		{"Garbage", secret, "t=x,v1=zz", body, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.header, tc.body, tc.at, 5*time.Minute)
			if ok := err == nil; ok != tc.ok {
				t.Fatalf("got %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, webhook.ErrSignature) {
				t.Fatalf("got %v, want ErrSignature", err)
			}
		})
	}
}
