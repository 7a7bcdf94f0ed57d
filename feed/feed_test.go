package feed_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/feed"
)

const origin = "https://news.example"

// Hostile strings that must come out as text: as the title a reader shows,
// and escaped inside content.
const (
	xssScript = `<script>alert(1)</script>`
	xssCDATA  = `]]><script>alert(2)</script>`
	xssHref   = `javascript:alert(3)`
	// gofeed reads a name with parentheses as "email (name)", so the
	// hostile byline has none.
	xssName = `<b onmouseover=alert>Sam</b> & "Co"`
)

var (
	created   = time.Date(2025, 2, 13, 6, 0, 0, 0, time.UTC)
	published = time.Date(2025, 2, 13, 9, 45, 0, 0, time.UTC)
	edited    = time.Date(2025, 2, 13, 10, 5, 0, 0, time.UTC)
)

func testEvent() *liveblog.Event {
	return &liveblog.Event{
		ID: 7, Slug: "defence-ministers-meet", Title: "Defence ministers meet", Description: "Day two of talks.",
		State: liveblog.CoverageLive, TimeZone: "Europe/London", CreatedAt: created, UpdatedAt: created,
	}
}

// testPosts returns, newest first: an edited key event with two bylines and
// an image, a post without a headline, and a plain post.
func testPosts() []*liveblog.Post {
	return []*liveblog.Post{
		{
			ID: 3, EventID: 7, Headline: "Minister sets out position", KeyEvent: true, Breaking: true,
			Status: liveblog.StatusPublished, PublishedAt: published, EditedAt: edited, CorrectionNote: "Corrects the minister's title.",
			Contributors: []liveblog.Contributor{
				{Name: "Sam Writer", Role: "Defence correspondent", Avatar: "/media/sam.jpg"},
				{Name: "Alex Reporter"},
			},
			Blocks: []liveblog.Block{
				{Type: liveblog.BlockImage, Src: "/media/minister.jpg", Alt: "The minister", Credit: "Agency"},
				{Type: liveblog.BlockParagraph, Spans: []liveblog.Span{{Text: "Talks were "}, {Text: "urgent", Bold: true}, {Text: ", said the "}, {Text: "statement", Href: "https://example.org/s"}}},
			},
		},
		{
			ID: 2, EventID: 7, Status: liveblog.StatusPublished, PublishedAt: published.Add(-10 * time.Minute),
			Blocks: []liveblog.Block{liveblog.Plain("Ministers are arriving at the building.\nMore soon.")},
		},
		{
			ID: 1, EventID: 7, Headline: "Good morning", Status: liveblog.StatusPublished, PublishedAt: published.Add(-30 * time.Minute),
			Blocks: []liveblog.Block{liveblog.Plain("Welcome to our coverage.")},
		},
	}
}

func encode(t *testing.T, format feed.Format, f *feed.Feed) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := feed.Encode(&buf, format, f); err != nil {
		t.Fatalf("Encode(%s): %v", format, err)
	}
	return buf.Bytes()
}

func parse(t *testing.T, format feed.Format, b []byte) *gofeed.Feed {
	t.Helper()
	parsed, err := gofeed.NewParser().ParseString(string(b))
	if err != nil {
		t.Fatalf("gofeed cannot parse the %s feed: %v\n%s", format, err, b)
	}
	if want := map[feed.Format]string{feed.Atom: "atom", feed.RSS: "rss", feed.JSON: "json"}[format]; parsed.FeedType != want {
		t.Errorf("feed type = %q, want %q", parsed.FeedType, want)
	}
	return parsed
}

