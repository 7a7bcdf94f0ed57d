package nats

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/livetest"
)

// waitTimeout bounds every wait in these tests; it is a failure bound, not a
// pause: no test waits when what it waits for happens.
const waitTimeout = 10 * time.Second

func TestBroker(t *testing.T) {
	url := realServer(t)
	livetest.TestBroker(t, func(t *testing.T) func() liveblog.Broker {
		prefix := uniquePrefix()
		return func() liveblog.Broker {
			return openBroker(t, Config{URL: url, Subject: prefix, Name: t.Name()})
		}
	})
}

func TestOpen(t *testing.T) {
	t.Run("Unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		url := "nats://" + ln.Addr().String()
		ln.Close()
		b, err := Open(Config{URL: url, Subject: uniquePrefix()}, testLogger(t))
		if err == nil {
			b.Close()
			t.Fatal("Open succeeded without a server")
		}
		if !strings.Contains(err.Error(), url) {
			t.Errorf("error %q does not name the URL %s", err, url)
		}
	})

	t.Run("RedactsCredentials", func(t *testing.T) {
		_, err := Open(Config{URL: "nats://alice:s3cret@127.0.0.1:1", Subject: uniquePrefix()}, testLogger(t))
		if err == nil {
			t.Fatal("Open succeeded without a server")
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %q shows the password", err)
		}
	})

	url := startServer(t, server.RANDOM_PORT).ClientURL()
	for _, prefix := range []string{"a..b", ".a", "a.", "a.*", "a.>", ">", "with space", "tab\there"} {
		t.Run("InvalidSubject/"+prefix, func(t *testing.T) {
			b, err := Open(Config{URL: url, Subject: prefix}, testLogger(t))
			if err == nil {
				b.Close()
				t.Fatalf("Open accepted subject prefix %q", prefix)
			}
		})
	}

	t.Run("Defaults", func(t *testing.T) {
		b := openBroker(t, Config{URL: url})
		raw := rawConn(t, url)
		sub, err := raw.SubscribeSync(DefaultSubject + ".*")
		if err != nil {
			t.Fatal(err)
		}
		if err := raw.Flush(); err != nil {
			t.Fatal(err)
		}
		b.Announce(context.Background(), 7, 3)
		m, err := sub.NextMsg(waitTimeout)
		if err != nil {
			t.Fatalf("no announcement on %s.*: %v", DefaultSubject, err)
		}
		if got, want := m.Subject, DefaultSubject+".7"; got != want {
			t.Errorf("subject = %q, want %q", got, want)
		}
	})
}

