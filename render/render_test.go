package render_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/web"
)

// Hostile strings that must come out as text, never as markup or script.
const (
	xssScript = `<script>alert(1)</script>`
	xssAttr   = `"><img src=x onerror=alert(1)>`
	xssHref   = `javascript:alert(1)`
)

func mustEngine(tb testing.TB) *render.Engine {
	tb.Helper()
	e, err := render.New()
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return e
}

func testEvent() *liveblog.Event {
	return &liveblog.Event{
		ID:                1,
		Slug:              "defence-ministers-meet",
		Title:             "Defence ministers meet in Brussels",
		Description:       "Follow the second day of talks.",
		State:             liveblog.CoverageLive,
		TimeZone:          "Europe/London",
		Language:          "en",
		Head:              42,
		CoverageStartedAt: time.Date(2025, 2, 13, 6, 30, 0, 0, time.UTC),
		Summary: liveblog.Summary{
			Points:    []string{"Ministers arrive for day two", "A new aid package is expected"},
			UpdatedAt: time.Date(2025, 2, 13, 9, 50, 0, 0, time.UTC),
		},
	}
}

// testPost is a post with one block of every type, a byline, labels and an
// edit, shaped like the posts of a real live page.
func testPost(id int64) *liveblog.Post {
	return &liveblog.Post{
		ID:          id,
		EventID:     1,
		Headline:    fmt.Sprintf("Minister sets out position %d", id),
		Status:      liveblog.StatusPublished,
		Version:     3,
		PublishedAt: time.Date(2025, 2, 13, 9, 45, 0, 0, time.UTC).Add(-time.Duration(id) * time.Minute),
		Contributors: []liveblog.Contributor{
			{Name: "Sam Writer", Role: "Defence correspondent", Avatar: "/media/sam.jpg"},
		},
		Blocks: []liveblog.Block{
			{Type: liveblog.BlockImage, Src: "/media/minister.jpg", Alt: "The minister at a lectern", Caption: "The minister spoke to reporters", Credit: "Agency", Width: 976, Height: 549},
			{Type: liveblog.BlockParagraph, Spans: []liveblog.Span{
				{Text: "The minister said talks were "},
				{Text: "urgent", Bold: true},
				{Text: " and "},
				{Text: "overdue", Italic: true},
				{Text: ", according to "},
				{Text: "the statement", Href: "https://example.org/statement"},
				{Text: "."},
			}},
			{Type: liveblog.BlockList, Items: [][]liveblog.Span{
				{{Text: "First point"}},
				{{Text: "Second point with "}, {Text: "emphasis", Italic: true}},
			}},
			{Type: liveblog.BlockQuote, Text: "We are ready to do more.\nWe will not wait.", Attribution: "Joint statement"},
			{Type: liveblog.BlockEmbed, URL: "https://www.example.com/video/1", Title: "Watch the press conference"},
		},
	}
}

func render1(t *testing.T, f func(*bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.String()
}

func postHTML(t *testing.T, e *render.Engine, ev *liveblog.Event, p *liveblog.Post) string {
	t.Helper()
	return render1(t, func(b *bytes.Buffer) error { return e.Post(b, ev, p) })
}

func pageHTML(t *testing.T, e *render.Engine, v render.PageView) string {
	t.Helper()
	return render1(t, func(b *bytes.Buffer) error { return e.Page(b, v) })
}

func wantContains(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("output does not contain %q; got:\n%s", want, got)
		}
	}
}

func wantNotContains(t *testing.T, got string, nots ...string) {
	t.Helper()
	for _, not := range nots {
		if strings.Contains(got, not) {
			t.Errorf("output contains %q; got:\n%s", not, got)
		}
	}
}

func parse(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// walk calls f for every element under n.
func walk(n *html.Node, f func(*html.Node)) {
	if n.Type == html.ElementNode {
		f(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func byID(doc *html.Node, id string) *html.Node {
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if v, _ := attr(n, "id"); v == id && found == nil {
			found = n
		}
	})
	return found
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	return strings.Contains(" "+v+" ", " "+class+" ")
}

func findAll(doc *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	walk(doc, func(n *html.Node) {
		if match(n) {
			out = append(out, n)
		}
	})
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return b.String()
}

// checkSafe fails on anything in doc that could run script or restyle the
// page: script without src, inline event handlers, style attributes or
// elements, and links or images with a scheme outside the allow-list.
func checkSafe(t *testing.T, doc *html.Node) {
	t.Helper()
	walk(doc, func(n *html.Node) {
		switch n.Data {
		case "script":
			// A JSON-LD block is data the browser never runs; any other
			// script must be a file.
			if typ, _ := attr(n, "type"); typ == "application/ld+json" {
				if _, ok := attr(n, "src"); ok {
					t.Errorf("data block with a src")
				}
				break
			}
			if src, ok := attr(n, "src"); !ok || src == "" || n.FirstChild != nil {
				t.Errorf("inline <script> in output")
			}
		case "style", "iframe", "object", "embed":
			t.Errorf("<%s> element in output", n.Data)
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") {
				t.Errorf("<%s %s=%q>: event handler attribute", n.Data, a.Key, a.Val)
			}
			if key == "style" {
				t.Errorf("<%s style=%q>: inline style", n.Data, a.Val)
			}
			if key == "href" || key == "src" {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				ok := strings.HasPrefix(v, "#") || strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") ||
					strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "mailto:")
				if !ok || strings.Contains(v, "javascript") {
					t.Errorf("<%s %s=%q>: URL outside the allow-list", n.Data, a.Key, a.Val)
				}
			}
		}
	})
}

func TestNew(t *testing.T) {
	mustEngine(t)
}

