package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/archive"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/importer"
	"github.com/liveblog/liveblog/webhook"
)

// canary is a server on loopback that records every request it gets. A
// server-side request forgery is any request to it.
type canary struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newCanary(t *testing.T, tls bool) *canary {
	t.Helper()
	c := &canary{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits = append(c.hits, r.Method+" "+r.URL.String()+" from "+r.UserAgent())
		c.mu.Unlock()
	})
	if tls {
		c.Server = httptest.NewTLSServer(h)
	} else {
		c.Server = httptest.NewServer(h)
	}
	t.Cleanup(c.Close)
	return c
}

func (c *canary) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.hits...)
}

// TestNoServerSideFetch proves that nothing the server does fetches a URL
// a user gave it, except webhooks, which go through package netguard. Every
// way a URL gets in (API and desk writes of events, posts, key points and
// bylines; oEmbed; the importer; webhooks) points at two canaries on
// loopback (http and https), in every URL field: links, images, avatars,
// embeds. Then every way a URL goes out is exercised: reader pages,
// permalinks, the embed, the three feeds, the changes feed, the stream, the
// API, every desk page and preview, a static archive, and the webhook
// worker. The canaries must not see a single request: embeds are link
// cards, images are loaded by readers' browsers, oEmbed is answered, never
// asked, and a webhook to this host, its metadata address or a name for it
// is refused at connect time. A fetcher added later must go through
// netguard too, and be added here.
func TestNoServerSideFetch(t *testing.T) {
	mediaDir := t.TempDir()
	env := newDeskEnv(t, lbhttp.Config{MediaDir: mediaDir})
	ctx := context.Background()
	plain, secure := newCanary(t, false), newCanary(t, true)
	urls := func(path string) []string { return []string{plain.URL + path, secure.URL + path} }

	// In: the API.
	for i, base := range []string{plain.URL, secure.URL} {
		slug := fmt.Sprintf("ssrf-%d", i)
		res := send(t, env.ts, "POST", "/api/v1/events", env.token, mustJSON(t, map[string]any{
			"slug": slug, "title": "Fetch " + base + "/title", "description": "See " + base + "/description",
			"state": "live", "summary": map[string]any{"points": []string{base + "/point"}},
		}))
		if res.status != http.StatusCreated {
			t.Fatalf("create event: %d %s", res.status, res.body)
		}
		// Webhooks are the one fetcher: a partner's URL, given by an
		// editor. Pointed at this host (directly, by name, through the
		// metadata address), they must be refused by netguard.
		_, port, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://"), ":")
		for _, hook := range []string{base + "/hook", strings.Replace(base, "127.0.0.1", "localhost", 1) + "/hook",
			"http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]:" + port + "/hook", "http://0.0.0.0:" + port + "/hook"} {
			if res := send(t, env.ts, "POST", "/api/v1/events/"+slug+"/webhooks", env.token, mustJSON(t, map[string]any{"url": hook})); res.status != http.StatusCreated {
				t.Fatalf("webhook %s: %d %s", hook, res.status, res.body)
			}
		}
		post := map[string]any{
			"headline": "Links to " + base,
			"blocks": []map[string]any{
				{"type": "paragraph", "spans": []map[string]any{{"text": "a link", "href": base + "/href"}}},
				{"type": "list", "items": [][]map[string]any{{{"text": "item", "href": base + "/item"}}}},
				{"type": "image", "src": base + "/image.jpg", "alt": "An image", "caption": base + "/caption"},
				{"type": "embed", "url": base + "/embed", "title": "An embed"},
				{"type": "embed", "url": base + "/oembed?url=" + url.QueryEscape(base+"/video")},
				{"type": "quote", "text": base + "/quote", "attribution": base},
			},
			"contributors": []map[string]any{{"name": "Avatar", "avatar": base + "/avatar.png"}},
		}
		res = send(t, env.ts, "POST", "/api/v1/events/"+slug+"/posts", env.token, mustJSON(t, post))
		if res.status != http.StatusCreated {
			t.Fatalf("create post: %d %s", res.status, res.body)
		}
		id := decode[liveblog.Post](t, res).ID
		res = send(t, env.ts, "PATCH", "/api/v1/events/"+slug+"/posts/"+strconv.FormatInt(id, 10), env.token,
			mustJSON(t, map[string]any{"blocks": []map[string]any{{"type": "embed", "url": base + "/edited-embed"}, {"type": "image", "src": base + "/edited.png", "alt": "x"}},
				"correction_note": base + "/correction"}), "If-Match", `"1"`)
		if res.status != http.StatusOK {
			t.Fatalf("edit post: %d %s", res.status, res.body)
		}
		if res := send(t, env.ts, "POST", "/api/v1/events/"+slug+"/posts", env.token, mustJSON(t, post)); res.status != http.StatusCreated {
			t.Fatalf("second post: %d %s", res.status, res.body)
		}
	}

	// In: the desk.
	ed := env.signIn(t, "editor@example.com")
	if res := ed.postForm(t, "/desk/profile", url.Values{"version": {"1"}, "byline_name": {"Ed"}, "byline_avatar": {plain.URL + "/me.png"}}); res.status != http.StatusOK {
		t.Fatalf("profile: %d %s", res.status, res.body)
	}
	if res := ed.postForm(t, "/desk/events", url.Values{"slug": {"ssrf-desk"}, "title": {"Desk " + plain.URL}, "description": {secure.URL}, "time_zone": {"Europe/London"}}); res.status != http.StatusSeeOther {
		t.Fatalf("desk event: %d %s", res.status, res.body)
	}
	composer := func(status string) map[string]any {
		return map[string]any{
			"headline": "Desk post", "status": status, "contributors": []map[string]any{{"name": "Ed", "avatar": secure.URL + "/ed.png"}},
			"blocks": []map[string]any{
				{"type": "text", "text": "A [link](" + plain.URL + "/desk-link) and [another](" + secure.URL + "/desk-link)."},
				{"type": "image", "src": secure.URL + "/desk.jpg", "alt": "A picture"},
				{"type": "embed", "url": plain.URL + "/desk-embed", "title": "Embed"},
			},
		}
	}
	for _, slug := range []string{"ssrf-0", "ssrf-desk"} {
		path := "/desk/events/" + slug
		if res := ed.postJSON(t, "POST", path+"/preview", composer("published")); res.status != http.StatusOK {
			t.Fatalf("preview: %d %s", res.status, res.body)
		}
		res := ed.postJSON(t, "POST", path+"/posts", composer("draft"))
		if res.status != http.StatusCreated {
			t.Fatalf("desk draft: %d %s", res.status, res.body)
		}
		draft := decodeJSON[struct {
			Post struct {
				ID      int64
				Version int
			}
		}](t, res).Post
		edit := composer("published")
		edit["version"] = draft.Version
		if res := ed.postJSON(t, "PUT", path+"/posts/"+strconv.FormatInt(draft.ID, 10), edit); res.status != http.StatusOK {
			t.Fatalf("desk publish: %d %s", res.status, res.body)
		}
		ev, err := env.store.FindEventBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		if slug == "ssrf-desk" {
			if res := ed.postForm(t, path+"/coverage", url.Values{"from": {"scheduled"}, "state": {"live"}}); res.status >= 400 {
				t.Fatalf("coverage: %d %s", res.status, res.body)
			}
			ev, _ = env.store.FindEventBySlug(ctx, slug)
		}
		if res := ed.postForm(t, path+"/summary", url.Values{"version": {strconv.Itoa(ev.Version)}, "points": {plain.URL + "\n" + secure.URL}}); res.status >= 400 {
			t.Fatalf("summary: %d %s", res.status, res.body)
		}
	}

	// In: oEmbed, asked about a canary's URL (it is not this site's, so
	// 404, and nothing is fetched to find out).
	for _, u := range urls("/live/ssrf-0") {
		if res := get(t, env.ts, "/oembed?url="+url.QueryEscape(u)); res.status != http.StatusNotFound {
			t.Errorf("oEmbed for %s: status %d, want 404", u, res.status)
		}
	}

	// In: the importer, with URLs where a dump has text and image credits.
	dump := "Imported\n\n  1. Links to " + plain.URL + "published at 09:00 Greenwich Mean Time 3 March\n\n" +
		"    Image caption: " + secure.URL + "/caption\n\n    Read " + plain.URL + "/imported and " + secure.URL + "/imported.\n"
	res, err := importer.ParseText(strings.NewReader(dump), importer.TextOptions{Year: 2025})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Import(ctx, env.store, "ssrf-import", res, importer.Options{}); err != nil {
		t.Fatal(err)
	}

	// Out: everything that renders what came in.
	for _, slug := range []string{"ssrf-0", "ssrf-1", "ssrf-desk", "ssrf-import"} {
		ev, err := env.store.FindEventBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		posts, err := env.store.FindPosts(ctx, liveblog.PostFilter{EventID: ev.ID, Statuses: []liveblog.PostStatus{liveblog.StatusPublished, liveblog.StatusDraft}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		paths := []string{"/", "/live/" + slug, "/live/" + slug + "/embed", "/live/" + slug + "/feed.atom", "/live/" + slug + "/feed.rss",
			"/live/" + slug + "/feed.json", "/live/" + slug + "/feed.atom?key=1", "/live/" + slug + "/changes?after=0", "/live/" + slug + "?order=oldest"}
		for _, p := range posts {
			paths = append(paths, fmt.Sprintf("/live/%s/posts/%d", slug, p.ID))
		}
		for _, p := range paths {
			res := get(t, env.ts, p)
			if res.status != http.StatusOK {
				t.Errorf("GET %s: status %d", p, res.status)
			}
			// The URLs must be there for their absence of requests to
			// mean anything.
			if body := string(res.body); p == "/live/"+slug && !strings.Contains(body, plain.URL) && !strings.Contains(body, secure.URL) {
				t.Errorf("GET %s does not show the canary's URL", p)
			}
		}
		for _, p := range []string{"/api/v1/events/" + slug, "/api/v1/events/" + slug + "/posts?status=draft,published"} {
			if res := send(t, env.ts, "GET", p, env.token, ""); res.status != http.StatusOK {
				t.Errorf("GET %s: status %d", p, res.status)
			}
		}
		desk := []string{"/desk/", "/desk/events/" + slug, "/desk/events/" + slug + "/queue"}
		for _, p := range posts {
			desk = append(desk, fmt.Sprintf("/desk/events/%s/posts/%d", slug, p.ID), fmt.Sprintf("/desk/events/%s/posts/%d/history", slug, p.ID))
		}
		for _, p := range desk {
			if res := ed.do(t, "GET", p, "", "", "Accept", "text/html"); res.status != http.StatusOK {
				t.Errorf("GET %s: status %d", p, res.status)
			}
		}
		readStream(t, env.ts.URL+"/live/"+slug+"/stream?after=0", slug)
		if _, err := archive.Write(ctx, env.store, slug, filepath.Join(t.TempDir(), slug), archive.Options{Media: os.DirFS(mediaDir)}); err != nil {
			t.Errorf("archive %s: %v", slug, err)
		}
	}

	// The webhook worker, as `liveblog serve` runs it, delivers every
	// change it can: here, none.
	worker := webhook.NewWorker(env.store, webhook.Config{Timeout: 5 * time.Second})
	attempts := 0
	for {
		ok, err := worker.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		attempts++
	}
	for _, slug := range []string{"ssrf-0", "ssrf-1"} {
		ev, _ := env.store.FindEventBySlug(ctx, slug)
		hooks, err := env.store.FindWebhooks(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hooks {
			as, err := env.store.FindWebhookAttempts(ctx, h.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) == 0 || !strings.Contains(as[0].Error, "not allowed") {
				t.Errorf("webhook to %s: attempts %+v, want refused by netguard", h.URL, as)
			}
		}
	}
	t.Logf("webhook worker: %d deliveries attempted, all refused before connecting", attempts)

	for _, c := range []*canary{plain, secure} {
		if hits := c.requests(); len(hits) > 0 {
			t.Errorf("the server fetched user-supplied URLs on %s:\n%s", c.URL, strings.Join(hits, "\n"))
		}
	}
}

// readStream reads an event's stream from the start until it has every
// change up to the head, so that the hub has rendered each frame.
func readStream(t *testing.T, u, slug string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	head := func() int64 {
		res, err := http.Get(strings.Replace(u, "/stream?after=0", "/changes?after=0", 1))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b struct{ Head int64 }
		if err := json.NewDecoder(res.Body).Decode(&b); err != nil {
			t.Fatal(err)
		}
		return b.Head
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream of %s: status %d", slug, res.StatusCode)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	want := "id: " + strconv.FormatInt(head, 10)
	for sc.Scan() {
		if sc.Text() == want {
			return
		}
	}
	t.Fatalf("stream of %s ended before change %d: %v", slug, head, sc.Err())
}
