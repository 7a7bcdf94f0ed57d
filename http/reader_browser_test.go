package http_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/sqlite"
	"github.com/liveblog/liveblog/web/webtest"
)

// These tests open reader pages from the real server in headless Chromium
// and change the event through the store while the page is open, as the
// newsroom would, so the whole path (store, hub, stream, reader.js) runs.
// They wait for what the page shows, never for a length of time.

// liveEvent stores a live event with n posts (see seedPosts: every fifth a
// key event).
func liveEvent(t *testing.T, store *sqlite.Store, slug string, n int) (*liveblog.Event, []*liveblog.Post) {
	t.Helper()
	ev := seedEvent(t, store, slug)
	ev, err := store.ChangeEvent(context.Background(), liveblog.Write{}, ev.ID, liveblog.SetCoverage{State: liveblog.CoverageLive, Version: ev.Version})
	if err != nil {
		t.Fatal(err)
	}
	return ev, seedPosts(t, store, ev, n)
}

// load navigates tab to url and waits for the page's load event.
func load(t *testing.T, tab *webtest.Tab, url string) {
	t.Helper()
	if _, err := chromedp.Run(tab.Ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Navigate(url))); err != nil {
		t.Fatalf("loading %s: %v", url, err)
	}
}

// click clicks the element sel selects and waits for the page it leads to.
func click(t *testing.T, tab *webtest.Tab, sel string) {
	t.Helper()
	if _, err := chromedp.Run(tab.Ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		t.Fatalf("following %s: %v", sel, err)
	}
}

// articleIDs is a script that lists the ids of the page's articles in order.
const articleIDs = `[...document.querySelectorAll("#posts > article")].map(a => a.id.slice(5)).join(",")`

func reversed(posts []*liveblog.Post) []*liveblog.Post {
	out := make([]*liveblog.Post, len(posts))
	for i, p := range posts {
		out[len(posts)-1-i] = p
	}
	return out
}

func idList(posts []*liveblog.Post) string {
	var ids []string
	for _, p := range posts {
		ids = append(ids, fmt.Sprint(p.ID))
	}
	return strings.Join(ids, ",")
}

