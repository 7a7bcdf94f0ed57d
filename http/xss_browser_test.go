package http_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/mmcdole/gofeed"
	xhtml "golang.org/x/net/html"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/archive"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/importer"
	"github.com/liveblog/liveblog/web/webtest"
)

// TestStoredXSS pushes a corpus of XSS payloads (testdata/xss/payloads.txt)
// through every text and URL field a newsroom can fill, by the API, the
// desk and the importer, and opens every page that shows them in headless
// Chromium: the reader page as the stream fills it and as the server
// renders it, its JSON-LD, a permalink, the embed, the three feeds as a
// feed reader shows them (a page of their HTML content with no
// Content-Security-Policy at all), an oEmbed consumer's page, the desk
// (live view, drafts queue, composer, preview, history, conflict, the
// dashboard) and the static archive, served as a plain file server would,
// also without a policy.
//
// Each payload calls __xss.push(N) when it runs; a script installed in
// every document before the page's own records those calls, alert, confirm
// and prompt, and securitypolicyviolation events, and reports them to the
// test through a binding that survives navigation. Every page's DOM, after
// its scripts have run, is also read with webtest.UnsafeMarkup, which finds
// an injected handler or script URL even where nothing triggers it. The
// test fails on any execution, any CSP violation (webtest fails on those
// too), any unsafe markup, and any 5xx: a payload may be refused (400),
// never crash the server.
//
// The normal suite runs the first payloads of the file; the whole corpus:
//
//	LIVEBLOG_SECURITY_LONG=1 go test ./http -run TestStoredXSS -v -timeout 20m
func TestStoredXSS(t *testing.T) {
	payloads := loadPayloads(t, os.Getenv("LIVEBLOG_SECURITY_LONG") == "1" || os.Getenv("LIVEBLOG_XSS_PAYLOAD") != "")
	mediaDir := t.TempDir()
	env := newDeskEnv(t, lbhttp.Config{MediaDir: mediaDir})
	x := &xssRun{t: t, env: env, ed: env.signIn(t, "editor@example.com"), feeds: map[string]string{}, mediaDir: mediaDir,
		archives: t.TempDir(), accepted: map[string]int{}, refused: map[string]int{}, renders: map[string]int{}}
	// Feed readers and static hosts serve what they serve without our
	// policy: this server plays both, on an origin of its own.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /reader/{slug}", func(w http.ResponseWriter, r *http.Request) {
		x.mu.Lock()
		body, ok := x.feeds[r.PathValue("slug")]
		x.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	})
	mux.Handle("GET /archive/", http.StripPrefix("/archive/", http.FileServer(http.Dir(x.archives))))
	x.elsewhere = httptest.NewServer(mux)
	t.Cleanup(x.elsewhere.Close)

	start := time.Now()
	only, _ := strconv.Atoi(os.Getenv("LIVEBLOG_XSS_PAYLOAD"))
	// A browser lives for webtest.Timeout at most, so each batch of
	// payloads gets its own.
	const batch = 6
	for first := 0; first < len(payloads) && !t.Failed(); first += batch {
		last := min(first+batch, len(payloads))
		if only > 0 && (only <= first || only > last) {
			continue
		}
		outer := t
		t.Run(fmt.Sprintf("Payloads%dTo%d", first+1, last), func(t *testing.T) {
			x.t = t
			defer func() { x.t = outer }()
			x.startBrowser()
			for i := first; i < last; i++ {
				if only > 0 && i+1 != only {
					continue
				}
				x.payload(i+1, payloads[i])
				if t.Failed() {
					t.Logf("stopping after payload %d: %q", i+1, payloads[i])
					return
				}
			}
			if last == len(payloads) || only > 0 {
				x.visit("desk dashboard", x.env.ts.URL+"/desk/")
			}
		})
	}

	submitted, accepted, refused, renders := 0, 0, 0, 0
	for _, f := range xssFields {
		submitted += x.accepted[f] + x.refused[f]
		accepted += x.accepted[f]
		refused += x.refused[f]
		t.Logf("field %-16s accepted %3d refused %3d", f, x.accepted[f], x.refused[f])
	}
	for _, p := range xssPaths {
		renders += x.renders[p]
		t.Logf("path %-22s %4d field renders checked", p, x.renders[p])
	}
	x.mu.Lock()
	hits, violations, unsafe := x.hits, x.violations, x.unsafe
	x.mu.Unlock()
	t.Logf("stored XSS: %d payloads × %d fields × %d paths: %d submissions (%d accepted, %d refused, 0 server errors), "+
		"%d field renders checked in %d page loads; executed %d, CSP violations %d, unsafe DOM %d; %v",
		len(payloads), len(xssFields), len(xssPaths), submitted, accepted, refused, renders, x.loads,
		len(hits), len(violations), len(unsafe), time.Since(start).Round(time.Second))
	for _, h := range hits {
		t.Errorf("payload executed: %s", h)
	}
	for _, v := range violations {
		t.Errorf("CSP violation: %s", v)
	}
	for _, u := range unsafe {
		t.Errorf("unsafe markup in the DOM: %s", u)
	}
}

