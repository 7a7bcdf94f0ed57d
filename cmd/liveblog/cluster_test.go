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
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/liveblog/liveblog"
)

// TestCluster runs an instance of three nodes on one PostgreSQL database and
// one NATS server, as a newsroom that has outgrown one machine does, and
// checks what readers see when things go wrong: a node dies under its
// readers, NATS restarts. Every reader must end with every change exactly
// once, in order, up to the head.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three nodes; run without -short")
	}
	dsn := freshDatabase(t)
	ns := startNATS(t, server.RANDOM_PORT)
	natsPort := ns.Addr().(*net.TCPAddr).Port
	subject := fmt.Sprintf("liveblogtest.cluster%d", rand.Uint32())
	var nodes [3]*node
	for i := range nodes {
		nodes[i] = startNode(t, fmt.Sprintf("node%d", i+1), Config{
			Addr: "127.0.0.1:0", DataDir: t.TempDir(), Database: dsn, NATS: ns.ClientURL(), NATSSubject: subject,
		})
	}
	n1, n2, n3 := nodes[0], nodes[1], nodes[2]

	// The operator's token, made with the command against the shared
	// database: any node accepts it.
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"token", "create", "--name", "cluster", "--database", dsn}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("token create: %v\n%s", err, stderr.String())
	}
	api := &apiClient{base: n1.url, token: strings.TrimSpace(stdout.String())}
	ev := api.createEvent(t, "cluster")
	head := func() int64 {
		t.Helper()
		var e liveblog.Event
		api.send(t, http.MethodGet, "/api/v1/events/"+ev.Slug, 0, nil, http.StatusOK, &e)
		return e.Head
	}
	publish := func(via *node, n int) {
		t.Helper()
		c := *api
		c.base = via.url
		for i := range n {
			c.createPost(t, ev.Slug, fmt.Sprintf("From %s, %d", via.name, i))
		}
	}

	r3 := startReader(t, "r3", ev.Slug, ev.Head, n3, n1)

	t.Run("PublishedOnOneNodeReadOnAnother", func(t *testing.T) {
		p := api.createPost(t, ev.Slug, "Published on node 1")
		r3.waitFor(t, ev.Head+1)
		if f := r3.frame(ev.Head + 1); f.Kind != liveblog.ChangePostPublished || f.PostID != p.ID || f.Node != n3.name {
			t.Errorf("reader on node 3 got %+v, want post.published of post %d from node3", f, p.ID)
		}
	})

	// Every node's scheduler runs every second; the post is published
	// once all the same.
	t.Run("ScheduledPostPublishedOnce", func(t *testing.T) {
		var p liveblog.Post
		api.send(t, http.MethodPost, "/api/v1/events/"+ev.Slug+"/posts", 0, map[string]any{
			"headline": "Scheduled", "status": "scheduled", "scheduled_at": time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano),
			"blocks": []map[string]any{{"type": "paragraph", "text": "On time."}},
		}, http.StatusCreated, &p)
		before := head()
		r3.waitFor(t, before+1)
		// Wait until every node's scheduler has run twice since: each
		// has had its chance to publish the post again.
		runs := make([]float64, len(nodes))
		for i, n := range nodes {
			runs[i] = n.metric(t, `liveblog_scheduler_runs_total{result="ok"}`)
		}
		for i, n := range nodes {
			waitUntil(t, n.name+" scheduler runs", func() bool {
				return n.metric(t, `liveblog_scheduler_runs_total{result="ok"}`) >= runs[i]+2
			})
		}
		publish(n2, 1)
		r3.waitFor(t, before+2)
		published := 0
		for _, f := range r3.frames() {
			if f.PostID == p.ID && f.Kind == liveblog.ChangePostPublished {
				published++
			}
		}
		if published != 1 {
			t.Errorf("the scheduled post was published %d times, want once", published)
		}
	})

	t.Run("NodeStopsMidStream", func(t *testing.T) {
		from := head()
		// Node 2's readers fail over to node 1, as a load balancer sends
		// them where the health check passes.
		readers := []*reader{startReader(t, "r2a", ev.Slug, from, n2, n1), startReader(t, "r2b", ev.Slug, from, n2, n1)}
		// Node 2 goes down while node 1 publishes: some of the ten changes
		// reach its readers before, some are in flight, some come after.
		killed := make(chan struct{})
		go func() {
			defer close(killed)
			readers[0].reached(from+4, serviceTimeout)
			n2.ln.kill()
		}()
		publish(n1, 10)
		<-killed
		n2.kill(t)
		publish(n3, 5)
		to := head()
		for _, r := range append(readers, r3) {
			r.waitFor(t, to)
			r.checkConsecutive(t, to)
		}
		for _, r := range readers {
			if f := r.frame(to); f.Node != n1.name {
				t.Errorf("%s got change %d from %s, want node1 after node2 stopped", r.name, to, f.Node)
			}
			if r.connections() < 2 {
				t.Errorf("%s connected %d times, want a reconnection", r.name, r.connections())
			}
		}
	})

	t.Run("NATSRestart", func(t *testing.T) {
		r1 := startReader(t, "r1", ev.Slug, head(), n1, n3)
		ns.Shutdown()
		waitUntil(t, "node1 not ready without NATS", func() bool {
			status, body := n1.get(t, "/readyz")
			return status == http.StatusServiceUnavailable && strings.Contains(body, `"broker":"not answering"`)
		})
		publish(n1, 3)
		publish(n3, 3)
		ns = startNATS(t, natsPort)
		publish(n1, 3)
		to := head()
		for _, r := range []*reader{r1, r3} {
			r.waitFor(t, to)
			r.checkConsecutive(t, to)
		}
		for _, n := range []*node{n1, n3} {
			waitUntil(t, n.name+" ready again", func() bool {
				status, _ := n.get(t, "/readyz")
				return status == http.StatusOK
			})
		}
	})

	t.Run("Metrics", func(t *testing.T) {
		if got := n3.metric(t, "liveblog_stream_subscribers"); got < 1 {
			t.Errorf("node3 subscribers = %v, want its readers counted", got)
		}
		if got := n3.metric(t, "liveblog_stream_delivery_lag_seconds_count"); got < 1 {
			t.Errorf("node3 delivery lag observations = %v, want changes from other nodes measured", got)
		}
		if got := n3.metric(t, "liveblog_nats_received_total"); got < 1 {
			t.Errorf("node3 heard %v announcements over NATS", got)
		}
		if got := n1.metric(t, `liveblog_broker_announcements_received_total{kind="resync"}`); got < 1 {
			t.Errorf("node1 resyncs = %v, want one after NATS came back", got)
		}
		if got := n1.metric(t, `liveblog_http_request_duration_seconds_count{code="201",route="POST /api/v1/events/{slug}/posts"}`); got < 1 {
			t.Errorf("node1 requests to create posts = %v", got)
		}
	})
}

