package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/stream"
)

// TestChaos has readers follow an event over real SSE while a writer
// publishes, edits, pins, deletes and restores posts and rewrites the
// summary, and the feed is trimmed under them. Readers drop their
// connection at random and come back in the ways browsers and proxies do:
// with Last-Event-ID, without it (reloading the state from the page or from
// the polling endpoint first), or after staying away so long that the feed
// has been trimmed past them, when they must get a reset frame. Some stop
// reading for a while. Each reader applies what it receives to its own
// model of the event, as reader.js does to the page; at the end every
// model must equal the event as the store holds it, and no stream may have
// skipped or repeated a frame.
//
// The quick version (50 readers) runs in the normal suite. The long one:
//
//	LIVEBLOG_CHAOS_LONG=1 go test ./cmd/liveblog -run TestChaos -v -timeout 30m
//
// LIVEBLOG_CHAOS_SEED=N repeats the readers' and the writer's choices (not
// the interleaving, which is the machine's).
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("hundreds of streams; not in -short")
	}
	readers, ops := 50, 400
	if os.Getenv("LIVEBLOG_CHAOS_LONG") == "1" {
		readers, ops = 500, 2000
	}
	seed := testSeed(t, "LIVEBLOG_CHAOS_SEED")
	t.Logf("chaos: seed %d (LIVEBLOG_CHAOS_SEED=%d repeats the choices)", seed, seed)

	dir := t.TempDir()
	in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}, Stream: stream.Config{RingSize: chaosRing}})
	w := newChaosWriter(t, in, createToken(t, dir), rand.New(rand.NewPCG(seed, 0)))
	ev := w.start()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: readers}}
	var all []*chaosReader
	var wg sync.WaitGroup
	errs := make(chan error, readers+1)
	for i := range readers {
		r := &chaosReader{id: i, base: in.url, slug: ev.Slug, http: client, w: w,
			rng: rand.New(rand.NewPCG(seed, uint64(i)+1)), leave: reconnectsPerReader / float64(ops)}
		all = append(all, r)
		wg.Go(func() {
			if err := r.run(t.Context()); err != nil {
				errs <- fmt.Errorf("reader %d: %w", r.id, err)
			}
		})
	}
	start := time.Now()
	var wrote time.Duration
	wg.Go(func() {
		if err := w.run(t.Context(), ops); err != nil {
			errs <- fmt.Errorf("writer: %w", err)
			w.finish(0) // let the readers end
		}
		wrote = time.Since(start)
	})
	wg.Wait()
	converged := time.Since(start) - wrote
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	want := w.state(t)
	var reconnects, resets, gaps, dups, reloads, stalls int
	for _, r := range all {
		reconnects += r.reconnects
		resets += r.resets
		gaps += r.gaps
		dups += r.dups
		reloads += r.reloads
		stalls += r.stalls
		if got := r.model; !got.equal(want) {
			t.Errorf("reader %d ends with\n%s\nwant\n%s", r.id, got, want)
		}
	}
	if gaps != 0 || dups != 0 {
		t.Errorf("%d gaps and %d duplicated frames, want none", gaps, dups)
	}
	if resets == 0 {
		t.Errorf("no reader was reset; the test does not exercise resume from before the floor")
	}
	t.Logf("chaos: R=%d writes=%d head=%d floor=%d reconnects=%d resets=%d reloads=%d stalls=%d gaps=%d duplicates=%d; %d posts; written in %v, all readers converged %v later",
		readers, ops, want.head, w.floor.Load(), reconnects, resets, reloads, stalls, gaps, dups, len(want.posts),
		wrote.Round(time.Millisecond), converged.Round(time.Millisecond))
}

// model is what a reader knows of an event: its published posts (by id,
// with their version and whether they are pinned) and the summary.
type model struct {
	head    int64
	posts   map[int64]postState
	summary []string
}

type postState struct {
	version int
	pinned  bool
}

func newModel() *model { return &model{posts: map[int64]postState{}} }

