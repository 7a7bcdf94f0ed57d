package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sync/singleflight"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/stream"
)

// DefaultPageCacheBytes bounds the rendered responses kept in memory. A
// reader page is about 30 KiB and 3 KiB gzipped, so this holds every view
// of a few hundred events, or the permalinks a crowd follows from social
// media, for the memory of a few thousand idle readers' connections.
const DefaultPageCacheBytes = 32 << 20

// pageCache holds rendered responses, and the events they were rendered
// from: a page follows from its event's version and head, so it is rendered
// and compressed once per change and view (docs/ARCHITECTURE.md, "Reader
// pages"). Its zero value is ready to use.
type pageCache struct {
	mu      sync.Mutex // guards entries, bytes and events
	entries map[pageKey]*pageEntry
	bytes   int
	events  map[string]*knownEvent // by slug

	// renders holds the responses being rendered, so that a crowd asking
	// for a page that just changed waits for one rendering of it.
	renders singleflight.Group
}

// knownEvent is an event as read from the store, and when.
type knownEvent struct {
	ev    *liveblog.Event
	stamp stream.Stamp
}

// pageKey names a response: the event and what was asked of it.
type pageKey struct {
	eventID int64
	view    string
}

// feedState is what a cached response was derived from; it is current while
// the event is still in this state.
type feedState struct {
	head    int64
	version int
	floor   int64 // for changes responses only
}

// pageEntry is one rendered response in each of its encodings.
type pageEntry struct {
	state     feedState
	encodings [3]representation // identity, gzip, zstd
	// Header values made once: a cached page is answered many thousands of
	// times a second, and Header.Set allocates for every value.
	contentType  []string
	cacheControl []string
}

// representation is one encoding of a response, as sent; its body is
// nil for an encoding the entry does not have.
type representation struct {
	body          []byte
	etagValue     []string
	encoding      []string // nil for identity
	contentLength []string
}

func (r *representation) etag() string { return r.etagValue[0] }

const (
	identityRep = iota
	gzipRep
	zstdRep
)

var varyAcceptEncoding = []string{"Accept-Encoding"}

// newEntry holds a response as of state in the encodings given (nil for
// one it lacks), with its header values made.
func newEntry(state feedState, etag, contentType, cacheControl string, plain, gzipped, zstded []byte) *pageEntry {
	p := &pageEntry{state: state, contentType: []string{contentType}, cacheControl: []string{cacheControl}}
	for i, r := range []struct {
		body     []byte
		etag     string
		encoding string
	}{{plain, etag, ""}, {gzipped, gzipETag(etag), "gzip"}, {zstded, zstdETag(etag), "zstd"}} {
		rep := representation{body: r.body, etagValue: []string{r.etag}, contentLength: []string{strconv.Itoa(len(r.body))}}
		if r.encoding != "" {
			rep.encoding = []string{r.encoding}
		}
		p.encodings[i] = rep
	}
	return p
}

func (p *pageEntry) size() int {
	return len(p.encodings[identityRep].body) + len(p.encodings[gzipRep].body) + len(p.encodings[zstdRep].body) + 128
}

// maxCachedEvents bounds the events remembered by slug; past it they are
// forgotten all at once, which costs each one store read.
const maxCachedEvents = 4096

// liveEvent returns the event a reader route names, as of its latest change:
// from memory while the hub says it is current (stream.Hub.Current), else
// from the store. The event returned is shared and must not be modified.
func (s *Server) liveEvent(ctx context.Context, slug string) (*liveblog.Event, error) {
	if !validSlug(slug) {
		return nil, errNoEvent
	}
	if s.hub == nil {
		return s.eventBySlug(ctx, slug)
	}
	c := &s.pages
	c.mu.Lock()
	known := c.events[slug]
	c.mu.Unlock()
	if known != nil && s.hub.Current(known.ev.ID, known.ev.Head, known.stamp) {
		return known.ev, nil
	}
	stamp := s.hub.Stamp()
	ev, err := s.eventBySlug(ctx, slug)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == errNoEvent {
		delete(c.events, slug)
		return nil, err
	} else if err != nil {
		return nil, err
	}
	if c.events == nil || len(c.events) >= maxCachedEvents {
		c.events = make(map[string]*knownEvent)
	}
	c.events[slug] = &knownEvent{ev: ev, stamp: stamp}
	return ev, nil
}

// feed is what the hub knows of the event's feed, if it follows the event.
func (s *Server) feed(eventID int64) (stream.Feed, bool) {
	if s.hub == nil {
		return stream.Feed{}, false
	}
	return s.hub.Feed(eventID)
}