func TestPost(t *testing.T) {
	e, ev := mustEngine(t), testEvent()

	t.Run("Article", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		doc := parse(t, got)
		art := byID(doc, "post-7")
		if art == nil || art.Data != "article" || !hasClass(art, "post") {
			t.Fatalf("no <article class=post id=post-7> in:\n%s", got)
		}
		if got, want := mustAttr(t, art, "data-sort"), liveblog.CursorOf(testPost(7)).String(); got != want {
			t.Errorf("data-sort = %q, want %q", got, want)
		}
		if got, want := mustAttr(t, art, "data-version"), "3"; got != want {
			t.Errorf("data-version = %q, want %q", got, want)
		}
		if !strings.HasPrefix(got, "<article") || !strings.HasSuffix(got, "</article>") {
			t.Errorf("output is not exactly one article:\n%s", got)
		}
	})
	t.Run("Headline", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantContains(t, got, `<h3 class="post-headline"><a href="/live/defence-ministers-meet/posts/7">Minister sets out position 7</a></h3>`)
	})
	t.Run("Time", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantContains(t, got, `<time datetime="2025-02-13T09:38:00Z">09:38 GMT 13 February 2025</time>`)
	})
	t.Run("NoHeadline", func(t *testing.T) {
		p := testPost(7)
		p.Headline = ""
		got := postHTML(t, e, ev, p)
		wantNotContains(t, got, "<h3")
		wantContains(t, got, `<a href="/live/defence-ministers-meet/posts/7"><time`)
	})
	t.Run("Paragraph", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantContains(t, got,
			`<p>The minister said talks were <strong>urgent</strong> and <em>overdue</em>, according to <a href="https://example.org/statement" rel="nofollow noopener">the statement</a>.</p>`)
	})
	t.Run("ParagraphLineBreak", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{liveblog.Plain("one\ntwo")}
		wantContains(t, postHTML(t, e, ev, p), `<p>one<br>two</p>`)
	})
	t.Run("BoldItalicLink", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{{Type: liveblog.BlockParagraph, Spans: []liveblog.Span{{Text: "all", Bold: true, Italic: true, Href: "mailto:desk@example.org"}}}}
		wantContains(t, postHTML(t, e, ev, p), `<a href="mailto:desk@example.org" rel="nofollow noopener"><strong><em>all</em></strong></a>`)
	})
	t.Run("List", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantContains(t, got, "<ul>\n<li>First point</li>\n<li>Second point with <em>emphasis</em></li>\n</ul>")
	})
	t.Run("Quote", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantContains(t, got, "<blockquote>\n<p>We are ready to do more.</p>\n<p>We will not wait.</p>\n</blockquote>",
			"<figcaption><cite>Joint statement</cite></figcaption>")
	})
	t.Run("QuoteWithoutAttribution", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{{Type: liveblog.BlockQuote, Text: "Said."}}
		got := postHTML(t, e, ev, p)
		wantContains(t, got, "<blockquote>\n<p>Said.</p>\n</blockquote>")
		wantNotContains(t, got, "<cite>")
	})
	t.Run("Image", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantContains(t, got,
			`<img src="/media/minister.jpg" alt="The minister at a lectern" width="976" height="549" loading="lazy" decoding="async">`,
			`<figcaption>The minister spoke to reporters <span class="credit">Image source, Agency</span></figcaption>`)
	})
	t.Run("ImageWithoutCaption", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{{Type: liveblog.BlockImage, Src: "https://images.example.org/map.png", Alt: "A map"}}
		got := postHTML(t, e, ev, p)
		wantContains(t, got, `<img src="https://images.example.org/map.png" alt="A map" loading="lazy" decoding="async">`)
		wantNotContains(t, got, "<figcaption")
	})
	t.Run("ImageCreditOnly", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{{Type: liveblog.BlockImage, Src: "/media/a.jpg", Alt: "A", Credit: "Pool"}}
		wantContains(t, postHTML(t, e, ev, p), `<figcaption><span class="credit">Image source, Pool</span></figcaption>`)
	})
	t.Run("Embed", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantContains(t, got, `<a class="embed-card" href="https://www.example.com/video/1" rel="nofollow noopener"><span class="embed-host">example.com</span> <span class="embed-title">Watch the press conference</span></a>`)
	})
	t.Run("EmbedWithoutTitle", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{{Type: liveblog.BlockEmbed, URL: "https://example.net/x"}}
		wantContains(t, postHTML(t, e, ev, p), `<span class="embed-title">https://example.net/x</span>`)
	})
	t.Run("Facade", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{{Type: liveblog.BlockEmbed, URL: "https://youtube.com/shorts/aqz-KE-bpKQ", Title: "The crowd",
			Author: "A witness", Text: "First line\n\nSecond line", Thumbnail: "/media/thumb-640.jpg",
			PostedAt: time.Date(2025, 2, 13, 8, 30, 0, 0, time.UTC)}}
		got := postHTML(t, e, ev, p)
		wantContains(t, got,
			`<figure class="facade" data-provider="youtube" data-frame="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ" data-sandbox="allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox" data-allow="encrypted-media; picture-in-picture; fullscreen" data-ratio="9/16">`,
			`<img class="facade-thumb" src="/media/thumb-640.jpg" alt="" loading="lazy" decoding="async">`,
			`<p class="facade-source"><span class="facade-provider">YouTube</span> <span class="facade-author">A witness</span> <time datetime="2025-02-13T08:30:00Z">13 February 2025</time></p>`,
			`<p class="facade-title">The crowd</p>`,
			"<blockquote class=\"facade-text\">\n<p>First line</p>\n<p>Second line</p>\n</blockquote>",
			`<a href="https://youtube.com/shorts/aqz-KE-bpKQ" rel="nofollow noopener">View on YouTube</a>`,
			`<div class="facade-consent" hidden>`,
			`<button type="button" class="facade-show">Show content from YouTube</button>`,
			`<a href="https://policies.google.com/privacy" rel="nofollow noopener">YouTube’s privacy policy</a>`)
		wantNotContains(t, got, "<iframe", "embed-card")
	})
	t.Run("FacadeWithoutFrame", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{{Type: liveblog.BlockEmbed, URL: "https://mastodon.social/@Gargron/113829937591183245", Text: "A toot."}}
		got := postHTML(t, e, ev, p)
		wantContains(t, got, `<figure class="facade" data-provider="mastodon">`, `View on Mastodon`)
		wantNotContains(t, got, "data-frame", "facade-consent")
	})
	t.Run("UnknownBlock", func(t *testing.T) {
		p := testPost(7)
		p.Blocks = []liveblog.Block{{Type: "poll", Text: "Which?"}}
		got := postHTML(t, e, ev, p)
		wantNotContains(t, got, "Which?")
	})
	t.Run("Byline", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantContains(t, got, `<img class="avatar" src="/media/sam.jpg" alt=""`,
			`<span class="byline-name">Sam Writer</span> <span class="byline-role">Defence correspondent</span>`)
	})
	t.Run("BylineWithoutAvatar", func(t *testing.T) {
		p := testPost(7)
		p.Contributors = []liveblog.Contributor{{Name: "Alex Live", Role: "Live reporter"}}
		got := postHTML(t, e, ev, p)
		wantContains(t, got, `<span class="byline-name">Alex Live</span>`)
		wantNotContains(t, got, "avatar")
	})
	t.Run("BylineWithProfileLink", func(t *testing.T) {
		p := testPost(7)
		p.Contributors = []liveblog.Contributor{{Name: "Reuters", Role: "Agency", URL: "https://agency.example/about?a=1&b=2"}}
		got := postHTML(t, e, ev, p)
		wantContains(t, got, `<a class="byline-name" href="https://agency.example/about?a=1&amp;b=2" rel="author">Reuters</a> <span class="byline-role">Agency</span>`)
	})
	t.Run("BylineWithUnsafeLink", func(t *testing.T) {
		// Stores refuse such a link; one that got in anyway is not a link.
		p := testPost(7)
		p.Contributors = []liveblog.Contributor{{Name: "Guest", URL: "java\tscript:alert(1)"}}
		got := postHTML(t, e, ev, p)
		wantContains(t, got, `<span class="byline-name">Guest</span>`)
		wantNotContains(t, got, "script:")
	})
	t.Run("Labels", func(t *testing.T) {
		p := testPost(7)
		p.Breaking, p.KeyEvent, p.Pinned = true, true, true
		got := postHTML(t, e, ev, p)
		wantContains(t, got, ">Breaking</span>", ">Key event</span>", ">Pinned</span>", `class="post is-breaking is-key is-pinned"`)
	})
	t.Run("NoLabels", func(t *testing.T) {
		got := postHTML(t, e, ev, testPost(7))
		wantNotContains(t, got, "Breaking", "Key event", "Pinned", "post-labels")
	})
	t.Run("Updated", func(t *testing.T) {
		p := testPost(7)
		p.EditedAt = time.Date(2025, 2, 13, 10, 2, 0, 0, time.UTC)
		p.CorrectionNote = "An earlier version misspelt a name."
		wantContains(t, postHTML(t, e, ev, p),
			`<p class="post-updated">Updated <time datetime="2025-02-13T10:02:00Z">10:02 GMT</time>. <span class="correction-note">An earlier version misspelt a name.</span></p>`)
	})
	t.Run("NotUpdated", func(t *testing.T) {
		wantNotContains(t, postHTML(t, e, ev, testPost(7)), "Updated")
	})
	t.Run("SummerTime", func(t *testing.T) {
		p := testPost(7)
		p.PublishedAt = time.Date(2025, 7, 1, 8, 45, 0, 0, time.UTC)
		wantContains(t, postHTML(t, e, ev, p), `>09:45 BST 1 July 2025</time>`)
	})
	t.Run("OtherZone", func(t *testing.T) {
		ev := testEvent()
		ev.TimeZone = "America/New_York"
		wantContains(t, postHTML(t, e, ev, testPost(7)), `>04:38 EST 13 February 2025</time>`)
	})
}

