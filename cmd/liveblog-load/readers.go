package main

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// cpu is the load processes' user plus system time so far.
func (rs *readers) cpu() time.Duration {
	var total time.Duration
	for _, w := range rs.workers {
		total += procCPU(w.cmd.Process.Pid)
	}
	return total
}

// readers are the worker processes holding one scenario's streams.
type readers struct {
	workers []*workerProc
}

type workerProc struct {
	cmd  *exec.Cmd
	enc  *gob.Encoder
	dec  *gob.Decoder
	in   io.WriteCloser
	mu   sync.Mutex
	size int
}

// connect opens n streams of slug from position after, spread over as many
// worker processes as the open-file limit needs.
func (e *env) connect(s *server, slug string, after int64, n int, reconnect bool) (*readers, time.Duration, error) {
	k := (n + streamsPerWorker - 1) / streamsPerWorker
	rs := &readers{}
	for i := range k {
		size := n / k
		if i < n%k {
			size++
		}
		w, err := e.startWorker(size)
		if err != nil {
			rs.close()
			return nil, 0, err
		}
		rs.workers = append(rs.workers, w)
	}
	start := time.Now()
	reps := rs.callEach(func(w *workerProc) command {
		return command{Op: opConnect, Addr: s.addr, Path: fmt.Sprintf("/live/%s/stream?after=%d", slug, after), After: after,
			Sources: sources, Count: w.size, Parallel: 100, Reconnect: reconnect, ReconnectDelay: time.Second}
	})
	elapsed := time.Since(start)
	for _, r := range reps {
		if r.Err != "" {
			rs.close()
			return nil, 0, errors.New(r.Err)
		}
	}
	return rs, elapsed, nil
}

func (e *env) startWorker(size int) (*workerProc, error) {
	cmd, in, out, err := e.startHelper("worker")
	if err != nil {
		return nil, err
	}
	return &workerProc{cmd: cmd, enc: gob.NewEncoder(in), dec: gob.NewDecoder(out), in: in, size: size}, nil
}

// startHelper starts this binary with args, driven over its stdin and
// stdout, its stderr going to the log.
func (e *env) startHelper(args ...string) (*exec.Cmd, io.WriteCloser, io.ReadCloser, error) {
	cmd := exec.Command(e.self, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	cmd.Stderr = e.log
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	return cmd, in, out, nil
}

// startListener starts a helper that listens and says its address on its
// first line of output (the floor, the naive hub, the plain Go page server),
// and returns it as a server with the helper's stdin and the rest of its
// output.
func (e *env) startListener(what string, args ...string) (*server, io.WriteCloser, *bufio.Scanner, error) {
	cmd, in, out, err := e.startHelper(args...)
	if err != nil {
		return nil, nil, nil, err
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, nil, nil, errors.New(what + ": did not start")
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, addr: lines.Text(), done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	return s, in, lines, nil
}

func (w *workerProc) call(cmd command) reply {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.enc.Encode(cmd); err != nil {
		return reply{Err: err.Error()}
	}
	var rep reply
	if err := w.dec.Decode(&rep); err != nil {
		return reply{Err: err.Error()}
	}
	return rep
}

// callEach sends each worker its command at once and collects the replies.
func (rs *readers) callEach(cmd func(*workerProc) command) []reply {
	reps := make([]reply, len(rs.workers))
	var wg sync.WaitGroup
	for i, w := range rs.workers {
		wg.Go(func() { reps[i] = w.call(cmd(w)) })
	}
	wg.Wait()
	return reps
}

func (rs *readers) callAll(cmd command) []reply {
	return rs.callEach(func(*workerProc) command { return cmd })
}

// waitFor waits until every stream that is not stalled has frame seq, and
// returns how many have it.
func (rs *readers) waitFor(seq int64, timeout time.Duration) (reached, streams int) {
	for _, r := range rs.callAll(command{Op: opWait, Seq: seq, Timeout: timeout}) {
		reached += r.Reached
		streams += r.Streams
	}
	return reached, streams
}

// times returns, per frame from..to, every stream's receive time.
func (rs *readers) times(from, to int64) [][]int64 {
	out := make([][]int64, to-from+1)
	for _, r := range rs.callAll(command{Op: opTimes, From: from, To: to}) {
		for i := range r.Times {
			out[i] = append(out[i], r.Times[i]...)
		}
	}
	return out
}

func (rs *readers) stats() workerStats {
	var st workerStats
	for _, r := range rs.callAll(command{Op: opStats}) {
		st.add(r.Stats)
	}
	return st
}

func (st *workerStats) add(o workerStats) {
	st.Open += o.Open
	st.Frames += o.Frames
	st.Gaps += o.Gaps
	st.Duplicates += o.Duplicates
	st.Resets += o.Resets
	st.Heartbeats += o.Heartbeats
	st.Disconnects += o.Disconnects
	st.Reconnects += o.Reconnects
	st.DialErrors += o.DialErrors
	st.Stalled += o.Stalled
}

func (rs *readers) close() {
	if rs == nil {
		return
	}
	var wg sync.WaitGroup
	for _, w := range rs.workers {
		wg.Go(func() {
			w.call(command{Op: opQuit})
			w.in.Close()
			done := make(chan struct{})
			go func() { w.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				w.cmd.Process.Kill()
				<-done
			}
		})
	}
	wg.Wait()
}
