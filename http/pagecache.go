package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// DefaultPageCacheBytes bounds the rendered pages kept in memory. A reader
// page is about 30 KiB and 3 KiB gzipped, so this holds every view of a few
// hundred events, or the permalinks a crowd follows from social media,
// for less than the stacks of a thousand readers' connections.
const DefaultPageCacheBytes = 32 << 20

// A reader page follows from its event's version and head, the view asked
// for and the release, and every change to an event moves its head. So a
// page is rendered and compressed once per change and view, and a crowd
// that asks for it in between is answered from memory. Whether a kept page
// is still current is judged against the head the stream hub knows (told by
// the broker after every commit, on this node or another) when the hub
// follows the event, as it does whenever a reader has the page open; else
// against the head read from the store.

// pageCache holds rendered pages, and the events they were rendered from.
// Its zero value is ready to use.
type pageCache struct {
	mu      sync.Mutex
	pages   map[pageKey]*pageEntry
	flights map[pageKey]*pageFlight
	bytes   int
	events  map[string]*liveblog.Event // by slug
}

type pageKey struct {
	eventID int64
	view    string
}

// pageEntry is one rendered page in both encodings.
type pageEntry struct {
	head    int64
	version int
	etag    string
	plain   []byte
	gzipped []byte
}

func (p *pageEntry) size() int { return len(p.plain) + len(p.gzipped) + 128 }

// pageFlight is a page being rendered; requests that want it meanwhile wait
// for it instead of rendering it again, which is what a page that just
// changed under a crowd would otherwise cost.
type pageFlight struct {
	done  chan struct{}
	entry *pageEntry
	err   error
}

// maxCachedEvents bounds the events remembered by slug; past it they are
// forgotten all at once, which costs each one store read.
const maxCachedEvents = 4096

// liveEvent returns the event a reader route names, as of its latest change:
// from memory while the hub's head says it has not changed, else from the
// store. The event returned is shared and must not be modified.
func (s *Server) liveEvent(ctx context.Context, slug string) (*liveblog.Event, error) {
	if !validSlug(slug) {
		return nil, errNoEvent
	}
	c := &s.pages
	c.mu.Lock()
	ev := c.events[slug]
	c.mu.Unlock()
	if ev != nil && s.hub != nil {
		if head, ok := s.hub.Head(ev.ID); ok && head == ev.Head {
			return ev, nil
		}
	}
	ev, err := s.store.FindEventBySlug(ctx, slug)
	c.mu.Lock()
	defer c.mu.Unlock()
	if liveblog.ErrorCode(err) == liveblog.ENOTFOUND {
		delete(c.events, slug)
		return nil, errNoEvent
	} else if err != nil {
		return nil, err
	}
	if c.events == nil || len(c.events) >= maxCachedEvents {
		c.events = make(map[string]*liveblog.Event)
	}
	c.events[slug] = ev
	return ev, nil
}

