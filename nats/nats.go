// Package nats is the Broker of an instance with several nodes: each node
// publishes the announcements of its own commits to NATS and hears those of
// every node, its own included.
//
// PostgreSQL is the record; NATS only says "event E has changes up to S".
// Core NATS (no JetStream) is enough because an announcement that is lost is
// repaired from the store: by the next announcement of the same event, by the
// hub's safety poll, or by a Resync announcement that the broker delivers to
// its subscribers whenever it may have missed some (after a reconnect, or
// when its subscribers fell so far behind that messages were dropped).
//
// # Wire format
//
// An announcement of event E is published on the subject "<prefix>.<E>",
// E in decimal (negative ids are valid tokens), so that a node can later
// narrow its interest to the events it serves without a change of format.
// The payload is the JSON encoding of liveblog.Announcement without the
// resync field, for example {"event_id":7,"head":3}: it is small, and an
// operator can read it with `nats sub '<prefix>.*'`. Resync is never sent:
// only the node that lost its connection knows what it may have missed.
package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/liveblog/liveblog"
)

var _ liveblog.Broker = (*Broker)(nil)

// DefaultSubject is the subject prefix when Config.Subject is empty. Several
// instances may share a NATS cluster by giving each its own prefix.
const DefaultSubject = "liveblog.announce"

// DefaultName names the connection in the server's monitoring (connz) when
// Config.Name is empty; operators set the node's host name to tell nodes apart.
const DefaultName = "liveblog"

// Connection tuning. Announcements are tiny and infrequent compared with what
// NATS is built for, so these favour noticing trouble quickly and never
// holding up a publishing store over throughput.
const (
	// A half-open TCP connection (a node behind a dead NAT entry, a server
	// that vanished without a FIN) is only noticed through pings, and until
	// it is the node silently misses announcements: 10s × 3 bounds that to
	// about half a minute without adding noticeable traffic.
	pingInterval        = 10 * time.Second
	maxPingsOutstanding = 3

	// Reconnect attempts back off from reconnectMin to reconnectMax and are
	// spread by up to half the delay, so that every node of a newsroom does
	// not reconnect in the same instant after a server restart.
	reconnectMin = 250 * time.Millisecond
	reconnectMax = 5 * time.Second

	// While disconnected, publishes are kept and sent on reconnect. 1 MiB
	// holds some 25,000 announcements, minutes of the busiest newsroom;
	// beyond it they are dropped and the hubs' safety poll covers them.
	reconnectBuffer = 1 << 20

	// A socket write blocks Publish (it holds the connection's lock) when
	// the outgoing buffer is full and the server does not read; a store must
	// never wait on that for long, so a stalled write fails the connection,
	// which then reconnects and resyncs.
	writeTimeout = 2 * time.Second

	// Close waits at most this long for the server to acknowledge the
	// unsubscribe and for buffered announcements to be written.
	drainTimeout = 5 * time.Second

	// pingTimeout bounds Ping when its context carries no deadline, so that
	// a readiness probe never hangs on a connection that stopped answering.
	pingTimeout = 2 * time.Second

	// dispatchBuffer is how many received announcements may wait for the
	// subscribers. When it is full NATS drops messages (a slow consumer),
	// and the broker delivers a Resync instead of blocking the connection.
	dispatchBuffer = 4096
)

// Config says where a node finds NATS and which subjects it uses.
type Config struct {
	// URL is one server URL or a comma-separated list of a cluster's
	// servers; credentials may be given in it (nats://user:pass@host:4222).
	// Empty means nats://127.0.0.1:4222.
	URL string
	// Subject is the prefix of the announcement subjects; empty means
	// DefaultSubject. Every node of an instance must use the same prefix.
	Subject string
	// Name is the connection name shown by the server; empty means
	// DefaultName.
	Name string
}

