package render_test

import (
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// staticPage is a permalink page one directory below an archive's top, with
// an upload (which has a srcset), the pinned post and both pager links.
func staticPage(t *testing.T, e *render.Engine) string {
	t.Helper()
	ev := testEvent()
	p := testPost(7)
	p.Blocks = append(p.Blocks, liveblog.Block{Type: liveblog.BlockImage, Src: "/media/0123456789abcdef0123456789abcdef.jpg", Alt: "Upload", Width: 700, Height: 400})
	p.Blocks = append(p.Blocks, liveblog.Block{Type: liveblog.BlockImage, Src: "/static/missing-image.svg", Alt: "Imported image"})
	p.Blocks = append(p.Blocks, liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://youtu.be/dQw4w9WgXcQ", Text: "Captured.",
		Thumbnail: "/media/0123456789abcdef0123456789abcdef-320.jpg"})
	pinned := testPost(3)
	pinned.Pinned = true
	now := liveblog.CursorOf(p)
	return pageHTML(t, e, render.PageView{
		Page:        &liveblog.Page{Event: ev, Pinned: pinned, Posts: []*liveblog.Post{p}, Older: &now, Newer: &now},
		FocusPostID: p.ID,
		KeyEvents:   []*liveblog.Post{p},
		OlderURL:    "../page-3.html",
		NewerURL:    "../index.html",
	})
}

func TestNewStatic(t *testing.T) {
	e, err := render.NewStatic("../")
	if err != nil {
		t.Fatal(err)
	}
	got := staticPage(t, e)

	t.Run("RelativeLinks", func(t *testing.T) {
		wantContains(t, got,
			`<link rel="stylesheet" href="../static/style.`,
			`<a class="site-name" href="../index.html">`,
			`<a href="../posts/7.html">Minister sets out position 7</a>`,
			`src="../media/minister.jpg"`,
			`src="../media/sam.jpg"`,
			`src="../static/missing-image.`,
			`srcset="../media/0123456789abcdef0123456789abcdef-320.jpg 320w, ../media/0123456789abcdef0123456789abcdef-640.jpg 640w, ../media/0123456789abcdef0123456789abcdef.jpg 700w"`,
			`<link rel="canonical" href="../posts/7.html">`,
			`"url":"../posts/7.html"`,
			`href="../page-3.html">Older posts`,
			`href="../index.html">Newer posts`,
			`href="https://example.org/statement"`,
			// An embed keeps its facade, the thumbnail a file of the archive.
			`<img class="facade-thumb" src="../media/0123456789abcdef0123456789abcdef-320.jpg"`,
			`<p class="facade-link"><a href="https://youtu.be/dQw4w9WgXcQ" rel="nofollow noopener">View on YouTube</a></p>`,
		)
		// Every path of the instance is gone: pages, stream, feeds, assets
		// and media are all files of the archive now.
		wantNotContains(t, got, `"/live/`, `/stream`, `/feed.`, `"/static/`, `"/media/`, `href="/"`, `?before=`)
	})

	t.Run("NoScript", func(t *testing.T) {
		wantNotContains(t, got, `<script type="module"`, `data-facade=`, `<noscript>`, `class="view-options"`, `rel="alternate"`)
		wantContains(t, got, `data-stream=""`, `<script type="application/ld+json">`)
	})

	t.Run("TopLevel", func(t *testing.T) {
		top, err := render.NewStatic("")
		if err != nil {
			t.Fatal(err)
		}
		wantContains(t, staticPage(t, top), `href="static/style.`, `<a href="posts/7.html">`, `src="media/minister.jpg"`, `class="site-name" href="index.html"`)
	})

	t.Run("InstanceUnchanged", func(t *testing.T) {
		// The instance's engine keeps linking to the paths it serves.
		live := staticPage(t, mustEngine(t))
		wantContains(t, live, `<script type="module" src="/static/reader.`, `href="/live/defence-ministers-meet/posts/7"`,
			`src="/media/minister.jpg"`, `srcset="/media/0123456789abcdef0123456789abcdef-320.jpg 320w`, `class="site-name" href="/"`,
			`class="view-options"`, `href="../page-3.html">Older posts`)
		if strings.Contains(live, `data-stream=""`) {
			t.Error("the instance's page has no stream")
		}
	})
}
