package stream

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/liveblog/liveblog"
)

// ErrShutdown is what Subscribe returns once the hub is shutting down.
var ErrShutdown = errors.New("stream: hub is shut down")

// Subscriber is one reader of an event: a cursor (the last sequence written)
// and the means to write. It holds no frames of its own; frames are the
// ring's.
//
// A subscriber has one owner at a time, and only its owner reads or writes
// the fields marked "owner": the goroutine serving it (ServeConn,
// ServeWriter, resume), or, while it waits in its entry's list, that
// entry's sweep (fanout.go). It changes hands under entry.mu (wait, sweep)
// or by the go statement that starts resume.
type Subscriber struct {
	h *Hub
	e *entry

	// ctx bounds the subscriber's store reads and ends its streaming: the
	// hub's on a taken-over connection, whose handler returns long before
	// the stream ends; the request's, also ended by Shutdown, in
	// ServeWriter. Set before streaming starts, then read-only.
	ctx context.Context

	// Exactly one of conn (taken over) and w is set before streaming starts;
	// these four are read-only after that.
	conn net.Conn
	w    http.ResponseWriter
	rc   *http.ResponseController
	// raw writes to conn without blocking, when conn is a socket: see
	// write. rawWrite is bound once, so that a write allocates nothing.
	raw      syscall.RawConn
	rawWrite func(fd uintptr) bool

	noDeadline bool   // owner
	pending    []byte // owner: what writeSome is writing
	written    int    // owner
	rawErr     error  // owner
	cursor     int64  // owner
	// active is when the stream last sent something; the heartbeat is due
	// a Heartbeat after it. Owner.
	active time.Time
}

// Subscribe registers a reader of ev from position pos, the last change the
// reader has (ev.Head for live changes only). The caller then streams to the
// reader with exactly one of ServeConn and ServeWriter. Once Shutdown has
// begun it returns ErrShutdown.
func (h *Hub) Subscribe(ev *liveblog.Event, pos int64) (*Subscriber, error) {
	e, err := h.join(ev)
	if err != nil {
		return nil, err
	}
	return &Subscriber{h: h, e: e, cursor: pos}, nil
}

// RetryHint is the reconnection delay the hub gives its readers when it
// shuts down.
func (h *Hub) RetryHint() time.Duration { return h.cfg.RetryHint }

// ServeConn writes head, then the reader's frames, on conn: a connection
// taken over from net/http. It returns once the reader has caught up, and the
// entry writes the frames after that itself (fanout.go), or when the stream
// has ended, and closes conn when it does. A reader who left is found by the
// next heartbeat or frame that cannot be written.
func (s *Subscriber) ServeConn(conn net.Conn, head []byte) {
	s.conn, s.ctx = conn, s.h.ctx
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			s.raw = raw
			s.rawWrite = s.writeSome
		}
	}
	if tc, ok := conn.(*net.TCPConn); ok && s.h.cfg.SendBuffer > 0 {
		tc.SetWriteBuffer(s.h.cfg.SendBuffer)
	}
	if err := s.write(head); err != nil {
		// The reader is gone already; the stream finds out at its first
		// write and ends.
		s.fail(err)
	}
	if !s.serve() {
		s.end()
	}
}

// ServeWriter writes the reader's frames to w, whose status the caller has
// written, until the stream ends, ctx is done, or the hub shuts down.
func (s *Subscriber) ServeWriter(ctx context.Context, w http.ResponseWriter) {
	defer s.h.leave(s.e)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.h.ctx, cancel)()
	s.ctx, s.w, s.rc = ctx, w, http.NewResponseController(w)
	defer s.setDeadline()
	s.serve()
}

// serve waits for the event's ring and streams from the cursor. It reports
// whether the subscriber now waits in its entry's list, and so is no longer
// the caller's.
func (s *Subscriber) serve() (waiting bool) {
	s.active = time.Now()
	if err := s.flush(); err != nil {
		if errors.Is(err, http.ErrNotSupported) {
			s.h.logger.LogAttrs(s.ctx, slog.LevelError, "stream: response writer cannot flush; a wrapping middleware must implement Unwrap")
		}
		s.fail(err)
		return false
	}
	select {
	case <-s.e.ready:
	case <-s.ctx.Done():
		s.retryIfShutdown()
		return false
	}
	// Beyond the ring's newest frame is either beyond the head, or changes
	// the hub has not read yet; only the store can tell which.
	if s.cursor > s.e.last.Load() && !s.catchUp() {
		return false
	}
	return s.loop(true)
}