// Stats counts what a broker has done since it was opened, for metrics.
type Stats struct {
	// Sent counts announcements handed to the connection (buffered while
	// reconnecting), Dropped those that could not be.
	Sent, Dropped uint64
	// Received counts announcements heard, this node's own included;
	// Malformed counts messages on the subjects that were not
	// announcements and were ignored.
	Received, Malformed uint64
	// Resyncs counts Resync announcements delivered, Reconnects the times
	// the connection was lost and regained.
	Resyncs, Reconnects uint64
}

// Broker carries announcements between the nodes of an instance over one NATS
// connection holding one subscription. Received announcements are delivered
// to the local subscribers from a single goroutine, in arrival order.
type Broker struct {
	nc     *natsgo.Conn
	prefix string
	logger *slog.Logger

	msgs     chan *natsgo.Msg
	resync   chan struct{} // capacity 1: pending resyncs collapse into one
	stop     chan struct{} // closed by Close once nothing more can arrive
	done     chan struct{} // closed when the dispatcher has returned
	closedCh chan struct{} // closed when the connection is closed

	mu     sync.RWMutex // held for reading while subscribers are called
	subs   map[int]func(liveblog.Announcement)
	nextID int
	closed bool

	closeOnce sync.Once
	dropping  atomic.Bool // set while publishes fail, to log once per outage

	sent, dropped, received, malformed, resyncs, reconnects atomic.Uint64
}

// Open connects to NATS and subscribes to the announcements of cfg.Subject.
// It fails when no server can be reached, so that a misconfigured node does
// not start; once connected, the broker reconnects for as long as it is open.
func Open(cfg Config, logger *slog.Logger) (*Broker, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.URL == "" {
		cfg.URL = natsgo.DefaultURL
	}
	if cfg.Subject == "" {
		cfg.Subject = DefaultSubject
	}
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if err := validatePrefix(cfg.Subject); err != nil {
		return nil, err
	}

	b := &Broker{
		prefix:   cfg.Subject,
		logger:   logger.With("component", "nats"),
		msgs:     make(chan *natsgo.Msg, dispatchBuffer),
		resync:   make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		closedCh: make(chan struct{}),
		subs:     make(map[int]func(liveblog.Announcement)),
	}

	nc, err := natsgo.Connect(cfg.URL,
		natsgo.Name(cfg.Name),
		natsgo.MaxReconnects(-1),
		natsgo.CustomReconnectDelay(reconnectDelay),
		// An auth error twice in a row would otherwise close the connection
		// for good; a node should keep trying (and fail its readiness check)
		// until an operator fixes the credentials.
		natsgo.IgnoreAuthErrorAbort(),
		natsgo.ReconnectBufSize(reconnectBuffer),
		natsgo.PingInterval(pingInterval),
		natsgo.MaxPingsOutstanding(maxPingsOutstanding),
		natsgo.FlusherTimeout(writeTimeout),
		natsgo.DrainTimeout(drainTimeout),
		natsgo.DisconnectErrHandler(b.disconnected),
		natsgo.ReconnectHandler(b.reconnected),
		natsgo.ClosedHandler(b.connClosed),
		natsgo.ErrorHandler(b.asyncError),
	)
	if err != nil {
		return nil, fmt.Errorf("nats: connect to %s: %w", redact(cfg.URL), err)
	}
	b.nc = nc

	_, err = nc.ChanSubscribe(b.prefix+".*", b.msgs)
	if err == nil {
		// The round trip makes the server register the subscription before
		// Open returns, so announcements made right after are heard.
		err = nc.Flush()
	}
	if err != nil {
		b.mu.Lock()
		b.closed = true // the close that follows is ours, not an outage
		b.mu.Unlock()
		nc.Close()
		return nil, fmt.Errorf("nats: subscribe to %s.*: %w", b.prefix, err)
	}

	go b.dispatch()
	b.logger.Info("connected", "url", nc.ConnectedUrlRedacted(), "subject", b.prefix+".*", "name", cfg.Name)
	return b, nil
}