// put records a post as of version, unless a newer version is known: state
// read from several pages is replayed over by frames from the first page's
// position, some of which are older than what a later page showed.
func (m *model) put(id int64, s postState) {
	if old, ok := m.posts[id]; !ok || s.version >= old.version {
		m.posts[id] = s
	}
}

func (m *model) equal(o *model) bool {
	return maps.Equal(m.posts, o.posts) && slices.Equal(m.summary, o.summary)
}

func (m *model) String() string {
	ids := slices.Sorted(maps.Keys(m.posts))
	var b strings.Builder
	fmt.Fprintf(&b, "  summary %q\n  posts", m.summary)
	for _, id := range ids {
		s := m.posts[id]
		fmt.Fprintf(&b, " %d@%d", id, s.version)
		if s.pinned {
			b.WriteString("(pinned)")
		}
	}
	return b.String()
}

// chaosWriter makes the changes, through the API, and trims the feed
// through the store as an operator's retention job would.
type chaosWriter struct {
	t     *testing.T
	in    *instance
	token string
	rng   *rand.Rand
	http  *http.Client
	slug  string
	evID  int64

	posts   map[int64]int // live post → version
	deleted map[int64]int
	pinned  int64
	version int // the event's

	mu       sync.Mutex
	trimmed  chan struct{} // closed and replaced at each trim
	done     chan struct{} // closed when the writer is done
	finalPos int64
	head     atomic.Int64
	floor    atomic.Int64
}

func newChaosWriter(t *testing.T, in *instance, token string, rng *rand.Rand) *chaosWriter {
	return &chaosWriter{t: t, in: in, token: token, rng: rng, http: &http.Client{Timeout: e2eTimeout},
		posts: map[int64]int{}, deleted: map[int64]int{}, trimmed: make(chan struct{}), done: make(chan struct{})}
}

// start creates the event, live, with a first post and a summary.
func (w *chaosWriter) start() *liveblog.Event {
	w.t.Helper()
	var ev liveblog.Event
	if err := w.do("POST", "/api/v1/events", "", `{"slug":"chaos","title":"Chaos","state":"live","summary":{"points":["It begins"]}}`, &ev); err != nil {
		w.t.Fatal(err)
	}
	w.slug, w.evID, w.version = ev.Slug, ev.ID, ev.Version
	if err := w.publish(0); err != nil {
		w.t.Fatal(err)
	}
	return &ev
}

// chaosRing is the hub's ring of recent frames, a quarter of the default
// so that a short run has readers fall out of it (and catch up from the
// store, or be reset). trimEvery and trimKeep make the floor rise past the
// ring, so that readers who stay away are reset. maxLivePosts keeps the
// event a few pages long, so that reloading it stays cheap.
const (
	chaosRing    = stream.DefaultRingSize / 4
	trimEvery    = 40
	trimKeep     = 20
	maxLivePosts = 100
)

func (w *chaosWriter) run(ctx context.Context, ops int) error {
	for i := 1; i <= ops; i++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var err error
		switch n := w.rng.IntN(100); {
		case len(w.posts) < 3 || n < 35 && len(w.posts) < maxLivePosts:
			err = w.publish(i)
		case n < 35:
			err = w.delete()
		case n < 55:
			err = w.edit(i)
		case n < 67:
			err = w.pin()
		case n < 79:
			err = w.delete()
		case n < 85 && len(w.deleted) > 0:
			err = w.restore()
		default:
			err = w.summary(i)
		}
		if err != nil {
			return fmt.Errorf("op %d: %w", i, err)
		}
		if i%trimEvery == 0 {
			if err := w.trim(ctx, trimKeep); err != nil {
				return err
			}
		}
	}
	// A last trim lets readers who are away now come back to a reset.
	if err := w.trim(ctx, 10); err != nil {
		return err
	}
	w.finish(w.head.Load())
	return nil
}