// The fields a payload goes into, and the paths that show them.
var (
	xssPostFields = []string{"headline", "paragraph", "link href", "list item", "quote", "attribution",
		"image src", "image alt", "caption", "credit", "byline name", "byline role", "avatar", "byline link", "embed url", "embed title",
		"provider url", "embed author", "embed text", "embed thumbnail"}
	xssFields = append(slices.Clone(xssPostFields),
		"event title", "event description", "summary point", "correction note", "composer text", "desk byline", "imported text")
	xssPaths = []string{"reader page", "live insert (SSE)", "JSON-LD", "permalink", "embed view", "feeds (no CSP)",
		"oEmbed host (no CSP)", "desk event page", "desk dashboard", "static archive (no CSP)", "search results"}
)

// xssShows reports whether a path shows a field.
func xssShows(path, field string) bool {
	switch path {
	case "live insert (SSE)":
		return field != "imported text" && field != "desk byline"
	case "JSON-LD":
		return slices.Contains([]string{"event title", "event description", "headline", "paragraph", "list item", "quote",
			"byline name", "byline role", "image src", "composer text", "imported text"}, field)
	case "feeds (no CSP)":
		return field != "summary point" && field != "desk byline"
	case "oEmbed host (no CSP)", "desk dashboard":
		return field == "event title"
	case "desk event page":
		return true
	case "search results":
		// A result is its headline and an excerpt of the text its body
		// shows (liveblog.Post.BodyText).
		return slices.Contains([]string{"headline", "paragraph", "list item", "quote", "attribution", "image alt",
			"caption", "credit", "embed title", "composer text"}, field)
	}
	return field != "desk byline"
}

// loadPayloads reads the corpus, its tokens left in: the quick part only
// unless all.
func loadPayloads(t *testing.T, all bool) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "xss", "payloads.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "# quick" && !all {
			break
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// expand replaces a payload's tokens (see the corpus's header).
func expand(p string, n int) string {
	call := fmt.Sprintf("__xss.push(%d)", n)
	var ent strings.Builder
	for _, r := range call {
		fmt.Fprintf(&ent, "&#x%x;", r)
	}
	return strings.NewReplacer(
		"XSSENT", ent.String(), "XSSB64", base64.StdEncoding.EncodeToString([]byte(call)), "XSS", call,
		"{TAB}", "\t", "{LF}", "\n", "{CR}", "\r", "{NUL}", "\x00", "{SP}", " ", "{LS}", "\u2028", "{PS}", "\u2029",
	).Replace(p)
}

