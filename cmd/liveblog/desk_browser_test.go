package main

import (
	"bytes"
	"context"
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
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
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
		// Starting and ending coverage do not look alike.
		if same := webtest.Eval[bool](t, ann, `(() => {
			const look = (sel) => { const s = getComputedStyle(document.querySelector(sel)); return [s.color, s.backgroundColor, s.borderColor].join() };
			return look("#coverage button.coverage-live") === look("#coverage button.coverage-ended");
		})()`); same {
			t.Errorf("the Start and End coverage buttons look the same")
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

	step("MissingAltTextBesideField", func(t *testing.T) {
		ann.Do(t,
			chromedp.SendKeys(chromedp.ID("headline"), "Flooded underpass"),
			chromedp.Click(chromedp.CSS(`[data-add=image]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#blocks .block[data-type=image] input[type=file]`), []string{photo}),
		)
		webtest.Wait[bool](t, ann, `document.querySelector("#blocks .block[data-type=image] [data-field=src]").value.startsWith("/media/")`)
		// Every field of the image block has a visible label of its own.
		for _, field := range []string{"alt", "caption", "credit"} {
			label := webtest.Eval[string](t, ann, `(() => {
				const input = document.querySelector("#blocks .block[data-type=image] [data-field=`+field+`]");
				const label = input.labels[0];
				return label && label.checkVisibility() ? label.textContent : "";
			})()`)
			if label == "" {
				t.Errorf("the image's %s field has no visible label", field)
			}
		}
		ann.Do(t, chromedp.Click(chromedp.ID("publish")))
		// The refusal is beside the alt text field, which says so to a
		// screen reader, is in view and has the focus; the status line (a
		// live region) announces it.
		const alt = `document.querySelector("#blocks .block[data-type=image] [data-field=alt]")`
		webtest.Wait[bool](t, ann, alt+`.getAttribute("aria-invalid") === "true" && document.getElementById("composer-status").textContent.startsWith("Not saved")`)
		checks := map[string]string{
			"message beside the field": alt + `.nextElementSibling.classList.contains("field-error") && ` + alt + `.nextElementSibling.textContent.includes("alt text")`,
			"described by it":          `document.getElementById(` + alt + `.getAttribute("aria-describedby")) === ` + alt + `.nextElementSibling`,
			"focused":                  `document.activeElement === ` + alt,
			"in view":                  `(() => { const r = ` + alt + `.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight })()`,
			"announced":                `document.getElementById("composer-status").getAttribute("role") === "status" && document.getElementById("composer-status").textContent.includes("alt text")`,
		}
		for what, js := range checks {
			if !webtest.Eval[bool](t, ann, js) {
				t.Errorf("missing alt text: %s: %s is false", what, js)
			}
		}
		ann.Do(t,
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=image] [data-field=alt]`), "Water up to the railings"),
			chromedp.Click(chromedp.ID("publish")),
		)
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent === "Published." && !document.querySelector("#composer .field-error, #composer [aria-invalid]")`)
		webtest.Wait[bool](t, reader, `[...document.querySelectorAll("#posts figure.image img")].some(i => i.alt === "Water up to the railings")`)
		// "Published." is about the post that left; the next one starts
		// clean. (It stays a draft, which the next step saves.)
		ann.Do(t, chromedp.SendKeys(chromedp.ID("headline"), "Flood defences hold"))
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent !== "Published."`)
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

	step("EditEvent", func(t *testing.T) {
		ann.Do(t,
			chromedp.Click(chromedp.CSS(`.event-editor summary`)),
			chromedp.WaitVisible(chromedp.ID("event-zone-edit")),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("event-zone-edit").value = ""`),
			chromedp.SendKeys(chromedp.ID("event-zone-edit"), "Mars/Olympus_Mons"),
			chromedp.Click(chromedp.CSS(`#event-form button[type=submit]`)),
		)
		// A refusal names its field, beside the form.
		webtest.Wait[bool](t, ann, `document.getElementById("event-zone-edit").getAttribute("aria-invalid") === "true" &&
			document.getElementById("event-form-error").textContent.includes("time zone") &&
			document.getElementById("event-zone-edit").getAttribute("aria-describedby") === "event-form-error"`)
		ann.Do(t,
			chromedp.Evaluate[chromedp.Void](`document.getElementById("event-zone-edit").value = ""; document.getElementById("event-title-edit").value = ""`),
			chromedp.SendKeys(chromedp.ID("event-zone-edit"), "Europe/Dublin"),
			chromedp.SendKeys(chromedp.ID("event-title-edit"), "Storm Éowyn: the clean-up"),
			chromedp.SendKeys(chromedp.ID("event-description-edit"), "Roads reopen across the west."),
			chromedp.Click(chromedp.CSS(`#event-form button[type=submit]`)),
		)
		webtest.Wait[bool](t, ann, `document.getElementById("desk-event-title").textContent === "Storm Éowyn: the clean-up" &&
			document.getElementById("event-form-error").hidden && !document.querySelector("#event-form [aria-invalid]")`)
		// Open reader pages hear of it through the feed.
		webtest.Wait[bool](t, reader, `document.getElementById("event-title").textContent === "Storm Éowyn: the clean-up" &&
			document.getElementById("event-description").textContent === "Roads reopen across the west."`)
	})

	step("GuestByline", func(t *testing.T) {
		ann.Do(t,
			chromedp.SendKeys(chromedp.ID("headline"), "Shelling reported in the east"),
			chromedp.Click(chromedp.CSS(`#byline-new summary`)),
			chromedp.SendKeys(chromedp.ID("byline-name"), "Olena K."),
			chromedp.SendKeys(chromedp.ID("byline-role"), "Our correspondent in Kyiv"),
			chromedp.SendKeys(chromedp.ID("byline-url"), "javascript:alert(1)"),
			chromedp.Click(chromedp.ID("byline-add")),
		)
		// A link readers could not follow is refused beside its field.
		webtest.Wait[bool](t, ann, `document.getElementById("byline-url").getAttribute("aria-invalid") === "true" &&
			document.getElementById("byline-url").nextElementSibling.classList.contains("field-error")`)
		ann.Do(t,
			chromedp.Evaluate[chromedp.Void](`document.getElementById("byline-url").value = ""`),
			chromedp.SendKeys(chromedp.ID("byline-url"), "https://example.org/olena\r"),
		)
		webtest.Wait[bool](t, ann, `!!document.querySelector('#bylines input[data-guest][data-name="Olena K."]:checked') && document.getElementById("byline-name").value === ""`)
		ann.Do(t, chromedp.Click(chromedp.ID("publish")))
		webtest.Wait[bool](t, ann, `document.getElementById("composer-status").textContent === "Published."`)
		webtest.Wait[bool](t, reader, `[...document.querySelectorAll("#posts a.byline-name")].some(a => a.textContent === "Olena K." && a.href === "https://example.org/olena")`)
		// The guest stays on offer, unticked, for the next post, and the
		// account's own byline is ticked again.
		if !webtest.Eval[bool](t, ann, `!document.querySelector('#bylines input[data-guest][data-name="Olena K."]').checked && document.querySelector("#bylines input[data-mine]").checked`) {
			t.Errorf("after publishing, the bylines are not back to the account's own with the guest on offer")
		}
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
		// The "Updated." of the post before does not stay on the new one.
		webtest.Wait[bool](t, ann, `document.getElementById("composer-heading").textContent === "New post" && document.getElementById("composer-status").textContent === ""`)
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
		// The live view's badge says what readers' says.
		if got := webtest.Eval[string](t, ann, `document.querySelector("#live .live-badge").textContent`); got != "LIVE" {
			t.Errorf("the desk's live view badge says %q, want LIVE as on the reader page", got)
		}
		ann.Do(t, chromedp.Click(chromedp.CSS(`#queue li[data-status=draft] [data-edit]`)))
		webtest.Wait[bool](t, ann, `document.getElementById("headline").value === "Draft in progress" &&
			document.querySelector("#blocks .block[data-type=text] textarea").value === "Half a _thought_" &&
			document.getElementById("composer-heading").textContent === "Draft"`)
		if webtest.Eval[bool](t, reader, `document.body.textContent.includes("Draft in progress")`) {
			t.Errorf("readers see a draft")
		}
	})

	step("EndingAsksFirst", func(t *testing.T) {
		end := chromedp.Click(chromedp.CSS(`#coverage button.coverage-ended`))
		if q := answerDialog(t, ann, false, end); !bytes.Contains([]byte(q), []byte("End coverage?")) {
			t.Errorf("ending coverage asked %q", q)
		}
		if got := webtest.Eval[string](t, ann, `document.querySelector("#live .live-badge").dataset.state`); got != "live" {
			t.Fatalf("after saying no, coverage is %s", got)
		}
		answerDialog(t, ann, true, end)
		webtest.Wait[bool](t, reader, `document.querySelector(".live-badge").textContent === "Coverage ended"`)
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

// answerDialog runs click, which opens a dialog (a confirm), answers it with
// accept as a person would, and returns the question it asked.
func answerDialog(t *testing.T, tab *webtest.Tab, accept bool, click chromedp.Action[chromedp.Void]) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, 30*time.Second)
	defer cancel()
	asked := make(chan string, 1)
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for e, err := range opening {
			if err != nil {
				return
			}
			asked <- e.Message
			// Answered from another goroutine than the one reading events.
			go chromedp.Do(tab.Ctx, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
				_, err := cdp.Call(ctx, target, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
				return err
			}))
			return
		}
	}()
	tab.Do(t, click)
	select {
	case q := <-asked:
		return q
	case <-ctx.Done():
		t.Fatal("no dialog opened")
		return ""
	}
}
