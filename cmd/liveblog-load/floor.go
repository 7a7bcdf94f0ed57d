package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// runFloor is `liveblog-load floor`, the write floor of S2 (BENCHMARKS.md):
// it answers stream requests with a bare response head and, given a sequence
// number on stdin, writes one frame to every socket as the hub does
// (non-blocking write(2), one goroutine per CPU) and says "done". No HTTP
// server, store or encoding.
func runFloor(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	size := fs.Int("size", 640, "frame size in bytes")
	sndbuf := fs.Int("sndbuf", 64<<10, "socket send buffer, as liveblog sets it")
	naive := fs.Bool("naive", false, "be the plain net/http hub instead (naive.go)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *naive {
		return runNaiveHub(*addr, *size, stdin, stdout)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	var mu sync.Mutex
	var fds []int
	var conns []net.Conn // kept open: each holds a descriptor written to
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				fd, err := acceptStream(c.(*net.TCPConn), *sndbuf)
				if err != nil {
					c.Close()
					return
				}
				mu.Lock()
				fds = append(fds, fd)
				conns = append(conns, c)
				mu.Unlock()
			}()
		}
	}()
	fmt.Fprintln(stdout, ln.Addr().String())

	return publishFrames("floor", *size, stdin, stdout, func(frame []byte) {
		mu.Lock()
		all := fds
		mu.Unlock()
		workers := min(runtime.GOMAXPROCS(0), max(1, len(all)/256))
		chunk := (len(all) + workers - 1) / workers
		var wg sync.WaitGroup
		for w := range workers {
			part := all[min(len(all), w*chunk):min(len(all), (w+1)*chunk)]
			wg.Go(func() {
				for _, fd := range part {
					syscall.Write(fd, frame)
				}
			})
		}
		wg.Wait()
	})
}

// publishFrames is the floor's and the naive hub's side of the S2 run:
// given a sequence number on stdin, it hands send a frame of size bytes with
// that id, and says "done" on stdout once send returns.
func publishFrames(what string, size int, stdin io.Reader, stdout io.Writer, send func(frame []byte)) error {
	in := bufio.NewScanner(stdin)
	for in.Scan() {
		seq, err := strconv.ParseInt(strings.TrimSpace(in.Text()), 10, 64)
		if err != nil {
			return fmt.Errorf("%s: want a sequence number, got %q", what, in.Text())
		}
		send(floorFrame(seq, size))
		fmt.Fprintln(stdout, "done")
	}
	return in.Err()
}

// acceptStream reads a stream request and answers its head, then returns
// the socket's descriptor (non-blocking, as the runtime keeps it), which the
// writes use directly; c is never read or written again.
func acceptStream(c *net.TCPConn, sndbuf int) (int, error) {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReaderSize(c, 1024)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
	}
	if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")); err != nil {
		return 0, err
	}
	c.SetDeadline(time.Time{})
	c.SetWriteBuffer(sndbuf)
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd, nil
}

// floorFrame is a change frame of about size bytes, shaped as liveblog's.
func floorFrame(seq int64, size int) []byte {
	head := fmt.Sprintf("id: %d\nevent: change\ndata: ", seq)
	pad := max(0, size-len(head)-2)
	return append(append([]byte(head), bytes.Repeat([]byte("x"), pad)...), '\n', '\n')
}

// floorProc is a running floor process.
type floorProc struct {
	srv *server
	in  io.WriteCloser
	out *bufio.Scanner
}

func (e *env) startFloor(size int, naive bool) (*floorProc, error) {
	srv, in, out, err := e.startListener("floor", "floor", "-size", strconv.Itoa(size), "-naive="+strconv.FormatBool(naive))
	if err != nil {
		return nil, err
	}
	return &floorProc{srv: srv, in: in, out: out}, nil
}

// send writes frame seq to every reader and returns when the writes are
// done.
func (f *floorProc) send(seq int64) error {
	if _, err := fmt.Fprintln(f.in, seq); err != nil {
		return err
	}
	if !f.out.Scan() {
		return errors.New("floor: stopped")
	}
	return nil
}

func (f *floorProc) stop() {
	f.in.Close()
	f.srv.stop()
}
