package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/web/webtest"
)

func TestEmbedView(t *testing.T) {
	ts, store, _ := newTestServer(t)
	liveEvent(t, store, "budget", render.EmbedPosts+5)

	t.Run("Framable", func(t *testing.T) {
		res := get(t, ts, "/live/budget/embed")
		wantPage(t, res, http.StatusOK)
		csp := res.header.Get("Content-Security-Policy")
		if want := strings.Replace(lbhttp.ContentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors *", 1); csp != want || csp == lbhttp.ContentSecurityPolicy {
			t.Errorf("CSP = %q, want the pages' policy with frame-ancestors * (%q)", csp, want)
		}
		if n := len(postIDs(res.body)); n != render.EmbedPosts {
			t.Errorf("embed shows %d posts, want %d", n, render.EmbedPosts)
		}
		if !strings.Contains(string(res.body), `data-embed="true"`) {
			t.Errorf("embed is not marked for reader.js")
		}
	})
	t.Run("PagesStayUnframable", func(t *testing.T) {
		for _, path := range []string{"/live/budget", "/live/nothing/embed", "/live/budget/feed.atom"} {
			if got := get(t, ts, path).header.Get("Content-Security-Policy"); got != lbhttp.ContentSecurityPolicy {
				t.Errorf("%s: CSP = %q, want the default", path, got)
			}
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		first := get(t, ts, "/live/budget/embed")
		res := get(t, ts, "/live/budget/embed", "If-None-Match", first.header.Get("ETag"))
		if res.status != http.StatusNotModified {
			t.Errorf("status = %d, want 304", res.status)
		}
		if got := res.header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors *") {
			t.Errorf("304 CSP = %q: a revalidated embed must stay framable", got)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		wantPage(t, get(t, ts, "/live/nothing/embed"), http.StatusNotFound)
	})
	t.Run("Script", func(t *testing.T) {
		res := get(t, ts, "/embed.js")
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("status %d, Content-Type %q", res.status, res.header.Get("Content-Type"))
		}
		if got, want := res.header.Get("Cache-Control"), "public, max-age=3600"; got != want {
			t.Errorf("Cache-Control = %q, want %q: the address is stable, so copies must expire", got, want)
		}
	})
}