// Announce publishes that eventID has changes up to head. It never waits for
// the server: the message is buffered (also while reconnecting), and when it
// cannot be it is dropped with a log line, since the hubs' safety poll reads
// the change from the store anyway. It publishes even when ctx is done, as
// the commit has happened; ctx goes with the log lines.
func (b *Broker) Announce(ctx context.Context, eventID, head int64) {
	err := b.nc.Publish(b.subject(eventID), encode(eventID, head))
	if err == nil {
		b.sent.Add(1)
		if b.dropping.Swap(false) {
			b.logger.InfoContext(ctx, "publishing announcements again")
		}
		return
	}
	b.dropped.Add(1)
	switch {
	case b.isClosed():
		b.logger.DebugContext(ctx, "announcement dropped: broker closed", "event_id", eventID, "head", head)
	case !b.dropping.Swap(true):
		b.logger.WarnContext(ctx, "dropping announcements; hubs will catch up by polling the store",
			"event_id", eventID, "head", head, "err", err)
	default:
		b.logger.DebugContext(ctx, "announcement dropped", "event_id", eventID, "head", head, "err", err)
	}
}

// Subscribe calls fn for every announcement this node hears, and with a
// Resync announcement whenever it may have missed some, until cancel is
// called; after cancel returns fn is not called again. fn is called from the
// broker's single delivery goroutine and must neither block for long nor call
// Subscribe, cancel or Close itself.
func (b *Broker) Subscribe(fn func(liveblog.Announcement)) (cancel func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return func() {}
	}
	id := b.nextID
	b.nextID++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// Close unsubscribes, sends the announcements still buffered, delivers those
// already received, and closes the connection. It is safe to call more than
// once; every call after the first returns nil.
func (b *Broker) Close() error {
	var err error
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()

		// Drain falls back to a plain close (and says so) when the
		// connection is reconnecting, and a connection the library already
		// closed for good needs nothing more; either way closedCh is closed.
		switch derr := b.nc.Drain(); {
		case derr == nil, errors.Is(derr, natsgo.ErrConnectionReconnecting), errors.Is(derr, natsgo.ErrConnectionClosed):
		default:
			err = fmt.Errorf("nats: close: %w", derr)
			b.nc.Close()
		}
		<-b.closedCh
		close(b.stop)
		<-b.done

		b.mu.Lock()
		clear(b.subs)
		b.mu.Unlock()
		b.logger.Info("closed")
	})
	return err
}

// Ping reports whether the node can currently hear and send announcements,
// for a readiness check: an error while the connection is down or
// reconnecting, or when the server does not answer a round trip before ctx
// ends (or within a short bound when ctx has no deadline).
func (b *Broker) Ping(ctx context.Context) error {
	switch status := b.nc.Status(); status {
	case natsgo.CONNECTED:
	case natsgo.CLOSED:
		return errors.New("nats: connection closed")
	default:
		return fmt.Errorf("nats: not connected: %s", strings.ToLower(status.String()))
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	if err := b.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("nats: ping: %w", err)
	}
	return nil
}

// Stats returns the broker's counters.
func (b *Broker) Stats() Stats {
	return Stats{
		Sent:       b.sent.Load(),
		Dropped:    b.dropped.Load(),
		Received:   b.received.Load(),
		Malformed:  b.malformed.Load(),
		Resyncs:    b.resyncs.Load(),
		Reconnects: b.reconnects.Load(),
	}
}

func (b *Broker) subject(eventID int64) string {
	return b.prefix + "." + strconv.FormatInt(eventID, 10)
}

func (b *Broker) isClosed() bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.closed
}

// dispatch is the one goroutine that calls subscribers, so that each of them
// sees announcements in the order they arrived.
func (b *Broker) dispatch() {
	defer close(b.done)
	for {
		select {
		case m := <-b.msgs:
			b.receive(m)
		case <-b.resync:
			b.resyncs.Add(1)
			b.deliver(liveblog.Announcement{Resync: true})
		case <-b.stop:
			// The connection is closed, so the channel can only shrink:
			// deliver what was received before Close.
			for {
				select {
				case m := <-b.msgs:
					b.receive(m)
				default:
					return
				}
			}
		}
	}
}