func (w *chaosWriter) trim(ctx context.Context, keep int) error {
	if err := w.in.app.store.TrimChanges(ctx, w.evID, keep); err != nil {
		return err
	}
	b, err := w.in.app.store.FindChanges(ctx, liveblog.ChangeFilter{EventID: w.evID, Limit: 1, After: w.head.Load()})
	if err != nil {
		return err
	}
	w.head.Store(b.Head)
	w.floor.Store(b.Floor)
	w.mu.Lock()
	close(w.trimmed)
	w.trimmed = make(chan struct{})
	w.mu.Unlock()
	return nil
}

// finish records the final head and tells the readers.
func (w *chaosWriter) finish(head int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-w.done:
	default:
		w.finalPos = head
		close(w.done)
	}
}

// final returns the final head once the writer is done.
func (w *chaosWriter) final() (int64, bool) {
	select {
	case <-w.done:
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.finalPos, true
	default:
		return 0, false
	}
}

func (w *chaosWriter) nextTrim() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.trimmed
}

func (w *chaosWriter) pick(m map[int64]int) int64 {
	ids := slices.Sorted(maps.Keys(m))
	return ids[w.rng.IntN(len(ids))]
}

func (w *chaosWriter) postPath(id int64) string {
	return fmt.Sprintf("/api/v1/events/%s/posts/%d", w.slug, id)
}

func (w *chaosWriter) publish(i int) error {
	var p liveblog.Post
	body := fmt.Sprintf(`{"headline":"Chaos %d","key_event":%v,"blocks":[{"type":"paragraph","text":"Paragraph of post %d."}]}`, i, w.rng.IntN(5) == 0, i)
	if err := w.do("POST", "/api/v1/events/"+w.slug+"/posts", "", body, &p); err != nil {
		return err
	}
	w.posts[p.ID] = p.Version
	return nil
}

// withVersion sends a write of post id at the version the writer knows,
// and once more at the current one if a pin elsewhere moved it on.
func (w *chaosWriter) withVersion(id int64, versions map[int64]int, send func(version int) (*liveblog.Post, error)) (*liveblog.Post, error) {
	p, err := send(versions[id])
	var conflict *problemError
	if errors.As(err, &conflict) && conflict.CurrentVersion > 0 {
		p, err = send(conflict.CurrentVersion)
	}
	return p, err
}

func (w *chaosWriter) edit(i int) error {
	id := w.pick(w.posts)
	p, err := w.withVersion(id, w.posts, func(v int) (*liveblog.Post, error) {
		var p liveblog.Post
		return &p, w.do("PATCH", w.postPath(id), strconv.Quote(strconv.Itoa(v)), fmt.Sprintf(`{"headline":"Chaos %d, edited at %d"}`, id, i), &p)
	})
	if err != nil {
		return err
	}
	w.posts[id] = p.Version
	return nil
}

func (w *chaosWriter) pin() error {
	id := w.pick(w.posts)
	pin := id != w.pinned
	p, err := w.withVersion(id, w.posts, func(v int) (*liveblog.Post, error) {
		var p liveblog.Post
		return &p, w.do("PUT", w.postPath(id)+"/pin", "", fmt.Sprintf(`{"pinned":%v,"version":%d}`, pin, v), &p)
	})
	if err != nil {
		return err
	}
	w.posts[id] = p.Version
	if pin {
		if old, ok := w.posts[w.pinned]; ok && w.pinned != id {
			w.posts[w.pinned] = old + 1 // unpinned by the store
		}
		w.pinned = id
	} else {
		w.pinned = 0
	}
	return nil
}

func (w *chaosWriter) delete() error {
	id := w.pick(w.posts)
	p, err := w.withVersion(id, w.posts, func(v int) (*liveblog.Post, error) {
		var p liveblog.Post
		return &p, w.do("DELETE", w.postPath(id), strconv.Quote(strconv.Itoa(v)), "", &p)
	})
	if err != nil {
		return err
	}
	delete(w.posts, id)
	w.deleted[id] = p.Version
	if w.pinned == id {
		w.pinned = 0
	}
	return nil
}

