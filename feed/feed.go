// Package feed encodes an event's latest posts as Atom, RSS 2.0 and JSON
// Feed 1.1, for feed readers and for other sites that syndicate a live page.
//
// Encoding is all it does: the http package chooses the posts, answers
// conditional requests and writes the bytes. Every format is built from the
// same Feed, so an entry has the same id, title, dates and authors whichever
// format a reader subscribes to.
package feed

import (
	"cmp"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// MaxPosts is how many posts a feed carries. Feed readers poll every few
// minutes at most, and fifty posts cover well over an hour of the busiest
// coverage, so a reader that polls misses nothing, while the document stays
// small enough to fetch on a phone.
const MaxPosts = 50

// Format names an encoding; its value is the extension of the feed's path
// ("feed.atom").
type Format string

// The formats a feed is offered in.
const (
	Atom Format = "atom"
	RSS  Format = "rss"
	JSON Format = "json"
)

// Formats lists every format, in the order pages link to them.
var Formats = []Format{Atom, RSS, JSON}

// MediaType is the format's media type, as link elements name it.
func (f Format) MediaType() string {
	switch f {
	case Atom:
		return "application/atom+xml"
	case RSS:
		return "application/rss+xml"
	case JSON:
		return "application/feed+json"
	}
	return ""
}

// ContentType is the Content-Type a format is served with.
func (f Format) ContentType() string { return f.MediaType() + "; charset=utf-8" }

// Feed is one event's feed.
type Feed struct {
	Event *liveblog.Event
	// Posts are published posts, newest first, at most MaxPosts (see
	// Select).
	Posts []*liveblog.Post
	// KeyOnly marks the feed of key events only: a feed of its own, with
	// its own id, title and address.
	KeyOnly bool
	// Origin is the site's public origin, "https://news.example.com".
	// Feeds are read away from the site, so every link in them is absolute.
	Origin string
	// SiteName names the publisher: the feed's author and generator.
	SiteName string
	// Paths, when set, replaces the instance's own paths below Origin, for
	// a copy of the site laid out differently, such as a static archive.
	Paths *Paths
}

// Paths are the addresses, relative to a feed's Origin, of the event page,
// each post's permalink and the feed in each format. Each starts with "/".
type Paths struct {
	Event string
	Post  func(id int64) string
	Feed  func(Format) string
}

// Encode writes f in format.
func Encode(w io.Writer, format Format, f *Feed) error {
	if f.Event == nil {
		return fmt.Errorf("feed: no event")
	}
	switch format {
	case Atom:
		return writeAtom(w, f)
	case RSS:
		return writeRSS(w, f)
	case JSON:
		return writeJSON(w, f)
	}
	return fmt.Errorf("feed: unknown format %q", format)
}

// Select returns the posts of a feed from a reader page read with Limit
// MaxPosts: the page lists every post but the pinned one, which the store
// returns on its own, so it is put back in its place in time. The result is
// newest first and at most MaxPosts long.
func Select(page *liveblog.Page, keyOnly bool) []*liveblog.Post {
	posts := slices.Clone(page.Posts)
	if p := page.Pinned; p != nil && (p.KeyEvent || !keyOnly) && !slices.ContainsFunc(posts, func(q *liveblog.Post) bool { return q.ID == p.ID }) {
		posts = append(posts, p)
	}
	slices.SortStableFunc(posts, func(a, b *liveblog.Post) int {
		return cmp.Or(b.PublishedAt.Compare(a.PublishedAt), cmp.Compare(b.ID, a.ID))
	})
	return posts[:min(len(posts), MaxPosts)]
}

// Updated returns when the feed last changed as its readers see it: the
// latest time any of its posts was published or edited, or, for a feed with
// no posts, when the event itself was last updated.
func (f *Feed) Updated() time.Time {
	var t time.Time
	for _, p := range f.Posts {
		if u := render.LastEdit(p); u.After(t) {
			t = u
		}
	}
	if t.IsZero() {
		t = f.Event.UpdatedAt
	}
	return t.UTC()
}

// language is the feed's language, the event's BCP 47 tag.
func (f *Feed) language() string { return cmp.Or(f.Event.Language, liveblog.DefaultLanguage) }

// title is the feed's title: the event's, marked on the key events feed.
func (f *Feed) title() string {
	if f.KeyOnly {
		return f.Event.Title + ": key events"
	}
	return f.Event.Title
}

// pageURL is the event page this feed follows: the key events view for the
// key events feed.
func (f *Feed) pageURL() string {
	if f.Paths != nil {
		return f.Origin + f.Paths.Event
	}
	u := f.Origin + render.EventPath(f.Event)
	if f.KeyOnly {
		u += "?" + render.QueryKeyOnly + "=1"
	}
	return u
}

// feedURL returns the address of the feed in format: the path the http
// package serves it at, with the key events query when it is that feed.
func (f *Feed) feedURL(format Format) string {
	if f.Paths != nil {
		return f.Origin + f.Paths.Feed(format)
	}
	u := f.Origin + render.EventPath(f.Event) + "/feed." + string(format)
	if f.KeyOnly {
		u += "?" + render.QueryKeyOnly + "=1"
	}
	return u
}

func (f *Feed) postURL(p *liveblog.Post) string {
	if f.Paths != nil {
		return f.Origin + f.Paths.Post(p.ID)
	}
	return f.Origin + render.Permalink(f.Event, p.ID)
}

// id returns the tag URI (RFC 4151) of the feed or, with a post, of an
// entry. It names the event by its id and the day it was created on the
// site's host, not by a URL, so an entry keeps its identity however pages
// are addressed later, and the same post has the same id in every format and
// in both the full and the key events feed.
func (f *Feed) id(p *liveblog.Post) string {
	host := ""
	if u, err := url.Parse(f.Origin); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	created := f.Event.CreatedAt
	if host == "" || created.IsZero() {
		// Without a host or a date there is no tag to mint; the permalink is
		// the next most stable name.
		if p != nil {
			return f.postURL(p)
		}
		return f.feedURL(Atom)
	}
	tag := "tag:" + host + "," + created.UTC().Format(time.DateOnly) + ":event/" + strconv.FormatInt(f.Event.ID, 10)
	switch {
	case p != nil:
		return tag + "/post/" + strconv.FormatInt(p.ID, 10)
	case f.KeyOnly:
		return tag + "/key-events"
	}
	return tag
}

// absolute makes a path on this instance absolute; other URLs pass as they
// are.
func (f *Feed) absolute(u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return f.Origin + u
	}
	return u
}

// labels are the categories of a post, as the page labels it.
func labels(p *liveblog.Post) []string {
	var out []string
	if p.Breaking {
		out = append(out, "Breaking")
	}
	if p.KeyEvent {
		out = append(out, "Key event")
	}
	return out
}

// title is an entry's title: the post's headline, or for a post without one
// its first line or its time.
func title(p *liveblog.Post, loc *time.Location) string { return render.Title(p, loc) }

// summary is an entry's plain-text summary: the first line of a post whose
// title is its headline; "" when the title already is that line.
func summary(p *liveblog.Post) string {
	if p.Headline == "" {
		return ""
	}
	return render.Excerpt(p)
}
