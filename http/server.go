// Package http is liveblog's web surface: the reader pages, the live stream
// and the polling changes endpoint, the JSON API the newsroom publishes
// through, and the middleware around them.
//
// Handlers return errors instead of writing them; one adapter maps each
// error's domain code to a status and answers with an RFC 9457 problem
// document (or, on reader pages, an HTML error page). Like the other
// adapters, the package is named after the technology it adapts; within it
// net/http keeps its usual name.
package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/feed"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/stream"
	"github.com/liveblog/liveblog/web"
)

// Defaults for Config.
const (
	// DefaultMaxBodyBytes (1 MiB) bounds the memory a request can claim
	// before it is validated. A real post is a few KiB of JSON and a very
	// long one with dozens of blocks well under 100 KiB; only a post at
	// every domain limit at once would not fit.
	DefaultMaxBodyBytes = 1 << 20

	// DefaultReadHeaderTimeout stops a client that opens connections and
	// trickles headers (slowloris) from holding them open.
	DefaultReadHeaderTimeout = 5 * time.Second

	// DefaultReadTimeout lets a 1 MiB body arrive over a poor mobile uplink
	// from a reporter in the field (about 300 kbit/s). It bounds reading the
	// request only: net/http lifts it once the body is read, so it never
	// cuts a stream off.
	DefaultReadTimeout = 30 * time.Second

	// DefaultWriteTimeout bounds how long a slow reader can hold a page
	// response. The stream replaces it with a deadline per frame (see
	// stream.Config.WriteTimeout), so a stream may stay open for hours.
	DefaultWriteTimeout = 30 * time.Second

	// DefaultIdleTimeout keeps a reader's connection between the page, its
	// assets and the stream, and a poller's between polls, without holding
	// sockets for clients that have gone.
	DefaultIdleTimeout = 120 * time.Second

	// DefaultMaxHeaderBytes is ample for any browser's headers and cookies
	// and far below net/http's 1 MB default, which a client could make every
	// connection allocate.
	DefaultMaxHeaderBytes = 64 << 10
)

// Config tunes a Server. Zero fields take the Default* values.
type Config struct {
	// MaxBodyBytes is the largest request body accepted; a larger one gets
	// 413.
	MaxBodyBytes int64

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int

	// Origin is the public origin of the site ("https://news.example.com").
	// Canonical links and link previews need absolute URLs; empty leaves
	// them as paths, builds feeds and oEmbed on the request's Host (and
	// keeps those answers out of shared caches), and answers only requests
	// whose Host names the address the connection came to: 421 for any
	// other.
	Origin string

	// MediaDir holds uploaded and demo images, served under /media/. Empty
	// serves none.
	MediaDir string
	// WorkMemory is how many bytes password hashes and image decodes may
	// hold at once (see DefaultWorkMemory).
	WorkMemory int64

	// BehindProxy says that a reverse proxy terminates the connections:
	// the client's address is the last one in X-Forwarded-For (for sign-in
	// throttling) and X-Forwarded-Proto says whether it came over TLS (for
	// Secure cookies). Leave it off when clients connect directly, or they
	// could write those headers themselves.
	BehindProxy bool

	// ReadyChecks are the dependencies GET /readyz asks besides the store's
	// database, such as the broker; ReadyTimeout bounds each answer.
	ReadyChecks  []ReadyCheck
	ReadyTimeout time.Duration
	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
	// ObserveRequest, when set, is told of every request as it ends: the
	// route pattern that took it ("GET /live/{slug}", "" for none), the
	// status, and how long it took.
	ObserveRequest func(route string, status int, elapsed time.Duration)
	// Captures, when set, is given every post the API or the desk saved,
	// after the write: it fetches what the facades of its embeds show and
	// upgrades the post later (package capture). Nil captures nothing.
	Captures Captures

	// DefaultLanguage is the language of an event created without one, a
	// BCP 47 tag; empty means liveblog.DefaultLanguage.
	DefaultLanguage string
}

