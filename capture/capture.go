// Package capture fetches, once, what an embed's facade shows: the
// provider's oEmbed answer for the address, or the OpenGraph tags of its
// page, and a copy of its thumbnail in the media library, so that readers'
// browsers never ask the provider for anything before they consent.
//
// Every fetch goes through package netguard (no private or local address,
// redirects capped and checked afresh), is bounded in size and time, and
// keeps only text: the answer's html is read for its words, never stored or
// rendered. What is captured is applied to the post by the domain's rule,
// liveblog.CaptureEmbed, after the post went out; a fetch that fails or is
// slow costs the facade its captured text, never the post.
package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/media"
)

// Limits of one capture.
const (
	// MaxAnswer bounds an oEmbed answer and the part of a page read for
	// its OpenGraph tags (they are in the head): real answers are a few
	// KiB, and a provider that sends more is not answering the question.
	MaxAnswer = 256 << 10
	// MaxThumbnail bounds a thumbnail's file; providers' are under 200 KiB.
	MaxThumbnail = 4 << 20
	// MaxThumbnailCost bounds the memory decoding a thumbnail may take
	// (media.DecodeCost): a small file can declare a huge image.
	MaxThumbnailCost = 64 << 20
	// DefaultTimeout bounds a whole capture, thumbnail included: a
	// provider this slow leaves the post as it went out.
	DefaultTimeout = 10 * time.Second
)

// ErrNoProvider is returned for an address no provider knows: it stays a
// link card and nothing is fetched.
var ErrNoProvider = errors.New("capture: no provider for this address")

// Fetcher captures addresses. Its fields are set before first use and not
// changed after; it is safe for concurrent use.
type Fetcher struct {
	// Client makes every request: netguard's (Guard.Client), so that no
	// address of the server's own network can be reached.
	Client *http.Client
	// Media keeps thumbnails; nil captures none.
	Media *media.Library
	// Endpoints replaces providers' addresses by name: for a provider
	// with oEmbed, its endpoint; for one read by OpenGraph, the origin
	// its pages are fetched from. Tests point them at local servers.
	Endpoints map[string]string
	// Timeout bounds one capture; zero means DefaultTimeout.
	Timeout time.Duration
}

// Capture fetches what the facade of rawURL shows.
func (f *Fetcher) Capture(ctx context.Context, rawURL string) (liveblog.Capture, error) {
	p, _ := liveblog.RecognizeEmbed(rawURL)
	if p == nil {
		return liveblog.Capture{}, ErrNoProvider
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var a answer
	var err error
	if endpoint := f.endpoint(p, rawURL); endpoint != "" {
		a, err = f.oEmbed(ctx, endpoint, rawURL)
	} else {
		a, err = f.openGraph(ctx, f.page(p, rawURL))
	}
	if err != nil {
		return liveblog.Capture{}, fmt.Errorf("capture %s: %w", p.Name, err)
	}
	c := liveblog.Capture{
		URL:      rawURL,
		Title:    clip(a.Title, liveblog.MaxTitleLength),
		Author:   clip(a.Author, liveblog.MaxNameLength),
		Text:     clip(a.Text, liveblog.MaxEmbedTextLength),
		PostedAt: a.PostedAt,
	}
	if a.Width > 0 && a.Height > 0 && a.Width <= liveblog.MaxImageDimension && a.Height <= liveblog.MaxImageDimension {
		c.Width, c.Height = a.Width, a.Height
	}
	if a.Thumbnail != "" && f.Media != nil {
		// A thumbnail that cannot be copied leaves the facade without
		// one; the text is worth keeping.
		if src, err := f.thumbnail(ctx, a.Thumbnail); err == nil {
			c.Thumbnail = src
		}
	}
	if err := (liveblog.CaptureEmbed{Capture: c}).Check(); err != nil {
		return liveblog.Capture{}, fmt.Errorf("capture %s: %w", p.Name, err)
	}
	return c, nil
}

// endpoint returns the oEmbed endpoint to ask about rawURL, "" for a
// provider read by OpenGraph.
func (f *Fetcher) endpoint(p *liveblog.Provider, rawURL string) string {
	if e, ok := f.Endpoints[p.Name]; ok && p.OEmbed != "" {
		return e
	}
	if strings.HasPrefix(p.OEmbed, "/") {
		u, err := url.Parse(rawURL)
		if err != nil {
			return ""
		}
		return "https://" + u.Host + p.OEmbed
	}
	return p.OEmbed
}

// page returns the address to read OpenGraph tags from: rawURL, on the
// origin Endpoints gives its provider if any.
func (f *Fetcher) page(p *liveblog.Provider, rawURL string) string {
	origin, ok := f.Endpoints[p.Name]
	if !ok {
		return rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return strings.TrimSuffix(origin, "/") + u.RequestURI()
}

// answer is what a provider said, before it is clipped and checked.
type answer struct {
	Title, Author, Text, Thumbnail string
	PostedAt                       time.Time
	Width, Height                  int
}

// get fetches u and returns at most max bytes of its body, refusing a
// longer one and any status but 200.
func (f *Fetcher) get(ctx context.Context, u string, max int64, accept string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "liveblog (embed capture)")
	res, err := f.Client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%s answered %d", req.URL.Host, res.StatusCode)
	}
	if res.ContentLength > max {
		return nil, "", fmt.Errorf("%s sent %d bytes, more than %d", req.URL.Host, res.ContentLength, max)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, max+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(body)) > max {
		return nil, "", fmt.Errorf("%s sent more than %d bytes", req.URL.Host, max)
	}
	return body, res.Header.Get("Content-Type"), nil
}

