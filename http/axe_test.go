package http_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/demo"
	"github.com/liveblog/liveblog/web/webtest"
)

// axeScript is axe-core as tools/package.json pins it. The Go build never
// needs Node, so the file is only there after `npm ci` in tools/.
var axeScript = filepath.Join("..", "tools", "node_modules", "axe-core", "axe.min.js")

// axeTags are the rules the reader pages promise to meet: WCAG 2.1 A and AA,
// and axe's best practices.
const axeTags = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]`

type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// TestAxe runs axe-core over every kind of reader page of the demo, in both
// colour schemes, and fails on any violation.
func TestAxe(t *testing.T) {
	source, err := os.ReadFile(axeScript)
	if os.IsNotExist(err) {
		t.Skipf("no %s: run `npm ci` in tools/ to audit the pages' accessibility", axeScript)
	} else if err != nil {
		t.Fatal(err)
	}
	ts, store, _ := newTestServer(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, t.TempDir(), time.Now()); err != nil {
		t.Fatal(err)
	}
	ev, err := store.FindEventBySlug(ctx, demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	posts, err := store.FindPosts(ctx, liveblog.PostFilter{EventID: ev.ID, Limit: 30})
	if err != nil {
		t.Fatal(err)
	}
	browserTab := webtest.Start(t, webtest.Options{Width: 375, Height: 812})

	pages := map[string]string{
		"Index":     "/",
		"Event":     "/live/" + demo.Slug,
		"KeyEvents": "/live/" + demo.Slug + "?key=1&order=oldest",
		"Permalink": fmt.Sprintf("/live/%s/posts/%d", demo.Slug, posts[len(posts)-1].ID),
		"Embed":     "/live/" + demo.Slug + "/embed",
		"Ended":     "/live/" + demo.EndedSlug,
		"NotFound":  "/live/no-such-event",
		"Search":    "/live/" + demo.Slug + "/search?q=minister",
		"Refused":   "/live/" + demo.Slug + "/search?q=",
	}
	for name, path := range pages {
		for _, scheme := range []string{"light", "dark"} {
			t.Run(name+"/"+scheme, func(t *testing.T) {
				t.Parallel()
				tab := browserTab.NewTab(t)
				setColorScheme(t, tab, scheme)
				load(t, tab, ts.URL+path)
				// Evaluated through the DevTools protocol, which the
				// page's Content-Security-Policy does not govern.
				tab.Do(t, chromedp.Evaluate[chromedp.Void](string(source)))
				found := webtest.Eval[[]axeViolation](t, tab, `axe.run(document, {runOnly: {type: "tag", values: `+axeTags+`}}).then(r =>
					r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" "))})))`)
				for _, v := range found {
					t.Errorf("%s (%s): %s, at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "; "))
				}
			})
		}
	}
}