// Captures takes saved posts whose embeds are to be captured (Enqueue,
// which never blocks: publishing never waits for a provider), and captures
// an address at once for the desk's composer (Capture).
type Captures interface {
	Enqueue(p *liveblog.Post)
	Capture(ctx context.Context, url string) (liveblog.Capture, error)
}

// captureLater hands p to the configured Captures, if any.
func (s *Server) captureLater(p *liveblog.Post) {
	if s.cfg.Captures != nil {
		s.cfg.Captures.Enqueue(p)
	}
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.WorkMemory <= 0 {
		c.WorkMemory = DefaultWorkMemory
	}
	if c.ReadyTimeout <= 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.DefaultLanguage == "" {
		c.DefaultLanguage = liveblog.DefaultLanguage
	}
	return c
}

// Server serves an instance's pages, stream and API.
type Server struct {
	cfg    Config
	store  liveblog.Database
	hub    *stream.Hub
	engine *render.Engine
	logger *slog.Logger

	mux     *http.ServeMux
	table   *http.ServeMux
	handler http.Handler
	// build identifies the templates and assets of this binary, so that a
	// page's ETag changes when a release changes how pages look.
	build string
	// desk is the state the newsroom's desk shares.
	desk *desk
	// pages keeps rendered reader pages (see servePage).
	pages pageCache
	// keys holds the Idempotency-Keys of the writes running on this node.
	keys keyLocks
}

// NewServer returns a server reading and writing store, streaming through
// hub and rendering with engine. A nil logger discards.
func NewServer(cfg Config, store liveblog.Database, hub *stream.Hub, engine *render.Engine, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:    cfg.withDefaults(),
		store:  store,
		hub:    hub,
		engine: engine,
		logger: logger,
		build:  buildID(),
	}
	s.desk = newDesk(s.cfg)
	// The table answers; a copy of it without the last resort tells what a
	// request no route takes should get (answerUnrouted).
	s.table = http.NewServeMux()
	s.routes(s.table)
	s.mux = http.NewServeMux()
	s.routes(s.mux)
	s.mux.Handle(unrouted, http.HandlerFunc(s.answerUnrouted))
	s.handler = withRequestID(withSecurityHeaders(s.logRequests(s.recoverPanics(http.HandlerFunc(s.route)))))
	return s
}

