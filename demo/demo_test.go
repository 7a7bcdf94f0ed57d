package demo_test

import (
	"bytes"
	"context"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/demo"
	"github.com/liveblog/liveblog/sqlite"
)

// quiet keeps the newsroom's log out of test output where no test reads it.
var quiet = slog.New(slog.DiscardHandler)

// seedNow is a fixed morning, so the seeded times are the same on every run.
var seedNow = time.Date(2026, 1, 14, 11, 30, 0, 0, time.UTC)

func TestWriteImages(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := t.TempDir()
		if err := demo.WriteImages(dir); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(dir, "*.png"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 5 {
			t.Fatalf("got %d images, want at least 5", len(files))
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if got, limit := len(data), 30<<10; got >= limit {
				t.Errorf("%s: got %d bytes, want under %d", filepath.Base(f), got, limit)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
				continue
			}
			if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 360 {
				t.Errorf("%s: got %dx%d, want 640x360", filepath.Base(f), b.Dx(), b.Dy())
			}
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		dir := t.TempDir()
		for range 2 {
			if err := demo.WriteImages(dir); err != nil {
				t.Fatal(err)
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".png") {
				t.Errorf("left behind %s", e.Name())
			}
		}
	})

	t.Run("ErrNoDir", func(t *testing.T) {
		if err := demo.WriteImages(""); err == nil {
			t.Fatal("got nil error for an empty directory")
		}
	})
}

