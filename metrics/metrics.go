// Package metrics is what an operator watches on a node, in the Prometheus
// text format at GET /metrics: open streams, announcements sent and heard,
// frames encoded, readers dropped, how long a change takes from its commit
// to its frame, request latency by route, and the scheduler's runs, besides
// the Go runtime's and the process's own (open files against their limit
// among them, which is what bounds the readers one node can hold).
//
// Each App has its own registry rather than Prometheus's global one, so
// that the nodes a test runs in one process keep their numbers apart. The
// package only observes: it wraps the functions the other parts already
// call (the store's Announcer, the hub's encoder, the broker's subscriber)
// and reads the counters they keep.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/stream"
)

// namespace starts every metric name, so that liveblog's are found among
// the others of a shared Prometheus.
const namespace = "liveblog"

// Buckets of the histograms, in seconds.
var (
	// RequestBuckets span a page served from memory (a millisecond) to one
	// that waited on a slow database (seconds).
	RequestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	// LagBuckets span a change announced at once (milliseconds) to one whose
	// announcement was lost and which the hub's safety poll found (up to
	// stream.DefaultPollInterval), and beyond, for a node in trouble.
	LagBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
)

// unmatchedRoute labels requests that no route took, so that scanners
// probing random paths add one series, not one per path.
const unmatchedRoute = "unmatched"

// Metrics holds a node's metrics and the registry that serves them.
type Metrics struct {
	reg *prometheus.Registry

	requests      *prometheus.HistogramVec
	observers     observerCache
	lag           prometheus.Histogram
	announced     prometheus.Counter
	heard         *prometheus.CounterVec
	schedulerRuns *prometheus.CounterVec
	scheduled     prometheus.Counter

	mu       sync.Mutex
	lastSeen map[int64]int64 // per event, the newest sequence whose lag was observed
}

// New returns a node's metrics, with the Go runtime and process collectors
// registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer a request, by route pattern and status code. A stream counts until it is handed to the hub.",
			Buckets: RequestBuckets,
		}, []string{"route", "code"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "stream", Name: "delivery_lag_seconds",
			Help: "Time from a change's commit (its created_at, on the writing node's clock) to its frame being " +
				"encoded for this node's readers, for post changes that arrive while the node serves the event.",
			Buckets: LagBuckets,
		}),
		announced: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "store", Name: "announcements_total",
			Help: "New heads announced after a commit on this node: one per event a write transaction changed.",
		}),
		heard: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "broker", Name: "announcements_received_total",
			Help: "Announcements delivered to this node's hub by the broker, by kind: head, or resync after the broker may have missed some.",
		}, []string{"kind"}),
		schedulerRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "scheduler", Name: "runs_total",
			Help: "Runs of the scheduler that publishes due posts, by result.",
		}, []string{"result"}),
		scheduled: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "scheduler", Name: "posts_published_total",
			Help: "Scheduled posts this node published when they fell due.",
		}),
		lastSeen: map[int64]int64{},
	}
	m.reg.MustRegister(m.requests, m.lag, m.announced, m.heard, m.schedulerRuns, m.scheduled,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "build_info",
			Help:        "The running release; always 1.",
			ConstLabels: prometheus.Labels{"version": liveblog.Version, "commit": liveblog.Commit},
		}, func() float64 { return 1 }),
	)
	// Series that a dashboard plots from the start are created at zero.
	m.heard.WithLabelValues("head")
	m.heard.WithLabelValues("resync")
	m.schedulerRuns.WithLabelValues("ok")
	m.schedulerRuns.WithLabelValues("error")
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry returns the registry, for tests and for collectors of other
// parts.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// WatchHub exports the counters stats reports, read at each scrape.
func (m *Metrics) WatchHub(stats func() stream.Stats) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "stream", Name: "subscribers",
			Help: "Open streams on this node.",
		}, func() float64 { return float64(stats().Subscribers) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "stream", Name: "events",
			Help: "Events with at least one open stream on this node.",
		}, func() float64 { return float64(stats().Events) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "stream", Name: "frames_encoded_total",
			Help: "Change frames encoded: once per change for every reader of the event on this node, plus replays from the store.",
		}, func() float64 { return float64(stats().FramesEncoded) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "stream", Name: "readers_dropped_total",
			Help: "Streams closed because the reader was too slow: it fell behind the ring or a write missed its deadline.",
		}, func() float64 { return float64(stats().ReadersDropped) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "stream", Name: "resets_sent_total",
			Help: "Reset frames sent to readers whose position the feed could not serve.",
		}, func() float64 { return float64(stats().ResetsSent) }),
	)
}