// servePage answers a reader page of the event slug in view, whose posts
// load reads (serveCached).
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, slug string, notFound error, view []string,
	load func(context.Context) (render.PageView, error)) error {
	return s.serveCached(w, r, slug, notFound, view, func(ctx context.Context) ([]byte, *liveblog.Event, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, nil, err
		}
		if err := s.findKeyEvents(ctx, &v); err != nil {
			return nil, nil, err
		}
		var buf bytes.Buffer
		if err := s.engine.Page(&buf, v); err != nil {
			return nil, nil, err
		}
		return buf.Bytes(), v.Page.Event, nil
	})
}

// serveCached answers an HTML view of the event slug that follows from the
// event's version and head, such as a reader page: 304 when the reader has
// it, the cached view when it is current, else the one build makes (with the
// event as it read it), compressed once for everyone asking. notFound is the
// answer when there is no such event.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, slug string, notFound error, view []string,
	build func(context.Context) ([]byte, *liveblog.Event, error)) error {
	ev, err := s.liveEvent(r.Context(), slug)
	if err == errNoEvent {
		return notFound
	} else if err != nil {
		return err
	}
	key := pageKey{ev.ID, strings.Join(view, "\x00")}
	state := feedState{head: ev.Head, version: ev.Version}
	if p := s.pages.current(key, state); p != nil {
		writeEntry(w, r, p)
		return nil
	}
	// The tag follows from the event alone, so a reader who has the view
	// gets 304 without its posts being read.
	if answerNotModified(w, r, s.pageETag(ev, view), pageCacheControl) {
		return nil
	}
	entry, err := s.pages.get(key, state, func() (*pageEntry, error) {
		body, at, err := build(r.Context())
		if err != nil {
			return nil, err
		}
		return newPageEntry(feedState{head: at.Head, version: at.Version}, s.pageETag(at, view),
			"text/html; charset=utf-8", pageCacheControl, body), nil
	})
	if err != nil {
		return err
	}
	if entry.state.head != ev.Head || entry.state.version != ev.Version {
		// The store has moved past the event as remembered (the hub has not
		// heard yet): read it afresh next time.
		s.pages.forgetEvent(slug)
	}
	writeEntry(w, r, entry)
	return nil
}

// siteETag is the entity tag of a page that follows from parts. It also
// covers what every page shows: the release's templates, the site's name and
// its origin.
func (s *Server) siteETag(parts ...string) string {
	return digestETag(append([]string{s.build, s.engine.SiteName, s.cfg.Origin}, parts...)...)
}

// pageETag is the entity tag of a page of ev in view.
func (s *Server) pageETag(ev *liveblog.Event, view []string) string {
	return s.siteETag(append([]string{"page", strconv.FormatInt(ev.ID, 10), strconv.Itoa(ev.Version),
		strconv.FormatInt(ev.Head, 10)}, view...)...)
}

// gzipETag is the tag of the gzipped representation: a strong tag names
// one sequence of bytes, so the two encodings of a response need two tags.
func gzipETag(etag string) string {
	return strings.TrimSuffix(etag, `"`) + `-gz"`
}

// zstdETag is the tag of the zstd representation.
func zstdETag(etag string) string {
	return strings.TrimSuffix(etag, `"`) + `-zst"`
}

// oneOffEntry returns a response for r alone, which is not cached: it is
// compressed only in the encoding r takes, and at gzip's fastest level,
// since nobody else will get it.
func oneOffEntry(r *http.Request, state feedState, etag, contentType, cacheControl string, body []byte) *pageEntry {
	var gzipped, zstded []byte
	if gzipOK, zstdOK := accepted(r); zstdOK {
		zstded = zstdBody(body)
	} else if gzipOK {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(body)
		zw.Close()
		gzipped = buf.Bytes()
	}
	return newEntry(state, etag, contentType, cacheControl, body, gzipped, zstded)
}

// newPageEntry returns a response to cache, compressed once for everyone
// who will get it.
func newPageEntry(state feedState, etag, contentType, cacheControl string, body []byte) *pageEntry {
	return newEntry(state, etag, contentType, cacheControl, body, gzipBody(body), zstdBody(body))
}

// writeEntry answers with p, compressed as the reader takes it, or 304 when
// the reader has it. Header values are assigned as newEntry made them, under
// their canonical names.
func writeEntry(w http.ResponseWriter, r *http.Request, p *pageEntry) {
	rep := p.pick(r)
	h := w.Header()
	h["Etag"] = rep.etagValue
	h["Cache-Control"] = p.cacheControl
	h["Vary"] = varyAcceptEncoding
	if notModified(r, p.encodings[identityRep].etag(), p.encodings[gzipRep].etag(), p.encodings[zstdRep].etag()) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if rep.encoding != nil {
		h["Content-Encoding"] = rep.encoding
	}
	h["Content-Type"] = p.contentType
	h["Content-Length"] = rep.contentLength
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(rep.body)
	}
}

