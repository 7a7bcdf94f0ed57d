package stream

import (
	"bytes"
	"context"
	"encoding/json"
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

// ServeStream is the body of GET /live/{slug}/stream for the event ev, which
// the caller has looked up. It streams the event's changes after the
// reader's position until the reader leaves, falls too far behind, the
// coverage ends, or the hub shuts down.
//
// The position is the Last-Event-ID header, else the after query parameter
// (EventSource cannot set headers on its first request, so a page passes the
// head it was rendered at), else the event's head: live changes only. A
// position the feed cannot serve gets a reset frame; a malformed one a 400
// problem. A reader of ended coverage who has everything gets 204, which
// tells EventSource to stop reconnecting.
//
// On HTTP/1.x the connection is hijacked once the request is accepted, and
// ServeStream returns as soon as the reader has caught up, leaving the stream
// parked with the hub (fanout.go), which owns nothing but the connection:
// net/http holds two goroutines and about 25 KiB per open HTTP/1.1 request,
// several times what an idle reader needs here. The catching up is done on
// the request's own goroutine, whose stack has already grown, rather than a
// new one: a crowd reconnecting after a blip pays for each goroutine it
// starts. The response is then delimited by closing the connection, and the
// headers already set on w are sent with it. A reader that left is found by
// the next heartbeat or frame that cannot be written. Where hijacking is not
// possible (HTTP/2, writers that do not unwrap to net/http's), ServeStream
// streams through w and returns when the stream ends.
func (h *Hub) ServeStream(w http.ResponseWriter, r *http.Request, ev *liveblog.Event) {
	pos, ok, err := Position(r)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, liveblog.EINVALID, "Invalid request", liveblog.ErrorMessage(err), liveblog.ErrorField(err))
		return
	}
	if !ok {
		pos = ev.Head
	}
	if ev.State == liveblog.CoverageEnded && pos == ev.Head {
		w.WriteHeader(http.StatusNoContent)
		return
	}

	// A GET route also serves HEAD, whose response must have no body.
	if r.Method == http.MethodHead {
		setHeaders(w.Header())
		w.WriteHeader(http.StatusOK)
		return
	}

	e, err := h.join(ev)
	if err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(int(h.cfg.RetryHint.Seconds()+1)))
		writeProblem(w, http.StatusServiceUnavailable, "unavailable", "Service unavailable", "This server is restarting; reconnect in a moment.", "")
		return
	}
	setHeaders(w.Header())

	s := &stream{h: h, e: e, ctx: r.Context(), rc: http.NewResponseController(w)}
	if s.hijack(w, r) {
		if !s.serve(pos) {
			s.end()
		}
		return
	}
	defer h.leave(e)
	defer s.setDeadline()
	s.w = w
	w.WriteHeader(http.StatusOK)
	s.serve(pos)
}

func setHeaders(hdr http.Header) {
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	// nginx buffers proxied responses unless told not to, which would hold
	// frames back until its buffer fills.
	hdr.Set("X-Accel-Buffering", "no")
}

// stream is one reader's connection: a cursor (the last sequence written) and
// the means to write. It holds no frames of its own; frames are the ring's.
type stream struct {
	h   *Hub
	e   *entry
	ctx context.Context // the request's while inside the handler; never done once hijacked

	// Exactly one of conn (hijacked) and w is set once streaming starts.
	conn       net.Conn
	w          http.ResponseWriter
	rc         *http.ResponseController
	noDeadline bool

	// raw writes to conn without blocking, when conn is a socket: see
	// write. rawWrite is bound once, so that a write allocates nothing.
	raw      syscall.RawConn
	rawWrite func(fd uintptr) bool
	pending  []byte
	written  int
	rawErr   error

	cursor int64
	// active is when the stream last sent something; the heartbeat is due
	// a Heartbeat after it.
	active time.Time
}

// hijack takes the connection from net/http and writes the response head on
// it. It reports false, leaving w untouched, where hijacking is not possible.
func (s *stream) hijack(w http.ResponseWriter, r *http.Request) bool {
	if r.ProtoMajor != 1 {
		return false
	}
	conn, brw, err := s.rc.Hijack()
	if err != nil {
		return false
	}
	// A stream request has no body and browsers do not pipeline, so nothing
	// the client sent after the request is lost by dropping brw; dropping it
	// is the point, it holds net/http's buffers.
	_ = brw
	hdr := w.Header()
	hdr.Set("Connection", "close")
	hdr.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	hdr.Write(&head)
	head.WriteString("\r\n")
	s.conn, s.rc, s.ctx = conn, nil, context.Background()
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			s.raw = raw
			s.rawWrite = s.writeSome
		}
	}
	if tc, ok := conn.(*net.TCPConn); ok && s.h.cfg.SendBuffer > 0 {
		tc.SetWriteBuffer(s.h.cfg.SendBuffer)
	}
	if err := s.write(head.Bytes()); err != nil {
		// The reader is gone already; the stream will find out at its first
		// write and end.
		s.fail(err)
	}
	return true
}

