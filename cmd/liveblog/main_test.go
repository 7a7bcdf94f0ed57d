package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/demo"
	"github.com/liveblog/liveblog/stream"
)

// e2eTimeout bounds every wait for the instance under test (a frame, a
// shutdown, a condition in the browser); it only matters when a test fails.
const e2eTimeout = 15 * time.Second

// TestServe runs the real instance: tokens from the command line, events and
// posts through the JSON API, changes through the stream, a graceful restart
// and a resume across it.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	first := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}})
	api := &apiClient{base: first.url, token: createToken(t, dir)}

	t.Run("NoToken", func(t *testing.T) {
		resp, err := http.Get(first.url + "/api/v1/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusUnauthorized; got != want {
			t.Errorf("status = %d, want %d", got, want)
		}
	})

	ev := api.createEvent(t, "e2e-serve")
	if got, want := ev.State, liveblog.CoverageLive; got != want {
		t.Fatalf("state = %s, want %s", got, want)
	}
	live := openStream(t, first.url, ev.Slug, "?after="+strconv.FormatInt(ev.Head, 10), "")
	seq := ev.Head

	t.Run("ConsecutiveIDs", func(t *testing.T) {
		for i := range 5 {
			p := api.createPost(t, ev.Slug, fmt.Sprintf("Post %d", i))
			seq++
			expectPostFrame(t, live, seq, liveblog.ChangePostPublished, p.ID)
		}
		p := api.createPost(t, ev.Slug, "Edited soon")
		seq++
		expectPostFrame(t, live, seq, liveblog.ChangePostPublished, p.ID)
		api.send(t, http.MethodPatch, postURL(ev.Slug, p.ID), p.Version, map[string]any{"headline": "Edited"}, http.StatusOK, nil)
		seq++
		f := expectPostFrame(t, live, seq, liveblog.ChangePostUpdated, p.ID)
		if !strings.Contains(f.HTML, ">Edited</a></h3>") {
			t.Errorf("post.updated html = %q, want the new headline", f.HTML)
		}
	})

	t.Run("ShutdownSaysRetry", func(t *testing.T) {
		if err := first.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
		m, ok := live.next(t)
		for ok && m.Comment {
			m, ok = live.next(t)
		}
		if !ok {
			t.Fatalf("stream closed without retry: (%v)", live.err())
		}
		// No id: the client keeps the last change's id for Last-Event-ID.
		// The delay is spread over [hint, 2×hint) so readers come back
		// staggered.
		ms, err := strconv.Atoi(m.Retry)
		hint := int(stream.DefaultRetryHint.Milliseconds())
		if err != nil || ms < hint || ms >= 2*hint || m.ID != "" || m.Event != "" || m.Data != "" {
			t.Fatalf("message after shutdown = %q, want only retry: in [%d, %d)", m.Raw, hint, 2*hint)
		}
		if m, ok := live.next(t); ok {
			t.Errorf("stream still open after retry:, got %q", m.Raw)
		}
	})

	t.Run("ResumeAfterRestart", func(t *testing.T) {
		second := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}})
		api.base = second.url
		// A hundred changes while the reader is away, on an instance whose
		// hub has never served this event: the resume reads them from the
		// store.
		var missed []int64
		for i := range 100 {
			missed = append(missed, api.createPost(t, ev.Slug, fmt.Sprintf("Missed %d", i)).ID)
		}
		resumed := openStream(t, second.url, ev.Slug, "", strconv.FormatInt(seq, 10))
		for _, id := range missed {
			seq++
			expectPostFrame(t, resumed, seq, liveblog.ChangePostPublished, id)
		}
		// The next frame is the next change: nothing was repeated or added
		// after the missed ones.
		p := api.createPost(t, ev.Slug, "Back live")
		seq++
		expectPostFrame(t, resumed, seq, liveblog.ChangePostPublished, p.ID)
	})
}