// loop writes frames from the ring as they come until the stream ends, or
// joins the entry's waiting list once it has caught up, which it reports.
//
// fresh: the stream was caught up when it last looked at the ring. A frame
// missing then means a burst bigger than the ring, to be read from the
// store; a frame missing while the stream is working through a backlog means
// the reader is too slow, and it is dropped.
func (s *Subscriber) loop(fresh bool) (waiting bool) {
	hb := time.NewTimer(s.h.cfg.Heartbeat - time.Since(s.active))
	defer hb.Stop()
	for {
		// Load the signal before looking for frames: a publish after this
		// point closes this very signal, so no wake-up can be missed.
		sig := s.e.sig.Load()
		wrote := false
		for s.cursor < s.e.last.Load() {
			f := s.e.frame(s.cursor + 1)
			if f == nil {
				if !fresh {
					s.drop("fell behind the ring")
					return false
				}
				if !s.catchUp() {
					return false
				}
				continue
			}
			if err := s.write(f.data); err != nil {
				s.fail(err)
				return false
			}
			s.cursor = f.seq
			wrote, fresh = true, false
		}
		if wrote {
			if err := s.flush(); err != nil {
				s.fail(err)
				return false
			}
		}
		// Ended coverage gets no more changes worth streaming, and reader
		// pages stop streaming once they have seen it end.
		if s.e.ended.Load() && s.cursor >= s.e.last.Load() {
			return false
		}
		// gone is looked at here rather than waited on, so that a waiting
		// stream selects on as few channels as possible.
		select {
		case <-s.e.gone:
			s.retryIfShutdown()
			return false
		default:
		}
		fresh = true
		if s.raw != nil && s.wait() {
			return true
		}
		select {
		case <-sig.c:
		case <-hb.C:
			// Moved on when it fires early, rather than reset for every
			// frame, which would cost a timer update per delivery.
			if idle := time.Since(s.active); idle < s.h.cfg.Heartbeat {
				hb.Reset(s.h.cfg.Heartbeat - idle)
				continue
			}
			if err := s.beat(); err != nil {
				s.fail(err)
				return false
			}
			hb.Reset(s.h.cfg.Heartbeat)
		case <-s.ctx.Done():
			s.retryIfShutdown()
			return false
		}
	}
}

// catchUp writes changes after the cursor from the store until the ring
// holds the next one or the stream has reached the head. It reports whether
// the stream can go on.
func (s *Subscriber) catchUp() bool {
	empty := 0
	for {
		b, err := s.h.src.FindChanges(s.ctx, liveblog.ChangeFilter{EventID: s.e.id, After: s.cursor, Limit: liveblog.MaxChangesPerRead})
		if err != nil {
			if s.ctx.Err() == nil {
				s.h.logger.LogAttrs(s.ctx, slog.LevelError, "stream: cannot read changes for a reader",
					slog.Int64("event_id", s.e.id), slog.Int64("after", s.cursor), slog.Any("error", err))
			}
			s.retryIfShutdown()
			return false
		}
		if b.NeedsReset(s.cursor) {
			return s.reset(b.Head)
		}
		ev := s.e.ev.Load()
		for _, c := range b.Changes {
			if c.Seq != s.cursor+1 {
				s.h.logger.LogAttrs(s.ctx, slog.LevelError, "stream: change feed has a gap",
					slog.Int64("event_id", s.e.id), slog.Int64("want", s.cursor+1), slog.Int64("got", c.Seq))
				return false
			}
			if c.Event != nil {
				ev = c.Event
			}
			if err := s.write(s.h.newFrame(ev, c).data); err != nil {
				s.fail(err)
				return false
			}
			s.cursor = c.Seq
		}
		if len(b.Changes) > 0 {
			if err := s.flush(); err != nil {
				s.fail(err)
				return false
			}
		}
		if len(b.Changes) == 0 && s.cursor < s.e.last.Load() {
			// The hub read changes committed after this read; read again,
			// but never loop on a store that contradicts the ring.
			if empty++; empty > 1 {
				s.drop("store is behind the ring")
				return false
			}
			continue
		}
		if len(b.Changes) == 0 || s.cursor >= b.Head || s.e.frame(s.cursor+1) != nil {
			return true
		}
	}
}

