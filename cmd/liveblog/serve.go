package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/capture"
	"github.com/liveblog/liveblog/demo"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/media"
	"github.com/liveblog/liveblog/metrics"
	"github.com/liveblog/liveblog/nats"
	"github.com/liveblog/liveblog/netguard"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/stream"
	"github.com/liveblog/liveblog/webhook"
)

// Timing of the serving process.
const (
	// SchedulerInterval is how often scheduled posts are checked: a post
	// scheduled for 10:00:00 is live by 10:00:01, which is as precise as a
	// minute-resolution schedule in the desk needs.
	SchedulerInterval = time.Second

	// ShutdownTimeout bounds a graceful stop: streams are told to retry and
	// closed at once, so this only waits for in-flight page and API requests.
	ShutdownTimeout = 10 * time.Second

	// IdempotencyPurgeInterval is how often expired Idempotency-Keys are
	// deleted. They are ignored from the moment they expire, so this only
	// bounds the table to about a day and an hour of writes.
	IdempotencyPurgeInterval = time.Hour
)

// App is a running node of an instance: the store, the broker, the hub and
// the HTTP server wired together. A single binary runs one App on SQLite
// with the in-process broker; a larger newsroom runs one per machine, all on
// one PostgreSQL database and one NATS cluster. The end-to-end tests run
// them on port 0.
type App struct {
	Config Config
	Demo   bool
	// NewsroomInterval is how often the demo newsroom acts; zero means
	// demo.DefaultInterval. Tests shorten it to see a change at once.
	NewsroomInterval time.Duration
	// EditorPassword is set by Open when it created the demo's editor
	// account, and is empty when the account was there already.
	EditorPassword string
	// Stream tunes the hub; zero fields take the stream package's defaults.
	// Tests shrink the ring to make readers fall out of it sooner.
	Stream stream.Config
	// Capture fetches what embeds' facades show; nil means providers on
	// the internet, through netguard, thumbnails into the media directory.
	// Tests point it at local servers playing the providers.
	Capture *capture.Fetcher
	Logger  *slog.Logger

	store   Database
	broker  Broker
	metrics *metrics.Metrics
	hub     *stream.Hub
	// captures fetches what embeds' facades show, after the post is saved.
	captures *capture.Worker
	server   *http.Server
	listener net.Listener
	wg       sync.WaitGroup
	cancel   context.CancelFunc
	// release gives up the data directory's lock (see lockInstance).
	release func()
}