// serve sends the headers, waits for the event's ring, and streams. It
// reports whether the stream has parked (fanout.go), in which case it is no
// longer the caller's.
func (s *stream) serve(pos int64) (parked bool) {
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
		return false
	case <-s.h.ctx.Done():
		s.sayRetry()
		return false
	}
	s.cursor = pos
	// Beyond the ring's newest frame is either beyond the head, or changes
	// the hub has not read yet; only the store can tell which.
	if pos > s.e.last.Load() && !s.catchUp() {
		return false
	}
	return s.loop(true)
}

// loop writes frames from the ring as they come until the stream ends, or
// parks once it has caught up, which it reports.
//
// fresh: the stream was caught up when it last looked at the ring. A frame
// missing then means a burst bigger than the ring, to be read from the
// store; a frame missing while the stream is working through a backlog means
// the reader is too slow, and it is dropped.
func (s *stream) loop(fresh bool) (parked bool) {
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
		// The entry stops when the hub shuts down (or its feed diverged),
		// and then wakes its streams; gone is looked at here rather than
		// waited on, and the hub's own Done not at all, so that a waiting
		// stream parks on as few channels as possible.
		select {
		case <-s.e.gone:
			if s.h.ctx.Err() != nil {
				s.sayRetry()
			}
			return false
		default:
		}
		fresh = true
		if s.raw != nil && s.park() {
			return true
		}
		select {
		case <-sig.c:
		case <-hb.C:
			// The timer is not reset for every frame, which would cost a
			// timer update per delivery; it is moved on when it fires early.
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
			return false
		}
	}
}

// catchUp writes changes after the cursor from the store until the ring
// holds the next one or the stream has reached the head. It reports whether
// the stream can go on.
func (s *stream) catchUp() bool {
	empty := 0
	for {
		b, err := s.h.src.FindChanges(s.ctx, liveblog.ChangeFilter{EventID: s.e.id, After: s.cursor, Limit: liveblog.MaxChangesPerRead})
		if err != nil {
			if s.ctx.Err() == nil {
				s.h.logger.LogAttrs(s.ctx, slog.LevelError, "stream: cannot read changes for a reader",
					slog.Int64("event_id", s.e.id), slog.Int64("after", s.cursor), slog.Any("error", err))
			}
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
func (s *stream) reset(head int64) bool {
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

func (s *stream) setDeadline() {
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
// hold its own stream up for WriteTimeout and nothing else.
//
// A hijacked socket almost always has room for a frame, and then the frame
// is written without waiting and without a deadline: setting one costs a
// timer update for every frame to every reader, a good part of the hub's
// own work per delivery. Only a write that finds the socket full sets the
// deadline and waits.
func (s *stream) write(p []byte) error {
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
			// The next frame's write without waiting would fail on this
			// deadline once it has passed.
			err = s.conn.SetWriteDeadline(time.Time{})
		}
	} else {
		_, err = s.w.Write(p)
	}
	return err
}

// writeSome writes as much of s.pending as the socket takes now. It always
// reports done, so that RawConn.Write never waits.
func (s *stream) writeSome(fd uintptr) bool {
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
// stream that just carried a message needs no heartbeat. A hijacked
// connection is unbuffered, each write already went out.
func (s *stream) flush() error {
	var err error
	if s.conn == nil {
		err = s.rc.Flush()
	}
	s.active = time.Now()
	return err
}

func (s *stream) beat() error {
	if err := s.write(heartbeat); err != nil {
		return err
	}
	return s.flush()
}

// sayRetry tells the reader when to reconnect, spread over [RetryHint,
// 2×RetryHint) so that a large audience does not return in one instant.
func (s *stream) sayRetry() {
	if s.write(s.retryFrame()) == nil {
		s.flush()
	}
}

func (s *stream) retryFrame() []byte {
	hint := s.h.cfg.RetryHint
	return appendRetry(make([]byte, 0, 32), (hint + rand.N(hint)).Milliseconds())
}

// fail ends a stream whose write failed. Only a write that ran out of time
// drops a reader; any other failure means the reader had already gone.
func (s *stream) fail(err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		s.drop(err.Error())
	}
}

func (s *stream) drop(why string) {
	s.h.readersDropped.Add(1)
	s.h.logger.LogAttrs(s.ctx, slog.LevelDebug, "stream: dropped reader",
		slog.Int64("event_id", s.e.id), slog.Int64("cursor", s.cursor), slog.String("reason", why))
}

// Position returns the stream position a request asks for: Last-Event-ID,
// else the after query parameter. ok is false when neither is given. A value
// that is not a sequence number is an invalid-input error naming its field.
func Position(r *http.Request) (pos int64, ok bool, err error) {
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		return parseSeq("Last-Event-ID", v)
	}
	if q := r.URL.Query(); q.Has("after") {
		return parseSeq("after", q.Get("after"))
	}
	return 0, false, nil
}

func parseSeq(field, v string) (int64, bool, error) {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false, liveblog.FieldError(field, "%s must be a change sequence number: a whole number, 0 or more.", field)
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, liveblog.FieldError(field, "%s must be a change sequence number: a whole number, 0 or more.", field)
	}
	return n, true, nil
}

// writeProblem writes an RFC 9457 problem document shaped like the http
// package's (which imports this one, so the type URIs are repeated here).
func writeProblem(w http.ResponseWriter, status int, code, title, detail, field string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
		Field  string `json:"field,omitempty"`
	}{"https://liveblog.dev/problems/" + code, title, status, detail, field})
}
