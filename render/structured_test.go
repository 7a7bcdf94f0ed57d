package render_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// structuredData extracts the page's JSON-LD block, as a search engine
// would, and fails unless there is exactly one.
func structuredData(t *testing.T, page string) (raw string, doc map[string]any) {
	t.Helper()
	blocks := findAll(parse(t, page), func(n *html.Node) bool {
		typ, _ := attr(n, "type")
		return n.Data == "script" && typ == "application/ld+json"
	})
	if len(blocks) != 1 {
		t.Fatalf("got %d JSON-LD blocks, want 1", len(blocks))
	}
	raw = text(blocks[0])
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, raw)
	}
	return raw, doc
}

func field(t *testing.T, m map[string]any, name, want string) {
	t.Helper()
	if got, _ := m[name].(string); got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func TestStructuredData(t *testing.T) {
	e := mustEngine(t)
	ev := testEvent()
	ev.CreatedAt = time.Date(2025, 2, 13, 6, 0, 0, 0, time.UTC)
	ev.UpdatedAt = ev.CreatedAt
	pg := testPage(3)
	pg.Event = ev
	pg.Posts[0].EditedAt = time.Date(2025, 2, 13, 10, 0, 0, 0, time.UTC)
	pg.Posts[2].Headline = ""

	t.Run("Live", func(t *testing.T) {
		_, doc := structuredData(t, pageHTML(t, e, render.PageView{Page: pg, Origin: "https://news.example"}))
		field(t, doc, "@context", "https://schema.org")
		field(t, doc, "@type", "LiveBlogPosting")
		field(t, doc, "headline", "Defence ministers meet in Brussels")
		field(t, doc, "description", "Follow the second day of talks.")
		field(t, doc, "url", "https://news.example/live/defence-ministers-meet")
		field(t, doc, "coverageStartTime", "2025-02-13T06:30:00Z")
		field(t, doc, "datePublished", "2025-02-13T06:30:00Z")
		field(t, doc, "dateModified", "2025-02-13T10:00:00Z")
		if _, ok := doc["coverageEndTime"]; ok {
			t.Errorf("coverageEndTime set while coverage is live")
		}
		updates, _ := doc["liveBlogUpdate"].([]any)
		if len(updates) != 3 {
			t.Fatalf("got %d updates, want 3", len(updates))
		}
		first, _ := updates[0].(map[string]any)
		field(t, first, "@type", "BlogPosting")
		field(t, first, "headline", "Minister sets out position 1")
		field(t, first, "url", "https://news.example/live/defence-ministers-meet/posts/1")
		field(t, first, "datePublished", "2025-02-13T09:44:00Z")
		field(t, first, "dateModified", "2025-02-13T10:00:00Z")
		field(t, first, "image", "https://news.example/media/minister.jpg")
		authors, _ := first["author"].([]any)
		if len(authors) != 1 {
			t.Fatalf("got %d authors, want 1", len(authors))
		}
		author, _ := authors[0].(map[string]any)
		field(t, author, "@type", "Person")
		field(t, author, "name", "Sam Writer")
		field(t, author, "jobTitle", "Defence correspondent")
		untitled, _ := updates[2].(map[string]any)
		field(t, untitled, "headline", "The minister said talks were urgent and overdue, according to the statement.")
		field(t, untitled, "dateModified", "2025-02-13T09:42:00Z")
	})

	t.Run("Ended", func(t *testing.T) {
		ended := *ev
		ended.State = liveblog.CoverageEnded
		ended.CoverageEndedAt = time.Date(2025, 2, 13, 18, 0, 0, 0, time.UTC)
		_, doc := structuredData(t, pageHTML(t, e, render.PageView{Page: &liveblog.Page{Event: &ended}}))
		field(t, doc, "coverageEndTime", "2025-02-13T18:00:00Z")
		if _, ok := doc["liveBlogUpdate"]; ok {
			t.Errorf("liveBlogUpdate present on a page without posts")
		}
	})

	t.Run("LatestTenNewestFirst", func(t *testing.T) {
		many := testPage(25)
		pinned := testPost(30)
		pinned.Pinned, pinned.PublishedAt = true, time.Date(2025, 2, 13, 11, 0, 0, 0, time.UTC)
		many.Pinned = pinned
		_, doc := structuredData(t, pageHTML(t, e, render.PageView{Page: many, OldestFirst: true}))
		updates, _ := doc["liveBlogUpdate"].([]any)
		var got []string
		for _, u := range updates {
			got = append(got, u.(map[string]any)["url"].(string))
		}
		var want []string
		for _, id := range []int{30, 1, 2, 3, 4, 5, 6, 7, 8, 9} {
			want = append(want, fmt.Sprintf("/live/defence-ministers-meet/posts/%d", id))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("updates %v, want the ten latest, newest first, pinned included: %v", got, want)
		}
	})

	// Text that would end the script element or open a comment in it must
	// stay inside the JSON as text.
	t.Run("Breakout", func(t *testing.T) {
		hostile := *ev
		hostile.Title = `</script><script>alert(1)</script><!--`
		hostile.Description = `<!-- </SCRIPT > & "quoted" ` + "\u2028"
		p := testPost(1)
		p.Headline = `</script><img src=x onerror=alert(2)>`
		p.Contributors = []liveblog.Contributor{{Name: `<!--<script>`, Role: `</script>`}}
		got := pageHTML(t, e, render.PageView{Page: &liveblog.Page{Event: &hostile, Posts: []*liveblog.Post{p}}})
		raw, doc := structuredData(t, got)
		for _, bad := range []string{"<", ">", "\u2028"} {
			if strings.Contains(raw, bad) {
				t.Errorf("JSON-LD holds a raw %q:\n%s", bad, raw)
			}
		}
		checkSafe(t, parse(t, got))
		field(t, doc, "headline", hostile.Title)
		field(t, doc, "description", hostile.Description)
		update := doc["liveBlogUpdate"].([]any)[0].(map[string]any)
		field(t, update, "headline", p.Headline)
		author := update["author"].([]any)[0].(map[string]any)
		field(t, author, "name", `<!--<script>`)
		field(t, author, "jobTitle", `</script>`)
	})

	t.Run("LongHeadline", func(t *testing.T) {
		long := *ev
		long.Title = strings.Repeat("word ", 40)
		_, doc := structuredData(t, pageHTML(t, e, render.PageView{Page: &liveblog.Page{Event: &long}}))
		if got := []rune(doc["headline"].(string)); len(got) != 110 || got[109] != '…' {
			t.Errorf("headline of %d characters ending %q, want 110 ending with …", len(got), got[len(got)-1])
		}
	})
}

func TestPage_Feeds(t *testing.T) {
	e := mustEngine(t)
	t.Run("All", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(1)})
		wantContains(t, got,
			`<link rel="alternate" type="application/atom&#43;xml" title="Defence ministers meet in Brussels – Atom feed" href="/live/defence-ministers-meet/feed.atom">`,
			`<link rel="alternate" type="application/rss&#43;xml" title="Defence ministers meet in Brussels – RSS feed" href="/live/defence-ministers-meet/feed.rss">`,
			`<link rel="alternate" type="application/feed&#43;json" title="Defence ministers meet in Brussels – JSON Feed" href="/live/defence-ministers-meet/feed.json">`)
		wantNotContains(t, got, "json+oembed", "json&#43;oembed")
	})
	t.Run("KeyOnly", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(1), KeyOnly: true})
		wantContains(t, got, `href="/live/defence-ministers-meet/feed.atom?key=1"`, `title="Defence ministers meet in Brussels, key events – Atom feed"`)
	})
	t.Run("OEmbed", func(t *testing.T) {
		got := pageHTML(t, e, render.PageView{Page: testPage(1), Origin: "https://news.example"})
		wantContains(t, got, `<link rel="alternate" type="application/json+oembed" href="https://news.example/oembed?format=json&amp;url=https%3A%2F%2Fnews.example%2Flive%2Fdefence-ministers-meet" title="Defence ministers meet in Brussels">`)
	})
}