func TestEncode(t *testing.T) {
	for _, format := range feed.Formats {
		t.Run(string(format), func(t *testing.T) {
			f := &feed.Feed{Event: testEvent(), Posts: testPosts(), Origin: origin, SiteName: "Example News"}
			got := parse(t, format, encode(t, format, f))

			if got.Language != "en" {
				t.Errorf("language = %q, want en", got.Language)
			}
			if got.Title != "Defence ministers meet" {
				t.Errorf("title = %q, want the event's", got.Title)
			}
			if got.Link != origin+"/live/defence-ministers-meet" {
				t.Errorf("link = %q, want the event page", got.Link)
			}
			if format != feed.RSS { // RSS carries no date of its own beyond lastBuildDate
				if got.UpdatedParsed == nil || !got.UpdatedParsed.Equal(edited) {
					t.Errorf("feed updated = %v, want the newest edit %v", got.UpdatedParsed, edited)
				}
			}
			if got.FeedLink != origin+"/live/defence-ministers-meet/feed."+string(format) {
				t.Errorf("feed link = %q", got.FeedLink)
			}
			if len(got.Items) != 3 {
				t.Fatalf("got %d items, want 3", len(got.Items))
			}

			key := got.Items[0]
			if key.Title != "Minister sets out position" {
				t.Errorf("item 0 title = %q", key.Title)
			}
			if want := origin + "/live/defence-ministers-meet/posts/3"; key.Link != want {
				t.Errorf("item 0 link = %q, want %q", key.Link, want)
			}
			if want := "tag:news.example,2025-02-13:event/7/post/3"; key.GUID != want {
				t.Errorf("item 0 id = %q, want %q", key.GUID, want)
			}
			if key.PublishedParsed == nil || !key.PublishedParsed.Equal(published) {
				t.Errorf("item 0 published = %v, want %v", key.PublishedParsed, published)
			}
			if key.UpdatedParsed == nil || !key.UpdatedParsed.Equal(edited) {
				t.Errorf("item 0 updated = %v, want the edit %v", key.UpdatedParsed, edited)
			}
			if len(key.Authors) == 0 || key.Authors[0].Name != "Sam Writer" {
				t.Errorf("item 0 authors = %v, want Sam Writer first", names(key.Authors))
			}
			if format != feed.RSS && len(key.Authors) != 2 {
				t.Errorf("item 0 authors = %v, want both bylines", names(key.Authors))
			}
			if got := strings.Join(key.Categories, ","); format != feed.JSON && got != "Breaking,Key event" || format == feed.JSON && got != "" && got != "Breaking,Key event" {
				t.Errorf("item 0 categories = %q", got)
			}
			content := key.Content
			if format == feed.RSS {
				content = key.Description
			}
			for _, want := range []string{
				`<img src="https://news.example/media/minister.jpg" alt="The minister">`,
				`<strong>urgent</strong>`,
				`<a href="https://example.org/s">statement</a>`,
				`Correction: Corrects the minister&#39;s title.`,
			} {
				if !strings.Contains(content, want) {
					t.Errorf("item 0 content lacks %s:\n%s", want, content)
				}
			}

			untitled := got.Items[1]
			if want := "Ministers are arriving at the building."; untitled.Title != want {
				t.Errorf("item 1 title = %q, want its first line %q", untitled.Title, want)
			}
			if untitled.UpdatedParsed != nil && !untitled.UpdatedParsed.Equal(published.Add(-10*time.Minute)) {
				t.Errorf("unedited item updated = %v, want its publication time", untitled.UpdatedParsed)
			}
			if got := untitled.Content + untitled.Description; !strings.Contains(got, "Ministers are arriving at the building.<br>More soon.") {
				t.Errorf("item 1 content keeps no line break: %q", got)
			}
			if len(untitled.Authors) > 0 && format != feed.JSON && untitled.Authors[0].Name != "Example News" {
				t.Errorf("item without byline has authors %v", names(untitled.Authors))
			}
		})
	}
}

