package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/web/webtest"
)

// instrument runs in every document before the page's own script. It records
// Content-Security-Policy violations (the console shows them too, but only
// this event says which directive refused what) and every EventSource the
// page opens, so the test can see whether the page closed its stream.
// DevTools scripts are exempt from the page's policy.
const instrument = `
window.__e2e = { csp: [], sources: [] };
document.addEventListener("securitypolicyviolation", (e) => {
  window.__e2e.csp.push(e.violatedDirective + " refused " + (e.blockedURI || "inline"));
});
{
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(...args) {
      super(...args);
      window.__e2e.sources.push(this);
    }
  };
}
`

// TestReaderBrowser opens an event's reader page in headless Chromium, served
// by the real instance, and publishes through the API while it is open:
// everything a reader sees change arrives without a reload.
func TestReaderBrowser(t *testing.T) {
	b := newBrowser(t, 1280, 900, 1)
	in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}})
	api := &apiClient{base: in.url, token: createToken(t, in.app.Config.DataDir)}
	ev := api.createEvent(t, "e2e-reader")
	// More than a page (20 posts), so the page is long enough to scroll
	// away from the top.
	var earlier []*liveblog.Post
	for i := range 30 {
		earlier = append(earlier, api.createPost(t, ev.Slug, fmt.Sprintf("Earlier post %d", i+1)))
	}

	b.do(t, "load the page", chromedp.Navigate(in.url+"/live/"+ev.Slug), chromedp.WaitVisible(chromedp.ID("posts")))
	// A mark on the window: a reload would lose it.
	b.do(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__e2eLoaded = true`))
	b.waitFor(t, "the stream to open", `__e2e.sources.length === 1 && __e2e.sources[0].readyState === EventSource.OPEN`)
	if got := evaluate[int](t, b, `document.querySelectorAll("#posts > article.post").length`); got != liveblog.DefaultPageSize {
		t.Fatalf("page shows %d posts, want %d", got, liveblog.DefaultPageSize)
	}

	step := func(name string, f func(t *testing.T)) {
		// Each step starts from the page the previous one left.
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	var fresh *liveblog.Post
	step("PublishAppears", func(t *testing.T) {
		fresh = api.createPost(t, ev.Slug, "Fresh from the desk")
		b.waitFor(t, "the new post", fmt.Sprintf(`document.querySelector("#posts").firstElementChild?.id === "post-%d"`, fresh.ID))
	})

	step("EditReplacesInPlace", func(t *testing.T) {
		sel := strconv.Quote(fmt.Sprintf("#post-%d", fresh.ID))
		index := evaluate[int](t, b, `[...document.querySelector("#posts").children].indexOf(document.querySelector(`+sel+`))`)
		var edited liveblog.Post
		api.send(t, http.MethodPatch, postURL(ev.Slug, fresh.ID), fresh.Version, map[string]any{"headline": "Corrected from the desk"}, http.StatusOK, &edited)
		b.waitFor(t, "the edited headline", `document.querySelector(`+sel+` + " .post-headline")?.textContent === "Corrected from the desk"`)
		if got := evaluate[int](t, b, `[...document.querySelector("#posts").children].indexOf(document.querySelector(`+sel+`))`); got != index {
			t.Errorf("edited post moved from position %d to %d", index, got)
		}
		if got := evaluate[int](t, b, `document.querySelectorAll(`+sel+`).length`); got != 1 {
			t.Errorf("%d elements show the edited post, want 1", got)
		}
		if got, want := evaluate[string](t, b, `document.querySelector(`+sel+`).dataset.version`), strconv.Itoa(edited.Version); got != want {
			t.Errorf("data-version = %s, want %s", got, want)
		}
		fresh = &edited
	})

	step("DeleteRemoves", func(t *testing.T) {
		api.send(t, http.MethodDelete, postURL(ev.Slug, fresh.ID), fresh.Version, nil, http.StatusOK, nil)
		b.waitFor(t, "the deleted post to go", fmt.Sprintf(`!document.getElementById("post-%d")`, fresh.ID))
	})

	var queued *liveblog.Post
	step("ScrolledReaderGetsButton", func(t *testing.T) {
		y := evaluate[float64](t, b, `window.scrollTo({top: Math.min(1500, document.documentElement.scrollHeight - innerHeight), behavior: "instant"}),
			scrollY`)
		// reader.js inserts at once for a reader within 200px of the top.
		if y <= 200 {
			t.Fatalf("page scrolled only to %v; it is not long enough for the test", y)
		}
		// The post in the middle of the screen is the one being read.
		read := evaluate[float64](t, b, `window.__e2eRead = document.elementFromPoint(innerWidth / 2, innerHeight / 2).closest("article"),
			__e2eRead.getBoundingClientRect().top`)
		queued = api.createPost(t, ev.Slug, "While you were reading")
		b.waitFor(t, "the new posts button", `!document.getElementById("new-posts").hidden`)
		if got, want := evaluate[string](t, b, `document.getElementById("new-posts").textContent`), "1 new post"; got != want {
			t.Errorf("button says %q, want %q", got, want)
		}
		if evaluate[bool](t, b, fmt.Sprintf(`!!document.getElementById("post-%d")`, queued.ID)) {
			t.Errorf("new post was inserted under a scrolled reader")
		}
		// Content growing above the reader shows as a change of scrollY in
		// Chromium, whose scroll anchoring scrolls along with it, and as the
		// text moving under the reader in browsers without anchoring
		// (Safari). Neither may happen.
		if got := evaluate[float64](t, b, `scrollY`); got != y {
			t.Errorf("scrollY = %v after the new post, want %v", got, y)
		}
		if got := evaluate[float64](t, b, `__e2eRead.getBoundingClientRect().top`); math.Abs(got-read) >= 1 {
			t.Errorf("the post being read moved on screen from %v to %v", read, got)
		}
	})

	step("ButtonShowsQueued", func(t *testing.T) {
		b.do(t, "click the button", chromedp.Click(chromedp.ID("new-posts")))
		b.waitFor(t, "the queued post", fmt.Sprintf(`document.querySelector("#posts").firstElementChild?.id === "post-%d"`, queued.ID))
		b.waitFor(t, "the button to hide", `document.getElementById("new-posts").hidden`)
	})

	step("PinMovesToPinned", func(t *testing.T) {
		p := earlier[len(earlier)-1]
		api.send(t, http.MethodPut, postURL(ev.Slug, p.ID)+"/pin", p.Version, map[string]any{"pinned": true}, http.StatusOK, nil)
		b.waitFor(t, "the pinned post", fmt.Sprintf(`!!document.querySelector("#pinned > #post-%d") && !document.querySelector("#posts > #post-%d")`, p.ID, p.ID))
		if got := evaluate[string](t, b, fmt.Sprintf(`document.querySelector("#post-%d .post-labels")?.textContent ?? ""`, p.ID)); !strings.Contains(got, "Pinned") {
			t.Errorf("pinned post labels = %q, want Pinned", got)
		}
	})

	// Coverage and summary edits need the event's current version.
	version := func(t *testing.T) int {
		var cur liveblog.Event
		api.send(t, http.MethodGet, "/api/v1/events/"+ev.Slug, 0, nil, http.StatusOK, &cur)
		return cur.Version
	}

	step("SummaryReplaced", func(t *testing.T) {
		api.send(t, http.MethodPut, "/api/v1/events/"+ev.Slug+"/summary", version(t),
			map[string]any{"points": []string{"First key point", "Second key point"}}, http.StatusOK, nil)
		b.waitFor(t, "the new summary", `!document.getElementById("summary").hidden && [...document.querySelectorAll("#summary li")].map((li) => li.textContent).join("|") === "First key point|Second key point"`)
	})

	step("PausedBadge", func(t *testing.T) {
		api.send(t, http.MethodPut, "/api/v1/events/"+ev.Slug+"/coverage", version(t), map[string]any{"state": "paused"}, http.StatusOK, nil)
		b.waitFor(t, "the paused badge", `document.querySelector(".live-badge").textContent === "Paused" && document.getElementById("live").dataset.state === "paused"`)
	})

	step("EndedClosesStream", func(t *testing.T) {
		api.send(t, http.MethodPut, "/api/v1/events/"+ev.Slug+"/coverage", version(t), map[string]any{"state": "ended"}, http.StatusOK, nil)
		b.waitFor(t, "the ended badge", `document.querySelector(".live-badge").textContent === "Coverage ended"`)
		// The page closes its stream as it applies the frame that ended
		// coverage, and opens no other.
		if got := evaluate[string](t, b, `__e2e.sources.map((s) => s.readyState).join(",")`); got != "2" {
			t.Errorf("EventSource readyStates = %q, want one, closed (2)", got)
		}
	})

	step("NoReloadNoErrors", func(t *testing.T) {
		if !evaluate[bool](t, b, `window.__e2eLoaded === true`) {
			t.Errorf("the page was reloaded")
		}
		if got := evaluate[[]string](t, b, `__e2e.csp`); len(got) > 0 {
			t.Errorf("Content-Security-Policy violations:\n%s", strings.Join(got, "\n"))
		}
		for _, m := range b.consoleErrors(t) {
			t.Errorf("console %s", m)
		}
	})
}

// browser is one headless Chromium tab.
type browser struct {
	ctx     context.Context
	console chan chromedp.ConsoleMessage
}

// newBrowser starts Chromium (see webtest.Start: it skips without one, or
// fails on CI) with a viewport of width×height CSS pixels at scale device
// pixels each, and stops it when the test ends.
func newBrowser(t *testing.T, width, height int64, scale float64) *browser {
	t.Helper()
	tab := webtest.Start(t, webtest.Options{Width: int(width), Height: int(height), Flags: map[string]any{
		// Nothing but the page under test on the network.
		"disable-component-update": true,
		"disable-quic":             true,
	}})
	b := &browser{ctx: tab.Ctx, console: make(chan chromedp.ConsoleMessage, 1024)}
	// Subscribed before anything loads, so no message is missed.
	msgs := chromedp.Console(b.ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			select {
			case b.console <- m:
			case <-b.ctx.Done():
				return
			}
		}
	}()
	b.do(t, "set up the tab",
		chromedp.EmulateViewport(width, height, chromedp.EmulateScale(scale)),
		chromedp.Func(func(ctx context.Context, tt *chromedp.Target) error {
			_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: instrument})
			return err
		}),
	)
	return b
}

// do runs steps within e2eTimeout.
func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, e2eTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor waits until the JavaScript condition holds in the page, checking
// it on every animation frame.
func (b *browser) waitFor(t *testing.T, what, condition string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, e2eTimeout+time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](condition, chromedp.WithPollingTimeout(e2eTimeout))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, condition, err)
	}
}

// evaluate returns the value of a JavaScript expression in the page.
func evaluate[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, e2eTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// consoleErrors returns the errors and uncaught exceptions the page has
// reported so far. The console's messages arrive on their own; a marker
// logged now and read back is what says all earlier ones have arrived.
func (b *browser) consoleErrors(t *testing.T) []string {
	t.Helper()
	const marker = "e2e: end of the console"
	b.do(t, "log the marker", chromedp.Evaluate[chromedp.Void](`console.info(`+strconv.Quote(marker)+`)`))
	var errs []string
	timeout := time.After(e2eTimeout)
	for {
		select {
		case m := <-b.console:
			if m.Type == chromedp.ConsoleInfo && m.Text == marker {
				return errs
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				errs = append(errs, fmt.Sprintf("%s at %s:%d", m, m.URL, m.Line+1))
			}
		case <-timeout:
			t.Fatalf("the console marker did not arrive within %v", e2eTimeout)
			return nil
		}
	}
}