// node is one App of a cluster, serving in the background until the test
// ends or it is killed.
type node struct {
	name string
	app  *App
	url  string
	ln   *trackingListener
	done chan error

	once sync.Once
	stop func()
}

func startNode(t *testing.T, name string, cfg Config) *node {
	t.Helper()
	app := &App{Config: cfg, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})).With("node", name)}
	ctx, cancel := context.WithCancel(context.Background())
	if err := app.Open(ctx); err != nil {
		cancel()
		t.Fatalf("%s: %v", name, err)
	}
	ln := &trackingListener{Listener: app.listener, conns: map[net.Conn]bool{}}
	app.listener = ln
	n := &node{name: name, app: app, url: app.URL(), ln: ln, done: make(chan error, 1)}
	go func() { n.done <- app.Serve(ctx) }()
	n.stop = func() {
		n.once.Do(func() {
			cancel()
			select {
			case err := <-n.done:
				if err != nil {
					t.Errorf("%s: Serve: %v", name, err)
				}
			case <-time.After(ShutdownTimeout + serviceTimeout):
				t.Errorf("%s: Serve did not return after its context ended", name)
			}
		})
	}
	t.Cleanup(n.stop)
	return n
}

// kill stops the node as a crash or a pulled cable would: every connection
// is cut, streams included, without a retry: for the readers, and the
// listener is closed. Serve then returns on its own.
func (n *node) kill(t *testing.T) {
	t.Helper()
	n.once.Do(func() {
		n.ln.kill()
		select {
		case err := <-n.done:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("%s: Serve after its listener closed: %v", n.name, err)
			}
		case <-time.After(ShutdownTimeout + serviceTimeout):
			t.Errorf("%s: Serve did not return after its listener closed", n.name)
		}
	})
}

// get requests path and returns the status and body.
func (n *node) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(n.url + path)
	if err != nil {
		t.Fatalf("%s: GET %s: %v", n.name, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: GET %s: %v", n.name, path, err)
	}
	return resp.StatusCode, string(b)
}

// metric scrapes the node's /metrics for one series, given as it is written
// there (name and labels); a series not written counts 0.
func (n *node) metric(t *testing.T, series string) float64 {
	t.Helper()
	status, body := n.get(t, "/metrics")
	if status != http.StatusOK {
		t.Fatalf("%s: GET /metrics = %d", n.name, status)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %s = %q", n.name, series, m[1])
	}
	return v
}

// trackingListener keeps every connection it accepts, so that a test can cut
// them all at once: streams run on hijacked connections, which
// http.Server.Close does not know about.
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]bool
	killed bool
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.killed {
		c.Close()
		return nil, net.ErrClosed
	}
	l.conns[c] = true
	return c, nil
}

func (l *trackingListener) kill() {
	l.mu.Lock()
	l.killed = true
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
	l.Listener.Close()
}