func TestWireFormat(t *testing.T) {
	url := startServer(t, server.RANDOM_PORT).ClientURL()
	prefix := uniquePrefix()
	b := openBroker(t, Config{URL: url, Subject: prefix})
	rec := newRecorder()
	defer b.Subscribe(rec.add)()
	raw := rawConn(t, url)

	t.Run("Publish", func(t *testing.T) {
		sub, err := raw.SubscribeSync(prefix + ".*")
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		if err := raw.Flush(); err != nil {
			t.Fatal(err)
		}
		b.Announce(context.Background(), -42, 9)
		m, err := sub.NextMsg(waitTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.Subject, prefix+".-42"; got != want {
			t.Errorf("subject = %q, want %q", got, want)
		}
		var got liveblog.Announcement
		if err := json.Unmarshal(m.Data, &got); err != nil {
			t.Fatalf("payload %q: %v", m.Data, err)
		}
		if want := (liveblog.Announcement{EventID: -42, Head: 9}); got != want {
			t.Errorf("payload = %+v, want %+v", got, want)
		}
	})

	t.Run("PeerCannotResync", func(t *testing.T) {
		if err := raw.Publish(prefix+".8", []byte(`{"event_id":8,"head":2,"resync":true}`)); err != nil {
			t.Fatal(err)
		}
		rec.waitFor(t, liveblog.Announcement{EventID: 8, Head: 2})
		if rec.has(liveblog.Announcement{Resync: true}) {
			t.Error("a peer's message made the broker resync")
		}
	})

	t.Run("Malformed", func(t *testing.T) {
		before := b.Stats().Malformed
		if err := raw.Publish(prefix+".9", []byte("not json")); err != nil {
			t.Fatal(err)
		}
		// Delivery is in order, so once the next announcement is heard the
		// malformed one has been handled.
		if err := raw.Publish(prefix+".9", []byte(`{"event_id":9,"head":1}`)); err != nil {
			t.Fatal(err)
		}
		rec.waitFor(t, liveblog.Announcement{EventID: 9, Head: 1})
		if got, want := b.Stats().Malformed, before+1; got != want {
			t.Errorf("Malformed = %d, want %d", got, want)
		}
	})
}

func TestReconnect(t *testing.T) {
	srv := startServer(t, server.RANDOM_PORT)
	url, port := srv.ClientURL(), srv.Addr().(*net.TCPAddr).Port
	prefix := uniquePrefix()
	a := openBroker(t, Config{URL: url, Subject: prefix, Name: "a"})
	b := openBroker(t, Config{URL: url, Subject: prefix, Name: "b"})
	ra, rb := newRecorder(), newRecorder()
	defer a.Subscribe(ra.add)()
	defer b.Subscribe(rb.add)()

	a.Announce(context.Background(), 1, 1)
	rb.waitFor(t, liveblog.Announcement{EventID: 1, Head: 1})
	if rb.has(liveblog.Announcement{Resync: true}) {
		t.Fatal("Resync before any disconnect")
	}

	lostA, lostB := a.nc.StatusChanged(natsgo.RECONNECTING), b.nc.StatusChanged(natsgo.RECONNECTING)
	srv.Shutdown()
	srv.WaitForShutdown()
	waitChan(t, lostA, "broker a never noticed the server went away")
	waitChan(t, lostB, "broker b never noticed the server went away")
	if err := b.Ping(context.Background()); err == nil {
		t.Error("Ping succeeded while the server was down")
	}

	startServer(t, port)
	ra.waitFor(t, liveblog.Announcement{Resync: true})
	rb.waitFor(t, liveblog.Announcement{Resync: true})

	a.Announce(context.Background(), 1, 2)
	rb.waitFor(t, liveblog.Announcement{EventID: 1, Head: 2})
	if err := b.Ping(context.Background()); err != nil {
		t.Errorf("Ping after reconnect: %v", err)
	}
	if st := b.Stats(); st.Reconnects < 1 || st.Resyncs < 1 {
		t.Errorf("Stats = %+v, want at least one reconnect and one resync", st)
	}
}

func TestAnnounceWhileDisconnected(t *testing.T) {
	srv := startServer(t, server.RANDOM_PORT)
	url, port := srv.ClientURL(), srv.Addr().(*net.TCPAddr).Port
	b := openBroker(t, Config{URL: url, Subject: uniquePrefix()})
	rec := newRecorder()
	defer b.Subscribe(rec.add)()

	lost := b.nc.StatusChanged(natsgo.RECONNECTING)
	srv.Shutdown()
	srv.WaitForShutdown()
	waitChan(t, lost, "the broker never noticed the server went away")

	const n = 1000
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		for i := range n {
			b.Announce(context.Background(), 5, int64(i+1))
		}
	}()
	waitChan(t, returned, "Announce blocked while disconnected")

	// The announcements were kept in the reconnect buffer: they reach this
	// node (and its peers) once the server is back.
	startServer(t, port)
	rec.waitFor(t, liveblog.Announcement{Resync: true})
	rec.waitFor(t, liveblog.Announcement{EventID: 5, Head: n})
	if got := b.Stats().Dropped; got != 0 {
		t.Errorf("Dropped = %d, want 0", got)
	}
}

func TestSlowSubscriber(t *testing.T) {
	url := startServer(t, server.RANDOM_PORT).ClientURL()
	b := openBroker(t, Config{URL: url, Subject: uniquePrefix()})
	ctx := context.Background()

	// The first announcement holds the delivery goroutine until released,
	// so that the flood below overflows the dispatch buffer.
	held, release := make(chan struct{}), make(chan struct{})
	rec := newRecorder()
	var once sync.Once
	defer b.Subscribe(func(a liveblog.Announcement) {
		once.Do(func() {
			close(held)
			<-release
		})
		rec.add(a)
	})()

	b.Announce(ctx, 1, 1)
	waitChan(t, held, "first announcement never delivered")
	for i := range 2 * dispatchBuffer {
		b.Announce(ctx, 2, int64(i+1))
	}
	// The server answers the flush after it has sent back every message
	// published before it, so the overflow has happened when it returns.
	if err := b.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	close(release)
	rec.waitFor(t, liveblog.Announcement{Resync: true})
	if got := b.Stats().Resyncs; got < 1 {
		t.Errorf("Resyncs = %d, want at least 1", got)
	}
}