// servePage answers a reader page of the event slug in view: 304 when the
// reader has it, the kept page when it is current, else the page load
// reads, rendered and compressed once for everyone asking. notFound is the
// answer when there is no such event.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, slug string, notFound error, view []string,
	load func(context.Context) (render.PageView, error)) error {
	ev, err := s.liveEvent(r.Context(), slug)
	if err == errNoEvent {
		return notFound
	} else if err != nil {
		return err
	}
	gz := acceptsGzip(r)
	h := w.Header()
	etag := s.pageETag(ev, view)
	if notModified(r, etag) || notModified(r, gzipETag(etag)) {
		if gz {
			etag = gzipETag(etag)
		}
		h.Set("ETag", etag)
		h.Set("Cache-Control", pageCacheControl)
		h.Add("Vary", "Accept-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return nil
	}

	key := pageKey{ev.ID, strings.Join(view, "\x00")}
	entry, err := s.pages.get(key, ev, func() (*pageEntry, error) {
		v, err := load(r.Context())
		if err != nil {
			return nil, err
		}
		if err := s.findKeyEvents(r.Context(), &v); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := s.engine.Page(&buf, v); err != nil {
			return nil, err
		}
		return &pageEntry{
			head:    v.Page.Event.Head,
			version: v.Page.Event.Version,
			etag:    s.pageETag(v.Page.Event, view),
			plain:   buf.Bytes(),
			gzipped: gzipPage(buf.Bytes()),
		}, nil
	})
	if err != nil {
		return err
	}
	if entry.head != ev.Head || entry.version != ev.Version {
		// The store has moved past the event as remembered (the hub has not
		// been told yet): read it afresh next time.
		s.pages.forgetEvent(slug)
	}
	body, etag := entry.plain, entry.etag
	if gz {
		body, etag = entry.gzipped, gzipETag(entry.etag)
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", pageCacheControl)
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

// pageETag is the entity tag of a page of ev in view. It also covers what
// every page shows: the release's templates, the site's name and its origin.
func (s *Server) pageETag(ev *liveblog.Event, view []string) string {
	parts := append([]string{s.build, s.engine.SiteName, s.cfg.Origin, "page", strconv.FormatInt(ev.ID, 10),
		strconv.Itoa(ev.Version), strconv.FormatInt(ev.Head, 10)}, view...)
	return digestETag(parts...)
}

// gzipETag is the tag of the gzipped representation: a strong tag names
// one sequence of bytes, so the two encodings of a page need two tags.
func gzipETag(etag string) string {
	return strings.TrimSuffix(etag, `"`) + `-gz"`
}

// get returns the page under key as of ev's version and head, rendering it
// with build when it is not kept, or kept from an older head.
func (c *pageCache) get(key pageKey, ev *liveblog.Event, build func() (*pageEntry, error)) (*pageEntry, error) {
	c.mu.Lock()
	if p := c.pages[key]; p != nil && p.head == ev.Head && p.version == ev.Version {
		c.mu.Unlock()
		return p, nil
	}
	if f := c.flights[key]; f != nil {
		c.mu.Unlock()
		<-f.done
		// What was rendered meanwhile was read after this request began,
		// so it is at least as current as the event this request saw.
		if f.err == nil && f.entry.head >= ev.Head {
			return f.entry, nil
		}
		return build()
	}
	f := &pageFlight{done: make(chan struct{})}
	if c.flights == nil {
		c.flights = make(map[pageKey]*pageFlight)
	}
	c.flights[key] = f
	c.mu.Unlock()

	f.entry, f.err = build()

	c.mu.Lock()
	delete(c.flights, key)
	if f.err == nil {
		c.put(key, f.entry)
	}
	c.mu.Unlock()
	close(f.done)
	return f.entry, f.err
}

func (c *pageCache) forgetEvent(slug string) {
	c.mu.Lock()
	delete(c.events, slug)
	c.mu.Unlock()
}

// put keeps p under key unless a newer page is kept, making room by
// dropping pages at random: the hot pages are rendered again at once, the
// rest were not worth keeping.
func (c *pageCache) put(key pageKey, p *pageEntry) {
	if old := c.pages[key]; old != nil {
		if old.head > p.head {
			return
		}
		c.bytes -= old.size()
	}
	if c.pages == nil {
		c.pages = make(map[pageKey]*pageEntry)
	}
	c.pages[key] = p
	c.bytes += p.size()
	for k, old := range c.pages {
		if c.bytes <= DefaultPageCacheBytes {
			break
		}
		if k != key {
			delete(c.pages, k)
			c.bytes -= old.size()
		}
	}
}

// gzipPage compresses a page once for every reader who will get it, so the
// slowest level is worth its milliseconds.
func gzipPage(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 4)
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// acceptsGzip reports whether the request's Accept-Encoding admits gzip:
// listed (or covered by "*") with a non-zero quality.
func acceptsGzip(r *http.Request) bool {
	gz, star := -1.0, -1.0
	for _, header := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(header, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				} else {
					q = 0
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gz = q
			case "*":
				star = q
			}
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}