// TestDemo runs the demo: the seeded event is served and the newsroom keeps
// it moving.
func TestDemo(t *testing.T) {
	t.Run("NewsroomPublishes", func(t *testing.T) {
		in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}, Demo: true, NewsroomInterval: 20 * time.Millisecond})
		head := pageHead(t, in.url, demo.Slug)
		s := openStream(t, in.url, demo.Slug, "?after="+strconv.FormatInt(head, 10), "")
		for seq := head + 1; seq <= head+3; seq++ {
			f := expectFrame(t, s, seq)
			switch f.Kind {
			case liveblog.ChangePostPublished, liveblog.ChangePostUpdated, liveblog.ChangePostPinned,
				liveblog.ChangePostUnpinned, liveblog.ChangeSummary:
			default:
				t.Errorf("frame %d kind = %s, want a newsroom action", seq, f.Kind)
			}
		}
	})

	t.Run("Command", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, nil, io.Discard, pw)
			pw.Close()
		}()
		// The command tells the newcomer where to look; that line is the
		// contract the test reads the address from.
		found := make(chan string, 1)
		var log syncBuffer
		go func() {
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				log.WriteString(sc.Text() + "\n")
				if m := openLine.FindStringSubmatch(sc.Text()); m != nil {
					found <- m[1]
				}
			}
		}()
		var base string
		select {
		case base = <-found:
		case err := <-done:
			t.Fatalf("demo returned before serving: %v\n%s", err, log.String())
		case <-time.After(e2eTimeout):
			t.Fatalf("demo did not say where it serves\n%s", log.String())
		}
		if got, want := base, "/live/"+demo.Slug; !strings.HasSuffix(got, want) {
			t.Errorf("demo points at %s, want .../%s", got, want)
		}
		// Without --origin the demo's links are absolute with its own
		// address, so a shared link and a crawler's canonical work.
		if page := get(t, base); !strings.Contains(page, `<link rel="canonical" href="`+base+`">`) {
			t.Errorf("demo page has no canonical link to %s", base)
		}
		for _, path := range []string{"/live/" + demo.Slug, "/live/" + demo.EndedSlug, "/live/" + demo.ScheduledSlug, "/healthz"} {
			resp, err := http.Get(strings.TrimSuffix(base, "/live/"+demo.Slug) + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s = %d, want 200", path, resp.StatusCode)
			}
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo: %v", err)
			}
		case <-time.After(e2eTimeout):
			t.Fatal("demo did not stop")
		}
	})
}

func TestOrigin(t *testing.T) {
	t.Run("Serve", func(t *testing.T) {
		in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Origin: "https://live.example.com/"}, Demo: true})
		page := get(t, in.url+"/live/"+demo.Slug)
		for _, want := range []string{
			`<link rel="canonical" href="https://live.example.com/live/` + demo.Slug + `">`,
			`<meta property="og:url" content="https://live.example.com/live/` + demo.Slug + `">`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	})
	t.Run("RequiredBeyondLoopback", func(t *testing.T) {
		for _, args := range [][]string{
			{"--addr", "0.0.0.0:0"},
			{"--addr", ":0"},
			{"--addr", "[::]:0"},
			{"--addr", "127.0.0.1:0", "--behind-proxy"},
		} {
			err := run(t.Context(), append([]string{"serve", "--data", t.TempDir()}, args...), nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "needs --origin") {
				t.Errorf("serve %s: err = %v, want one saying it needs --origin", strings.Join(args, " "), err)
			}
		}
	})
	t.Run("LoopbackWithout", func(t *testing.T) {
		var log bytes.Buffer
		in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}, Demo: false,
			Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if res, err := http.Get(in.url + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("GET /healthz: %v, %v", res, err)
		} else {
			res.Body.Close()
		}
		// Another name for the machine is not the server's.
		req, _ := http.NewRequest("GET", in.url+"/healthz", nil)
		req.Host = "evil.example"
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("GET /healthz with Host evil.example: %v, %v; want 421", res, err)
		} else {
			res.Body.Close()
		}
		if log.Len() > 0 {
			t.Errorf("serving on loopback without --origin logged:\n%s", log.String())
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, origin := range []string{"live.example.com", "ftp://live.example.com", "https://", "https://live.example.com/news", "https://live.example.com/?a=1", "https://u:p@live.example.com"} {
			err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--origin", origin}, nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "--origin") {
				t.Errorf("serve --origin %q: err = %v, want one naming --origin", origin, err)
			}
		}
	})
}

var openLine = regexp.MustCompile(`open (http://\S+) in a browser`)

// instance is an App serving in the background for one test.
type instance struct {
	app  *App
	url  string
	once sync.Once
	stop func() error
}

// startApp opens and serves app, and stops it when the test ends.
func startApp(t *testing.T, app *App) *instance {
	t.Helper()
	if app.Logger == nil {
		// Warnings and errors only: a failing test shows why, a passing one
		// stays quiet.
		app.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := app.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx) }()
	in := &instance{app: app, url: app.URL()}
	var err error
	in.stop = func() error {
		in.once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(ShutdownTimeout + e2eTimeout):
				err = errors.New("Serve did not return after its context ended")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := in.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return in
}

