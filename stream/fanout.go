package stream

import (
	"runtime"
	"slices"
	"sync"
	"time"
)

// A hijacked stream that has caught up with its event parks: its goroutine
// ends and the stream waits in its entry's parked list, holding nothing but
// its connection and cursor. When the entry publishes frames it writes them
// to every parked stream itself, from one goroutine per CPU, without
// waiting: waking a goroutine per reader for each change cost more than the
// write to the socket, and its stack was most of an idle reader's memory.
//
// A stream whose socket cannot take a whole frame at once is behind; it
// leaves the list and gets a goroutine again, which waits for the socket
// with the write deadline and parks once more when it has caught up.

// park puts s in its entry's parked list, unless a frame came after its
// cursor meanwhile or the entry has stopped. It reports whether s is parked;
// the caller's goroutine must then leave s alone.
func (s *stream) park() bool {
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	// The entry stores last before it takes the list to write to, so either
	// the frame is seen here or s is in the list it takes.
	if e.stopped || s.cursor < e.last.Load() {
		return false
	}
	e.parked = append(e.parked, s)
	return true
}

// sweep runs visit on every parked stream, spread over one goroutine per
// CPU, and keeps parked those for which it reports true. Streams that park
// meanwhile are kept too, untouched.
func (e *entry) sweep(visit func(s *stream) bool) {
	e.mu.Lock()
	list := e.parked
	e.parked = nil
	e.mu.Unlock()
	if len(list) == 0 {
		return
	}
	// A goroutine per CPU for crowds; below a few hundred streams, the
	// hand-off costs more than it saves.
	workers := min(runtime.GOMAXPROCS(0), (len(list)+255)/256)
	chunk := (len(list) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		part := list[w*chunk : min(len(list), (w+1)*chunk)]
		work := func() {
			for i, s := range part {
				if !visit(s) {
					part[i] = nil
				}
			}
		}
		if w == workers-1 {
			work()
		} else {
			wg.Go(work)
		}
	}
	wg.Wait()
	list = slices.DeleteFunc(list, func(s *stream) bool { return s == nil })
	e.mu.Lock()
	e.parked = append(list, e.parked...)
	e.mu.Unlock()
}

// fanout writes the frames after each parked stream's cursor to it.
func (e *entry) fanout() {
	last := e.last.Load()
	ended := e.ended.Load()
	now := time.Now()
	e.sweep(func(s *stream) bool {
		for s.cursor < last {
			f := e.frame(s.cursor + 1)
			if f == nil {
				// More frames came at once than the ring holds: the stream
				// catches up from the store on a goroutine of its own.
				go s.resume(nil, 0)
				return false
			}
			if !s.offer(f.data, f.seq) {
				return false
			}
			s.cursor = f.seq
		}
		s.active = now
		if ended {
			// Reader pages stop streaming once they have seen coverage end.
			s.end()
			return false
		}
		return true
	})
}

// beat writes a heartbeat to every parked stream that has been quiet for
// half the interval, so that each gets one at least every Heartbeat; a
// reader who left is found by the write failing.
func (e *entry) beat() {
	now := time.Now()
	quiet := e.h.cfg.Heartbeat / 2
	e.sweep(func(s *stream) bool {
		if now.Sub(s.active) < quiet {
			return true
		}
		if !s.offer(heartbeat, s.cursor) {
			return false
		}
		s.active = now
		return true
	})
}

// offer writes p, which brings a parked stream to seq, as far as the socket
// takes it now, and reports whether the stream stays parked: a reader who
// left is ended, and one whose socket took only part of p gets a goroutine
// to write the rest.
func (s *stream) offer(p []byte, seq int64) bool {
	n, err := s.tryWrite(p)
	if err != nil {
		s.end()
		return false
	}
	if n < len(p) {
		go s.resume(p[n:], seq)
		return false
	}
	return true
}

// closeParked ends every parked stream when the entry stops, telling each
// when to come back if the hub is shutting down. Later parks are refused.
func (e *entry) closeParked() {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	retry := e.h.ctx.Err() != nil
	e.sweep(func(s *stream) bool {
		if retry {
			// Without waiting: a reader whose socket is full is not told.
			s.tryWrite(s.retryFrame())
		}
		s.end()
		return false
	})
}

// resume gives a stream that was parked a goroutine again: it writes rest,
// the unsent end of frame seq (or of a heartbeat when seq is the cursor),
// waiting for the socket within the write deadline, then streams on as
// before it parked until it parks again or ends.
func (s *stream) resume(rest []byte, seq int64) {
	if len(rest) > 0 {
		if err := s.write(rest); err != nil {
			s.fail(err)
			s.end()
			return
		}
		s.cursor = seq
		s.active = time.Now()
	}
	// A stream that was handed the rest of a write is behind; one sent here
	// for a burst bigger than the ring is not, and catches up from the store.
	if s.loop(len(rest) == 0) {
		return
	}
	s.end()
}

// tryWrite writes as much of p as the socket takes now, without waiting. A
// socket that is full is no error: it returns how much was written.
func (s *stream) tryWrite(p []byte) (int, error) {
	s.pending, s.written, s.rawErr = p, 0, nil
	err := s.raw.Write(s.rawWrite)
	n := s.written
	if err == nil {
		err = s.rawErr
	}
	s.pending, s.rawErr = nil, nil
	return n, err
}

// end closes a hijacked stream's connection and leaves the hub, within a
// fresh write deadline for whatever the kernel still has to send.
func (s *stream) end() {
	s.setDeadline()
	s.conn.Close()
	s.h.leave(s.e)
}
