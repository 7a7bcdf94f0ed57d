package render

import (
	"errors"
	"io"
	"time"

	"github.com/liveblog/liveblog"
)

// EmbedPosts is how many posts the embedded view shows and keeps as new ones
// arrive: a box on another site's article, not a second copy of the page.
const EmbedPosts = 10

// EmbedView is the compact view of an event that other sites frame.
type EmbedView struct {
	// Page is the first page of the event, read with Limit EmbedPosts.
	Page *liveblog.Page
	// Origin makes the links to the full coverage absolute; empty leaves
	// them as paths, which the frame resolves against this site anyway.
	Origin string
}

// embedView is the data of the embed template.
type embedView struct {
	Event   *liveblog.Event
	Loc     *time.Location
	Summary summaryView
	streamView
	StreamURL string
	URL       string
	Limit     int
}

// Embed renders the embeddable view of an event.
func (e *Engine) Embed(w io.Writer, v EmbedView) error {
	if v.Page == nil || v.Page.Event == nil {
		return errors.New("render: embed without an event")
	}
	ev := v.Page.Event
	loc := ev.Location()
	d := embedView{
		Event:      ev,
		Loc:        loc,
		Summary:    summaryView{ev.Summary, loc},
		StreamURL:  EventPath(ev) + "/stream",
		URL:        v.Origin + EventPath(ev),
		Limit:      EmbedPosts,
		streamView: e.streamView(ev, loc, v.Page),
	}
	return e.execute(w, e.pages["embed.html"], "embed", d)
}

// streamView is the data of the "stream" template: the posts of a page that
// reader.js keeps current, on the reader page and in the embed alike.
type streamView struct {
	Pinned *postView
	Posts  []postView
}

func (e *Engine) streamView(ev *liveblog.Event, loc *time.Location, pg *liveblog.Page) streamView {
	sv := streamView{Posts: make([]postView, 0, len(pg.Posts))}
	if pg.Pinned != nil {
		p := e.postView(ev, loc, pg.Pinned)
		sv.Pinned = &p
	}
	for _, p := range pg.Posts {
		// The pinned post is shown once, on top; two elements with one id
		// would break the page script.
		if pg.Pinned != nil && p.ID == pg.Pinned.ID {
			continue
		}
		sv.Posts = append(sv.Posts, e.postView(ev, loc, p))
	}
	return sv
}