func TestSeed(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ctx := context.Background()
		store, media := mustOpen(t), t.TempDir()
		ev, err := demo.Seed(ctx, store, media, seedNow)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Slug != demo.Slug || ev.State != liveblog.CoverageLive || ev.TimeZone != "Europe/London" {
			t.Errorf("got event %q in state %s, zone %s; want %q live in Europe/London", ev.Slug, ev.State, ev.TimeZone, demo.Slug)
		}
		if n := len(ev.Summary.Points); n < 4 || n > 6 {
			t.Errorf("got %d key points, want 4 to 6", n)
		}
		for slug, want := range map[string]liveblog.CoverageState{demo.EndedSlug: liveblog.CoverageEnded, demo.ScheduledSlug: liveblog.CoverageScheduled} {
			other, err := store.FindEventBySlug(ctx, slug)
			if err != nil {
				t.Fatalf("%s: %v", slug, err)
			}
			if other.State != want {
				t.Errorf("%s: got state %s, want %s", slug, other.State, want)
			}
		}

		posts := mustPosts(t, store, ev.ID)
		if n := len(posts); n < 20 || n > 35 {
			t.Errorf("got %d posts, want about 25", n)
		}
		types := map[liveblog.BlockType]bool{}
		providers := map[string]bool{}
		var bolds, italics, links, pinned, breaking, keyEvents, corrected, restarted int
		roles := map[string]bool{}
		for _, p := range posts {
			if p.PublishedAt.After(seedNow) || p.PublishedAt.Before(seedNow.Add(-24*time.Hour)) {
				t.Errorf("post %q published at %v, want within the day before %v", p.Headline, p.PublishedAt, seedNow)
			}
			for _, c := range p.Contributors {
				if c.Role == "" {
					t.Errorf("post %q: byline %q has no role", p.Headline, c.Name)
				}
				roles[c.Role] = true
			}
			for _, b := range p.Blocks {
				types[b.Type] = true
				spans := append([]liveblog.Span(nil), b.Spans...)
				for _, it := range b.Items {
					spans = append(spans, it...)
				}
				for _, s := range spans {
					if s.Bold {
						bolds++
					}
					if s.Italic {
						italics++
					}
					if s.Href != "" {
						links++
					}
				}
				switch b.Type {
				case liveblog.BlockQuote:
					if b.Attribution == "" {
						t.Errorf("post %q: quote without attribution", p.Headline)
					}
				case liveblog.BlockImage:
					if b.Alt == "" || b.Caption == "" || b.Credit == "" {
						t.Errorf("post %q: image %s lacks alt text, caption or credit", p.Headline, b.Src)
					}
					name, ok := strings.CutPrefix(b.Src, "/media/")
					if !ok {
						t.Errorf("post %q: image src %q, want /media/...", p.Headline, b.Src)
					} else if _, err := os.Stat(filepath.Join(media, name)); err != nil {
						t.Errorf("post %q: %v", p.Headline, err)
					}
				case liveblog.BlockEmbed:
					if b.Provider != "" {
						// A provider's embed carries what its facade shows.
						providers[b.Provider] = true
						if b.Author == "" || b.Text == "" && b.Title == "" || b.PostedAt.IsZero() {
							t.Errorf("post %q: embed %s has nothing captured", p.Headline, b.URL)
						}
					} else if !strings.Contains(b.URL, ".example.") {
						t.Errorf("post %q: embed %s is not on a reserved example domain", p.Headline, b.URL)
					}
				}
			}
			if p.Pinned {
				pinned++
			}
			if p.Breaking {
				breaking++
			}
			if p.KeyEvent {
				keyEvents++
			}
			if p.CorrectionNote != "" && !p.EditedAt.IsZero() {
				corrected++
			}
			if strings.Contains(p.Headline, "restarting our live coverage") {
				restarted++
			}
		}
		for _, typ := range []liveblog.BlockType{liveblog.BlockParagraph, liveblog.BlockList, liveblog.BlockQuote, liveblog.BlockImage, liveblog.BlockEmbed} {
			if !types[typ] {
				t.Errorf("no %s block", typ)
			}
		}
		for _, name := range []string{"youtube", "x", "bluesky", "datawrapper"} {
			if !providers[name] {
				t.Errorf("no %s embed", name)
			}
		}
		for name, got := range map[string]int{"bold span": bolds, "italic span": italics, "link": links, "breaking post": breaking, "edited post with a correction note": corrected, "restart post": restarted} {
			if got == 0 {
				t.Errorf("no %s", name)
			}
		}
		if pinned != 1 {
			t.Errorf("got %d pinned posts, want 1", pinned)
		}
		if keyEvents < 3 {
			t.Errorf("got %d key events, want several", keyEvents)
		}
		if len(roles) < 4 {
			t.Errorf("got %d byline roles, want several reporters", len(roles))
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		ctx := context.Background()
		store, media := mustOpen(t), t.TempDir()
		first, err := demo.Seed(ctx, store, media, seedNow)
		if err != nil {
			t.Fatal(err)
		}
		second, err := demo.Seed(ctx, store, media, seedNow.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if second.ID != first.ID || second.Head != first.Head || second.Version != first.Version {
			t.Errorf("got event %d at head %d version %d, want %d at head %d version %d",
				second.ID, second.Head, second.Version, first.ID, first.Head, first.Version)
		}
		events, err := store.FindEvents(ctx, liveblog.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(events), 3; got != want {
			t.Errorf("got %d events, want %d", got, want)
		}
	})
}

func TestNewsroom(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ctx := context.Background()
		store := mustOpen(t)
		ev := mustSeed(t, store)
		const ticks = 60
		var log bytes.Buffer
		n := &demo.Newsroom{Store: store, Rand: rand.New(rand.NewPCG(1, 2)), Logger: slog.New(slog.NewTextHandler(&log, nil))}
		head := runTicks(t, n, ticks)
		if strings.Contains(log.String(), "level=WARN") || strings.Contains(log.String(), "level=ERROR") {
			t.Errorf("the newsroom reported failures:\n%s", log.String())
		}

		batch, err := store.FindChanges(ctx, liveblog.ChangeFilter{EventID: ev.ID, After: ev.Head})
		if err != nil {
			t.Fatal(err)
		}
		if got := int64(len(batch.Changes)); got < ticks || head-ev.Head < ticks {
			t.Fatalf("got %d changes after %d ticks, want at least %d", got, ticks, ticks)
		}
		kinds := map[liveblog.ChangeKind]int{}
		for _, c := range batch.Changes {
			kinds[c.Kind]++
			if c.Post != nil {
				p := *c.Post
				if err := p.Validate(); err != nil {
					t.Errorf("change %d (%s): post %d does not validate: %v", c.Seq, c.Kind, c.PostID, err)
				}
			}
		}
		for _, k := range []liveblog.ChangeKind{liveblog.ChangePostPublished, liveblog.ChangePostUpdated, liveblog.ChangePostPinned, liveblog.ChangeSummary} {
			if kinds[k] == 0 {
				t.Errorf("no %s change in %v", k, kinds)
			}
		}
		for _, p := range mustPosts(t, store, ev.ID) {
			if err := p.Validate(); err != nil {
				t.Errorf("post %d %q does not validate: %v", p.ID, p.Headline, err)
			}
			if len(p.Blocks) > 10 {
				t.Errorf("post %d has grown to %d blocks", p.ID, len(p.Blocks))
			}
		}
		now, err := store.FindEventByID(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(now.Summary.Points); n == 0 || n > 6 {
			t.Errorf("got %d key points, want 1 to 6", n)
		}
	})

	t.Run("ConflictSkipsTick", func(t *testing.T) {
		store := mustOpen(t)
		ev := mustSeed(t, store)
		var log bytes.Buffer
		n := &demo.Newsroom{Store: conflictStore{store}, Rand: rand.New(rand.NewPCG(3, 4)), Logger: slog.New(slog.NewTextHandler(&log, nil))}
		head := runTicks(t, n, 20)
		if head != ev.Head {
			t.Errorf("got head %d, want %d: every write conflicted", head, ev.Head)
		}
		if got, want := strings.Count(log.String(), "skipped a tick"), 20; got != want {
			t.Errorf("got %d skipped ticks logged, want %d:\n%s", got, want, log.String())
		}
		if strings.Contains(log.String(), "level=ERROR") {
			t.Errorf("a conflict was logged as an error:\n%s", log.String())
		}
	})

	t.Run("IdleWhenPaused", func(t *testing.T) {
		ctx := context.Background()
		store := mustOpen(t)
		ev := mustSeed(t, store)
		ev, err := store.ChangeEvent(ctx, liveblog.Write{}, ev.ID, liveblog.SetCoverage{State: liveblog.CoveragePaused, Version: ev.Version})
		if err != nil {
			t.Fatal(err)
		}
		if head := runTicks(t, &demo.Newsroom{Store: store, Rand: rand.New(rand.NewPCG(5, 6)), Logger: quiet}, 10); head != ev.Head {
			t.Errorf("got head %d, want %d: a paused event gets no posts", head, ev.Head)
		}
	})

	t.Run("StopsOnCancel", func(t *testing.T) {
		store := mustOpen(t)
		mustSeed(t, store)
		ctx, cancel := context.WithCancel(context.Background())
		tick := make(chan time.Time)
		n := &demo.Newsroom{Store: store, Tick: tick, Logger: quiet}
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		// Once the tick is taken Run is in its loop; the cancel may land in
		// the middle of that tick's action, which must not be reported.
		tick <- seedNow
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("got %v, want nil", err)
		}
	})

	t.Run("ErrNotSeeded", func(t *testing.T) {
		n := &demo.Newsroom{Store: mustOpen(t), Tick: make(chan time.Time), Logger: quiet}
		err := n.Run(context.Background())
		if got, want := liveblog.ErrorCode(err), liveblog.ENOTFOUND; got != want {
			t.Fatalf("got %v (code %q), want code %q", err, got, want)
		}
	})
}

