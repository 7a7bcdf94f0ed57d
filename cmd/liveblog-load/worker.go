package main

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// A worker is a process of stream readers, driven by the run command over
// its stdin and stdout: one gob-encoded command in, one reply out.

// Worker operations.
const (
	opConnect = "connect" // open Count streams
	opWait    = "wait"    // wait until every stream has received Seq
	opTimes   = "times"   // receive times of the frames From..To
	opStall   = "stall"   // stop reading on Count streams
	opStorm   = "storm"   // close every stream and reconnect it with Last-Event-ID
	opStats   = "stats"   // counters
	opQuit    = "quit"
)

type command struct {
	Op      string
	Addr    string   // server address, host:port
	Path    string   // stream path with query, e.g. /live/x/stream?after=50
	After   int64    // the position Path asks for: the last frame a new stream has
	Sources []string // local addresses to spread connections over
	Count   int
	// Parallel bounds connection attempts in flight while opening streams.
	Parallel int
	// Reconnect makes a stream the server closed reconnect, as EventSource
	// does, after ReconnectDelay.
	Reconnect      bool
	ReconnectDelay time.Duration
	Seq            int64
	From, To       int64
	Timeout        time.Duration
}

type reply struct {
	Err string
	// wait: streams that have Seq, out of Streams
	Reached, Streams int
	// times: Times[i][j] is when stream j received frame From+i, in Unix
	// nanoseconds; 0 if it did not. Stalled streams are left out.
	Times [][]int64
	// storm: when each stream had its new response head, Unix nanoseconds.
	Reconnected []int64
	Stats       workerStats
}

type workerStats struct {
	Open        int   // streams currently connected
	Frames      int64 // change frames received
	Gaps        int64 // frames missing between two received ones
	Duplicates  int64 // frames received twice or out of order
	Resets      int64 // reset frames
	Heartbeats  int64
	Disconnects int64 // streams the server closed or broke, not counting storms
	Reconnects  int64 // reconnections after such a disconnect
	DialErrors  int64
	Stalled     int
}

// timesWindow is how many recent frames each stream keeps receive times
// for: more than any scenario publishes while it is connected.
const timesWindow = 1024

func runWorker(stdin io.Reader, stdout io.Writer) error {
	w := &worker{}
	dec := gob.NewDecoder(stdin)
	enc := gob.NewEncoder(stdout)
	for {
		var cmd command
		if err := dec.Decode(&cmd); err != nil {
			w.closeAll()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		rep := w.do(cmd)
		if err := enc.Encode(rep); err != nil {
			return err
		}
		if cmd.Op == opQuit {
			return nil
		}
	}
}

type worker struct {
	mu      sync.Mutex
	streams []*reader
	cfg     command // of the connect command, for reconnections

	frames, gaps, dups, resets, beats atomic.Int64
	disconnects, reconnects, dialErrs atomic.Int64

	waiter atomic.Pointer[waiter]
}

// waiter counts down the streams that have yet to receive seq.
type waiter struct {
	seq  int64
	left atomic.Int64
	done chan struct{}
}

func (w *worker) do(cmd command) reply {
	switch cmd.Op {
	case opConnect:
		return w.connect(cmd)
	case opWait:
		return w.wait(cmd)
	case opTimes:
		return w.times(cmd)
	case opStall:
		w.mu.Lock()
		n := 0
		for _, r := range w.streams {
			if n == cmd.Count {
				break
			}
			if !r.stalled.Load() {
				r.stalled.Store(true)
				n++
			}
		}
		w.mu.Unlock()
		return reply{Stats: w.stats()}
	case opStorm:
		return w.storm(cmd)
	case opStats:
		return reply{Stats: w.stats()}
	case opQuit:
		w.closeAll()
		return reply{Stats: w.stats()}
	}
	return reply{Err: "unknown op " + cmd.Op}
}

func (w *worker) stats() workerStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := workerStats{
		Frames: w.frames.Load(), Gaps: w.gaps.Load(), Duplicates: w.dups.Load(), Resets: w.resets.Load(),
		Heartbeats: w.beats.Load(), Disconnects: w.disconnects.Load(), Reconnects: w.reconnects.Load(),
		DialErrors: w.dialErrs.Load(),
	}
	for _, r := range w.streams {
		if r.open.Load() {
			st.Open++
		}
		if r.stalled.Load() {
			st.Stalled++
		}
	}
	return st
}

