package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liveblog/liveblog"
)

// errDiverged means the feed no longer continues from where the ring ends:
// it was trimmed past the hub's position, or restored to an older head. The
// ring cannot be trusted then; the entry stops, its readers reconnect, and
// their positions are judged afresh against the store.
var errDiverged = errors.New("stream: change feed diverged from the ring")

// entry is the hub's state for one event with readers. One goroutine (run)
// reads the store and writes the ring; every stream of the event reads the
// ring without a lock. A slot is replaced, never modified, and last is
// stored only after the slots up to it, so a reader that sees last = N finds
// every frame up to N that has not been overwritten by a newer one.
type entry struct {
	h    *Hub
	id   int64
	hint *liveblog.Event // the first reader's view, used if the store cannot be read at start

	slots         []atomic.Pointer[frame]
	last          atomic.Int64 // sequence of the newest frame; before the first fill, where the ring starts
	announcedHead atomic.Int64 // the highest head announced, which the ring may not have reached yet
	floor         atomic.Int64 // the feed's floor at the latest read
	ev            atomic.Pointer[liveblog.Event]
	ended         atomic.Bool
	sig           atomic.Pointer[signal]

	readRequest chan struct{} // a pending "read the store", at most one
	ready       chan struct{} // closed once the ring has been filled at start
	gone        chan struct{} // closed when the entry stops; its streams end

	// Guarded by h.mu.
	subs      int
	idleSince time.Time

	// Guarded by mu: the subscribers that are caught up and have no
	// goroutine (fanout.go), and whether the entry has stopped taking them.
	mu      sync.Mutex
	waiting []*Subscriber
	stopped bool
}

// frame is one change's message, encoded once and shared by every stream.
// The change's identity is kept so that the frame can be re-encoded without
// its post when that post is deleted.
type frame struct {
	seq       int64
	postID    int64
	kind      liveblog.ChangeKind
	createdAt time.Time
	redacted  bool
	data      []byte // the whole message, id: to blank line
}

// signal is closed to wake every stream waiting on it; a fresh one replaces
// it first, so a stream that loads the signal before checking for frames can
// never miss a wake-up.
type signal struct{ c chan struct{} }

func newEntry(h *Hub, ev *liveblog.Event) *entry {
	e := &entry{
		h:           h,
		id:          ev.ID,
		hint:        ev,
		slots:       make([]atomic.Pointer[frame], h.cfg.RingSize),
		readRequest: make(chan struct{}, 1),
		ready:       make(chan struct{}),
		gone:        make(chan struct{}),
	}
	e.sig.Store(&signal{c: make(chan struct{})})
	e.setEvent(ev)
	return e
}

func (e *entry) setEvent(ev *liveblog.Event) {
	e.ev.Store(ev)
	e.ended.Store(ev.State == liveblog.CoverageEnded)
}

// announced records head as committed. Announcements may arrive out of
// order, so only a higher head is kept.
func (e *entry) announced(head int64) {
	for {
		known := e.announcedHead.Load()
		if head <= known || e.announcedHead.CompareAndSwap(known, head) {
			return
		}
	}
}

// requestRead asks the entry's goroutine to read the store, without waiting.
func (e *entry) requestRead() {
	select {
	case e.readRequest <- struct{}{}:
	default:
	}
}

func (e *entry) wake() {
	old := e.sig.Swap(&signal{c: make(chan struct{})})
	close(old.c)
}

// frame returns the frame of seq, or nil when the ring does not hold it.
func (e *entry) frame(seq int64) *frame {
	if seq <= 0 {
		return nil
	}
	f := e.slots[seq%int64(len(e.slots))].Load()
	if f == nil || f.seq != seq {
		return nil
	}
	return f
}

// run fills the ring, then keeps it current on announcements and on every
// poll tick, until the hub shuts down, the event has had no reader for the
// idle timeout, or the feed diverges.
func (e *entry) run() {
	defer e.h.workers.Done()
	// Streams look at gone only when woken, so that an idle one waits on
	// as few channels as possible: close it, then wake them.
	defer e.wake()
	defer close(e.gone)
	defer e.closeWaiting()
	ctx := e.h.ctx

	e.fill(ctx)
	close(e.ready)

	poll := time.NewTicker(e.h.cfg.PollInterval)
	defer poll.Stop()
	beat := time.NewTicker(e.h.cfg.Heartbeat / 2)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			e.h.remove(e, true)
			return
		case <-e.readRequest:
		case <-poll.C:
			if e.h.remove(e, false) {
				return
			}
		case <-beat.C:
			e.beat()
			continue
		}
		if err := e.refresh(ctx, false); errors.Is(err, errDiverged) {
			e.h.logger.LogAttrs(ctx, slog.LevelWarn, "stream: dropping readers of an event whose feed diverged",
				slog.Int64("event_id", e.id), slog.Any("error", err))
			e.h.remove(e, true)
			return
		} else if err != nil && ctx.Err() == nil {
			e.h.logger.LogAttrs(ctx, slog.LevelError, "stream: cannot read changes",
				slog.Int64("event_id", e.id), slog.Any("error", err))
		}
	}
}

