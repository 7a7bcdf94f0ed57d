package http_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/web/webtest"
)

// TestSearchBrowser is a reader finding a post by a word of its body: they
// type it into the event page's search box, with and without script, get
// the post with the word marked, and follow it to its permalink. An editor
// finds a draft from the desk's search, which a reader cannot.
func TestSearchBrowser(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ev, posts := liveEvent(t, env.store, "search-browser", 30)
	target := posts[7]
	blocks := []liveblog.Block{liveblog.Plain("Coastguard crews reached the stranded trawler at dawn.")}
	target, err := env.store.ChangePost(context.Background(), liveblog.Write{}, target.ID, &liveblog.PostUpdate{Blocks: &blocks, Version: target.Version})
	if err != nil {
		t.Fatal(err)
	}
	draft := env.newPost(t, ev, env.editor, func(p *liveblog.Post) {
		p.Headline, p.Status = "Trawler owner named", liveblog.StatusDraft
	})
	browserTab := webtest.Start(t, webtest.Options{})

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
			load(t, tab, env.ts.URL+"/live/"+ev.Slug)
			tab.Do(t, chromedp.SendKeys(chromedp.ID("search-q"), "Trawler"))
			click(t, tab, `.search-form button[type=submit]`)
			if got := webtest.Eval[string](t, tab, `location.pathname + location.search`); got != "/live/"+ev.Slug+"/search?q=Trawler" {
				t.Fatalf("the form led to %s", got)
			}
			hits := webtest.Eval[[]string](t, tab, `[...document.querySelectorAll(".search-hit-title a")].map(a => a.getAttribute("href"))`)
			if want := fmt.Sprintf("/live/%s/posts/%d", ev.Slug, target.ID); len(hits) != 1 || hits[0] != want {
				t.Fatalf("results link to %v, want only %s (not the draft %d)", hits, want, draft.ID)
			}
			if got := webtest.Eval[[]string](t, tab, `[...document.querySelectorAll(".search-hit mark")].map(m => m.textContent)`); len(got) != 1 || got[0] != "trawler" {
				t.Errorf("marked words %q, want [trawler]", got)
			}
			click(t, tab, `.search-hit-title a`)
			if got := webtest.Eval[string](t, tab, `location.pathname`); got != fmt.Sprintf("/live/%s/posts/%d", ev.Slug, target.ID) {
				t.Errorf("the result led to %s", got)
			}
			if !webtest.Eval[bool](t, tab, fmt.Sprintf(`!!document.getElementById("post-%d")`, target.ID)) {
				t.Errorf("the permalink page does not show the post")
			}
		})
	}
	t.Run("EmptySearch", func(t *testing.T) {
		tab := browserTab.NewTab(t)
		load(t, tab, env.ts.URL+"/live/"+ev.Slug+"/search?q=++")
		if got := webtest.Eval[string](t, tab, `document.getElementById("search-error").textContent`); got != "Type a word to search for." {
			t.Errorf("message %q", got)
		}
		if got := webtest.Eval[string](t, tab, `document.getElementById("search-q").getAttribute("aria-describedby")`); got != "search-error" {
			t.Errorf("the field is not described by the message: %q", got)
		}
	})
	t.Run("DeskDraft", func(t *testing.T) {
		tab := browserTab.NewTab(t)
		load(t, tab, env.ts.URL+"/desk/login")
		tab.Do(t,
			chromedp.SendKeys(chromedp.ID("email"), env.editor.Email),
			chromedp.SendKeys(chromedp.ID("password"), deskPassword),
		)
		click(t, tab, `form[action="/desk/login"] button[type=submit]`)
		click(t, tab, `.desk-nav a[href="/desk/search"]`)
		tab.Do(t, chromedp.SendKeys(chromedp.ID("search-q"), "trawl*"))
		if _, err := chromedp.Run(tab.Ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Submit(chromedp.ID("search-q")))); err != nil {
			t.Fatal(err)
		}
		got := webtest.Eval[[]string](t, tab, `[...document.querySelectorAll(".search-hit")].map(h => h.dataset.post)`)
		if len(got) != 2 || got[0] != fmt.Sprint(draft.ID) || got[1] != fmt.Sprint(target.ID) {
			t.Errorf("the desk found posts %v, want the draft %d (its headline) then %d", got, draft.ID, target.ID)
		}
	})
}
