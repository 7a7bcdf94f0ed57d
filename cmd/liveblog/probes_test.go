package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestProbes asks a single-binary instance (SQLite, in-process broker) the
// questions a load balancer and Prometheus ask every node.
func TestProbes(t *testing.T) {
	in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}})
	n := &node{name: "single", url: in.url}

	t.Run("Healthz", func(t *testing.T) {
		if status, body := n.get(t, "/healthz"); status != http.StatusOK || !strings.Contains(body, `"ok"`) {
			t.Errorf("GET /healthz = %d %s, want 200 ok", status, body)
		}
	})
	t.Run("Readyz", func(t *testing.T) {
		status, body := n.get(t, "/readyz")
		var got struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("GET /readyz: %v: %s", err, body)
		}
		if status != http.StatusOK || got.Status != "ok" || got.Checks["database"] != "ok" || got.Checks["broker"] != "ok" {
			t.Errorf("GET /readyz = %d %s, want 200 with database and broker ok", status, body)
		}
	})
	t.Run("Metrics", func(t *testing.T) {
		n.get(t, "/live/nothing-here")
		for series, want := range map[string]float64{
			"liveblog_stream_subscribers": 0,
			`liveblog_http_request_duration_seconds_count{code="404",route="GET /live/{slug}"}`: 1,
			`liveblog_broker_announcements_received_total{kind="resync"}`:                       0,
		} {
			if got := n.metric(t, series); got != want {
				t.Errorf("%s = %v, want %v", series, got, want)
			}
		}
		if _, body := n.get(t, "/metrics"); !strings.Contains(body, "process_open_fds") {
			t.Error("metrics lack process_open_fds, which sizing a node depends on")
		}
	})
}
