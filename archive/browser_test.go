package archive_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog/web/webtest"
)

// browserDeadline bounds the whole browser test, Chromium's start included;
// stepDeadline each step in it.
const (
	browserDeadline = 2 * time.Minute
	stepDeadline    = 20 * time.Second
)

// TestBrowser serves an archive as a CDN bucket would, as plain files under a
// path of their own, and reads it in headless Chromium: the first page, a
// permalink deep in the event and an older page load with their stylesheet
// and every image, and no request leaves the archive: none to another origin,
// and none to a path of the server outside the archive, where an absolute
// link ("/static/...", "/live/...") would go.
func TestBrowser(t *testing.T) {
	bin := webtest.Chromium(t)
	c := newCoverage(t)
	out, _ := c.write(t)

	const prefix = "/bucket/river-rescue/"
	var (
		mu      sync.Mutex
		outside []string
	)
	mux := http.NewServeMux()
	mux.Handle(prefix, http.StripPrefix(prefix, http.FileServer(http.Dir(out))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		outside = append(outside, r.URL.Path)
		mu.Unlock()
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// The instance the coverage came from: an archive that still needed it
	// would reach it. It is never named to the browser, so any hit at all
	// means a link was made from somewhere the archive should not know.
	instance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		outside = append(outside, "instance: "+r.URL.Path)
		mu.Unlock()
	}))
	defer instance.Close()
	base := srv.URL + prefix

	ctx, cancel := context.WithTimeout(context.Background(), browserDeadline)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1024, 768),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	// Subscribed before the first navigation, so no request is missed.
	requests := chromedp.Events(bctx, network.RequestWillBeSent)

	step := func(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, stepDeadline)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(t *testing.T, expr string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, stepDeadline)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	// loaded reports what of the page did not load: its stylesheet, and each
	// image, lazy ones made eager so that the whole page is checked.
	const loaded = `(async () => {
		const bad = [];
		// Reading the rules of a sheet that failed to load throws.
		const rules = (s) => { try { return s.cssRules.length; } catch { return 0; } };
		if (![...document.styleSheets].some((s) => rules(s) > 0)) bad.push("no stylesheet");
		const imgs = [...document.images];
		if (imgs.length === 0) bad.push("no images");
		await Promise.all(imgs.map(async (img) => {
			img.loading = "eager";
			try { await img.decode(); } catch { bad.push("image " + img.getAttribute("src")); return; }
			if (img.naturalWidth === 0) bad.push("empty image " + img.getAttribute("src"));
		}));
		return bad.join("; ");
	})()`

	t.Run("FirstPage", func(t *testing.T) {
		step(t, "load the first page", chromedp.Navigate(base))
		if got := eval(t, `document.querySelectorAll("#posts article.post").length + " " + document.querySelectorAll("#pinned article.post").length`); got != "20 1" {
			t.Errorf("articles in the list and pinned: got %s, want 20 1", got)
		}
		if bad := eval(t, loaded); bad != "" {
			t.Errorf("the first page did not load whole: %s", bad)
		}
		if got := eval(t, `String(document.querySelectorAll("script[src]").length)`); got != "0" {
			t.Errorf("scripts: got %s, want none", got)
		}
	})

	t.Run("OlderPage", func(t *testing.T) {
		_, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS("a.pager-older"))))
		if err != nil {
			t.Fatalf("follow Older posts: %v", err)
		}
		if got := eval(t, `location.href`); got != base+"page-2.html" {
			t.Errorf("Older posts led to %s, want %spage-2.html", got, base)
		}
		if bad := eval(t, loaded); bad != "" {
			t.Errorf("page 2 did not load whole: %s", bad)
		}
	})

	t.Run("DeepPermalink", func(t *testing.T) {
		deep := c.posts[0] // the oldest post, with a picture, on the last page
		step(t, "load a deep permalink", chromedp.Navigate(fmt.Sprintf("%sposts/%d.html", base, deep.ID)))
		if got := eval(t, fmt.Sprintf(`document.querySelector("#post-%d .post-headline")?.textContent ?? ""`, deep.ID)); got != deep.Headline {
			t.Errorf("headline of the focused post: got %q, want %q", got, deep.Headline)
		}
		if got := eval(t, fmt.Sprintf(`document.querySelector("#post-%d img")?.getAttribute("src") ?? ""`, deep.ID)); got != "../media/scene-00.png" {
			t.Errorf("image of the focused post: got %q, want ../media/scene-00.png", got)
		}
		if bad := eval(t, loaded); bad != "" {
			t.Errorf("the permalink page did not load whole: %s", bad)
		}
		// Back to the event from the permalink, by the site name.
		_, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS("a.site-name"))))
		if err != nil {
			t.Fatalf("follow the site name: %v", err)
		}
		// http.FileServer answers index.html with a redirect to the
		// directory, as most static servers do.
		if got := eval(t, `location.href`); got != base+"index.html" && got != base {
			t.Errorf("the site name led to %s, want %sindex.html", got, base)
		}
	})

	t.Run("NoRequestLeaves", func(t *testing.T) {
		// Requests are reported in order, so once the marker's is seen,
		// every earlier one has been.
		marker := base + "end-of-test-marker"
		eval(t, `fetch(`+jsString(marker)+`).then(() => "")`)
		var seen []string
		for ev, err := range requests {
			if err != nil {
				t.Fatalf("reading requests: %v", err)
			}
			u := ev.Request.URL
			if u == marker {
				break
			}
			seen = append(seen, u)
			if !strings.HasPrefix(u, base) && !strings.HasPrefix(u, "data:") {
				t.Errorf("request outside the archive: %s", u)
			}
		}
		if len(seen) < 10 {
			t.Errorf("saw only %d requests: %v", len(seen), seen)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(outside) > 0 {
			t.Errorf("the server was asked for paths outside the archive: %v", outside)
		}
	})
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
