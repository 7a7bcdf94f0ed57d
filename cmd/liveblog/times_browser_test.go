package main

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// TestReaderTimesOnPhone opens, at phone width, the page of an event that has
// not started, and starts coverage through the API while it is open: the
// clock time of a post shows beside its age with no hover, the key points
// read "Updated ... · just now", and the "Coverage started" line arrives
// without a reload.
func TestReaderTimesOnPhone(t *testing.T) {
	b := newBrowser(t, 375, 812, 2)
	in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}})
	api := &apiClient{base: in.url, token: createToken(t, in.app.Config.DataDir)}
	var ev liveblog.Event
	api.send(t, http.MethodPost, "/api/v1/events", 0, map[string]any{
		"slug": "e2e-times", "title": "Times on a phone", "time_zone": "Asia/Tokyo",
	}, http.StatusCreated, &ev)
	if ev.State != liveblog.CoverageScheduled {
		t.Fatalf("new event is %s, want scheduled", ev.State)
	}
	p := api.createPost(t, ev.Slug, "Before the start")
	var summed liveblog.Event
	api.send(t, http.MethodPut, "/api/v1/events/"+ev.Slug+"/summary", ev.Version,
		map[string]any{"points": []string{"A key point"}}, http.StatusOK, &summed)

	b.do(t, "load the page", chromedp.Navigate(in.url+"/live/"+ev.Slug), chromedp.WaitVisible(chromedp.ID("posts")))
	b.do(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__e2eLoaded = true`))
	b.waitFor(t, "the stream to open", `__e2e.sources.length === 1 && __e2e.sources[0].readyState === EventSource.OPEN`)
	if got := evaluate[bool](t, b, `!!document.querySelector(".coverage-time")`); got {
		t.Fatalf("a scheduled event's page says coverage started")
	}

	loc := ev.Location()
	sel := strconv.Quote(fmt.Sprintf("#post-%d .post-time time", p.ID))
	// The clock time, in the event's zone, then the age.
	want := render.FormatTime(p.PublishedAt, loc) + " · just now"
	if got := evaluate[string](t, b, `document.querySelector(`+sel+`).textContent`); got != want {
		t.Errorf("post time %q, want %q", got, want)
	}
	// Visible as it is: on the screen, whole, with no hover or focus.
	fits := `(() => {
		const t = document.querySelector(` + sel + `), r = t.getBoundingClientRect();
		return t.checkVisibility() && r.width > 0 && r.left >= 0 && r.right <= innerWidth;
	})()`
	if !evaluate[bool](t, b, fits) {
		t.Errorf("the post's time is not on a 375 px screen: %s", evaluate[string](t, b, `JSON.stringify(document.querySelector(`+sel+`).getBoundingClientRect())`))
	}
	if got, want := evaluate[string](t, b, `document.querySelector(".summary-updated").textContent`),
		"Updated "+render.FormatClock(summed.Summary.UpdatedAt, loc)+" · just now"; got != want {
		t.Errorf("key points say %q, want %q", got, want)
	}

	var live liveblog.Event
	api.send(t, http.MethodPut, "/api/v1/events/"+ev.Slug+"/coverage", summed.Version, map[string]any{"state": "live"}, http.StatusOK, &live)
	line := "Coverage started " + render.FormatTime(live.CoverageStartedAt, loc) + " · just now"
	b.waitFor(t, "the coverage started line", fmt.Sprintf(`document.querySelector(".event-status .coverage-time")?.textContent === %q`, line))
	if got := evaluate[string](t, b, `document.querySelector(".live-badge").textContent`); got != "LIVE" {
		t.Errorf("badge %q, want LIVE", got)
	}
	if !evaluate[bool](t, b, `window.__e2eLoaded === true`) {
		t.Errorf("the page reloaded")
	}

	// The age is in the event's language.
	var fr liveblog.Event
	api.send(t, http.MethodPost, "/api/v1/events", 0, map[string]any{
		"slug": "e2e-temps", "title": "En direct", "language": "fr", "state": "live",
	}, http.StatusCreated, &fr)
	q := api.createPost(t, fr.Slug, "Avant")
	b.do(t, "load the French page", chromedp.Navigate(in.url+"/live/"+fr.Slug), chromedp.WaitVisible(chromedp.ID("posts")))
	sel = strconv.Quote(fmt.Sprintf("#post-%d .post-time time", q.ID))
	if got, want := evaluate[string](t, b, `document.querySelector(`+sel+`).textContent`),
		render.FormatTime(q.PublishedAt, fr.Location())+" · maintenant"; got != want {
		t.Errorf("French post time %q, want %q", got, want)
	}
}
