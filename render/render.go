// Package render turns events and posts into the HTML readers see and the
// data of the stream frames that keep an open page current.
//
// Pages, the post and summary partials and stream frames all go through one
// set of templates, parsed once by New from web.FS, so a post inserted into
// an open page is byte-for-byte the post a reload would show. Rendering has no
// HTTP in it: the http package chooses what to render and where to write it.
package render

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/media"
	"github.com/liveblog/liveblog/web"
)

// DefaultSiteName is the name in page titles and the header until an
// instance names itself.
const DefaultSiteName = "liveblog"

// Query parameters of reader pages. Pager and view links carry them, and the
// http package reads them.
const (
	QueryBefore  = "before" // page cursor: posts older than this one
	QueryAfter   = "after"  // page cursor: posts newer than this one
	QueryKeyOnly = "key"    // "1": key events only
	QueryOrder   = "order"  // "oldest": oldest post first
)

// Template files. Partials are shared by every page and rendered on their own
// for stream frames; each page gets its own copy of them plus its file.
var (
	partialFiles = []string{"layout.html", "post.html", "summary.html", "coverage.html", "search_form.html"}
	pageFiles    = []string{"index.html", "live.html", "error.html", "embed.html", "search.html"}
	assetNames   = []string{"style.css", "reader.js", "favicon.svg", "embed.js", "facade.js"}
)

// Engine renders pages and fragments. It is safe for concurrent use.
type Engine struct {
	// SiteName is shown in titles and the header. Set it before the engine
	// is used.
	SiteName string

	partials *template.Template
	pages    map[string]*template.Template
	buffers  sync.Pool

	// static and root are set by NewStatic: links to the site's own paths
	// become files relative to the page, root leading to the top.
	static bool
	root   string
}

