package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/livetest"
)

// seed stores an event of n published posts, every third a key event and the
// newest pinned, through the same statements CreatePost makes but in one
// transaction, so that an event of 10,000 posts takes seconds, not minutes,
// to build. It then refreshes the planner's statistics, as autovacuum would
// soon after such a burst on a real server.
func seed(tb testing.TB, s *Store, slug string, n int) *liveblog.Event {
	tb.Helper()
	ctx := context.Background()
	e := &liveblog.Event{Slug: slug, Title: "Seeded event", State: liveblog.CoverageLive}
	if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2025, 2, 13, 6, 0, 0, 0, time.UTC)
	err := s.update(ctx, func(tx *tx) error {
		if err := tx.LockEvent(e.ID); err != nil {
			return err
		}
		for i := range n {
			p := &liveblog.Post{
				EventID:  e.ID,
				Headline: fmt.Sprintf("Update %d from the summit", i),
				Blocks: []liveblog.Block{
					liveblog.Plain("Defence ministers gathered in Brussels as talks continued into the afternoon."),
					{Type: liveblog.BlockQuote, Text: "We will stand together.", Attribution: "A minister"},
				},
				Contributors: []liveblog.Contributor{{Name: "A correspondent", Role: "Reporting from Brussels"}},
				KeyEvent:     i%3 == 0,
				Pinned:       i == n-1,
				Status:       liveblog.StatusPublished,
				PublishedAt:  start.Add(time.Duration(i) * 10 * time.Second),
				CreatedAt:    tx.now,
				UpdatedAt:    tx.now,
				Version:      1,
			}
			if err := p.Validate(); err != nil {
				return err
			}
			if err := tx.InsertPost(p); err != nil {
				return err
			}
			seq, err := tx.NextSeq(e.ID)
			if err != nil {
				return err
			}
			c := *p
			if err := tx.InsertChange(&liveblog.Change{EventID: e.ID, Seq: seq, Kind: liveblog.ChangePostPublished,
				PostID: p.ID, Post: &c, CreatedAt: tx.now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	// A long event on a running server has been vacuumed and analysed long
	// since; measured straight after its inserts, it would be read while
	// autovacuum works through them.
	if _, err := s.pool.Exec(ctx, `VACUUM ANALYZE events, posts, changes`); err != nil {
		tb.Fatal(err)
	}
	return e
}

func BenchmarkFindPage(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, freshSchema(b))
	for _, n := range []int{100, 10_000} {
		slug := fmt.Sprintf("event-%d", n)
		seed(b, s, slug, n)
		b.Run(fmt.Sprintf("First/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.FindPage(ctx, liveblog.PageFilter{Slug: slug}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("KeyOnly/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.FindPage(ctx, liveblog.PageFilter{Slug: slug, KeyOnly: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Before/%d", n), func(b *testing.B) {
			// A cursor halfway down the event, as from a link to older posts.
			page, err := s.FindPage(ctx, liveblog.PageFilter{Slug: slug, Limit: liveblog.MaxPageSize})
			if err != nil {
				b.Fatal(err)
			}
			mid, err := s.FindPosts(ctx, liveblog.PostFilter{EventID: page.Event.ID, Before: page.Older, Limit: liveblog.MaxPageSize})
			if err != nil {
				b.Fatal(err)
			}
			c := liveblog.CursorOf(mid[len(mid)/2])
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.FindPage(ctx, liveblog.PageFilter{Slug: slug, Before: &c}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Parallel/%d", n), func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.FindPage(ctx, liveblog.PageFilter{Slug: slug}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkFindPageAround(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, freshSchema(b))
	e := seed(b, s, "event", 10_000)
	oldest, err := s.FindPosts(ctx, liveblog.PostFilter{EventID: e.ID, OldestFirst: true, Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.FindPage(ctx, liveblog.PageFilter{Slug: e.Slug, Around: oldest[0].ID}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindChanges(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, freshSchema(b))
	e := seed(b, s, "event", 10_000)
	for _, tt := range []struct {
		name  string
		after int64
	}{
		{"Old", 1},             // a reader back after a long time: a full read
		{"Recent", 10_000 - 5}, // a stream catching up a few changes
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: e.ID, After: tt.after}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCreatePost(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, freshSchema(b))
	e := seed(b, s, "event", 100)
	for b.Loop() {
		p := &liveblog.Post{EventID: e.ID, Headline: "Breaking: talks end", Blocks: []liveblog.Block{liveblog.Plain("The talks have ended.")}}
		if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	livetest.BenchmarkSearch(b, func(b *testing.B) livetest.SearchableStore {
		return mustOpen(b, freshSchema(b))
	}, func(b *testing.B, s livetest.SearchableStore) {
		// What autovacuum does after a burst of inserts: besides the
		// statistics, it moves the posts from the GIN indexes' pending
		// lists into the indexes, which every search would otherwise read
		// through (a millisecond or more each, and more for two words).
		if _, err := s.(*Store).pool.Exec(context.Background(), `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkPublish(b *testing.B) {
	s := mustOpen(b, freshSchema(b))
	livetest.BenchmarkPublish(b, s, s.Service, liveblog.NewService(livetest.Unindexed(storage{s})))
}
