package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// runNaiveHub is `liveblog-load floor -naive`, the reference hub of S2
// (BENCHMARKS.md): net/http serves each stream, with a goroutine and a
// channel per reader that writes and flushes each frame, chunked as net/http
// sends it.
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