func (w *worker) connect(cmd command) reply {
	w.cfg = cmd
	if cmd.Parallel <= 0 {
		cmd.Parallel = 200
	}
	sem := make(chan struct{}, cmd.Parallel)
	var wg sync.WaitGroup
	var failed atomic.Int64
	w.mu.Lock()
	base := len(w.streams)
	for i := range cmd.Count {
		r := &reader{w: w, idx: base + i}
		r.last.Store(cmd.After)
		r.counted.Store(cmd.After)
		for j := range r.recv {
			r.recv[j].seq.Store(-1)
		}
		w.streams = append(w.streams, r)
	}
	added := w.streams[base:]
	w.mu.Unlock()
	for _, r := range added {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			c, br, err := w.dial(r.idx, cmd.Path, "", nil)
			<-sem
			if err != nil {
				failed.Add(1)
				w.dialErrs.Add(1)
				wg.Done()
				return
			}
			r.attach(c, br)
			wg.Done()
			// The goroutine that dialled reads: its stack has grown already.
			r.run()
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		return reply{Err: fmt.Sprintf("%d of %d streams failed to connect", failed.Load(), cmd.Count)}
	}
	return reply{}
}

// dial opens a stream and reads its response head. lastID, when set, is sent
// as Last-Event-ID. br, when set, is a reader's buffer to use again.
func (w *worker) dial(idx int, path, lastID string, br *bufio.Reader) (net.Conn, *bufio.Reader, error) {
	cfg := w.cfg
	// No keep-alive probes: four setsockopt calls a connection that a
	// reconnect storm would charge to the machine the server shares.
	d := net.Dialer{Timeout: 10 * time.Second, KeepAlive: -1}
	if len(cfg.Sources) > 0 {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(cfg.Sources[idx%len(cfg.Sources)])}
	}
	c, err := d.Dial("tcp", cfg.Addr)
	if err != nil {
		return nil, nil, err
	}
	var req bytes.Buffer
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n", path, cfg.Addr)
	if lastID != "" {
		fmt.Fprintf(&req, "Last-Event-ID: %s\r\n", lastID)
	}
	req.WriteString("\r\n")
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req.Bytes()); err != nil {
		c.Close()
		return nil, nil, err
	}
	// Small: a frame's data line is read in pieces, and 19,000 streams of a
	// default 64 KiB reader would be the load generator's biggest cost.
	if br == nil {
		br = bufio.NewReaderSize(c, 4096)
	} else {
		br.Reset(c)
	}
	status, err := br.ReadSlice('\n')
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200")) {
		c.Close()
		return nil, nil, fmt.Errorf("stream answered %q", bytes.TrimSpace(status))
	}
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
	}
	c.SetDeadline(time.Time{})
	return c, br, nil
}

func (w *worker) wait(cmd command) reply {
	wt := &waiter{seq: cmd.Seq, done: make(chan struct{})}
	w.mu.Lock()
	streams := w.streams
	w.mu.Unlock()
	live := 0
	for _, r := range streams {
		if !r.stalled.Load() {
			live++
		}
	}
	wt.left.Store(int64(live))
	w.waiter.Store(wt)
	// Streams that had the frame before the waiter was installed count here;
	// countFor makes sure each stream is counted once.
	for _, r := range streams {
		if !r.stalled.Load() && r.last.Load() >= cmd.Seq {
			r.countFor(wt)
		}
	}
	if live == 0 {
		close(wt.done)
	}
	select {
	case <-wt.done:
	case <-time.After(cmd.Timeout):
	}
	w.waiter.Store(nil)
	return reply{Reached: live - int(max(0, wt.left.Load())), Streams: live}
}

func (w *worker) times(cmd command) reply {
	w.mu.Lock()
	streams := w.streams
	w.mu.Unlock()
	var rep reply
	for seq := cmd.From; seq <= cmd.To; seq++ {
		row := make([]int64, 0, len(streams))
		for _, r := range streams {
			if r.stalled.Load() {
				continue
			}
			row = append(row, r.received(seq))
		}
		rep.Times = append(rep.Times, row)
	}
	return rep
}