// createToken makes an API token with the real command, as an operator
// would, and returns the secret it prints.
func createToken(t *testing.T, dir string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"token", "create", "--name", "e2e", "--data", dir}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("token create: %v\n%s", err, stderr.String())
	}
	token := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(token, "lb_") || strings.ContainsAny(token, " \n") {
		t.Fatalf("token create printed %q, want one lb_ token", stdout.String())
	}
	if !strings.Contains(stderr.String(), "shown once") {
		t.Errorf("token create did not warn that the token is shown once: %q", stderr.String())
	}
	return token
}

// apiClient publishes through the JSON API with a bearer token.
type apiClient struct {
	base, token string
}

// send makes an API request and decodes a response of the wanted status
// into out. version, when positive, goes in If-Match.
func (c *apiClient) send(t *testing.T, method, path string, version int, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if version > 0 {
		req.Header.Set("If-Match", strconv.Quote(strconv.Itoa(version)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// createEvent creates a live event.
func (c *apiClient) createEvent(t *testing.T, slug string) *liveblog.Event {
	t.Helper()
	var ev liveblog.Event
	c.send(t, http.MethodPost, "/api/v1/events", 0, map[string]any{
		"slug": slug, "title": "End to end: " + slug, "description": "A test event.", "state": "live",
	}, http.StatusCreated, &ev)
	return &ev
}

// createPost publishes a post with a headline and two paragraphs, long
// enough that a page of them scrolls.
func (c *apiClient) createPost(t *testing.T, slug, headline string) *liveblog.Post {
	t.Helper()
	var p liveblog.Post
	c.send(t, http.MethodPost, "/api/v1/events/"+slug+"/posts", 0, map[string]any{
		"headline": headline,
		"blocks": []map[string]any{
			{"type": "paragraph", "text": "The first paragraph of " + headline + ", which says what happened."},
			{"type": "paragraph", "text": "A second paragraph with the detail a reader scrolls for."},
		},
	}, http.StatusCreated, &p)
	return &p
}

func postURL(slug string, id int64) string {
	return "/api/v1/events/" + slug + "/posts/" + strconv.FormatInt(id, 10)
}

var headAttr = regexp.MustCompile(`data-head="(\d+)"`)

// pageHead reads the feed position a reader page was rendered at.
func pageHead(t *testing.T, base, slug string) int64 {
	t.Helper()
	m := headAttr.FindStringSubmatch(get(t, base+"/live/"+slug))
	if m == nil {
		t.Fatalf("GET /live/%s: no data-head", slug)
	}
	head, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return head
}

// sseMessage is one message of an event stream as a client parses it; a
// comment line is a message of its own.
type sseMessage struct {
	ID, Event, Data, Retry string
	Comment                bool
	Raw                    string
}

// sseStream reads an event stream with a plain HTTP client, as a program
// without EventSource would.
type sseStream struct {
	msgs chan sseMessage
	mu   sync.Mutex
	rerr error
}

// openStream opens the stream of an event with a query ("?after=N") and a
// Last-Event-ID, either of which may be empty, and closes it when the test
// ends.
func openStream(t *testing.T, base, slug, query, lastEventID string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/live/"+slug+"/stream"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		cancel()
		t.Fatalf("stream: status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{msgs: make(chan sseMessage, 256)}
	go s.read(resp.Body)
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	return s
}

func (s *sseStream) read(body io.Reader) {
	defer close(s.msgs)
	sc := bufio.NewScanner(body)
	sc.Buffer(nil, 1<<20)
	var m sseMessage
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if m.Raw != "" {
				s.msgs <- m
			}
			m = sseMessage{}
			continue
		case strings.HasPrefix(line, ":"):
			s.msgs <- sseMessage{Comment: true, Raw: line}
			continue
		}
		m.Raw += line + "\n"
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			m.ID = value
		case "event":
			m.Event = value
		case "data":
			if m.Data != "" {
				m.Data += "\n"
			}
			m.Data += value
		case "retry":
			m.Retry = value
		}
	}
	s.mu.Lock()
	s.rerr = sc.Err()
	s.mu.Unlock()
}

func (s *sseStream) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rerr
}

// next returns the next message, or false when the stream has ended.
func (s *sseStream) next(t *testing.T) (sseMessage, bool) {
	t.Helper()
	select {
	case m, ok := <-s.msgs:
		return m, ok
	case <-time.After(e2eTimeout):
		t.Fatalf("no message within %v", e2eTimeout)
		return sseMessage{}, false
	}
}

// frameData is the part of a change frame's data the tests look at.
type frameData struct {
	Seq    int64               `json:"seq"`
	Kind   liveblog.ChangeKind `json:"kind"`
	PostID int64               `json:"post_id"`
	HTML   string              `json:"html"`
}

// expectFrame reads past heartbeats to the next change frame and checks that
// it is change seq.
func expectFrame(t *testing.T, s *sseStream, seq int64) frameData {
	t.Helper()
	m, ok := s.next(t)
	for ok && m.Comment {
		m, ok = s.next(t)
	}
	if !ok {
		t.Fatalf("stream ended waiting for change %d (%v)", seq, s.err())
	}
	if m.Event != "change" || m.ID != strconv.FormatInt(seq, 10) {
		t.Fatalf("got %q, want change %d", m.Raw, seq)
	}
	var f frameData
	if err := json.Unmarshal([]byte(m.Data), &f); err != nil {
		t.Fatalf("frame %d: %v", seq, err)
	}
	if f.Seq != seq {
		t.Fatalf("frame id %d carries seq %d", seq, f.Seq)
	}
	return f
}

func expectPostFrame(t *testing.T, s *sseStream, seq int64, kind liveblog.ChangeKind, postID int64) frameData {
	t.Helper()
	f := expectFrame(t, s, seq)
	if f.Kind != kind || f.PostID != postID {
		t.Fatalf("frame %d is %s of post %d, want %s of post %d", seq, f.Kind, f.PostID, kind, postID)
	}
	if f.HTML == "" && kind != liveblog.ChangePostDeleted {
		t.Errorf("frame %d has no html", seq)
	}
	return f
}

// syncBuffer is a buffer that a command's output goroutine writes while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.WriteString(s)
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testSeed returns the seed a randomised test runs with: the variable
// name's, to repeat a run, else a new one.
func testSeed(t *testing.T, name string) uint64 {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return uint64(time.Now().UnixNano())
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return seed
}

// get returns the body of a GET of url that must answer 200.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	return string(b)
}

