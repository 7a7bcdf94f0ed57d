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
	lbhttp "github.com/liveblog/liveblog/http"
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

// readAxe returns axe-core's script. A machine without it skips the audit
// with a note, except on CI (CI=true), where it is part of the environment
// (.ci/run installs it) and its absence fails the test.
func readAxe(t *testing.T) string {
	t.Helper()
	source, err := os.ReadFile(axeScript)
	if os.IsNotExist(err) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no %s on this CI machine: run `npm ci --ignore-scripts` in tools/ (.ci/run does)", axeScript)
		}
		t.Skipf("no %s: run `npm ci` in tools/ to audit the pages' accessibility", axeScript)
	} else if err != nil {
		t.Fatal(err)
	}
	return string(source)
}

// audit runs axe-core over the page open in tab and fails on any violation.
func audit(t *testing.T, tab *webtest.Tab, source string) {
	t.Helper()
	// Evaluated through the DevTools protocol, which the page's
	// Content-Security-Policy does not govern.
	tab.Do(t, chromedp.Evaluate[chromedp.Void](source))
	found := webtest.Eval[[]axeViolation](t, tab, `axe.run(document, {runOnly: {type: "tag", values: `+axeTags+`}}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" "))})))`)
	for _, v := range found {
		t.Errorf("%s (%s): %s, at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "; "))
	}
}

var schemes = []string{"light", "dark"}

// TestAxe runs axe-core over every kind of reader page of the demo, in both
// colour schemes, and fails on any violation.
func TestAxe(t *testing.T) {
	source := readAxe(t)
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
		for _, scheme := range schemes {
			t.Run(name+"/"+scheme, func(t *testing.T) {
				t.Parallel()
				tab := browserTab.NewTab(t)
				setColorScheme(t, tab, scheme)
				load(t, tab, ts.URL+path)
				audit(t, tab, source)
			})
		}
	}
}

// TestAxeDesk runs axe-core over the desk's pages, in both colour schemes,
// as an admin (who sees every control) signed in through the sign-in form,
// on the demo's newsroom. The event desk is audited with the composer holding
// one block of each kind and the guest byline form open; its queue of
// submitted posts is a fragment of that page, audited there.
func TestAxeDesk(t *testing.T) {
	source := readAxe(t)
	env := newDeskEnv(t, lbhttp.Config{})
	if _, err := demo.Seed(context.Background(), env.store, t.TempDir(), time.Now()); err != nil {
		t.Fatal(err)
	}
	browserTab := webtest.Start(t, webtest.Options{Width: 375, Height: 812})

	// The tabs of one browser share its cookies: the sign-in page is audited
	// before anyone signs in, the other pages after.
	for _, scheme := range schemes {
		t.Run("SignIn/"+scheme, func(t *testing.T) {
			tab := browserTab.NewTab(t)
			setColorScheme(t, tab, scheme)
			load(t, tab, env.ts.URL+"/desk/login")
			audit(t, tab, source)
		})
	}
	tab := browserTab.NewTab(t)
	load(t, tab, env.ts.URL+"/desk/login")
	tab.Do(t,
		chromedp.SendKeys(chromedp.ID("email"), env.admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), deskPassword),
	)
	click(t, tab, `form[action="/desk/login"] button[type=submit]`)
	if got := webtest.Eval[string](t, tab, `location.pathname`); got != "/desk/" {
		t.Fatalf("signing in led to %s, want /desk/", got)
	}

	pages := map[string]string{
		"Dashboard": "/desk/",
		"Event":     "/desk/events/" + demo.Slug,
		"Users":     "/desk/users",
		"Audit":     "/desk/audit",
		"Search":    "/desk/search?q=minister",
		"Account":   "/desk/password",
	}
	for name, path := range pages {
		for _, scheme := range schemes {
			t.Run(name+"/"+scheme, func(t *testing.T) {
				t.Parallel()
				tab := browserTab.NewTab(t)
				setColorScheme(t, tab, scheme)
				load(t, tab, env.ts.URL+path)
				if name == "Event" {
					n := webtest.Eval[int](t, tab, `const add = document.querySelectorAll("#composer [data-add]");
						add.forEach(b => b.click());
						document.getElementById("byline-new").open = true;
						add.length`)
					if got := webtest.Eval[int](t, tab, `document.querySelectorAll("#blocks > *").length`); n == 0 || got < n {
						t.Fatalf("the composer holds %d blocks after clicking %d add buttons", got, n)
					}
				}
				audit(t, tab, source)
			})
		}
	}
}
