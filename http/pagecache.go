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
	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/stream"
)

// DefaultPageCacheBytes bounds the rendered responses kept in memory. A
// reader page is about 30 KiB and 3 KiB gzipped, so this holds every view
// of a few hundred events, or the permalinks a crowd follows from social
// media, for the memory of a few thousand idle readers' connections.
const DefaultPageCacheBytes = 32 << 20

// A reader page follows from its event's version and head, the view asked
// for and the release, and every change to an event moves its head. So a
// page is rendered and compressed once per change and view, and the crowd
// that asks for it in between is answered from memory, 304s included.
// Whether what is kept is current is judged against the head the stream hub
// knows (announced by the broker after every commit, on this node or
// another, and polled for in case an announcement is lost) when the hub
// follows the event, as it does while anyone has the page open; else
// against an event read from the store less than a poll interval ago, with
// no higher head announced since (stream.Hub.Current): a page that nobody
// streams, such as an old permalink a crowd follows from social media, costs
// one store read per interval, not one per request. A response of the changes
// endpoint also depends on the feed's floor, which only the hub's reads
// tell, so it is kept only while the hub follows its event.

// pageCache holds rendered responses, and the events they were rendered
// from. Its zero value is ready to use.
type pageCache struct {
	mu      sync.Mutex
	entries map[pageKey]*pageEntry
	flights map[pageKey]*pageFlight
	bytes   int
	events  map[string]*knownEvent // by slug
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

// feedState is what a kept response was derived from; it is current while
// the event is still in this state.
type feedState struct {
	head    int64
	version int
	floor   int64 // for changes responses only
}

// pageEntry is one rendered response in each of its encodings.
type pageEntry struct {
	state feedState
	// The header values, made once: a cached page is answered many
	// thousands of times a second, and Header.Set allocates for every value.
	headers      [3]representation // identity, gzip, zstd
	contentType  []string
	cacheControl []string
}

// representation is one encoding of a kept response, as sent; its body is
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

// newEntry keeps a response as of state in the encodings given (nil for
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
		p.headers[i] = rep
	}
	return p
}

func (p *pageEntry) size() int {
	return len(p.headers[identityRep].body) + len(p.headers[gzipRep].body) + len(p.headers[zstdRep].body) + 128
}

// pageFlight is a response being rendered; requests that want it meanwhile
// wait for it instead of rendering it again, which is what a page that just
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
// load reads (serveKept).
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, slug string, notFound error, view []string,
	load func(context.Context) (render.PageView, error)) error {
	return s.serveKept(w, r, slug, notFound, view, func(ctx context.Context) ([]byte, *liveblog.Event, error) {
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

// serveKept answers an HTML view of the event slug that follows from the
// event's version and head, such as a reader page: 304 when the reader has
// it, the kept view when it is current, else the one build makes (with the
// event as it read it), compressed once for everyone asking. notFound is the
// answer when there is no such event.
func (s *Server) serveKept(w http.ResponseWriter, r *http.Request, slug string, notFound error, view []string,
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
		writeKept(w, r, p)
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
		// been told yet): read it afresh next time.
		s.pages.forgetEvent(slug)
	}
	writeKept(w, r, entry)
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

// oneOffEntry returns a response for r alone, which is not kept: it is
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

// newPageEntry returns a response to keep, compressed once for everyone
// who will get it.
func newPageEntry(state feedState, etag, contentType, cacheControl string, body []byte) *pageEntry {
	return newEntry(state, etag, contentType, cacheControl, body, gzipBody(body), zstdBody(body))
}

// writeKept answers with p, compressed as the reader takes it, or 304 when
// the reader has it. Header values are assigned as made by prepare, under
// their canonical names.
func writeKept(w http.ResponseWriter, r *http.Request, p *pageEntry) {
	rep := p.pick(r)
	h := w.Header()
	h["Etag"] = rep.etagValue
	h["Cache-Control"] = p.cacheControl
	h["Vary"] = varyAcceptEncoding
	if notModified(r, p.headers[identityRep].etag(), p.headers[gzipRep].etag(), p.headers[zstdRep].etag()) {
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
	if p.headers[zstdRep].body != nil && zstdOK {
		return &p.headers[zstdRep]
	}
	if p.headers[gzipRep].body != nil && gzipOK {
		return &p.headers[gzipRep]
	}
	return &p.headers[identityRep]
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

// current returns the response kept under key if it is as of state.
func (c *pageCache) current(key pageKey, state feedState) *pageEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.entries[key]; p != nil && p.state == state {
		return p
	}
	return nil
}

// get returns the response under key as of state, rendering it with build
// when it is not kept, or kept from an older state.
func (c *pageCache) get(key pageKey, state feedState, build func() (*pageEntry, error)) (*pageEntry, error) {
	c.mu.Lock()
	if p := c.entries[key]; p != nil && p.state == state {
		c.mu.Unlock()
		return p, nil
	}
	if f := c.flights[key]; f != nil {
		c.mu.Unlock()
		<-f.done
		// What was rendered meanwhile was read after this request began,
		// so it is at least as current as the state this request saw.
		if f.err == nil && f.entry.state.head >= state.head {
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

// put keeps p under key unless a newer response is kept, making room by
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

// zstdEncoder compresses every kept response; EncodeAll may be called from
// many goroutines at once. The window stays within the 8 MiB that browsers
// promise to decode (RFC 8878, section 3.1.1.1.2). The default level: on
// the 31 KiB reader page the best level saved 4% (2,705 bytes against
// 2,811, both below gzip's 2,883) for 5.6 times the time (1.7 ms a page)
// and 16 MiB more resident memory for its tables, which every node would
// keep (BENCHMARKS.md).
var zstdEncoder, _ = zstd.NewWriter(nil,
	zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(1<<22), zstd.WithEncoderConcurrency(1))

// zstdBody compresses a response once for every reader who will get it:
// zstd is smaller than gzip at its best and cheaper for readers to decode.
func zstdBody(b []byte) []byte {
	return zstdEncoder.EncodeAll(b, make([]byte, 0, len(b)/4))
}

// accepted reports which of the encodings a kept response has the request's
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