// Open opens the data, wires the adapters and starts listening; Serve then
// serves until the context ends.
func (a *App) Open(ctx context.Context) (err error) {
	if a.Logger == nil {
		a.Logger = slog.New(slog.DiscardHandler)
	}
	if err := makeDataDir(a.Config); err != nil {
		return err
	}
	// Whatever is open when a later step fails is closed again, newest
	// first.
	var closers []func() error
	defer func() {
		if err != nil {
			for _, c := range slices.Backward(closers) {
				c()
			}
		}
	}()

	origin, err := checkOrigin(a.Config.Origin)
	if err != nil {
		return err
	}
	if origin == "" {
		if err := needsNoOrigin(a.Config.Addr, a.Config.BehindProxy); err != nil {
			return err
		}
	}
	language, err := liveblog.CanonicalLanguage(cmp.Or(a.Config.Language, liveblog.DefaultLanguage))
	if err != nil {
		return fmt.Errorf("--language (env LIVEBLOG_LANGUAGE): %w", err)
	}
	if a.Config.WorkMemoryMiB < 0 {
		return errors.New("--work-memory (env LIVEBLOG_WORK_MEMORY): want a whole number of MiB")
	}

	a.metrics = metrics.New()
	if isPostgres(a.Config.Database) && a.Config.NATS == "" {
		// Right for one node on PostgreSQL; with several, each would hear
		// only its own writes and find the others' by polling.
		a.Logger.Warn("no --nats: changes written on other nodes reach this node's readers only by polling, up to " +
			stream.DefaultPollInterval.String() + " late; give every node the same --nats when there are several")
	}
	broker, err := openBroker(a.Config, a.Logger)
	if err != nil {
		return err
	}
	a.broker = broker
	closers = append(closers, broker.Close)
	var announcer liveblog.Announcer = broker
	if nb, ok := broker.(*nats.Broker); ok {
		a.metrics.WatchBroker(func() metrics.BrokerStats {
			s := nb.Stats()
			return metrics.BrokerStats{Sent: s.Sent, Dropped: s.Dropped, Received: s.Received,
				Malformed: s.Malformed, Resyncs: s.Resyncs, Reconnects: s.Reconnects}
		})
		// This node's own hub hears of its commits before the write is
		// answered, not a NATS round trip later: its pages, polling answers
		// and streams are current the moment a write (a takedown above all)
		// returns. Hearing the same head again over NATS costs it nothing.
		announcer = liveblog.AnnouncerFunc(func(ctx context.Context, eventID, head int64) {
			if a.hub != nil {
				a.hub.Announce(ctx, eventID, head)
			}
			broker.Announce(ctx, eventID, head)
		})
	}
	release, err := lockInstance(a.Config)
	if err != nil {
		return err
	}
	a.release = release
	closers = append(closers, func() error { release(); return nil })
	store, err := openDatabase(ctx, a.Config, a.metrics.Announcer(announcer))
	if err != nil {
		return err
	}
	a.store = store
	closers = append(closers, store.Close)

	if a.Demo {
		ev, err := demo.Seed(ctx, store, a.Config.MediaDir(), time.Now())
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		a.Logger.Info("demo event ready", "slug", ev.Slug)
		if a.EditorPassword, err = demo.SeedEditor(ctx, store); err != nil {
			return err
		}
	}

	engine, err := render.New()
	if err != nil {
		return err
	}
	a.hub = stream.NewHub(store, a.metrics.Encoder(engine.FrameData), a.Stream, a.Logger)
	a.metrics.WatchHub(a.hub.Stats)
	broker.Subscribe(a.metrics.Subscriber(func(an liveblog.Announcement) { deliver(a.hub, an) }))

	ln, err := listen(ctx, a.Config.Addr)
	if err != nil {
		return err
	}
	a.listener = ln
	closers = append(closers, ln.Close)
	if origin == "" && a.Demo {
		// The demo is opened on the machine it runs on.
		origin = a.URL()
	}

	fetcher := a.Capture
	if fetcher == nil {
		// Captures reach providers on the internet only, through netguard.
		fetcher = &capture.Fetcher{Client: (&netguard.Guard{}).Client(), Media: &media.Library{Dir: a.Config.MediaDir()}}
	}
	a.captures = capture.NewWorker(fetcher, store, a.Logger)
	srv := lbhttp.NewServer(lbhttp.Config{
		MediaDir:        a.Config.MediaDir(),
		BehindProxy:     a.Config.BehindProxy,
		Origin:          origin,
		WorkMemory:      int64(a.Config.WorkMemoryMiB) << 20,
		ReadyChecks:     []lbhttp.ReadyCheck{{Name: "broker", Ping: broker.Ping}},
		Metrics:         a.metrics.Handler(),
		ObserveRequest:  a.metrics.ObserveRequest,
		DefaultLanguage: language,
		Captures:        a.captures,
	}, store, a.hub, engine, a.Logger)
	a.server = srv.HTTPServer(a.Config.Addr)
	return nil
}

// listen opens the server's socket. Its connections get no TCP keep-alive
// probes: Go turns them on by default, at four setsockopt calls per
// connection, a few percent of what a reconnecting reader costs, and they
// find nothing here. A connection between requests is closed by the idle
// timeout before unanswered probes would have ended it, and a stream's
// heartbeats keep data in flight, which TCP retransmits until it gives up on
// a vanished peer (probes are sent only on a connection with nothing in
// flight). nginx leaves them off too.
func listen(ctx context.Context, addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	return lc.Listen(ctx, "tcp", addr)
}

// deliver hands an announcement to the hub: a resync re-reads every event
// the hub serves, anything else the one event.
func deliver(hub *stream.Hub, an liveblog.Announcement) {
	if an.Resync {
		hub.Resync()
		return
	}
	hub.Announce(context.Background(), an.EventID, an.Head)
}

// URL is the address the instance serves on.
func (a *App) URL() string { return "http://" + a.listener.Addr().String() }

