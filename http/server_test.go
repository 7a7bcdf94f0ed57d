package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/sqlite"
	"github.com/liveblog/liveblog/stream"
	"github.com/liveblog/liveblog/web"
)

// testEnv is a server wired as cmd/liveblog wires it: a real SQLite store
// under t.TempDir, the real render engine and the real hub, announced to by
// the store.
type testEnv struct {
	ts     *httptest.Server
	srv    *lbhttp.Server
	store  *sqlite.Store
	token  string
	errors *errorLog
}

// newTestServer returns a running server, its store and an API token. The
// test fails if the server logs an error: no input a test sends may be
// answered with an internal error.
func newTestServer(t *testing.T) (*httptest.Server, *sqlite.Store, string) {
	t.Helper()
	env := newTestEnv(t, lbhttp.Config{})
	t.Cleanup(func() {
		if n := env.errors.count(); n > 0 {
			t.Errorf("server logged %d errors; want none", n)
		}
	})
	return env.ts, env.store, env.token
}

func newTestEnv(t *testing.T, cfg lbhttp.Config) *testEnv {
	t.Helper()
	store := openStore(t, filepath.Join(t.TempDir(), "liveblog.db"))
	errs := &errorLog{}
	logger := slog.New(errs.wrap(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv, _ := newServer(t, cfg, store, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	secret, hash := liveblog.NewTokenSecret()
	if err := store.CreateToken(context.Background(), liveblog.Write{}, &liveblog.Token{Name: "test desk", Hash: hash}); err != nil {
		t.Fatal(err)
	}
	return &testEnv{ts: ts, srv: srv, store: store, token: secret, errors: errs}
}

// openStore opens the SQLite database at path; several stores may share one
// file, as nodes share a database.
func openStore(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	return store
}

// newServer wires a server to store as cmd/liveblog does: the real render
// engine and the real hub, announced to by the store. The hub is shut down
// and the store closed when tb ends, after whatever tb set up later (such as
// an httptest.Server) has been cleaned up. A nil logger discards.
func newServer(tb testing.TB, cfg lbhttp.Config, store *sqlite.Store, logger *slog.Logger) (*lbhttp.Server, *stream.Hub) {
	tb.Helper()
	engine, err := render.New()
	if err != nil {
		tb.Fatal(err)
	}
	hub := stream.NewHub(store, engine.FrameData, stream.Config{}, logger)
	store.Announcer = hub
	tb.Cleanup(func() {
		hub.Shutdown(context.Background())
		store.Close()
	})
	return lbhttp.NewServer(cfg, store, hub, engine, logger), hub
}

// errorLog counts error-level records.
type errorLog struct {
	mu sync.Mutex
	n  int
}

func (l *errorLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (l *errorLog) wrap(h slog.Handler) slog.Handler { return &countingHandler{h, l} }

type countingHandler struct {
	slog.Handler
	log *errorLog
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.log.mu.Lock()
		h.log.n++
		h.log.mu.Unlock()
	}
	return h.Handler.Handle(ctx, r)
}

func (h *countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &countingHandler{h.Handler.WithAttrs(attrs), h.log}
}

func (h *countingHandler) WithGroup(name string) slog.Handler {
	return &countingHandler{h.Handler.WithGroup(name), h.log}
}

// response is a response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes a request. header holds name, value pairs (an empty value
// removes the header); a body, and any POST, PUT or PATCH, is sent as JSON
// unless header says otherwise.
func send(t *testing.T, ts *httptest.Server, method, path, token, body string, header ...string) *response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode >= 500 {
		t.Errorf("%s %s: status %d; no request in these tests may fail on the server: %s", method, path, res.StatusCode, b)
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

// get makes an unauthenticated GET.
func get(t *testing.T, ts *httptest.Server, path string, header ...string) *response {
	t.Helper()
	return send(t, ts, http.MethodGet, path, "", "", header...)
}

// problemDoc is what the server sends for an error.
type problemDoc struct {
	Type           string `json:"type"`
	Title          string `json:"title"`
	Status         int    `json:"status"`
	Detail         string `json:"detail"`
	Field          string `json:"field"`
	CurrentVersion int    `json:"current_version"`
	RequestID      string `json:"request_id"`
}

// wantProblem checks that res is an RFC 9457 problem with status, naming
// field ("" for none), and returns it.
func wantProblem(t *testing.T, res *response, status int, field string) problemDoc {
	t.Helper()
	if res.status != status {
		t.Errorf("status = %d, want %d (body %s)", res.status, status, res.body)
	}
	if got, want := res.header.Get("Content-Type"), "application/problem+json"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	var p problemDoc
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatalf("problem body %q: %v", res.body, err)
	}
	if p.Status != status {
		t.Errorf("problem status = %d, want %d", p.Status, status)
	}
	if p.Field != field {
		t.Errorf("problem field = %q, want %q (detail %q)", p.Field, field, p.Detail)
	}
	if !strings.HasPrefix(p.Type, lbhttp.ProblemTypeBase) || p.Title == "" || p.Detail == "" {
		t.Errorf("problem = %+v, want a type under %s, a title and a detail", p, lbhttp.ProblemTypeBase)
	}
	return p
}

// decode unmarshals a JSON response body.
func decode[T any](t *testing.T, res *response) T {
	t.Helper()
	var v T
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json (status %d, body %s)", ct, res.status, res.body)
	}
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatalf("decode %s: %v", res.body, err)
	}
	return v
}

// seedEvent stores a scheduled event.
func seedEvent(t *testing.T, store *sqlite.Store, slug string) *liveblog.Event {
	t.Helper()
	ev := &liveblog.Event{Slug: slug, Title: "Event " + slug}
	if err := store.CreateEvent(context.Background(), liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// baseTime is when seeded posts start: they are published a minute apart
// from it, so their order is known.
var baseTime = time.Date(2025, 2, 13, 9, 0, 0, 0, time.UTC)

// seedPosts publishes n posts headlined "Post 1" (the oldest) to "Post n".
func seedPosts(t *testing.T, store *sqlite.Store, ev *liveblog.Event, n int) []*liveblog.Post {
	t.Helper()
	var posts []*liveblog.Post
	for i := 1; i <= n; i++ {
		p := &liveblog.Post{
			EventID:     ev.ID,
			Headline:    fmt.Sprintf("Post %d", i),
			Blocks:      []liveblog.Block{liveblog.Plain(fmt.Sprintf("Body of post %d.", i))},
			KeyEvent:    i%5 == 0,
			PublishedAt: baseTime.Add(time.Duration(i) * time.Minute),
		}
		if err := store.CreatePost(context.Background(), liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		posts = append(posts, p)
	}
	return posts
}

// snapshot captures everything a write could touch in an event: the event,
// its posts in every status and its feed, so a test can tell that a refused
// write changed nothing.
func snapshot(t *testing.T, store *sqlite.Store, eventID int64) string {
	t.Helper()
	ctx := context.Background()
	ev, err := store.FindEventByID(ctx, eventID)
	if err != nil {
		t.Fatal(err)
	}
	posts, err := store.FindPosts(ctx, liveblog.PostFilter{EventID: eventID, Limit: liveblog.MaxPageSize,
		Statuses: []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished, liveblog.StatusDeleted}})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := store.FindChanges(ctx, liveblog.ChangeFilter{EventID: eventID})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal([]any{ev, posts, changes})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSecurityHeaders(t *testing.T) {
	ts, store, _ := newTestServer(t)
	seedEvent(t, store, "budget")
	for _, path := range []string{"/", "/live/budget", "/live/missing", "/healthz", "/api/v1/events", "/nowhere", web.AssetPath("reader.js")} {
		t.Run(path, func(t *testing.T) {
			res := get(t, ts, path)
			for name, want := range map[string]string{
				"Content-Security-Policy": lbhttp.ContentSecurityPolicy,
				"X-Content-Type-Options":  "nosniff",
			} {
				if got := res.header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			// Documents state their referrer policy themselves.
			if strings.HasPrefix(res.header.Get("Content-Type"), "text/html") &&
				!bytes.Contains(res.body, []byte(`<meta name="referrer" content="strict-origin-when-cross-origin">`)) {
				t.Error("page without its referrer policy")
			}
		})
	}
	if !strings.Contains(lbhttp.ContentSecurityPolicy, "script-src 'self';") || strings.Contains(lbhttp.ContentSecurityPolicy, "unsafe-inline") {
		t.Errorf("policy %q must allow only the site's own scripts", lbhttp.ContentSecurityPolicy)
	}
}

func TestRequestID(t *testing.T) {
	ts, store, _ := newTestServer(t)
	seedEvent(t, store, "budget")
	t.Run("Generated", func(t *testing.T) {
		a, b := get(t, ts, "/api/v1/events"), get(t, ts, "/desk/login")
		if a.header.Get("X-Request-Id") == "" || a.header.Get("X-Request-Id") == b.header.Get("X-Request-Id") {
			t.Errorf("ids %q and %q, want two different ids", a.header.Get("X-Request-Id"), b.header.Get("X-Request-Id"))
		}
	})
	t.Run("OnFailures", func(t *testing.T) {
		for _, path := range []string{"/live/missing", "/nowhere", "/live/budget?before=x", "/live/budget/stream?after=-1"} {
			if res := get(t, ts, path); res.status < 400 || res.header.Get("X-Request-Id") == "" {
				t.Errorf("%s: %d with X-Request-Id %q, want a failure with its id", path, res.status, res.header.Get("X-Request-Id"))
			}
		}
	})
	t.Run("NotOnPublicReads", func(t *testing.T) {
		for _, path := range []string{"/live/budget", "/live/budget/changes?after=0", "/healthz"} {
			if res := get(t, ts, path); res.status != http.StatusOK || res.header.Get("X-Request-Id") != "" {
				t.Errorf("%s: %d with X-Request-Id %q, want 200 without", path, res.status, res.header.Get("X-Request-Id"))
			}
		}
	})
	t.Run("FromProxy", func(t *testing.T) {
		res := get(t, ts, "/healthz", "X-Request-Id", "edge-42.a_b")
		if got, want := res.header.Get("X-Request-Id"), "edge-42.a_b"; got != want {
			t.Errorf("X-Request-Id = %q, want %q", got, want)
		}
	})
	t.Run("UnsafeFromProxy", func(t *testing.T) {
		res := get(t, ts, "/api/v1/events", "X-Request-Id", "a b\"c")
		if got := res.header.Get("X-Request-Id"); got == "" || got == "a b\"c" {
			t.Errorf("X-Request-Id = %q, want a fresh id", got)
		}
	})
	t.Run("InProblem", func(t *testing.T) {
		res := get(t, ts, "/api/v1/events")
		p := wantProblem(t, res, http.StatusUnauthorized, "")
		if p.RequestID != res.header.Get("X-Request-Id") {
			t.Errorf("problem request_id = %q, want %q", p.RequestID, res.header.Get("X-Request-Id"))
		}
	})
}

func TestUnrouted(t *testing.T) {
	ts, _, token := newTestServer(t)
	t.Run("PageNotFound", func(t *testing.T) {
		res := get(t, ts, "/no/such/page")
		if res.status != http.StatusNotFound || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			t.Errorf("got %d %q, want 404 text/html", res.status, res.header.Get("Content-Type"))
		}
	})
	t.Run("APINotFound", func(t *testing.T) {
		wantProblem(t, send(t, ts, "GET", "/api/v1/nothing", token, ""), http.StatusNotFound, "")
	})
	t.Run("APIMethodNotAllowed", func(t *testing.T) {
		res := send(t, ts, "DELETE", "/api/v1/events", token, "")
		wantProblem(t, res, http.StatusMethodNotAllowed, "")
		if got, want := res.header.Get("Allow"), "GET, HEAD, POST"; got != want {
			t.Errorf("Allow = %q, want %q", got, want)
		}
	})
	t.Run("PageMethodNotAllowed", func(t *testing.T) {
		res := send(t, ts, "POST", "/live/budget", "", "{}")
		if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("got %d Allow %q, want 405 Allow \"GET, HEAD\"", res.status, res.header.Get("Allow"))
		}
	})
}

func TestHealthz(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ts, _, _ := newTestServer(t)
		res := get(t, ts, "/healthz")
		if got := decode[map[string]string](t, res); res.status != http.StatusOK || got["status"] != "ok" {
			t.Errorf("got %d %v, want 200 status ok", res.status, got)
		}
	})
	// Liveness asks nothing of the database: an outage takes nodes out of
	// the load balancer through /readyz, and must not get them restarted.
	t.Run("StoreDown", func(t *testing.T) {
		env := newTestEnv(t, lbhttp.Config{})
		env.store.Close()
		res := get(t, env.ts, "/healthz")
		if got := decode[map[string]string](t, res); res.status != http.StatusOK || got["status"] != "ok" {
			t.Errorf("got %d %v, want 200 status ok", res.status, got)
		}
	})
}

func TestHTTPServer(t *testing.T) {
	env := newTestEnv(t, lbhttp.Config{})
	t.Run("Defaults", func(t *testing.T) {
		hs := env.srv.HTTPServer(":8080")
		if hs.Addr != ":8080" || hs.Handler == nil || hs.ErrorLog == nil {
			t.Errorf("server = %+v, want addr, handler and error log set", hs)
		}
		for name, got := range map[string]time.Duration{
			"ReadHeaderTimeout": hs.ReadHeaderTimeout, "ReadTimeout": hs.ReadTimeout,
			"WriteTimeout": hs.WriteTimeout, "IdleTimeout": hs.IdleTimeout,
		} {
			if got <= 0 {
				t.Errorf("%s = %v, want a timeout", name, got)
			}
		}
		if hs.ReadHeaderTimeout != lbhttp.DefaultReadHeaderTimeout || hs.WriteTimeout != lbhttp.DefaultWriteTimeout ||
			hs.MaxHeaderBytes != lbhttp.DefaultMaxHeaderBytes {
			t.Errorf("server = %+v, want the defaults", hs)
		}
	})
	t.Run("Configured", func(t *testing.T) {
		srv := lbhttp.NewServer(lbhttp.Config{ReadTimeout: time.Minute, IdleTimeout: time.Hour}, env.store, nil, nil, nil)
		hs := srv.HTTPServer("")
		if hs.ReadTimeout != time.Minute || hs.IdleTimeout != time.Hour || hs.ReadHeaderTimeout != lbhttp.DefaultReadHeaderTimeout {
			t.Errorf("timeouts %v %v %v, want 1m 1h and the default", hs.ReadTimeout, hs.IdleTimeout, hs.ReadHeaderTimeout)
		}
	})
}