func TestPage_KeyEvents(t *testing.T) {
	e := mustEngine(t)
	var keys []*liveblog.Post
	for i := int64(1); i <= 8; i++ {
		p := testPost(i)
		p.KeyEvent = true
		keys = append(keys, p)
	}
	keys[1].Headline = ""

	t.Run("Listed", func(t *testing.T) {
		doc := parse(t, pageHTML(t, e, render.PageView{Page: testPage(1), KeyEvents: keys}))
		nav := byID(doc, "key-events")
		if nav == nil {
			t.Fatal("no #key-events")
		}
		if _, hidden := attr(nav, "hidden"); hidden {
			t.Errorf("#key-events is hidden")
		}
		if got := mustAttr(t, nav, "data-max"); got != fmt.Sprint(render.KeyEventsShown) {
			t.Errorf("data-max = %s, want %d", got, render.KeyEventsShown)
		}
		items := findAll(nav, func(n *html.Node) bool { return n.Data == "li" })
		if len(items) != render.KeyEventsShown {
			t.Fatalf("got %d key events, want %d", len(items), render.KeyEventsShown)
		}
		links := findAll(items[0], func(n *html.Node) bool { return n.Data == "a" })
		if len(links) != 1 || mustAttr(t, links[0], "href") != "/live/defence-ministers-meet/posts/1" || text(links[0]) != "Minister sets out position 1" {
			t.Errorf("first key event = %q, want a link to post 1's permalink with its headline", text(items[0]))
		}
		if got := mustAttr(t, items[0], "data-post"); got != "1" {
			t.Errorf("data-post = %s, want 1", got)
		}
		if got, want := mustAttr(t, items[0], "data-sort"), liveblog.CursorOf(keys[0]).String(); got != want {
			t.Errorf("data-sort = %s, want %s", got, want)
		}
		if got := text(items[1]); !strings.HasPrefix(got, "The minister said talks were urgent and overdue, according to the statement.") {
			t.Errorf("key event without headline reads %q, want its first line", got)
		}
		if got := text(items[0]); !strings.Contains(got, "09:44 GMT 13 February") {
			t.Errorf("key event %q does not show its time with the zone", got)
		}
	})
	t.Run("NoneHidden", func(t *testing.T) {
		doc := parse(t, pageHTML(t, e, render.PageView{Page: testPage(1)}))
		nav := byID(doc, "key-events")
		if _, hidden := attr(nav, "hidden"); nav == nil || !hidden {
			t.Errorf("#key-events missing or shown with no key events")
		}
	})
	t.Run("NotInKeyView", func(t *testing.T) {
		doc := parse(t, pageHTML(t, e, render.PageView{Page: testPage(1), KeyOnly: true, KeyEvents: keys}))
		if byID(doc, "key-events") != nil {
			t.Errorf("the key events view repeats the list")
		}
	})
	t.Run("Hostile", func(t *testing.T) {
		p := testPost(1)
		p.Headline = xssScript
		got := pageHTML(t, e, render.PageView{Page: testPage(1), KeyEvents: []*liveblog.Post{p}})
		checkSafe(t, parse(t, got))
		wantNotContains(t, got, "<script>alert")
	})
}

