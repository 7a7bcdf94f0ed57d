package render

import (
	"errors"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
)

// PageView is a reader page: an event page, one of its older pages, or a
// post's permalink page.
type PageView struct {
	Page *liveblog.Page

	// BasePath is the path of the event page that pager and view links point
	// at; empty means EventPath. Links are paths plus a query, never bare
	// "?before=" queries, so that they work from a permalink page too.
	BasePath string
	// StreamURL is the event's stream, written into data-stream; empty means
	// BasePath + "/stream".
	StreamURL string

	// KeyOnly and OldestFirst are the view the reader chose; pager links keep
	// them.
	KeyOnly     bool
	OldestFirst bool

	// FocusPostID is the post a permalink page is about: it gives the page its
	// title and link preview, and the script scrolls to it.
	FocusPostID int64
	// Origin ("https://news.example.com") makes the canonical and preview
	// URLs absolute, as link previews require; empty leaves them as paths.
	Origin string
}

// pageView is the data of the reader page template.
type pageView struct {
	Event       *liveblog.Event
	Loc         *time.Location
	Summary     summaryView
	Pinned      *postView
	Posts       []postView
	StreamURL   string
	First       bool
	KeyOnly     bool
	OldestFirst bool
	FocusPostID int64
	FocusOnPage bool
	Options     [][]link // groups of view choices
	Pager       []link
	Meta        meta
}

// link is a navigation link of the reader page.
type link struct {
	Label, URL, Class, Rel string
	Current                bool
}

// meta is what link previews (OpenGraph, Twitter cards) and the canonical
// link say about a page.
type meta struct {
	Title, Description, URL, Image string
}

// Page renders a reader page. v.Page and its Event are required.
func (e *Engine) Page(w io.Writer, v PageView) error {
	if v.Page == nil || v.Page.Event == nil {
		return errors.New("render: page without an event")
	}
	return e.execute(w, e.pages["live.html"], "layout", e.pageView(v))
}

func (e *Engine) pageView(v PageView) *pageView {
	pg, ev := v.Page, v.Page.Event
	loc := e.location(ev)
	base := v.BasePath
	if base == "" {
		base = EventPath(ev)
	}
	pv := &pageView{
		Event:       ev,
		Loc:         loc,
		Summary:     summaryView{ev.Summary, loc},
		StreamURL:   v.StreamURL,
		First:       pg.Newer == nil,
		KeyOnly:     v.KeyOnly,
		OldestFirst: v.OldestFirst,
		FocusPostID: v.FocusPostID,
		Posts:       make([]postView, 0, len(pg.Posts)),
	}
	if pv.StreamURL == "" {
		pv.StreamURL = base + "/stream"
	}
	var focus *liveblog.Post
	if pg.Pinned != nil {
		p := e.postView(ev, loc, pg.Pinned)
		pv.Pinned = &p
		if pg.Pinned.ID == v.FocusPostID {
			focus = pg.Pinned
		}
	}
	for _, p := range pg.Posts {
		// The pinned post is shown once, on top; two elements with one id
		// would break the page script.
		if pg.Pinned != nil && p.ID == pg.Pinned.ID {
			continue
		}
		pv.Posts = append(pv.Posts, e.postView(ev, loc, p))
		if p.ID == v.FocusPostID {
			focus = p
		}
	}
	pv.FocusOnPage = focus != nil
	pv.Options, pv.Pager = viewLinks(base, v)
	pv.Meta = pageMeta(ev, focus, base, v.Origin)
	return pv
}

// viewURL is the address of a view of the event page: base, the reader's
// choices and at most one cursor.
func viewURL(base string, keyOnly, oldestFirst bool, cursorName, cursor string) string {
	q := url.Values{}
	if cursorName != "" {
		q.Set(cursorName, cursor)
	}
	if keyOnly {
		q.Set(QueryKeyOnly, "1")
	}
	if oldestFirst {
		q.Set(QueryOrder, "oldest")
	}
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

// viewLinks returns the view choices (all posts or key events, newest or
// oldest first) and the pager, both keeping the reader's other choices.
func viewLinks(base string, v PageView) (options [][]link, pager []link) {
	options = [][]link{{
		{Label: "All posts", URL: viewURL(base, false, v.OldestFirst, "", ""), Current: !v.KeyOnly},
		{Label: "Key events", URL: viewURL(base, true, v.OldestFirst, "", ""), Current: v.KeyOnly},
	}, {
		{Label: "Newest first", URL: viewURL(base, v.KeyOnly, false, "", ""), Current: !v.OldestFirst},
		{Label: "Oldest first", URL: viewURL(base, v.KeyOnly, true, "", ""), Current: v.OldestFirst},
	}}
	var older, newer *link
	if c := v.Page.Older; c != nil {
		older = &link{Label: "Older posts", Class: "pager-older", URL: viewURL(base, v.KeyOnly, v.OldestFirst, QueryBefore, c.String())}
	}
	if c := v.Page.Newer; c != nil {
		newer = &link{Label: "Newer posts", Class: "pager-newer", URL: viewURL(base, v.KeyOnly, v.OldestFirst, QueryAfter, c.String())}
	}
	// rel="next" is the page that follows in reading order: older posts when
	// the newest come first, newer posts when the oldest do.
	prev, next := newer, older
	if v.OldestFirst {
		prev, next = older, newer
	}
	if prev != nil {
		prev.Rel = "prev"
		pager = append(pager, *prev)
	}
	if next != nil {
		next.Rel = "next"
		pager = append(pager, *next)
	}
	return options, pager
}

// pageMeta describes the page for link previews: the event, or on a
// permalink page the post, with its first line and first image.
func pageMeta(ev *liveblog.Event, focus *liveblog.Post, base, origin string) meta {
	m := meta{Title: ev.Title, Description: ev.Description, URL: origin + base}
	if focus == nil {
		return m
	}
	m.URL = origin + Permalink(ev, focus.ID)
	if focus.Headline != "" {
		m.Title = focus.Headline
	}
	if line := firstLine(focus); line != "" {
		m.Description = line
	}
	if img := firstImage(focus); img != "" {
		if strings.HasPrefix(img, "/") {
			img = origin + img
		}
		m.Image = img
	}
	return m
}
