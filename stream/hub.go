// Package stream is the live stream: a per-event hub that turns an event's
// change feed into Server-Sent Events frames, encodes each frame once, and
// writes the same bytes to every reader of the event.
//
// The store is the record: an announcement only makes the hub read from its
// own position, so none lost, repeated or reordered can open a gap or repeat
// a change (docs/ARCHITECTURE.md, "From commit to every reader").
package stream

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liveblog/liveblog"
)

// Defaults for Config.
const (
	// DefaultRingSize keeps about twenty minutes of a busy live page (a change
	// every five seconds) in memory, so that a phone that lost signal for a
	// while resumes without a store read, at roughly a megabyte of rendered
	// HTML per event.
	DefaultRingSize = 256

	// DefaultHeartbeat is well under the 60-second idle timeouts of common
	// proxies and load balancers, and bounds how long a vanished reader holds
	// a connection.
	DefaultHeartbeat = 15 * time.Second

	// DefaultWriteTimeout lets a reader on a poor mobile link take a frame,
	// while a reader whose socket stays full that long is not coming back.
	DefaultWriteTimeout = 10 * time.Second

	// DefaultPollInterval bounds how late a change can be when its
	// announcement was lost, at the cost of one small query per event with
	// readers per interval.
	DefaultPollInterval = 5 * time.Second

	// DefaultRetryHint is the reconnection delay sent at shutdown: long enough
	// for a restarted node to listen again. Each reader gets a value between
	// it and twice it, so a large audience does not reconnect at once.
	DefaultRetryHint = 2 * time.Second

	// DefaultSendBuffer bounds the kernel's send buffer of a hijacked
	// stream. A frame is a few KiB, so this is dozens of frames of slack,
	// while an unbounded buffer grows to megabytes (on loopback at once)
	// for a reader who stopped reading: kernel memory the process does not
	// see, and minutes of frames before the write timeout can start to run.
	// The kernel doubles the value for its own bookkeeping.
	DefaultSendBuffer = 64 << 10

	// DefaultIdleTimeout keeps an event's ring for a minute after its last
	// reader left, so that a lone reader who reconnects resumes from memory
	// instead of the hub re-reading and re-encoding the ring.
	DefaultIdleTimeout = time.Minute
)

// Config tunes a Hub. Zero fields take the Default* values.
type Config struct {
	// RingSize is how many recent frames are kept per event, for resuming
	// without a store read and as the slack a slow reader has before it is
	// disconnected.
	RingSize int
	// Heartbeat is the interval of comment frames on an idle stream; it is
	// also how dead readers are found.
	Heartbeat time.Duration
	// WriteTimeout bounds each write; a reader that cannot take a frame
	// within it is disconnected.
	WriteTimeout time.Duration
	// PollInterval is how often the store is read for events with readers,
	// in case an announcement was lost.
	PollInterval time.Duration
	// RetryHint is sent as retry: when the hub shuts down gracefully.
	RetryHint time.Duration
	// IdleTimeout is how long an event's ring is kept after its last reader
	// left.
	IdleTimeout time.Duration
	// SendBuffer is the socket send buffer (SO_SNDBUF) of a hijacked
	// stream's connection; negative leaves the kernel's own sizing.
	SendBuffer int
}