// canaryScript runs in every document before its own scripts.
const canaryScript = `(() => {
  const report = (what) => { try { window.__xssReport(String(what) + " at " + location.href); } catch (e) {} };
  Object.defineProperty(window, "__xss", { value: Object.freeze({ push: (n) => report("xss:payload " + n) }) });
  for (const name of ["alert", "confirm", "prompt"]) {
    Object.defineProperty(window, name, { value: (m) => report("xss:" + name + "(" + m + ")") });
  }
  document.addEventListener("securitypolicyviolation", (e) =>
    report("csp:" + e.violatedDirective + " blocked " + e.blockedURI + " sample " + JSON.stringify(e.sample)), true);
})();`

// xssRun is the state of one TestStoredXSS.
type xssRun struct {
	t         *testing.T
	env       *deskEnv
	ed        *deskClient
	tab       *webtest.Tab
	elsewhere *httptest.Server
	archives  string
	mediaDir  string

	mu         sync.Mutex
	feeds      map[string]string // reader page of each event's feeds
	hits       []string
	violations []string
	unsafe     []string

	accepted, refused, renders map[string]int
	loads                      int
}

func (x *xssRun) startBrowser() {
	t := x.t
	x.tab = webtest.Start(t, webtest.Options{Width: 1200, Height: 900, Flags: map[string]any{
		// Payload URLs name hosts under .example: nothing may leave the
		// machine, and an unresolved host fails at once.
		"host-resolver-rules": "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
	}})
	x.tab.Do(t, chromedp.ExposeFunc("__xssReport", func(ctx context.Context, what string) (chromedp.Void, error) {
		x.mu.Lock()
		defer x.mu.Unlock()
		if rest, ok := strings.CutPrefix(what, "csp:"); ok {
			x.violations = append(x.violations, rest)
		} else {
			x.hits = append(x.hits, strings.TrimPrefix(what, "xss:"))
		}
		return chromedp.Void{}, nil
	}))
	if _, err := chromedp.Call(x.tab.Ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: canaryScript}); err != nil {
		t.Fatal(err)
	}
	// Reader pages may be served stale from the cache for a few seconds
	// (stale-while-revalidate); each visit here must see the page as the
	// server renders it now.
	if _, err := chromedp.Call(x.tab.Ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		t.Fatal(err)
	}
	// The editor's session, for the desk pages.
	ck := x.ed.cookie(lbhttp.SessionCookie)
	if _, err := chromedp.Call(x.tab.Ctx, network.SetCookie, network.SetCookieParams{
		Name: ck.Name, Value: ck.Value, URL: x.env.ts.URL + "/desk/", Path: "/desk", HTTPOnly: new(true),
	}); err != nil {
		t.Fatal(err)
	}
}

// api sends an API request and reports whether the server took it: a
// refusal (4xx) is counted against field; a 5xx fails the test (send).
func (x *xssRun) api(field, method, path string, body any, header ...string) (*response, bool) {
	x.t.Helper()
	res := send(x.t, x.env.ts, method, path, x.env.token, mustJSON(x.t, body), header...)
	return res, x.count(field, res)
}

func (x *xssRun) count(field string, res *response) bool {
	x.t.Helper()
	if res.status >= 400 {
		if res.status != http.StatusBadRequest {
			x.t.Errorf("%s refused with %d, want 400: %s", field, res.status, res.body)
		}
		if field != "" {
			x.refused[field]++
		}
		return false
	}
	if field != "" {
		x.accepted[field]++
	}
	return true
}

