package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// TestStreamResponses covers what the stream route answers besides the
// stream itself (which the stream package's tests cover): its headers, HEAD,
// a malformed position, ended coverage, and a hub that is shutting down.
func TestStreamResponses(t *testing.T) {
	store := openStore(t, filepath.Join(t.TempDir(), "liveblog.db"))
	srv, hub := newServer(t, lbhttp.Config{}, store, nil)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	ev := seedEvent(t, store, "budget")
	seedPosts(t, store, ev, 2)

	// First, while no stream is open.
	t.Run("HeadHasNoBody", func(t *testing.T) {
		res := send(t, ts, http.MethodHead, "/live/budget/stream", "", "")
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/event-stream" || len(res.body) != 0 {
			t.Errorf("HEAD = %d %q with %d bytes, want 200 text/event-stream and no body", res.status, res.header.Get("Content-Type"), len(res.body))
		}
		if got := hub.Stats().Subscribers; got != 0 {
			t.Errorf("Subscribers = %d, want 0", got)
		}
	})

	t.Run("Headers", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/live/budget/stream", nil)
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status = %d, want 200", res.StatusCode)
		}
		for _, h := range [][2]string{
			{"Content-Type", "text/event-stream"},
			{"Cache-Control", "no-store"},
			{"X-Accel-Buffering", "no"},
		} {
			if got := res.Header.Get(h[0]); got != h[1] {
				t.Errorf("%s = %q, want %q", h[0], got, h[1])
			}
		}
	})

	t.Run("BadPosition", func(t *testing.T) {
		for _, tt := range []struct {
			name, query, lastEventID, field string
		}{
			{"NonNumeric", "", "abc", "Last-Event-ID"},
			{"Negative", "", "-1", "Last-Event-ID"},
			{"Huge", "", "99999999999999999999", "Last-Event-ID"},
			{"Fraction", "", "1.5", "Last-Event-ID"},
			{"Hex", "", "0x10", "Last-Event-ID"},
			{"AfterNonNumeric", "?after=x", "", "after"},
			{"AfterEmpty", "?after=", "", "after"},
			{"AfterPlusSign", "?after=%2B3", "", "after"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantProblem(t, get(t, ts, "/live/budget/stream"+tt.query, "Last-Event-ID", tt.lastEventID), http.StatusBadRequest, tt.field)
			})
		}
	})

	t.Run("EndedUpToDateGets204", func(t *testing.T) {
		ended := seedEvent(t, store, "ended")
		seedPosts(t, store, ended, 2)
		if _, err := store.ChangeEvent(t.Context(), liveblog.Write{}, ended.ID, liveblog.SetCoverage{State: liveblog.CoverageEnded, Version: ended.Version}); err != nil {
			t.Fatal(err)
		}
		if res := get(t, ts, "/live/ended/stream", "Last-Event-ID", "3"); res.status != http.StatusNoContent {
			t.Errorf("up to date: status = %d, want 204", res.status)
		}
		if res := get(t, ts, "/live/ended/stream"); res.status != http.StatusNoContent {
			t.Errorf("no position: status = %d, want 204", res.status)
		}
	})

	t.Run("ShutdownRefuses", func(t *testing.T) {
		if err := hub.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		res, err := ts.Client().Get(ts.URL + "/live/budget/stream")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		wantProblem(t, &response{status: res.StatusCode, header: res.Header, body: body}, http.StatusServiceUnavailable, "")
		// The hub's retry hint is 2s; a client waits at least that.
		if got := res.Header.Get("Retry-After"); got != "3" {
			t.Errorf("Retry-After = %q, want 3", got)
		}
	})
}