// routes is the route table: every URL the server answers, in one place.
func (s *Server) routes(mux *http.ServeMux) {

	// Reader pages.
	mux.Handle("GET /{$}", s.page(s.showIndex))
	mux.Handle("GET /live/{slug}", s.page(s.showEvent))
	mux.Handle("GET /live/{slug}/posts/{id}", s.page(s.showPost))
	mux.Handle("GET /live/{slug}/search", s.page(s.showSearch))

	// What keeps an open page current: the stream, and polling for clients
	// that cannot hold a connection.
	mux.Handle("GET /live/{slug}/stream", s.public(s.serveStream))
	mux.Handle("GET /live/{slug}/changes", s.public(s.listChanges))

	// Feeds, for readers and sites that follow an event away from its page.
	mux.Handle("GET /live/{slug}/feed.atom", s.public(s.serveFeed(feed.Atom)))
	mux.Handle("GET /live/{slug}/feed.rss", s.public(s.serveFeed(feed.RSS)))
	mux.Handle("GET /live/{slug}/feed.json", s.public(s.serveFeed(feed.JSON)))

	// Embedding on other sites: the framed view, the host page's script and
	// oEmbed discovery.
	mux.Handle("GET /live/{slug}/embed", s.page(s.showEmbed))
	mux.Handle("GET /embed.js", embedScript)
	mux.Handle("GET /oembed", s.public(s.serveOEmbed))

	mux.Handle("GET /static/", web.StaticHandler())
	mux.Handle("GET /media/{name}", s.public(s.serveMedia))
	// Probes and metrics, for the load balancer and the operator.
	mux.Handle("GET /healthz", s.public(s.health))
	mux.Handle("GET /readyz", s.public(s.ready))
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics)
	}

	// JSON API for the newsroom; every route needs a bearer token. Each
	// write names its line in the audit log; the writes of events and posts
	// take an Idempotency-Key (apiKeyed) and answer with the status given,
	// as does a retry. A key sent to any other write is refused.
	mux.Handle("GET /api/v1/events", s.api(s.listEvents))
	mux.Handle("POST /api/v1/events", s.apiKeyed("event.create", http.StatusCreated, s.createEvent))
	mux.Handle("GET /api/v1/events/{slug}", s.api(s.getEvent))
	mux.Handle("PATCH /api/v1/events/{slug}", s.apiKeyed("event.update", http.StatusOK, s.updateEvent))
	mux.Handle("PUT /api/v1/events/{slug}/coverage", s.apiKeyed("event.coverage", http.StatusOK, s.setCoverage))
	mux.Handle("PUT /api/v1/events/{slug}/summary", s.apiKeyed("event.summary", http.StatusOK, s.replaceSummary))
	mux.Handle("GET /api/v1/events/{slug}/posts", s.api(s.listPosts))
	mux.Handle("POST /api/v1/events/{slug}/posts", s.apiKeyed("post.create", http.StatusCreated, s.createPost))
	mux.Handle("GET /api/v1/events/{slug}/posts/{id}", s.api(s.getPost))
	mux.Handle("PATCH /api/v1/events/{slug}/posts/{id}", s.apiKeyed("post.update", http.StatusOK, s.updatePost))
	mux.Handle("DELETE /api/v1/events/{slug}/posts/{id}", s.apiKeyed("post.delete", http.StatusOK, s.deletePost))
	mux.Handle("PUT /api/v1/events/{slug}/posts/{id}/pin", s.apiKeyed("post.pin", http.StatusOK, s.pinPost))
	mux.Handle("POST /api/v1/events/{slug}/posts/{id}/restore", s.apiKeyed("post.restore", http.StatusOK, s.restorePost))
	// Syndication partners' webhooks and their delivery log (webhook/).
	mux.Handle("GET /api/v1/events/{slug}/webhooks", s.api(s.listWebhooks))
	mux.Handle("POST /api/v1/events/{slug}/webhooks", s.apiWrite("webhook.create", s.createWebhook))
	mux.Handle("DELETE /api/v1/events/{slug}/webhooks/{id}", s.apiWrite("webhook.delete", s.deleteWebhook))
	mux.Handle("GET /api/v1/events/{slug}/webhooks/{id}/deliveries", s.api(s.listWebhookAttempts))

	// The desk, where journalists sign in and write. Pages for people;
	// the composer's script calls the same routes for JSON. Every route but
	// the sign-in needs a session (deskSigned); each write names its line in
	// the audit log (deskWrite). Previews and presence heartbeats write
	// nothing worth a line, and a sign-in is logged as it ends.
	mux.Handle("GET /desk/login", s.deskOpen(s.showLogin))
	mux.Handle("POST /desk/login", s.deskOpen(s.login))
	mux.Handle("POST /desk/logout", s.deskWrite("signout", s.logout))
	mux.Handle("GET /desk/password", s.deskSigned(s.showPassword))
	mux.Handle("POST /desk/password", s.deskWrite(liveblog.AuditPassword, s.changePassword))
	mux.Handle("POST /desk/profile", s.deskWrite("profile.update", s.updateProfile))
	mux.Handle("GET /desk/{$}", s.deskSigned(s.showDashboard))
	mux.Handle("GET /desk/search", s.deskSigned(s.showDeskSearch))
	mux.Handle("POST /desk/events", s.deskWrite("event.create", s.createDeskEvent))
	mux.Handle("GET /desk/events/{slug}", s.deskSigned(s.showEventDesk))
	mux.Handle("POST /desk/events/{slug}", s.deskWrite("event.update", s.updateDeskEvent))
	mux.Handle("GET /desk/events/{slug}/queue", s.deskSigned(s.showQueue))
	mux.Handle("POST /desk/events/{slug}/coverage", s.deskWrite("event.coverage", s.setDeskCoverage))
	mux.Handle("POST /desk/events/{slug}/summary", s.deskWrite("event.summary", s.replaceDeskSummary))
	mux.Handle("POST /desk/events/{slug}/summary/restore", s.deskWrite("event.summary.restore", s.restoreDeskSummary))
	mux.Handle("POST /desk/events/{slug}/preview", s.deskSigned(s.previewPost))
	mux.Handle("POST /desk/events/{slug}/posts", s.deskWrite("post.create", s.createDeskPost))
	mux.Handle("GET /desk/events/{slug}/posts/{id}", s.deskSigned(s.getDeskPost))
	mux.Handle("PUT /desk/events/{slug}/posts/{id}", s.deskWrite("post.update", s.updateDeskPost))
	mux.Handle("GET /desk/events/{slug}/posts/{id}/history", s.deskSigned(s.showHistory))
	mux.Handle("POST /desk/events/{slug}/posts/{id}/delete", s.deskWrite("post.delete", s.deleteDeskPost))
	mux.Handle("POST /desk/events/{slug}/posts/{id}/restore", s.deskWrite("post.restore", s.restoreDeskPost))
	mux.Handle("POST /desk/media", s.deskWrite("media.upload", s.uploadImage))
	mux.Handle("POST /desk/capture", s.deskWrite("embed.capture", s.captureEmbed))
	mux.Handle("GET /desk/audit", s.deskSigned(s.showAudit))
	mux.Handle("GET /desk/events/{slug}/presence", s.deskSigned(s.listPresence))
	mux.Handle("POST /desk/events/{slug}/presence", s.deskSigned(s.listPresence))
	mux.Handle("GET /desk/users", s.deskSigned(s.showUsers))
	mux.Handle("POST /desk/users", s.deskWrite(liveblog.AuditUserCreate, s.createUser))
	mux.Handle("POST /desk/users/{id}", s.deskWrite(liveblog.AuditUserUpdate, s.updateUser))
	mux.Handle("POST /desk/users/{id}/tokens", s.deskWrite(liveblog.AuditTokenCreate, s.createUserToken))
	mux.Handle("POST /desk/users/{id}/tokens/{token}/revoke", s.deskWrite(liveblog.AuditTokenRevoke, s.revokeUserToken))
}

