package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/web"
)

// desk is the state the desk routes share. The desk is where journalists
// work (web/templates/desk_*.html, web/static/desk.js); every route knows who
// is signed in, every state-changing one is checked against cross-site
// forgery twice (http.CrossOriginProtection, and a per-session token for
// browsers and proxies that send no Sec-Fetch-Site or Origin), and
// liveblog.Can decides what a user may do.
type desk struct {
	cop *http.CrossOriginProtection
	// heavy bounds the memory-hungry work done at once: hashing a
	// password takes 64 MiB (see package argon2id), decoding an upload
	// what its header says (media.DecodeCost: 242 MB for a 40-megapixel
	// PNG), and a crowd of either must not take the memory the readers
	// need.
	heavy *budget
}

// newDesk prepares the desk.
func newDesk(cfg Config) *desk {
	d := &desk{cop: http.NewCrossOriginProtection(), heavy: newBudget(cfg.WorkMemory)}
	if cfg.Origin != "" {
		// Behind a proxy that rewrites Host, the browser's Origin is the
		// public one, which the same-origin check could not match.
		d.cop.AddTrustedOrigin(cfg.Origin)
	}
	return d
}

// deskView is the data of every desk page.
type deskView struct {
	Site  string
	Title string
	User  *liveblog.User
	CSRF  string
	// Notice says that something worked; Error what did not.
	Notice string
	Error  string
	// Reader loads the reader's script, for pages with a live view.
	Reader bool
	Data   any
}

// deskTemplates are parsed once, when the package is initialised: they are
// compiled into the binary, so one that does not parse is a build defect
// that the first test run shows.
var deskTemplates = mustParseDesk()