// BrokerStats are the counters of a broker that crosses the network.
type BrokerStats struct {
	Sent, Dropped, Received, Malformed, Resyncs, Reconnects uint64
}

// WatchBroker exports the counters stats reports, read at each scrape.
func (m *Metrics) WatchBroker(stats func() BrokerStats) {
	for _, c := range []struct {
		name, help string
		get        func(BrokerStats) uint64
	}{
		{"sent_total", "Announcements handed to the broker's connection.", func(s BrokerStats) uint64 { return s.Sent }},
		{"dropped_total", "Announcements the broker could not send; the hubs' safety poll covers them.", func(s BrokerStats) uint64 { return s.Dropped }},
		{"received_total", "Announcements the broker heard, this node's own included.", func(s BrokerStats) uint64 { return s.Received }},
		{"malformed_total", "Messages on the announcement subjects that were not announcements.", func(s BrokerStats) uint64 { return s.Malformed }},
		{"resyncs_total", "Resyncs the broker asked for after it may have missed announcements.", func(s BrokerStats) uint64 { return s.Resyncs }},
		{"reconnects_total", "Times the broker lost its connection and regained it.", func(s BrokerStats) uint64 { return s.Reconnects }},
	} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "nats", Name: c.name, Help: c.help,
		}, func() float64 { return float64(c.get(stats())) }))
	}
}

// Announcer returns an Announcer that counts each announcement and passes
// it on to next; the store is given it instead of the broker.
func (m *Metrics) Announcer(next liveblog.Announcer) liveblog.Announcer {
	return liveblog.AnnouncerFunc(func(ctx context.Context, eventID, head int64) {
		m.announced.Inc()
		next.Announce(ctx, eventID, head)
	})
}

// Subscriber returns a broker subscriber that counts each announcement and
// passes it on to next.
func (m *Metrics) Subscriber(next func(liveblog.Announcement)) func(liveblog.Announcement) {
	head, resync := m.heard.WithLabelValues("head"), m.heard.WithLabelValues("resync")
	return func(a liveblog.Announcement) {
		if a.Resync {
			resync.Inc()
		} else {
			head.Inc()
		}
		next(a)
	}
}

// Encoder returns the hub's frame encoder with the delivery lag observed:
// the time from a change's commit to its encoding, which is when the readers
// who are caught up get it. Only post changes beyond the event's head as the
// hub knew it count; the rest are fills and replays (docs/ARCHITECTURE.md).
func (m *Metrics) Encoder(next stream.EncodeFunc) stream.EncodeFunc {
	return func(ev *liveblog.Event, c *liveblog.Change) ([]byte, error) {
		data, err := next(ev, c)
		if ev != nil && c.Seq > ev.Head && m.firstSight(c.EventID, c.Seq) {
			m.lag.Observe(max(0, time.Since(c.CreatedAt).Seconds()))
		}
		return data, err
	}
}

// firstSight reports whether seq is newer than any change of the event whose
// lag was observed, and records it.
func (m *Metrics) firstSight(eventID, seq int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq <= m.lastSeen[eventID] {
		return false
	}
	m.lastSeen[eventID] = seq
	return true
}

// ObserveRequest records a request's latency under its route pattern ("GET
// /live/{slug}"); an empty route is a request no route took.
func (m *Metrics) ObserveRequest(route string, status int, elapsed time.Duration) {
	if route == "" {
		route = unmatchedRoute
	}
	m.observers.get(m.requests, route, status).Observe(elapsed.Seconds())
}

// observerCache keeps the series of each route and status once found:
// finding it by its label values hashes them every time, which costs a
// cached page more than the rest of its bookkeeping.
type observerCache struct {
	mu   sync.RWMutex
	seen map[routeStatus]prometheus.Observer
}

type routeStatus struct {
	route  string
	status int
}

func (c *observerCache) get(vec *prometheus.HistogramVec, route string, status int) prometheus.Observer {
	key := routeStatus{route, status}
	c.mu.RLock()
	o, ok := c.seen[key]
	c.mu.RUnlock()
	if ok {
		return o
	}
	o = vec.WithLabelValues(route, strconv.Itoa(status))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[routeStatus]prometheus.Observer)
	}
	c.seen[key] = o
	return o
}

// SchedulerRun records one run of the scheduler and the posts it
// published.
func (m *Metrics) SchedulerRun(published int, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.schedulerRuns.WithLabelValues(result).Inc()
	m.scheduled.Add(float64(published))
}
