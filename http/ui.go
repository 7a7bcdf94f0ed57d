package http

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// pageCacheControl lets a CDN absorb a crowd of readers on a breaking story:
// each edge asks the origin at most once a second, and keeps serving the
// page it has for a few seconds while it asks. Readers see new posts through
// the stream anyway, so a page a second old loses nothing.
const pageCacheControl = "public, max-age=1, stale-while-revalidate=10"

// indexSize is how many events the front page lists.
const indexSize = liveblog.MaxPageSize

func (s *Server) showIndex(w http.ResponseWriter, r *http.Request) error {
	events, err := s.store.FindEvents(r.Context(), liveblog.EventFilter{Limit: indexSize})
	if err != nil {
		return err
	}
	parts := []string{"index"}
	for _, ev := range events {
		parts = append(parts, strconv.FormatInt(ev.ID, 10), strconv.Itoa(ev.Version), strconv.FormatInt(ev.Head, 10))
	}
	// The index is read per request (it follows from every event) but sent
	// like a reader page: compressed in the encoding the reader takes, and
	// 304 for a reader who has it in any encoding.
	etag := s.siteETag(parts...)
	if answerNotModified(w, r, etag, pageCacheControl) {
		return nil
	}
	var buf bytes.Buffer
	if err := s.engine.Index(&buf, render.IndexView{Events: events}); err != nil {
		return err
	}
	writeEntry(w, r, oneOffEntry(r, feedState{}, etag, "text/html; charset=utf-8", pageCacheControl, buf.Bytes()))
	return nil
}

func (s *Server) showEvent(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if !validSlug(slug) {
		return errNoEvent
	}
	var q url.Values // the first page, the one nearly every reader asks for, has no query to parse
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	before, after, err := cursorParams(q)
	if err != nil {
		return err
	}
	keyOnly, err := boolParam(q, render.QueryKeyOnly)
	if err != nil {
		return err
	}
	oldest, err := orderParam(q)
	if err != nil {
		return err
	}
	// The view is keyed by the parameters as parsed, so that utm_ tags and
	// the like do not split a cache.
	view := []string{strconv.FormatBool(keyOnly), strconv.FormatBool(oldest), cursorKey(before), cursorKey(after)}
	return s.servePage(w, r, slug, errNoEvent, view, func(ctx context.Context) (render.PageView, error) {
		page, err := s.findPage(ctx, liveblog.PageFilter{
			Slug: slug, Before: before, After: after, KeyOnly: keyOnly, OldestFirst: oldest, Limit: liveblog.DefaultPageSize,
		})
		return render.PageView{Page: page, KeyOnly: keyOnly, OldestFirst: oldest, Origin: s.cfg.Origin}, err
	})
}

// showPost is a post's permalink: the page of the event that holds the
// post, however deep in the event it lies.
func (s *Server) showPost(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if !validSlug(slug) {
		return errNoEvent
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return errNoPost
	}
	return s.servePage(w, r, slug, errNoPost, []string{"post", strconv.FormatInt(id, 10)}, func(ctx context.Context) (render.PageView, error) {
		// FindPage finds only a published post of this event; a draft, a
		// deleted post or another event's post is not found.
		page, err := s.store.FindPage(ctx, liveblog.PageFilter{Slug: slug, Around: id, Limit: liveblog.DefaultPageSize})
		if liveblog.ErrorCode(err) == liveblog.ENOTFOUND {
			return render.PageView{}, errNoPost
		}
		return render.PageView{Page: page, FocusPostID: id, Origin: s.cfg.Origin}, err
	})
}

var (
	errNoEvent = liveblog.Errorf(liveblog.ENOTFOUND, "There is no live event at this address.")
	errNoPost  = liveblog.Errorf(liveblog.ENOTFOUND, "This live event has no such post, or it has been taken down.")
)

func cursorKey(c *liveblog.Cursor) string {
	if c == nil {
		return ""
	}
	return c.String()
}

// writeErrorPage answers with the HTML error page for p. Should the page
// itself fail to render, a line of text still tells the reader something.
func (s *Server) writeErrorPage(w http.ResponseWriter, r *http.Request, p *problem) {
	var buf bytes.Buffer
	if err := s.engine.Error(&buf, p.Status, pageMessage(p)); err != nil {
		s.logger.ErrorContext(r.Context(), "cannot render error page", "request_id", infoOf(r.Context()).id, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(p.Status)
		w.Write([]byte(pageMessage(p) + "\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(p.Status)
	w.Write(buf.Bytes())
}