func mustAttr(t *testing.T, n *html.Node, name string) string {
	t.Helper()
	v, ok := attr(n, name)
	if !ok {
		t.Fatalf("<%s> has no %s", n.Data, name)
	}
	return v
}

func TestSummary(t *testing.T) {
	e := mustEngine(t)

	t.Run("Points", func(t *testing.T) {
		got := render1(t, func(b *bytes.Buffer) error { return e.Summary(b, testEvent()) })
		wantContains(t, got, `<section id="summary"`, `>Summary</h2>`, "<li>Ministers arrive for day two</li>",
			`Updated <time datetime="2025-02-13T09:50:00Z">09:50 GMT</time>`)
		wantNotContains(t, got, "hidden")
	})
	t.Run("Empty", func(t *testing.T) {
		ev := testEvent()
		ev.Summary = liveblog.Summary{}
		got := render1(t, func(b *bytes.Buffer) error { return e.Summary(b, ev) })
		wantContains(t, got, `<section id="summary" class="summary" aria-labelledby="summary-heading" hidden>`)
		wantNotContains(t, got, "Updated")
	})
}

func testPage(n int) *liveblog.Page {
	pg := &liveblog.Page{Event: testEvent()}
	for i := 1; i <= n; i++ {
		pg.Posts = append(pg.Posts, testPost(int64(i)))
	}
	return pg
}

