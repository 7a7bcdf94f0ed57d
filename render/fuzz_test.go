package render_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/feed"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/web"
	"github.com/liveblog/liveblog/web/webtest"
)

// FuzzRenderPost feeds arbitrary JSON to the post decoder, Validate and
// every renderer of a post: the article, its stream frame, the reader page
// with its JSON-LD, the archived page, the embed and the three feeds. None
// may panic, and none may put out markup that runs script or links to a
// script URL (webtest.UnsafeMarkup), whatever the post holds. Posts that
// fail Validate are rendered too: render.SafeURL exists for rows that never
// passed it (an older version's, an import's).
//
// The seeds are the ones below and testdata/fuzz/FuzzRenderPost. Run it
// longer with:
//
//	go test ./render -run '^$' -fuzz FuzzRenderPost -fuzztime 5m
func FuzzRenderPost(f *testing.F) {
	for _, s := range []struct{ post, title, point string }{
		{`{"headline":"Fuel duty frozen","blocks":[{"type":"paragraph","text":"The chancellor confirms."}]}`, "Budget", "Frozen"},
		{`{"headline":"<script>alert(1)</script>","blocks":[{"type":"paragraph","spans":[{"text":"x","href":"javascript:alert(1)"}]}]}`, "</script><script>alert(1)</script>", "<!--"},
		{`{"blocks":[{"type":"image","src":"java\tscript:alert(1)","alt":"\"><img src=x onerror=alert(1)>"}]}`, "\u2028", "<img src=x onerror=alert(1)>"},
		{`{"blocks":[{"type":"embed","url":"data:text/html,<script>alert(1)</script>","title":"t"}],"contributors":[{"name":"n","avatar":"/media/%2e%2e/desk/"}]}`, "t", "p"},
		{`{"blocks":[{"type":"list","items":[[{"text":"a\nb","bold":true,"href":"https://example.com/\"onmouseover=\"alert(1)"}]]},{"type":"quote","text":"q\n\nq2","attribution":"<b>"}],"correction_note":"<svg onload=alert(1)>"}`, "t", "p"},
		{`{"blocks":[{"type":"image","src":"/static/../../etc/passwd","alt":"a","caption":"c","credit":"d","width":1200,"height":800}]}`, "t", "p"},
		{`{"blocks":[{"type":"image","src":"/media/0123456789abcdef0123456789abcdef.jpg","alt":"a","width":1200,"height":800}]}`, "t", "p"},
		{`{"headline":"h","blocks":[{"type":"paragraph","spans":[{"text":"m","href":"mailto:x@example.com?body=<script>"}]}]}`, "t", "p"},
	} {
		f.Add([]byte(s.post), s.title, s.point)
	}
	engine := mustEngine(f)
	static, err := render.NewStatic("../")
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2025, 3, 26, 12, 41, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, postJSON []byte, title, point string) {
		var p liveblog.Post
		if err := json.Unmarshal(postJSON, &p); err != nil {
			return
		}
		valid := p.Validate() == nil
		p.ID, p.EventID, p.Version = 7, 1, 2
		p.Status = liveblog.StatusPublished
		p.PublishedAt, p.CreatedAt, p.UpdatedAt = at, at, at.Add(time.Minute)
		p.EditedAt = at.Add(time.Minute)
		ev := &liveblog.Event{ID: 1, Slug: "budget-2025", Title: title, Description: title, State: liveblog.CoverageLive,
			TimeZone: "Europe/London", Summary: liveblog.Summary{Points: []string{point}, UpdatedAt: at},
			CreatedAt: at, UpdatedAt: at, CoverageStartedAt: at, Version: 3, Head: 9}
		page := &liveblog.Page{Event: ev, Posts: []*liveblog.Post{&p}}

		// fail reports a renderer's failure: an error is acceptable only for
		// input that Validate refuses, unsafe output never.
		check := func(what, out string, err error) {
			t.Helper()
			if err != nil {
				if valid {
					t.Fatalf("%s of a valid post: %v", what, err)
				}
				return
			}
			if problems := webtest.UnsafeMarkup(out); len(problems) > 0 {
				t.Fatalf("%s is unsafe: %s\ninput %s title %q point %q\noutput:\n%s", what, strings.Join(problems, "\n"), postJSON, title, point, out)
			}
		}
		var buf bytes.Buffer
		err := engine.Post(&buf, ev, &p)
		check("article", buf.String(), err)

		for _, c := range []*liveblog.Change{
			{EventID: 1, Seq: 9, Kind: liveblog.ChangePostPublished, PostID: p.ID, Post: &p},
			{EventID: 1, Seq: 9, Kind: liveblog.ChangeSummary, Event: ev},
			{EventID: 1, Seq: 9, Kind: liveblog.ChangeEvent, Event: ev},
		} {
			data, err := engine.FrameData(ev, c)
			if err == nil && bytes.ContainsAny(data, "\r\n") {
				t.Fatalf("%s frame data holds a line break, which would end its data: line: %q", c.Kind, data)
			}
			var fr struct{ HTML string }
			if err == nil {
				if jerr := json.Unmarshal(data, &fr); jerr != nil {
					t.Fatalf("%s frame data is not JSON: %v: %q", c.Kind, jerr, data)
				}
			}
			check(string(c.Kind)+" frame", fr.HTML, err)
		}

		buf.Reset()
		err = engine.Page(&buf, render.PageView{Page: page, Origin: "https://news.example", FocusPostID: p.ID})
		check("reader page", buf.String(), err)
		if err == nil {
			checkJSONLD(t, buf.String(), title)
		}
		buf.Reset()
		err = static.Page(&buf, render.PageView{Page: page})
		check("archived page", buf.String(), err)
		buf.Reset()
		err = engine.Embed(&buf, render.EmbedView{Page: page})
		check("embed", buf.String(), err)

		fd := &feed.Feed{Event: ev, Posts: page.Posts, Origin: "https://news.example", SiteName: "News"}
		for _, format := range []feed.Format{feed.Atom, feed.RSS, feed.JSON} {
			buf.Reset()
			err := feed.Encode(&buf, format, fd)
			if err != nil {
				check(string(format)+" feed", "", err)
				continue
			}
			for _, content := range feedContents(t, format, buf.Bytes()) {
				check(string(format)+" feed content", content, nil)
			}
		}
	})
}

