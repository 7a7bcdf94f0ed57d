package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/archive"
	"github.com/liveblog/liveblog/feed"
	"github.com/liveblog/liveblog/sqlite"
)

// postCount is the size of the test event: three pages of twenty, so that a
// permalink can be deep in it.
const postCount = 60

// coverage is an event in a real store with its media directory.
type coverage struct {
	store *sqlite.Store
	media string
	event *liveblog.Event
	// posts are the published posts, oldest first.
	posts []*liveblog.Post
	// images are the media files the published posts show.
	images []string
}

// picture returns a small PNG of one colour.
func picture(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 18))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// newCoverage writes an event of postCount published posts, one a minute,
// every seventh with a picture and some with a byline photo; one is pinned
// and some are key events. A draft and a deleted post, each with a picture
// of its own, must stay out of the archive.
func newCoverage(t *testing.T) *coverage {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := &coverage{store: s, media: filepath.Join(dir, "media")}
	if err := os.Mkdir(c.media, 0o755); err != nil {
		t.Fatal(err)
	}
	addMedia := func(name string, col color.RGBA) string {
		if err := os.WriteFile(filepath.Join(c.media, name), picture(t, col), 0o644); err != nil {
			t.Fatal(err)
		}
		return "/media/" + name
	}

	ev := &liveblog.Event{Slug: "river-rescue", Title: "River rescue under way", Description: "Crews search the river after the flood.",
		TimeZone: "Europe/London", Summary: liveblog.Summary{Points: []string{"Two people brought to safety", "Bridge closed"}}}
	if err := s.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	if ev, err = s.ChangeEvent(ctx, liveblog.Write{}, ev.ID, liveblog.SetCoverage{State: liveblog.CoverageLive, Version: ev.Version}); err != nil {
		t.Fatal(err)
	}
	avatar := addMedia("reporter.png", color.RGBA{240, 180, 0, 255})
	c.images = append(c.images, "reporter.png")
	// An upload, stored in the widths its srcset offers (see media.Save).
	const upload = "0123456789abcdef0123456789abcdef"
	uploaded := addMedia(upload+".png", color.RGBA{10, 200, 120, 255})
	for _, w := range []string{"-320", "-640"} {
		addMedia(upload+w+".png", color.RGBA{10, 200, 120, 255})
	}
	c.images = append(c.images, upload+".png", upload+"-320.png", upload+"-640.png")
	start := time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)
	for i := range postCount {
		p := &liveblog.Post{
			EventID:     ev.ID,
			Headline:    fmt.Sprintf("Update %d from the riverbank", i+1),
			Blocks:      []liveblog.Block{liveblog.Plain(fmt.Sprintf("Crews report progress, hour %d.", i/6+1))},
			KeyEvent:    i%13 == 0,
			PublishedAt: start.Add(time.Duration(i) * time.Minute),
		}
		if i%7 == 0 {
			name := fmt.Sprintf("scene-%02d.png", i)
			p.Blocks = append(p.Blocks, liveblog.Block{Type: liveblog.BlockImage, Src: addMedia(name, color.RGBA{uint8(i * 4), 90, 160, 255}),
				Alt: fmt.Sprintf("The river at %d minutes", i), Width: 32, Height: 18})
			c.images = append(c.images, name)
		}
		if i == postCount-2 {
			p.Blocks = append(p.Blocks, liveblog.Block{Type: liveblog.BlockImage, Src: uploaded, Alt: "Rescuers at the bank", Width: 1000, Height: 562})
		}
		if i%10 == 3 {
			p.Contributors = []liveblog.Contributor{{Name: "Ada Brennan", Role: "Reporter", Avatar: avatar}}
		}
		if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		c.posts = append(c.posts, p)
	}
	if _, err := s.ChangePost(ctx, liveblog.Write{}, c.posts[9].ID, liveblog.PinPost{Pinned: true, Version: c.posts[9].Version}); err != nil {
		t.Fatal(err)
	}
	draft := &liveblog.Post{EventID: ev.ID, Status: liveblog.StatusDraft, Headline: "EMBARGOED until noon", Blocks: []liveblog.Block{
		{Type: liveblog.BlockImage, Src: addMedia("embargoed.png", color.RGBA{255, 0, 0, 255}), Alt: "Not yet"}}}
	if err := s.CreatePost(ctx, liveblog.Write{}, draft); err != nil {
		t.Fatal(err)
	}
	gone := &liveblog.Post{EventID: ev.ID, Headline: "Taken down: a private address", Blocks: []liveblog.Block{
		{Type: liveblog.BlockImage, Src: addMedia("taken-down.png", color.RGBA{0, 0, 0, 255}), Alt: "A front door"}}}
	if err := s.CreatePost(ctx, liveblog.Write{}, gone); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangePost(ctx, liveblog.Write{}, gone.ID, liveblog.DeletePost{Version: gone.Version}); err != nil {
		t.Fatal(err)
	}
	if c.event, err = s.FindEventByID(ctx, ev.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

// write archives the coverage into a new directory.
func (c *coverage) write(t *testing.T) (string, *archive.Result) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "archive")
	res, err := archive.Write(context.Background(), c.store, c.event.Slug, out, archive.Options{Media: os.DirFS(c.media), SiteName: "River Gazette"})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return out, res
}