func TestPage(t *testing.T) {
	e := mustEngine(t)

	t.Run("Contract", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(3)})
		doc := parse(t, got)
		main := byID(doc, "live")
		if main == nil || main.Data != "main" {
			t.Fatalf("no <main id=live>")
		}
		for name, want := range map[string]string{
			"data-slug":   "defence-ministers-meet",
			"data-head":   "42",
			"data-state":  "live",
			"data-stream": "/live/defence-ministers-meet/stream",
			"data-first":  "true",
		} {
			if got := mustAttr(t, main, name); got != want {
				t.Errorf("#live %s = %q, want %q", name, got, want)
			}
		}
		for _, id := range []string{"summary", "pinned", "posts", "new-posts", "announcer", "event-title", "coverage-note"} {
			if byID(doc, id) == nil {
				t.Errorf("no #%s", id)
			}
		}
		if b := byID(doc, "new-posts"); b != nil {
			if _, hidden := attr(b, "hidden"); b.Data != "button" || !hidden {
				t.Errorf("#new-posts is <%s> hidden=%v, want a hidden <button>", b.Data, hidden)
			}
		}
		if a := byID(doc, "announcer"); a != nil {
			if got, _ := attr(a, "aria-live"); got != "polite" {
				t.Errorf("#announcer aria-live = %q, want polite", got)
			}
		}
		badges := findAll(doc, func(n *html.Node) bool { return hasClass(n, "live-badge") })
		if len(badges) != 1 {
			t.Fatalf("got %d .live-badge, want 1", len(badges))
		}
		if got, want := text(badges[0]), "LIVE"; got != want {
			t.Errorf("badge = %q, want %q", got, want)
		}
		posts := byID(doc, "posts")
		var ids []string
		for c := posts.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				ids = append(ids, mustAttr(t, c, "id"))
			}
		}
		if got, want := strings.Join(ids, ","), "post-1,post-2,post-3"; got != want {
			t.Errorf("#posts children = %s, want %s", got, want)
		}
	})
	t.Run("Language", func(t *testing.T) {
		pg := testPage(1)
		ar := *pg.Event
		ar.Language = "ar"
		pg.Event = &ar
		got := pageHTML(t, e, render.PageView{Page: pg})
		wantContains(t, got, `<html lang="ar" dir="rtl">`, `"inLanguage":"ar"`)
		pg.Event.Language = "pt-BR"
		got = pageHTML(t, e, render.PageView{Page: pg})
		wantContains(t, got, `<html lang="pt-BR" dir="ltr">`, `"inLanguage":"pt-BR"`)
	})
	t.Run("Head", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(1)})
		wantContains(t, got, `<html lang="en" dir="ltr">`, `<meta name="viewport" content="width=device-width, initial-scale=1">`,
			`<title>Defence ministers meet in Brussels – liveblog</title>`)
		if !regexp.MustCompile(`<link rel="stylesheet" href="/static/style\.[0-9a-f]{8}\.css">`).MatchString(got) {
			t.Errorf("no fingerprinted stylesheet link in:\n%s", got)
		}
		if !regexp.MustCompile(`<script type="module" src="/static/reader\.[0-9a-f]{8}\.js"></script>`).MatchString(got) {
			t.Errorf("no fingerprinted module script in:\n%s", got)
		}
	})
	t.Run("NoInlineScriptOrStyle", func(t *testing.T) {
		pg := testPage(3)
		pg.Pinned = testPost(9)
		pg.Pinned.Pinned = true
		pg.Older = &liveblog.Cursor{PublishedAt: pg.Posts[2].PublishedAt, ID: 3}
		checkSafe(t, parse(t, pageHTML(t, e, render.PageView{Page: pg, FocusPostID: 2})))
	})
	t.Run("CoverageStarted", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(1)})
		wantContains(t, got, `Coverage started <time datetime="2025-02-13T06:30:00Z">06:30 GMT 13 February 2025</time>`)
	})
	t.Run("Pinned", func(t *testing.T) {
		pg := testPage(3)
		pg.Pinned = testPost(2)
		pg.Pinned.Pinned = true
		pg.Posts[1] = pg.Pinned // a store that does not exclude it
		doc := parse(t, pageHTML(t, e, render.PageView{Page: pg}))
		pinned := byID(doc, "pinned")
		if got := findAll(pinned, func(n *html.Node) bool { return n.Data == "article" }); len(got) != 1 || mustAttr(t, got[0], "id") != "post-2" {
			t.Errorf("#pinned does not hold exactly post-2")
		}
		if got := findAll(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == "post-2" }); len(got) != 1 {
			t.Errorf("post-2 appears %d times, want once", len(got))
		}
		if !strings.Contains(text(pinned), "Pinned") {
			t.Errorf("pinned post has no Pinned label")
		}
	})
	t.Run("Empty", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(0)})
		wantContains(t, got, "No posts yet.")
		wantNotContains(t, got, "<article", `class="pager"`)
	})
	t.Run("Pager", func(t *testing.T) {
		pg := testPage(2)
		pg.Older = &liveblog.Cursor{PublishedAt: time.UnixMicro(1739439000000000), ID: 2}
		pg.Newer = &liveblog.Cursor{PublishedAt: time.UnixMicro(1739439900000000), ID: 1}
		got := pageHTML(t, e, render.PageView{Page: pg})
		wantContains(t, got,
			`<a class="pager-newer" rel="prev" href="/live/defence-ministers-meet?after=1739439900000000-1">Newer posts</a>`,
			`<a class="pager-older" rel="next" href="/live/defence-ministers-meet?before=1739439000000000-2">Older posts</a>`,
			`data-first="false"`)
	})
	t.Run("PagerKeepsView", func(t *testing.T) {
		pg := testPage(2)
		pg.Older = &liveblog.Cursor{PublishedAt: time.UnixMicro(1739439000000000), ID: 2}
		got := pageHTML(t, e, render.PageView{Page: pg, KeyOnly: true, OldestFirst: true, BasePath: "/live/x"})
		wantContains(t, got,
			`<a class="pager-older" rel="prev" href="/live/x?before=1739439000000000-2&amp;key=1&amp;order=oldest">Older posts</a>`,
			`data-key-only="true"`, `data-order="oldest"`, `data-stream="/live/x/stream"`)
	})
	t.Run("ViewOptions", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(1), KeyOnly: true})
		wantContains(t, got,
			`<a href="/live/defence-ministers-meet">All posts</a>`,
			`<a href="/live/defence-ministers-meet?key=1" aria-current="true">Key events</a>`,
			`<a href="/live/defence-ministers-meet?key=1&amp;order=oldest">Oldest first</a>`)
	})
	t.Run("StreamURL", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(1), StreamURL: "/streams/1"})
		wantContains(t, got, `data-stream="/streams/1"`)
	})
	t.Run("Permalink", func(t *testing.T) {
		pg := testPage(3)
		got := pageHTML(t, e, render.PageView{Page: pg, FocusPostID: 2, Origin: "https://news.example"})
		wantContains(t, got,
			`<title>Minister sets out position 2 – liveblog</title>`,
			`<link rel="canonical" href="https://news.example/live/defence-ministers-meet/posts/2">`,
			`<meta property="og:title" content="Minister sets out position 2">`,
			`<meta property="og:description" content="The minister said talks were urgent and overdue, according to the statement.">`,
			`<meta property="og:image" content="https://news.example/media/minister.jpg">`,
			`<meta name="twitter:card" content="summary_large_image">`,
			`data-focus="2"`, `<a href="#post-2">`)
	})
	t.Run("EventMeta", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(1)})
		wantContains(t, got,
			`<meta property="og:title" content="Defence ministers meet in Brussels">`,
			`<meta name="description" content="Follow the second day of talks.">`,
			`<meta name="twitter:card" content="summary">`)
		wantNotContains(t, got, "data-focus", "og:image")
	})
}