// postBody is a post with payload p in one field; the rest is plain.
func postBody(field, p string) map[string]any {
	img := func(src, alt, caption, credit string) map[string]any {
		return map[string]any{"blocks": []any{map[string]any{"type": "image", "src": src, "alt": alt, "caption": caption, "credit": credit}}}
	}
	spans := func(text, href string) map[string]any {
		return map[string]any{"blocks": []any{map[string]any{"type": "paragraph", "spans": []any{map[string]any{"text": text, "href": href}}}}}
	}
	const src = "https://xss.example/photo.jpg"
	var b map[string]any
	switch field {
	case "headline":
		b = map[string]any{"headline": p}
	case "paragraph":
		b = spans(p, "")
	case "link href":
		b = spans("a link", p)
	case "list item":
		b = map[string]any{"blocks": []any{map[string]any{"type": "list", "items": []any{[]any{map[string]any{"text": p}}}}}}
	case "quote":
		b = map[string]any{"blocks": []any{map[string]any{"type": "quote", "text": p}}}
	case "attribution":
		b = map[string]any{"blocks": []any{map[string]any{"type": "quote", "text": "Quoted.", "attribution": p}}}
	case "image src":
		b = img(p, "An image", "", "")
	case "image alt":
		b = img(src, p, "", "")
	case "caption":
		b = img(src, "An image", p, "")
	case "credit":
		b = img(src, "An image", "", p)
	case "byline name":
		b = map[string]any{"headline": "Byline", "contributors": []any{map[string]any{"name": p}}}
	case "byline role":
		b = map[string]any{"headline": "Byline", "contributors": []any{map[string]any{"name": "Reporter", "role": p}}}
	case "avatar":
		b = map[string]any{"headline": "Byline", "contributors": []any{map[string]any{"name": "Reporter", "avatar": p}}}
	case "byline link":
		b = map[string]any{"headline": "Byline", "contributors": []any{map[string]any{"name": "Reporter", "url": p}}}
	case "embed url":
		b = map[string]any{"blocks": []any{map[string]any{"type": "embed", "url": p}}}
	case "embed title":
		b = map[string]any{"blocks": []any{map[string]any{"type": "embed", "url": "https://xss.example/page", "title": p}}}
	case "provider url":
		// A provider's address with the payload where a page keeps
		// whatever follows: the facade is built from the id alone.
		b = map[string]any{"blocks": []any{map[string]any{"type": "embed", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=" + p}}}
	case "embed author", "embed text", "embed thumbnail":
		block := map[string]any{"type": "embed", "url": "https://x.com/agency/status/1887503281937625469", "title": "A post"}
		block[map[string]string{"embed author": "author", "embed text": "text", "embed thumbnail": "thumbnail"}[field]] = p
		if field == "embed thumbnail" {
			block["thumbnail"] = "/media/" + p
		}
		b = map[string]any{"blocks": []any{block}}
	}
	return b
}

// payload runs one payload through every field and path.
func (x *xssRun) payload(n int, raw string) {
	t := x.t
	p := expand(raw, n)
	slug := fmt.Sprintf("xss-%d", n)
	events := "/api/v1/events/" + slug
	res, _ := x.api("", "POST", "/api/v1/events", map[string]any{"slug": slug, "title": fmt.Sprintf("XSS %d", n), "state": "live"})
	if res.status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", slug, res.status, res.body)
	}
	ev := decode[liveblog.Event](t, res)
	ok := map[string]bool{}

	// The reader page is open before anything is published, so every
	// change reaches it through the stream.
	load(t, x.tab, x.env.ts.URL+"/live/"+slug)

	for _, f := range []struct{ field, member string }{{"event title", "title"}, {"event description", "description"}} {
		res, accepted := x.api(f.field, "PATCH", events, map[string]any{f.member: p}, "If-Match", strconv.Quote(strconv.Itoa(ev.Version)))
		if ok[f.field] = accepted; accepted {
			ev = decode[liveblog.Event](t, res)
		}
	}
	if res, accepted := x.api("summary point", "PUT", events+"/summary", map[string]any{"points": []string{p, "A plain point"}}, "If-Match", strconv.Quote(strconv.Itoa(ev.Version))); accepted {
		ok["summary point"] = true
		// Replaced once more, the payload is also in the summary history
		// the desk event page lists.
		ev = decode[liveblog.Event](t, res)
		if _, accepted := x.api("", "PUT", events+"/summary", map[string]any{"points": []string{p, "A second plain point"}}, "If-Match", strconv.Quote(strconv.Itoa(ev.Version))); !accepted {
			t.Error("the second replacement of the key points was refused")
		}
	}
	published := 0
	composite := map[string]any{"headline": "Every field", "key_event": true}
	var blocks, contributors []any
	for _, f := range xssPostFields {
		body := postBody(f, p)
		if f == "headline" {
			body["key_event"] = true
		}
		if _, accepted := x.api(f, "POST", events+"/posts", body); accepted {
			ok[f] = true
			published++
			if v, has := body["headline"]; has && f == "headline" {
				composite["headline"] = v
			}
			if bs, has := body["blocks"].([]any); has {
				blocks = append(blocks, bs...)
			}
			if cs, has := body["contributors"].([]any); has {
				contributors = append(contributors, cs...)
			}
		}
	}
	composite["blocks"], composite["contributors"] = blocks, contributors
	res, _ = x.api("", "POST", events+"/posts", composite)
	if res.status != http.StatusCreated {
		t.Fatalf("composite post of payload %d: %d %s", n, res.status, res.body)
	}
	published++
	comp := decode[liveblog.Post](t, res)
	compPath := events + "/posts/" + strconv.FormatInt(comp.ID, 10)
	if res, accepted := x.api("correction note", "PATCH", compPath, map[string]any{"headline": "Every field, corrected", "correction_note": p}, "If-Match", `"1"`); accepted {
		ok["correction note"] = true
		comp = decode[liveblog.Post](t, res)
	}
	// A draft, for the desk's queue.
	draft := map[string]any{"headline": p, "status": "draft", "blocks": []any{map[string]any{"type": "paragraph", "text": "Draft text."}}}
	if res, _ := x.api("", "POST", events+"/posts", draft); res.status >= 400 {
		draft["headline"] = "Draft"
		x.api("", "POST", events+"/posts", draft)
	}
	// The composer's markup, through the desk.
	res = x.ed.postJSON(t, "POST", "/desk/events/"+slug+"/posts", map[string]any{
		"headline": "", "status": "published", "contributors": []any{},
		"blocks": []map[string]any{{"type": "text", "text": p}, {"type": "list", "text": p}},
	})
	if ok["composer text"] = x.count("composer text", res); ok["composer text"] {
		published++
	}
	// The editor's own byline, which the desk's composer offers.
	me, err := x.env.store.FindUserByID(context.Background(), x.env.editor.ID)
	if err != nil {
		t.Fatal(err)
	}
	res = x.ed.postForm(t, "/desk/profile", url.Values{"version": {strconv.Itoa(me.Version)}, "byline_name": {p}, "byline_role": {p}})
	ok["desk byline"] = x.count("desk byline", res)

	// Live insert: the open page has every post, the key points, the
	// title and the correction, from the stream alone.
	title, description := ev.Title, ev.Description
	want, _ := json.Marshal(title)
	applied := fmt.Sprintf(`document.querySelectorAll("#posts > article.post, #pinned > article.post").length === %d &&
		document.getElementById("event-title").textContent === %s && (%v || !!document.querySelector(".correction-note"))`,
		published, want, !ok["correction note"])
	if _, err := chromedp.Run(x.tab.Ctx, chromedp.Poll[bool](applied, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		state := webtest.Eval[string](t, x.tab, `JSON.stringify({articles: document.querySelectorAll("#posts > article.post, #pinned > article.post").length,
			title: document.getElementById("event-title").textContent, correction: !!document.querySelector(".correction-note")})`)
		t.Fatalf("payload %d: the stream did not bring the page to %d posts and title %s: the page has %s", n, published, want, state)
	}
	x.settleAndCheck("live insert (SSE)")
	x.tally("live insert (SSE)", ok)

	x.visit("reader page", x.env.ts.URL+"/live/"+slug)
	x.checkJSONLD(title, description)
	x.tally("JSON-LD", ok)
	x.tally("reader page", ok)
	x.visit("permalink", fmt.Sprintf("%s/live/%s/posts/%d", x.env.ts.URL, slug, comp.ID))
	x.tally("permalink", ok)
	x.visit("embed view", x.env.ts.URL+"/live/"+slug+"/embed")
	x.tally("embed view", ok)

	// Feeds, read as a feed reader reads them and shown in a page with no
	// policy; and an oEmbed consumer's page with the frame it is given.
	x.feedPage(slug)
	x.visit("feeds (no CSP)", x.elsewhere.URL+"/reader/"+slug)
	x.tally("feeds (no CSP)", ok)
	x.tally("oEmbed host (no CSP)", ok)

	x.desk(slug, comp)
	x.tally("desk event page", ok)
	x.tally("desk dashboard", ok)

	// Search results show the headline and body of every post holding a
	// word of the payload, with that word marked; the desk's search too.
	if words := liveblog.Tokens(p); len(words) > 0 {
		q := url.QueryEscape(words[0])
		x.visit("search results", x.env.ts.URL+"/live/"+slug+"/search?q="+q)
		x.tally("search results", ok)
		x.visit("desk search", x.env.ts.URL+"/desk/search?q="+q)
	}

	// The static archive, served by a plain file server.
	if _, err := archive.Write(context.Background(), x.env.store, slug, filepath.Join(x.archives, slug), archive.Options{Media: os.DirFS(x.mediaDir)}); err != nil {
		t.Fatalf("archive %s: %v", slug, err)
	}
	x.visit("static archive (no CSP)", x.elsewhere.URL+"/archive/"+slug+"/index.html")
	x.visit("static archive (no CSP)", fmt.Sprintf("%s/archive/%s/posts/%d.html", x.elsewhere.URL, slug, comp.ID))
	x.tally("static archive (no CSP)", ok)

	x.imported(n, p)
}

// tally counts the field renders a path has just been checked for.
func (x *xssRun) tally(path string, ok map[string]bool) {
	for _, f := range xssFields {
		if ok[f] && xssShows(path, f) {
			x.renders[path]++
		}
	}
}

// visit loads a page and checks it.
func (x *xssRun) visit(path, u string) {
	x.t.Helper()
	load(x.t, x.tab, u)
	x.settleAndCheck(path)
}

// settleAndCheck waits for the page's images to load or fail (where an
// onerror payload would run) and reads its DOM for unsafe markup.
func (x *xssRun) settleAndCheck(path string) {
	x.t.Helper()
	x.loads++
	webtest.Eval[bool](x.t, x.tab, `new Promise((done) => {
		const pending = [...document.images].filter((i) => !i.complete && i.loading !== "lazy");
		let n = pending.length;
		if (!n) return setTimeout(() => done(true), 0);
		for (const i of pending) {
			const f = () => { if (--n === 0) setTimeout(() => done(true), 0); };
			i.addEventListener("load", f, { once: true });
			i.addEventListener("error", f, { once: true });
		}
	})`)
	dom := webtest.Eval[string](x.t, x.tab, `document.documentElement.outerHTML`)
	if path == "feeds (no CSP)" {
		// The host page's frame and script are the oEmbed answer's,
		// checked on their own (checkOEmbed); the feed content around
		// them is what is checked here.
		dom = oembedMarkup.ReplaceAllString(dom, "")
	}
	if problems := webtest.UnsafeMarkup(dom); len(problems) > 0 {
		u := webtest.Eval[string](x.t, x.tab, `location.href`)
		x.mu.Lock()
		for _, pr := range problems {
			x.unsafe = append(x.unsafe, path+" "+u+": "+pr)
		}
		x.mu.Unlock()
	}
}

// checkJSONLD checks the page's structured data from inside the browser:
// one block, which parses, whose headline is the event's title (clipped).
func (x *xssRun) checkJSONLD(title, description string) {
	x.t.Helper()
	got := webtest.Eval[string](x.t, x.tab, `(() => {
		const blocks = document.querySelectorAll('script[type="application/ld+json"]');
		if (blocks.length !== 1) return "blocks: " + blocks.length;
		try { return JSON.stringify(JSON.parse(blocks[0].textContent)); } catch (e) { return "parse: " + e; }
	})()`)
	var ld struct {
		Headline, Description string
	}
	if err := json.Unmarshal([]byte(got), &ld); err != nil {
		x.t.Errorf("JSON-LD for %q: %s", title, got)
		return
	}
	if want := []rune(title); !strings.HasPrefix(string(want), strings.TrimSuffix(ld.Headline, "…")) || ld.Description != description {
		x.t.Errorf("JSON-LD headline %q description %q, want %q and %q", ld.Headline, ld.Description, title, description)
	}
}

// feedPage builds what a feed reader shows of the event's three feeds:
// each entry's HTML content as markup, titles and authors as text, with
// no Content-Security-Policy; and the oEmbed answer's frame, as a site
// that embeds the event would put it in its page.
func (x *xssRun) feedPage(slug string) {
	t := x.t
	var b strings.Builder
	b.WriteString("<!doctype html><meta charset=utf-8><title>Feed reader</title><body>")
	for _, format := range []string{"atom", "rss", "json"} {
		res := get(t, x.env.ts, "/live/"+slug+"/feed."+format)
		if res.status != http.StatusOK {
			t.Fatalf("feed.%s: status %d", format, res.status)
		}
		f, err := gofeed.NewParser().ParseString(string(res.body))
		if err != nil {
			t.Fatalf("feed.%s of %s does not parse: %v", format, slug, err)
		}
		fmt.Fprintf(&b, "<section><h1>%s</h1><p>%s</p>", html.EscapeString(f.Title), html.EscapeString(f.Description))
		for _, it := range f.Items {
			content := it.Content
			if content == "" {
				content = it.Description
			}
			if problems := webtest.UnsafeMarkup(content); len(problems) > 0 {
				t.Errorf("feed.%s of %s: unsafe entry content: %s", format, slug, strings.Join(problems, "; "))
			}
			fmt.Fprintf(&b, "<article><h2><a href=\"%s\">%s</a></h2><div>%s</div></article>", html.EscapeString(it.Link), html.EscapeString(it.Title), content)
		}
		b.WriteString("</section>")
	}
	res := get(t, x.env.ts, "/oembed?url="+url.QueryEscape(x.env.ts.URL+"/live/"+slug))
	if res.status != http.StatusOK {
		t.Fatalf("oEmbed of %s: status %d: %s", slug, res.status, res.body)
	}
	var oe struct{ HTML, Title string }
	if err := json.Unmarshal(res.body, &oe); err != nil {
		t.Fatal(err)
	}
	checkOEmbed(t, oe.HTML, oe.Title)
	b.WriteString("<aside>" + oe.HTML + "</aside></body>")
	x.mu.Lock()
	x.feeds[slug] = b.String()
	x.mu.Unlock()
}

// desk opens the event's desk, loads the composite post into the composer,
// previews it, shows its history, and makes a colleague's edit collide
// with it, so that every place the desk's script inserts server-rendered
// HTML is filled with the payload.
func (x *xssRun) desk(slug string, comp liveblog.Post) {
	t := x.t
	x.visit("desk event page", x.env.ts.URL+"/desk/events/"+slug)
	click := func(sel string) {
		webtest.Eval[bool](t, x.tab, fmt.Sprintf(`(document.querySelector(%q).click(), true)`, sel))
	}
	webtest.Wait[bool](t, x.tab, fmt.Sprintf(`!!document.querySelector("#post-%d [data-edit]")`, comp.ID))
	click(fmt.Sprintf("#post-%d [data-edit]", comp.ID))
	webtest.Wait[bool](t, x.tab, `!document.getElementById("delete-post").hidden`)
	// A post whose text reads back as composer markup that the domain
	// refuses (a javascript: link typed as text) cannot be previewed;
	// the refusal is shown instead.
	click("#preview-button")
	webtest.Wait[bool](t, x.tab, `!document.getElementById("preview").hidden || /Cannot preview/.test(document.getElementById("composer-status").textContent)`)
	click("#history-button")
	webtest.Wait[bool](t, x.tab, `!document.getElementById("history").hidden`)
	// A colleague saves first; saving now is a conflict, shown with their
	// version rendered.
	res := send(t, x.env.ts, "PATCH", "/api/v1/events/"+slug+"/posts/"+strconv.FormatInt(comp.ID, 10), x.env.token,
		`{"headline":"A colleague's edit"}`, "If-Match", strconv.Quote(strconv.Itoa(comp.Version)))
	if res.status != http.StatusOK {
		t.Fatalf("colleague's edit: %d %s", res.status, res.body)
	}
	click("#publish")
	webtest.Wait[bool](t, x.tab, `!document.getElementById("conflict").hidden`)
	x.settleAndCheck("desk event page")
}

// imported imports a text dump with the payload as a headline, a byline, a
// caption, a bullet and a paragraph, and checks the event's pages.
func (x *xssRun) imported(n int, p string) {
	t := x.t
	line := strings.NewReplacer("\n", " ", "\r", " ").Replace(p)
	dump := "Imported\n\nSummary\n\n    • " + line + "\n\n" +
		"  1. " + line + "published at 09:00 Greenwich Mean Time 3 March\n\n" +
		"    Image caption, " + line + "\n\n    Image source, " + line + "\n\n" +
		"    " + line + "\n\n    • " + line + "\n    • Plain\n"
	res, err := importer.ParseText(strings.NewReader(dump), importer.TextOptions{Year: 2025})
	if err != nil {
		// The dump is not the importer's idea of a live page (the payload
		// ate its structure): nothing to render.
		x.refused["imported text"]++
		return
	}
	slug := fmt.Sprintf("xss-%d-import", n)
	if _, err := importer.Import(context.Background(), x.env.store, slug, res, importer.Options{}); err != nil {
		if liveblog.ErrorCode(err) == liveblog.EINVALID {
			x.refused["imported text"]++
			return
		}
		t.Fatalf("import: %v", err)
	}
	x.accepted["imported text"]++
	ok := map[string]bool{"imported text": true}
	x.visit("reader page", x.env.ts.URL+"/live/"+slug)
	x.tally("reader page", ok)
	x.tally("JSON-LD", ok)
	x.visit("embed view", x.env.ts.URL+"/live/"+slug+"/embed")
	x.tally("embed view", ok)
	x.feedPage(slug)
	x.visit("feeds (no CSP)", x.elsewhere.URL+"/reader/"+slug)
	x.tally("feeds (no CSP)", ok)
	if _, err := archive.Write(context.Background(), x.env.store, slug, filepath.Join(x.archives, slug), archive.Options{}); err != nil {
		t.Fatalf("archive %s: %v", slug, err)
	}
	x.visit("static archive (no CSP)", x.elsewhere.URL+"/archive/"+slug+"/index.html")
	x.tally("static archive (no CSP)", ok)
}

// oembedMarkup is the oEmbed answer's markup as the host page's DOM holds it.
var oembedMarkup = regexp.MustCompile(`(?s)<aside>.*?</aside>`)

// checkOEmbed checks the markup an oEmbed consumer pastes into its page:
// one frame of this site's embed and one script, and the event's title in
// the frame's title attribute as text.
func checkOEmbed(t *testing.T, markup, title string) {
	t.Helper()
	z := xhtml.NewTokenizer(strings.NewReader(markup))
	var tags []string
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		tags = append(tags, tok.Data)
		for _, a := range tok.Attr {
			switch {
			case tok.Data == "iframe" && a.Key == "title":
				if a.Val != "Live coverage: "+title {
					t.Errorf("oEmbed frame title %q, want the event's title", a.Val)
				}
			case tok.Data == "iframe" && slices.Contains([]string{"src", "width", "height", "loading", "style"}, a.Key):
			case tok.Data == "script" && (a.Key == "async" || a.Key == "src"):
			default:
				t.Errorf("oEmbed markup has attribute %s on %s: %s", a.Key, tok.Data, markup)
			}
		}
	}
	if strings.Join(tags, ",") != "iframe,script" {
		t.Errorf("oEmbed markup has elements %v, want an iframe and a script: %s", tags, markup)
	}
}
