package http

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/feed"
	"github.com/liveblog/liveblog/render"
)

// feedCacheControl lets a CDN answer the crowd of feed readers and
// aggregators that poll a busy event: they poll every few minutes, so a
// minute's delay costs them nothing and spares the origin nearly every poll.
const feedCacheControl = "public, max-age=60, stale-while-revalidate=60"

// serveFeed answers an event's feed in format: its latest posts, or its key
// events with ?key=1. Conditional requests are answered from the event
// alone: its version, head and the release determine the feed, so a poll
// that changes nothing costs one read and no encoding.
func (s *Server) serveFeed(format feed.Format) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		slug := r.PathValue("slug")
		if !validSlug(slug) {
			return errNoEvent // before the query: an address that names no event is 404 whatever it asks
		}
		keyOnly, err := boolParam(r.URL.Query(), render.QueryKeyOnly)
		if err != nil {
			return err
		}
		// One transaction gives the posts and the head that produced them,
		// so the validators below always describe this body.
		page, err := s.findPage(r.Context(), liveblog.PageFilter{Slug: slug, KeyOnly: keyOnly, Limit: feed.MaxPosts})
		if err != nil {
			return err
		}
		ev := page.Event
		origin := s.origin(r)
		f := &feed.Feed{Event: ev, Posts: feed.Select(page, keyOnly), KeyOnly: keyOnly, Origin: origin, SiteName: s.engine.SiteName}
		modified, err := s.lastModified(r.Context(), ev, f)
		if err != nil {
			return err
		}
		etag := digestETag("feed", string(format), s.build, s.engine.SiteName, origin,
			strconv.FormatInt(ev.ID, 10), strconv.Itoa(ev.Version), strconv.FormatInt(ev.Head, 10), strconv.FormatBool(keyOnly))

		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", s.originCacheControl(feedCacheControl))
		if !modified.IsZero() {
			h.Set("Last-Modified", modified.Format(http.TimeFormat))
		}
		if feedNotModified(r, etag, modified) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		var buf bytes.Buffer
		if err := feed.Encode(&buf, format, f); err != nil {
			return err
		}
		h.Set("Content-Type", format.ContentType())
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		w.Write(buf.Bytes())
		return nil
	}
}

// lastModified is when the feed last changed: the latest of its posts'
// times, the event's own update, and the change at the event's head, which
// is what moves when a post is deleted or unpinned and no remaining post's
// time says so. Zero means it cannot be known exactly (the head's change
// was trimmed, or written since the page was read; or it is this very
// second), and then the ETag alone validates: a Last-Modified that is too
// early would make a reader that only sends If-Modified-Since keep a stale
// feed.
func (s *Server) lastModified(ctx context.Context, ev *liveblog.Event, f *feed.Feed) (time.Time, error) {
	t := f.Updated()
	if ev.UpdatedAt.After(t) {
		t = ev.UpdatedAt
	}
	if ev.Head > 0 {
		b, err := s.store.FindChanges(ctx, liveblog.ChangeFilter{EventID: ev.ID, After: ev.Head - 1, Limit: 1})
		if err != nil {
			return time.Time{}, err
		}
		if len(b.Changes) == 0 || b.Changes[0].Seq != ev.Head {
			return time.Time{}, nil
		}
		if c := b.Changes[0].CreatedAt; c.After(t) {
			t = c
		}
	}
	// HTTP dates have whole seconds. Until the second of the last change
	// is over, another change could come within it and carry the same date,
	// so only a finished second is a date a reader can poll by.
	t = t.UTC().Truncate(time.Second)
	if !t.Before(time.Now().UTC().Truncate(time.Second)) {
		return time.Time{}, nil
	}
	return t, nil
}

// feedNotModified reports whether the client already has the feed: by its
// ETag, or, only when it sends no If-None-Match (RFC 9110, 13.1.3), by
// If-Modified-Since.
func feedNotModified(r *http.Request, etag string, modified time.Time) bool {
	if r.Header.Get("If-None-Match") != "" {
		return notModified(r, etag)
	}
	if modified.IsZero() {
		return false
	}
	since, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	return err == nil && !modified.After(since)
}