func TestClose(t *testing.T) {
	url := startServer(t, server.RANDOM_PORT).ClientURL()
	prefix := uniquePrefix()

	t.Run("DeliversReceived", func(t *testing.T) {
		b := openBroker(t, Config{URL: url, Subject: prefix})
		rec := newRecorder()
		defer b.Subscribe(rec.add)()
		b.Announce(context.Background(), 3, 1)
		if err := b.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		// Close drains: the announcement was sent before the connection
		// closed, and what was received was delivered before Close returned.
		if !rec.has(liveblog.Announcement{EventID: 3, Head: 1}) {
			t.Error("announcement made before Close was not delivered")
		}
	})

	t.Run("AfterClose", func(t *testing.T) {
		b := openBroker(t, Config{URL: url, Subject: prefix})
		if err := b.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := b.Ping(context.Background()); err == nil {
			t.Error("Ping succeeded after Close")
		}
		b.Announce(context.Background(), 3, 2)
		if got := b.Stats().Dropped; got != 1 {
			t.Errorf("Dropped = %d, want 1", got)
		}
		called := false
		b.Subscribe(func(liveblog.Announcement) { called = true })()
		if called {
			t.Error("a subscriber was called after Close")
		}
	})

	t.Run("WhileDisconnected", func(t *testing.T) {
		srv := startServer(t, server.RANDOM_PORT)
		b := openBroker(t, Config{URL: srv.ClientURL(), Subject: prefix})
		lost := b.nc.StatusChanged(natsgo.RECONNECTING)
		srv.Shutdown()
		srv.WaitForShutdown()
		waitChan(t, lost, "the broker never noticed the server went away")
		closed := make(chan error, 1)
		go func() { closed <- b.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				t.Errorf("Close: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Fatal("Close blocked while disconnected")
		}
	})
}

// realServer returns the URL of the NATS server given by LIVEBLOG_NATS_URL
// (default the local one), skipping the test when none answers, or failing
// it on CI, where the server is part of the environment.
func realServer(t *testing.T) string {
	t.Helper()
	url := os.Getenv("LIVEBLOG_NATS_URL")
	if url == "" {
		url = natsgo.DefaultURL
	}
	nc, err := natsgo.Connect(url, natsgo.Timeout(2*time.Second))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NATS at %s: %v", url, err)
		}
		t.Skipf("NATS at %s: %v; start one with `nats-server -js` or set LIVEBLOG_NATS_URL to run this test", url, err)
	}
	nc.Close()
	return url
}

// startServer runs a nats-server in process on port (server.RANDOM_PORT for
// any free one) until the test ends or it is shut down.
func startServer(t *testing.T, port int) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(waitTimeout) {
		t.Fatalf("embedded nats-server did not start on port %d", port)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// uniquePrefix keeps the subjects of every test run apart, so that runs
// sharing a server never hear each other.
func uniquePrefix() string { return "liveblogtest." + rand.Text() }

func openBroker(t *testing.T, cfg Config) *Broker {
	t.Helper()
	b, err := Open(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func rawConn(t *testing.T, url string) *natsgo.Conn {
	t.Helper()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func waitChan[T any](t *testing.T, ch <-chan T, msg string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		t.Fatal(msg)
	}
}

type recorder struct {
	mu   sync.Mutex
	seen map[liveblog.Announcement]bool
	wake chan struct{}
}

func newRecorder() *recorder {
	return &recorder{seen: make(map[liveblog.Announcement]bool), wake: make(chan struct{}, 1)}
}

func (r *recorder) add(a liveblog.Announcement) {
	r.mu.Lock()
	r.seen[a] = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) has(a liveblog.Announcement) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[a]
}

func (r *recorder) waitFor(t *testing.T, a liveblog.Announcement) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for !r.has(a) {
		select {
		case <-r.wake:
		case <-timeout:
			t.Fatalf("announcement %+v never arrived", a)
		}
	}
}