func TestPage_Accessibility(t *testing.T) {
	e := mustEngine(t)
	doc := parse(t, pageHTML(t, e, render.PageView{Page: testPage(2)}))
	body := findAll(doc, func(n *html.Node) bool { return n.Data == "body" })[0]
	var first *html.Node
	for c := body.FirstChild; c != nil && first == nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			first = c
		}
	}
	if first == nil || first.Data != "a" || mustAttr(t, first, "href") != "#stream-heading" {
		t.Errorf("the body does not start with a skip link to the posts")
	}
	if byID(doc, "stream-heading") == nil {
		t.Errorf("the skip link's target is missing")
	}
	times := findAll(doc, func(n *html.Node) bool { return n.Data == "time" })
	for _, tm := range times {
		if _, ok := attr(tm, "datetime"); !ok {
			t.Errorf("<time>%s</time> has no datetime: the script cannot show its age", text(tm))
		}
	}
}

func TestEmbed(t *testing.T) {
	e := mustEngine(t)
	pg := testPage(3)
	pg.Pinned = testPost(9)
	pg.Pinned.Pinned = true
	var b strings.Builder
	if err := e.Embed(&b, render.EmbedView{Page: pg, Origin: "https://news.example"}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	doc := parse(t, got)
	checkSafe(t, doc)
	main := byID(doc, "live")
	for name, want := range map[string]string{
		"data-embed":  "true",
		"data-limit":  fmt.Sprint(render.EmbedPosts),
		"data-first":  "true",
		"data-stream": "/live/defence-ministers-meet/stream",
		"data-head":   "42",
	} {
		if got := mustAttr(t, main, name); got != want {
			t.Errorf("#live %s = %q, want %q", name, got, want)
		}
	}
	for _, id := range []string{"summary", "pinned", "posts", "new-posts", "announcer", "event-title", "event-description", "coverage-note"} {
		if byID(doc, id) == nil {
			t.Errorf("no #%s, which reader.js needs", id)
		}
	}
	wantContains(t, got, `<base target="_blank">`, `<html lang="en" dir="ltr" class="embed">`,
		`<a href="https://news.example/live/defence-ministers-meet">Follow the full coverage on liveblog</a>`)
	wantNotContains(t, got, `class="site-header"`, `class="view-options"`, `class="pager"`)
	if n := strings.Count(got, `id="post-9"`); n != 1 {
		t.Errorf("pinned post appears %d times, want once", n)
	}
}

func TestPage_PermalinkPreview(t *testing.T) {
	e := mustEngine(t)
	pg := testPage(3)
	pg.Posts[1].EditedAt = time.Date(2025, 2, 13, 10, 15, 0, 0, time.UTC)
	got := pageHTML(t, e, render.PageView{Page: pg, FocusPostID: 2, Origin: "https://news.example"})
	wantContains(t, got,
		`<meta property="og:type" content="article">`,
		`<meta property="og:url" content="https://news.example/live/defence-ministers-meet/posts/2">`,
		`<meta property="og:image" content="https://news.example/media/minister.jpg">`,
		`<meta property="og:image:alt" content="The minister at a lectern">`,
		`<meta name="twitter:image:alt" content="The minister at a lectern">`,
		`<meta property="article:published_time" content="2025-02-13T09:43:00Z">`,
		`<meta property="article:modified_time" content="2025-02-13T10:15:00Z">`,
		`<meta name="twitter:title" content="Minister sets out position 2">`)

	event := pageHTML(t, e, render.PageView{Page: pg, Origin: "https://news.example"})
	wantNotContains(t, event, "article:published_time", "og:image:alt")
}
