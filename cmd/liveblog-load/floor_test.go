package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// The floor and the naive hub must deliver what S2 counts: a frame with the
// id sent, of the size asked for, to every stream, and say done after.
func TestFloorDelivers(t *testing.T) {
	for _, naive := range []bool{false, true} {
		t.Run(fmt.Sprintf("naive=%v", naive), func(t *testing.T) {
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- runFloor([]string{"-size", "300", fmt.Sprintf("-naive=%v", naive)}, inR, outW)
				outW.Close()
			}()
			out := bufio.NewScanner(outR)
			if !out.Scan() {
				t.Fatal("no address")
			}
			w := &worker{cfg: command{Addr: out.Text()}}
			var readers []*bufio.Reader
			for range 3 {
				c, br, err := w.dial(0, "/live/x/stream", "", nil)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				readers = append(readers, br)
			}
			// The floor keeps a socket once it has answered; give the
			// accept goroutines a moment to file the last one.
			time.Sleep(100 * time.Millisecond)
			fmt.Fprintln(inW, 7)
			if !out.Scan() || out.Text() != "done" {
				t.Fatalf("floor said %q, want done", out.Text())
			}
			for i, br := range readers {
				// The naive hub's net/http response is chunked, as such a
				// hub's is: the size line before each frame is not part of
				// it (the readers' parser skips it as an unknown line).
				var frame strings.Builder
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						t.Fatalf("reader %d: %v", i, err)
					}
					if naive && strings.HasSuffix(line, "\r\n") {
						continue
					}
					frame.WriteString(line)
					if line == "\n" {
						break
					}
				}
				if got := frame.String(); !strings.HasPrefix(got, "id: 7\nevent: change\ndata: ") || len(got) != 300 {
					t.Errorf("reader %d got a %d-byte frame %.40q, want 300 bytes with id 7", i, len(got), got)
				}
			}
			inW.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMedianWrk(t *testing.T) {
	rs := []wrkResult{
		{rps: 30000, p50: 2 * time.Millisecond, p99: 30 * time.Millisecond},
		{rps: 10000, p50: 9 * time.Millisecond, p99: 10 * time.Millisecond},
		{rps: 20000, p50: 3 * time.Millisecond, p99: 20 * time.Millisecond},
	}
	got := medianWrk(rs)
	if got.rps != 20000 || got.p50 != 3*time.Millisecond || got.p99 != 20*time.Millisecond {
		t.Errorf("medianWrk = %+v, want each figure's own median: 20000 req/s, p50 3ms, p99 20ms", got)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of an even count = %v, want 2.5", m)
	}
	if s := spread([]float64{0.5, 0.46, 0.52}); s != "46–52% over 3 rounds" {
		t.Errorf("spread = %q", s)
	}
}
