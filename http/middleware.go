package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/liveblog/liveblog"
)

// ContentSecurityPolicy is sent with every response. Pages load only this
// instance's script and stylesheet, never inline code; images may come from
// any https host because posts embed agency photos; the stream and the
// changes endpoint are same-origin; frames come only from the embed
// providers' hosts (liveblog.FrameHosts), loaded once a reader consents;
// and no other site may frame a page.
var ContentSecurityPolicy = "default-src 'self'; img-src 'self' https: data:; script-src 'self'; " +
	"style-src 'self'; connect-src 'self'; frame-src 'self' " + strings.Join(liveblog.FrameHosts(), " ") + "; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// requestInfo travels in a request's context. Middleware creates it and the
// handler adapters fill it in, so that the outer layers (panic recovery, the
// access log) know how to answer and what to log.
type requestInfo struct {
	id     string
	format errorFormat
	// tagAlways: every response carries X-Request-Id, not only failures.
	tagAlways bool
}

type contextKey int

const (
	infoKey contextKey = iota
	tokenKey
)

// infoOf returns the request's info, or a fresh one for a context that did
// not pass through the middleware.
func infoOf(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(infoKey).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// maxRequestIDLength bounds an id taken from a proxy's X-Request-Id header,
// which otherwise flows unchecked into every log line.
const maxRequestIDLength = 64

// withRequestID gives each request an id, logged with every line about it;
// one set by a proxy in front is kept, so that a request has one id in both
// logs. The id is sent in X-Request-Id with every failure and every answer of
// the API and the desk, whose users may quote it, but not with a public read
// that succeeded: a header more on every cached page is not worth it.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		fromProxy := validRequestID(id)
		if !fromProxy {
			id = newRequestID()
		}
		api := strings.HasPrefix(r.URL.Path, "/api/")
		info := &requestInfo{id: id, format: formatPage}
		if api {
			info.format = formatProblem
		}
		if fromProxy || api || strings.HasPrefix(r.URL.Path, "/desk/") {
			info.tagAlways = true
			w.Header()["X-Request-Id"] = []string{id}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey, info)))
	})
}

// Request ids need to be unique, not secret: a random prefix chosen when
// the process starts and a counter, which costs a fraction of reading the
// system's random source for every request.
var requestIDs = struct {
	prefix uint32
	count  atomic.Uint32
}{prefix: randomUint32()}

func newRequestID() string {
	var b [16]byte
	writeHex(b[:8], requestIDs.prefix)
	writeHex(b[8:], requestIDs.count.Add(1))
	return string(b[:])
}

func writeHex(dst []byte, v uint32) {
	const digits = "0123456789abcdef"
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = digits[v&0xf]
		v >>= 4
	}
}

func randomUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// randomID is a random identifier of n bytes, in hex, where an id must be
// unique across nodes and restarts.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

var (
	contentSecurityPolicy = []string{ContentSecurityPolicy}
	noSniff               = []string{"nosniff"}
)

// withSecurityHeaders sets the headers every response carries, errors and
// static files included. The referrer policy is not among them: it governs
// only what documents send, so every page states it in its head (a meta
// element), and it is the browsers' default anyway.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Shared values, assigned under their canonical names: Header.Set
		// would allocate for every request.
		h := w.Header()
		h["Content-Security-Policy"] = contentSecurityPolicy
		h["X-Content-Type-Options"] = noSniff
		next.ServeHTTP(w, r)
	})
}

// responseRecorder remembers the status and size of a response for the
// access log, and whether it has started, so that a late failure does not
// try to send a second status. Unwrap lets http.ResponseController reach the
// connection, which the stream needs for its write deadlines and flushes.
type responseRecorder struct {
	http.ResponseWriter
	info   *requestInfo
	status int
	bytes  int64
}

func (rw *responseRecorder) WriteHeader(status int) {
	if rw.status == 0 && status >= 200 {
		rw.status = status
		if status >= 400 && !rw.info.tagAlways {
			rw.Header()["X-Request-Id"] = []string{rw.info.id}
		}
	}
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *responseRecorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Flush lets code that asserts http.Flusher, rather than using a
// ResponseController, flush through the recorder.
func (rw *responseRecorder) Flush() {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	http.NewResponseController(rw.ResponseWriter).Flush()
}

func (rw *responseRecorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// logRequests tells the metrics of every request when it ends (for a stream,
// when the reader leaves) under the route pattern the mux matched, and logs
// a line about it at debug level (serve --verbose): at a breaking story's
// audience a line per request would cost more than a cached page does.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &responseRecorder{ResponseWriter: w, info: infoOf(r.Context())}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			if s.cfg.ObserveRequest != nil {
				route := r.Pattern
				if route == unrouted {
					route = ""
				}
				s.cfg.ObserveRequest(route, status, elapsed)
			}
			ctx := r.Context()
			if !s.logger.Enabled(ctx, slog.LevelDebug) {
				return
			}
			// A record made here rather than through Logger.LogAttrs, which
			// would walk the stack for a source position this line never
			// shows: a tenth of the cost of logging a request.
			line := slog.NewRecord(start.Add(elapsed), slog.LevelDebug, "request", 0)
			line.AddAttrs(
				slog.String("request_id", rec.info.id),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", elapsed),
			)
			s.logger.Handler().Handle(ctx, line)
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanics turns a panic in a handler into a 500, logged with its stack,
// so that one bad request never takes the process down. When the response
// has already started the connection is aborted instead, so the client sees
// a broken response rather than a truncated one that looks whole.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*responseRecorder)
		if !ok {
			rec = &responseRecorder{ResponseWriter: w, info: infoOf(r.Context())}
			w = rec
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v", v)
			s.logger.ErrorContext(r.Context(), "handler panicked",
				"request_id", infoOf(r.Context()).id, "method", r.Method, "path", r.URL.Path,
				"err", err, "stack", string(debug.Stack()))
			if rec.status != 0 {
				panic(http.ErrAbortHandler)
			}
			s.answer(w, r, &liveblog.Error{Code: liveblog.EINTERNAL, Message: "panic"})
		}()
		next.ServeHTTP(w, r)
	})
}
