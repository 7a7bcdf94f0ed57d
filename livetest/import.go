package livetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// Importer is a store that takes in whole events, as another instance
// recorded them (liveblog.Database.ImportEvent).
type Importer interface {
	liveblog.Store
	ImportEvent(ctx context.Context, e *liveblog.Event, posts []*liveblog.Post, feed *liveblog.ChangeBatch, history []*liveblog.SummaryRecord) error
}

// OpenImporter returns a fresh, empty store that announces the heads it
// moves to a, and closes it with t.Cleanup.
type OpenImporter func(t *testing.T, a liveblog.Announcer) Importer

// TestImportEvent runs the contract of ImportEvent: an event, its posts in
// every status and its feed are stored as given, versions, times and
// sequences included, under their own ids when those are free and new ones
// otherwise; and the store's own writes carry on after them.
func TestImportEvent(t *testing.T, open OpenImporter) {
	ctx := context.Background()
	fresh := func(t *testing.T) (Importer, *announcements) {
		heard := &announcements{}
		return open(t, heard), heard
	}

	t.Run("SummaryHistory", func(t *testing.T) {
		s, _ := fresh(t)
		e, posts, feed := imported("storm")
		at := time.Date(2025, 2, 13, 9, 0, 0, 0, time.UTC)
		history := []*liveblog.SummaryRecord{
			{Points: []string{"Ferries cancelled"}, UpdatedAt: at, ReplacedAt: at.Add(time.Hour), UserID: 9, UserName: "Ana Reyes"},
			{Points: []string{}, UpdatedAt: at.Add(time.Hour), ReplacedAt: at.Add(2 * time.Hour), UserName: "Ben Okafor"},
		}
		if err := s.ImportEvent(ctx, e, posts, feed, history); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindSummaryHistory(ctx, e.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Newest first, as given, but for the account: ids do not move.
		if len(got) != 2 || got[0].UserName != "Ben Okafor" || len(got[0].Points) != 0 || !got[0].ReplacedAt.Equal(at.Add(2*time.Hour)) ||
			got[1].UserName != "Ana Reyes" || got[1].UserID != 0 || got[1].Points[0] != "Ferries cancelled" || !got[1].UpdatedAt.Equal(at) {
			t.Errorf("imported history = %+v, want Ben Okafor's replacement, then Ana Reyes's, without their ids", got)
		}

		bad := []*liveblog.SummaryRecord{{Points: []string{" "}, UpdatedAt: at, ReplacedAt: at}}
		e2, posts2, feed2 := imported("storm-bad")
		e2.ID = 0
		wantError(t, s.ImportEvent(ctx, e2, posts2, feed2, bad), liveblog.EINVALID, "summary_history[0].points[0]")
		if _, err := s.FindEventBySlug(ctx, "storm-bad"); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Errorf("an import with a bad history stored its event: %v", err)
		}
	})

	t.Run("KeepsIDs", func(t *testing.T) {
		s, heard := fresh(t)
		e, posts, feed := imported("storm")
		want := cloneImport(e, posts)
		if err := s.ImportEvent(ctx, e, posts, feed, nil); err != nil {
			t.Fatal(err)
		}
		if e.ID != 40 || e.Head != 6 {
			t.Fatalf("imported event: id %d, head %d; want 40 at head 6", e.ID, e.Head)
		}
		got, err := s.FindEventBySlug(ctx, "storm")
		if err != nil {
			t.Fatal(err)
		}
		want.event.Head = 6
		sameJSON(t, "event", got, want.event)
		for i, p := range want.posts {
			if posts[i].ID != p.ID {
				t.Errorf("post %d imported as %d", p.ID, posts[i].ID)
			}
			got, err := s.FindPostByID(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "post", got, p)
		}
		b, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: 40, After: 2})
		if err != nil {
			t.Fatal(err)
		}
		if b.Head != 6 || b.Floor != 2 || !b.NeedsReset(1) {
			t.Errorf("feed: head %d, floor %d; want 6 and 2, a reader at 1 reset", b.Head, b.Floor)
		}
		wantKinds(t, b.Changes, "post.published 41", "post.deleted 43", "summary.updated", "post.updated 41")
		for i, c := range b.Changes {
			if c.Seq != int64(i+3) || !c.CreatedAt.Equal(feed.Changes[i].CreatedAt) {
				t.Errorf("change %d: seq %d at %v, want %d at %v", i, c.Seq, c.CreatedAt, i+3, feed.Changes[i].CreatedAt)
			}
		}
		if b.Changes[1].Post != nil || b.Changes[0].Post == nil || b.Changes[0].Post.Headline != "Landfall" {
			t.Errorf("payloads: %+v and %+v; want the published post and no copy of the deleted one", b.Changes[0].Post, b.Changes[1].Post)
		}
		if ev := b.Changes[2].Event; ev == nil || ev.ID != 40 || ev.Head != 5 {
			t.Errorf("event change carries %+v, want the event at head 5", ev)
		}
		if got := heard.of(40); !slices.Equal(got, []int64{6}) {
			t.Errorf("announced %v, want [6]", got)
		}
	})

	t.Run("StoreCarriesOn", func(t *testing.T) {
		// Ids handed out after an import are beyond the imported ones, and
		// the feed goes on from the imported head.
		s, _ := fresh(t)
		e, posts, feed := imported("storm")
		if err := s.ImportEvent(ctx, e, posts, feed, nil); err != nil {
			t.Fatal(err)
		}
		p := &liveblog.Post{EventID: e.ID, Headline: "After the move"}
		if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		if p.ID <= 44 {
			t.Errorf("new post got id %d, one of the imported range", p.ID)
		}
		b, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: e.ID, After: 6})
		if err != nil {
			t.Fatal(err)
		}
		if b.Head != 7 || len(b.Changes) != 1 || b.Changes[0].PostID != p.ID {
			t.Errorf("feed after a new post: head %d, %d changes; want the post at 7", b.Head, len(b.Changes))
		}
		other := &liveblog.Event{Slug: "after", Title: "After"}
		if err := s.CreateEvent(ctx, liveblog.Write{}, other); err != nil {
			t.Fatal(err)
		}
		if other.ID <= 40 {
			t.Errorf("new event got id %d, at or below the imported event's", other.ID)
		}
	})

	t.Run("NewIDs", func(t *testing.T) {
		// A second copy under another slug finds its ids taken: every one
		// is new, and the feed points at them.
		s, _ := fresh(t)
		e, posts, feed := imported("storm")
		if err := s.ImportEvent(ctx, e, posts, feed, nil); err != nil {
			t.Fatal(err)
		}
		e2, posts2, feed2 := imported("storm-copy")
		if err := s.ImportEvent(ctx, e2, posts2, feed2, nil); err != nil {
			t.Fatal(err)
		}
		if e2.ID == 40 || e2.Head != 6 {
			t.Fatalf("copy: id %d, head %d; want a new id at head 6", e2.ID, e2.Head)
		}
		ids := map[int64]bool{}
		for _, p := range posts2 {
			if p.ID >= 41 && p.ID <= 44 || ids[p.ID] || p.EventID != e2.ID {
				t.Errorf("copied post: id %d of event %d; want a new id of its own in event %d", p.ID, p.EventID, e2.ID)
			}
			ids[p.ID] = true
		}
		b, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: e2.ID, After: 2})
		if err != nil {
			t.Fatal(err)
		}
		if c := b.Changes[0]; c.PostID != posts2[0].ID || c.Post == nil || c.Post.ID != posts2[0].ID || c.Post.EventID != e2.ID {
			t.Errorf("first change names post %d (%+v), want the copy's %d", c.PostID, c.Post, posts2[0].ID)
		}
		if c := b.Changes[2]; c.Event == nil || c.Event.ID != e2.ID {
			t.Errorf("event change carries %+v, want the copy", c.Event)
		}
	})

	t.Run("Err", func(t *testing.T) {
		s, _ := fresh(t)
		e, posts, feed := imported("storm")
		if err := s.ImportEvent(ctx, e, posts, feed, nil); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name  string
			edit  func(e *liveblog.Event, posts []*liveblog.Post, feed *liveblog.ChangeBatch)
			code  string
			field string
		}{
			{"SlugTaken", func(*liveblog.Event, []*liveblog.Post, *liveblog.ChangeBatch) {}, liveblog.ECONFLICT, "slug"},
			{"Gap", func(_ *liveblog.Event, _ []*liveblog.Post, f *liveblog.ChangeBatch) { f.Changes[1].Seq = 9 }, liveblog.EINVALID, "feed"},
			{"SameID", func(_ *liveblog.Event, p []*liveblog.Post, _ *liveblog.ChangeBatch) { p[1].ID = p[0].ID }, liveblog.EINVALID, "posts"},
			{"TwoPinned", func(_ *liveblog.Event, p []*liveblog.Post, _ *liveblog.ChangeBatch) {
				p[1].Status, p[1].Pinned = liveblog.StatusPublished, true
			}, liveblog.EINVALID, "pinned"},
			{"Version", func(e *liveblog.Event, _ []*liveblog.Post, _ *liveblog.ChangeBatch) { e.Version = 0 }, liveblog.EINVALID, "version"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e, posts, feed := imported("storm")
				if tt.name != "SlugTaken" {
					e.Slug = "refused"
				}
				tt.edit(e, posts, feed)
				wantError(t, s.ImportEvent(ctx, e, posts, feed, nil), tt.code, tt.field)
				if _, err := s.FindEventBySlug(ctx, "refused"); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
					t.Errorf("a refused import stored its event: %v", err)
				}
			})
		}
	})
}

