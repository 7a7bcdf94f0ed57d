package main

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog/web/webtest"
)

// TestDeskPhone runs the desk as a reporter in the field has it: a 375 px
// touch screen and a connection that drops. The composer fits, every
// control is large enough for a finger, the image input offers the camera,
// and a publish that fails for want of a connection keeps the post, says
// so, and gives it back after a reload.
func TestDeskPhone(t *testing.T) {
	dir := t.TempDir()
	in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}})
	t.Setenv("LIVEBLOG_PASSWORD", "correct horse battery")
	if _, stderr, err := runCLI(t, dir, "", "user", "create", "--editor", "--email", "ann@example.com", "--name", "Ann Editor"); err != nil {
		t.Fatalf("user create: %v\n%s", err, stderr)
	}
	phone := webtest.Start(t, webtest.Options{Width: 375, Height: 812})
	call := func(f func(ctx context.Context, target *chromedp.Target) error) { phone.Do(t, chromedp.Func(f)) }
	call(func(ctx context.Context, target *chromedp.Target) error {
		// A window is no narrower than 500 px; the phone's screen is set.
		if _, err := cdp.Call(ctx, target, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 375, Height: 812, DeviceScaleFactor: 2, Mobile: true}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, target, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: 5})
		return err
	})
	offline := func(off bool) {
		call(func(ctx context.Context, target *chromedp.Target) error {
			if _, err := cdp.Call(ctx, target, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, target, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
				MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}})
			return err
		})
	}
	signIn(t, phone, in.url, "ann@example.com")
	phone.Do(t,
		chromedp.SendKeys(chromedp.ID("event-title-input"), "Flooding: live"),
		chromedp.SendKeys(chromedp.ID("event-slug"), "flooding"),
		chromedp.Click(chromedp.CSS(`form[action="/desk/events"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("composer")),
		chromedp.Click(chromedp.CSS(`#coverage button.coverage-live`)),
		chromedp.Click(chromedp.CSS(`[data-add=image]`)),
	)
	webtest.Wait[bool](t, phone, `document.querySelector("#live .live-badge").dataset.state === "live"`)
	if webtest.Eval[bool](t, phone, `navigator.maxTouchPoints < 1`) {
		t.Fatal("touch emulation is off")
	}

	t.Run("Fits", func(t *testing.T) {
		if w := webtest.Eval[int](t, phone, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("the desk is %d px wide on a 375 px screen: %v", w, webtest.Eval[[]string](t, phone, `[...document.querySelectorAll("body *")].filter(el => el.getBoundingClientRect().right > 376).map(el => el.tagName + "." + el.className + "#" + el.id + " " + Math.round(el.getBoundingClientRect().right)).slice(0, 12)`))
		}
		if got := webtest.Eval[string](t, phone, `document.querySelector("#blocks .block[data-type=image] input[type=file]").accept`); got != "image/*" {
			t.Errorf("image input accepts %q, want image/* (which offers the camera)", got)
		}
		small := webtest.Eval[[]string](t, phone, `[...document.querySelectorAll("#composer button, #composer input:not([type=hidden]):not([type=checkbox]), #composer summary, #composer label:has(input[type=checkbox])")]
			.filter(el => el.checkVisibility())
			.filter(el => { const r = el.getBoundingClientRect(); return r.height < 44 || (el.tagName === "BUTTON" && r.width < 44) })
			.map(el => el.outerHTML.slice(0, 80) + " " + Math.round(el.getBoundingClientRect().width) + "x" + Math.round(el.getBoundingClientRect().height))`)
		if n := webtest.Eval[int](t, phone, `[...document.querySelectorAll("#composer button, #composer input:not([type=hidden])")].filter(el => el.checkVisibility()).length`); n < 10 {
			t.Fatalf("only %d controls of the composer are visible", n)
		}
		for _, el := range small {
			t.Errorf("touch target smaller than 44 px: %s", el)
		}
	})

	t.Run("FailedPublishKeepsThePost", func(t *testing.T) {
		phone.Do(t, chromedp.Click(chromedp.CSS(`#blocks .block[data-type=image] [data-remove]`)))
		offline(true)
		phone.Do(t,
			chromedp.SendKeys(chromedp.ID("headline"), "River bursts its banks"),
			chromedp.SendKeys(chromedp.CSS(`#blocks .block[data-type=text] textarea`), "Water reaches the square."),
			chromedp.Click(chromedp.ID("publish")),
		)
		webtest.Wait[bool](t, phone, `document.getElementById("composer-status").textContent.includes("kept here and on this device")`)
		if got := webtest.Eval[string](t, phone, `document.getElementById("headline").value`); got != "River bursts its banks" {
			t.Errorf("after a failed publish the headline is %q", got)
		}
		// The tab is reloaded once the connection is back: the post is
		// still there, and publishes.
		offline(false)
		phone.Do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("composer")))
		webtest.Wait[bool](t, phone, `document.getElementById("headline").value === "River bursts its banks" &&
			document.querySelector("#blocks .block[data-type=text] textarea").value === "Water reaches the square." &&
			document.getElementById("composer-status").textContent.includes("is back")`)
		phone.Do(t, chromedp.Click(chromedp.ID("publish")))
		webtest.Wait[bool](t, phone, `document.getElementById("composer-status").textContent === "Published."`)
		// The live view, below the composer on a phone, may hold it back
		// behind its "new post" button, as the reader page does for a reader
		// who has scrolled.
		const shown = `[...document.querySelectorAll("#live .post-headline")].some(h => h.textContent === "River bursts its banks")`
		webtest.Wait[bool](t, phone, shown+` || document.getElementById("new-posts").textContent === "1 new post"`)
		if !webtest.Eval[bool](t, phone, shown) {
			phone.Do(t, chromedp.Click(chromedp.ID("new-posts")))
			webtest.Wait[bool](t, phone, shown)
		}
		if webtest.Eval[bool](t, phone, `localStorage.length !== 0`) {
			t.Errorf("the device still keeps a post the server has")
		}
	})
}