// checkJSONLD finds the page's structured data, which must parse as JSON
// and carry the event's title as its headline (clipped, so only its start
// is compared): text that broke out of the element would leave either a
// block that does not parse or a headline cut short.
func checkJSONLD(t *testing.T, page, title string) {
	t.Helper()
	const open = `<script type="application/ld+json">`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatalf("no JSON-LD in the page")
	}
	rest := page[i+len(open):]
	end := strings.Index(rest, "</script>")
	if end < 0 {
		t.Fatalf("JSON-LD block never closed")
	}
	var d struct{ Headline string }
	if err := json.Unmarshal([]byte(rest[:end]), &d); err != nil {
		t.Fatalf("JSON-LD does not parse (title %q): %v\n%s", title, err, rest[:end])
	}
	if strings.Count(page, open) != 1 {
		t.Fatalf("%d JSON-LD blocks, want 1", strings.Count(page, open))
	}
	if want := string([]rune(title)); !strings.HasPrefix(want, strings.TrimSuffix(d.Headline, "…")) {
		t.Fatalf("JSON-LD headline %q is not the start of the title %q", d.Headline, title)
	}
}

// feedContents returns the HTML of each entry of an encoded feed, read as a
// feed reader reads it: XML decoded, or JSON.
func feedContents(t *testing.T, format feed.Format, b []byte) []string {
	t.Helper()
	var out []string
	switch format {
	case feed.JSON:
		var doc struct {
			Items []struct {
				ContentHTML string `json:"content_html"`
			}
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("JSON feed does not parse: %v", err)
		}
		for _, it := range doc.Items {
			out = append(out, it.ContentHTML)
		}
	default:
		// An Atom entry's content and an RSS item's description are HTML
		// carried as escaped text. (Titles, summaries and the channel's
		// description are text: a reader that renders them as HTML is
		// broken whatever a feed does.)
		d := xml.NewDecoder(bytes.NewReader(b))
		var inEntry, inHTML bool
		var text strings.Builder
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s feed is not well-formed XML: %v", format, err)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				switch tok.Name.Local {
				case "entry", "item":
					inEntry = true
				case "content", "description", "encoded":
					inHTML = inEntry
				}
				text.Reset()
			case xml.CharData:
				if inHTML {
					text.Write(tok)
				}
			case xml.EndElement:
				if inHTML {
					out = append(out, text.String())
				}
				inHTML = false
				if tok.Name.Local == "entry" || tok.Name.Local == "item" {
					inEntry = false
				}
			}
		}
	}
	return out
}