func TestPage_Badge(t *testing.T) {
	e := mustEngine(t)
	for _, tt := range []struct {
		state liveblog.CoverageState
		label string
		note  string
	}{
		{liveblog.CoverageLive, "LIVE", ""},
		{liveblog.CoveragePaused, "Paused", "Coverage is paused."},
		{liveblog.CoverageEnded, "Coverage ended", "Coverage has ended."},
		{liveblog.CoverageScheduled, "Starting soon", ""},
	} {
		t.Run(string(tt.state), func(t *testing.T) {
			pg := testPage(1)
			pg.Event.State = tt.state
			doc := parse(t, pageHTML(t, e, render.PageView{Page: pg}))
			badge := findAll(doc, func(n *html.Node) bool { return hasClass(n, "live-badge") })[0]
			if got := text(badge); got != tt.label {
				t.Errorf("badge = %q, want %q", got, tt.label)
			}
			if got := mustAttr(t, badge, "data-state"); got != string(tt.state) {
				t.Errorf("badge data-state = %q, want %q", got, tt.state)
			}
			note := byID(doc, "coverage-note")
			_, hidden := attr(note, "hidden")
			if got := text(note); !strings.HasPrefix(got, tt.note) || hidden != (tt.note == "") {
				t.Errorf("coverage note = %q hidden=%v, want %q", got, hidden, tt.note)
			}
		})
	}
}

// TestPost_SameAsPage checks that a post rendered alone, as stream frames
// carry it, is byte-for-byte the article in the page.
func TestPost_SameAsPage(t *testing.T) {
	e := mustEngine(t)
	pg := testPage(3)
	pg.Pinned = testPost(10)
	pg.Pinned.Pinned = true
	pg.Posts[1].Breaking = true
	pg.Posts[1].EditedAt = pg.Posts[1].PublishedAt.Add(time.Hour)
	page := pageHTML(t, e, render.PageView{Page: pg})
	for _, p := range append([]*liveblog.Post{pg.Pinned}, pg.Posts...) {
		t.Run(fmt.Sprintf("post-%d", p.ID), func(t *testing.T) {
			got := postHTML(t, e, pg.Event, p)
			if !strings.Contains(page, got) {
				t.Errorf("Post() output is not in the page.\nPost():\n%s\npage:\n%s", got, page)
			}
		})
	}
	t.Run("Summary", func(t *testing.T) {
		got := render1(t, func(b *bytes.Buffer) error { return e.Summary(b, pg.Event) })
		if !strings.Contains(page, got) {
			t.Errorf("Summary() output is not in the page.\nSummary():\n%s", got)
		}
	})
}