func TestWrite(t *testing.T) {
	c := newCoverage(t)
	out, res := c.write(t)

	t.Run("Progress", func(t *testing.T) {
		last := map[string][2]int{}
		res, err := archive.Write(context.Background(), c.store, c.event.Slug, filepath.Join(t.TempDir(), "archive"),
			archive.Options{Media: os.DirFS(c.media), Progress: func(stage string, done, total int) { last[stage] = [2]int{done, total} }})
		if err != nil {
			t.Fatal(err)
		}
		pages := res.Pages + res.Posts
		if want := map[string][2]int{"pages": {pages, pages}, "media files": {res.Media, res.Media}}; !maps.Equal(last, want) {
			t.Errorf("last reports: got %v, want %v", last, want)
		}
	})

	t.Run("Files", func(t *testing.T) {
		// 59 posts in the list (the pinned one is shown above it): 20, 20
		// and 19.
		if res.Pages != 3 || res.Posts != postCount || res.Media != len(c.images) || len(res.Missing) != 0 {
			t.Errorf("got %+v, want 3 pages, %d posts, %d media files and none missing", res, postCount, len(c.images))
		}
		want := []string{"index.html", "page-2.html", "page-3.html"}
		for _, p := range c.posts {
			want = append(want, fmt.Sprintf("posts/%d.html", p.ID))
		}
		for _, name := range c.images {
			want = append(want, "media/"+name)
		}
		for _, name := range want {
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(name))); err != nil {
				t.Errorf("missing %s: %v", name, err)
			}
		}
		for _, name := range []string{"page-4.html", "media/embargoed.png", "media/taken-down.png"} {
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(name))); err == nil {
				t.Errorf("%s is in the archive", name)
			}
		}
		scripts, _ := filepath.Glob(filepath.Join(out, "static", "*.js"))
		if len(scripts) > 0 {
			t.Errorf("the archive ships scripts: %v", scripts)
		}
	})

	t.Run("OnlyWhatReadersSaw", func(t *testing.T) {
		walkFiles(t, out, func(name string, b []byte) {
			for _, secret := range []string{"EMBARGOED", "private address", "embargoed.png", "taken-down.png"} {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s contains %q", name, secret)
				}
			}
		})
	})

	t.Run("RelativeLinks", func(t *testing.T) {
		checked := 0
		walkFiles(t, out, func(name string, b []byte) {
			if path.Ext(name) != ".html" {
				return
			}
			for _, l := range links(t, b) {
				checkLink(t, out, name, l)
				checked++
			}
		})
		if checked < 1000 {
			t.Errorf("checked only %d links", checked)
		}
	})

	t.Run("Pager", func(t *testing.T) {
		deep := c.posts[2] // on the last page
		for _, tt := range []struct{ file, older, newer string }{
			{"index.html", "page-2.html", ""},
			{"page-2.html", "page-3.html", "index.html"},
			{"page-3.html", "", "page-2.html"},
			{fmt.Sprintf("posts/%d.html", deep.ID), "", "../page-2.html"},
			{fmt.Sprintf("posts/%d.html", c.posts[9].ID), "../page-2.html", ""}, // the pinned post is on the first page
		} {
			b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			older, newer := "", ""
			for _, l := range links(t, b) {
				switch l.class {
				case "pager-older":
					older = l.url
				case "pager-newer":
					newer = l.url
				}
			}
			if older != tt.older || newer != tt.newer {
				t.Errorf("%s: older %q, newer %q; want %q, %q", tt.file, older, newer, tt.older, tt.newer)
			}
		}
	})

	t.Run("SrcSet", func(t *testing.T) {
		// Every width of an upload is in the archive and offered to
		// readers' screens, relative like every other link.
		const want = `srcset="media/0123456789abcdef0123456789abcdef-320.png 320w, media/0123456789abcdef0123456789abcdef-640.png 640w, media/0123456789abcdef0123456789abcdef.png 1000w"`
		b, err := os.ReadFile(filepath.Join(out, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("index.html lacks %s", want)
		}
	})

	t.Run("Permalink", func(t *testing.T) {
		deep := c.posts[2]
		b, err := os.ReadFile(filepath.Join(out, "posts", fmt.Sprintf("%d.html", deep.ID)))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			fmt.Sprintf(`id="post-%d"`, deep.ID),
			fmt.Sprintf(`data-focus="%d"`, deep.ID),
			"<title>" + deep.Headline,
			fmt.Sprintf(`<link rel="canonical" href="../posts/%d.html">`, deep.ID),
		} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("the permalink page lacks %s", want)
			}
		}
	})

	t.Run("ErrNotEmpty", func(t *testing.T) {
		_, err := archive.Write(context.Background(), c.store, c.event.Slug, out, archive.Options{})
		if liveblog.ErrorCode(err) != liveblog.ECONFLICT {
			t.Fatalf("got %v, want a conflict", err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := archive.Write(context.Background(), c.store, "no-such-event", filepath.Join(t.TempDir(), "x"), archive.Options{})
		if liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})

	t.Run("MissingMedia", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "archive")
		res, err := archive.Write(context.Background(), c.store, c.event.Slug, dir, archive.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Media != 0 || !slices.Equal(res.Missing, c.sortedImages()) {
			t.Errorf("got %d files and missing %v, want none and all %d", res.Media, res.Missing, len(c.images))
		}
	})
}

