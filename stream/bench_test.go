package stream

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
)

// sampleData is the size of a typical post frame: a rendered article of a
// couple of paragraphs.
var sampleData = []byte(`{"seq":1,"kind":"post.published","post_id":7,"html":"` +
	string(bytes.Repeat([]byte("<p>Ministers met overnight.</p>"), 64)) + `","sort":"1739439900000000-7","pinned":false,"key_event":true}`)

func BenchmarkAppendFrame(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(sampleData)))
	buf := make([]byte, 0, 4<<10)
	for b.Loop() {
		buf = AppendFrame(buf[:0], 123456, "change", sampleData)
	}
}

// BenchmarkFanout measures what the hub spends to bring one new frame to each
// of N connected readers: waking them and each writing the shared frame with
// a deadline and a flush. The writers are in process, so the figures are the
// hub's and leave out the kernel's socket writes.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("Readers%d", n), func(b *testing.B) { benchmarkFanout(b, n) })
	}
}

func benchmarkFanout(b *testing.B, readers int) {
	h, ev := newBenchHub(b)
	w := &fanoutWriter{done: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/live/bench/stream", nil)
			ServeTest(h, &readerWriter{w: w}, r, ev)
		})
	}
	runFanout(b, h, ev, readers, w)
	cancel()
	wg.Wait()
}

// BenchmarkFanoutTCP is BenchmarkFanout over loopback connections, each read
// by a goroutine of the benchmark: its CPU figure includes the kernel's work
// for both ends and the readers' own, so it bounds the hub's from above.
func BenchmarkFanoutTCP(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("Readers%d", n), func(b *testing.B) {
			skipWithoutFiles(b, 2*n)
			h, ev := newBenchHub(b)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ServeTest(h, w, r, ev)
			}))
			defer srv.Close()
			w := &fanoutWriter{done: make(chan struct{}, 1)}
			var wg sync.WaitGroup
			for range n {
				conn := dialStream(b, srv.Listener.Addr().String())
				wg.Go(func() {
					defer conn.Close()
					buf := make([]byte, 32<<10)
					var prev byte
					for {
						k, err := conn.Read(buf)
						if err != nil {
							return
						}
						// Every message ends in a blank line; heartbeats are
						// an hour apart, so each one is a frame.
						frames := bytes.Count(buf[:k], []byte("\n\n"))
						if prev == '\n' && buf[0] == '\n' {
							frames++
						}
						prev = buf[k-1]
						for range frames {
							w.count()
						}
					}
				})
			}
			runFanout(b, h, ev, n, w)
			h.Shutdown(context.Background())
			wg.Wait()
		})
	}
}

// BenchmarkIdleReader opens b.N streams that receive nothing and reports the
// heap and goroutine stack they hold, per reader, as bytes/reader: the
// hub's and the kernel socket's user-space side, excluding the kernel's
// buffers. Run it with a fixed count, e.g. -benchtime=2000x.
func BenchmarkIdleReader(b *testing.B) {
	skipWithoutFiles(b, 2*b.N)
	h, ev := newBenchHub(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ServeTest(h, w, r, ev)
	}))
	defer srv.Close()
	before := inUse()
	conns := make([]net.Conn, 0, b.N)
	for b.Loop() {
		conns = append(conns, dialStream(b, srv.Listener.Addr().String()))
	}
	b.ReportMetric(float64(inUse()-before)/float64(b.N), "bytes/reader")
	h.Shutdown(context.Background())
	for _, c := range conns {
		c.Close()
	}
}

// inUse is the heap and stack memory in use after a collection.
func inUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

func skipWithoutFiles(b *testing.B, files int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(files+100) {
		b.Skipf("needs %d open files, the limit is %d", files+100, lim.Cur)
	}
}

// dialStream opens a stream on a raw connection and reads its response head.
func dialStream(b *testing.B, addr string) net.Conn {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /live/bench/stream HTTP/1.1\r\nHost: bench\r\n\r\n")
	// Byte by byte, so that nothing after the head is read here.
	var head []byte
	one := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if _, err := conn.Read(one); err != nil {
			b.Fatal(err)
		}
		head = append(head, one[0])
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) {
		b.Fatalf("response head %q, want a 200", head)
	}
	return conn
}

// newBenchHub returns a hub over a real store with one live event. The hub
// has no announcer and polls once an hour: the benchmark is its only
// publisher, through runFanout.
func newBenchHub(b *testing.B) (*Hub, *liveblog.Event) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	ev := &liveblog.Event{Slug: "bench", Title: "Bench", State: liveblog.CoverageLive}
	if err := store.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		b.Fatal(err)
	}
	encode := func(*liveblog.Event, *liveblog.Change) ([]byte, error) { return sampleData, nil }
	h := NewHub(store, encode, Config{RingSize: 1024, PollInterval: time.Hour, Heartbeat: time.Hour}, nil)
	b.Cleanup(func() { h.Shutdown(ctx) })
	return h, ev
}

// runFanout publishes one frame per iteration straight into the event's ring
// and waits until every reader has written it, then reports time, CPU and
// allocations per delivery (one frame to one reader).
func runFanout(b *testing.B, h *Hub, ev *liveblog.Event, readers int, w *fanoutWriter) {
	var e *entry
	for e == nil {
		h.mu.RLock()
		e = h.events[ev.ID]
		h.mu.RUnlock()
		runtime.Gosched()
	}
	<-e.ready

	var ms0, ms1 runtime.MemStats
	var ru0, ru1 syscall.Rusage
	runtime.ReadMemStats(&ms0)
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	seq := e.last.Load()
	n := int64(0)
	for b.Loop() {
		seq++
		n++
		w.target.Store(n * int64(readers))
		e.publish([]*liveblog.Change{{EventID: ev.ID, Seq: seq, Kind: liveblog.ChangePostPublished, PostID: 7}})
		<-w.done
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	runtime.ReadMemStats(&ms1)

	deliveries := float64(b.N) * float64(readers)
	cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/deliveries, "ns/delivery")
	b.ReportMetric(float64(cpu)/deliveries, "cpu-ns/delivery")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/deliveries, "allocs/delivery")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/deliveries, "B/delivery")
}

// fanoutWriter counts frames written by all readers and signals when the
// count reaches target.
type fanoutWriter struct {
	delivered atomic.Int64
	target    atomic.Int64
	done      chan struct{}
}

// count records one frame delivered.
func (w *fanoutWriter) count() {
	if w.delivered.Add(1) == w.target.Load() {
		w.done <- struct{}{}
	}
}

// readerWriter is one reader's ResponseWriter: it supports flushing and write
// deadlines as a real connection does, and discards the bytes.
type readerWriter struct {
	w      *fanoutWriter
	header http.Header
}

func (rw *readerWriter) Header() http.Header {
	if rw.header == nil {
		rw.header = http.Header{}
	}
	return rw.header
}

func (rw *readerWriter) WriteHeader(int)                  {}
func (rw *readerWriter) Flush()                           {}
func (rw *readerWriter) SetWriteDeadline(time.Time) error { return nil }
func (rw *readerWriter) Write(p []byte) (int, error) {
	rw.w.count()
	return len(p), nil
}