// hostilePost puts hostile text into every field a newsroom or an importer
// can fill, with URLs forced past validation.
func hostilePost() *liveblog.Post {
	spans := []liveblog.Span{
		{Text: xssScript},
		{Text: xssAttr, Bold: true},
		{Text: "click", Href: xssHref},
		{Text: "click", Href: " JavaScript:alert(1)"},
		{Text: "click", Href: "java\tscript:alert(1)"},
		{Text: "click", Href: "data:text/html,<script>alert(1)</script>"},
		{Text: "click", Href: `https://example.org/"><script>alert(1)</script>`},
	}
	return &liveblog.Post{
		ID:             66,
		Headline:       xssScript + xssAttr,
		Status:         liveblog.StatusPublished,
		PublishedAt:    time.Date(2025, 2, 13, 9, 0, 0, 0, time.UTC),
		EditedAt:       time.Date(2025, 2, 13, 9, 5, 0, 0, time.UTC),
		CorrectionNote: xssScript + xssAttr,
		Contributors: []liveblog.Contributor{
			{Name: xssScript, Role: xssAttr, Avatar: xssHref},
			{Name: xssAttr, Avatar: `/media/a.jpg" onerror="alert(1)`},
		},
		Blocks: []liveblog.Block{
			{Type: liveblog.BlockParagraph, Spans: spans},
			{Type: liveblog.BlockList, Items: [][]liveblog.Span{spans, {{Text: xssAttr}}}},
			{Type: liveblog.BlockQuote, Text: xssScript + "\n" + xssAttr, Attribution: xssScript + xssAttr},
			{Type: liveblog.BlockImage, Src: xssHref, Alt: xssAttr, Caption: xssScript, Credit: xssAttr},
			{Type: liveblog.BlockImage, Src: "/media/ok.jpg", Alt: xssAttr, Caption: xssScript, Credit: xssAttr},
			{Type: liveblog.BlockImage, Src: "//evil.example/x.png", Alt: "x"},
			{Type: liveblog.BlockEmbed, URL: xssHref, Title: xssScript},
			{Type: liveblog.BlockEmbed, URL: "https://example.org/" + xssAttr, Title: xssAttr},
		},
	}
}

func TestHostileText(t *testing.T) {
	e := mustEngine(t)
	ev := testEvent()
	ev.Title = xssScript + xssAttr
	ev.Description = xssAttr
	ev.Summary.Points = []string{xssScript, xssAttr}

	check := func(t *testing.T, got string) {
		t.Helper()
		checkSafe(t, parse(t, got))
		wantNotContains(t, got, "<script>alert", "<img src=x", "javascript:", "JavaScript:", "data:text")
	}
	t.Run("Post", func(t *testing.T) {
		got := postHTML(t, e, ev, hostilePost())
		check(t, got)
		wantContains(t, got, "&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;")
		if n := strings.Count(got, `<a href="https://example.org/`); n != 2 {
			t.Errorf("got %d links to example.org, want 2 (the span link in the paragraph and in the list)", n)
		}
	})
	t.Run("Page", func(t *testing.T) {
		pg := &liveblog.Page{Event: ev, Posts: []*liveblog.Post{hostilePost()}, Older: &liveblog.Cursor{PublishedAt: time.UnixMicro(1), ID: 1}}
		got := pageHTML(t, e, render.PageView{Page: pg, FocusPostID: 66, Origin: "https://news.example"})
		check(t, got)
	})
	t.Run("Frame", func(t *testing.T) {
		data, err := e.FrameData(ev, &liveblog.Change{Seq: 1, Kind: liveblog.ChangePostPublished, PostID: 66, Post: hostilePost()})
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ HTML string }
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		check(t, f.HTML)
	})
	t.Run("Index", func(t *testing.T) {
		got := render1(t, func(b *bytes.Buffer) error { return e.Index(b, render.IndexView{Events: []*liveblog.Event{ev}}) })
		check(t, got)
	})
	t.Run("Error", func(t *testing.T) {
		got := render1(t, func(b *bytes.Buffer) error { return e.Error(b, http.StatusBadRequest, xssScript+xssAttr) })
		check(t, got)
	})
	t.Run("Slug", func(t *testing.T) {
		ev := testEvent()
		ev.Slug = `x"><script>alert(1)</script>`
		got := pageHTML(t, e, render.PageView{Page: &liveblog.Page{Event: ev, Posts: []*liveblog.Post{testPost(1)}}})
		check(t, got)
	})
}

func TestSafeURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://example.org/a?b=1", "https://example.org/a?b=1"},
		{"http://example.org", "http://example.org"},
		{"HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"},
		{"mailto:desk@example.org", "mailto:desk@example.org"},
		{"/media/2025/a.jpg", "/media/2025/a.jpg"},
		{"/static/missing-image.svg", web.AssetPath("missing-image.svg")},
		{"/static/no-such-file.svg", ""},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"JaVaScRiPt:alert(1)", ""},
		{" javascript:alert(1)", ""},
		{"java\tscript:alert(1)", ""},
		{"java\nscript:alert(1)", ""},
		{"vbscript:msgbox", ""},
		{"data:image/png;base64,AAAA", ""},
		{"//evil.example/x", ""},
		{"/\\evil.example/x", ""},
		{"/live/other", ""},
		{"/media/../admin", ""},
		{"https://user:pass@example.org/", ""},
		{"https:///nohost", ""},
		{"mailto:", ""},
		{"relative/path", ""},
		{"#top", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := render.SafeURL(tt.in); got != tt.want {
				t.Errorf("SafeURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	year := time.Now().In(tokyo).Year()
	newYear := time.Date(year, 1, 1, 0, 30, 0, 0, tokyo) // still 31 December of last year in UTC
	for _, tt := range []struct {
		name string
		at   time.Time
		loc  *time.Location
		want string
	}{
		{"Winter", time.Date(2025, 2, 13, 9, 45, 0, 0, time.UTC), london, "09:45 GMT 13 February 2025"},
		{"Summer", time.Date(2025, 7, 1, 8, 45, 0, 0, time.UTC), london, "09:45 BST 1 July 2025"},
		{"BeforeClocksGoForward", time.Date(2025, 3, 30, 0, 30, 0, 0, time.UTC), london, "00:30 GMT 30 March 2025"},
		{"AfterClocksGoForward", time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC), london, "02:30 BST 30 March 2025"},
		{"BeforeClocksGoBack", time.Date(2025, 10, 26, 0, 30, 0, 0, time.UTC), london, "01:30 BST 26 October 2025"},
		{"AfterClocksGoBack", time.Date(2025, 10, 26, 1, 30, 0, 0, time.UTC), london, "01:30 GMT 26 October 2025"},
		{"NilLocation", time.Date(2025, 2, 13, 9, 45, 0, 0, time.UTC), nil, "09:45 UTC 13 February 2025"},
		{"FromOtherZone", time.Date(2025, 2, 13, 10, 45, 0, 0, time.FixedZone("CET", 3600)), london, "09:45 GMT 13 February 2025"},
		// The year shows only when it is not the current one, and that is
		// judged in the event's zone.
		{"ThisYear", time.Date(year, 2, 13, 9, 45, 0, 0, time.UTC), london, "09:45 GMT 13 February"},
		{"NewYearInZone", newYear, tokyo, "00:30 JST 1 January"},
		{"LastYearInUTC", newYear, time.UTC, fmt.Sprintf("15:30 UTC 31 December %d", year-1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := render.FormatTime(tt.at, tt.loc); got != tt.want {
				t.Errorf("FormatTime(%v) = %q, want %q", tt.at, got, tt.want)
			}
		})
	}
}

func TestFormatClock(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Winter", func(t *testing.T) {
		if got, want := render.FormatClock(time.Date(2025, 2, 13, 9, 45, 0, 0, time.UTC), london), "09:45 GMT"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("Summer", func(t *testing.T) {
		if got, want := render.FormatClock(time.Date(2025, 7, 1, 8, 45, 0, 0, time.UTC), london), "09:45 BST"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestFrameData(t *testing.T) {
	e := mustEngine(t)
	ev := testEvent()
	post := testPost(7)
	post.KeyEvent = true
	post.Blocks = append(post.Blocks, liveblog.Plain("line\u2028separator"))
	after := testEvent()
	after.Title = "New title"
	after.Description = ""
	after.State = liveblog.CoveragePaused
	after.Summary.Points = []string{"Changed point"}
	scheduled := testEvent()
	scheduled.State, scheduled.CoverageStartedAt = liveblog.CoverageScheduled, time.Time{}
	const started = `<span class="coverage-time">Coverage started <time datetime="2025-02-13T06:30:00Z">06:30 GMT 13 February 2025</time></span>`

	for _, tt := range []struct {
		name   string
		change liveblog.Change
		want   map[string]any // fields and their values; "*" checks presence only
	}{
		{"PostPublished", liveblog.Change{Seq: 43, Kind: liveblog.ChangePostPublished, PostID: 7, Post: post},
			map[string]any{"seq": 43.0, "kind": "post.published", "post_id": 7.0, "html": "*", "sort": liveblog.CursorOf(post).String(), "pinned": false, "key_event": true}},
		{"PostUpdated", liveblog.Change{Seq: 44, Kind: liveblog.ChangePostUpdated, PostID: 7, Post: post},
			map[string]any{"seq": 44.0, "kind": "post.updated", "post_id": 7.0, "html": "*", "sort": "*", "pinned": false, "key_event": true}},
		{"PostPinned", liveblog.Change{Seq: 45, Kind: liveblog.ChangePostPinned, PostID: 7, Post: pinned(post)},
			map[string]any{"seq": 45.0, "kind": "post.pinned", "post_id": 7.0, "html": "*", "sort": "*", "pinned": true, "key_event": true}},
		{"PostUnpinned", liveblog.Change{Seq: 46, Kind: liveblog.ChangePostUnpinned, PostID: 7, Post: post},
			map[string]any{"seq": 46.0, "kind": "post.unpinned", "post_id": 7.0, "html": "*", "sort": "*", "pinned": false, "key_event": true}},
		{"PostDeleted", liveblog.Change{Seq: 47, Kind: liveblog.ChangePostDeleted, PostID: 7},
			map[string]any{"seq": 47.0, "kind": "post.deleted", "post_id": 7.0}},
		{"Redacted", liveblog.Change{Seq: 3, Kind: liveblog.ChangePostPublished, PostID: 7},
			map[string]any{"seq": 3.0, "kind": "post.published", "post_id": 7.0, "redacted": true}},
		{"SummaryUpdated", liveblog.Change{Seq: 48, Kind: liveblog.ChangeSummary, Event: after},
			map[string]any{"seq": 48.0, "kind": "summary.updated", "html": "*"}},
		// The frame carries the "Coverage started" line, so a page open
		// before coverage started shows it too.
		{"CoverageChanged", liveblog.Change{Seq: 49, Kind: liveblog.ChangeCoverage, Event: after},
			map[string]any{"seq": 49.0, "kind": "coverage.changed", "state": "paused", "html": started}},
		{"CoverageWithoutEvent", liveblog.Change{Seq: 49, Kind: liveblog.ChangeCoverage},
			map[string]any{"seq": 49.0, "kind": "coverage.changed", "state": "live", "html": started}},
		{"CoverageNotStarted", liveblog.Change{Seq: 49, Kind: liveblog.ChangeCoverage, Event: scheduled},
			map[string]any{"seq": 49.0, "kind": "coverage.changed", "state": "scheduled"}},
		{"EventUpdated", liveblog.Change{Seq: 50, Kind: liveblog.ChangeEvent, Event: after},
			map[string]any{"seq": 50.0, "kind": "event.updated", "title": "New title", "description": ""}},
		{"UnknownKind", liveblog.Change{Seq: 51, Kind: "poll.closed"},
			map[string]any{"seq": 51.0, "kind": "poll.closed"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := e.FrameData(ev, &tt.change)
			if err != nil {
				t.Fatalf("FrameData: %v", err)
			}
			if !json.Valid(data) {
				t.Fatalf("not valid JSON: %s", data)
			}
			if bytes.ContainsAny(data, "\r\n\u2028\u2029") {
				t.Errorf("frame data is not one line: %q", data)
			}
			var got map[string]any
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				v, ok := got[k]
				if !ok {
					t.Errorf("field %q missing in %s", k, data)
				} else if want != "*" && v != want {
					t.Errorf("%s = %v, want %v", k, v, want)
				}
			}
			for k := range got {
				if _, ok := tt.want[k]; !ok {
					t.Errorf("unexpected field %q in %s", k, data)
				}
			}
			if !strings.HasPrefix(string(data), fmt.Sprintf(`{"seq":%d,"kind":`, tt.change.Seq)) {
				t.Errorf("frame does not start with seq and kind: %s", data)
			}
		})
	}

	t.Run("PostHTMLIsPost", func(t *testing.T) {
		data, err := e.FrameData(ev, &liveblog.Change{Seq: 43, Kind: liveblog.ChangePostPublished, PostID: 7, Post: post})
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ HTML string }
		json.Unmarshal(data, &f)
		if want := postHTML(t, e, ev, post); f.HTML != want {
			t.Errorf("html = %q, want Post() output %q", f.HTML, want)
		}
	})
	t.Run("SummaryHTMLIsSummary", func(t *testing.T) {
		data, err := e.FrameData(ev, &liveblog.Change{Seq: 48, Kind: liveblog.ChangeSummary, Event: after})
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ HTML string }
		json.Unmarshal(data, &f)
		if want := render1(t, func(b *bytes.Buffer) error { return e.Summary(b, after) }); f.HTML != want {
			t.Errorf("html = %q, want Summary() output %q", f.HTML, want)
		}
	})
}

func pinned(p *liveblog.Post) *liveblog.Post {
	q := *p
	q.Pinned = true
	return &q
}

func TestIndex(t *testing.T) {
	e := mustEngine(t)
	mk := func(slug string, state liveblog.CoverageState) *liveblog.Event {
		ev := testEvent()
		ev.Slug, ev.Title, ev.State = slug, "Event "+slug, state
		return ev
	}
	t.Run("LiveFirst", func(t *testing.T) {
		events := []*liveblog.Event{
			mk("ended-one", liveblog.CoverageEnded),
			mk("soon", liveblog.CoverageScheduled),
			mk("live-one", liveblog.CoverageLive),
			mk("paused", liveblog.CoveragePaused),
			mk("live-two", liveblog.CoverageLive),
		}
		got := render1(t, func(b *bytes.Buffer) error { return e.Index(b, render.IndexView{Events: events}) })
		doc := parse(t, got)
		var hrefs []string
		for _, a := range findAll(doc, func(n *html.Node) bool {
			return n.Data == "a" && n.Parent != nil && hasClass(n.Parent, "event-item-title")
		}) {
			hrefs = append(hrefs, mustAttr(t, a, "href"))
		}
		want := "/live/live-one,/live/live-two,/live/paused,/live/soon,/live/ended-one"
		if got := strings.Join(hrefs, ","); got != want {
			t.Errorf("event links = %s, want %s", got, want)
		}
		wantContains(t, got, `<span class="live-badge" data-state="live">LIVE</span>`,
			`<span class="live-badge" data-state="ended">Coverage ended</span>`)
		if events[0].Slug != "ended-one" {
			t.Errorf("Index reordered the caller's slice")
		}
	})
	t.Run("Empty", func(t *testing.T) {
		got := render1(t, func(b *bytes.Buffer) error { return e.Index(b, render.IndexView{}) })
		wantContains(t, got, "There is no live coverage yet.")
	})
}

func TestError(t *testing.T) {
	e := mustEngine(t)
	for _, tt := range []struct {
		status int
		title  string
	}{
		{http.StatusNotFound, "Not Found"},
		{http.StatusInternalServerError, "Internal Server Error"},
		{599, "Error"},
	} {
		t.Run(tt.title, func(t *testing.T) {
			got := render1(t, func(b *bytes.Buffer) error { return e.Error(b, tt.status, "Something to say.") })
			wantContains(t, got, "<h1>"+tt.title+"</h1>", "<p>Something to say.</p>", "<title>"+tt.title+" – liveblog</title>")
		})
	}
}

func TestSiteName(t *testing.T) {
	e := mustEngine(t)
	e.SiteName = "Newsroom Live"
	got := render1(t, func(b *bytes.Buffer) error { return e.Index(b, render.IndexView{}) })
	wantContains(t, got, "<title>Live coverage – Newsroom Live</title>", `<a class="site-name" href="/">Newsroom Live</a>`)
}

func BenchmarkPage50(b *testing.B) {
	e := mustEngine(b)
	pg := testPage(50)
	pg.Older = &liveblog.Cursor{PublishedAt: pg.Posts[49].PublishedAt, ID: 50}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := e.Page(&buf, render.PageView{Page: pg}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkFrameData(b *testing.B) {
	e := mustEngine(b)
	ev, p := testEvent(), testPost(7)
	c := &liveblog.Change{Seq: 43, Kind: liveblog.ChangePostPublished, PostID: 7, Post: p}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		data, err := e.FrameData(ev, c)
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.SetBytes(int64(n))
}