func (b *Broker) receive(m *natsgo.Msg) {
	a, err := decode(m.Data)
	if err != nil {
		b.malformed.Add(1)
		b.logger.Warn("ignoring malformed announcement", "subject", m.Subject, "err", err)
		return
	}
	b.received.Add(1)
	b.deliver(a)
}

func (b *Broker) deliver(a liveblog.Announcement) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(a)
	}
}

// requestResync asks the dispatcher to deliver a Resync; requests made
// before it gets to the first collapse into one, which is all a hub needs.
func (b *Broker) requestResync() {
	select {
	case b.resync <- struct{}{}:
	default:
	}
}

func (b *Broker) disconnected(_ *natsgo.Conn, err error) {
	if b.isClosed() {
		return
	}
	b.logger.Warn("disconnected; reconnecting", "err", err)
}

func (b *Broker) reconnected(nc *natsgo.Conn) {
	b.reconnects.Add(1)
	// The subscription was resent on reconnect; a round trip makes sure the
	// server has registered it before hubs re-read the store, so that a
	// commit announced after their read is heard. If the round trip fails
	// the connection is lost again, and the next reconnect resyncs anyway.
	if err := nc.FlushTimeout(pingTimeout); err != nil {
		b.logger.Debug("flush after reconnect", "err", err)
	}
	b.logger.Info("reconnected; resyncing", "url", nc.ConnectedUrlRedacted())
	b.requestResync()
}

func (b *Broker) connClosed(*natsgo.Conn) {
	if !b.isClosed() {
		b.logger.Error("connection closed for good; announcements stop until restart")
	}
	close(b.closedCh)
}

func (b *Broker) asyncError(_ *natsgo.Conn, sub *natsgo.Subscription, err error) {
	if sub != nil && sub.Subject == b.prefix+".*" && errors.Is(err, natsgo.ErrSlowConsumer) {
		b.logger.Warn("subscribers fell behind and announcements were dropped; resyncing")
		b.requestResync()
		return
	}
	b.logger.Warn("async error", "err", err)
}

// reconnectDelay backs off exponentially with jitter; attempts starts at 1
// for each outage.
func reconnectDelay(attempts int) time.Duration {
	d := reconnectMax
	if attempts < 16 {
		d = min(reconnectMin<<max(attempts-1, 0), reconnectMax)
	}
	return d/2 + rand.N(d/2+1)
}

func encode(eventID, head int64) []byte {
	buf := make([]byte, 0, 48)
	buf = append(buf, `{"event_id":`...)
	buf = strconv.AppendInt(buf, eventID, 10)
	buf = append(buf, `,"head":`...)
	buf = strconv.AppendInt(buf, head, 10)
	return append(buf, '}')
}

func decode(data []byte) (liveblog.Announcement, error) {
	var a liveblog.Announcement
	if err := json.Unmarshal(data, &a); err != nil {
		return a, err
	}
	// Resync is a node's own conclusion about its connection; a peer
	// cannot make it for us.
	a.Resync = false
	return a, nil
}

func validatePrefix(p string) error {
	for tok := range strings.SplitSeq(p, ".") {
		if tok == "" || strings.ContainsAny(tok, "*> \t\r\n") {
			return fmt.Errorf("nats: invalid subject prefix %q: want dot-separated tokens without spaces or wildcards", p)
		}
	}
	return nil
}

// redact hides the password or token of a URL in error messages.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, u := range parts {
		scheme, rest, ok := strings.Cut(strings.TrimSpace(u), "://")
		if !ok {
			continue
		}
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			parts[i] = scheme + "://redacted@" + rest[at+1:]
		}
	}
	return strings.Join(parts, ",")
}
