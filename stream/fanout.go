package stream

import (
	"runtime"
	"slices"
	"sync"
	"time"
)

// A subscriber on a taken-over socket that has caught up with its event
// joins the entry's waiting list and its goroutine ends: it holds nothing
// but its connection and cursor. The entry writes each new frame to every
// waiting subscriber itself, from one goroutine per CPU, without blocking
// (docs/ARCHITECTURE.md has why). One whose socket cannot take a whole frame
// leaves the list and gets a goroutine again (resume), which waits for the
// socket within the write deadline and rejoins once caught up.

// wait puts s in its entry's waiting list, unless a frame came after its
// cursor meanwhile or the entry has stopped. It reports whether s waits; the
// caller's goroutine must then leave s alone.
func (s *Subscriber) wait() bool {
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	// The entry stores last before it takes the list to write to, so either
	// the frame is seen here or s is in the list it takes.
	if e.stopped || s.cursor < e.last.Load() {
		return false
	}
	e.waiting = append(e.waiting, s)
	return true
}

// sweep runs visit on every waiting subscriber, spread over one goroutine
// per CPU, and keeps waiting those for which it reports true. Subscribers
// that join meanwhile are kept too, untouched. visit owns the subscriber it
// is given until it returns.
func (e *entry) sweep(visit func(s *Subscriber) bool) {
	e.mu.Lock()
	list := e.waiting
	e.waiting = nil
	e.mu.Unlock()
	if len(list) == 0 {
		return
	}
	// Below a few hundred subscribers the hand-off costs more than it saves.
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
	list = slices.DeleteFunc(list, func(s *Subscriber) bool { return s == nil })
	e.mu.Lock()
	e.waiting = append(list, e.waiting...)
	e.mu.Unlock()
}

// fanout writes the frames after each waiting subscriber's cursor to it.
func (e *entry) fanout() {
	last := e.last.Load()
	ended := e.ended.Load()
	now := time.Now()
	e.sweep(func(s *Subscriber) bool {
		for s.cursor < last {
			f := e.frame(s.cursor + 1)
			if f == nil {
				// More frames came at once than the ring holds: the
				// subscriber catches up from the store on a goroutine of
				// its own.
				go s.resume(nil, 0)
				return false
			}
			if !s.deliver(f.data, f.seq) {
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

// beat writes a heartbeat to every waiting subscriber that has been quiet
// for half the interval, so that each gets one at least every Heartbeat; a
// reader who left is found by the write failing.
func (e *entry) beat() {
	now := time.Now()
	quiet := e.h.cfg.Heartbeat / 2
	e.sweep(func(s *Subscriber) bool {
		if now.Sub(s.active) < quiet {
			return true
		}
		if !s.deliver(heartbeat, s.cursor) {
			return false
		}
		s.active = now
		return true
	})
}

// deliver writes p, which brings a waiting subscriber to seq, as far as the
// socket takes it now, and reports whether the subscriber stays in the list:
// a reader who left is ended, and one whose socket took only part of p gets
// a goroutine to write the rest.
func (s *Subscriber) deliver(p []byte, seq int64) bool {
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

// closeWaiting ends every waiting subscriber when the entry stops, telling
// each when to come back if the hub is shutting down. Later joins are
// refused.
func (e *entry) closeWaiting() {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	retry := e.h.ctx.Err() != nil
	e.sweep(func(s *Subscriber) bool {
		if retry {
			// Without waiting: a reader whose socket is full gets no retry.
			s.tryWrite(s.retryFrame())
		}
		s.end()
		return false
	})
}

// resume gives a subscriber that left the waiting list a goroutine again: it
// writes rest, the unsent end of frame seq (or of a heartbeat when seq is
// the cursor), waiting for the socket within the write deadline, then
// streams on as before until it waits again or ends.
func (s *Subscriber) resume(rest []byte, seq int64) {
	if len(rest) > 0 {
		if err := s.write(rest); err != nil {
			s.fail(err)
			s.end()
			return
		}
		s.cursor = seq
		s.active = time.Now()
	}
	// A subscriber handed the rest of a write is behind; one sent here for
	// a burst bigger than the ring is not, and catches up from the store.
	if s.loop(len(rest) == 0) {
		return
	}
	s.end()
}

// tryWrite writes as much of p as the socket takes now, without waiting. A
// socket that is full is no error: it returns how much was written.
func (s *Subscriber) tryWrite(p []byte) (int, error) {
	s.pending, s.written, s.rawErr = p, 0, nil
	err := s.raw.Write(s.rawWrite)
	n := s.written
	if err == nil {
		err = s.rawErr
	}
	s.pending, s.rawErr = nil, nil
	return n, err
}

// end closes a taken-over connection and leaves the hub, within a fresh
// write deadline for whatever the kernel still has to send.
func (s *Subscriber) end() {
	s.setDeadline()
	s.conn.Close()
	s.h.leave(s.e)
}