// Serve runs the server, the scheduler and (for the demo) the newsroom until
// ctx ends, then shuts down gracefully.
func (a *App) Serve(ctx context.Context) error {
	ctx, a.cancel = context.WithCancel(ctx)
	defer a.cancel()

	a.wg.Add(2)
	go func() {
		defer a.wg.Done()
		a.runScheduler(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.purgeIdempotencyKeys(ctx)
	}()
	// Webhooks are sent beside the scheduler, never from a write: each
	// announcement only wakes the worker, which reads the feed itself.
	hooks := webhook.NewWorker(a.store, webhook.Config{Logger: a.Logger})
	stopWaking := a.broker.Subscribe(func(liveblog.Announcement) { hooks.Wake() })
	defer stopWaking()
	a.wg.Add(2)
	go func() {
		defer a.wg.Done()
		hooks.Run(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.captures.Run(ctx)
	}()
	if a.Demo {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			nr := &demo.Newsroom{Store: a.store, Interval: a.NewsroomInterval, Logger: a.Logger}
			if err := nr.Run(ctx); err != nil {
				a.Logger.Error("demo newsroom stopped", "err", err)
			}
		}()
	}

	errc := make(chan error, 1)
	go func() { errc <- a.server.Serve(a.listener) }()
	a.Logger.Info("serving", "url", a.URL(), "data", a.Config.DataDir,
		"database", databaseName(a.Config), "broker", brokerName(a.Config))

	select {
	case err := <-errc:
		// The listener failed (or was closed under the server): nothing
		// more can be served. Stop the hub too, or its goroutines would
		// keep reading a closed store.
		a.cancel()
		hctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		a.hub.Shutdown(hctx)
		a.wg.Wait()
		a.close()
		return err
	case <-ctx.Done():
	}
	return a.shutdown()
}

// shutdown tells every stream to come back (retry:) and closes it, lets
// in-flight requests finish, stops the background jobs and closes the store.
// Everything acknowledged was committed before its response, so nothing is
// lost.
func (a *App) shutdown() error {
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	a.Logger.Info("shutting down")
	herr := a.hub.Shutdown(sctx)
	serr := a.server.Shutdown(sctx)
	a.wg.Wait()
	cerr := a.close()
	return errors.Join(herr, serr, cerr)
}

func (a *App) close() error {
	a.broker.Close()
	err := a.store.Close()
	a.release()
	return err
}

func (a *App) runScheduler(ctx context.Context) {
	t := time.NewTicker(SchedulerInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			// Every node runs this; the store publishes each due post once
			// (PostgreSQL's row locks), so the others find nothing to do.
			posts, err := a.store.PublishDuePosts(ctx, now)
			if ctx.Err() != nil {
				return
			}
			a.metrics.SchedulerRun(len(posts), err)
			if err != nil {
				a.Logger.Error("publishing scheduled posts", "err", err)
			}
			for _, p := range posts {
				a.Logger.Info("published scheduled post", "post", p.ID, "event", p.EventID)
				a.captures.Enqueue(p)
			}
		}
	}
}

// purgeIdempotencyKeys deletes expired Idempotency-Keys now and then. Every
// node runs it; deleting what another node deleted first costs nothing.
func (a *App) purgeIdempotencyKeys(ctx context.Context) {
	t := time.NewTicker(IdempotencyPurgeInterval)
	defer t.Stop()
	for {
		n, err := a.store.DeleteExpiredIdempotencyRecords(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.Logger.Error("deleting expired idempotency keys", "err", err)
		} else if n > 0 {
			a.Logger.Debug("deleted expired idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, isDemo bool) error {
	name, about := "serve", `Serves the reader pages, the live stream, the newsroom desk at /desk/ and the
API, and publishes scheduled posts. SIGTERM or Ctrl+C stop it gracefully. One
serve runs on a SQLite data directory; several nodes share PostgreSQL.`
	if isDemo {
		name, about = "demo", `Serves a demo newsroom: fictional events, a newsroom that keeps publishing,
and a demo editor account for the desk, whose password is shown once.`
	}
	var cfg Config
	fs := newFlagSet(name, stderr, &cfg, true)
	setUsage(fs, "liveblog "+name+" [flags]", about)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	logs := newLogBuffer(stderr)
	defer logs.Flush()
	logger := slog.New(flushingHandler{slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level}), logs})
	app := &App{Config: cfg, Demo: isDemo, Logger: logger}
	if err := app.Open(ctx); err != nil {
		return err
	}
	logs.Flush()
	if isDemo {
		demoWelcome(stderr, app)
	}
	return app.Serve(ctx)
}