// FuzzSafeURL holds the two URL checks to one another: a link the domain
// accepts (liveblog.ValidateLink, liveblog.ValidateImageSource) is one that
// render.SafeURL keeps as it is, so nothing an editor saved silently
// vanishes from the page; and whatever SafeURL keeps, read as a browser
// reads it, is http, https or mailto, or a path under /media/ or /static/
// of this site.
//
//	go test ./render -run '^$' -fuzz FuzzSafeURL -fuzztime 5m
func FuzzSafeURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/a?b=c#d", "http://example.com", "mailto:desk@example.com", "javascript:alert(1)",
		"JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
		"\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
		"//evil.example/x", "/\\evil.example", "https:\\\\evil.example", "https://user:pass@example.com/",
		"/media/x.jpg", "/media/../desk/", "/media/%2e%2e/desk/", "/media/.%2E/x", "/static/style.css",
		"/static/../x", "https://example.com/\\@evil.example", "https://exa mple.com", "https://example.com/\x7f",
		"http:evil.example", "https:", "mailto:", "mailto:?body=x", "/live/x", "?x", "#x",
		"https://example.com/\"onerror=\"alert(1)", "https://[::1]/", "https://example.com:99999/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := render.SafeURL(raw)
		if got != "" && !browserSafe(got) {
			t.Fatalf("SafeURL(%q) = %q, which a browser reads as neither http(s), mailto nor a local media or static path", raw, got)
		}
		for _, mailto := range []bool{false, true} {
			if liveblog.ValidateLink("href", raw, mailto) == nil && got != raw {
				t.Fatalf("ValidateLink accepts %q (mailto %v), SafeURL makes it %q", raw, mailto, got)
			}
		}
		if liveblog.ValidateImageSource("src", raw) == nil && !strings.HasPrefix(raw, "/static/") && got != raw {
			t.Fatalf("ValidateImageSource accepts %q, SafeURL makes it %q", raw, got)
		}
	})
}

// browserSafe reports whether u, resolved by a browser against a page of
// this site, is an http, https or mailto URL, or a path under /media/ or
// /static/ here. Browsers decode %2e as a dot in paths, so /media/%2e%2e/x
// leaves /media/.
func browserSafe(u string) bool {
	if !webtest.SafeScheme(u) {
		return false
	}
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		p, _, _ := strings.Cut(u, "?")
		p, _, _ = strings.Cut(p, "#")
		p = strings.NewReplacer("%2e", ".", "%2E", ".").Replace(p)
		p = path.Clean(p) + "/"
		return strings.HasPrefix(p, "/media/") || strings.HasPrefix(p, web.StaticPrefix)
	}
	pu, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch strings.ToLower(pu.Scheme) {
	case "http", "https":
		return pu.Host != ""
	case "mailto":
		return true
	}
	return false
}