func TestReaderBrowser(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ctx := context.Background()
	browserTab := webtest.Start(t, webtest.Options{})
	// Tabs of one browser share it; the newest tab is in front and hides
	// the others. Subtests that need to be the visible, focused tab (the
	// title count, the clipboard, the keyboard) run on their own first;
	// the rest run in parallel after them.

	t.Run("PermalinkDeepInHistory", func(t *testing.T) {
		t.Parallel()
		_, posts := liveEvent(t, store, "deep", 3*liveblog.DefaultPageSize)
		deep := posts[2] // on the last of three pages, near its foot
		tab := browserTab.NewTab(t)
		load(t, tab, fmt.Sprintf("%s/live/deep/posts/%d", ts.URL, deep.ID))
		id := fmt.Sprintf("post-%d", deep.ID)
		if got := webtest.Wait[string](t, tab, `document.activeElement.id`); got != id {
			t.Errorf("focus on %q, want %q", got, id)
		}
		inView := webtest.Eval[bool](t, tab, fmt.Sprintf(`(() => {
			const r = document.getElementById(%q).getBoundingClientRect();
			return r.top >= 0 && r.top < innerHeight && r.bottom > 0;
		})()`, id))
		if !inView {
			t.Errorf("the linked post is not in view")
		}
		if y := webtest.Eval[float64](t, tab, `scrollY`); y < 1000 {
			t.Errorf("scrollY = %v: the post is not deep in the page, so the test proves little", y)
		}
	})

	t.Run("KeyEventsToggle", func(t *testing.T) {
		t.Parallel()
		_, posts := liveEvent(t, store, "toggle-key", 30)
		var keys []*liveblog.Post
		for i := len(posts) - 1; i >= 0; i-- {
			if posts[i].KeyEvent {
				keys = append(keys, posts[i])
			}
		}
		for _, script := range []bool{true, false} {
			name := "WithScript"
			if !script {
				name = "WithoutScript"
			}
			t.Run(name, func(t *testing.T) {
				tab := browserTab.NewTab(t)
				if !script {
					if _, err := chromedp.Call(tab.Ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
						t.Fatal(err)
					}
				}
				load(t, tab, ts.URL+"/live/toggle-key")
				click(t, tab, `.view-options a[href$="?key=1"]`)
				if got := webtest.Eval[string](t, tab, `location.search`); got != "?key=1" {
					t.Errorf("location.search = %q, want ?key=1", got)
				}
				if got, want := webtest.Eval[string](t, tab, articleIDs), idList(keys); got != want {
					t.Errorf("articles %s, want the key events %s", got, want)
				}
				if got := webtest.Eval[string](t, tab, `document.querySelector(".view-options [aria-current]").textContent`); got != "Key events" {
					t.Errorf("current option %q, want Key events", got)
				}
				click(t, tab, `.view-options a:not([href*="?"])`)
				if got := webtest.Eval[int](t, tab, `document.querySelectorAll("#posts > article").length`); got != liveblog.DefaultPageSize {
					t.Errorf("back to all posts: %d articles, want %d", got, liveblog.DefaultPageSize)
				}
			})
		}
	})

	t.Run("OrderToggle", func(t *testing.T) {
		t.Parallel()
		ev, posts := liveEvent(t, store, "toggle-order", 5)
		tab := browserTab.NewTab(t)
		load(t, tab, ts.URL+"/live/toggle-order")
		newest := []*liveblog.Post{posts[4], posts[3], posts[2], posts[1], posts[0]}
		if got, want := webtest.Eval[string](t, tab, articleIDs), idList(newest); got != want {
			t.Errorf("articles %s, want newest first %s", got, want)
		}
		click(t, tab, `.view-options a[href$="order=oldest"]`)
		if got, want := webtest.Eval[string](t, tab, articleIDs), idList(posts); got != want {
			t.Errorf("articles %s, want oldest first %s", got, want)
		}
		// A post published now belongs at the end of the oldest-first page.
		p := seedPostWith(t, store, ev, "Latest", false)
		want := idList(append(posts, p))
		if got := webtest.Wait[string](t, tab, fmt.Sprintf(`(%s) === %q && %q`, articleIDs, want, want)); got != want {
			t.Errorf("articles %s, want %s", got, want)
		}
	})

	t.Run("KeyEventsList", func(t *testing.T) {
		t.Parallel()
		ev, posts := liveEvent(t, store, "key-list", 40)
		tab := browserTab.NewTab(t)
		load(t, tab, ts.URL+"/live/key-list")
		const listed = `[...document.querySelectorAll("#key-events li a")].map(a => a.textContent).join("|")`
		if got, want := webtest.Eval[string](t, tab, listed), "Post 40|Post 35|Post 30|Post 25|Post 20|Post 15"; got != want {
			t.Errorf("key events %q, want the latest six %q", got, want)
		}

		// Published live, the new key event leads the list, which keeps six.
		key := seedPostWith(t, store, ev, `Key <b>news</b>`, true)
		want := "Key <b>news</b>|Post 40|Post 35|Post 30|Post 25|Post 20"
		if got := webtest.Wait[string](t, tab, fmt.Sprintf(`(%s) === %q && %q`, listed, want, want)); got != want {
			t.Errorf("key events %q, want %q", got, want)
		}
		// No longer a key event: it leaves the list.
		no := false
		if _, err := store.ChangePost(ctx, liveblog.Write{}, key.ID, &liveblog.PostUpdate{KeyEvent: &no, Version: key.Version}); err != nil {
			t.Fatal(err)
		}
		webtest.Wait[bool](t, tab, fmt.Sprintf(`!document.querySelector('#key-events li[data-post="%d"]')`, key.ID))

		// Without a headline, a key event is listed by its first line, as
		// the server lists it.
		untitled := &liveblog.Post{EventID: ev.ID, KeyEvent: true, Blocks: []liveblog.Block{
			{Type: liveblog.BlockParagraph, Spans: []liveblog.Span{{Text: "First <i>line</i> of "}, {Text: "the post\nand the second", Bold: true}}}}}
		if err := store.CreatePost(ctx, liveblog.Write{}, untitled); err != nil {
			t.Fatal(err)
		}
		want = "First <i>line</i> of the post|Post 40|Post 35|Post 30|Post 25|Post 20"
		if got := webtest.Wait[string](t, tab, fmt.Sprintf(`(%s) === %q && %q`, listed, want, want)); got != want {
			t.Errorf("key events %q, want %q", got, want)
		}
		load(t, tab, ts.URL+"/live/key-list?utm_source=reload")
		if got := webtest.Eval[string](t, tab, listed); got != want {
			t.Errorf("reloaded, key events %q; live they were %q", got, want)
		}

		// The link of a post on the page goes to the post without a reload.
		webtest.Eval[bool](t, tab, `window.notReloaded = true`)
		tab.Do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#key-events li[data-post="%d"] a`, posts[34].ID))))
		if got, want := webtest.Wait[string](t, tab, `document.activeElement.id`), fmt.Sprintf("post-%d", posts[34].ID); got != want {
			t.Errorf("focus on %q, want %q", got, want)
		}
		if !webtest.Eval[bool](t, tab, `window.notReloaded === true`) {
			t.Errorf("following a key event on the page reloaded it")
		}
	})

	t.Run("TabTitleCount", func(t *testing.T) {
		ev, _ := liveEvent(t, store, "title-count", 2)
		tab := browserTab.NewTab(t)
		load(t, tab, ts.URL+"/live/title-count")
		title := webtest.Eval[string](t, tab, `document.title`)

		// Another tab in front hides this one, as a reader switching tabs
		// does.
		other, err := chromedp.Call(tab.Ctx, target.CreateTarget, target.CreateTargetParams{URL: "about:blank"})
		if err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(tab.Ctx, target.CloseTarget, target.CloseTargetParams{TargetID: other.TargetID})
		webtest.Wait[bool](t, tab, `document.hidden`)

		seedPostWith(t, store, ev, "While you were away", false)
		want := "(1) " + title
		if got := webtest.Wait[string](t, tab, fmt.Sprintf(`document.title === %q && document.title`, want)); got != want {
			t.Errorf("title %q, want %q", got, want)
		}
		seedPostWith(t, store, ev, "And another", false)
		want = "(2) " + title
		if got := webtest.Wait[string](t, tab, fmt.Sprintf(`document.title === %q && document.title`, want)); got != want {
			t.Errorf("title %q, want %q", got, want)
		}

		// Back in front, the count goes.
		self := chromedp.FromContext(tab.Ctx).Target.TargetID
		if _, err := chromedp.Call(tab.Ctx, target.ActivateTarget, target.ActivateTargetParams{TargetID: self}); err != nil {
			t.Fatal(err)
		}
		if got := webtest.Wait[string](t, tab, fmt.Sprintf(`!document.hidden && document.title === %q && document.title`, title)); got != title {
			t.Errorf("title %q, want %q", got, title)
		}
	})

	t.Run("PausedAndEnded", func(t *testing.T) {
		t.Parallel()
		ev, _ := liveEvent(t, store, "states", 2)
		tab := browserTab.NewTab(t)
		load(t, tab, ts.URL+"/live/states")
		const state = `document.querySelector(".live-badge").textContent + "|" + (document.getElementById("coverage-note").hidden ? "" : document.getElementById("coverage-note").textContent)`
		if got, want := webtest.Eval[string](t, tab, state), "LIVE|"; got != want {
			t.Errorf("state %q, want %q", got, want)
		}
		for _, step := range []struct {
			state liveblog.CoverageState
			want  string
		}{
			{liveblog.CoveragePaused, "Paused|Coverage is paused. New posts will appear here when it resumes."},
			{liveblog.CoverageLive, "LIVE|"},
			{liveblog.CoverageEnded, "Coverage ended|Coverage has ended."},
		} {
			var err error
			if ev, err = store.ChangeEvent(ctx, liveblog.Write{}, ev.ID, liveblog.SetCoverage{State: step.state, Version: ev.Version}); err != nil {
				t.Fatal(err)
			}
			if got := webtest.Wait[string](t, tab, fmt.Sprintf(`(%s) === %q && (%s)`, state, step.want, state)); got != step.want {
				t.Errorf("after %s: %q, want %q", step.state, got, step.want)
			}
		}
		// An ended event's page says so, and opens no stream. (Another
		// address than the first load's: the browser may keep a page for a
		// second, and one from before the end would open a stream, rightly.)
		load(t, tab, ts.URL+"/live/states?utm_source=test")
		if got, want := webtest.Eval[string](t, tab, state), "Coverage ended|Coverage has ended."; got != want {
			t.Errorf("reloaded: %q, want %q", got, want)
		}
		if webtest.Eval[bool](t, tab, `performance.getEntriesByType("resource").some(e => e.name.includes("/stream"))`) {
			t.Errorf("the page of an ended event opened a stream")
		}
	})

	t.Run("RelativeTimes", func(t *testing.T) {
		t.Parallel()
		ev, _ := liveEvent(t, store, "fresh", 0)
		p := &liveblog.Post{EventID: ev.ID, Headline: "Five minutes ago", Blocks: []liveblog.Block{liveblog.Plain("Text.")},
			PublishedAt: time.Now().Add(-5*time.Minute - 10*time.Second)}
		if err := store.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		tab := browserTab.NewTab(t)
		load(t, tab, ts.URL+"/live/fresh")
		const timeText = `document.querySelector("#posts .post-time time").textContent`
		// The clock time, in the event's zone, then the age.
		abs := render.FormatTime(p.PublishedAt, ev.Location())
		if got, want := webtest.Wait[string](t, tab, timeText), abs+" · 5 minutes ago"; got != want {
			t.Errorf("time %q, want %q", got, want)
		}
		// A minute later, without a reload, the age has moved on. Virtual
		// time runs the page's clock and timers a minute ahead at once.
		budget := float64(time.Minute / time.Millisecond)
		expired := chromedp.Events(tab.Ctx, emulation.VirtualTimeBudgetExpired)
		if _, err := chromedp.Call(tab.Ctx, emulation.SetVirtualTimePolicy, emulation.SetVirtualTimePolicyParams{
			Policy: emulation.VirtualTimePolicyAdvance, Budget: &budget}); err != nil {
			t.Fatal(err)
		}
		for _, err := range expired {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if got, want := webtest.Eval[string](t, tab, timeText), abs+" · 6 minutes ago"; got != want {
			t.Errorf("a minute later: %q, want %q", got, want)
		}
	})

	t.Run("CopyLink", func(t *testing.T) {
		_, posts := liveEvent(t, store, "copy", 1)
		tab := browserTab.NewTab(t)
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			if _, err := chromedp.CallBrowser(tab.Ctx, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: name}, Setting: "granted", Origin: ts.URL}); err != nil {
				t.Fatal(err)
			}
		}
		load(t, tab, ts.URL+"/live/copy")
		sel := fmt.Sprintf(`#post-%d .post-action[data-action="copy"]`, posts[0].ID)
		if got, want := webtest.Eval[string](t, tab, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-label")`, sel)), "Copy link: Post 1"; got != want {
			t.Errorf("button name %q, want %q", got, want)
		}
		tab.Do(t, chromedp.Click(chromedp.CSS(sel)))
		webtest.Wait[bool](t, tab, `document.getElementById("announcer").textContent === "Link copied."`)
		want := fmt.Sprintf("%s/live/copy/posts/%d", ts.URL, posts[0].ID)
		if got := webtest.Eval[string](t, tab, `navigator.clipboard.readText()`); got != want {
			t.Errorf("clipboard %q, want the permalink %q", got, want)
		}
	})

	t.Run("Share", func(t *testing.T) {
		t.Parallel()
		_, posts := liveEvent(t, store, "share", 1)
		tab := browserTab.NewTab(t)
		// Headless Chromium on Linux has no share sheet; this one records
		// what the page asks it to share.
		if _, err := chromedp.Call(tab.Ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `navigator.share = (data) => { window.shared = data; return Promise.resolve(); };`}); err != nil {
			t.Fatal(err)
		}
		load(t, tab, ts.URL+"/live/share")
		sel := fmt.Sprintf(`#post-%d .post-action`, posts[0].ID)
		if got := webtest.Eval[string](t, tab, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(b => b.textContent).join(",")`, sel)); got != "Share" {
			t.Errorf("buttons %q, want Share alone: the share sheet can copy", got)
		}
		tab.Do(t, chromedp.Click(chromedp.CSS(sel)))
		want := fmt.Sprintf("Post 1 %s/live/share/posts/%d", ts.URL, posts[0].ID)
		if got := webtest.Wait[string](t, tab, `window.shared && window.shared.title + " " + window.shared.url`); got != want {
			t.Errorf("shared %q, want %q", got, want)
		}
	})

	t.Run("NoScriptHasNoButtons", func(t *testing.T) {
		t.Parallel()
		liveEvent(t, store, "no-script", 1)
		tab := browserTab.NewTab(t)
		if _, err := chromedp.Call(tab.Ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		load(t, tab, ts.URL+"/live/no-script")
		// A form's submit button works without script: the search box's.
		if n := webtest.Eval[int](t, tab, `document.querySelectorAll(".post-actions, button:not([hidden]):not(form[method=get] button[type=submit])").length`); n != 0 {
			t.Errorf("%d buttons without script, want none: the permalink is the way to share", n)
		}
	})

	t.Run("Narrow", func(t *testing.T) {
		t.Parallel()
		_, posts := liveEvent(t, store, "narrow", 3)
		long := &liveblog.Post{EventID: posts[0].EventID, Headline: "A headline with a very long word: Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
			Blocks: []liveblog.Block{{Type: liveblog.BlockParagraph, Spans: []liveblog.Span{{Text: "https://example.org/a/very/long/address/that/does/not/break/anywhere/by/itself", Href: "https://example.org/"}}}}}
		if err := store.CreatePost(ctx, liveblog.Write{}, long); err != nil {
			t.Fatal(err)
		}
		tab := browserTab.NewTab(t)
		if _, err := chromedp.Call(tab.Ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 320, Height: 640, DeviceScaleFactor: 2, Mobile: true}); err != nil {
			t.Fatal(err)
		}
		load(t, tab, ts.URL+"/live/narrow")
		if w := webtest.Eval[int](t, tab, `document.documentElement.scrollWidth`); w > 320 {
			t.Errorf("page is %dpx wide at 320px: readers would scroll sideways", w)
		}
	})

	t.Run("MediaPreferences", func(t *testing.T) {
		t.Parallel()
		liveEvent(t, store, "media", 1)
		tab := browserTab.NewTab(t)
		if _, err := chromedp.Call(tab.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{
			{Name: "prefers-color-scheme", Value: "dark"},
			{Name: "prefers-reduced-motion", Value: "reduce"},
		}}); err != nil {
			t.Fatal(err)
		}
		load(t, tab, ts.URL+"/live/media")
		if got, want := webtest.Eval[string](t, tab, `getComputedStyle(document.body).backgroundColor`), "rgb(18, 18, 18)"; got != want {
			t.Errorf("dark scheme background %s, want %s", got, want)
		}
		if got := webtest.Eval[string](t, tab, `getComputedStyle(document.querySelector(".live-badge"), "::before").animationName`); got != "none" {
			t.Errorf("with reduced motion the badge still animates: %s", got)
		}
		// Print shows no controls.
		if _, err := chromedp.Call(tab.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		if got := webtest.Eval[string](t, tab, `getComputedStyle(document.querySelector(".view-options")).display`); got != "none" {
			t.Errorf("printed view options: display %s, want none", got)
		}
	})

	t.Run("Keyboard", func(t *testing.T) {
		liveEvent(t, store, "keys", 2)
		tab := browserTab.NewTab(t)
		load(t, tab, ts.URL+"/live/keys")
		// The first Tab reaches the skip link, which shows itself.
		tab.Do(t, chromedp.KeyEvent("\t"))
		if got := webtest.Eval[string](t, tab, `document.activeElement.className`); got != "skip-link" {
			t.Fatalf("first Tab focuses %q, want the skip link", got)
		}
		if top := webtest.Eval[float64](t, tab, `document.activeElement.getBoundingClientRect().top`); top < 0 {
			t.Errorf("the focused skip link is off screen (top %v)", top)
		}
		if got := webtest.Eval[string](t, tab, `getComputedStyle(document.activeElement).outlineStyle`); got == "none" {
			t.Errorf("the focused link has no visible outline")
		}
	})

	t.Run("EmbedKeepsItsSize", func(t *testing.T) {
		t.Parallel()
		ev, posts := liveEvent(t, store, "embed-limit", render.EmbedPosts)
		tab := browserTab.NewTab(t)
		load(t, tab, ts.URL+"/live/embed-limit/embed")
		if n := webtest.Eval[int](t, tab, `document.querySelectorAll(".post-actions").length`); n != 0 {
			t.Errorf("the embed has %d share bars, want none", n)
		}
		p := seedPostWith(t, store, ev, "Newest", false)
		want := idList(append([]*liveblog.Post{p}, reversed(posts[1:])...))
		if got := webtest.Wait[string](t, tab, fmt.Sprintf(`(%s) === %q && %q`, articleIDs, want, want)); got != want {
			t.Errorf("embed shows %s, want the newest %d: %s", got, render.EmbedPosts, want)
		}
	})

	t.Run("StructuredDataInBrowser", func(t *testing.T) {
		t.Parallel()
		liveEvent(t, store, "json-ld", 2)
		tab := browserTab.NewTab(t)
		load(t, tab, ts.URL+"/live/json-ld")
		// The tab's check at the end fails the test if the block broke the
		// Content-Security-Policy.
		if got := webtest.Eval[string](t, tab, `JSON.parse(document.querySelector('script[type="application/ld+json"]').textContent)["@type"]`); got != "LiveBlogPosting" {
			t.Errorf("@type %q, want LiveBlogPosting", got)
		}
	})

}

// setColorScheme makes the tab's pages see the reader's system in light or
// dark mode.
func setColorScheme(t *testing.T, tab *webtest.Tab, scheme string) {
	t.Helper()
	if _, err := chromedp.Call(tab.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
		t.Fatal(err)
	}
}