// fill loads the last RingSize changes, so that readers reconnecting after a
// restart or a network blip resume from memory rather than each reading the
// store.
func (e *entry) fill(ctx context.Context) {
	ev, err := e.h.src.FindEventByID(ctx, e.id)
	if err != nil {
		if ctx.Err() == nil {
			e.h.logger.LogAttrs(ctx, slog.LevelError, "stream: cannot read event",
				slog.Int64("event_id", e.id), slog.Any("error", err))
		}
		ev = e.hint
	}
	e.setEvent(ev)
	e.last.Store(max(0, ev.Head-int64(len(e.slots))))
	if err := e.refresh(ctx, true); err != nil && ctx.Err() == nil {
		e.h.logger.LogAttrs(ctx, slog.LevelError, "stream: cannot fill ring",
			slog.Int64("event_id", e.id), slog.Any("error", err))
	}
}

// refresh reads every change after the ring's newest frame, a page at a
// time, and publishes each page. At start (initial) the ring is empty and no
// reader holds a position in it yet, so it may still move to where the feed
// begins or ends.
func (e *entry) refresh(ctx context.Context, initial bool) error {
	for {
		last := e.last.Load()
		b, err := e.h.src.FindChanges(ctx, liveblog.ChangeFilter{EventID: e.id, After: last, Limit: liveblog.MaxChangesPerRead})
		if err != nil {
			return fmt.Errorf("stream: read changes of event %d after %d: %w", e.id, last, err)
		}
		e.floor.Store(b.Floor)
		if b.NeedsReset(last) {
			if !initial || b.Floor > b.Head {
				return fmt.Errorf("%w: event %d at %d, feed floor %d head %d", errDiverged, e.id, last, b.Floor, b.Head)
			}
			e.last.Store(min(max(last, b.Floor), b.Head))
			initial = false
			continue
		}
		if len(b.Changes) == 0 {
			return nil
		}
		if err := e.publish(b.Changes); err != nil {
			return err
		}
		if e.last.Load() >= b.Head {
			return nil
		}
	}
}

// publish encodes changes into the ring and wakes the streams once for the
// whole page.
func (e *entry) publish(changes []*liveblog.Change) error {
	ev := e.ev.Load()
	last := e.last.Load()
	n := int64(len(e.slots))
	var err error
	for _, c := range changes {
		if c.Seq != last+1 {
			err = fmt.Errorf("%w: event %d expected change %d, got %d", errDiverged, e.id, last+1, c.Seq)
			break
		}
		if c.Event != nil {
			ev = c.Event
		}
		if c.Kind == liveblog.ChangePostDeleted {
			e.redact(ev, c.PostID, c.Seq)
		}
		e.slots[c.Seq%n].Store(e.h.newFrame(ev, c))
		last = c.Seq
	}
	// Frames before last, then the event (readers test ended before last, so
	// ended is never seen ahead of the frames that led to it), then wake.
	e.last.Store(last)
	e.setEvent(ev)
	e.wake()
	e.fanout()
	return err
}

// redact re-encodes, without the post, the frames of a post that has just
// been deleted, as the store has cleared those changes: a takedown must not
// keep being served from memory to readers who resume from before it.
func (e *entry) redact(ev *liveblog.Event, postID, before int64) {
	if postID == 0 {
		return
	}
	for i := range e.slots {
		f := e.slots[i].Load()
		if f == nil || f.postID != postID || f.seq >= before || f.redacted {
			continue
		}
		// Without its post, the change is encoded as redacted.
		c := &liveblog.Change{EventID: e.id, Seq: f.seq, Kind: f.kind, PostID: postID, CreatedAt: f.createdAt}
		e.slots[i].Store(e.h.newFrame(ev, c))
	}
}

// newFrame encodes c. A change the encoder cannot render still gets a frame
// with its sequence and kind: skipping it would open a gap in every reader's
// ids, which is worse than a frame the page ignores.
func (h *Hub) newFrame(ev *liveblog.Event, c *liveblog.Change) *frame {
	data, err := h.encode(ev, c)
	if err != nil {
		h.logger.LogAttrs(h.ctx, slog.LevelError, "stream: cannot encode change",
			slog.Int64("event_id", c.EventID), slog.Int64("seq", c.Seq), slog.Any("error", err))
		data, _ = json.Marshal(struct {
			Seq  int64               `json:"seq"`
			Kind liveblog.ChangeKind `json:"kind"`
		}{c.Seq, c.Kind})
	}
	h.framesEncoded.Add(1)
	return &frame{
		seq:       c.Seq,
		postID:    c.PostID,
		kind:      c.Kind,
		createdAt: c.CreatedAt,
		redacted:  c.PostID != 0 && c.Post == nil,
		data:      AppendFrame(make([]byte, 0, frameSize("change", data)), c.Seq, "change", data),
	}
}