func (w *chaosWriter) restore() error {
	id := w.pick(w.deleted)
	p, err := w.withVersion(id, w.deleted, func(v int) (*liveblog.Post, error) {
		var p liveblog.Post
		return &p, w.do("POST", w.postPath(id)+"/restore", strconv.Quote(strconv.Itoa(v)), "", &p)
	})
	if err != nil {
		return err
	}
	delete(w.deleted, id)
	w.posts[id] = p.Version
	return nil
}

func (w *chaosWriter) summary(i int) error {
	var ev liveblog.Event
	points := []string{fmt.Sprintf("Point made at %d", i)}
	if w.rng.IntN(2) == 0 {
		points = append(points, "A second point")
	}
	b, _ := json.Marshal(map[string]any{"points": points, "version": w.version})
	if err := w.do("PUT", "/api/v1/events/"+w.slug+"/summary", "", string(b), &ev); err != nil {
		return err
	}
	w.version = ev.Version
	return nil
}

// problemError is a refused API request.
type problemError struct {
	Status         int    `json:"status"`
	Detail         string `json:"detail"`
	CurrentVersion int    `json:"current_version"`
}

func (e *problemError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Detail) }

func (w *chaosWriter) do(method, path, ifMatch, body string, out any) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.in.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		p := &problemError{}
		json.Unmarshal(b, p)
		return fmt.Errorf("%s %s: %w", method, path, p)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return err
	}
	if head := eventHead(out); head > 0 {
		w.head.Store(max(w.head.Load(), head))
	}
	return nil
}

// eventHead returns the head an event response carries; posts carry none,
// so the writer's idea of the head comes from the store at each trim.
func eventHead(v any) int64 {
	if ev, ok := v.(*liveblog.Event); ok {
		return ev.Head
	}
	return 0
}