type oembedDoc struct {
	Version      string `json:"version"`
	Type         string `json:"type"`
	Title        string `json:"title"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url"`
	HTML         string `json:"html"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

func oembedPath(pageURL string, extra ...string) string {
	q := url.Values{"url": {pageURL}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/oembed?" + q.Encode()
}

func TestOEmbed(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ev, posts := liveEvent(t, store, "budget", 2)
	hostile, err := store.ChangeEvent(context.Background(), liveblog.Write{}, ev.ID, &liveblog.EventUpdate{Title: new(`Budget "day" <script>alert(1)</script>`), Version: ev.Version})
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct{ name, url string }{
		{"EventPage", ts.URL + "/live/budget"},
		{"Permalink", fmt.Sprintf("%s/live/budget/posts/%d", ts.URL, posts[0].ID)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, ts, oembedPath(tt.url, "format", "json"))
			doc := decode[oembedDoc](t, res)
			if doc.Version != "1.0" || doc.Type != "rich" || doc.Width != lbhttp.DefaultEmbedWidth || doc.Height != lbhttp.DefaultEmbedHeight {
				t.Errorf("got %+v, want version 1.0, type rich, %dx%d", doc, lbhttp.DefaultEmbedWidth, lbhttp.DefaultEmbedHeight)
			}
			if doc.Title != hostile.Title || doc.ProviderName != "liveblog" || doc.ProviderURL != ts.URL+"/" {
				t.Errorf("title %q, provider %q at %q", doc.Title, doc.ProviderName, doc.ProviderURL)
			}
			frame, script := embedElements(t, doc.HTML)
			if got, want := frame["src"], ts.URL+"/live/budget/embed"; got != want {
				t.Errorf("iframe src = %q, want %q", got, want)
			}
			if got, want := frame["title"], "Live coverage: "+hostile.Title; got != want {
				t.Errorf("iframe title = %q, want %q", got, want)
			}
			if got, want := script["src"], ts.URL+"/embed.js"; got != want {
				t.Errorf("script src = %q, want %q", got, want)
			}
			if res.header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("no CORS header: client-side consumers cannot read the answer")
			}
		})
	}
	t.Run("MaxSize", func(t *testing.T) {
		doc := decode[oembedDoc](t, get(t, ts, oembedPath(ts.URL+"/live/budget", "maxwidth", "320", "maxheight", "2000")))
		if doc.Width != 320 || doc.Height != lbhttp.DefaultEmbedHeight {
			t.Errorf("size %dx%d, want 320x%d", doc.Width, doc.Height, lbhttp.DefaultEmbedHeight)
		}
		if frame, _ := embedElements(t, doc.HTML); frame["width"] != "320" {
			t.Errorf("iframe width = %q, want 320", frame["width"])
		}
	})
	t.Run("FormatXML", func(t *testing.T) {
		// oEmbed asks for 501 here, which get would take for a server
		// failure.
		res, err := ts.Client().Get(ts.URL + oembedPath(ts.URL+"/live/budget", "format", "xml"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotImplemented || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("status %d, Content-Type %q; want 501 and a problem", res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
	for _, tt := range []struct {
		name, url string
		status    int
		field     string
	}{
		{"NoURL", "", http.StatusBadRequest, "url"},
		{"Relative", "/live/budget", http.StatusBadRequest, "url"},
		{"OtherSite", "https://elsewhere.example/live/budget", http.StatusNotFound, ""},
		{"NoEvent", ts.URL + "/live/nothing", http.StatusNotFound, ""},
		{"NotAPage", ts.URL + "/live/budget/stream", http.StatusNotFound, ""},
		{"FrontPage", ts.URL + "/", http.StatusNotFound, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, get(t, ts, oembedPath(tt.url)), tt.status, tt.field)
		})
	}
}

// embedElements parses an oEmbed html snippet and returns the attributes of
// its iframe and script, failing on anything else in it.
func embedElements(t *testing.T, snippet string) (frame, script map[string]string) {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(snippet), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	frame, script = map[string]string{}, map[string]string{}
	for _, n := range nodes {
		attrs := map[string]string{}
		for _, a := range n.Attr {
			attrs[a.Key] = a.Val
		}
		switch {
		case n.Data == "iframe" && len(frame) == 0:
			frame = attrs
		case n.Data == "script" && len(script) == 0 && n.FirstChild == nil:
			script = attrs
		default:
			t.Errorf("unexpected <%s> in the embed: %s", n.Data, snippet)
		}
	}
	return frame, script
}

// TestEmbedBrowser embeds an event on a page of another site, served by a
// second server under another host name, and watches posts arrive in the
// frame and the frame grow to fit them.
func TestEmbedBrowser(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ev, _ := liveEvent(t, store, "budget", 2)

	snippet := decode[oembedDoc](t, get(t, ts, oembedPath(ts.URL+"/live/budget"))).HTML
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/elsewhere" {
			// What the frame shows if it is sent away from the embed: a
			// document of another origin that claims a height, then says
			// it is done.
			fmt.Fprint(w, `<!doctype html><title>x</title><script>
parent.postMessage({type: "liveblog:height", height: 7}, "*");
parent.postMessage("done", "*");
</script>`)
			return
		}
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A news site</title></head>
<body><h1>Another site's article</h1><p>Follow the budget live:</p>%s<p>The end of the article.</p></body></html>`, snippet)
	}))
	defer host.Close()
	// Another host name makes the frame cross-site, as on a real site.
	hostURL := strings.Replace(host.URL, "127.0.0.1", "localhost", 1)

	tab := webtest.Start(t, webtest.Options{Width: 800, Height: 900})
	load(t, tab, hostURL)
	const frameHeight = `parseInt(document.querySelector("iframe").style.height) || 0`
	first := webtest.Wait[int](t, tab, frameHeight)

	// The frame's own document: another site's frame is a target of its own.
	frameCtx := embedTarget(t, tab, ts.URL+"/live/budget/embed")
	frame := &webtest.Tab{Ctx: frameCtx}
	if got := webtest.Eval[int](t, frame, `document.querySelectorAll("#posts > article").length`); got != 2 {
		t.Errorf("the embed shows %d posts, want 2", got)
	}

	p := seedPostWith(t, store, ev, "Published while embedded", false)
	webtest.Wait[bool](t, frame, fmt.Sprintf(`!!document.getElementById("post-%d")`, p.ID))
	grown := webtest.Wait[int](t, tab, fmt.Sprintf(`(%s) > %d && (%s)`, frameHeight, first, frameHeight))
	if got := webtest.Eval[int](t, frame, `Math.ceil(document.documentElement.getBoundingClientRect().height)`); got != grown {
		t.Errorf("frame is %dpx high, its content %dpx", grown, got)
	}

	// Messages from anyone but the embed's site in the embed's frame
	// change nothing. Each "done" arrives after the claim before it has
	// been handled, so the height it reads is the answer.
	const heightWhenDone = `new Promise(resolve => addEventListener("message", e => {
		if (e.data === "done") resolve(parseInt(document.querySelector("iframe").style.height));
	}))`
	t.Run("HostPageClaim", func(t *testing.T) {
		got := webtest.Eval[int](t, tab, `(() => {
			const done = `+heightWhenDone+`;
			postMessage({type: "liveblog:height", height: 5}, "*");
			postMessage("done", "*");
			return done;
		})()`)
		if got != grown {
			t.Errorf("a message from the host page set the frame to %dpx", got)
		}
	})
	t.Run("OtherOriginInFrame", func(t *testing.T) {
		got := webtest.Eval[int](t, tab, fmt.Sprintf(`(() => {
			const done = %s;
			document.querySelector("iframe").contentWindow.location = %q;
			return done;
		})()`, heightWhenDone, hostURL+"/elsewhere"))
		if got != grown {
			t.Errorf("a document of another origin in the frame set it to %dpx", got)
		}
	})
}

// embedTarget attaches to the frame whose document is at url and returns a
// context that runs actions in it.
func embedTarget(t *testing.T, tab *webtest.Tab, url string) context.Context {
	t.Helper()
	infos, err := chromedp.Targets(tab.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.Type == "iframe" && info.URL == url {
			ctx, cancel := chromedp.NewContext(tab.Ctx, chromedp.WithTargetID(info.TargetID))
			t.Cleanup(cancel)
			return ctx
		}
	}
	t.Fatalf("no frame target at %s among %d targets", url, len(infos))
	return nil
}
