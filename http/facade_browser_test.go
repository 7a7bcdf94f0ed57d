package http_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/web/webtest"
)

// embedPost publishes a post holding one embed block of url with captured
// text.
func embedPost(t *testing.T, store interface {
	CreatePost(context.Context, liveblog.Write, *liveblog.Post) error
}, ev *liveblog.Event, headline, rawURL, text string, at time.Time) *liveblog.Post {
	t.Helper()
	p := &liveblog.Post{EventID: ev.ID, Headline: headline, PublishedAt: at, Blocks: []liveblog.Block{{
		Type: liveblog.BlockEmbed, URL: rawURL, Title: headline, Text: text, Author: "A source",
		Thumbnail: "/media/0123456789abcdef0123456789abcdef-640.jpg", PostedAt: at.Add(-time.Hour),
	}}}
	if err := store.CreatePost(context.Background(), liveblog.Write{}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFacadeBrowser opens a page with embeds of four providers in Chromium
// and logs every request the page makes: before the reader consents, none
// leaves the page's origin; after, the provider's frame is there, sandboxed
// and sized, and the page broke no Content-Security-Policy (webtest fails
// the test on a violation; the frame itself cannot load, as nothing here
// reaches the internet).
func TestFacadeBrowser(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ev, _ := liveEvent(t, store, "embeds", 2)
	embedPost(t, store, ev, "The minister's video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "The minister speaks.", baseTime.Add(time.Hour))
	embedPost(t, store, ev, "The agency's post", "https://x.com/agency/status/1887503281937625469", "Breaking: a statement.", baseTime.Add(2*time.Hour))
	embedPost(t, store, ev, "The chart", "https://datawrapper.dwcdn.net/dZ5Vo/3/", "Turnout by region.", baseTime.Add(3*time.Hour))
	embedPost(t, store, ev, "The reply", "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l", "A reply.", baseTime.Add(4*time.Hour))

	browser := webtest.Start(t, webtest.Options{Width: 1000, Height: 900, Flags: map[string]any{
		// Nothing may leave the machine: a provider's host fails at once.
		"host-resolver-rules": "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
	}})
	tab := browser.NewTab(t)
	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(tab.Ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab.Ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	elsewhere := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, r := range requests {
			if !strings.HasPrefix(r, ts.URL+"/") && !strings.HasPrefix(r, "data:") {
				out = append(out, r)
			}
		}
		return out
	}

	load(t, tab, ts.URL+"/live/embeds")
	if got := webtest.Wait[int](t, tab, `document.querySelectorAll(".facade-consent:not([hidden])").length`); got != 4 {
		t.Fatalf("%d consent buttons shown, want 4", got)
	}
	if got := webtest.Eval[string](t, tab, `[...document.querySelectorAll(".facade-show")].map(b => b.textContent).join("|")`); got !=
		"Show content from Bluesky|Show content from Datawrapper|Show content from X|Show content from YouTube" {
		t.Errorf("buttons %q", got)
	}
	if got := webtest.Eval[int](t, tab, `document.querySelectorAll("iframe").length`); got != 0 {
		t.Errorf("%d frames before consent", got)
	}
	if out := elsewhere(); len(out) > 0 {
		t.Errorf("before consent the page requested %v", out)
	}
	mu.Lock()
	if !slices.ContainsFunc(requests, func(r string) bool { return strings.Contains(r, "/static/facade.") }) {
		t.Errorf("facade.js was not loaded: %v", requests)
	}
	mu.Unlock()

	t.Run("EmbedView", func(t *testing.T) {
		// The view other sites frame keeps the facades, and asks no
		// provider anything either.
		load(t, tab, ts.URL+"/live/embeds/embed")
		if got := webtest.Wait[int](t, tab, `document.querySelectorAll(".facade-consent:not([hidden])").length`); got != 4 {
			t.Errorf("%d consent buttons in the embed view, want 4", got)
		}
		if out := elsewhere(); len(out) > 0 {
			t.Errorf("the embed view requested %v", out)
		}
		load(t, tab, ts.URL+"/live/embeds")
		webtest.Wait[int](t, tab, `document.querySelectorAll(".facade-consent:not([hidden])").length`)
	})

	t.Run("Consent", func(t *testing.T) {
		tab.Do(t, chromedp.Click(chromedp.CSS(`.facade[data-provider="youtube"] .facade-show`)))
		src := webtest.Wait[string](t, tab, `document.querySelector('.facade[data-provider="youtube"] iframe')?.src`)
		if src != "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" {
			t.Errorf("frame src %q", src)
		}
		sandbox := webtest.Eval[string](t, tab, `document.querySelector(".facade iframe").getAttribute("sandbox")`)
		if !strings.Contains(sandbox, "allow-scripts") || strings.Contains(sandbox, "allow-top-navigation") {
			t.Errorf("sandbox %q", sandbox)
		}
		// Sized by its proportions before anything loads in it.
		ratio := webtest.Eval[float64](t, tab, `(() => { const r = document.querySelector(".facade iframe").getBoundingClientRect(); return r.width / r.height })()`)
		if ratio < 1.76 || ratio > 1.79 {
			t.Errorf("frame proportions %.3f, want 16:9", ratio)
		}
		if got := webtest.Eval[int](t, tab, `document.querySelectorAll("iframe").length`); got != 1 {
			t.Errorf("%d frames after one consent, want 1", got)
		}
		if got := webtest.Eval[string](t, tab, `localStorage.getItem("liveblog:embeds") || ""`); got != "" {
			t.Errorf("a one-time consent was remembered: %q", got)
		}
		for _, r := range elsewhere() {
			if u, _ := url.Parse(r); u == nil || u.Host != "www.youtube-nocookie.com" {
				t.Errorf("after consent to YouTube the page requested %s", r)
			}
		}
	})

	t.Run("Always", func(t *testing.T) {
		tab.Do(t, chromedp.Click(chromedp.CSS(`.facade[data-provider="x"] .facade-always input`)))
		tab.Do(t, chromedp.Click(chromedp.CSS(`.facade[data-provider="x"] .facade-show`)))
		webtest.Wait[bool](t, tab, `!!document.querySelector('.facade[data-provider="x"] iframe')`)
		if got := webtest.Eval[string](t, tab, `localStorage.getItem("liveblog:embeds")`); got != `["x"]` {
			t.Errorf("stored %q", got)
		}
		load(t, tab, ts.URL+"/live/embeds")
		src := webtest.Wait[string](t, tab, `document.querySelector('.facade[data-provider="x"] iframe')?.src`)
		if !strings.HasPrefix(src, "https://platform.twitter.com/embed/Tweet.html?") {
			t.Errorf("X frame %q", src)
		}
		if got := webtest.Eval[int](t, tab, `document.querySelectorAll("iframe").length`); got != 1 {
			t.Errorf("%d frames after a reload, want only X's", got)
		}
	})

	t.Run("LiveInsert", func(t *testing.T) {
		plain, _ := liveEvent(t, store, "no-embeds", 1)
		load(t, tab, ts.URL+"/live/no-embeds")
		if got := webtest.Eval[int](t, tab, `document.querySelectorAll('script[src*="facade"]').length`); got != 0 {
			t.Errorf("a page without embeds loads facade.js")
		}
		embedPost(t, store, plain, "Live chart", "https://public.flourish.studio/visualisation/1234567/", "A chart.", time.Now())
		webtest.Wait[bool](t, tab, `!!document.querySelector('.facade[data-provider="flourish"] .facade-consent:not([hidden])')`)
	})
}
