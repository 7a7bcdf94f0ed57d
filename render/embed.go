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
	Event     *liveblog.Event
	Loc       *time.Location
	Summary   summaryView
	Pinned    *postView
	Posts     []postView
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
	loc := e.location(ev)
	d := embedView{
		Event:     ev,
		Loc:       loc,
		Summary:   summaryView{ev.Summary, loc},
		StreamURL: EventPath(ev) + "/stream",
		URL:       v.Origin + EventPath(ev),
		Limit:     EmbedPosts,
	}
	if p := v.Page.Pinned; p != nil {
		pv := e.postView(ev, loc, p)
		d.Pinned = &pv
	}
	for _, p := range v.Page.Posts {
		if v.Page.Pinned != nil && p.ID == v.Page.Pinned.ID {
			continue
		}
		d.Posts = append(d.Posts, e.postView(ev, loc, p))
	}
	return e.execute(w, e.pages["embed.html"], "embed", d)
}