// storm closes every stream at once and reconnects each with
// Last-Event-ID, as after a network blip: all at once, or with at most
// cmd.Parallel connecting at a time. It returns when all have their
// response head, or at the timeout.
func (w *worker) storm(cmd command) reply {
	w.mu.Lock()
	streams := w.streams
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range streams {
		wg.Go(r.drop)
	}
	wg.Wait()
	done := make([]int64, len(streams))
	parallel := cmd.Parallel
	if parallel <= 0 {
		parallel = len(streams)
	}
	sem := make(chan struct{}, parallel)
	wg.Add(len(streams))
	for i, r := range streams {
		go func() {
			sem <- struct{}{}
			at := r.reconnect()
			<-sem
			done[i] = at
			wg.Done()
			if at != 0 {
				r.run()
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(cmd.Timeout):
		return reply{Err: "storm: timed out", Stats: w.stats()}
	}
	return reply{Reconnected: done, Stats: w.stats()}
}

func (w *worker) closeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.streams {
		r.quit.Store(true)
		r.close()
	}
}

// reader is one stream.
type reader struct {
	w   *worker
	idx int

	mu sync.Mutex // guards c across a storm's redial
	c  net.Conn
	br *bufio.Reader

	last    atomic.Int64 // sequence of the last change frame
	counted atomic.Int64 // the newest waiter sequence this stream was counted for
	open    atomic.Bool
	stalled atomic.Bool
	quit    atomic.Bool
	storm   atomic.Bool
	stopped chan struct{} // closed when run returns
	recv    [timesWindow]struct{ seq, at atomic.Int64 }
}

func (r *reader) attach(c net.Conn, br *bufio.Reader) {
	r.mu.Lock()
	r.c, r.br = c, br
	r.stopped = make(chan struct{})
	r.mu.Unlock()
	r.open.Store(true)
}

func (r *reader) close() {
	r.mu.Lock()
	if r.c != nil {
		r.c.Close()
	}
	r.mu.Unlock()
}

func (r *reader) received(seq int64) int64 {
	s := &r.recv[seq%timesWindow]
	if s.seq.Load() != seq {
		return 0
	}
	return s.at.Load()
}

func (r *reader) countFor(wt *waiter) {
	for {
		c := r.counted.Load()
		if c >= wt.seq {
			return
		}
		if r.counted.CompareAndSwap(c, wt.seq) {
			if wt.left.Add(-1) == 0 {
				close(wt.done)
			}
			return
		}
	}
}

// drop closes the stream's connection as a storm does, and waits until its
// reading has stopped.
func (r *reader) drop() {
	r.storm.Store(true)
	r.close()
	r.mu.Lock()
	stopped := r.stopped
	r.mu.Unlock()
	if stopped != nil {
		<-stopped
	}
	r.storm.Store(false)
}

// reconnect opens the stream again (redial), trying a few times. It returns
// when the new response head arrived, or 0 if it could not connect.
func (r *reader) reconnect() int64 {
	for attempt := 0; attempt < 5; attempt++ {
		if at := r.redial(); at != 0 {
			return at
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0
}

// redial opens the stream again from the last frame it had, with the
// buffer it had, for run to read. It returns when the new response head
// arrived, or 0 if it could not connect.
func (r *reader) redial() int64 {
	c, br, err := r.w.dial(r.idx, r.w.cfg.Path, strconv.FormatInt(r.last.Load(), 10), r.br)
	if err != nil {
		r.w.dialErrs.Add(1)
		return 0
	}
	at := time.Now().UnixNano()
	r.attach(c, br)
	return at
}

// run reads frames until the stream ends. A stalled reader stops calling
// Read, so that its socket fills as a frozen phone's would.
func (r *reader) run() {
	r.mu.Lock()
	br, stopped := r.br, r.stopped
	r.mu.Unlock()
	defer close(stopped)
	err := r.read(br)
	r.open.Store(false)
	if r.quit.Load() || r.storm.Load() {
		return
	}
	if err != nil {
		r.w.disconnects.Add(1)
	}
	if !r.w.cfg.Reconnect {
		return
	}
	// As EventSource does: come back after a delay with the last id.
	go func() {
		for attempt := 0; attempt < 3 && !r.quit.Load(); attempt++ {
			time.Sleep(r.w.cfg.ReconnectDelay)
			if r.redial() == 0 {
				continue
			}
			r.w.reconnects.Add(1)
			r.run()
			return
		}
	}()
}

func (r *reader) read(br *bufio.Reader) error {
	var id int64
	var event []byte
	var eventBuf [16]byte
	inLine := false // within a line longer than the buffer
	for {
		if r.stalled.Load() {
			// Never read again; the scenario ends by closing the socket.
			for !r.quit.Load() {
				time.Sleep(100 * time.Millisecond)
			}
			return nil
		}
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			inLine = true
			continue
		}
		if err != nil {
			return err
		}
		if inLine {
			inLine = false
			continue
		}
		line = line[:len(line)-1]
		switch {
		case len(line) == 0:
			// The blank line ends a message: this is when the reader has it.
			if id != 0 {
				r.frame(id, event)
			} else if len(event) == 0 {
				r.w.beats.Add(1)
			}
			id, event = 0, nil
		case bytes.HasPrefix(line, []byte("id: ")):
			id, _ = strconv.ParseInt(string(line[4:]), 10, 64)
		case bytes.HasPrefix(line, []byte("event: ")):
			event = append(eventBuf[:0], line[7:]...)
		}
	}
}

func (r *reader) frame(seq int64, event []byte) {
	at := time.Now().UnixNano()
	last := r.last.Load()
	if string(event) == "reset" {
		r.w.resets.Add(1)
	} else {
		r.w.frames.Add(1)
		switch {
		case seq <= last:
			r.w.dups.Add(1)
			return
		case seq > last+1:
			r.w.gaps.Add(seq - last - 1)
		}
		s := &r.recv[seq%timesWindow]
		s.seq.Store(-1)
		s.at.Store(at)
		s.seq.Store(seq)
	}
	r.last.Store(seq)
	if wt := r.w.waiter.Load(); wt != nil && seq >= wt.seq {
		r.countFor(wt)
	}
}