func (c *coverage) sortedImages() []string {
	s := slices.Clone(c.images)
	slices.Sort(s)
	return s
}

// walkFiles calls fn with every file of the archive.
func walkFiles(t *testing.T, dir string, fn func(name string, b []byte)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fn(filepath.ToSlash(rel), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// link is a URL in a page: what an element links to or loads.
type link struct {
	tag, attr, class, url string
}

// links returns every URL a page links to or loads, the URLs inside its
// structured data included.
func links(t *testing.T, b []byte) []link {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []link
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			for _, name := range []string{"href", "src", "poster", "action", "data-stream"} {
				if v, ok := attrs[name]; ok {
					out = append(out, link{n.Data, name, attrs["class"], v})
				}
			}
			if v, ok := attrs["srcset"]; ok {
				for candidate := range strings.SplitSeq(v, ",") {
					u, _, _ := strings.Cut(strings.TrimSpace(candidate), " ")
					out = append(out, link{n.Data, "srcset", "", u})
				}
			}
			if n.Data == "meta" && (strings.HasSuffix(attrs["property"], ":url") || strings.HasSuffix(attrs["property"], ":image") || strings.HasSuffix(attrs["name"], ":image")) {
				out = append(out, link{"meta", "content", "", attrs["content"]})
			}
			if n.Data == "script" && attrs["type"] == "application/ld+json" && n.FirstChild != nil {
				var data any
				if err := json.Unmarshal([]byte(n.FirstChild.Data), &data); err != nil {
					t.Errorf("structured data: %v", err)
				}
				for _, u := range jsonURLs(data) {
					out = append(out, link{"script", "ld+json", "", u})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// jsonURLs returns the values of "url" and "image" keys anywhere in v.
func jsonURLs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "url" || k == "image") {
				out = append(out, s)
			}
			out = append(out, jsonURLs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, jsonURLs(x)...)
		}
	}
	return out
}

// checkLink fails unless l, found in the archive file name, is a relative
// reference to a file in the archive, or a link out that a reader follows
// (never one the page loads by itself).
func checkLink(t *testing.T, dir, name string, l link) {
	t.Helper()
	if l.attr == "data-stream" {
		if l.url != "" {
			t.Errorf("%s: the page names a stream, %q", name, l.url)
		}
		return
	}
	if l.tag == "script" && l.attr == "src" {
		t.Errorf("%s: the page loads a script, %s", name, l.url)
		return
	}
	u, err := url.Parse(l.url)
	if err != nil {
		t.Errorf("%s: <%s %s=%q>: %v", name, l.tag, l.attr, l.url, err)
		return
	}
	if u.Scheme != "" || u.Host != "" {
		if l.tag != "a" || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "mailto") {
			t.Errorf("%s: <%s %s=%q> reaches outside the archive", name, l.tag, l.attr, l.url)
		}
		return
	}
	if strings.HasPrefix(u.Path, "/") {
		t.Errorf("%s: <%s %s=%q> is not relative", name, l.tag, l.attr, l.url)
		return
	}
	if u.Path == "" {
		if u.Fragment == "" {
			t.Errorf("%s: <%s %s> is empty", name, l.tag, l.attr)
		}
		return
	}
	target := path.Join(path.Dir(name), u.Path)
	if strings.HasPrefix(target, "../") {
		t.Errorf("%s: <%s %s=%q> leaves the archive", name, l.tag, l.attr, l.url)
		return
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(target))); err != nil {
		t.Errorf("%s: <%s %s=%q>: no file %s", name, l.tag, l.attr, l.url, target)
	}
}

