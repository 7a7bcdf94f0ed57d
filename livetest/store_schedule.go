package livetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

func testSchedule(t *testing.T, open OpenStore) {
	t.Run("PublishDue", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		now := time.Now().UTC().Truncate(time.Microsecond)
		scheduled := func(at time.Time) *liveblog.Post {
			return f.post(e.ID, func(p *liveblog.Post) { p.Status, p.ScheduledAt = liveblog.StatusScheduled, at })
		}
		early, due, later := scheduled(now.Add(-2*time.Hour)), scheduled(now), scheduled(now.Add(time.Hour))
		got, err := f.s.PublishDuePosts(f.ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != early.ID || got[1].ID != due.ID {
			t.Fatalf("published %d posts, want %d and %d", len(got), early.ID, due.ID)
		}
		for i, want := range []*liveblog.Post{early, due} {
			p := got[i]
			if p.Status != liveblog.StatusPublished || !p.PublishedAt.Equal(want.ScheduledAt) || p.Version != 2 {
				t.Fatalf("post %d: got status %s, published %v, version %d; want published at %v, version 2", p.ID, p.Status, p.PublishedAt, p.Version, want.ScheduledAt)
			}
			sameJSON(t, "FindPostByID", f.findPost(p.ID), p)
		}
		changes := f.feed(e.ID)
		wantKinds(t, changes, "post.published "+itoa(early.ID), "post.published "+itoa(due.ID))
		sameJSON(t, "change snapshot", changes[1].Post, got[1])
		if heard := f.heard.of(e.ID); !slices.Equal(heard, []int64{2}) {
			t.Fatalf("announced %v, want [2]", heard)
		}
		if p := f.findPost(later.ID); p.Status != liveblog.StatusScheduled {
			t.Fatalf("a post due later: got status %s, want scheduled", p.Status)
		}
		if again, err := f.s.PublishDuePosts(f.ctx, now); err != nil || len(again) != 0 {
			t.Fatalf("second run: published %d posts (%v), want none", len(again), err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		f := newFixture(t, open)
		events := []*liveblog.Event{f.event(), f.event()}
		now := time.Now().UTC()
		want := map[int64]bool{}
		for i := range 20 {
			p := f.post(events[i%2].ID, func(p *liveblog.Post) {
				p.Status, p.ScheduledAt = liveblog.StatusScheduled, now.Add(-time.Duration(i)*time.Second)
			})
			want[p.ID] = true
		}
		const callers = 8
		var wg sync.WaitGroup
		results := make([][]*liveblog.Post, callers)
		errs := make([]error, callers)
		start := make(chan struct{})
		for i := range callers {
			wg.Go(func() {
				<-start
				results[i], errs[i] = f.s.PublishDuePosts(f.ctx, now)
			})
		}
		close(start)
		wg.Wait()
		got := map[int64]int{}
		for i := range callers {
			if errs[i] != nil {
				t.Fatalf("caller %d: %v", i, errs[i])
			}
			for _, p := range results[i] {
				got[p.ID]++
			}
		}
		for id := range want {
			if got[id] != 1 {
				t.Errorf("post %d was published %d times, want once", id, got[id])
			}
		}
		if len(got) != len(want) {
			t.Errorf("published %d posts, want %d", len(got), len(want))
		}
		for _, e := range events {
			changes := f.feed(e.ID)
			if len(changes) != 10 {
				t.Errorf("event %d: got %d changes, want 10", e.ID, len(changes))
			}
			seen := map[int64]bool{}
			for _, c := range changes {
				if c.Kind != liveblog.ChangePostPublished || seen[c.PostID] || !want[c.PostID] {
					t.Errorf("event %d: unexpected change %s %d", e.ID, c.Kind, c.PostID)
				}
				seen[c.PostID] = true
			}
		}
	})
}