// Handler returns the server's handler, middleware included.
func (s *Server) Handler() http.Handler { return s.handler }

// HTTPServer returns an *http.Server for addr with every timeout set: a
// server without them can be held open by any client that stops reading or
// writing.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
}

// unrouted is the pattern of the route table's last resort, which takes
// every request no other route does.
const unrouted = "/"

// route dispatches to the route table.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Origin == "" && !ownHost(r) {
		s.fail(w, r, errMisdirected)
		return
	}
	if r.RequestURI == "*" {
		// The mux answers "OPTIONS *" itself, in plain text.
		s.answerUnrouted(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// answerUnrouted gives a request no route takes the status the table alone
// would (404, 405 with its Allow header, or a redirect to the canonical
// form of its path) in our own format: a problem document under /api/, an
// error page elsewhere. Asking the table without the last resort is done
// here, off the path of every routed request.
func (s *Server) answerUnrouted(w http.ResponseWriter, r *http.Request) {
	h, _ := s.table.Handler(r)
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", probe.header.Get("Allow"))
		s.answer(w, r, liveblog.Errorf(codeMethodNotAllowed, "This address does not take %s requests.", r.Method))
	case http.StatusNotFound:
		s.answer(w, r, liveblog.Errorf(liveblog.ENOTFOUND, "There is nothing at this address."))
	default:
		// A redirect to the canonical form of a path.
		for k, v := range probe.header {
			if k != "Content-Type" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(probe.status)
	}
}

// headerProbe records what the mux would answer to a request no route
// takes, without its plain-text body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }

func (p *headerProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (p *headerProbe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

// buildID digests the release and every embedded template and asset.
func buildID() string {
	h := sha256.New()
	h.Write([]byte(liveblog.Version + "\x00" + liveblog.Commit + "\x00"))
	fs.WalkDir(web.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.FS, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p + "\x00"))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16]
}
