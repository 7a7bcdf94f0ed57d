package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// syncBuffer is a log destination that handlers on several connections may
// write at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRecoverPanics runs panicking handlers inside the server's own
// middleware chain: no route of the real table panics on purpose.
func TestRecoverPanics(t *testing.T) {
	engine, err := render.New()
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	s := NewServer(Config{}, nil, nil, engine, slog.New(slog.NewJSONHandler(&logs, nil)))
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/late") {
			w.Write([]byte("half a page"))
			http.NewResponseController(w).Flush()
		}
		panic("secret internals")
	})
	ts := httptest.NewServer(withRequestID(withSecurityHeaders(s.logRequests(s.recoverPanics(inner)))))
	defer ts.Close()

	t.Run("Problem", func(t *testing.T) {
		res, err := http.Get(ts.URL + "/api/v1/events")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 500 || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("got %d %q, want 500 application/problem+json", res.StatusCode, res.Header.Get("Content-Type"))
		}
		var p problem
		if err := json.Unmarshal(body, &p); err != nil || p.Type != ProblemTypeBase+"internal" || p.RequestID != res.Header.Get("X-Request-Id") {
			t.Errorf("problem %s (%v), want an internal problem with the request id", body, err)
		}
		if bytes.Contains(body, []byte("secret")) {
			t.Errorf("body %s shows the panic to the client", body)
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Error("500 has no security headers")
		}
	})
	t.Run("Page", func(t *testing.T) {
		res, err := http.Get(ts.URL + "/live/budget")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 500 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("got %d %q, want a 500 page", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if bytes.Contains(body, []byte("secret")) {
			t.Errorf("page shows the panic to the reader")
		}
	})
	t.Run("AfterWriting", func(t *testing.T) {
		res, err := http.Get(ts.URL + "/live/budget/late")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if _, err := io.ReadAll(res.Body); err == nil {
			t.Error("a response cut short by a panic read as complete; want the connection aborted")
		}
	})
	t.Run("Logged", func(t *testing.T) {
		var panics int
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"msg":"handler panicked"`) {
				panics++
				if !strings.Contains(line, `"level":"ERROR"`) || !strings.Contains(line, "secret internals") || !strings.Contains(line, `"request_id"`) {
					t.Errorf("log line %s, want the panic at error level with its request id", line)
				}
			}
		}
		if panics != 3 {
			t.Errorf("%d panics logged, want 3", panics)
		}
	})
}

func TestProblemStatuses(t *testing.T) {
	for _, tt := range []struct {
		code   string
		status int
	}{
		{liveblog.EINVALID, 400},
		{liveblog.EUNAUTHORIZED, 401},
		{liveblog.EFORBIDDEN, 403},
		{liveblog.ENOTFOUND, 404},
		{liveblog.ECONFLICT, 409},
		{liveblog.EGONE, 410},
		{liveblog.ETOOLARGE, 413},
		{codeUnsupportedMediaType, 415},
		{codePreconditionRequired, 428},
		{liveblog.EINTERNAL, 500},
		{"no_such_code", 500},
	} {
		t.Run(tt.code, func(t *testing.T) {
			p := newProblem(&liveblog.Error{Code: tt.code, Message: "Message."}, "id")
			if p.Status != tt.status || p.Title == "" {
				t.Errorf("status %d title %q, want %d and a title", p.Status, p.Title, tt.status)
			}
		})
	}
	t.Run("InternalDetailHidden", func(t *testing.T) {
		p := newProblem(fmt.Errorf("find posts: %w", errors.New("disk I/O error at /var/lib/liveblog.db")), "id")
		if p.Status != 500 || strings.Contains(p.Detail, "disk") || p.Type != ProblemTypeBase+"internal" {
			t.Errorf("problem %+v, want a 500 that says nothing of the cause", p)
		}
	})
	t.Run("Conflict", func(t *testing.T) {
		p := newProblem(fmt.Errorf("update: %w", &liveblog.ConflictError{Current: 7, Got: 5}), "id")
		if p.Status != 409 || p.CurrentVersion != 7 || p.Field != "version" {
			t.Errorf("problem %+v, want 409 naming current version 7", p)
		}
	})
}

// TestRequestLog: a line per request is written at debug level only (serve
// --verbose), with what an operator looks for, and the same request id the
// client got.
func TestRequestLog(t *testing.T) {
	engine, err := render.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			var logs syncBuffer
			s := NewServer(Config{}, nil, nil, engine, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: level})))
			ts := httptest.NewServer(s.Handler())
			defer ts.Close()
			res, err := http.Get(ts.URL + "/nowhere/at/all")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			var line struct {
				Msg, Level, RequestID, Method, Path string
				Status, Bytes                       int
				Duration                            int64
			}
			var found int
			for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				if !strings.Contains(l, `"msg":"request"`) {
					continue
				}
				found++
				d := json.NewDecoder(strings.NewReader(strings.ReplaceAll(l, `"request_id"`, `"requestid"`)))
				if err := d.Decode(&line); err != nil {
					t.Fatalf("%s: %v", l, err)
				}
			}
			if level == slog.LevelInfo {
				if found != 0 {
					t.Errorf("a request line at info level: %s", logs.String())
				}
				return
			}
			if found != 1 {
				t.Fatalf("%d request lines, want 1: %s", found, logs.String())
			}
			if line.Level != "DEBUG" || line.Method != "GET" || line.Path != "/nowhere/at/all" || line.Status != 404 ||
				line.Bytes == 0 || line.Duration <= 0 || line.RequestID != res.Header.Get("X-Request-Id") {
				t.Errorf("request line %+v; want DEBUG GET /nowhere/at/all 404 with its size, duration and request id %q",
					line, res.Header.Get("X-Request-Id"))
			}
		})
	}
}
