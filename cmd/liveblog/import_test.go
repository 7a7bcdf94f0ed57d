package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
)

// TestImportText imports a copy of a page from March 2025 with the command:
// the new event is titled and described as the flags say and, its posts
// being long past, ended, with the coverage times of its posts; the report
// names the line it could not classify.
func TestImportText(t *testing.T) {
	dump := textDump(t)
	const title, description = "Walkers rescued at Porthmellin", "How the rescue unfolded."

	t.Run("DryRun", func(t *testing.T) {
		stdout, stderr, err := command(t, "import", "text", dump, "--year", "2025", "--title", title, "--dry-run")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		for _, want := range []string{
			"Not classified, kept as plain paragraphs (1)",
			"line 14: an image line kept as text",
			`A new event would be titled "` + title + `", its coverage ended, from 15:55 GMT 3 Mar 2025 to 16:40 GMT 3 Mar 2025.`,
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("the report does not say %q:\n%s", want, stderr)
			}
		}
		if !strings.Contains(stdout, "nothing written") {
			t.Errorf("stdout: %q", stdout)
		}
	})

	t.Run("Ended", func(t *testing.T) {
		dir := t.TempDir()
		stdout, stderr, err := command(t, "import", "text", dump, "--event", "lifeboat", "--year", "2025",
			"--title", title, "--description", description, "--data", dir)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if !strings.Contains(stdout, `imported 2 posts into /live/lifeboat ("`+title+`", coverage ended`) {
			t.Errorf("stdout: %q", stdout)
		}
		ev := findEvent(t, dir, "lifeboat")
		first, last := time.Date(2025, 3, 3, 15, 55, 0, 0, time.UTC), time.Date(2025, 3, 3, 16, 40, 0, 0, time.UTC)
		if ev.Title != title || ev.Description != description || ev.State != liveblog.CoverageEnded ||
			!ev.CoverageStartedAt.Equal(first) || !ev.CoverageEndedAt.Equal(last) {
			t.Errorf("event: got %q, %q, %s from %v to %v; want %q, %q, ended from %v to %v",
				ev.Title, ev.Description, ev.State, ev.CoverageStartedAt, ev.CoverageEndedAt, title, description, first, last)
		}
		// Once more, as after an interruption: nothing is added twice, and
		// the posts skipped are reported.
		_, stderr, err = command(t, "import", "text", dump, "--event", "lifeboat", "--year", "2025", "--data", dir)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(stderr, "already in the event; skipped") != 2 {
			t.Errorf("a second run does not report the 2 posts it skipped:\n%s", stderr)
		}
	})

	t.Run("State", func(t *testing.T) {
		dir := t.TempDir()
		if _, stderr, err := command(t, "import", "text", dump, "--event", "lifeboat", "--year", "2025", "--state", "live", "--data", dir); err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if ev := findEvent(t, dir, "lifeboat"); ev.State != liveblog.CoverageLive || ev.Title != "Lifeboat" {
			t.Errorf("event: got %s %q, want live %q", ev.State, ev.Title, "Lifeboat")
		}
		_, _, err := command(t, "import", "text", dump, "--event", "other", "--state", "over", "--data", dir)
		if err == nil || !strings.Contains(err.Error(), "--state") {
			t.Errorf("--state over: got %v, want a refusal naming --state", err)
		}
	})
}

// textDump is a short plain-text copy of a live page from the importer's
// tests: two posts of March 2025, one line the importer cannot classify.
func textDump(t *testing.T) string {
	t.Helper()
	dump, err := filepath.Abs(filepath.Join("..", "..", "importer", "testdata", "captions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return dump
}

// openData opens the database of the data directory dir until the test
// ends.
func openData(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func findEvent(t *testing.T, dir, slug string) *liveblog.Event {
	t.Helper()
	ev, err := openData(t, dir).FindEventBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}
