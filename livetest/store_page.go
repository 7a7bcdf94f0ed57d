package livetest

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func ids(posts []*liveblog.Post) []int64 {
	ids := make([]int64, 0, len(posts))
	for _, p := range posts {
		ids = append(ids, p.ID)
	}
	return ids
}

// newestFirst sorts posts in the reader order: by published time, then id.
func newestFirst(posts []*liveblog.Post) {
	slices.SortFunc(posts, func(a, b *liveblog.Post) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
}

// timeline creates n published posts in event e, their times given as on an
// import and created out of order, so that ids say nothing about the order.
// Every seventh post shares its time with another, which the id must then
// break; every third is a key event. It returns them newest first.
func (f *fixture) timeline(e *liveblog.Event, n int) []*liveblog.Post {
	f.t.Helper()
	minutes := make([]int, n)
	for i := range minutes {
		minutes[i] = i - i/7
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(n, func(i, j int) { minutes[i], minutes[j] = minutes[j], minutes[i] })
	posts := make([]*liveblog.Post, n)
	for i, m := range minutes {
		posts[i] = f.post(e.ID, func(p *liveblog.Post) {
			p.Headline = "Post at minute " + strconv.Itoa(m)
			p.PublishedAt = clock(m)
			p.KeyEvent = i%3 == 0
		})
	}
	newestFirst(posts)
	return posts
}

func (f *fixture) findPosts(filter liveblog.PostFilter) []*liveblog.Post {
	f.t.Helper()
	posts, err := f.s.FindPosts(f.ctx, filter)
	if err != nil {
		f.t.Fatalf("FindPosts(%+v): %v", filter, err)
	}
	return posts
}

func (f *fixture) findPage(filter liveblog.PageFilter) *liveblog.Page {
	f.t.Helper()
	page, err := f.s.FindPage(f.ctx, filter)
	if err != nil {
		f.t.Fatalf("FindPage(%+v): %v", filter, err)
	}
	return page
}

func wantIDs(t *testing.T, what string, got []*liveblog.Post, want []*liveblog.Post) {
	t.Helper()
	if !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("%s:\n got %v\nwant %v", what, ids(got), ids(want))
	}
}

func cursor(p *liveblog.Post) *liveblog.Cursor {
	c := liveblog.CursorOf(p)
	return &c
}

func sameCursor(a, b liveblog.Cursor) bool { return a.ID == b.ID && a.PublishedAt.Equal(b.PublishedAt) }

func testFindPosts(t *testing.T, open OpenStore) {
	f := newFixture(t, open)
	e := f.event()
	all := f.timeline(e, 53)
	key := slices.DeleteFunc(slices.Clone(all), func(p *liveblog.Post) bool { return !p.KeyEvent })
	oldest := slices.Clone(all)
	slices.Reverse(oldest)

	t.Run("NewestFirst", func(t *testing.T) {
		got := f.findPosts(liveblog.PostFilter{EventID: e.ID})
		wantIDs(t, "default page", got, all[:liveblog.DefaultPageSize])
		sameJSON(t, "listed post", got[0], all[0])
	})
	t.Run("Before", func(t *testing.T) {
		got := f.findPosts(liveblog.PostFilter{EventID: e.ID, Before: cursor(all[19]), Limit: 20})
		wantIDs(t, "before the 20th", got, all[20:40])
	})
	t.Run("After", func(t *testing.T) {
		got := f.findPosts(liveblog.PostFilter{EventID: e.ID, After: cursor(all[40]), Limit: 5})
		wantIDs(t, "after the 41st", got, all[35:40])
	})
	t.Run("Ties", func(t *testing.T) {
		// A cursor on one of two posts published in the same microsecond
		// must split them by id, neither skipping nor repeating the other.
		i := 0
		for i < len(all)-1 && !all[i].PublishedAt.Equal(all[i+1].PublishedAt) {
			i++
		}
		if i == len(all)-1 {
			t.Fatal("the timeline has no two posts at the same time")
		}
		wantIDs(t, "before the newer of a tie", f.findPosts(liveblog.PostFilter{EventID: e.ID, Before: cursor(all[i]), Limit: 2}), all[i+1:i+3])
		wantIDs(t, "after the older of a tie", f.findPosts(liveblog.PostFilter{EventID: e.ID, After: cursor(all[i+1]), Limit: 1}), all[i:i+1])
	})
	t.Run("OldestFirst", func(t *testing.T) {
		got := f.findPosts(liveblog.PostFilter{EventID: e.ID, OldestFirst: true, Limit: 10})
		wantIDs(t, "oldest first", got, oldest[:10])
		got = f.findPosts(liveblog.PostFilter{EventID: e.ID, OldestFirst: true, After: cursor(oldest[9]), Limit: 10})
		wantIDs(t, "oldest first, after the 10th", got, oldest[10:20])
		got = f.findPosts(liveblog.PostFilter{EventID: e.ID, OldestFirst: true, Before: cursor(oldest[30]), Limit: 10})
		wantIDs(t, "oldest first, before the 31st", got, oldest[20:30])
	})
	t.Run("KeyOnly", func(t *testing.T) {
		got := f.findPosts(liveblog.PostFilter{EventID: e.ID, KeyOnly: true, Limit: 100})
		wantIDs(t, "key events", got, key)
	})
	t.Run("LimitCapped", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		for range liveblog.MaxPageSize + 1 {
			f.post(e.ID)
		}
		if got := f.findPosts(liveblog.PostFilter{EventID: e.ID, Limit: 1000}); len(got) != liveblog.MaxPageSize {
			t.Fatalf("limit 1000: got %d posts, want %d", len(got), liveblog.MaxPageSize)
		}
	})
	t.Run("Statuses", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		pub := f.post(e.ID, func(p *liveblog.Post) { p.PublishedAt = clock(0) })
		pinned := f.post(e.ID, func(p *liveblog.Post) { p.PublishedAt = clock(1); p.Pinned = true })
		draft := f.post(e.ID, func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
		sched := f.post(e.ID, func(p *liveblog.Post) { p.Status, p.ScheduledAt = liveblog.StatusScheduled, time.Now().Add(time.Hour) })
		gone := f.post(e.ID, func(p *liveblog.Post) { p.PublishedAt = clock(2) })
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, gone.ID, liveblog.DeletePost{Version: 1}); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "published", f.findPosts(liveblog.PostFilter{EventID: e.ID}), []*liveblog.Post{pinned, pub})
		wantIDs(t, "without the pinned post", f.findPosts(liveblog.PostFilter{EventID: e.ID, ExcludePinned: true}), []*liveblog.Post{pub})
		// Drafts sort by when they were started, which is after the
		// imported times of the published posts.
		desk := f.findPosts(liveblog.PostFilter{EventID: e.ID, Statuses: []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished}})
		wantIDs(t, "desk", desk, []*liveblog.Post{sched, draft, pinned, pub})
		wantIDs(t, "deleted", f.findPosts(liveblog.PostFilter{EventID: e.ID, Statuses: []liveblog.PostStatus{liveblog.StatusDeleted}}), []*liveblog.Post{gone})
	})
	t.Run("Err", func(t *testing.T) {
		_, err := f.s.FindPosts(f.ctx, liveblog.PostFilter{EventID: e.ID + 1000})
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, err = f.s.FindPosts(f.ctx, liveblog.PostFilter{EventID: e.ID, Before: cursor(all[1]), After: cursor(all[2])})
		wantError(t, err, liveblog.EINVALID, "")
		_, err = f.s.FindPosts(f.ctx, liveblog.PostFilter{EventID: e.ID, Limit: -1})
		wantError(t, err, liveblog.EINVALID, "limit")
		_, err = f.s.FindPosts(f.ctx, liveblog.PostFilter{EventID: e.ID, Statuses: []liveblog.PostStatus{"'; DROP TABLE posts; --"}})
		wantError(t, err, liveblog.EINVALID, "status")
	})
}