func TestLogBuffer(t *testing.T) {
	var out syncBuffer
	logs := newLogBuffer(&out)
	logger := slog.New(flushingHandler{slog.NewTextHandler(logs, nil), logs})
	logger.Info("request", "path", "/live/a")
	if out.String() != "" {
		t.Fatalf("an info line was written at once: %q", out.String())
	}
	logger.Warn("slow store")
	if got := out.String(); !strings.Contains(got, "/live/a") || !strings.Contains(got, "slow store") {
		t.Fatalf("a warning did not write itself and the lines before it: %q", got)
	}
	logger.Info("request", "path", "/live/b")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "/live/b") {
		if time.Now().After(deadline) {
			t.Fatalf("an info line was not written within %v", logFlushInterval)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stallingWriter blocks every write until released.
type stallingWriter struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	out     bytes.Buffer
}

func (w *stallingWriter) Write(p []byte) (int, error) {
	select {
	case w.entered <- struct{}{}:
	default:
	}
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}

func TestLogBufferStalledDestination(t *testing.T) {
	dst := &stallingWriter{entered: make(chan struct{}, 1), release: make(chan struct{})}
	logs := newLogBuffer(dst)
	logs.Write([]byte("line 0\n"))
	flushed := make(chan error, 1)
	go func() { flushed <- logs.Flush() }()
	<-dst.entered // the batch is stuck in the destination

	// While that batch is stuck, requests keep logging without waiting.
	wrote := make(chan struct{})
	go func() {
		for i := 1; i <= 100; i++ {
			fmt.Fprintf(logs, "line %d\n", i)
		}
		close(wrote)
	}()
	select {
	case <-wrote:
	case <-time.After(5 * time.Second):
		t.Fatal("logging waited for a stalled destination")
	}
	close(dst.release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if err := logs.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(dst.out.String(), "\n"), "\n")
	if len(lines) != 101 {
		t.Fatalf("got %d lines, want 101", len(lines))
	}
	for i, l := range lines {
		if l != fmt.Sprintf("line %d", i) {
			t.Fatalf("line %d is %q: lines lost or out of order", i, l)
		}
	}
}

func TestWorkMemoryFlag(t *testing.T) {
	err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--work-memory", "-5"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--work-memory") {
		t.Errorf("--work-memory -5: err = %v, want one naming --work-memory", err)
	}
	t.Setenv("LIVEBLOG_WORK_MEMORY", "lots")
	err = run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "LIVEBLOG_WORK_MEMORY") {
		t.Errorf("LIVEBLOG_WORK_MEMORY=lots: err = %v, want one naming it", err)
	}
}

func TestLanguageFlag(t *testing.T) {
	err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--language", "not a language"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--language") {
		t.Errorf("--language 'not a language': err = %v, want one naming --language", err)
	}
	t.Setenv("LIVEBLOG_LANGUAGE", "und")
	err = run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "LIVEBLOG_LANGUAGE") {
		t.Errorf("LIVEBLOG_LANGUAGE=und: err = %v, want one naming it", err)
	}
}
