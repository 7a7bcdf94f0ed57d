package render

import (
	"cmp"
	"errors"
	"html/template"
	"io"
	"net/url"
	"slices"
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

	// OlderURL and NewerURL, when set, are the addresses of the adjacent
	// pages in place of the ones made from the page's cursors: a static
	// archive names its pages by number (page-2.html). They are used as
	// they are.
	OlderURL, NewerURL string

	// FocusPostID is the post a permalink page is about: it gives the page its
	// title and link preview, and the script scrolls to it.
	FocusPostID int64
	// Origin ("https://news.example.com") makes the canonical and preview
	// URLs absolute, as link previews require; empty leaves them as paths.
	Origin string
	// KeyEvents are the event's latest key events, newest first, listed
	// near the top of the page so a reader arriving late can catch up. The
	// key events view does not show the list: its posts are the list.
	KeyEvents []*liveblog.Post
}

// KeyEventsShown is how many key events the list near the top of a page
// shows: enough to tell the story so far on a phone's first screen or two,
// few enough that the posts are not pushed out of sight.
const KeyEventsShown = 6

// pageView is the data of the reader page template.
type pageView struct {
	Event   *liveblog.Event
	Loc     *time.Location
	Summary summaryView
	streamView
	KeyEvents    []keyEventView
	KeyEventsMax int
	StreamURL    string
	First        bool
	KeyOnly      bool
	OldestFirst  bool
	FocusPostID  int64
	FocusOnPage  bool
	Options      [][]link // groups of view choices
	Pager        []link
	Meta         meta
	Feeds        []feedLink
	// OEmbed is the address of the page's oEmbed description, so that a
	// site given the page's URL can discover how to embed it; empty without
	// an Origin, since discovery needs absolute URLs.
	OEmbed string
	// Static marks a page saved as a file (NewStatic): no script, no
	// stream, no view choices, no search.
	Static bool
	// SearchURL is where the page's search form sends its words.
	SearchURL string
	// StructuredData is the page's schema.org LiveBlogPosting, as JSON
	// that is safe inside a script element (see structuredData).
	StructuredData template.JS
}

// feedLink announces one of the event's feeds in the page head, so that
// browsers and feed readers given the page find it.
type feedLink struct {
	Type, Title, URL string
}

// feedFormats are the event's feeds: the path suffix, media type and name
// of each. The feed package encodes them and the http package serves them
// at these paths.
var feedFormats = []struct{ ext, mediaType, name string }{
	{"atom", "application/atom+xml", "Atom feed"},
	{"rss", "application/rss+xml", "RSS feed"},
	{"json", "application/feed+json", "JSON Feed"},
}

// feedLinks returns the feeds of the view a reader chose: all posts, or key
// events only.
func feedLinks(ev *liveblog.Event, keyOnly bool) []feedLink {
	links := make([]feedLink, 0, len(feedFormats))
	for _, f := range feedFormats {
		l := feedLink{Type: f.mediaType, Title: ev.Title + " – " + f.name, URL: EventPath(ev) + "/feed." + f.ext}
		if keyOnly {
			l.Title = ev.Title + ", key events – " + f.name
			l.URL += "?" + QueryKeyOnly + "=1"
		}
		links = append(links, l)
	}
	return links
}

// keyEventView is an entry of the key events list.
type keyEventView struct {
	Post      *liveblog.Post
	Title     string
	Permalink string
	Sort      string
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
	// ImageAlt describes the image for readers of a preview who cannot
	// see it.
	ImageAlt string
	// Published and Modified date a post's preview (RFC 3339), empty on
	// an event's page, whose date is its structured data's.
	Published, Modified string
}

// Page renders a reader page. v.Page and its Event are required.
func (e *Engine) Page(w io.Writer, v PageView) error {
	if v.Page == nil || v.Page.Event == nil {
		return errors.New("render: page without an event")
	}
	pv := e.pageView(v)
	sd, err := e.structuredData(v.Page.Event, v.Page.Posts, v.Page.Pinned, v.Origin)
	if err != nil {
		return err
	}
	pv.StructuredData = sd
	return e.execute(w, e.pages["live.html"], "layout", pv)
}

func (e *Engine) pageView(v PageView) *pageView {
	pg, ev := v.Page, v.Page.Event
	loc := ev.Location()
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
		streamView:  e.streamView(ev, loc, pg),
	}
	if pv.StreamURL == "" {
		pv.StreamURL = base + "/stream"
	}
	var focus *liveblog.Post
	if p := pg.Pinned; p != nil && p.ID == v.FocusPostID {
		focus = p
	} else if i := slices.IndexFunc(pg.Posts, func(p *liveblog.Post) bool { return p.ID == v.FocusPostID }); i >= 0 {
		focus = pg.Posts[i]
	}
	pv.FocusOnPage = focus != nil
	pv.Options, pv.Pager = viewLinks(base, v)
	pv.Meta = pageMeta(ev, focus, base, v.Origin)
	if e.static {
		// Only the event's own pages exist in an archive: other views,
		// feeds and the stream are the instance's.
		pv.Static, pv.StreamURL, pv.Options = true, "", nil
		pv.Meta.URL, pv.Meta.Image = e.local(pv.Meta.URL), e.local(pv.Meta.Image)
	}
	if !e.static {
		pv.Feeds = feedLinks(ev, v.KeyOnly)
		pv.SearchURL = SearchPath(ev)
	}
	pv.KeyEventsMax = KeyEventsShown
	if v.Origin != "" && !e.static {
		pv.OEmbed = OEmbedURL(v.Origin, v.Origin+EventPath(ev))
	}
	if !v.KeyOnly {
		for _, p := range v.KeyEvents[:min(len(v.KeyEvents), KeyEventsShown)] {
			pv.KeyEvents = append(pv.KeyEvents, keyEventView{Post: p, Title: Title(p, loc), Permalink: e.local(Permalink(ev, p.ID)), Sort: liveblog.CursorOf(p).String()})
		}
	}
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
		older = &link{Label: "Older posts", Class: "pager-older", URL: cmp.Or(v.OlderURL, viewURL(base, v.KeyOnly, v.OldestFirst, QueryBefore, c.String()))}
	}
	if c := v.Page.Newer; c != nil {
		newer = &link{Label: "Newer posts", Class: "pager-newer", URL: cmp.Or(v.NewerURL, viewURL(base, v.KeyOnly, v.OldestFirst, QueryAfter, c.String()))}
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
	if line := Excerpt(focus); line != "" {
		m.Description = line
	}
	for _, b := range focus.Blocks {
		if src := SafeURL(b.Src); b.Type == liveblog.BlockImage && src != "" {
			m.Image, m.ImageAlt = absolute(origin, src), b.Alt
			break
		}
	}
	m.Published, m.Modified = isoTime(focus.PublishedAt), isoTime(LastEdit(focus))
	return m
}

// OEmbedURL returns the address of the oEmbed description of pageURL on the
// site at origin.
func OEmbedURL(origin, pageURL string) string {
	return origin + "/oembed?" + url.Values{"url": {pageURL}, "format": {"json"}}.Encode()
}