func testFindPage(t *testing.T, open OpenStore) {
	f := newFixture(t, open)
	e := f.event()
	all := f.timeline(e, 53)
	// Pin a post from the middle: it leaves the list and shows above the
	// first page.
	pinned, err := f.s.ChangePost(f.ctx, liveblog.Write{}, all[24].ID, liveblog.PinPost{Pinned: true, Version: all[24].Version})
	if err != nil {
		t.Fatal(err)
	}
	list := slices.Delete(slices.Clone(all), 24, 25)
	const size = 10
	// aligned returns page k of the newest-first order.
	aligned := func(posts []*liveblog.Post, k int) []*liveblog.Post {
		return posts[k*size : min(len(posts), (k+1)*size)]
	}
	pages := (len(list) + size - 1) / size
	oldest := slices.Clone(list)
	slices.Reverse(oldest)

	// checkPage checks page k of posts (in its reading order): its posts,
	// the pinned post on the first page only, and cursors at either end.
	checkPage := func(t *testing.T, what string, page *liveblog.Page, posts []*liveblog.Post, k int, oldestFirst bool) {
		t.Helper()
		wantIDs(t, what, page.Posts, aligned(posts, k))
		if k == 0 && (page.Pinned == nil || page.Pinned.ID != pinned.ID) {
			t.Fatalf("%s: got pinned %v, want post %d", what, page.Pinned, pinned.ID)
		} else if k > 0 && page.Pinned != nil {
			t.Fatalf("%s: got pinned post %d on page %d, want it on the first page only", what, page.Pinned.ID, k)
		}
		start, end := page.Newer, page.Older
		if oldestFirst {
			start, end = page.Older, page.Newer
		}
		if (start == nil) != (k == 0) || (end == nil) != (k == pages-1) {
			t.Fatalf("%s: page %d of %d has cursors newer %v, older %v", what, k, pages, page.Newer, page.Older)
		}
		if start != nil && !sameCursor(*start, liveblog.CursorOf(page.Posts[0])) {
			t.Fatalf("%s: start cursor %v, want the first post's %v", what, *start, liveblog.CursorOf(page.Posts[0]))
		}
		if end != nil && !sameCursor(*end, liveblog.CursorOf(page.Posts[len(page.Posts)-1])) {
			t.Fatalf("%s: end cursor %v, want the last post's", what, *end)
		}
		if page.Event == nil || page.Event.ID != e.ID {
			t.Fatalf("%s: page without its event", what)
		}
	}

	t.Run("First", func(t *testing.T) {
		page := f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size})
		checkPage(t, "first page", page, list, 0, false)
		sameJSON(t, "pinned post", page.Pinned, pinned)
		if head := f.head(e.ID); page.Event.Head != head {
			t.Fatalf("page head: got %d, want %d", page.Event.Head, head)
		}
		if got := f.findPage(liveblog.PageFilter{Slug: e.Slug}); len(got.Posts) != liveblog.DefaultPageSize {
			t.Fatalf("default page size: got %d posts, want %d", len(got.Posts), liveblog.DefaultPageSize)
		}
	})

	t.Run("Walk", func(t *testing.T) {
		page := f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size})
		seen := map[int64]bool{}
		for k := 0; ; k++ {
			checkPage(t, "page "+strconv.Itoa(k)+" going older", page, list, k, false)
			for _, p := range page.Posts {
				if seen[p.ID] {
					t.Fatalf("post %d shown twice", p.ID)
				}
				seen[p.ID] = true
			}
			if page.Older == nil {
				break
			}
			page = f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, Before: page.Older})
		}
		if len(seen) != len(list) {
			t.Fatalf("walk showed %d posts, want %d", len(seen), len(list))
		}
		for k := pages - 1; ; k-- {
			checkPage(t, "page "+strconv.Itoa(k)+" going newer", page, list, k, false)
			if page.Newer == nil {
				break
			}
			page = f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, After: page.Newer})
		}
	})

	t.Run("WalkOldestFirst", func(t *testing.T) {
		page := f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, OldestFirst: true})
		for k := 0; ; k++ {
			checkPage(t, "page "+strconv.Itoa(k)+" going newer", page, oldest, k, true)
			if page.Newer == nil {
				break
			}
			page = f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, OldestFirst: true, After: page.Newer})
		}
		for k := pages - 1; ; k-- {
			checkPage(t, "page "+strconv.Itoa(k)+" going older", page, oldest, k, true)
			if page.Older == nil {
				break
			}
			page = f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, OldestFirst: true, Before: page.Older})
		}
	})

	// A page around a post holds it with a quarter of a page before it in
	// the reading order, more when too few come after it to fill the page;
	// its cursors lead on to the rest without gaps or repeats, and it costs
	// no more deep in the event than at the top.
	checkAround := func(t *testing.T, what string, posts []*liveblog.Post, i int, oldestFirst bool) {
		t.Helper()
		page := f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, Around: posts[i].ID, OldestFirst: oldestFirst})
		before := min(i, max(size/4, size-(len(posts)-i)))
		want := posts[i-before : min(len(posts), i-before+size)]
		wantIDs(t, what, page.Posts, want)
		first, last := i-before == 0, i-before+size >= len(posts)
		if first != (page.Pinned != nil) {
			t.Fatalf("%s: pinned %v, want it only when the page is the first", what, page.Pinned)
		}
		start, end := page.Newer, page.Older
		if oldestFirst {
			start, end = page.Older, page.Newer
		}
		if (start == nil) != first || (end == nil) != last {
			t.Fatalf("%s: cursors newer %v, older %v", what, page.Newer, page.Older)
		}
		// Walk from it both ways: every post once, in order.
		follow := func(p *liveblog.Page, older bool) *liveblog.Page {
			filter := liveblog.PageFilter{Slug: e.Slug, Limit: size, OldestFirst: oldestFirst, After: p.Newer}
			if older {
				filter.After, filter.Before = nil, p.Older
			}
			if filter.After == nil && filter.Before == nil {
				return nil
			}
			return f.findPage(filter)
		}
		var seen []*liveblog.Post
		// Towards the top of the reading order, then towards its end.
		for p := page; p != nil; p = follow(p, oldestFirst) {
			seen = append(slices.Clone(p.Posts), seen...)
		}
		for p := follow(page, !oldestFirst); p != nil; p = follow(p, !oldestFirst) {
			seen = append(seen, p.Posts...)
		}
		wantIDs(t, what+", walked both ways", seen, posts)
	}

	t.Run("Around", func(t *testing.T) {
		for _, i := range []int{0, 1, 2, 9, 10, 37, len(list) - 3, len(list) - 1} {
			checkAround(t, "around post "+strconv.Itoa(i), list, i, false)
		}
		page := f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, Around: pinned.ID})
		checkPage(t, "around the pinned post", page, list, 0, false)
		checkAround(t, "around, oldest first", oldest, slices.Index(ids(oldest), list[37].ID), true)
	})

	t.Run("AroundErrNotFound", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		other := f.post(f.event().ID)
		draft := f.post(e.ID, func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
		gone := f.post(e.ID)
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, gone.ID, liveblog.DeletePost{Version: 1}); err != nil {
			t.Fatal(err)
		}
		for name, id := range map[string]int64{"OtherEvent": other.ID, "Draft": draft.ID, "Deleted": gone.ID, "Missing": gone.ID + 1000} {
			t.Run(name, func(t *testing.T) {
				_, err := f.s.FindPage(f.ctx, liveblog.PageFilter{Slug: e.Slug, Around: id})
				wantError(t, err, liveblog.ENOTFOUND, "")
			})
		}
	})

	t.Run("KeyOnly", func(t *testing.T) {
		key := slices.DeleteFunc(slices.Clone(list), func(p *liveblog.Post) bool { return !p.KeyEvent })
		page := f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, KeyOnly: true})
		wantIDs(t, "key events", page.Posts, key[:size])
		if page.Pinned == nil || page.Pinned.ID != pinned.ID {
			t.Fatalf("key events page: got pinned %v, want post %d", page.Pinned, pinned.ID)
		}
		page = f.findPage(liveblog.PageFilter{Slug: e.Slug, Limit: size, KeyOnly: true, Before: page.Older})
		wantIDs(t, "key events, second page", page.Posts, key[size:])
		if page.Older != nil || page.Newer == nil {
			t.Fatalf("last key events page: cursors newer %v, older %v", page.Newer, page.Older)
		}
		plain := list[slices.IndexFunc(list, func(p *liveblog.Post) bool { return !p.KeyEvent })]
		if _, err := f.s.FindPage(f.ctx, liveblog.PageFilter{Slug: e.Slug, KeyOnly: true, Around: plain.ID}); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Fatalf("around a post that is not a key event, key events only: got %v, want not found", err)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		page := f.findPage(liveblog.PageFilter{Slug: e.Slug})
		if len(page.Posts) != 0 || page.Pinned != nil || page.Newer != nil || page.Older != nil {
			t.Fatalf("empty event: got %+v", page)
		}
		sameJSON(t, "event", page.Event, e)
	})

	t.Run("Err", func(t *testing.T) {
		_, err := f.s.FindPage(f.ctx, liveblog.PageFilter{Slug: "no-such-event"})
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, err = f.s.FindPage(f.ctx, liveblog.PageFilter{Slug: e.Slug, Before: cursor(list[3]), After: cursor(list[1])})
		wantError(t, err, liveblog.EINVALID, "")
		_, err = f.s.FindPage(f.ctx, liveblog.PageFilter{Slug: e.Slug, Limit: -5})
		wantError(t, err, liveblog.EINVALID, "limit")
	})
}
