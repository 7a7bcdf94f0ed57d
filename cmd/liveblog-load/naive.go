package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// The naive hub is the design the performance issue's first reference
// figure describes, measured here in the same run as liveblog: net/http
// serves each stream, and each reader has a goroutine, a channel and
// net/http's buffered writer; publishing sends the frame to every channel,
// and each reader's goroutine writes and flushes it. net/http sends the
// response chunked, as it does for any such hub, so each frame carries a few
// bytes of chunk framing. S2 runs it beside liveblog (`liveblog-load floor
// -naive`).

func runNaiveHub(addr string, size int, stdin io.Reader, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	var mu sync.Mutex
	readers := map[chan []byte]struct{}{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		flusher := w.(http.Flusher)
		flusher.Flush()
		ch := make(chan []byte, 16)
		mu.Lock()
		readers[ch] = struct{}{}
		mu.Unlock()
		defer func() {
			mu.Lock()
			delete(readers, ch)
			mu.Unlock()
		}()
		for {
			select {
			case frame := <-ch:
				if _, err := w.Write(frame); err != nil {
					return
				}
				flusher.Flush()
			case <-r.Context().Done():
				return
			}
		}
	})}
	go srv.Serve(ln)
	fmt.Fprintln(stdout, ln.Addr().String())

	return publishFrames("naive hub", size, stdin, stdout, func(frame []byte) {
		mu.Lock()
		defer mu.Unlock()
		for ch := range readers {
			select {
			case ch <- frame:
			default: // a reader 16 frames behind misses this one
			}
		}
	})
}
