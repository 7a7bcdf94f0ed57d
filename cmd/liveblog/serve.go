package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/demo"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/inmem"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/sqlite"
	"github.com/liveblog/liveblog/stream"
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
)

// App is a running instance: the store, the broker, the hub and the HTTP
// server wired together. The end-to-end test runs it on port 0.
type App struct {
	Config Config
	Demo   bool
	// NewsroomInterval is how often the demo newsroom acts; zero means
	// demo.DefaultInterval. Tests shorten it to see a change at once.
	NewsroomInterval time.Duration
	Logger           *slog.Logger

	store    *sqlite.Store
	broker   *inmem.Broker
	hub      *stream.Hub
	server   *http.Server
	listener net.Listener
	wg       sync.WaitGroup
	cancel   context.CancelFunc
}

// Open opens the data, wires the adapters and starts listening; Serve then
// serves until the context ends.
func (a *App) Open(ctx context.Context) error {
	if a.Logger == nil {
		a.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(a.Config.MediaDir(), 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	store, err := sqlite.Open(ctx, a.Config.DatabasePath())
	if err != nil {
		return err
	}
	a.store = store

	if a.Demo {
		ev, err := demo.Seed(ctx, store, a.Config.MediaDir(), time.Now())
		if err != nil {
			store.Close()
			return fmt.Errorf("demo: %w", err)
		}
		a.Logger.Info("demo event ready", "slug", ev.Slug)
	}

	engine, err := render.New()
	if err != nil {
		store.Close()
		return err
	}
	a.broker = inmem.NewBroker()
	store.Announcer = a.broker
	a.hub = stream.NewHub(store, engine.FrameData, stream.Config{}, a.Logger)
	a.broker.Subscribe(func(an liveblog.Announcement) { deliver(a.hub, an) })

	srv := lbhttp.NewServer(lbhttp.Config{MediaDir: a.Config.MediaDir()}, store, a.hub, engine, a.Logger)
	a.server = srv.HTTPServer(a.Config.Addr)
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		store.Close()
		return err
	}
	a.listener = ln
	return nil
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

	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.runScheduler(ctx)
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
	a.Logger.Info("serving", "url", a.URL(), "data", a.Config.DataDir)

	select {
	case err := <-errc:
		a.cancel()
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
	return a.store.Close()
}

func (a *App) runScheduler(ctx context.Context) {
	t := time.NewTicker(SchedulerInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			posts, err := a.store.PublishDuePosts(ctx, now)
			if err != nil && ctx.Err() == nil {
				a.Logger.Error("publishing scheduled posts", "err", err)
			}
			for _, p := range posts {
				a.Logger.Info("published scheduled post", "post", p.ID, "event", p.EventID)
			}
		}
	}
}

func runServe(ctx context.Context, args []string, stderr io.Writer, isDemo bool) error {
	name := "serve"
	if isDemo {
		name = "demo"
	}
	var cfg Config
	fs := newFlagSet(name, stderr, &cfg, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	app := &App{Config: cfg, Demo: isDemo, Logger: newLogger(stderr, level)}
	if err := app.Open(ctx); err != nil {
		return err
	}
	if isDemo {
		fmt.Fprintf(stderr, "\n  liveblog demo: open %s/live/%s in a browser\n\n", app.URL(), demo.Slug)
	}
	return app.Serve(ctx)
}

// openStore opens an instance's store for the data commands.
func openStore(ctx context.Context, cfg Config) (*sqlite.Store, error) {
	if _, err := os.Stat(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("data directory %s: %w (run liveblog serve or demo first, or pass --data)", cfg.DataDir, err)
	}
	return sqlite.Open(ctx, cfg.DatabasePath())
}
