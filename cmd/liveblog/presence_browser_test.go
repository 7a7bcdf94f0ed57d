package main

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/web/webtest"
)

// TestDeskPresence opens one event's desk in two browsers as two editors:
// the second must see the first, and the post she has open, so that they do
// not write the same update.
func TestDeskPresence(t *testing.T) {
	dir := t.TempDir()
	in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}})
	t.Setenv("LIVEBLOG_PASSWORD", "correct horse battery")
	for _, u := range [][]string{
		{"ana@example.com", "Ana Reyes"},
		{"bob@example.com", "Bob Editor"},
	} {
		if _, stderr, err := runCLI(t, dir, "", "user", "create", "--editor", "--email", u[0], "--name", u[1]); err != nil {
			t.Fatalf("user create: %v\n%s", err, stderr)
		}
	}
	api := &apiClient{base: in.url, token: createToken(t, dir)}
	var ev liveblog.Event
	api.send(t, "POST", "/api/v1/events", 0, map[string]any{"slug": "ferries", "title": "Ferries"}, 201, &ev)
	var p liveblog.Post
	api.send(t, "POST", "/api/v1/events/ferries/posts", 0, map[string]any{"headline": "Ferries cancelled until noon"}, 201, &p)
	post := "#live #post-" + strconv.FormatInt(p.ID, 10)

	ana := webtest.Start(t, webtest.Options{Width: 1400, Height: 1000})
	signIn(t, ana, in.url, "ana@example.com")
	ana.Do(t, chromedp.Navigate(in.url+"/desk/events/ferries"), chromedp.WaitVisible(chromedp.ID("composer")))
	webtest.Wait[bool](t, ana, `!!document.querySelector("`+post+` .desk-edit")`)
	ana.Do(t, chromedp.Click(chromedp.CSS(post+` .desk-edit`)))
	webtest.Wait[bool](t, ana, `document.getElementById("headline").value === "Ferries cancelled until noon"`)

	bob := webtest.Start(t, webtest.Options{Width: 1400, Height: 1000})
	signIn(t, bob, in.url, "bob@example.com")
	bob.Do(t, chromedp.Navigate(in.url+"/desk/events/ferries"), chromedp.WaitVisible(chromedp.ID("composer")))

	t.Run("SecondSeesFirstEditing", func(t *testing.T) {
		got := webtest.Wait[string](t, bob, `document.querySelector("#presence li[data-post]")?.textContent || ""`)
		if want := "Ana Reyes is editing “Ferries cancelled until noon”"; got != want {
			t.Errorf("presence = %q, want %q", got, want)
		}
		if webtest.Eval[bool](t, bob, `document.getElementById("presence").hidden`) {
			t.Error("presence list is hidden")
		}
	})
	t.Run("FirstSeesSecond", func(t *testing.T) {
		webtest.Wait[bool](t, ana, `document.getElementById("presence").textContent === "Bob Editor is on this desk"`)
	})
	t.Run("SamePostWarns", func(t *testing.T) {
		bob.Do(t, chromedp.Click(chromedp.CSS(post+` .desk-edit`)))
		webtest.Wait[bool](t, bob, `!!document.querySelector("#presence li.presence-same[data-post='`+strconv.FormatInt(p.ID, 10)+`']")`)
	})
}
