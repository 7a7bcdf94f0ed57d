package main

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog/capture"
	"github.com/liveblog/liveblog/media"
	"github.com/liveblog/liveblog/netguard"
	"github.com/liveblog/liveblog/web/webtest"
)

// TestDeskBrowser runs the newsroom desk of the real instance in headless
// Chromium: an editor signs in, creates an event and writes a post with a
// list, a quote and an uploaded photo, publishes it with Ctrl+Enter, and a
// reader's page, open in another browser, shows it without a reload. Then
// a correction, a colleague's stale edit, and a scheduled post that the
// instance's scheduler publishes.
func TestDeskBrowser(t *testing.T) {
	dir := t.TempDir()
	in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}, Capture: fakeYouTube(t, dir)})
	t.Setenv("LIVEBLOG_PASSWORD", "correct horse battery")
	for _, u := range [][]string{
		{"--editor", "ann@example.com", "Ann Editor", "Live editor"},
		{"--editor", "bob@example.com", "Bob Editor", "Night editor"},
	} {
		if _, stderr, err := runCLI(t, dir, "", "user", "create", u[0], "--email", u[1], "--name", u[2], "--byline-role", u[3]); err != nil {
			t.Fatalf("user create: %v\n%s", err, stderr)
		}
	}
	photo := filepath.Join(t.TempDir(), "crowd.jpg")
	writePhoto(t, photo, 1200, 800)

	ann := webtest.Start(t, webtest.Options{Width: 1400, Height: 1000})
	signIn(t, ann, in.url, "ann@example.com")

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	const slug = "storm-live"
	step("CreateEvent", func(t *testing.T) {
		ann.Do(t,
			chromedp.SendKeys(chromedp.ID("event-title-input"), "Storm Éowyn: live"),
			chromedp.SendKeys(chromedp.ID("event-slug"), slug),
			chromedp.Click(chromedp.CSS(`form[action="/desk/events"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.ID("composer")),
		)
		if got := webtest.Eval[string](t, ann, `location.pathname`); got != "/desk/events/"+slug {
			t.Fatalf("after creating the event the desk is at %s", got)
		}
		ann.Do(t, chromedp.Click(chromedp.CSS(`#coverage button.coverage-live`)))
		// The live view's badge follows the stream, and the buttons follow
		// the badge.
		webtest.Wait[bool](t, ann, `document.querySelector("#live .live-badge").dataset.state === "live" &&
			!document.querySelector('#coverage form[data-from~="live"]').hidden`)
	})

	reader := webtest.Start(t, webtest.Options{Width: 500, Height: 900})
	reader.Do(t, chromedp.Navigate(in.url+"/live/"+slug), chromedp.WaitVisible(chromedp.ID("posts")))

	var postID string
	step("ComposeAndPublishWithShortcut", func(t *testing.T) {
		ann.Do(t,
			chromedp.SendKeys(chromedp.ID("headline"), "Trees down across the city"),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=text] textarea`), "Crews are **clearing** roads; see [the council](https://example.gov.uk/storm)."),
			chromedp.Click(chromedp.CSS(`[data-add=list]`)),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=list] textarea`), "North Road closed\nRiver Street closed"),
			chromedp.Click(chromedp.CSS(`[data-add=quote]`)),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=quote] textarea`), "Stay indoors tonight."),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=quote] [data-field=attribution]`), "The mayor"),
			chromedp.Click(chromedp.CSS(`[data-add=image]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#blocks .block[data-type=image] input[type=file]`), []string{photo}),
		)
		webtest.Wait[bool](t, ann, `document.querySelector("#blocks .block[data-type=image] [data-field=src]").value.startsWith("/media/")`)
		ann.Do(t,
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=image] [data-field=alt]`), "A fallen oak across a road"),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=image] [data-field=caption]`), "North Road this morning"),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=image] [data-field=credit]`), "Desk photographer"),
			chromedp.Focus(chromedp.ID("headline")),
			chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		)
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent === "Published."`)

		// The reader's page shows it, live.
		postID = webtest.Wait[string](t, reader, `[...document.querySelectorAll("#posts article.post")].find(a => a.textContent.includes("Trees down across the city"))?.id || ""`)
		checks := map[string]string{
			"bold":        `document.querySelector("#` + postID + ` strong").textContent === "clearing"`,
			"link":        `document.querySelector("#` + postID + ` a[href='https://example.gov.uk/storm']").textContent === "the council"`,
			"list":        `document.querySelectorAll("#` + postID + ` .post-body ul li").length === 2`,
			"quote":       `document.querySelector("#` + postID + ` blockquote").textContent.includes("Stay indoors tonight.") && document.querySelector("#` + postID + ` cite").textContent === "The mayor"`,
			"image":       `document.querySelector("#` + postID + ` figure.image img").alt === "A fallen oak across a road"`,
			"srcset":      `document.querySelector("#` + postID + ` figure.image img").srcset.includes("-320.jpg 320w")`,
			"credit":      `document.querySelector("#` + postID + ` .credit").textContent.includes("Desk photographer")`,
			"byline":      `document.querySelector("#` + postID + ` .byline-name").textContent === "Ann Editor"`,
			"no reload":   `performance.getEntriesByType("navigation").length === 1`,
			"image loads": `(() => { const i = document.querySelector("#` + postID + ` figure.image img"); return i.complete && i.naturalWidth > 0 })()`,
		}
		for what, js := range checks {
			if what == "image loads" {
				reader.Do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector("#`+postID+` figure.image img").loading = "eager"`))
				webtest.Wait[bool](t, reader, js)
				continue
			}
			if !webtest.Eval[bool](t, reader, js) {
				t.Errorf("reader page: %s: %s is false", what, js)
			}
		}
		// The composer is ready for the next post.
		if got := webtest.Eval[string](t, ann, `document.getElementById("headline").value`); got != "" {
			t.Errorf("headline after publishing = %q, want empty", got)
		}
	})

	step("EmbedFacadeBeforePublishing", func(t *testing.T) {
		// A pasted YouTube address brings its captured title and author
		// into the composer; the preview is the facade readers will see,
		// the journalist corrects the title, and the reader gets it with
		// no request to YouTube.
		ann.Do(t,
			chromedp.SendKeys(chromedp.ID("headline"), "The swell at the harbour"),
			chromedp.Click(chromedp.CSS(`[data-add=embed]`)),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=embed] [data-field=url]`), "https://www.youtube.com/watch?v=StormElowen"),
			chromedp.Focus(chromedp.CSS(`#blocks .block[data-type=embed] [data-field=title]`)),
		)
		webtest.Wait[bool](t, ann, `document.querySelector("#blocks .block[data-type=embed] [data-field=author]").value === "Harbour Cam"`)
		if got := webtest.Eval[string](t, ann, `document.querySelector("#blocks .block[data-type=embed] [data-field=title]").value`); got != "Swell at the harbur" {
			t.Errorf("captured title %q", got)
		}
		ann.Do(t,
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#blocks .block[data-type=embed] [data-field=title]").value = ""`),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=embed] [data-field=title]`), "Swell at the harbour"),
			chromedp.Click(chromedp.ID("preview-button")),
		)
		webtest.Wait[bool](t, ann, `document.querySelector('#preview .facade[data-provider="youtube"] .facade-title')?.textContent === "Swell at the harbour"`)
		ann.Do(t, chromedp.Focus(chromedp.ID("headline")), chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent === "Published."`)
		webtest.Wait[bool](t, reader, `[...document.querySelectorAll("#posts .facade .facade-title")].some(e => e.textContent === "Swell at the harbour")`)
		if got := webtest.Eval[string](t, reader, `document.querySelector("#posts .facade .facade-author").textContent`); got != "Harbour Cam" {
			t.Errorf("reader's facade author %q", got)
		}
		if n := webtest.Eval[int](t, reader, `performance.getEntriesByType("resource").filter(e => !e.name.startsWith(location.origin)).length`); n != 0 {
			t.Errorf("the reader's page made %d requests elsewhere", n)
		}
	})

	step("EditWithCorrectionNote", func(t *testing.T) {
		ann.Do(t, chromedp.Click(chromedp.CSS(`#live #`+postID+` .desk-edit`)))
		webtest.Wait[bool](t, ann, `document.getElementById("headline").value === "Trees down across the city" && !document.getElementById("correction").hidden`)
		ann.Do(t,
			chromedp.Evaluate[chromedp.Void](`document.getElementById("headline").value = ""`),
			chromedp.SendKeys(chromedp.ID("headline"), "Hundreds of trees down across the city"),
			chromedp.SendKeys(chromedp.ID("correction-note"), "An earlier version understated the damage."),
			chromedp.Click(chromedp.ID("publish")),
		)
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent === "Updated."`)
		webtest.Wait[bool](t, reader, `document.querySelector("#`+postID+` .post-headline")?.textContent === "Hundreds of trees down across the city" &&
			document.querySelector("#`+postID+` .correction-note")?.textContent === "An earlier version understated the damage."`)
	})

	step("StaleEditShowsConflict", func(t *testing.T) {
		bob := webtest.Start(t, webtest.Options{Width: 1400, Height: 1000})
		signIn(t, bob, in.url, "bob@example.com")
		bob.Do(t, chromedp.Navigate(in.url+"/desk/events/"+slug), chromedp.WaitVisible(chromedp.ID("composer")))
		webtest.Wait[bool](t, bob, `!!document.querySelector("#live #`+postID+` .desk-edit")`)
		bob.Do(t, chromedp.Click(chromedp.CSS(`#live #`+postID+` .desk-edit`)))
		webtest.Wait[bool](t, bob, `document.getElementById("headline").value === "Hundreds of trees down across the city"`)

		// Ann saves first.
		ann.Do(t, chromedp.Click(chromedp.CSS(`#live #`+postID+` .desk-edit`)))
		webtest.Wait[bool](t, ann, `document.getElementById("publish").textContent === "Update"`)
		ann.Do(t,
			chromedp.Evaluate[chromedp.Void](`document.getElementById("headline").value = ""`),
			chromedp.SendKeys(chromedp.ID("headline"), "Storm fells hundreds of trees"),
			chromedp.Click(chromedp.ID("publish")),
		)
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent === "Updated."`)

		// Bob, still on the version he opened, is told and shown hers.
		bob.Do(t,
			chromedp.Evaluate[chromedp.Void](`document.getElementById("headline").value = ""`),
			chromedp.SendKeys(chromedp.ID("headline"), "Bob's stale headline"),
			chromedp.Click(chromedp.ID("publish")),
		)
		webtest.Wait[bool](t, bob, `!document.getElementById("conflict").hidden`)
		if got := webtest.Eval[string](t, bob, `document.getElementById("conflict-message").textContent`); !bytes.Contains([]byte(got), []byte("Someone else saved this post")) {
			t.Errorf("conflict message = %q", got)
		}
		if got := webtest.Eval[string](t, bob, `document.querySelector("#conflict-current .post-headline").textContent`); got != "Storm fells hundreds of trees" {
			t.Errorf("conflict shows %q, want Ann's headline", got)
		}
		if n := webtest.Eval[int](t, bob, `document.querySelectorAll("[id='`+postID+`']").length`); n != 1 {
			t.Errorf("%d elements have the post's id; the conflict view must not add one", n)
		}
		// Readers still see Ann's version.
		webtest.Wait[bool](t, reader, `document.querySelector("#`+postID+` .post-headline")?.textContent === "Storm fells hundreds of trees"`)
		// Loading hers puts it in the composer.
		bob.Do(t, chromedp.Click(chromedp.ID("conflict-load")))
		webtest.Wait[bool](t, bob, `document.getElementById("headline").value === "Storm fells hundreds of trees" && document.getElementById("conflict").hidden`)
	})

	step("RestoreFromHistory", func(t *testing.T) {
		ann.Do(t, chromedp.Click(chromedp.CSS(`#live #`+postID+` .desk-edit`)))
		webtest.Wait[bool](t, ann, `!document.getElementById("history-button").hidden`)
		ann.Do(t, chromedp.Click(chromedp.ID("history-button")))
		// Published, corrected, retitled: three states readers saw.
		webtest.Wait[bool](t, ann, `document.querySelectorAll("#history-list > li").length === 3`)
		ann.Do(t, chromedp.Click(chromedp.CSS(`#history-list > li:last-child [data-restore]`)))
		webtest.Wait[bool](t, ann, `document.getElementById("headline").value === "Trees down across the city"`)
		ann.Do(t, chromedp.Click(chromedp.ID("publish")))
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent === "Updated."`)
		webtest.Wait[bool](t, reader, `document.querySelector("#`+postID+` .post-headline")?.textContent === "Trees down across the city"`)
	})

	step("ScheduleGoesLive", func(t *testing.T) {
		ann.Do(t, chromedp.Click(chromedp.ID("new-post")))
		webtest.Wait[bool](t, ann, `document.getElementById("composer-heading").textContent === "New post"`)
		ann.Do(t,
			chromedp.SendKeys(chromedp.ID("headline"), "Curfew lifted"),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=text] textarea`), "The council lifts the curfew."),
			// An embed set by script, so that the composer does not capture
			// it: the capture follows the scheduler's publication.
			chromedp.Click(chromedp.CSS(`[data-add=embed]`)),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#blocks .block[data-type=embed] [data-field=url]").value = "https://youtu.be/CurfewLift0"`),
		)
		// Two seconds ahead: the instance's scheduler, not the test,
		// publishes it. datetime-local takes seconds when set by script.
		ann.Do(t,
			chromedp.Evaluate[chromedp.Void](`(() => {
				const d = new Date(Date.now() + 2000);
				const pad = (n) => String(n).padStart(2, "0");
				document.getElementById("schedule-at").value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
					"T" + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
			})()`),
			chromedp.Click(chromedp.ID("schedule")),
		)
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent.startsWith("Scheduled for")`)
		webtest.Wait[bool](t, reader, `[...document.querySelectorAll("#posts .post-headline")].some(h => h.textContent === "Curfew lifted")`)
		// The scheduled post's embed is captured once it is out, and the
		// reader's page gets it through the stream.
		webtest.Wait[bool](t, reader, `[...document.querySelectorAll("#posts article.post")].some(a => a.textContent.includes("Curfew lifted") &&
			a.querySelector(".facade-author")?.textContent === "Harbour Cam")`)
		// And it leaves the desk's queue once published.
		ann.Do(t, chromedp.Click(chromedp.ID("new-post")))
		webtest.Wait[bool](t, ann, `!!document.querySelector("#live .post-headline") && [...document.querySelectorAll("#live .post-headline")].some(h => h.textContent === "Curfew lifted")`)
	})

	step("DraftSurvivesReload", func(t *testing.T) {
		ann.Do(t,
			chromedp.Click(chromedp.ID("new-post")),
			chromedp.SendKeys(chromedp.ID("headline"), "Draft in progress"),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=text] textarea`), "Half a _thought_"),
		)
		// The desk saves on its own once typing stops.
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent.startsWith("Draft saved")`)
		// The tab is lost (a crash, a closed laptop); the desk opened again
		// lists the draft, and it opens where it was left.
		ann.Do(t, chromedp.Navigate(in.url+"/desk/events/"+slug), chromedp.WaitVisible(chromedp.ID("composer")))
		ann.Do(t, chromedp.Click(chromedp.CSS(`#queue li[data-status=draft] [data-edit]`)))
		webtest.Wait[bool](t, ann, `document.getElementById("headline").value === "Draft in progress" &&
			document.querySelector("#blocks .block[data-type=text] textarea").value === "Half a _thought_" &&
			document.getElementById("composer-heading").textContent === "Draft"`)
		if webtest.Eval[bool](t, reader, `document.body.textContent.includes("Draft in progress")`) {
			t.Errorf("readers see a draft")
		}
	})

	if n := webtest.Eval[int](t, reader, `performance.getEntriesByType("navigation").length`); n != 1 {
		t.Errorf("the reader's page loaded %d times; everything should have arrived live", n)
	}
}

// signIn signs in at the desk's form, as a person would.
func signIn(t *testing.T, tab *webtest.Tab, base, email string) {
	t.Helper()
	tab.Do(t,
		chromedp.Navigate(base+"/desk/"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`main.dashboard`)),
	)
}

// writePhoto writes a w×h JPEG with a gradient.
func writePhoto(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i / 7)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeYouTube serves YouTube's oEmbed answer on 127.0.0.2 and returns a
// fetcher that asks it, through a guard that allows that one address.
func fakeYouTube(t *testing.T, dataDir string) *capture.Fetcher {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	provider := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"title":"Swell at the harbur","author_name":"Harbour Cam","type":"video","width":200,"height":113,"html":"<iframe src=\"https://www.youtube.com/embed/StormElowen\"></iframe>"}`)
	}))
	provider.Listener.Close()
	provider.Listener = ln
	provider.Start()
	t.Cleanup(provider.Close)
	guard := &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}
	return &capture.Fetcher{Client: guard.Client(), Media: &media.Library{Dir: filepath.Join(dataDir, "media")}, Endpoints: map[string]string{"youtube": provider.URL}}
}
