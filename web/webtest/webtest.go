// Package webtest runs reader pages in headless Chromium for tests, so that
// every package whose tests drive a page finds, starts and gives up on the
// browser the same way.
//
// A machine without Chromium skips browser tests with a note, except on CI
// (CI=true), where a missing browser is a broken machine and the test fails:
// a suite that passes because its browser tests never ran proves nothing.
package webtest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds a whole browser test. A page that never does what a test
// waits for fails the test after this long instead of hanging the suite.
const Timeout = 90 * time.Second

// Chromium returns the path of a Chromium binary, skipping the test when
// there is none (failing it on CI) and in -short mode.
func Chromium(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on this CI machine: install the chromium package (.ci/run does)")
	}
	t.Skip("no Chromium on this machine; install chromium to run the browser tests")
	return ""
}

// Options change how the browser starts.
type Options struct {
	// Width and Height are the window's size; zero means 400×800, a phone.
	Width, Height int
	// Flags are extra command-line flags.
	Flags map[string]any
}

// Tab is a browser tab for one test.
type Tab struct {
	// Ctx is the chromedp context of the tab.
	Ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// Start starts a headless Chromium for t and opens a tab. The browser is
// closed when the test ends, which then fails if any page broke its
// Content-Security-Policy or threw an exception nothing caught.
func Start(t testing.TB, opts Options) *Tab {
	t.Helper()
	bin := Chromium(t)
	if opts.Width == 0 {
		opts.Width, opts.Height = 400, 800
	}
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(opts.Width, opts.Height),
	)
	for k, v := range opts.Flags {
		flags = append(flags, chromedp.Flag(k, v))
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, flags...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	tab := &Tab{Ctx: tabCtx}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancel()
		tab.check(t)
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	tab.listen()
	return tab
}

// NewTab opens another tab in the same browser, closed when the test ends.
// Tabs of one browser may be used in parallel, one goroutine each.
func (tab *Tab) NewTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(tab.Ctx)
	other := &Tab{Ctx: ctx}
	t.Cleanup(func() {
		cancel()
		other.check(t)
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	other.listen()
	return other
}

func (tab *Tab) listen() {
	messages := chromedp.Console(tab.Ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tab.mu.Lock()
			tab.console = append(tab.console, m)
			tab.mu.Unlock()
		}
	}()
}

// Console returns the console messages the tab has seen so far.
func (tab *Tab) Console() []chromedp.ConsoleMessage {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), tab.console...)
}

func (tab *Tab) check(t testing.TB) {
	t.Helper()
	for _, m := range tab.Console() {
		switch {
		case m.IsException():
			t.Errorf("uncaught exception at %s:%d: %s", m.URL, m.Line+1, m.Text)
		case strings.Contains(m.Text, "Content Security Policy"):
			t.Errorf("the page broke its Content-Security-Policy: %s", m.Text)
		}
	}
}

// Do runs actions in the tab and fails the test on an error.
func (tab *Tab) Do(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab.Ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression in the tab's page and returns its
// value, failing the test on an error.
func Eval[T any](t testing.TB, tab *Tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// Wait polls a JavaScript expression in the page until it is truthy and
// returns its value, failing the test when it never becomes so. Pages change
// in response to streams and timers; a test waits for the change it expects,
// never for a length of time.
func Wait[T any](t testing.TB, tab *Tab, js string) T {
	t.Helper()
	// An interval rather than animation frames: a hidden page gets none.
	v, err := chromedp.Run(tab.Ctx, chromedp.Poll[T](js, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", js, err)
	}
	return v
}
