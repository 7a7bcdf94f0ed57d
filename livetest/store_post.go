package livetest

import (
	"slices"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

func testPosts(t *testing.T, open OpenStore) {
	t.Run("CreatePublished", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		if p.ID == 0 || p.Version != 1 || p.Status != liveblog.StatusPublished {
			t.Fatalf("created post: got id %d, version %d, status %s", p.ID, p.Version, p.Status)
		}
		if p.PublishedAt.IsZero() || p.CreatedAt.IsZero() || !p.UpdatedAt.Equal(p.CreatedAt) || !p.EditedAt.IsZero() {
			t.Fatalf("times: published %v, created %v, updated %v, edited %v", p.PublishedAt, p.CreatedAt, p.UpdatedAt, p.EditedAt)
		}
		sameJSON(t, "FindPostByID", f.findPost(p.ID), p)
		changes := f.feed(e.ID)
		wantKinds(t, changes, "post.published "+itoa(p.ID))
		sameJSON(t, "change snapshot", changes[0].Post, p)
		if c := changes[0]; c.Seq != 1 || c.EventID != e.ID || c.CreatedAt.IsZero() || c.Event != nil {
			t.Fatalf("change: got seq %d, event %d, created %v, event snapshot %v", c.Seq, c.EventID, c.CreatedAt, c.Event)
		}
		if heard := f.heard.of(e.ID); !slices.Equal(heard, []int64{1}) {
			t.Fatalf("announced %v, want [1]", heard)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		// An import keeps the time the post was first published, given here
		// in another zone and finer than a microsecond.
		published := time.Date(2025, 2, 13, 10, 45, 7, 123456789, time.FixedZone("CET", 3600))
		p := f.post(e.ID, func(p *liveblog.Post) {
			p.Headline = "Hegseth: Europe must take the lead"
			p.Blocks = []liveblog.Block{
				{Type: liveblog.BlockParagraph, Spans: []liveblog.Span{{Text: "The US defence secretary "}, {Text: "said", Bold: true}, {Text: " this.", Href: "https://example.org/a"}}},
				{Type: liveblog.BlockList, Items: [][]liveblog.Span{{{Text: "One"}}, {{Text: "Two", Italic: true}}}},
				{Type: liveblog.BlockQuote, Text: "We are here.", Attribution: "A minister"},
				{Type: liveblog.BlockImage, Src: "https://example.org/i.jpg", Alt: "Ministers around a table", Caption: "The meeting", Credit: "Agency", Width: 1200, Height: 800},
				{Type: liveblog.BlockEmbed, URL: "https://example.org/video", Title: "Video"},
			}
			p.Contributors = []liveblog.Contributor{{Name: "Jonathan Beale", Role: "Defence correspondent", Avatar: "https://example.org/jb.png"}}
			p.Breaking, p.KeyEvent = true, true
			p.CorrectionNote = "An earlier version misspelt a name."
			p.AuthorID = 42
			p.PublishedAt = published
		})
		if !p.PublishedAt.Equal(published.Truncate(time.Microsecond)) || p.PublishedAt.Location() != time.UTC {
			t.Fatalf("PublishedAt: got %v, want %v in UTC", p.PublishedAt, published.Truncate(time.Microsecond))
		}
		sameJSON(t, "FindPostByID", f.findPost(p.ID), p)
		sameJSON(t, "change snapshot", f.feed(e.ID)[0].Post, p)
	})

	t.Run("CreateDraft", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		for _, status := range []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled} {
			p := f.post(e.ID, func(p *liveblog.Post) {
				p.Status = status
				p.ScheduledAt = time.Now().Add(time.Hour)
			})
			if !p.PublishedAt.IsZero() || p.Version != 1 {
				t.Fatalf("%s: got published %v, version %d", status, p.PublishedAt, p.Version)
			}
			sameJSON(t, "FindPostByID", f.findPost(p.ID), p)
		}
		if changes := f.feed(e.ID); len(changes) != 0 {
			t.Fatalf("drafts reached the feed: %q", kinds(changes))
		}
		if heard := f.heard.of(e.ID); len(heard) != 0 {
			t.Fatalf("announced %v for drafts, want nothing", heard)
		}
	})

	t.Run("CreateErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		for _, tt := range []struct {
			name  string
			post  liveblog.Post
			field string
		}{
			{"Empty", liveblog.Post{}, "blocks"},
			{"Headline", liveblog.Post{Headline: "Two\nlines"}, "headline"},
			{"BlockType", liveblog.Post{Blocks: []liveblog.Block{{Type: "video"}}}, "blocks[0].type"},
			{"ImageAlt", liveblog.Post{Blocks: []liveblog.Block{liveblog.Plain("ok"), {Type: liveblog.BlockImage, Src: "https://example.org/i.jpg"}}}, "blocks[1].alt"},
			{"Byline", liveblog.Post{Headline: "ok", Contributors: []liveblog.Contributor{{}}}, "contributors[0].name"},
			{"ScheduledAt", liveblog.Post{Headline: "ok", Status: liveblog.StatusScheduled}, "scheduled_at"},
			{"Status", liveblog.Post{Headline: "ok", Status: liveblog.StatusDeleted}, "status"},
			{"PinnedDraft", liveblog.Post{Headline: "ok", Status: liveblog.StatusDraft, Pinned: true}, "pinned"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				tt.post.EventID = e.ID
				wantError(t, f.s.CreatePost(f.ctx, liveblog.Write{}, &tt.post), liveblog.EINVALID, tt.field)
			})
		}
		posts, err := f.s.FindPosts(f.ctx, liveblog.PostFilter{EventID: e.ID, Statuses: []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished}})
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) != 0 {
			t.Fatalf("invalid posts were stored: %d", len(posts))
		}
	})

	t.Run("CreateErrNotFound", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		err := f.s.CreatePost(f.ctx, liveblog.Write{}, &liveblog.Post{EventID: e.ID + 1000, Headline: "Lost"})
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("CreateInEndedEvent", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event(func(e *liveblog.Event) { e.State = liveblog.CoverageEnded })
		p := f.post(e.ID, func(p *liveblog.Post) { p.Headline = "We're closing our live coverage" })
		wantKinds(t, f.feed(e.ID), "post.published "+itoa(p.ID))
	})

	t.Run("FindErrNotFound", func(t *testing.T) {
		f := newFixture(t, open)
		p := f.post(f.event().ID)
		_, err := f.s.FindPostByID(f.ctx, p.ID+1000)
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("Edit", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		got, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{
			Headline: ptr("Ministers meet in Brussels (updated)"), CorrectionNote: ptr("Headline clarified."), Version: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.EditedAt.IsZero() || !got.PublishedAt.Equal(p.PublishedAt) || got.UpdatedAt.Before(p.UpdatedAt) {
			t.Fatalf("edited post: got version %d, edited %v, published %v (was %v)", got.Version, got.EditedAt, got.PublishedAt, p.PublishedAt)
		}
		if got.Headline != "Ministers meet in Brussels (updated)" || got.CorrectionNote != "Headline clarified." {
			t.Fatalf("edited post: got %q, %q", got.Headline, got.CorrectionNote)
		}
		sameJSON(t, "FindPostByID", f.findPost(p.ID), got)
		changes := f.feed(e.ID)
		wantKinds(t, changes, "post.published "+itoa(p.ID), "post.updated "+itoa(p.ID))
		sameJSON(t, "change snapshot", changes[1].Post, got)
		if heard := f.heard.of(e.ID); !slices.Equal(heard, []int64{1, 2}) {
			t.Fatalf("announced %v, want [1 2]", heard)
		}
	})

	t.Run("EditFlags", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		got, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{KeyEvent: ptr(true), Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !got.KeyEvent || !got.EditedAt.IsZero() {
			t.Fatalf("flagged post: got key event %v, edited %v; want a key event not marked edited", got.KeyEvent, got.EditedAt)
		}
		wantKinds(t, f.feed(e.ID), "post.published "+itoa(p.ID), "post.updated "+itoa(p.ID))
	})

	t.Run("CaptureEmbed", func(t *testing.T) {
		// A capture fills only what is empty, in the blocks of its
		// address, without a version: a post.updated with no Updated mark.
		f := newFixture(t, open)
		e := f.event()
		const u = "https://x.com/agency/status/1887503281937625469"
		p := &liveblog.Post{EventID: e.ID, Headline: "The agency reacts", Blocks: []liveblog.Block{
			{Type: liveblog.BlockEmbed, URL: u},
			{Type: liveblog.BlockEmbed, URL: u, Text: "Corrected by the desk."},
			{Type: liveblog.BlockEmbed, URL: "https://youtu.be/dQw4w9WgXcQ"},
		}}
		if err := f.s.CreatePost(f.ctx, liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		c := liveblog.Capture{URL: u, Author: "The Agency", Text: "We will respect the result.", Width: 550, Height: 700}
		got, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.CaptureEmbed{Capture: c})
		if err != nil {
			t.Fatal(err)
		}
		if b := got.Blocks[0]; b.Author != "The Agency" || b.Text != c.Text || b.Width != 550 || b.Provider != "x" {
			t.Errorf("captured block %+v", b)
		}
		if b := got.Blocks[1]; b.Text != "Corrected by the desk." || b.Author != "The Agency" {
			t.Errorf("corrected block %+v", b)
		}
		if b := got.Blocks[2]; b.Author != "" || b.Text != "" {
			t.Errorf("another address's block %+v", b)
		}
		if got.Version != 2 || !got.EditedAt.IsZero() {
			t.Errorf("version %d, edited %v; want 2, not edited", got.Version, got.EditedAt)
		}
		sameJSON(t, "FindPostByID", f.findPost(p.ID), got)
		wantKinds(t, f.feed(e.ID), "post.published "+itoa(p.ID), "post.updated "+itoa(p.ID))
		// The same capture again changes nothing.
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.CaptureEmbed{Capture: c}); err != nil {
			t.Fatal(err)
		}
		wantKinds(t, f.feed(e.ID), "post.published "+itoa(p.ID), "post.updated "+itoa(p.ID))
		// A capture that is no valid block is refused before anything is read.
		bad := c
		bad.Thumbnail = "https://pbs.twimg.com/x.jpg"
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.CaptureEmbed{Capture: bad}); liveblog.ErrorCode(err) != liveblog.EINVALID {
			t.Errorf("capture with a thumbnail elsewhere: %v", err)
		}
	})

	t.Run("EditUnchanged", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		got, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Headline: ptr(p.Headline), Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || !got.EditedAt.IsZero() {
			t.Fatalf("got version %d, edited %v; want version 2, not edited", got.Version, got.EditedAt)
		}
		wantKinds(t, f.feed(e.ID), "post.published "+itoa(p.ID))
	})

	t.Run("PublishDraft", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		d := f.post(e.ID, func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
		d, err := f.s.ChangePost(f.ctx, liveblog.Write{}, d.ID, &liveblog.PostUpdate{Blocks: &[]liveblog.Block{liveblog.Plain("Still a draft.")}, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if changes := f.feed(e.ID); len(changes) != 0 {
			t.Fatalf("an edited draft reached the feed: %q", kinds(changes))
		}
		got, err := f.s.ChangePost(f.ctx, liveblog.Write{}, d.ID, &liveblog.PostUpdate{Status: ptr(liveblog.StatusPublished), Version: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != liveblog.StatusPublished || got.PublishedAt.IsZero() || got.Version != 3 || !got.EditedAt.IsZero() {
			t.Fatalf("published draft: got status %s, published %v, version %d, edited %v", got.Status, got.PublishedAt, got.Version, got.EditedAt)
		}
		changes := f.feed(e.ID)
		wantKinds(t, changes, "post.published "+itoa(d.ID))
		sameJSON(t, "change snapshot", changes[0].Post, got)
	})

	t.Run("PublishImportedDraft", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		d := f.post(e.ID, func(p *liveblog.Post) {
			p.Status = liveblog.StatusDraft
			p.PublishedAt = clock(0)
		})
		got, err := f.s.ChangePost(f.ctx, liveblog.Write{}, d.ID, &liveblog.PostUpdate{Status: ptr(liveblog.StatusPublished), Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !got.PublishedAt.Equal(clock(0)) {
			t.Fatalf("PublishedAt: got %v, want the imported %v", got.PublishedAt, clock(0))
		}
	})

	t.Run("UpdateErrConflict", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Headline: ptr("First"), Version: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Headline: ptr("Second"), Version: 1})
		wantConflict(t, err, 2, 1)
		if got := f.findPost(p.ID); got.Headline != "First" || got.Version != 2 {
			t.Fatalf("after a conflict: got %q version %d, want %q version 2", got.Headline, got.Version, "First")
		}
		if heard := f.heard.of(e.ID); !slices.Equal(heard, []int64{1, 2}) {
			t.Fatalf("announced %v, want [1 2]", heard)
		}
	})

	t.Run("UpdateErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		_, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Headline: ptr("Two\nlines"), Version: 1})
		wantError(t, err, liveblog.EINVALID, "headline")
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Status: ptr(liveblog.StatusDraft), Version: 1})
		wantError(t, err, liveblog.EINVALID, "status")
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Status: ptr(liveblog.StatusDeleted), Version: 1})
		wantError(t, err, liveblog.EINVALID, "status")
		sameJSON(t, "post after refused edits", f.findPost(p.ID), p)
	})

	t.Run("UpdateErrNotFound", func(t *testing.T) {
		f := newFixture(t, open)
		p := f.post(f.event().ID)
		_, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID+1000, &liveblog.PostUpdate{Headline: ptr("x"), Version: 1})
		wantError(t, err, liveblog.ENOTFOUND, "")
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: 1}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Headline: ptr("x"), Version: 2})
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("Takedown", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		other := f.post(e.ID)
		p, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Headline: ptr("Edited"), Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		p, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.PinPost{Pinned: true, Version: p.Version})
		if err != nil {
			t.Fatal(err)
		}
		deleted, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: p.Version})
		if err != nil {
			t.Fatal(err)
		}
		if deleted.Status != liveblog.StatusDeleted || deleted.Pinned || deleted.Version != p.Version+1 {
			t.Fatalf("deleted post: got status %s, pinned %v, version %d", deleted.Status, deleted.Pinned, deleted.Version)
		}
		sameJSON(t, "FindPostByID", f.findPost(p.ID), deleted)

		changes := f.feed(e.ID)
		id, oid := itoa(p.ID), itoa(other.ID)
		wantKinds(t, changes, "post.published "+id, "post.published "+oid, "post.updated "+id, "post.pinned "+id, "post.deleted "+id)
		for _, c := range changes {
			if c.PostID == p.ID && c.Post != nil {
				t.Fatalf("change %d (%s) still carries the deleted post: %+v", c.Seq, c.Kind, c.Post)
			}
		}
		sameJSON(t, "other post's change", changes[1].Post, other)

		posts, err := f.s.FindPosts(f.ctx, liveblog.PostFilter{EventID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) != 1 || posts[0].ID != other.ID {
			t.Fatalf("FindPosts after a deletion: got %d posts, want only %d", len(posts), other.ID)
		}
		page, err := f.s.FindPage(f.ctx, liveblog.PageFilter{Slug: e.Slug})
		if err != nil {
			t.Fatal(err)
		}
		if page.Pinned != nil {
			t.Fatalf("a deleted post is still pinned on the page")
		}
	})

	t.Run("DeleteDraft", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		d := f.post(e.ID, func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, d.ID, liveblog.DeletePost{Version: 1}); err != nil {
			t.Fatal(err)
		}
		if changes := f.feed(e.ID); len(changes) != 0 {
			t.Fatalf("deleting a draft reached the feed: %q", kinds(changes))
		}
	})

	t.Run("DeleteErr", func(t *testing.T) {
		f := newFixture(t, open)
		p := f.post(f.event().ID)
		_, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: 2})
		wantConflict(t, err, 1, 2)
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID+1000, liveblog.DeletePost{Version: 1})
		wantError(t, err, liveblog.ENOTFOUND, "")
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: 1}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: 2})
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("Restore", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: 1}); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.RestorePost{Version: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != liveblog.StatusPublished || !got.PublishedAt.Equal(p.PublishedAt) || got.Version != 3 {
			t.Fatalf("restored post: got status %s, published %v (was %v), version %d", got.Status, got.PublishedAt, p.PublishedAt, got.Version)
		}
		changes := f.feed(e.ID)
		id := itoa(p.ID)
		wantKinds(t, changes, "post.published "+id, "post.deleted "+id, "post.published "+id)
		if changes[0].Post != nil {
			t.Fatal("restoring brought the text back into the change from before the takedown")
		}
		sameJSON(t, "restored change", changes[2].Post, got)

		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.RestorePost{Version: 3})
		wantError(t, err, liveblog.EINVALID, "status")
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.RestorePost{Version: 1})
		wantConflict(t, err, 3, 1)
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID+1000, liveblog.RestorePost{Version: 1})
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
}