func (c Config) withDefaults() Config {
	if c.RingSize <= 0 {
		c.RingSize = DefaultRingSize
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.RetryHint <= 0 {
		c.RetryHint = DefaultRetryHint
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.SendBuffer == 0 {
		c.SendBuffer = DefaultSendBuffer
	}
	return c
}

// Source is what the hub reads: an event and its change feed. A
// liveblog.Store satisfies it.
type Source interface {
	FindEventByID(ctx context.Context, id int64) (*liveblog.Event, error)
	FindChanges(ctx context.Context, filter liveblog.ChangeFilter) (*liveblog.ChangeBatch, error)
}

var _ Source = liveblog.Store(nil)

// EncodeFunc renders a change into the data: payload of its frame. ev is the
// event as of the change. It must not keep c or the returned slice's backing
// array for later mutation: the hub shares the frame among readers.
type EncodeFunc func(ev *liveblog.Event, c *liveblog.Change) ([]byte, error)

// Stats is a snapshot of the hub's counters.
type Stats struct {
	Subscribers    int   // open streams, counting a reader who left silently until a write finds it gone
	Events         int   // events with at least one open stream
	FramesEncoded  int64 // change frames encoded, into the ring or for a replay
	ReadersDropped int64 // streams closed for a slow reader: it fell behind the ring or a write missed its deadline
	ResetsSent     int64 // reset frames sent to readers whose position the feed could not serve
}

// Hub fans an instance's change feeds out to its readers. It is an
// Announcer: the store (or the broker) calls Announce after every commit.
type Hub struct {
	src    Source
	encode EncodeFunc
	cfg    Config
	logger *slog.Logger

	// ctx is cancelled by Shutdown; it bounds the hub's own store reads, and
	// its Done channel tells every stream to say retry and go.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.RWMutex
	events  map[int64]*entry
	closed  bool
	streams sync.WaitGroup // subscribers that have not ended
	workers sync.WaitGroup // entry goroutines

	// heads is the highest head announced for each event, followed or not,
	// and generation counts the resyncs that made it forget them: what
	// Current judges by.
	headsMu    sync.RWMutex // read on every page request (Current), written per announcement
	heads      map[int64]int64
	generation uint64

	subscribers    atomic.Int64
	framesEncoded  atomic.Int64
	readersDropped atomic.Int64
	resetsSent     atomic.Int64
}

var _ liveblog.Announcer = (*Hub)(nil)

// NewHub returns a hub reading from src and rendering data: payloads with
// encode. A nil logger discards. The hub starts no goroutine until an event
// has a reader.
func NewHub(src Source, encode EncodeFunc, cfg Config, logger *slog.Logger) *Hub {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		src:    src,
		encode: encode,
		cfg:    cfg.withDefaults(),
		logger: logger,
		ctx:    ctx,
		cancel: cancel,
		events: make(map[int64]*entry),
		heads:  make(map[int64]int64),
	}
}

// Announce tells the hub that eventID's feed has changes up to head. The
// event's own goroutine reads them, folding announcements that arrive
// meanwhile into one more read; events without readers are ignored. ctx is
// not consulted: the commit has happened whether or not it is done, and
// Announce neither waits nor logs.
func (h *Hub) Announce(_ context.Context, eventID, head int64) {
	h.headsMu.Lock()
	if len(h.heads) >= maxAnnouncedHeads {
		h.heads = make(map[int64]int64)
		h.generation++
	}
	h.heads[eventID] = max(h.heads[eventID], head)
	h.headsMu.Unlock()

	h.mu.RLock()
	e := h.events[eventID]
	h.mu.RUnlock()
	if e == nil {
		return
	}
	e.announced(head)
	if head <= e.last.Load() {
		return
	}
	e.requestRead()
}

// Feed is what the hub knows of an event's change feed.
type Feed struct {
	// Head is the newest change known to be committed: read by the hub, or
	// only announced to it so far.
	Head int64
	// Floor is the feed's floor as of the hub's latest read of it, which is
	// at most PollInterval old: trimming the feed is not announced.
	Floor int64
}

// Feed returns what the hub knows of eventID's feed, and false when the hub
// does not follow the event (it has had no reader for a while) or has not
// read its feed yet. Every change to an event moves its head, so whatever
// was derived from the event at this head is still current.
func (h *Hub) Feed(eventID int64) (Feed, bool) {
	h.mu.RLock()
	e := h.events[eventID]
	h.mu.RUnlock()
	if e == nil {
		return Feed{}, false
	}
	select {
	case <-e.ready:
	default:
		return Feed{}, false
	}
	select {
	case <-e.gone:
		// A stopped entry no longer hears announcements.
		return Feed{}, false
	default:
	}
	return Feed{Head: max(e.announcedHead.Load(), e.last.Load()), Floor: e.floor.Load()}, true
}

// maxAnnouncedHeads bounds the heads remembered for Current; past it they
// are forgotten at once, which costs each event one store read.
const maxAnnouncedHeads = 1 << 16

// A Stamp marks when something was read from the store, for Current.
type Stamp struct {
	at         time.Time
	generation uint64
}

// Stamp returns the mark to keep with an event about to be read from the
// store.
func (h *Hub) Stamp() Stamp {
	h.headsMu.RLock()
	defer h.headsMu.RUnlock()
	return Stamp{at: time.Now(), generation: h.generation}
}

// Current reports whether an event read from the store with head, after
// stamp was taken, is still current as far as the hub can tell: head is the
// feed's for an event the hub follows; else the read is younger than the
// poll interval, with no higher head announced since and no resync, so only
// a lost announcement can leave it stale, and no staler than a stream.
func (h *Hub) Current(eventID, head int64, stamp Stamp) bool {
	if f, ok := h.Feed(eventID); ok {
		return f.Head == head
	}
	if time.Since(stamp.at) >= h.cfg.PollInterval {
		return false
	}
	h.headsMu.RLock()
	defer h.headsMu.RUnlock()
	return stamp.generation == h.generation && h.heads[eventID] <= head
}

// Resync makes the hub read the feed of every event it serves, as a broker
// asks after it may have missed announcements (it lost its connection). Like
// Announce, it does not wait for the reads.
func (h *Hub) Resync() {
	h.headsMu.Lock()
	h.heads = make(map[int64]int64)
	h.generation++
	h.headsMu.Unlock()

	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, e := range h.events {
		e.requestRead()
	}
}

// Shutdown stops the hub: Subscribe fails from then on, every open stream is
// sent a retry: hint and ended, and Shutdown waits for them and for the hub's
// own goroutines until ctx is done. A stream blocked writing to a stalled
// reader ends within WriteTimeout. http.Server.Shutdown does not see the
// connections given to ServeConn, so a server must call this too.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()

	done := make(chan struct{})
	go func() {
		h.streams.Wait()
		h.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.RLock()
	events := 0
	for _, e := range h.events {
		if e.subs > 0 {
			events++
		}
	}
	h.mu.RUnlock()
	return Stats{
		Subscribers:    int(h.subscribers.Load()),
		Events:         events,
		FramesEncoded:  h.framesEncoded.Load(),
		ReadersDropped: h.readersDropped.Load(),
		ResetsSent:     h.resetsSent.Load(),
	}
}

// join registers a subscriber with the entry of ev, starting the entry when ev
// has no other reader.
func (h *Hub) join(ev *liveblog.Event) (*entry, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrShutdown
	}
	e := h.events[ev.ID]
	if e == nil {
		e = newEntry(h, ev)
		h.events[ev.ID] = e
		h.workers.Add(1)
		go e.run()
	}
	e.subs++
	h.streams.Add(1)
	h.subscribers.Add(1)
	return e, nil
}

func (h *Hub) leave(e *entry) {
	h.mu.Lock()
	e.subs--
	if e.subs == 0 {
		e.idleSince = time.Now()
	}
	h.mu.Unlock()
	h.subscribers.Add(-1)
	h.streams.Done()
}

// remove forgets e if it is still the entry of its event and, unless force,
// has had no reader for the idle timeout. It reports whether e was removed.
func (h *Hub) remove(e *entry, force bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !force && (e.subs > 0 || time.Since(e.idleSince) < h.cfg.IdleTimeout) {
		return false
	}
	if h.events[e.id] == e {
		delete(h.events, e.id)
	}
	return true
}
