package http_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	lbhttp "github.com/liveblog/liveblog/http"
)

// readiness is the body of GET /readyz.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func TestReadyz(t *testing.T) {
	up := lbhttp.ReadyCheck{Name: "broker", Ping: func(context.Context) error { return nil }}
	down := lbhttp.ReadyCheck{Name: "broker", Ping: func(context.Context) error { return errors.New("nats: not connected to 10.0.0.7:4222") }}

	t.Run("OK", func(t *testing.T) {
		env := newTestEnv(t, lbhttp.Config{ReadyChecks: []lbhttp.ReadyCheck{up}})
		res := get(t, env.ts, "/readyz")
		got := decode[readiness](t, res)
		if res.status != http.StatusOK || got.Status != "ok" || got.Checks["database"] != "ok" || got.Checks["broker"] != "ok" {
			t.Errorf("got %d %+v, want 200 with database and broker ok", res.status, got)
		}
		if cc := res.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
	})

	t.Run("StoreDown", func(t *testing.T) {
		env := newTestEnv(t, lbhttp.Config{ReadyChecks: []lbhttp.ReadyCheck{up}})
		env.store.Close()
		res := probe(t, env.ts)
		got := decode[readiness](t, res)
		if res.status != http.StatusServiceUnavailable || got.Status != "unavailable" ||
			got.Checks["database"] != "not answering" || got.Checks["broker"] != "ok" {
			t.Errorf("got %d %+v, want 503 naming the database alone", res.status, got)
		}
		if env.errors.count() == 0 {
			t.Error("a failed readiness check was not logged as an error")
		}
	})

	t.Run("BrokerDown", func(t *testing.T) {
		env := newTestEnv(t, lbhttp.Config{ReadyChecks: []lbhttp.ReadyCheck{down}})
		res := probe(t, env.ts)
		got := decode[readiness](t, res)
		if res.status != http.StatusServiceUnavailable || got.Checks["broker"] != "not answering" || got.Checks["database"] != "ok" {
			t.Errorf("got %d %+v, want 503 naming the broker alone", res.status, got)
		}
		// The detail is for the operator's log, not for whoever can
		// reach the probe.
		if body := string(res.body); strings.Contains(body, "10.0.0.7") {
			t.Errorf("body %s shows the broker's error", body)
		}
	})

	// A dependency that hangs (a half-open connection) fails the probe
	// within the timeout instead of holding it. The timeout leaves the
	// database's ping room under the race detector on a loaded machine.
	t.Run("Timeout", func(t *testing.T) {
		hang := lbhttp.ReadyCheck{Name: "broker", Ping: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}}
		env := newTestEnv(t, lbhttp.Config{ReadyChecks: []lbhttp.ReadyCheck{hang}, ReadyTimeout: time.Second})
		res := probe(t, env.ts)
		got := decode[readiness](t, res)
		if res.status != http.StatusServiceUnavailable || got.Checks["broker"] != "not answering" || got.Checks["database"] != "ok" {
			t.Errorf("got %d %+v, want 503 naming the broker", res.status, got)
		}
	})
}

// probe asks GET /readyz, which may answer 503 (get fails a test on any
// status from 500).
func probe(t *testing.T, ts *httptest.Server) *response {
	t.Helper()
	res, err := ts.Client().Get(ts.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

func TestMetricsRoute(t *testing.T) {
	t.Run("Served", func(t *testing.T) {
		metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("liveblog_up 1\n")) })
		env := newTestEnv(t, lbhttp.Config{Metrics: metrics})
		if res := get(t, env.ts, "/metrics"); res.status != http.StatusOK || string(res.body) != "liveblog_up 1\n" {
			t.Errorf("got %d %q, want the metrics handler's answer", res.status, res.body)
		}
	})
	t.Run("ErrNotConfigured", func(t *testing.T) {
		env := newTestEnv(t, lbhttp.Config{})
		if res := get(t, env.ts, "/metrics"); res.status != http.StatusNotFound {
			t.Errorf("status = %d, want 404", res.status)
		}
	})
}

func TestObserveRequest(t *testing.T) {
	type seen struct {
		route  string
		status int
	}
	var mu sync.Mutex
	var got []seen
	env := newTestEnv(t, lbhttp.Config{ObserveRequest: func(route string, status int, elapsed time.Duration) {
		if elapsed <= 0 {
			t.Errorf("%s took %v", route, elapsed)
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, seen{route, status})
	}})
	seedEvent(t, env.store, "budget")
	for _, path := range []string{"/live/budget", "/live/missing", "/nowhere/at/all", "/healthz"} {
		get(t, env.ts, path)
	}
	want := []seen{
		{"GET /live/{slug}", http.StatusOK},
		{"GET /live/{slug}", http.StatusNotFound},
		{"", http.StatusNotFound},
		{"GET /healthz", http.StatusOK},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d observed as %+v, want %+v", i, got[i], want[i])
		}
	}
}
