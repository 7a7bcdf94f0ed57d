package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/metrics"
	"github.com/liveblog/liveblog/stream"
)

func TestEncoder(t *testing.T) {
	encode := func(*liveblog.Event, *liveblog.Change) ([]byte, error) { return []byte(`{}`), nil }
	ev := &liveblog.Event{ID: 1, Head: 10}
	change := func(seq int64) *liveblog.Change {
		return &liveblog.Change{EventID: 1, Seq: seq, Kind: liveblog.ChangePostPublished, PostID: seq, CreatedAt: time.Now().Add(-time.Second)}
	}

	t.Run("Live", func(t *testing.T) {
		m := metrics.New()
		enc := m.Encoder(encode)
		if _, err := enc(ev, change(11)); err != nil {
			t.Fatal(err)
		}
		if got := histogramCount(t, m, "liveblog_stream_delivery_lag_seconds"); got != 1 {
			t.Errorf("observations = %d, want 1", got)
		}
		if sum := histogramSum(t, m, "liveblog_stream_delivery_lag_seconds"); sum < 1 || sum > 60 {
			t.Errorf("lag = %vs, want about a second", sum)
		}
	})
	// Filling the ring for a first reader encodes changes up to the head the
	// hub holds: old news, not lag.
	t.Run("FillIsNotLag", func(t *testing.T) {
		m := metrics.New()
		enc := m.Encoder(encode)
		for seq := int64(1); seq <= ev.Head; seq++ {
			enc(ev, change(seq))
		}
		if got := histogramCount(t, m, "liveblog_stream_delivery_lag_seconds"); got != 0 {
			t.Errorf("observations = %d, want none", got)
		}
	})
	// A reader resuming from far back gets changes encoded again: each is
	// measured once, the first time.
	t.Run("ReplayIsNotLag", func(t *testing.T) {
		m := metrics.New()
		enc := m.Encoder(encode)
		enc(ev, change(11))
		enc(ev, change(12))
		enc(ev, change(11))
		enc(ev, change(12))
		if got := histogramCount(t, m, "liveblog_stream_delivery_lag_seconds"); got != 2 {
			t.Errorf("observations = %d, want 2", got)
		}
	})
	t.Run("EncoderError", func(t *testing.T) {
		m := metrics.New()
		want := errors.New("cannot render")
		_, err := m.Encoder(func(*liveblog.Event, *liveblog.Change) ([]byte, error) { return nil, want })(ev, change(11))
		if !errors.Is(err, want) {
			t.Errorf("err = %v, want the encoder's", err)
		}
	})
}

func TestCounters(t *testing.T) {
	m := metrics.New()
	var heard []int64
	a := m.Announcer(liveblog.AnnouncerFunc(func(_ context.Context, eventID, head int64) { heard = append(heard, head) }))
	a.Announce(context.Background(), 1, 5)
	a.Announce(context.Background(), 2, 7)
	if len(heard) != 2 || heard[0] != 5 || heard[1] != 7 {
		t.Errorf("passed on %v, want [5 7]", heard)
	}
	var got []liveblog.Announcement
	sub := m.Subscriber(func(an liveblog.Announcement) { got = append(got, an) })
	sub(liveblog.Announcement{EventID: 1, Head: 5})
	sub(liveblog.Announcement{Resync: true})
	if len(got) != 2 {
		t.Errorf("passed on %v, want both", got)
	}
	m.SchedulerRun(2, nil)
	m.SchedulerRun(0, nil)
	m.SchedulerRun(0, errors.New("database gone"))
	m.WatchHub(func() stream.Stats {
		return stream.Stats{Subscribers: 3, Events: 2, FramesEncoded: 40, ReadersDropped: 1, ResetsSent: 4}
	})
	m.WatchBroker(func() metrics.BrokerStats { return metrics.BrokerStats{Sent: 9, Reconnects: 1} })
	m.ObserveRequest("GET /live/{slug}", 200, 3*time.Millisecond)
	m.ObserveRequest("", 404, time.Millisecond)

	body := scrape(t, m)
	for _, want := range []string{
		"liveblog_store_announcements_total 2",
		`liveblog_broker_announcements_received_total{kind="head"} 1`,
		`liveblog_broker_announcements_received_total{kind="resync"} 1`,
		`liveblog_scheduler_runs_total{result="ok"} 2`,
		`liveblog_scheduler_runs_total{result="error"} 1`,
		"liveblog_scheduler_posts_published_total 2",
		"liveblog_stream_subscribers 3",
		"liveblog_stream_events 2",
		"liveblog_stream_frames_encoded_total 40",
		"liveblog_stream_readers_dropped_total 1",
		"liveblog_stream_resets_sent_total 4",
		"liveblog_nats_sent_total 9",
		"liveblog_nats_reconnects_total 1",
		`liveblog_http_request_duration_seconds_count{code="200",route="GET /live/{slug}"} 1`,
		`liveblog_http_request_duration_seconds_count{code="404",route="unmatched"} 1`,
		"liveblog_build_info{",
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// scrape reads the metrics as Prometheus does.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func histogramCount(t *testing.T, m *metrics.Metrics, name string) uint64 {
	t.Helper()
	h := histogram(t, m, name)
	return h.GetSampleCount()
}

func histogramSum(t *testing.T, m *metrics.Metrics, name string) float64 {
	t.Helper()
	return histogram(t, m, name).GetSampleSum()
}

// histogram returns the one histogram named name.
func histogram(t *testing.T, m *metrics.Metrics, name string) *dto.Histogram {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetHistogram()
		}
	}
	t.Fatalf("no histogram %s", name)
	return nil
}