// imported is an event as another instance recorded it: ended, its feed
// trimmed below 3, a published post pinned and edited, a draft, a post taken
// down and one scheduled.
func imported(slug string) (*liveblog.Event, []*liveblog.Post, *liveblog.ChangeBatch) {
	at := func(minutes int) time.Time { return clock(minutes) }
	e := &liveblog.Event{ID: 40, Slug: slug, Title: "Storm Éowyn", Description: "Live coverage.", State: liveblog.CoverageEnded,
		TimeZone: "Europe/Dublin", Summary: liveblog.Summary{Points: []string{"Red warning lifted."}, UpdatedAt: at(50)},
		CoverageStartedAt: at(0), CoverageEndedAt: at(90), CreatedAt: at(-60), UpdatedAt: at(90), Version: 5}
	posts := []*liveblog.Post{
		{ID: 41, EventID: 40, Headline: "Landfall", Blocks: []liveblog.Block{liveblog.Plain("Winds of 180 km/h.")},
			Contributors: []liveblog.Contributor{{Name: "A reporter", Role: "Galway"}}, KeyEvent: true, Pinned: true,
			Status: liveblog.StatusPublished, PublishedAt: at(10), EditedAt: at(60), CorrectionNote: "Speed corrected.",
			CreatedAt: at(9), UpdatedAt: at(60), Version: 3, AuthorID: 7},
		{ID: 42, EventID: 40, Headline: "Unfinished", Status: liveblog.StatusDraft, CreatedAt: at(20), UpdatedAt: at(21), Version: 2},
		{ID: 43, EventID: 40, Headline: "Taken down", Status: liveblog.StatusDeleted, PublishedAt: at(30), CreatedAt: at(29),
			UpdatedAt: at(40), Version: 2},
		{ID: 44, EventID: 40, Headline: "Tomorrow", Status: liveblog.StatusScheduled, ScheduledAt: at(24 * 60), CreatedAt: at(80),
			UpdatedAt: at(80), Version: 1},
	}
	landfall := *posts[0]
	landfall.Headline, landfall.Version, landfall.EditedAt, landfall.CorrectionNote = "Landfall", 1, time.Time{}, ""
	edited := *posts[0]
	summary := *e
	summary.Version, summary.UpdatedAt = 4, at(50)
	feed := &liveblog.ChangeBatch{Floor: 2, Head: 6, Changes: []*liveblog.Change{
		{Seq: 3, Kind: liveblog.ChangePostPublished, PostID: 41, Post: &landfall, CreatedAt: at(10)},
		{Seq: 4, Kind: liveblog.ChangePostDeleted, PostID: 43, CreatedAt: at(40)},
		{Seq: 5, Kind: liveblog.ChangeSummary, Event: &summary, CreatedAt: at(50)},
		{Seq: 6, Kind: liveblog.ChangePostUpdated, PostID: 41, Post: &edited, CreatedAt: at(60)},
	}}
	return e, posts, feed
}

// importedState is what a store keeps of an import: the records as given,
// before ImportEvent sets their ids.
type importedState struct {
	event *liveblog.Event
	posts []*liveblog.Post
}

func cloneImport(e *liveblog.Event, posts []*liveblog.Post) importedState {
	ev := *e
	st := importedState{event: &ev}
	for _, p := range posts {
		q := *p
		st.posts = append(st.posts, &q)
	}
	return st
}