func names(ps []*gofeed.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// TestEncode_Arabic: an Arabic event's feeds carry its language and its
// text as it was written, and parse.
func TestEncode_Arabic(t *testing.T) {
	for _, format := range feed.Formats {
		t.Run(string(format), func(t *testing.T) {
			ev := testEvent()
			ev.Language, ev.Title = "ar", "وزراء الدفاع يجتمعون في بروكسل"
			posts := []*liveblog.Post{{
				ID: 4, EventID: 7, Headline: "الوزير يعرض موقف بلاده", Status: liveblog.StatusPublished, PublishedAt: published,
				Blocks: []liveblog.Block{liveblog.Plain("قال الوزير لوكالة Reuters إن المحادثات كانت صريحة.")},
			}}
			got := parse(t, format, encode(t, format, &feed.Feed{Event: ev, Posts: posts, Origin: origin, SiteName: "Example News"}))
			if got.Language != "ar" {
				t.Errorf("language = %q, want ar", got.Language)
			}
			if got.Title != ev.Title {
				t.Errorf("title = %q, want %q", got.Title, ev.Title)
			}
			if len(got.Items) != 1 || got.Items[0].Title != posts[0].Headline ||
				!strings.Contains(got.Items[0].Content+got.Items[0].Description, "لوكالة Reuters") {
				t.Errorf("items = %+v, want the Arabic post", got.Items)
			}
		})
	}
}

func TestEncode_JSONFields(t *testing.T) {
	f := &feed.Feed{Event: testEvent(), Posts: testPosts(), Origin: origin, SiteName: "Example News"}
	var doc struct {
		Version string
		Items   []struct {
			ID      string
			Image   string
			Tags    []string
			Authors []struct{ Name, Avatar string }
		}
	}
	if err := json.Unmarshal(encode(t, feed.JSON, f), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "https://jsonfeed.org/version/1.1" {
		t.Errorf("version = %q", doc.Version)
	}
	item := doc.Items[0]
	if item.Image != origin+"/media/minister.jpg" {
		t.Errorf("image = %q, want the absolute URL of the first image", item.Image)
	}
	if strings.Join(item.Tags, ",") != "Breaking,Key event" {
		t.Errorf("tags = %v", item.Tags)
	}
	if len(item.Authors) != 2 || item.Authors[0].Avatar != origin+"/media/sam.jpg" {
		t.Errorf("authors = %+v, want two with the first's absolute avatar", item.Authors)
	}
}

func TestEncode_KeyOnly(t *testing.T) {
	for _, format := range feed.Formats {
		t.Run(string(format), func(t *testing.T) {
			f := &feed.Feed{Event: testEvent(), Posts: testPosts()[:1], KeyOnly: true, Origin: origin, SiteName: "Example News"}
			got := parse(t, format, encode(t, format, f))
			if want := "Defence ministers meet: key events"; got.Title != want {
				t.Errorf("title = %q, want %q", got.Title, want)
			}
			if want := origin + "/live/defence-ministers-meet?key=1"; got.Link != want {
				t.Errorf("link = %q, want %q", got.Link, want)
			}
			if want := origin + "/live/defence-ministers-meet/feed." + string(format) + "?key=1"; got.FeedLink != want {
				t.Errorf("feed link = %q, want %q", got.FeedLink, want)
			}
		})
	}
}

func TestEncode_Empty(t *testing.T) {
	for _, format := range feed.Formats {
		t.Run(string(format), func(t *testing.T) {
			f := &feed.Feed{Event: testEvent(), Origin: origin, SiteName: "Example News"}
			got := parse(t, format, encode(t, format, f))
			if len(got.Items) != 0 {
				t.Errorf("got %d items, want none", len(got.Items))
			}
			if format == feed.Atom && (got.UpdatedParsed == nil || !got.UpdatedParsed.Equal(created)) {
				t.Errorf("updated = %v, want the event's %v", got.UpdatedParsed, created)
			}
		})
	}
}

// TestEncode_Hostile checks that text that looks like markup arrives in a
// reader as that text: a title is never interpreted, and content holds it
// escaped, never as an element or a live link.
func TestEncode_Hostile(t *testing.T) {
	ev := testEvent()
	ev.Title = xssScript
	ev.Description = xssCDATA
	p := &liveblog.Post{
		ID: 9, EventID: 7, Headline: xssCDATA + xssScript, Status: liveblog.StatusPublished, PublishedAt: published,
		Contributors: []liveblog.Contributor{{Name: xssName, Avatar: xssHref}},
		Blocks: []liveblog.Block{
			{Type: liveblog.BlockParagraph, Spans: []liveblog.Span{{Text: xssScript, Href: xssHref}}},
			{Type: liveblog.BlockQuote, Text: xssCDATA, Attribution: `"><img src=x onerror=alert(4)>`},
			{Type: liveblog.BlockImage, Src: xssHref, Alt: xssScript},
			{Type: liveblog.BlockEmbed, URL: "data:text/html,<script>alert(5)</script>", Title: xssScript},
		},
	}
	for _, format := range feed.Formats {
		t.Run(string(format), func(t *testing.T) {
			f := &feed.Feed{Event: ev, Posts: []*liveblog.Post{p}, Origin: origin, SiteName: xssScript}
			raw := encode(t, format, f)
			if format != feed.JSON {
				if err := xml.Unmarshal(raw, new(struct{})); err != nil {
					t.Fatalf("not well-formed XML: %v\n%s", err, raw)
				}
			}
			got := parse(t, format, raw)
			if got.Title != xssScript {
				t.Errorf("feed title = %q, want the text %q", got.Title, xssScript)
			}
			item := got.Items[0]
			if want := xssCDATA + xssScript; item.Title != want {
				t.Errorf("item title = %q, want the text %q", item.Title, want)
			}
			if len(item.Authors) == 0 || item.Authors[0].Name != xssName {
				t.Errorf("author = %v, want the text %q", names(item.Authors), xssName)
			}
			content := item.Content
			if format == feed.RSS {
				content = item.Description
			}
			checkContent(t, content)
		})
	}
}

// checkContent parses an entry's HTML as a feed reader would and fails on
// any element or URL that could run script.
func checkContent(t *testing.T, content string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "object", "embed", "style":
				t.Errorf("content has a <%s> element: %s", n.Data, content)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("content has an event handler %s=%q", a.Key, a.Val)
				}
				if (a.Key == "href" || a.Key == "src") && !strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "http://") {
					t.Errorf("content has %s=%q", a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !strings.Contains(content, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("content does not hold the hostile text as text:\n%s", content)
	}
}

func TestSelect(t *testing.T) {
	pinned := &liveblog.Post{ID: 100, PublishedAt: published.Add(-time.Hour), Pinned: true, Status: liveblog.StatusPublished}
	var posts []*liveblog.Post
	for i := range feed.MaxPosts {
		posts = append(posts, &liveblog.Post{ID: int64(200 - i), PublishedAt: published.Add(-time.Duration(i) * time.Minute), Status: liveblog.StatusPublished})
	}
	ids := func(ps []*liveblog.Post) string {
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, "%d,", p.ID)
		}
		return b.String()
	}
	t.Run("PinnedInPlace", func(t *testing.T) {
		got := feed.Select(&liveblog.Page{Pinned: pinned, Posts: posts[:3]}, false)
		if want := "200,199,198,100,"; ids(got) != want {
			t.Errorf("posts = %s, want %s", ids(got), want)
		}
	})
	t.Run("PinnedTooOld", func(t *testing.T) {
		got := feed.Select(&liveblog.Page{Pinned: pinned, Posts: posts}, false)
		if len(got) != feed.MaxPosts || got[len(got)-1].ID == 100 {
			t.Errorf("got %d posts ending with %d, want %d without the old pinned post", len(got), got[len(got)-1].ID, feed.MaxPosts)
		}
	})
	t.Run("PinnedNotKey", func(t *testing.T) {
		got := feed.Select(&liveblog.Page{Pinned: pinned, Posts: posts[:1]}, true)
		if want := "200,"; ids(got) != want {
			t.Errorf("posts = %s, want %s", ids(got), want)
		}
	})
}