// New parses every template. A template that is missing or does not parse,
// and an asset the templates link to that does not exist, fail here rather
// than on some request later.
func New() (*Engine, error) {
	e := &Engine{
		SiteName: DefaultSiteName,
		pages:    make(map[string]*template.Template, len(pageFiles)),
		buffers:  sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
	for _, name := range assetNames {
		if web.AssetPath(name) == "" {
			return nil, fmt.Errorf("render: missing asset static/%s", name)
		}
	}
	if err := checkFiles(); err != nil {
		return nil, err
	}
	partials, err := template.New("").Funcs(e.funcs()).ParseFS(web.FS, paths(partialFiles)...)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	for _, name := range []string{"layout", "post", "stream", "block", "facade", "spans", "summary", "coverage-time"} {
		if partials.Lookup(name) == nil {
			return nil, fmt.Errorf("render: template %q is not defined", name)
		}
	}
	e.partials = partials
	for _, file := range pageFiles {
		t, err := partials.Clone()
		if err != nil {
			return nil, fmt.Errorf("render: %w", err)
		}
		if t, err = t.ParseFS(web.FS, "templates/"+file); err != nil {
			return nil, fmt.Errorf("render: %w", err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("render: %s does not define \"content\"", file)
		}
		e.pages[file] = t
	}
	// The embed is a document of its own, without the site's frame.
	if e.pages["embed.html"].Lookup("embed") == nil {
		return nil, fmt.Errorf("render: embed.html does not define \"embed\"")
	}
	return e, nil
}

// checkFiles refuses a template file that is neither a partial nor a page: it
// would otherwise be embedded and silently never used.
func checkFiles() error {
	entries, err := fs.ReadDir(web.FS, "templates")
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	for _, entry := range entries {
		// The desk's templates are the http package's (see http/desk.go).
		if strings.HasPrefix(entry.Name(), "desk_") {
			continue
		}
		if !slices.Contains(partialFiles, entry.Name()) && !slices.Contains(pageFiles, entry.Name()) {
			return fmt.Errorf("render: template file %s is not used by the engine", entry.Name())
		}
	}
	return nil
}

func paths(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = path.Join("templates", f)
	}
	return out
}

func (e *Engine) funcs() template.FuncMap {
	return template.FuncMap{
		"site": func() string { return e.SiteName },
		"home": func() string { return e.local("/") },
		"asset": func(name string) (string, error) {
			if p := web.AssetPath(name); p != "" {
				return e.local(p), nil
			}
			return "", fmt.Errorf("no asset static/%s", name)
		},
		"location":    (*liveblog.Event).Location,
		"formatTime":  FormatTime,
		"formatClock": FormatClock,
		"rfc3339":     rfc3339,
		"safeURL":     func(raw string) string { return e.local(SafeURL(raw)) },
		"host":        host,
		"lines":       lines,
		"paragraphs":  Paragraphs,
		"stateLabel":  StateLabel,
		"stateNote":   stateNote,
		"srcset":      e.srcSet,
		"facade":      facade,
		"formatDate":  formatDate,
		"searchForm":  NewSearchForm,
	}
}

// execute renders into a buffer first, so that a template error never leaves
// half a page on the wire: the caller can still send an error page.
func (e *Engine) execute(w io.Writer, t *template.Template, name string, data any) error {
	buf := e.buffers.Get().(*bytes.Buffer)
	defer func() {
		// A rare huge page should not pin its buffer in the pool for ever.
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			e.buffers.Put(buf)
		}
	}()
	buf.Reset()
	if err := t.ExecuteTemplate(buf, name, data); err != nil {
		return fmt.Errorf("render: %s: %w", name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// IndexView is the front page: the events to list.
type IndexView struct {
	Events []*liveblog.Event
}

// Index renders the front page. Live coverage is listed first, then paused,
// scheduled and ended; within each group the given order is kept.
func (e *Engine) Index(w io.Writer, v IndexView) error {
	events := slices.Clone(v.Events)
	slices.SortStableFunc(events, func(a, b *liveblog.Event) int {
		return cmp.Compare(stateRank(a.State), stateRank(b.State))
	})
	return e.execute(w, e.pages["index.html"], "layout", struct{ Events []*liveblog.Event }{events})
}

func stateRank(s liveblog.CoverageState) int {
	switch s {
	case liveblog.CoverageLive:
		return 0
	case liveblog.CoveragePaused:
		return 1
	case liveblog.CoverageScheduled:
		return 2
	}
	return 3
}

// Error renders an error page for an HTTP status. message is shown as text
// and must already be safe to show (see liveblog.ErrorMessage).
func (e *Engine) Error(w io.Writer, status int, message string) error {
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	return e.execute(w, e.pages["error.html"], "layout", struct{ Title, Message string }{title, message})
}

// Post renders one post's article, exactly as the reader page shows it.
func (e *Engine) Post(w io.Writer, ev *liveblog.Event, p *liveblog.Post) error {
	return e.execute(w, e.partials, "post", e.postView(ev, ev.Location(), p))
}

// Summary renders the event's key points box, exactly as the reader page
// shows it.
func (e *Engine) Summary(w io.Writer, ev *liveblog.Event) error {
	return e.execute(w, e.partials, "summary", summaryView{ev.Summary, ev.Location()})
}

// coverageTime renders the "Coverage started" line of ev; "" before
// coverage first went live.
func (e *Engine) coverageTime(w io.Writer, ev *liveblog.Event) error {
	return e.execute(w, e.partials, "coverage-time", struct {
		Event *liveblog.Event
		Loc   *time.Location
	}{ev, ev.Location()})
}

// postView is the data of the post template.
type postView struct {
	Post      *liveblog.Post
	Loc       *time.Location
	Sort      string
	Permalink string
}

func (e *Engine) postView(ev *liveblog.Event, loc *time.Location, p *liveblog.Post) postView {
	return postView{
		Post:      p,
		Loc:       loc,
		Sort:      liveblog.CursorOf(p).String(),
		Permalink: e.local(Permalink(ev, p.ID)),
	}
}

// summaryView is the data of the summary template.
type summaryView struct {
	liveblog.Summary
	Loc *time.Location
}

// EventPath returns the path of an event's reader page.
func EventPath(ev *liveblog.Event) string { return "/live/" + url.PathEscape(ev.Slug) }

// Permalink returns the path of a post's own page.
func Permalink(ev *liveblog.Event, postID int64) string {
	return fmt.Sprintf("%s/posts/%d", EventPath(ev), postID)
}

// NewStatic returns an engine that renders pages to be saved as files and
// served by any static server: a static archive of an event (see the archive
// package). Links to the site's own paths become relative files under root,
// the path from the page to the archive's top directory ("" for a page there,
// "../" for one a directory down):
//
//	/                        root + "index.html"
//	/live/SLUG               root + "index.html"
//	/live/SLUG/posts/ID      root + "posts/ID.html"
//	/static/NAME, /media/NAME  root + "static/NAME", root + "media/NAME"
//
// Any other path of the site is left out (an empty link), since the archive
// has no file for it. Pages load no script, open no stream and offer no view
// choices or feeds; PageView.OlderURL and NewerURL name the other pages.
func NewStatic(root string) (*Engine, error) {
	e, err := New()
	if err != nil {
		return nil, err
	}
	e.static, e.root = true, root
	return e, nil
}

// local returns how a page links to p, a path of this site or any other
// URL: as it is, or on a static engine as the file that holds it.
func (e *Engine) local(p string) string {
	if !e.static || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return p
	}
	if p == "/" {
		return e.root + "index.html"
	}
	if strings.HasPrefix(p, web.StaticPrefix) || strings.HasPrefix(p, "/media/") {
		return e.root + p[1:]
	}
	if rest, ok := strings.CutPrefix(p, "/live/"); ok {
		slug, post, isPost := strings.Cut(rest, "/posts/")
		switch {
		case !isPost && !strings.ContainsAny(rest, "/?#"):
			return e.root + "index.html"
		case isPost && !strings.ContainsAny(slug, "/?#") && post != "" && strings.Trim(post, "0123456789") == "":
			return e.root + "posts/" + post + ".html"
		}
	}
	return ""
}

// srcSet is the srcset of the uploaded image src (see media.SrcSet), each
// candidate linked as the engine links the site's paths.
func (e *Engine) srcSet(src string, width int) string {
	if !e.static {
		return media.SrcSet(src, width)
	}
	vs := media.Variants(src, width)
	if len(vs) < 2 {
		return ""
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = e.local(v.Src) + " " + strconv.Itoa(v.Width) + "w"
	}
	return strings.Join(parts, ", ")
}