// oEmbed asks endpoint about rawURL. Only the fields a facade shows are
// read; "html" only for the words of a post it quotes.
func (f *Fetcher) oEmbed(ctx context.Context, endpoint, rawURL string) (answer, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return answer{}, err
	}
	q := u.Query()
	q.Set("url", rawURL)
	q.Set("format", "json")
	u.RawQuery = q.Encode()
	body, _, err := f.get(ctx, u.String(), MaxAnswer, "application/json")
	if err != nil {
		return answer{}, err
	}
	var o struct {
		Title        string          `json:"title"`
		AuthorName   string          `json:"author_name"`
		ThumbnailURL string          `json:"thumbnail_url"`
		Width        json.RawMessage `json:"width"`
		Height       json.RawMessage `json:"height"`
		HTML         string          `json:"html"`
	}
	if err := json.Unmarshal(body, &o); err != nil {
		return answer{}, fmt.Errorf("oEmbed answer: %w", err)
	}
	return answer{
		Title: o.Title, Author: o.AuthorName, Text: quotedText(o.HTML), Thumbnail: o.ThumbnailURL,
		Width: dimension(o.Width), Height: dimension(o.Height),
	}, nil
}

// dimension reads an oEmbed width or height, a number or (from some
// providers) a string; 0 for anything else, such as "100%".
func dimension(raw json.RawMessage) int {
	var n float64
	if json.Unmarshal(raw, &n) == nil && n > 0 && n < 1e6 {
		return int(n)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if v, err := strconv.Atoi(strings.TrimSuffix(s, "px")); err == nil && v > 0 {
			return v
		}
	}
	return 0
}

// quotedText returns the words of the first paragraph of the first
// blockquote in an oEmbed html (X, Bluesky and Threads quote the post
// there), line breaks kept; "" when there is none. Markup, scripts and
// attributes are dropped: only text is kept.
func quotedText(doc string) string {
	if doc == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(doc))
	depth, inP, skip := 0, false, 0
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "blockquote":
				depth++
			case "p":
				if depth > 0 && b.Len() == 0 {
					inP = true
				}
			case "br":
				if inP {
					b.WriteByte('\n')
				}
			case "script", "style":
				skip++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "p":
				if inP {
					return strings.TrimSpace(b.String())
				}
			case "blockquote":
				depth--
			case "script", "style":
				skip--
			}
		case html.TextToken:
			if inP && skip <= 0 {
				b.Write(z.Text())
			}
		}
	}
}

// openGraph reads the OpenGraph tags in the head of the page at u.
func (f *Fetcher) openGraph(ctx context.Context, u string) (answer, error) {
	body, ctype, err := f.get(ctx, u, MaxAnswer, "text/html")
	if err != nil {
		return answer{}, err
	}
	if mt, _, _ := mime.ParseMediaType(ctype); mt != "text/html" && mt != "application/xhtml+xml" {
		return answer{}, fmt.Errorf("the page is %q, not HTML", ctype)
	}
	var a answer
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if string(name) == "body" {
			break
		}
		if string(name) != "meta" || !hasAttr {
			continue
		}
		var key, content string
		for {
			k, v, more := z.TagAttr()
			switch string(k) {
			case "property", "name":
				key = strings.ToLower(string(v))
			case "content":
				content = string(v)
			}
			if !more {
				break
			}
		}
		switch key {
		case "og:title":
			a.Title = content
		case "og:description":
			a.Text = content
		case "og:image", "og:image:secure_url":
			if a.Thumbnail == "" {
				a.Thumbnail = content
			}
		case "article:published_time", "og:published_time":
			if t, err := time.Parse(time.RFC3339, content); err == nil {
				a.PostedAt = t
			}
		case "author", "article:author", "twitter:creator":
			if a.Author == "" {
				a.Author = content
			}
		}
	}
	if a.Title == "" && a.Text == "" {
		return answer{}, errors.New("the page has no OpenGraph title or description")
	}
	return a, nil
}

// thumbnail copies the image at raw into the media library and returns
// its narrowest stored width, which is what a facade shows.
func (f *Fetcher) thumbnail(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("thumbnail address %q", raw)
	}
	data, _, err := f.get(ctx, u.String(), MaxThumbnail, "image/*")
	if err != nil {
		return "", err
	}
	if media.DecodeCost(data) > MaxThumbnailCost {
		return "", errors.New("thumbnail too large to decode")
	}
	img, err := f.Media.Save(data)
	if err != nil {
		return "", err
	}
	if vs := media.Variants(img.Src, img.Width); len(vs) > 0 {
		return vs[0].Src, nil
	}
	return img.Src, nil
}

// clip returns s as one field of a block can hold it: valid UTF-8, no
// control characters but newlines, spaces trimmed, at most max runes.
func clip(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(string([]rune(s)[:max-1])) + "…"
	}
	return s
}
