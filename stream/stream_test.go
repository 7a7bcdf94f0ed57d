package stream_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
	"github.com/liveblog/liveblog/stream"
)

// frameWait bounds every wait for a frame; it only matters when a test fails.
const frameWait = 10 * time.Second

func TestAppendFrame(t *testing.T) {
	for _, tt := range []struct {
		name  string
		id    int64
		event string
		data  string
		want  string
	}{
		{"OneLine", 42, "change", `{"seq":42}`, "id: 42\nevent: change\ndata: {\"seq\":42}\n\n"},
		{"NoEvent", 7, "", "x", "id: 7\ndata: x\n\n"},
		{"EmptyData", 1, "change", "", "id: 1\nevent: change\ndata: \n\n"},
		{"MultiLineData", 3, "change", "a\nb\nc", "id: 3\nevent: change\ndata: a\ndata: b\ndata: c\n\n"},
		{"CRLFData", 3, "change", "a\r\nb", "id: 3\nevent: change\ndata: a\ndata: b\n\n"},
		{"CRData", 3, "change", "a\rb", "id: 3\nevent: change\ndata: a\ndata: b\n\n"},
		{"TrailingNewline", 3, "change", "a\n", "id: 3\nevent: change\ndata: a\ndata: \n\n"},
		{"InjectedField", 3, "change", "x\n\nid: 999\nevent: reset", "id: 3\nevent: change\ndata: x\ndata: \ndata: id: 999\ndata: event: reset\n\n"},
		{"CRLFInEvent", 5, "chan\r\nge\n", "x", "id: 5\nevent: change\ndata: x\n\n"},
		{"ResetFrame", 9, "reset", `{"head":9}`, "id: 9\nevent: reset\ndata: {\"head\":9}\n\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(stream.AppendFrame([]byte("prefix"), tt.id, tt.event, []byte(tt.data))); got != "prefix"+tt.want {
				t.Errorf("AppendFrame = %q, want %q", got, "prefix"+tt.want)
			}
		})
	}
}