func testPins(t *testing.T, open OpenStore) {
	t.Run("PinMovesPin", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		a, b := f.post(e.ID), f.post(e.ID)
		a, err := f.s.ChangePost(f.ctx, liveblog.Write{}, a.ID, liveblog.PinPost{Pinned: true, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !a.Pinned || a.Version != 2 {
			t.Fatalf("pinned post: got pinned %v, version %d", a.Pinned, a.Version)
		}
		b, err = f.s.ChangePost(f.ctx, liveblog.Write{}, b.ID, liveblog.PinPost{Pinned: true, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.findPost(a.ID); got.Pinned || got.Version != 3 {
			t.Fatalf("previously pinned post: got pinned %v, version %d; want unpinned, version 3", got.Pinned, got.Version)
		}
		changes := f.feed(e.ID)
		ia, ib := itoa(a.ID), itoa(b.ID)
		wantKinds(t, changes, "post.published "+ia, "post.published "+ib, "post.pinned "+ia, "post.unpinned "+ia, "post.pinned "+ib)
		sameJSON(t, "pinned change", changes[4].Post, b)
		// One transaction, one announcement, with its final head.
		if heard := f.heard.of(e.ID); !slices.Equal(heard, []int64{1, 2, 3, 5}) {
			t.Fatalf("announced %v, want [1 2 3 5]", heard)
		}

		page, err := f.s.FindPage(f.ctx, liveblog.PageFilter{Slug: e.Slug})
		if err != nil {
			t.Fatal(err)
		}
		if page.Pinned == nil || page.Pinned.ID != b.ID || len(page.Posts) != 1 || page.Posts[0].ID != a.ID {
			t.Fatalf("page: got pinned %v and %d posts, want %d pinned above %d", page.Pinned, len(page.Posts), b.ID, a.ID)
		}

		b, err = f.s.ChangePost(f.ctx, liveblog.Write{}, b.ID, liveblog.PinPost{Pinned: false, Version: b.Version})
		if err != nil {
			t.Fatal(err)
		}
		if b.Pinned {
			t.Fatal("unpinned post is still pinned")
		}
		wantKinds(t, f.feed(e.ID)[5:], "post.unpinned "+ib)
	})

	t.Run("Unchanged", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		got, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.PinPost{Pinned: false, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "post unpinned again", got, p)
		wantKinds(t, f.feed(e.ID), "post.published "+itoa(p.ID))
	})

	t.Run("CreatePinned", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		a := f.post(e.ID, func(p *liveblog.Post) { p.Pinned = true })
		b := f.post(e.ID, func(p *liveblog.Post) { p.Pinned = true })
		if got := f.findPost(a.ID); got.Pinned {
			t.Fatal("two pinned posts in one event")
		}
		wantKinds(t, f.feed(e.ID), "post.published "+itoa(a.ID), "post.unpinned "+itoa(a.ID), "post.published "+itoa(b.ID))
	})

	t.Run("PerEvent", func(t *testing.T) {
		f := newFixture(t, open)
		e1, e2 := f.event(), f.event()
		a := f.post(e1.ID, func(p *liveblog.Post) { p.Pinned = true })
		b := f.post(e2.ID, func(p *liveblog.Post) { p.Pinned = true })
		if !f.findPost(a.ID).Pinned || !f.findPost(b.ID).Pinned {
			t.Fatal("pinning in one event unpinned the other event's post")
		}
	})

	t.Run("Err", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		d := f.post(e.ID, func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
		_, err := f.s.ChangePost(f.ctx, liveblog.Write{}, d.ID, liveblog.PinPost{Pinned: true, Version: 1})
		wantError(t, err, liveblog.EINVALID, "pinned")
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.PinPost{Pinned: true, Version: 7})
		wantConflict(t, err, 1, 7)
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID+1000, liveblog.PinPost{Pinned: true, Version: 1})
		wantError(t, err, liveblog.ENOTFOUND, "")
		if _, err := f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: 1}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, liveblog.PinPost{Pinned: true, Version: 2})
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
}
