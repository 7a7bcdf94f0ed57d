package http

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/web"
)

// EmbedContentSecurityPolicy is the policy of the embeddable view: the
// pages' policy, except that any site may frame it, which is what it is for.
// Everything else (no inline script, only this origin's files) holds inside
// the frame too.
var EmbedContentSecurityPolicy = strings.Replace(ContentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors *", 1)

// Sizes of an embed's frame in the oEmbed answer. The width suits the text
// column of most article pages; the height is only where the frame starts,
// since embed.js fits it to the content as soon as it runs.
const (
	DefaultEmbedWidth  = 600
	DefaultEmbedHeight = 800
)

// embedScriptCacheControl bounds how long sites that embed an event keep an
// old embed.js: its address cannot carry a fingerprint, so a fix reaches
// them as their copies expire.
const embedScriptCacheControl = "public, max-age=3600"

// oembedCacheControl lets consumers keep an answer for a while: it changes
// only when an event is retitled.
const oembedCacheControl = "public, max-age=300"

// embedScript serves embed.js at its stable address.
var embedScript = web.AssetHandler("embed.js", embedScriptCacheControl)

// showEmbed is the compact view of an event for other sites' frames. An
// embed on a widely read article is asked for by every one of its readers,
// so it is cached like a reader page (serveCached): rendered and compressed once
// per change, and a frame that has the view is answered 304 from the event
// as the reader pages know it, without reading the posts.
func (s *Server) showEmbed(w http.ResponseWriter, r *http.Request) error {
	// Only the view itself may be framed; its errors keep the pages'
	// policy, since there is nothing in them worth embedding.
	h := w.Header()
	h["Content-Security-Policy"] = embedContentSecurityPolicy
	slug := r.PathValue("slug")
	err := s.serveCached(w, r, slug, errNoEvent, embedView, func(ctx context.Context) ([]byte, *liveblog.Event, error) {
		page, err := s.findPage(ctx, liveblog.PageFilter{Slug: slug, Limit: render.EmbedPosts})
		if err != nil {
			return nil, nil, err
		}
		var buf bytes.Buffer
		if err := s.engine.Embed(&buf, render.EmbedView{Page: page, Origin: s.cfg.Origin}); err != nil {
			return nil, nil, err
		}
		return buf.Bytes(), page.Event, nil
	})
	if err != nil {
		h["Content-Security-Policy"] = contentSecurityPolicy
	}
	return err
}

// embedView names the embedded view among an event's cached views.
var embedView = []string{"embed"}

var embedContentSecurityPolicy = []string{EmbedContentSecurityPolicy}

// oembed is an oEmbed 1.0 answer of type "rich".
type oembed struct {
	Version      string `json:"version"`
	Type         string `json:"type"`
	Title        string `json:"title"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url"`
	CacheAge     int    `json:"cache_age"`
	HTML         string `json:"html"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

// serveOEmbed tells a site how to embed an event, given the address of its
// page or of one of its posts (https://oembed.com, section 2.2).
func (s *Server) serveOEmbed(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if f := q.Get("format"); f != "" && f != "json" {
		// The specification asks for 501 for a format the provider does
		// not offer.
		writeProblem(w, &problem{
			Type: ProblemTypeBase + "not_implemented", Title: "Not implemented", Status: http.StatusNotImplemented,
			Detail: "Only format=json is offered.", Field: "format", RequestID: infoOf(r.Context()).id,
		})
		return nil
	}
	origin := s.origin(r)
	slug, err := embeddedSlug(q.Get("url"), origin)
	if err != nil {
		return err
	}
	maxWidth, err := intParam(q, "maxwidth", 0, 0, 1<<16)
	if err != nil {
		return err
	}
	maxHeight, err := intParam(q, "maxheight", 0, 0, 1<<16)
	if err != nil {
		return err
	}
	ev, err := s.eventBySlug(r.Context(), slug)
	if err != nil {
		return err
	}
	width, height := DefaultEmbedWidth, DefaultEmbedHeight
	if maxWidth > 0 {
		width = min(width, maxWidth)
	}
	if maxHeight > 0 {
		height = min(height, maxHeight)
	}
	src := origin + render.EventPath(ev) + "/embed"
	frame := fmt.Sprintf(`<iframe src="%s" title="%s" width="%d" height="%d" loading="lazy" style="border:0;max-width:100%%"></iframe>`+
		`<script async src="%s/embed.js"></script>`,
		html.EscapeString(src), html.EscapeString("Live coverage: "+ev.Title), width, height, html.EscapeString(origin))
	w.Header().Set("Cache-Control", s.originCacheControl(oembedCacheControl))
	// The answer is public; client-side consumers may read it from any site.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return writeJSON(w, http.StatusOK, oembed{
		Version: "1.0", Type: "rich", Title: ev.Title,
		ProviderName: s.engine.SiteName, ProviderURL: origin + "/", CacheAge: 300,
		HTML: frame, Width: width, Height: height,
	})
}

// embeddedSlug returns the event that raw, a URL on this site, names: an
// event page or a post's permalink. Any other URL is not found, as the
// specification asks.
func embeddedSlug(raw, origin string) (string, error) {
	if raw == "" {
		return "", liveblog.FieldError("url", "Give the address of a live page, in url.")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return "", liveblog.FieldError("url", "Give the full address of a live page, starting with %s.", origin)
	}
	o, _ := url.Parse(origin)
	if !strings.EqualFold(u.Host, o.Host) || u.Scheme != "http" && u.Scheme != "https" {
		return "", liveblog.Errorf(liveblog.ENOTFOUND, "That address is not on this site.")
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/live/"), "/")
	if !strings.HasPrefix(u.Path, "/live/") || !validSlug(parts[0]) {
		return "", liveblog.Errorf(liveblog.ENOTFOUND, "That address is not a live page.")
	}
	switch {
	case len(parts) == 1, len(parts) == 2 && parts[1] == "":
	case len(parts) == 3 && parts[1] == "posts":
		if _, ok := parseID(parts[2]); !ok {
			return "", liveblog.Errorf(liveblog.ENOTFOUND, "That address is not a live page.")
		}
	default:
		return "", liveblog.Errorf(liveblog.ENOTFOUND, "That address is not a live page.")
	}
	return parts[0], nil
}