// runTicks runs the newsroom for exactly ticks actions and returns the demo
// event's head afterwards. The tick channel is unbuffered and closed at the
// end, and Run returns only after the last action, so no sleep is needed.
func runTicks(t *testing.T, n *demo.Newsroom, ticks int) int64 {
	t.Helper()
	ctx := context.Background()
	tick := make(chan time.Time)
	n.Tick = tick
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	now := seedNow
	for range ticks {
		now = now.Add(demo.DefaultInterval)
		select {
		case tick <- now:
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		}
	}
	close(tick)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ev, err := n.Store.FindEventBySlug(ctx, demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return ev.Head
}

// conflictStore answers every write as if a colleague had just saved a newer
// version.
type conflictStore struct{ liveblog.Store }

func (conflictStore) CreatePost(context.Context, liveblog.Write, *liveblog.Post) error {
	return &liveblog.ConflictError{Current: 2, Got: 1}
}

func (conflictStore) ChangePost(context.Context, liveblog.Write, int64, liveblog.PostTransition) (*liveblog.Post, error) {
	return nil, &liveblog.ConflictError{Current: 2, Got: 1}
}

func (conflictStore) ChangeEvent(context.Context, liveblog.Write, int64, liveblog.EventTransition) (*liveblog.Event, error) {
	return nil, &liveblog.ConflictError{Current: 2, Got: 1}
}

func mustOpen(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustSeed(t *testing.T, store liveblog.Store) *liveblog.Event {
	t.Helper()
	ev, err := demo.Seed(context.Background(), store, t.TempDir(), seedNow)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func mustPosts(t *testing.T, store liveblog.Store, eventID int64) []*liveblog.Post {
	t.Helper()
	posts, err := store.FindPosts(context.Background(), liveblog.PostFilter{EventID: eventID, Limit: liveblog.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return posts
}