func TestWriteFeeds(t *testing.T) {
	c := newCoverage(t)
	const origin = "https://archive.example.org/river-rescue"

	t.Run("OK", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "archive")
		res, err := archive.Write(context.Background(), c.store, c.event.Slug, out, archive.Options{Media: os.DirFS(c.media), Origin: origin + "/"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Feeds, 3; got != want {
			t.Fatalf("Feeds = %d, want %d", got, want)
		}
		for _, name := range []string{"feed.atom", "feed.rss", "feed.json"} {
			t.Run(name, func(t *testing.T) {
				f, err := os.Open(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				parsed, err := gofeed.NewParser().Parse(f)
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if got, want := len(parsed.Items), min(postCount, feed.MaxPosts); got != want {
					t.Fatalf("%d items, want %d", got, want)
				}
				if got, want := parsed.Link, origin+"/index.html"; got != want {
					t.Errorf("feed link = %q, want %q", got, want)
				}
				newest := c.posts[len(c.posts)-1]
				if got, want := parsed.Items[0].Title, newest.Headline; got != want {
					t.Errorf("first item = %q, want the newest post %q", got, want)
				}
				for _, it := range parsed.Items {
					rel, ok := strings.CutPrefix(it.Link, origin+"/")
					if !ok {
						t.Fatalf("item link %q is not under the archive's origin", it.Link)
					}
					if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(rel))); err != nil {
						t.Errorf("item link %q names no file in the archive: %v", it.Link, err)
					}
					if strings.Contains(it.Title, "EMBARGOED") || strings.Contains(it.Title, "Taken down") {
						t.Errorf("feed carries %q, which readers never saw", it.Title)
					}
				}
			})
		}
	})

	t.Run("NoOrigin", func(t *testing.T) {
		out, res := c.write(t)
		if res.Feeds != 0 {
			t.Errorf("Feeds = %d without an origin, want 0", res.Feeds)
		}
		if _, err := os.Stat(filepath.Join(out, "feed.atom")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("feed.atom written without an origin: %v", err)
		}
	})
}