// pick returns the representation of p for r: zstd, gzip or none, as the
// reader takes them and p has them.
func (p *pageEntry) pick(r *http.Request) *representation {
	gzipOK, zstdOK := accepted(r)
	if p.encodings[zstdRep].body != nil && zstdOK {
		return &p.encodings[zstdRep]
	}
	if p.encodings[gzipRep].body != nil && gzipOK {
		return &p.encodings[gzipRep]
	}
	return &p.encodings[identityRep]
}

// answerNotModified answers 304, with the tag of the representation the
// reader would get, and reports true when the reader has the response
// tagged etag in any of its encodings: a view whose tag is known before it
// is read or rendered.
func answerNotModified(w http.ResponseWriter, r *http.Request, etag, cacheControl string) bool {
	if !notModified(r, etag, gzipETag(etag), zstdETag(etag)) {
		return false
	}
	if gzipOK, zstdOK := accepted(r); zstdOK {
		etag = zstdETag(etag)
	} else if gzipOK {
		etag = gzipETag(etag)
	}
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	h.Add("Vary", "Accept-Encoding")
	w.WriteHeader(http.StatusNotModified)
	return true
}

// current returns the response cached under key if it is as of state.
func (c *pageCache) current(key pageKey, state feedState) *pageEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.entries[key]; p != nil && p.state == state {
		return p
	}
	return nil
}

// get returns the response under key as of state, rendering it with build
// when it is not cached, or cached from an older state. Requests that ask
// meanwhile wait for that rendering; one that was read before theirs, or
// failed, they render again themselves.
func (c *pageCache) get(key pageKey, state feedState, build func() (*pageEntry, error)) (*pageEntry, error) {
	if p := c.current(key, state); p != nil {
		return p, nil
	}
	rendered := false
	v, err, _ := c.renders.Do(strconv.FormatInt(key.eventID, 10)+"\x00"+key.view, func() (any, error) {
		rendered = true
		p, err := build()
		if err == nil {
			c.mu.Lock()
			c.put(key, p)
			c.mu.Unlock()
		}
		return p, err
	})
	if rendered {
		if err != nil {
			return nil, err
		}
		return v.(*pageEntry), nil
	}
	if p, _ := v.(*pageEntry); err == nil && p.state.head >= state.head {
		return p, nil
	}
	return build()
}

func (c *pageCache) forgetEvent(slug string) {
	c.mu.Lock()
	delete(c.events, slug)
	c.mu.Unlock()
}

// put caches p under key unless a newer response is cached, making room by
// dropping others at random: hot ones are rendered again at once, the rest
// were not worth keeping.
func (c *pageCache) put(key pageKey, p *pageEntry) {
	if old := c.entries[key]; old != nil {
		if old.state.head > p.state.head {
			return
		}
		c.bytes -= old.size()
	}
	if c.entries == nil {
		c.entries = make(map[pageKey]*pageEntry)
	}
	c.entries[key] = p
	c.bytes += p.size()
	for k, old := range c.entries {
		if c.bytes <= DefaultPageCacheBytes {
			break
		}
		if k != key {
			delete(c.entries, k)
			c.bytes -= old.size()
		}
	}
}

// gzipBody compresses a response once for every reader who will get it,
// so the slowest level is worth its milliseconds.
func gzipBody(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 4)
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// zstdEncoder compresses every cached response; EncodeAll may be called
// from many goroutines at once. The window stays within the 8 MiB that
// browsers promise to decode (RFC 8878, section 3.1.1.1.2). The default
// level: the best saved 4% on a reader page for 5.6 times the time and
// 16 MiB more memory (BENCHMARKS.md).
var zstdEncoder = newZstdEncoder()

func newZstdEncoder() *zstd.Encoder {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(1<<22), zstd.WithEncoderConcurrency(1))
	if err != nil {
		// Only the options above can make it fail, and they are constants:
		// every test run would stop here.
		panic("http: zstd encoder: " + err.Error())
	}
	return enc
}

// zstdBody compresses a response once for every reader who will get it:
// zstd is smaller than gzip at its best and cheaper for readers to decode.
func zstdBody(b []byte) []byte {
	return zstdEncoder.EncodeAll(b, make([]byte, 0, len(b)/4))
}

// accepted reports which of the encodings a cached response has the request's
// Accept-Encoding admits, reading the header once. gzip is admitted when
// listed (or covered by "*") with a non-zero quality; zstd when listed with a
// non-zero quality at least that of gzip. Only an explicit zstd counts: "*"
// is answered with gzip, which every client that sends it can read.
func accepted(r *http.Request) (gzipOK, zstdOK bool) {
	gz, zq, star := -1.0, -1.0, -1.0
	for _, header := range r.Header.Values("Accept-Encoding") {
		for header != "" {
			var part string
			part, header, _ = strings.Cut(header, ",")
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
			case "zstd":
				zq = q
			case "*":
				star = q
			}
		}
	}
	gzipOK = star > 0
	if gz >= 0 {
		gzipOK = gz > 0
	}
	return gzipOK, zq > 0 && zq >= gz
}