func TestServeStream(t *testing.T) {
	t.Run("LiveFromHead", func(t *testing.T) {
		e := newEnv(t, options{})
		e.publish(t, 3)
		c := e.open(t, "", "")
		e.publish(t, 2)
		c.expectChanges(t, 4, 5)
	})

	for _, ring := range []int{256, 8} {
		// A ring of 256 holds the missed changes; one of 8 makes the resume
		// read them from the store and hand over to the ring.
		t.Run(fmt.Sprintf("ResumeLastEventID/Ring%d", ring), func(t *testing.T) {
			e := newEnv(t, options{cfg: stream.Config{RingSize: ring}})
			e.publish(t, 5)
			c := e.open(t, "?after=0", "")
			c.expectChanges(t, 1, 5)
			c.close()

			e.publish(t, 100)
			c = e.open(t, "", "5")
			c.expectChanges(t, 6, 105)
			e.publish(t, 3)
			c.expectChanges(t, 106, 108)
		})
	}

	t.Run("FromZeroReplaysAll", func(t *testing.T) {
		e := newEnv(t, options{cfg: stream.Config{RingSize: 16}})
		e.publish(t, 40)
		c := e.open(t, "", "0")
		c.expectChanges(t, 1, 40)
		e.publish(t, 1)
		c.expectChanges(t, 41, 41)
	})

	t.Run("ReplaySpansPages", func(t *testing.T) {
		e := newEnv(t, options{cfg: stream.Config{RingSize: 4}})
		n := liveblog.MaxChangesPerRead + 20
		e.publish(t, n)
		c := e.open(t, "?after=0", "")
		c.expectChanges(t, 1, int64(n))
	})

	t.Run("AfterQuery", func(t *testing.T) {
		e := newEnv(t, options{})
		e.publish(t, 10)
		c := e.open(t, "?after=7", "")
		c.expectChanges(t, 8, 10)
	})

	t.Run("LastEventIDBeatsAfter", func(t *testing.T) {
		e := newEnv(t, options{})
		e.publish(t, 10)
		c := e.open(t, "?after=2", "8")
		c.expectChanges(t, 9, 10)
	})

	t.Run("OlderThanFloorResets", func(t *testing.T) {
		e := newEnv(t, options{})
		e.publish(t, 30)
		if err := e.store.TrimChanges(t.Context(), e.ev.ID, 10); err != nil {
			t.Fatal(err)
		}
		c := e.open(t, "", "3")
		c.expectReset(t, 30)
		e.publish(t, 1)
		c.expectChanges(t, 31, 31)
		if got := e.hub.Stats().ResetsSent; got != 1 {
			t.Errorf("ResetsSent = %d, want 1", got)
		}
	})

	t.Run("AheadOfHeadResets", func(t *testing.T) {
		e := newEnv(t, options{})
		e.publish(t, 4)
		c := e.open(t, "?after=50", "")
		c.expectReset(t, 4)
		e.publish(t, 2)
		c.expectChanges(t, 5, 6)
	})

	t.Run("ManySubscribersGetIdenticalBytes", func(t *testing.T) {
		e := newEnv(t, options{})
		const readers, changes = 50, 20
		var cs []*client
		for range readers {
			cs = append(cs, e.open(t, "", ""))
		}
		e.publish(t, changes)
		var want []string
		for i, c := range cs {
			for seq := int64(1); seq <= changes; seq++ {
				m := c.next(t)
				checkChange(t, m, seq)
				if i == 0 {
					want = append(want, m.Raw)
				} else if m.Raw != want[seq-1] {
					t.Fatalf("reader %d frame %d = %q, want %q", i, seq, m.Raw, want[seq-1])
				}
			}
		}
		if got, want := e.hub.Stats().Subscribers, readers; got != want {
			t.Errorf("Stats().Subscribers = %d, want %d", got, want)
		}
		if got, want := e.hub.Stats().Events, 1; got != want {
			t.Errorf("Stats().Events = %d, want %d", got, want)
		}
	})

	t.Run("ConcurrentPublishersAndResumes", func(t *testing.T) {
		e := newEnv(t, options{cfg: stream.Config{RingSize: 16}})
		e.publish(t, 10)
		const publishers, perPublisher, readers = 4, 40, 16
		final := int64(10 + publishers*perPublisher)

		var wg sync.WaitGroup
		for range publishers {
			wg.Go(func() {
				for range perPublisher {
					if err := e.store.CreatePost(context.Background(), liveblog.Write{}, &liveblog.Post{EventID: e.ev.ID, Headline: "Concurrent"}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		for r := range readers {
			wg.Go(func() {
				// Each reader starts somewhere in the history written so far,
				// and half of them drop their connection midway and resume.
				start := rand.Int64N(e.head(t) + 1)
				ids, err := e.follow(start, final, r%2 == 0)
				if err != nil {
					t.Errorf("reader %d from %d: %v", r, start, err)
					return
				}
				for i, id := range ids {
					if want := start + 1 + int64(i); id != want {
						t.Errorf("reader %d from %d: id %d at %d, want %d (ids %v)", r, start, id, i, want, ids)
						return
					}
				}
				if got := int64(len(ids)); got != final-start {
					t.Errorf("reader %d from %d: got %d changes, want %d", r, start, got, final-start)
				}
			})
		}
		wg.Wait()
	})

	t.Run("LostAnnouncementRepairedByPoll", func(t *testing.T) {
		e := newEnv(t, options{silent: true, cfg: stream.Config{PollInterval: 50 * time.Millisecond}})
		e.publish(t, 2)
		c := e.open(t, "", "")
		e.publish(t, 3)
		c.expectChanges(t, 3, 5)
	})

	t.Run("ResyncReadsEveryEvent", func(t *testing.T) {
		e := newEnv(t, options{silent: true, cfg: stream.Config{PollInterval: time.Hour}})
		c := e.open(t, "", "")
		e.publish(t, 2)
		e.hub.Resync()
		c.expectChanges(t, 1, 2)
	})

	t.Run("AnnounceWithDoneContext", func(t *testing.T) {
		e := newEnv(t, options{silent: true, cfg: stream.Config{PollInterval: time.Hour}})
		c := e.open(t, "", "")
		e.publish(t, 1)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		e.hub.Announce(ctx, e.ev.ID, 1)
		c.expectChanges(t, 1, 1)
	})

	t.Run("BurstLargerThanRingIsReadFromStore", func(t *testing.T) {
		// An up-to-date reader is not slow: when one read brings more changes
		// than the ring holds, it catches up from the store and stays.
		e := newEnv(t, options{silent: true, cfg: stream.Config{RingSize: 8, PollInterval: time.Hour}})
		c := e.open(t, "", "")
		e.publish(t, 20)
		e.hub.Announce(t.Context(), e.ev.ID, 20)
		c.expectChanges(t, 1, 20)
		if got := e.hub.Stats().ReadersDropped; got != 0 {
			t.Errorf("ReadersDropped = %d, want 0", got)
		}
	})

	t.Run("SlowReaderFallingOutOfRingIsDropped", func(t *testing.T) {
		e := newEnv(t, options{cfg: stream.Config{RingSize: 4}})
		healthy := e.open(t, "", "")
		slow := &gatedWriter{header: http.Header{}, entered: make(chan []byte), release: make(chan struct{})}
		done := make(chan struct{})
		go func() {
			defer close(done)
			r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/live/test/stream", nil)
			stream.ServeTest(e.hub, slow, r, e.ev)
		}()

		e.publish(t, 1)
		healthy.expectChanges(t, 1, 1)
		var first []byte
		select {
		case first = <-slow.entered:
		case <-time.After(frameWait):
			t.Fatal("slow reader was not sent change 1")
		}
		// While the slow reader is inside its write of change 1, the ring
		// moves on by more than its size.
		e.publish(t, 10)
		healthy.expectChanges(t, 2, 11)
		close(slow.release)

		select {
		case <-done:
		case p := <-slow.entered:
			t.Fatalf("slow reader was sent %q, want it dropped", p)
		case <-time.After(frameWait):
			t.Fatal("slow reader still streaming")
		}
		if !bytes.HasPrefix(first, []byte("id: 1\n")) {
			t.Errorf("slow reader's first write = %q, want change 1", first)
		}
		if got := e.hub.Stats().ReadersDropped; got != 1 {
			t.Errorf("ReadersDropped = %d, want 1", got)
		}
	})

	t.Run("StalledReaderDoesNotDelayOthers", func(t *testing.T) {
		// The stalled reader's writes block for the whole test: its socket
		// buffers are tiny and full, and its write timeout is long.
		e := newEnv(t, options{
			cfg:    stream.Config{RingSize: 64, WriteTimeout: time.Minute},
			encode: paddedJSON(64 << 10),
		})
		e.dialStalled(t)
		healthy := e.open(t, "", "")
		e.publish(t, 30)
		healthy.expectChanges(t, 1, 30)
		if got := e.hub.Stats(); got.Subscribers != 2 || got.ReadersDropped != 0 {
			t.Errorf("Stats() = %+v, want the stalled reader still connected and none dropped", got)
		}
	})

	t.Run("StalledReaderIsDropped", func(t *testing.T) {
		e := newEnv(t, options{
			cfg:    stream.Config{RingSize: 64, WriteTimeout: 500 * time.Millisecond},
			encode: paddedJSON(64 << 10),
		})
		stalled := e.dialStalled(t)
		healthy := e.open(t, "", "")
		e.publish(t, 30)
		healthy.expectChanges(t, 1, 30)

		// Shutdown waits for every stream; the stalled one is inside a write
		// that can only end at its deadline, as a drop.
		if err := e.hub.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := e.hub.Stats().ReadersDropped; got != 1 {
			t.Errorf("ReadersDropped = %d, want 1", got)
		}
		// The server closed the stalled connection: draining it ends in EOF
		// or a reset, not in the read deadline.
		stalled.SetReadDeadline(time.Now().Add(frameWait))
		_, err := io.Copy(io.Discard, stalled)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("stalled connection still open after %v", frameWait)
		}
	})

	t.Run("Shutdown", func(t *testing.T) {
		hint := 500 * time.Millisecond
		e := newEnv(t, options{cfg: stream.Config{RetryHint: hint}})
		e.publish(t, 1)
		var cs []*client
		for range 3 {
			cs = append(cs, e.open(t, "", ""))
		}
		e.publish(t, 1)
		for _, c := range cs {
			c.expectChanges(t, 2, 2)
		}
		if err := e.hub.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		for i, c := range cs {
			m := c.next(t)
			ms, err := strconv.Atoi(m.Retry)
			if err != nil || ms < int(hint.Milliseconds()) || ms >= 2*int(hint.Milliseconds()) || m.Data != "" || m.ID != "" {
				t.Errorf("reader %d: got %q, want only a retry: in [%d, %d)", i, m.Raw, hint.Milliseconds(), 2*hint.Milliseconds())
			}
			c.expectEnd(t)
		}
		if _, err := e.hub.Subscribe(e.ev, 0); !errors.Is(err, stream.ErrShutdown) {
			t.Errorf("Subscribe after shutdown: %v, want ErrShutdown", err)
		}
	})

	t.Run("ShutdownCancelsCatchUp", func(t *testing.T) {
		// A reader resuming from before the ring catches up from the
		// store; shutting down must not wait for that read.
		var held *heldReads
		e := newEnv(t, options{
			cfg: stream.Config{RingSize: 4, RetryHint: time.Second},
			source: func(s *sqlite.Store) stream.Source {
				held = &heldReads{Store: s, entered: make(chan struct{}, 1)}
				return held
			},
		})
		e.publish(t, 10)
		live := e.open(t, "", "")
		e.publish(t, 1)
		live.expectChanges(t, 11, 11)
		held.from.Store(1)
		c := e.open(t, "", "0")
		select {
		case <-held.entered:
		case <-time.After(frameWait):
			t.Fatal("the resuming reader did not read the store")
		}
		ctx, cancel := context.WithTimeout(t.Context(), frameWait)
		defer cancel()
		if err := e.hub.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown with a catch-up read in progress: %v", err)
		}
		if m := c.next(t); m.Retry == "" {
			t.Errorf("resuming reader got %q, want a retry:", m.Raw)
		}
		c.expectEnd(t)
	})

	t.Run("EndedCoverageCloses", func(t *testing.T) {
		e := newEnv(t, options{})
		e.publish(t, 2)
		c := e.open(t, "", "")
		if _, err := e.store.ChangeEvent(t.Context(), liveblog.Write{}, e.ev.ID, liveblog.SetCoverage{State: liveblog.CoverageEnded, Version: e.ev.Version}); err != nil {
			t.Fatal(err)
		}
		m := c.next(t)
		checkChange(t, m, 3)
		if !strings.Contains(m.Data, `"kind":"coverage.changed"`) || !strings.Contains(m.Data, `"state":"ended"`) {
			t.Errorf("data = %s, want an ended coverage.changed", m.Data)
		}
		c.expectEnd(t)

		t.Run("ReplayThenClose", func(t *testing.T) {
			c := e.open(t, "?after=0", "")
			c.expectChanges(t, 1, 3)
			c.expectEnd(t)
		})
	})

	t.Run("Heartbeat", func(t *testing.T) {
		e := newEnv(t, options{cfg: stream.Config{Heartbeat: 20 * time.Millisecond}})
		c := e.open(t, "", "")
		m := c.nextAny(t)
		if !m.Comment || m.Raw != ": hb\n\n" {
			t.Fatalf("got %q, want a heartbeat comment", m.Raw)
		}
		e.publish(t, 1)
		c.expectChanges(t, 1, 1)
	})

	t.Run("DeletedPostRedactedInRing", func(t *testing.T) {
		e := newEnv(t, options{})
		live := e.open(t, "", "")
		p := &liveblog.Post{EventID: e.ev.ID, Headline: "Taken down"}
		if err := e.store.CreatePost(t.Context(), liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		if m := live.next(t); !strings.Contains(m.Data, "Taken down") {
			t.Fatalf("live data = %s, want the headline", m.Data)
		}
		if _, err := e.store.ChangePost(t.Context(), liveblog.Write{}, p.ID, liveblog.DeletePost{Version: p.Version}); err != nil {
			t.Fatal(err)
		}
		live.expectChanges(t, 2, 2)

		// The event's ring still holds both frames (the live reader keeps it);
		// a reader resuming from before the deletion must not get the text.
		c := e.open(t, "", "0")
		for seq := int64(1); seq <= 2; seq++ {
			m := c.next(t)
			checkChange(t, m, seq)
			if strings.Contains(m.Data, "Taken down") {
				t.Errorf("frame %d = %s, want no text of the deleted post", seq, m.Data)
			}
		}
	})
}

// env is a store, a hub and a server routing GET /live/{slug}/stream to it,
// with one live event.
type env struct {
	store *sqlite.Store
	hub   *stream.Hub
	srv   *httptest.Server
	ev    *liveblog.Event
	// stall makes the server give the next connection it accepts a tiny
	// send buffer; dialStalled sets it.
	stall *atomic.Bool
}

type options struct {
	cfg    stream.Config
	encode stream.EncodeFunc
	silent bool // no Announcer: only the poll finds changes
	// source, if set, is what the hub reads instead of the store itself.
	source func(*sqlite.Store) stream.Source
}

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	ctx := t.Context()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	if o.encode == nil {
		o.encode = encodeJSON
	}
	var src stream.Source = store
	if o.source != nil {
		src = o.source(store)
	}
	hub := stream.NewHub(src, o.encode, o.cfg, nil)
	if !o.silent {
		store.Announcer = hub
	}
	ev := &liveblog.Event{Slug: "test", Title: "Test", State: liveblog.CoverageLive}
	if err := store.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /live/{slug}/stream", func(w http.ResponseWriter, r *http.Request) {
		ev, err := store.FindEventBySlug(r.Context(), r.PathValue("slug"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		stream.ServeTest(hub, w, r, ev)
	})
	srv := httptest.NewUnstartedServer(mux)
	stall := new(atomic.Bool)
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if stall.Swap(false) {
			c.(*net.TCPConn).SetWriteBuffer(4 << 10)
		}
		return ctx
	}
	srv.Start()
	t.Cleanup(func() {
		// Streams end on shutdown; forcing the connections closed first
		// releases any write still blocked on a stalled reader.
		srv.CloseClientConnections()
		ctx, cancel := context.WithTimeout(context.Background(), frameWait)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
		store.Close()
	})
	return &env{store: store, hub: hub, srv: srv, ev: ev, stall: stall}
}

// heldReads is a store whose change reads after a position below from
// (once from is set) wait until their context ends.
type heldReads struct {
	*sqlite.Store
	from    atomic.Int64
	entered chan struct{}
}

func (s *heldReads) FindChanges(ctx context.Context, f liveblog.ChangeFilter) (*liveblog.ChangeBatch, error) {
	if f.After < s.from.Load() {
		select {
		case s.entered <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.Store.FindChanges(ctx, f)
}

// encodeJSON stands in for the renderer: the change as JSON, enough to tell
// frames apart and to see what a frame carries.
func encodeJSON(ev *liveblog.Event, c *liveblog.Change) ([]byte, error) {
	d := struct {
		Seq      int64                  `json:"seq"`
		Kind     liveblog.ChangeKind    `json:"kind"`
		PostID   int64                  `json:"post_id,omitempty"`
		Headline string                 `json:"headline,omitempty"`
		Redacted bool                   `json:"redacted,omitempty"`
		State    liveblog.CoverageState `json:"state,omitempty"`
	}{Seq: c.Seq, Kind: c.Kind, PostID: c.PostID}
	if c.Post != nil {
		d.Headline = c.Post.Headline
	} else if c.PostID != 0 {
		d.Redacted = true
	}
	if c.Event != nil {
		d.State = c.Event.State
	}
	return json.Marshal(d)
}

// paddedJSON makes frames of at least size bytes, to fill socket buffers.
func paddedJSON(size int) stream.EncodeFunc {
	pad := strings.Repeat("x", size)
	return func(ev *liveblog.Event, c *liveblog.Change) ([]byte, error) {
		return json.Marshal(struct {
			Seq int64  `json:"seq"`
			Pad string `json:"pad"`
		}{c.Seq, pad})
	}
}

// publish creates n published posts, each one change.
func (e *env) publish(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		if err := e.store.CreatePost(t.Context(), liveblog.Write{}, &liveblog.Post{EventID: e.ev.ID, Headline: fmt.Sprintf("Post %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) head(t *testing.T) int64 {
	ev, err := e.store.FindEventByID(context.Background(), e.ev.ID)
	if err != nil {
		t.Error(err)
		return 0
	}
	return ev.Head
}

func (e *env) request(ctx context.Context, query, lastEventID string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/live/"+e.ev.Slug+"/stream"+query, nil)
	if err != nil {
		return nil, err
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	return e.srv.Client().Do(req)
}

// get makes a request whose body the caller reads and closes.
func (e *env) get(t *testing.T, query, lastEventID string) *http.Response {
	t.Helper()
	resp, err := e.request(t.Context(), query, lastEventID)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// open connects a reader and checks that it gets a stream.
func (e *env) open(t *testing.T, query, lastEventID string) *client {
	t.Helper()
	c, err := e.connect(query, lastEventID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return c
}

func (e *env) connect(query, lastEventID string) (*client, error) {
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := e.request(ctx, query, lastEventID)
	if err != nil {
		cancel()
		return nil, err
	}
	if got := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || got != "text/event-stream" {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("status %d, Content-Type %q, want 200 and text/event-stream", resp.StatusCode, got)
	}
	c := &client{body: resp.Body, cancel: cancel, msgs: make(chan message, 64)}
	go c.read(ctx)
	return c, nil
}

// follow reads from after start until it has seen change final, reconnecting
// once with Last-Event-ID midway when resume is set, and returns the ids it
// saw. It runs off the test goroutine, so it returns errors.
func (e *env) follow(start, final int64, resume bool) ([]int64, error) {
	c, err := e.connect("?after="+strconv.FormatInt(start, 10), "")
	if err != nil {
		return nil, err
	}
	var ids []int64
	last := start
	cut := start + (final-start)/2
	for last < final {
		if resume && last >= cut {
			c.close()
			if c, err = e.connect("", strconv.FormatInt(last, 10)); err != nil {
				return ids, err
			}
			resume = false
		}
		m, err := c.receive()
		if err != nil {
			c.close()
			return ids, err
		}
		if m.Comment {
			continue
		}
		id, err := strconv.ParseInt(m.ID, 10, 64)
		if err != nil || m.Event != "change" {
			c.close()
			return ids, fmt.Errorf("unexpected message %q", m.Raw)
		}
		ids = append(ids, id)
		last = id
	}
	c.close()
	return ids, nil
}

// dialStalled opens a stream on a raw connection with tiny socket buffers at
// both ends, and never reads it. It must be the only connection being made.
func (e *env) dialStalled(t *testing.T) net.Conn {
	t.Helper()
	e.stall.Store(true)
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.DialContext(t.Context(), "tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /live/%s/stream HTTP/1.1\r\nHost: test\r\n\r\n", e.ev.Slug)
	// Wait for the response head, so the stream is registered before the
	// test publishes; after that the connection is never read again.
	br := bufio.NewReaderSize(conn, 16)
	conn.SetReadDeadline(time.Now().Add(frameWait))
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("stalled reader got %q, %v, want a 200", line, err)
	}
	return conn
}

// gatedWriter is an in-process ResponseWriter whose every write is handed to
// the test and then waits until the test releases it.
type gatedWriter struct {
	header  http.Header
	entered chan []byte
	release chan struct{}
}

func (w *gatedWriter) Header() http.Header { return w.header }
func (w *gatedWriter) WriteHeader(int)     {}
func (w *gatedWriter) Flush()              {}

func (w *gatedWriter) Write(p []byte) (int, error) {
	w.entered <- bytes.Clone(p)
	<-w.release
	return len(p), nil
}

// client reads a stream's messages on its own goroutine, so that a test can
// wait for each with a deadline.
type client struct {
	body   io.ReadCloser
	cancel context.CancelFunc
	msgs   chan message
	once   sync.Once
}

// message is one SSE message as a browser would parse it, with its raw bytes.
type message struct {
	ID, Event, Data, Retry string
	Comment                bool
	Raw                    string
}

func (c *client) read(ctx context.Context) {
	defer close(c.msgs)
	br := bufio.NewReader(c.body)
	var m message
	var raw strings.Builder
	hasData := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		raw.WriteString(line)
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			m.Raw = raw.String()
			select {
			case c.msgs <- m:
			case <-ctx.Done():
				return
			}
			m, hasData = message{}, false
			raw.Reset()
			continue
		}
		if strings.HasPrefix(line, ":") {
			m.Comment = true
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "id":
			m.ID = value
		case "event":
			m.Event = value
		case "retry":
			m.Retry = value
		case "data":
			if hasData {
				m.Data += "\n"
			}
			m.Data += value
			hasData = true
		}
	}
}

func (c *client) close() {
	c.once.Do(func() {
		c.cancel()
		c.body.Close()
	})
}

var errEnded = errors.New("stream ended")

// receive returns the next message, comments included.
func (c *client) receive() (message, error) {
	select {
	case m, ok := <-c.msgs:
		if !ok {
			return message{}, errEnded
		}
		return m, nil
	case <-time.After(frameWait):
		return message{}, fmt.Errorf("no message within %v", frameWait)
	}
}

func (c *client) nextAny(t *testing.T) message {
	t.Helper()
	m, err := c.receive()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// next returns the next message that is not a heartbeat.
func (c *client) next(t *testing.T) message {
	t.Helper()
	for {
		if m := c.nextAny(t); !m.Comment {
			return m
		}
	}
}

func (c *client) expectChanges(t *testing.T, from, to int64) {
	t.Helper()
	for seq := from; seq <= to; seq++ {
		checkChange(t, c.next(t), seq)
	}
}

func (c *client) expectReset(t *testing.T, head int64) {
	t.Helper()
	m := c.next(t)
	want := fmt.Sprintf("id: %d\nevent: reset\ndata: {\"head\":%d}\n\n", head, head)
	if m.Raw != want {
		t.Fatalf("got %q, want %q", m.Raw, want)
	}
}

// expectEnd waits for the server to end the stream, allowing heartbeats.
func (c *client) expectEnd(t *testing.T) {
	t.Helper()
	for {
		m, err := c.receive()
		if err == errEnded {
			return
		} else if err != nil {
			t.Fatalf("stream still open: %v", err)
		} else if !m.Comment {
			t.Fatalf("got %q, want the stream to end", m.Raw)
		}
	}
}

func checkChange(t *testing.T, m message, seq int64) {
	t.Helper()
	var d struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal([]byte(m.Data), &d); err != nil || m.ID != strconv.FormatInt(seq, 10) || m.Event != "change" || d.Seq != seq {
		t.Fatalf("got %q, want change %d", m.Raw, seq)
	}
}

// newBubbleEnv is a store, announcing to a hub with cfg, and a live event,
// made inside a synctest bubble. The store is closed when t ends.
func newBubbleEnv(t *testing.T, cfg stream.Config) (*sqlite.Store, *stream.Hub, *liveblog.Event) {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	hub := stream.NewHub(store, encodeJSON, cfg, nil)
	store.Announcer = hub
	ev := &liveblog.Event{Slug: "test", Title: "Test", State: liveblog.CoverageLive}
	if err := store.CreateEvent(t.Context(), liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	return store, hub, ev
}

// TestHeartbeatResetsAfterMessage runs on synctest's clock, so that it can
// say exactly when a heartbeat is due.
func TestHeartbeatResetsAfterMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store, hub, ev := newBubbleEnv(t, stream.Config{Heartbeat: 15 * time.Second})

		w := &bufferWriter{header: http.Header{}}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			stream.ServeTest(hub, w, httptest.NewRequestWithContext(ctx, http.MethodGet, "/live/test/stream", nil), ev)
		}()

		time.Sleep(10 * time.Second)
		if err := store.CreatePost(t.Context(), liveblog.Write{}, &liveblog.Post{EventID: ev.ID, Headline: "Ten seconds in"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := w.String(); !strings.HasPrefix(got, "id: 1\n") {
			t.Fatalf("after the post, stream = %q, want change 1", got)
		}

		time.Sleep(15*time.Second - time.Millisecond)
		synctest.Wait()
		if got := w.String(); strings.Contains(got, ": hb") {
			t.Fatalf("15s after connecting but under 15s after the post, stream = %q, want no heartbeat", got)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if got := w.String(); !strings.HasSuffix(got, "\n\n: hb\n\n") {
			t.Fatalf("15s after the post, stream = %q, want a heartbeat", got)
		}

		cancel()
		<-done
		if err := hub.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

// bufferWriter is an in-process ResponseWriter that keeps what is written.
type bufferWriter struct {
	header http.Header
	mu     sync.Mutex
	buf    bytes.Buffer
}

func (w *bufferWriter) Header() http.Header { return w.header }
func (w *bufferWriter) WriteHeader(int)     {}
func (w *bufferWriter) Flush()              {}

func (w *bufferWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *bufferWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// Current judges an event read from the store against what the hub has
// heard since, for pages of events nobody streams. It runs on synctest's
// clock, so that a read can age past the poll interval without waiting.
func TestCurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, hub, ev := newBubbleEnv(t, stream.Config{PollInterval: 200 * time.Millisecond})
		id, head := ev.ID, ev.Head
		stamp := hub.Stamp()
		if !hub.Current(id, head, stamp) {
			t.Fatal("a fresh read is not current")
		}
		hub.Announce(t.Context(), id, head+1)
		if hub.Current(id, head, stamp) {
			t.Error("a read behind an announced head is current")
		}
		if !hub.Current(id, head+1, stamp) {
			t.Error("a read at the announced head is not current")
		}
		if !hub.Current(id+1, 0, stamp) {
			t.Error("another event's announcement made a read stale")
		}
		hub.Resync()
		if hub.Current(id, head+1, stamp) {
			t.Error("a read from before a resync is current")
		}
		stamp = hub.Stamp()
		if !hub.Current(id, head+1, stamp) {
			t.Error("a read after the resync is not current")
		}
		time.Sleep(200*time.Millisecond - time.Nanosecond)
		if !hub.Current(id, head+1, stamp) {
			t.Error("a read younger than the poll interval is not current")
		}
		time.Sleep(time.Nanosecond)
		if hub.Current(id, head+1, stamp) {
			t.Error("a read as old as the poll interval is current")
		}
		if err := hub.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
