package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveblog/liveblog/demo"
)

// maxScreenshotSize keeps the committed images light for a clone and for the
// README that shows them.
const maxScreenshotSize = 400 << 10

// TestScreenshots writes docs/screenshot.png and docs/screenshot-phone.png
// from the demo's reader page:
//
//	LIVEBLOG_SCREENSHOTS=1 go test -run TestScreenshots ./cmd/liveblog/
func TestScreenshots(t *testing.T) {
	if os.Getenv("LIVEBLOG_SCREENSHOTS") != "1" {
		t.Skip("set LIVEBLOG_SCREENSHOTS=1 to write docs/screenshot.png and docs/screenshot-phone.png")
	}
	for _, shot := range []struct {
		name          string
		width, height int64
		scale         float64
		file          string
	}{
		{"Desktop", 1280, 900, 1, "screenshot.png"},
		{"Phone", 390, 844, 1, "screenshot-phone.png"},
	} {
		t.Run(shot.name, func(t *testing.T) {
			b := newBrowser(t, shot.width, shot.height, shot.scale)
			// The newsroom stays still: a post arriving mid-capture would
			// show a half-drawn page.
			in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}, Demo: true, NewsroomInterval: time.Hour})
			b.do(t, "load the demo", chromedp.Navigate(in.url+"/live/"+demo.Slug), chromedp.WaitVisible(chromedp.ID("posts")))
			// Every image on screen has arrived and decoded, and the fonts
			// are in: a capture before that shows gaps.
			b.waitFor(t, "the images on screen", `document.fonts.status === "loaded" &&
				[...document.images].filter((img) => img.getBoundingClientRect().top < innerHeight)
					.every((img) => img.complete && img.naturalWidth > 0)`)
			png := evaluateScreenshot(t, b)
			if len(png) > maxScreenshotSize {
				t.Errorf("%s is %d KiB, want at most %d KiB", shot.file, len(png)>>10, maxScreenshotSize>>10)
			}
			path := filepath.Join("..", "..", "docs", shot.file)
			if err := os.WriteFile(path, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d KiB)", path, len(png)>>10)
		})
	}
}

// evaluateScreenshot captures the viewport as PNG.
func evaluateScreenshot(t *testing.T, b *browser) []byte {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return png
}
