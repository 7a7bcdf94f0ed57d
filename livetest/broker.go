package livetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// BrokerTimeout bounds how long the broker suite waits for a delivery. It is
// a failure bound, not a pause: the suite never waits when deliveries arrive.
const BrokerTimeout = 10 * time.Second

// TestBroker runs the contract every liveblog.Broker must meet. newCluster
// returns a function that starts one node of a fresh, isolated cluster each
// time it is called: brokers from the same cluster hear each other, brokers
// from different clusters never do. A single-process broker returns the same
// broker for every node.
func TestBroker(t *testing.T, newCluster func(t *testing.T) (node func() liveblog.Broker)) {
	ctx := context.Background()

	t.Run("DeliversAcrossNodes", func(t *testing.T) {
		node := newCluster(t)
		a, b := node(), node()
		rec := newRecorder()
		cancel := b.Subscribe(rec.add)
		defer cancel()
		waitReady(t, a, rec)
		a.Announce(ctx, 7, 3)
		rec.waitFor(t, liveblog.Announcement{EventID: 7, Head: 3})
		// The commit an announcement follows has happened even when the
		// writer's context has ended since.
		done, stop := context.WithCancel(ctx)
		stop()
		a.Announce(done, 8, 4)
		rec.waitFor(t, liveblog.Announcement{EventID: 8, Head: 4})
	})

	t.Run("EverySubscriber", func(t *testing.T) {
		node := newCluster(t)
		a, b := node(), node()
		r1, r2 := newRecorder(), newRecorder()
		c1 := b.Subscribe(r1.add)
		defer c1()
		c2 := b.Subscribe(r2.add)
		defer c2()
		waitReady(t, a, r1)
		waitReady(t, a, r2)
		a.Announce(ctx, 9, 1)
		r1.waitFor(t, liveblog.Announcement{EventID: 9, Head: 1})
		r2.waitFor(t, liveblog.Announcement{EventID: 9, Head: 1})
	})

	t.Run("Cancel", func(t *testing.T) {
		node := newCluster(t)
		a := node()
		stopped, marker := newRecorder(), newRecorder()
		cancel := a.Subscribe(stopped.add)
		cm := a.Subscribe(marker.add)
		defer cm()
		waitReady(t, a, stopped)
		waitReady(t, a, marker)
		cancel()
		a.Announce(ctx, 11, 5)
		marker.waitFor(t, liveblog.Announcement{EventID: 11, Head: 5})
		// A second round trip on the marker makes any in-flight delivery to
		// the cancelled subscriber observable before the check.
		a.Announce(ctx, 11, 6)
		marker.waitFor(t, liveblog.Announcement{EventID: 11, Head: 6})
		if stopped.has(liveblog.Announcement{EventID: 11, Head: 5}) {
			t.Fatal("cancelled subscriber still received an announcement")
		}
	})

	t.Run("ConcurrentAnnouncements", func(t *testing.T) {
		node := newCluster(t)
		a, b := node(), node()
		rec := newRecorder()
		cancel := b.Subscribe(rec.add)
		defer cancel()
		waitReady(t, a, rec)
		const writers, each = 8, 25
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					a.Announce(ctx, int64(100+w), int64(i+1))
				}
			}()
		}
		wg.Wait()
		for w := range writers {
			rec.waitFor(t, liveblog.Announcement{EventID: int64(100 + w), Head: each})
		}
	})

	t.Run("IsolatedClusters", func(t *testing.T) {
		a := newCluster(t)()
		b := newCluster(t)()
		other, mine := newRecorder(), newRecorder()
		c1 := b.Subscribe(other.add)
		defer c1()
		c2 := a.Subscribe(mine.add)
		defer c2()
		waitReady(t, a, mine)
		waitReady(t, b, other)
		a.Announce(ctx, 13, 1)
		a.Announce(ctx, 13, 2)
		mine.waitFor(t, liveblog.Announcement{EventID: 13, Head: 2})
		if other.has(liveblog.Announcement{EventID: 13, Head: 1}) {
			t.Fatal("a broker of another cluster heard the announcement")
		}
	})

	t.Run("CloseIsIdempotent", func(t *testing.T) {
		b := newCluster(t)()
		if err := b.Close(); err != nil {
			t.Fatalf("first Close: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		b.Announce(ctx, 1, 1) // must not panic after close
	})
}

// waitReady announces on a reserved event until rec hears it, so that a
// broker whose subscription becomes active asynchronously (as over a network)
// is known to be listening before the case under test starts.
func waitReady(t *testing.T, from liveblog.Broker, rec *recorder) {
	t.Helper()
	const readyEvent = -1
	deadline := time.Now().Add(BrokerTimeout)
	for head := int64(1); ; head++ {
		from.Announce(context.Background(), readyEvent, head)
		if rec.waitForWithin(liveblog.Announcement{EventID: readyEvent, Head: head}, 50*time.Millisecond) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("subscriber never became ready")
		}
	}
}

type recorder struct {
	mu   sync.Mutex
	seen map[liveblog.Announcement]bool
	wake chan struct{}
}

func newRecorder() *recorder {
	return &recorder{seen: make(map[liveblog.Announcement]bool), wake: make(chan struct{}, 1)}
}

func (r *recorder) add(a liveblog.Announcement) {
	r.mu.Lock()
	r.seen[a] = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) has(a liveblog.Announcement) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[a]
}

func (r *recorder) waitForWithin(a liveblog.Announcement, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for !r.has(a) {
		select {
		case <-r.wake:
		case <-timer.C:
			return r.has(a)
		}
	}
	return true
}

func (r *recorder) waitFor(t *testing.T, a liveblog.Announcement) {
	t.Helper()
	if !r.waitForWithin(a, BrokerTimeout) {
		t.Fatalf("announcement %+v never arrived", a)
	}
}