// reader reads an event's stream as a browser's EventSource does: it
// connects with the position its page was rendered at, and when the stream
// ends reconnects with Last-Event-ID, to the next node when its own no
// longer answers (as a load balancer would send it).
type reader struct {
	name   string
	slug   string
	start  int64
	nodes  []*node
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	got     []seenFrame
	conns   int
	errs    []string
	changed chan struct{} // closed and replaced whenever got grows
}

// seenFrame is a change frame as a reader saw it, with the node it came
// from.
type seenFrame struct {
	ID     int64
	Kind   liveblog.ChangeKind `json:"kind"`
	Seq    int64               `json:"seq"`
	PostID int64               `json:"post_id"`
	Node   string
}

// readerRetry is how long a reader waits before it tries every node again
// when none answered: EventSource's reconnection delay, shortened.
const readerRetry = 50 * time.Millisecond

func startReader(t *testing.T, name, slug string, start int64, nodes ...*node) *reader {
	ctx, cancel := context.WithCancel(context.Background())
	r := &reader{name: name, slug: slug, start: start, nodes: nodes, cancel: cancel, done: make(chan struct{}), changed: make(chan struct{})}
	go r.run(ctx)
	t.Cleanup(func() {
		cancel()
		<-r.done
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, e := range r.errs {
			t.Errorf("%s: %s", name, e)
		}
	})
	return r
}

func (r *reader) run(ctx context.Context) {
	defer close(r.done)
	// One transport per reader, as one browser is one client.
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	cur := 0
	for ctx.Err() == nil {
		failed := 0
		for failed < len(r.nodes) && ctx.Err() == nil {
			if r.stream(ctx, client, r.nodes[cur]) {
				failed = 0
				continue
			}
			failed++
			cur = (cur + 1) % len(r.nodes)
		}
		select {
		case <-ctx.Done():
		case <-time.After(readerRetry):
		}
	}
}

// stream reads one connection to the stream of n until it ends, and reports
// whether n answered at all.
func (r *reader) stream(ctx context.Context, client *http.Client, n *node) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.url+"/live/"+r.slug+"/stream?after="+strconv.FormatInt(r.start, 10), nil)
	if err != nil {
		r.fail("%v", err)
		return false
	}
	if last := r.last(); last > r.start {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(last, 10))
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	r.mu.Lock()
	r.conns++
	r.mu.Unlock()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var id, event, data string
	for sc.Scan() {
		line := sc.Text()
		if line != "" {
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				id = value
			case "event":
				event = value
			case "data":
				data = value
			}
			continue
		}
		switch event {
		case "change":
			var f seenFrame
			if err := json.Unmarshal([]byte(data), &f); err != nil {
				r.fail("frame %s: %v", id, err)
			}
			f.ID, _ = strconv.ParseInt(id, 10, 64)
			f.Node = n.name
			r.add(f)
		case "reset":
			r.fail("reset %s at %d from %s: the feed could not serve a reader it should have", data, r.last(), n.name)
		}
		id, event, data = "", "", ""
	}
	return true
}

func (r *reader) add(f seenFrame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, f)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *reader) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *reader) last() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		return r.start
	}
	return r.got[len(r.got)-1].ID
}

func (r *reader) frames() []seenFrame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seenFrame(nil), r.got...)
}

func (r *reader) connections() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

// frame returns the frame with id, or a zero frame.
func (r *reader) frame(id int64) seenFrame {
	for _, f := range r.frames() {
		if f.ID == id {
			return f
		}
	}
	return seenFrame{}
}

// waitFor waits until the reader has seen change id.
func (r *reader) waitFor(t *testing.T, id int64) {
	t.Helper()
	if !r.reached(id, serviceTimeout) {
		t.Fatalf("%s: at change %d after %v, want %d", r.name, r.last(), serviceTimeout, id)
	}
}

// reached waits until the reader has seen change id, and reports false if it
// has not within timeout.
func (r *reader) reached(id int64, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		ch, last := r.changed, r.start
		if len(r.got) > 0 {
			last = r.got[len(r.got)-1].ID
		}
		r.mu.Unlock()
		if last >= id {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

// checkConsecutive checks that the reader saw every change from its start to
// head exactly once, in order, each with its id as its seq.
func (r *reader) checkConsecutive(t *testing.T, head int64) {
	t.Helper()
	got := r.frames()
	want := r.start + 1
	for _, f := range got {
		if f.ID != want || f.Seq != f.ID {
			var ids []int64
			for _, g := range got {
				ids = append(ids, g.ID)
			}
			t.Fatalf("%s: ids %v, want %d to %d each once", r.name, ids, r.start+1, head)
		}
		want++
	}
	if want-1 != head {
		t.Fatalf("%s: last id %d, want the head %d", r.name, want-1, head)
	}
}

// waitUntil waits for cond, checking it whenever the clock has moved a
// little: the condition is another process's state (a scrape, a probe),
// which has no channel to wait on.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(serviceTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, serviceTimeout)
		}
		<-tick.C
	}
}