// reset tells the reader its position cannot be served from the feed and
// moves its cursor to head, from where it streams live.
func (s *Subscriber) reset(head int64) bool {
	var b [64]byte
	data := strconv.AppendInt(append(b[:0], `{"head":`...), head, 10)
	data = append(data, '}')
	if err := s.write(AppendFrame(nil, head, "reset", data)); err != nil {
		s.fail(err)
		return false
	}
	if err := s.flush(); err != nil {
		s.fail(err)
		return false
	}
	s.h.resetsSent.Add(1)
	s.cursor = head
	return true
}

func (s *Subscriber) setDeadline() {
	deadline := time.Now().Add(s.h.cfg.WriteTimeout)
	if s.conn != nil {
		s.conn.SetWriteDeadline(deadline)
		return
	}
	if s.noDeadline {
		return
	}
	if err := s.rc.SetWriteDeadline(deadline); errors.Is(err, http.ErrNotSupported) {
		s.noDeadline = true
	}
}

// write writes p with a deadline, so that a reader whose socket is full can
// hold its own stream up for WriteTimeout and nothing else. A socket that has
// room (almost always) takes p without a deadline: setting one costs a timer
// update for every frame to every reader.
func (s *Subscriber) write(p []byte) error {
	if s.raw != nil {
		n, err := s.tryWrite(p)
		if err != nil || n == len(p) {
			return err
		}
		p = p[n:]
	}
	s.setDeadline()
	var err error
	if s.conn != nil {
		if _, err = s.conn.Write(p); err == nil && s.raw != nil {
			// The next write without waiting would fail on this deadline
			// once it has passed.
			err = s.conn.SetWriteDeadline(time.Time{})
		}
	} else {
		_, err = s.w.Write(p)
	}
	return err
}

// writeSome writes as much of s.pending as the socket takes now. It always
// reports done, so that RawConn.Write never waits.
func (s *Subscriber) writeSome(fd uintptr) bool {
	for s.written < len(s.pending) {
		n, err := syscall.Write(int(fd), s.pending[s.written:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			if err != syscall.EAGAIN {
				s.rawErr = err
			}
			return true
		}
		if n <= 0 {
			return true
		}
		s.written += n
	}
	return true
}

// flush sends what has been written and notes the stream as active: a
// stream that just carried a message needs no heartbeat. A taken-over
// connection is unbuffered, each write already went out.
func (s *Subscriber) flush() error {
	var err error
	if s.conn == nil {
		err = s.rc.Flush()
	}
	s.active = time.Now()
	return err
}

func (s *Subscriber) beat() error {
	if err := s.write(heartbeat); err != nil {
		return err
	}
	return s.flush()
}

// retryIfShutdown sends the retry frame when the stream ends because the hub
// is shutting down.
func (s *Subscriber) retryIfShutdown() {
	if s.h.ctx.Err() != nil && s.write(s.retryFrame()) == nil {
		s.flush()
	}
}

// retryFrame tells the reader when to reconnect, spread over [RetryHint,
// 2×RetryHint) so that a large audience does not return in one instant.
func (s *Subscriber) retryFrame() []byte {
	hint := s.h.cfg.RetryHint
	return appendRetry(make([]byte, 0, 32), (hint + rand.N(hint)).Milliseconds())
}

// fail ends a stream whose write failed. Only a write that ran out of time
// drops a reader; any other failure means the reader had already gone.
func (s *Subscriber) fail(err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		s.drop(err.Error())
	}
}

func (s *Subscriber) drop(why string) {
	s.h.readersDropped.Add(1)
	s.h.logger.LogAttrs(s.ctx, slog.LevelDebug, "stream: dropped reader",
		slog.Int64("event_id", s.e.id), slog.Int64("cursor", s.cursor), slog.String("reason", why))
}