func mustParseDesk() map[string]*template.Template {
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			if p := web.AssetPath(name); p != "" {
				return p, nil
			}
			return "", fmt.Errorf("no asset static/%s", name)
		},
		"can": func(u *liveblog.User, action string) bool { return liveblog.Can(u, liveblog.Action(action), nil) },
		"formatTime": func(t time.Time, ev *liveblog.Event) string {
			return render.FormatTime(t, ev.Location())
		},
		"rfc3339":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"stateLabel": stateLabel,
		// The live view's badge is the reader's: "LIVE" where the desk's
		// own headings say "Live".
		"readerLabel": render.StateLabel,
		"excerpt":     render.Excerpt,
		"eventPath":   render.EventPath,
		"join":        strings.Join,
		"searchForm":  render.NewSearchForm,
	}
	layout, err := template.New("").Funcs(funcs).ParseFS(web.FS, "templates/desk_layout.html", "templates/desk_queue.html", "templates/search_form.html")
	if err != nil {
		panic("http: desk templates: " + err.Error())
	}
	pages := map[string]*template.Template{}
	names, err := fs.Glob(web.FS, "templates/desk_*.html")
	if err != nil {
		panic("http: desk templates: " + err.Error())
	}
	for _, name := range names {
		base := path.Base(name)
		if base == "desk_layout.html" || base == "desk_queue.html" {
			continue
		}
		t := template.Must(layout.Clone())
		if _, err := t.ParseFS(web.FS, name); err != nil {
			panic("http: desk templates: " + err.Error())
		}
		if t.Lookup("desk_content") == nil {
			panic("http: " + name + " does not define desk_content")
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages
}

// stateLabel names a coverage state on the desk.
func stateLabel(s liveblog.CoverageState) string {
	switch s {
	case liveblog.CoverageLive:
		return "Live"
	case liveblog.CoveragePaused:
		return "Paused"
	case liveblog.CoverageScheduled:
		return "Scheduled"
	case liveblog.CoverageEnded:
		return "Ended"
	}
	return string(s)
}

// renderDesk writes the desk page name (desk_dashboard, ...) with status.
func (s *Server) renderDesk(w http.ResponseWriter, r *http.Request, status int, name string, v *deskView) error {
	t, ok := deskTemplates[name]
	if !ok {
		return fmt.Errorf("desk: no page %s", name)
	}
	v.Site = s.engine.SiteName
	if v.User == nil {
		v.User = userOf(r.Context())
	}
	if sess := sessionOf(r.Context()); sess != nil {
		v.CSRF = csrfToken(sess.secret)
	}
	return s.writeTemplate(w, status, t, "desk", v)
}

// writeTemplate renders into memory first, so that a template error can
// still be answered with an error page.
func (s *Server) writeTemplate(w http.ResponseWriter, status int, t *template.Template, name string, data any) error {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return fmt.Errorf("desk: %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

// writeProblemWith writes a problem document that has members of its own
// besides the standard ones (v embeds *problem).
func writeProblemWith(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode problem: %w", err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// wantsJSON reports whether the desk's script made the request and wants a
// problem document rather than a page when it fails.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json") ||
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
}

// formBody reports whether the body is a form that r.PostFormValue would
// parse: URL-encoded or multipart.
func formBody(r *http.Request) bool {
	return isForm(r) || strings.EqualFold(mediaType(r), "multipart/form-data")
}

// mediaType returns the media type of the request's Content-Type, without
// its parameters.
func mediaType(r *http.Request) string {
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.TrimSpace(mt)
}

// deskRoute adapts a desk handler: no caching, the error format the caller
// understands, the cross-origin check for unsafe methods, and the session
// when there is one. signIn says whether the route needs one.
func (s *Server) deskRoute(signIn bool, h handlerFunc) http.Handler {
	run := func(w http.ResponseWriter, r *http.Request) error {
		// A page for one signed-in user must not be kept by a cache and
		// shown to the next.
		w.Header().Set("Cache-Control", "no-store")
		unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead
		if unsafe {
			if err := s.desk.cop.Check(r); err != nil {
				return errCrossSite
			}
			if err := refuseEncodedBody(w, r); err != nil {
				return err
			}
			// Only an upload is large. A form is parsed whole into memory
			// (PostFormValue), on the sign-in route before anyone is known,
			// at several times its size, so it gets the API's limit.
			limit := max(s.cfg.MaxBodyBytes, maxUploadBytes+1<<20)
			if formBody(r) {
				limit = s.cfg.MaxBodyBytes
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		sess, err := s.findSession(r)
		if err != nil {
			return err
		}
		if sess == nil {
			if !signIn {
				return h(w, r)
			}
			if !unsafe && !wantsJSON(r) {
				http.Redirect(w, r, "/desk/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return nil
			}
			return liveblog.Errorf(liveblog.EUNAUTHORIZED, "Your session has ended. Sign in again in another tab; your draft is kept.")
		}
		if unsafe {
			if err := checkCSRF(r, sess); err != nil {
				return err
			}
		}
		ctx := context.WithValue(r.Context(), sessionKey, sess)
		ctx = context.WithValue(ctx, userKey, sess.User)
		return h(w, r.WithContext(ctx))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r.Context())
		info.format = formatPage
		if wantsJSON(r) {
			info.format = formatProblem
		}
		if err := run(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// deskOpen is for the sign-in page, which works without a session.
func (s *Server) deskOpen(h handlerFunc) http.Handler { return s.deskRoute(false, h) }

// deskSigned is for every other desk route.
func (s *Server) deskSigned(h handlerFunc) http.Handler { return s.deskRoute(true, h) }

// forbidden says, for each action, who may do it.
var forbidden = map[liveblog.Action]string{
	liveblog.ActionCreateEvent:  "Only editors can create events.",
	liveblog.ActionEditEvent:    "Only editors can change an event.",
	liveblog.ActionSetCoverage:  "Only editors can start, pause or end coverage.",
	liveblog.ActionEditSummary:  "Only editors can change the key points.",
	liveblog.ActionCreatePost:   "You cannot write posts.",
	liveblog.ActionEditPost:     "Reporters can only edit their own posts; ask an editor.",
	liveblog.ActionFlagPost:     "Only editors can mark posts as breaking or key events.",
	liveblog.ActionPinPost:      "Only editors can pin posts.",
	liveblog.ActionDeletePost:   "Reporters can only delete their own posts; ask an editor.",
	liveblog.ActionRestorePost:  "Only editors can restore deleted posts.",
	liveblog.ActionUploadMedia:  "You cannot upload images.",
	liveblog.ActionManageUsers:  "Only administrators can manage users.",
	liveblog.ActionManageTokens: "Only administrators can manage API tokens.",
}

// authorize refuses, with 403, an action the request's user may not do. p
// is the post acted on, nil for other actions.
func authorize(r *http.Request, a liveblog.Action, p *liveblog.Post) error {
	if liveblog.Can(userOf(r.Context()), a, p) {
		return nil
	}
	msg, ok := forbidden[a]
	if !ok {
		msg = "You may not do this."
	}
	return liveblog.Errorf(liveblog.EFORBIDDEN, "%s", msg)
}

// authorizeFlags refuses a change of a post's flags by a user who may not
// set them. A reporter may save their own post as long as its breaking and
// key-event marks and its pin stay as an editor left them.
func authorizeFlags(r *http.Request, p *liveblog.Post, breaking, keyEvent, pinned *bool) error {
	changed := func(v *bool, was bool) bool { return v != nil && *v != was }
	if changed(breaking, p.Breaking) || changed(keyEvent, p.KeyEvent) {
		if err := authorize(r, liveblog.ActionFlagPost, p); err != nil {
			return err
		}
	}
	if changed(pinned, p.Pinned) {
		return authorize(r, liveblog.ActionPinPost, p)
	}
	return nil
}
