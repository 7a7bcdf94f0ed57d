package importer_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/importer"
	"github.com/liveblog/liveblog/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// allPosts reads an event's published posts, newest first.
func allPosts(t *testing.T, s liveblog.Store, eventID int64) []*liveblog.Post {
	t.Helper()
	var out []*liveblog.Post
	var before *liveblog.Cursor
	for {
		page, err := s.FindPosts(context.Background(), liveblog.PostFilter{EventID: eventID, Before: before, Limit: liveblog.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < liveblog.MaxPageSize {
			return out
		}
		c := liveblog.CursorOf(page[len(page)-1])
		before = &c
	}
}

func TestImport(t *testing.T) {
	ctx := context.Background()

	t.Run("NewEvent", func(t *testing.T) {
		s := openStore(t)
		res := parseFile(t, "older-header.txt", importer.TextOptions{Year: 2025})
		ev, err := importer.Import(ctx, s, "harbour-bridge", res, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ev.Title, "Harbour bridge reopens after storm repairs"; got != want {
			t.Errorf("title: got %q, want %q", got, want)
		}
		if got, want := ev.Description, "Edited by Maria Lopez"; got != want {
			t.Errorf("description: got %q, want %q", got, want)
		}
		if got, want := ev.TimeZone, "Europe/London"; got != want {
			t.Errorf("zone: got %q, want %q", got, want)
		}
		// Posts from October 2025 are an old page: it is archived, its
		// coverage times those of its first and last posts.
		if got, want := ev.State, liveblog.CoverageEnded; got != want {
			t.Errorf("state: got %q, want %q", got, want)
		}
		first, last := res.Posts[len(res.Posts)-1].PublishedAt, res.Posts[0].PublishedAt
		if !ev.CoverageStartedAt.Equal(first) || !ev.CoverageEndedAt.Equal(last) {
			t.Errorf("coverage: got %v to %v, want %v to %v", ev.CoverageStartedAt, ev.CoverageEndedAt, first, last)
		}
		if !slices.Equal(ev.Summary.Points, res.Summary) {
			t.Errorf("summary: got %q, want %q", ev.Summary.Points, res.Summary)
		}
		if got, want := ev.Head, int64(len(res.Posts)); got != want {
			t.Errorf("head: got %d, want %d (one change per post)", got, want)
		}
		posts := allPosts(t, s, ev.ID)
		if got, want := headlines(&importer.Result{Posts: posts}), headlines(res); !slices.Equal(got, want) {
			t.Fatalf("headlines: got %q, want %q", got, want)
		}
		for i, p := range posts {
			if !p.PublishedAt.Equal(res.Posts[i].PublishedAt) {
				t.Errorf("post %d published at: got %v, want %v", i, p.PublishedAt, res.Posts[i].PublishedAt)
			}
			if p.Status != liveblog.StatusPublished {
				t.Errorf("post %d status: got %q", i, p.Status)
			}
		}
		if got, want := posts[0].Contributors, res.Posts[0].Contributors; !slices.Equal(got, want) {
			t.Errorf("bylines: got %+v, want %+v", got, want)
		}
	})

	t.Run("Options", func(t *testing.T) {
		s := openStore(t)
		res := parseFile(t, "older-header.txt", importer.TextOptions{Year: 2025})
		o := importer.Options{Title: "Bridge repairs: the day it reopened", Description: "Our coverage, kept.", State: liveblog.CoverageLive}
		ev, err := importer.Import(ctx, s, "harbour-bridge", res, o)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Title != o.Title || ev.Description != o.Description || ev.State != o.State {
			t.Errorf("event: got %q, %q, %s; want %q, %q, %s", ev.Title, ev.Description, ev.State, o.Title, o.Description, o.State)
		}
		if first := res.Posts[len(res.Posts)-1].PublishedAt; !ev.CoverageStartedAt.Equal(first) || !ev.CoverageEndedAt.IsZero() {
			t.Errorf("coverage: got %v to %v, want from %v and no end", ev.CoverageStartedAt, ev.CoverageEndedAt, first)
		}
		// Run again with other options: the event keeps its own, and the
		// report says so.
		ev, err = importer.Import(ctx, s, "harbour-bridge", res, importer.Options{Title: "Another title"})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Title != o.Title {
			t.Errorf("title after a second import: got %q, want %q kept", ev.Title, o.Title)
		}
		if !hasNote(res, 0, "already exists") {
			t.Errorf("kept title not reported:\n%s", notes(res))
		}
	})

	t.Run("AutoState", func(t *testing.T) {
		res := parseFile(t, "older-header.txt", importer.TextOptions{Year: 2025})
		newest := res.Posts[0].PublishedAt
		for _, c := range []struct {
			name string
			now  time.Time
			want liveblog.CoverageState
		}{
			{"AnHourLater", newest.Add(time.Hour), liveblog.CoverageLive},
			{"ADayLater", newest.Add(importer.EndedAfter), liveblog.CoverageLive},
			{"MoreThanADayLater", newest.Add(importer.EndedAfter + time.Minute), liveblog.CoverageEnded},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := importer.AutoState(res, c.now); got != c.want {
					t.Errorf("got %s, want %s", got, c.want)
				}
			})
		}
		t.Run("NoTimes", func(t *testing.T) {
			untimed := &importer.Result{Posts: []*liveblog.Post{{Headline: "No time"}}}
			if got, want := importer.AutoState(untimed, newest), liveblog.CoverageScheduled; got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	})

	t.Run("TitleFromSlug", func(t *testing.T) {
		s := openStore(t)
		res := parseFile(t, "rollover.txt", importer.TextOptions{Year: 2026})
		ev, err := importer.Import(ctx, s, "new-year-on-the-quay", res, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ev.Title, "New year on the quay"; got != want {
			t.Errorf("title: got %q, want %q", got, want)
		}
	})

	t.Run("IDsFollowTime", func(t *testing.T) {
		s := openStore(t)
		// Two posts share a time (one had none): order must still be the
		// dump's, which only creating oldest first gives.
		res := parseFile(t, "missing.txt", importer.TextOptions{})
		ev, err := importer.Import(ctx, s, "marathon", res, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		posts := allPosts(t, s, ev.ID)
		if got, want := headlines(&importer.Result{Posts: posts}), headlines(res); !slices.Equal(got, want) {
			t.Errorf("order: got %q, want %q", got, want)
		}
		for i := 1; i < len(posts); i++ {
			if posts[i].ID >= posts[i-1].ID {
				t.Errorf("ids: post %d has id %d, not below %d", i, posts[i].ID, posts[i-1].ID)
			}
		}
	})

	t.Run("ExistingEvent", func(t *testing.T) {
		s := openStore(t)
		ev := &liveblog.Event{Slug: "harbour-bridge", Title: "Our own title", Summary: liveblog.Summary{Points: []string{"Our point"}}}
		if err := s.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
			t.Fatal(err)
		}
		res := parseFile(t, "older-header.txt", importer.TextOptions{})
		got, err := importer.Import(ctx, s, "harbour-bridge", res, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != ev.ID || got.Title != "Our own title" || !slices.Equal(got.Summary.Points, []string{"Our point"}) {
			t.Errorf("event: got %+v, want the existing event unchanged", got)
		}
		if !hasNote(res, 0, "already has a summary") {
			t.Errorf("kept summary not reported:\n%s", notes(res))
		}
		if n := len(allPosts(t, s, ev.ID)); n != len(res.Posts) {
			t.Errorf("posts: got %d, want %d", n, len(res.Posts))
		}
	})

	t.Run("RunTwice", func(t *testing.T) {
		s := openStore(t)
		res := parseFile(t, "captions.txt", importer.TextOptions{})
		if _, err := importer.Import(ctx, s, "lifeboat", res, importer.Options{}); err != nil {
			t.Fatal(err)
		}
		ev, err := importer.Import(ctx, s, "lifeboat", res, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(allPosts(t, s, ev.ID)), len(res.Posts); got != want {
			t.Errorf("posts after a second run: got %d, want %d", got, want)
		}
		if !hasNote(res, res.Lines[0], "skipped") {
			t.Errorf("skipped posts not reported:\n%s", notes(res))
		}
	})

	t.Run("InvalidWritesNothing", func(t *testing.T) {
		s := openStore(t)
		res := parseFile(t, "missing.txt", importer.TextOptions{})
		res.Posts[2].Blocks = append(res.Posts[2].Blocks, liveblog.Block{Type: liveblog.BlockImage, Src: "javascript:alert(1)", Alt: "x"})
		_, err := importer.Import(ctx, s, "marathon", res, importer.Options{})
		if got, want := liveblog.ErrorCode(err), liveblog.EINVALID; got != want {
			t.Fatalf("error code: got %q (%v), want %q", got, err, want)
		}
		if _, err := s.FindEventBySlug(ctx, "marathon"); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Errorf("event after a refused import: got %v, want not found", err)
		}
	})

	t.Run("SummaryTooLong", func(t *testing.T) {
		s := openStore(t)
		text := "Summary\n\n" + strings.Repeat("• A point\n", liveblog.MaxSummaryPoints+1) + "\n1. Apublished at 10:00 GMT 1 March\n"
		res := parse(t, text, importer.TextOptions{})
		if !hasNote(res, 1, "cannot be imported") {
			t.Errorf("summary problem not reported:\n%s", notes(res))
		}
		if _, err := importer.Import(ctx, s, "points", res, importer.Options{}); liveblog.ErrorCode(err) != liveblog.EINVALID {
			t.Errorf("import: got %v, want an invalid-input error", err)
		}
	})

	t.Run("Fixture", func(t *testing.T) {
		_, res := parseFixture(t)
		s := openStore(t)
		ev, err := importer.Import(ctx, s, "imported-live-page", res, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.FindPage(ctx, liveblog.PageFilter{Slug: ev.Slug, Limit: liveblog.DefaultPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := headlines(&importer.Result{Posts: page.Posts}), headlines(res); !slices.Equal(got, want) {
			t.Errorf("first page:\n got %q\nwant %q", got, want)
		}
		if got, want := page.Posts[0].PublishedAt, time.Date(2025, 2, 13, 9, 45, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("newest post: got %v, want %v", got, want)
		}
		var b bytes.Buffer
		if err := res.WriteReport(&b); err != nil {
			t.Fatal(err)
		}
	})
}