// state reads the event as the store holds it.
func (w *chaosWriter) state(t *testing.T) *model {
	t.Helper()
	ctx := t.Context()
	store := w.in.app.store
	ev, err := store.FindEventByID(ctx, w.evID)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel()
	m.head, m.summary = ev.Head, ev.Summary.Points
	var before *liveblog.Cursor
	for {
		posts, err := store.FindPosts(ctx, liveblog.PostFilter{EventID: w.evID, Limit: liveblog.MaxPageSize, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range posts {
			m.posts[p.ID] = postState{p.Version, p.Pinned}
		}
		if len(posts) < liveblog.MaxPageSize {
			return m
		}
		c := liveblog.CursorOf(posts[len(posts)-1])
		before = &c
	}
}

// chaosReader is one reader: a model of the event, a position in its feed,
// and the counts of what happened to its connections.
type chaosReader struct {
	id         int
	base, slug string
	http       *http.Client
	w          *chaosWriter
	rng        *rand.Rand

	model *model
	pos   int64
	leave float64 // the chance of dropping the connection after a frame

	reconnects, resets, reloads, stalls, gaps, dups int
}

// How often a reader leaves and stalls: about reconnectsPerReader times
// over the writer's run, and a stall every hundred frames.
const (
	reconnectsPerReader = 15
	chaosStall          = 0.01
	maxStall            = 200 * time.Millisecond
)

// errReset ends a connection that got a reset frame.
var errReset = errors.New("reset")

func (r *chaosReader) run(ctx context.Context) error {
	if err := r.reload(ctx, false); err != nil {
		return err
	}
	lastEventID := false
	for {
		err := r.follow(ctx, lastEventID)
		if err == nil {
			return nil // caught up with the writer's final head
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errReset) {
			// As reader.js does: reload the page, stream from its head.
			r.resets++
			if err := r.reload(ctx, false); err != nil {
				return err
			}
			lastEventID = false
			continue
		}
		if !errors.Is(err, errLeft) {
			return err
		}
		r.reconnects++
		lastEventID = true
		switch n := r.rng.IntN(10); {
		case n < 2:
			// A fresh page view: the state from the page or the polling
			// endpoint, the stream from there.
			if err := r.reload(ctx, n == 0); err != nil {
				return err
			}
			lastEventID = false
		case n < 4:
			// Away until the feed has been trimmed past this reader and the
			// ring has moved on, or the writer is done.
			for r.pos >= r.w.floor.Load() || r.w.head.Load()-r.pos <= chaosRing {
				select {
				case <-r.w.nextTrim():
				case <-r.w.done:
				case <-ctx.Done():
					return ctx.Err()
				}
				if _, done := r.w.final(); done {
					break
				}
			}
		}
	}
}

// errLeft ends a connection the reader dropped, or the server closed.
var errLeft = errors.New("left")

// follow opens the stream from the reader's position and applies frames
// until the reader leaves, is reset, or has everything the writer wrote
// (nil).
func (r *chaosReader) follow(ctx context.Context, lastEventID bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", r.base+"/live/"+r.slug+"/stream", nil)
	if err != nil {
		return err
	}
	if lastEventID {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(r.pos, 10))
	} else {
		req.URL.RawQuery = "after=" + strconv.FormatInt(r.pos, 10)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fmt.Errorf("stream: %d", resp.StatusCode)
	}
	// Unbuffered: while the reader stalls, nothing reads the socket.
	s := &sseStream{msgs: make(chan sseMessage)}
	go s.read(resp.Body)
	defer func() {
		cancel()
		resp.Body.Close()
		for range s.msgs {
		}
	}()
	done := r.w.done
	for {
		if head, ok := r.w.final(); ok && r.pos >= head {
			return nil
		}
		var m sseMessage
		var ok bool
		select {
		case m, ok = <-s.msgs:
		case <-done:
			done = nil // looked at once: the reader may be caught up already
			continue
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(e2eTimeout):
			return fmt.Errorf("no frame at %d within %v", r.pos, e2eTimeout)
		}
		if !ok {
			return errLeft // the server dropped a slow reader
		}
		if m.Comment {
			continue
		}
		if m.Event == "reset" {
			// Also in the middle of a stream: a burst bigger than the ring
			// is read from the store, which may have been trimmed.
			return errReset
		}
		seq, err := strconv.ParseInt(m.ID, 10, 64)
		if err != nil || m.Event != "change" {
			return fmt.Errorf("unexpected message %q", m.Raw)
		}
		switch {
		case seq > r.pos+1:
			r.gaps++
			return fmt.Errorf("gap: frame %d after %d", seq, r.pos)
		case seq <= r.pos:
			r.dups++
			return fmt.Errorf("duplicate: frame %d after %d", seq, r.pos)
		}
		if err := r.apply(m.Data); err != nil {
			return fmt.Errorf("frame %d: %w", seq, err)
		}
		r.pos = seq
		if _, done := r.w.final(); done {
			continue // no more chaos once the writer is done: converge
		}
		if r.rng.Float64() < chaosStall {
			r.stalls++
			select {
			case <-time.After(time.Duration(r.rng.Int64N(int64(maxStall)))): // the stall itself, not a synchronisation
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if r.rng.Float64() < r.leave {
			return errLeft
		}
	}
}

var (
	articleTag = regexp.MustCompile(`<article class="post([^"]*)" id="post-(\d+)" data-sort="[^"]*" data-version="(\d+)">`)
	summaryUL  = regexp.MustCompile(`(?s)<ul class="summary-points">(.*?)</ul>`)
	summaryLI  = regexp.MustCompile(`(?s)<li>(.*?)</li>`)
	olderLink  = regexp.MustCompile(`<a class="pager-older" rel="next" href="([^"]+)">`)
)

// frameData is the part of a frame's data the reader uses.
type chaosFrame struct {
	Kind     liveblog.ChangeKind `json:"kind"`
	PostID   int64               `json:"post_id"`
	HTML     string              `json:"html"`
	Pinned   bool                `json:"pinned"`
	Redacted bool                `json:"redacted"`
}

// apply changes the model as reader.js changes the page.
func (r *chaosReader) apply(data string) error {
	var f chaosFrame
	if err := json.Unmarshal([]byte(data), &f); err != nil {
		return err
	}
	switch f.Kind {
	case liveblog.ChangePostPublished, liveblog.ChangePostUpdated, liveblog.ChangePostPinned, liveblog.ChangePostUnpinned:
		if f.Redacted {
			return nil // deleted since; its post.deleted follows
		}
		m := articleTag.FindStringSubmatch(f.HTML)
		if m == nil || m[2] != strconv.FormatInt(f.PostID, 10) {
			return fmt.Errorf("%s of post %d without its article: %.200q", f.Kind, f.PostID, f.HTML)
		}
		v, _ := strconv.Atoi(m[3])
		r.model.put(f.PostID, postState{v, f.Pinned})
	case liveblog.ChangePostDeleted:
		delete(r.model.posts, f.PostID)
	case liveblog.ChangeSummary:
		r.model.summary = summaryPoints(f.HTML)
	}
	return nil
}

func summaryPoints(s string) []string {
	ul := summaryUL.FindStringSubmatch(s)
	if ul == nil {
		return nil
	}
	var points []string
	for _, li := range summaryLI.FindAllStringSubmatch(ul[1], -1) {
		points = append(points, html.UnescapeString(li[1]))
	}
	return points
}

// reload replaces the model with the event's current state: from the
// polling endpoint from 0 when fromChanges (a client without the page; it
// falls back to the page when the feed has been trimmed), else from the
// reader page and its older pages, positioned at the first page's head.
func (r *chaosReader) reload(ctx context.Context, fromChanges bool) error {
	r.reloads++
	if fromChanges {
		ok, err := r.reloadFromChanges(ctx)
		if ok || err != nil {
			return err
		}
	}
	r.model = newModel()
	next := "/live/" + r.slug
	first := true
	for next != "" {
		b, err := r.get(ctx, next)
		if err != nil {
			return err
		}
		page := string(b)
		if first {
			m := headAttr.FindStringSubmatch(page)
			if m == nil {
				return errors.New("page without data-head")
			}
			r.pos, _ = strconv.ParseInt(m[1], 10, 64)
			r.model.summary = summaryPoints(page)
			first = false
		}
		for _, m := range articleTag.FindAllStringSubmatch(page, -1) {
			id, _ := strconv.ParseInt(m[2], 10, 64)
			v, _ := strconv.Atoi(m[3])
			r.model.put(id, postState{v, strings.Contains(m[1], "is-pinned")})
		}
		next = ""
		if m := olderLink.FindStringSubmatch(page); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	return nil
}

// reloadFromChanges rebuilds the model from the whole feed; ok is false
// when the feed no longer starts at 1.
func (r *chaosReader) reloadFromChanges(ctx context.Context) (ok bool, err error) {
	m := newModel()
	var after int64
	for {
		b, err := r.get(ctx, fmt.Sprintf("/live/%s/changes?after=%d", r.slug, after))
		if err != nil {
			return false, err
		}
		var list struct {
			Head    int64              `json:"head"`
			Reset   bool               `json:"reset"`
			Changes []*liveblog.Change `json:"changes"`
		}
		if err := json.Unmarshal(b, &list); err != nil {
			return false, err
		}
		if list.Reset {
			return false, nil
		}
		for _, c := range list.Changes {
			if c.Seq != after+1 {
				r.gaps++
				return false, fmt.Errorf("changes: %d after %d", c.Seq, after)
			}
			after = c.Seq
			switch {
			case c.Kind == liveblog.ChangePostDeleted:
				delete(m.posts, c.PostID)
			case c.Post != nil:
				m.put(c.PostID, postState{c.Post.Version, c.Post.Pinned})
			case c.Kind == liveblog.ChangeSummary && c.Event != nil:
				m.summary = c.Event.Summary.Points
			}
		}
		if len(list.Changes) == 0 {
			break
		}
	}
	if m.summary == nil {
		// Before the first summary.updated the summary is the one the event
		// was created with; the page has it.
		b, err := r.get(ctx, "/live/"+r.slug)
		if err != nil {
			return false, err
		}
		m.summary = summaryPoints(string(b))
	}
	r.model, r.pos = m, after
	return true, nil
}

func (r *chaosReader) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", r.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return b, nil
}
