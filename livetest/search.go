package livetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
)

// SearchableStore is a store that searches its posts.
type SearchableStore interface {
	liveblog.Store
	liveblog.SearchStore
	ImportEvent(ctx context.Context, e *liveblog.Event, posts []*liveblog.Post, feed *liveblog.ChangeBatch, history []*liveblog.SummaryRecord) error
}

// OpenSearchableStore returns a fresh, empty store, closed with t.Cleanup.
type OpenSearchableStore func(t *testing.T) SearchableStore

// TestSearchStore runs the contract of liveblog.SearchStore: words, phrases,
// prefixes and exclusions found in headlines and bodies, headlines ranked
// first, readers finding published posts only, and an index that every write
// keeps in step in its own transaction: an edit reindexes, a takedown leaves
// nothing to find, a restore and an import bring posts back.
func TestSearchStore(t *testing.T, open OpenSearchableStore) {
	ctx := context.Background()
	s := open(t)
	f := &fixture{t: t, ctx: ctx, s: s, heard: &announcements{}}
	search := func(t *testing.T, sf liveblog.SearchFilter) *liveblog.SearchResult {
		t.Helper()
		res, err := s.Search(ctx, sf)
		if err != nil {
			t.Fatalf("Search(%+v): %v", sf, err)
		}
		return res
	}
	// found returns the ids of the posts a search of event eventID finds,
	// in the order of the results.
	found := func(t *testing.T, eventID int64, q string, statuses ...liveblog.PostStatus) []int64 {
		t.Helper()
		var ids []int64
		for _, h := range search(t, liveblog.SearchFilter{EventID: eventID, Query: q, Statuses: statuses}).Hits {
			ids = append(ids, h.Post.ID)
		}
		return ids
	}
	want := func(t *testing.T, got []int64, want ...int64) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("found posts %v, want %v", got, want)
		}
	}
	wantSet := func(t *testing.T, got []int64, ids ...int64) {
		t.Helper()
		want(t, slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(ids))...)
	}
	body := func(text string) func(*liveblog.Post) {
		return func(p *liveblog.Post) { p.Blocks = []liveblog.Block{liveblog.Plain(text)} }
	}
	headline := func(text string) func(*liveblog.Post) { return func(p *liveblog.Post) { p.Headline = text } }

	e := f.event()
	quote := f.post(e.ID, headline("Budget statement"), body("The Prime Minister's spokesman said the ferry timetable stands."))
	ferries := f.post(e.ID, headline("Ferries cancelled in Zürich"), body("Storm warnings across the lake."))
	minister := f.post(e.ID, headline("Reaction"), func(p *liveblog.Post) {
		p.Blocks = []liveblog.Block{
			liveblog.Plain("A minister, not the prime one, spoke."),
			{Type: liveblog.BlockQuote, Text: "We will not be moved", Attribution: "Transport secretary"},
			{Type: liveblog.BlockList, Items: [][]liveblog.Span{{{Text: "Trains"}}, {{Text: "Buses"}}}},
		}
	})
	ferryBody := f.post(e.ID, headline("Travel"), body("No ferry crossings tonight; the ferry company apologised."))

	t.Run("BodyWord", func(t *testing.T) {
		want(t, found(t, e.ID, "spokesman"), quote.ID)
		want(t, found(t, e.ID, "SPOKESMAN"), quote.ID)
		want(t, found(t, e.ID, "moved"), minister.ID)
		want(t, found(t, e.ID, "secretary"), minister.ID)
		want(t, found(t, e.ID, "buses"), minister.ID)
	})
	t.Run("HeadlineWord", func(t *testing.T) {
		want(t, found(t, e.ID, "budget"), quote.ID)
		want(t, found(t, e.ID, "zürich"), ferries.ID)
		want(t, found(t, e.ID, "ZÜRICH"), ferries.ID)
	})
	t.Run("HeadlineFirst", func(t *testing.T) {
		// ferryBody is newer and says "ferry" twice, in its body; the
		// post whose headline names the subject still comes first.
		want(t, found(t, e.ID, "ferries"), ferries.ID)
		got := found(t, e.ID, "ferr*")
		if len(got) != 3 || got[0] != ferries.ID {
			t.Fatalf("ferr*: found %v, want %d first of three", got, ferries.ID)
		}
		h := f.post(e.ID, headline("Ferry company apologises"), body("A statement."))
		want(t, found(t, e.ID, "ferry"), h.ID, ferryBody.ID, quote.ID)
		f.remove(h)
	})
	t.Run("AllWords", func(t *testing.T) {
		wantSet(t, found(t, e.ID, "prime minister"), minister.ID, quote.ID)
		want(t, found(t, e.ID, "ferry storm"))
		want(t, found(t, e.ID, "minister's spokesman"), quote.ID)
	})
	t.Run("Phrase", func(t *testing.T) {
		want(t, found(t, e.ID, `"prime minister"`), quote.ID)
		want(t, found(t, e.ID, `"minister prime"`))
		want(t, found(t, e.ID, `"prime minister's spokesman"`), quote.ID)
		// An unclosed quote runs to the end.
		want(t, found(t, e.ID, `"ferry timetable`), quote.ID)
	})
	t.Run("Prefix", func(t *testing.T) {
		want(t, found(t, e.ID, "spokes*"), quote.ID)
		want(t, found(t, e.ID, "zür*"), ferries.ID)
		want(t, found(t, e.ID, `"ferry time"*`), quote.ID)
		want(t, found(t, e.ID, "spokes"))
	})
	t.Run("Exclude", func(t *testing.T) {
		want(t, found(t, e.ID, "minister -spokesman"), minister.ID)
		want(t, found(t, e.ID, "ferry -tonight -budget"))
		want(t, found(t, e.ID, `minister -"prime one"`), quote.ID)
		want(t, found(t, e.ID, "ferr* -apolog*"), ferries.ID, quote.ID)
	})
	t.Run("Syntax", func(t *testing.T) {
		// What a full-text engine reads as operators is only words here.
		or := f.post(e.ID, headline("Leave or remain"), body("NEAR the AND gate: NOT (this) {col}: x^y"))
		want(t, found(t, e.ID, "or"), or.ID)
		want(t, found(t, e.ID, `NEAR(the)`), or.ID)
		want(t, found(t, e.ID, `and not`), or.ID)
		want(t, found(t, e.ID, `{col}: "x^y" '`), or.ID)
		want(t, found(t, e.ID, `remain OR zürich`))
		f.remove(or)
	})
	t.Run("ReadersPublishedOnly", func(t *testing.T) {
		draft := f.post(e.ID, headline("Embargoed figures"), func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
		sched := f.post(e.ID, headline("Embargoed tomorrow"), func(p *liveblog.Post) {
			p.Status, p.ScheduledAt = liveblog.StatusScheduled, clock(24*60)
		})
		want(t, found(t, e.ID, "embargoed"))
		want(t, found(t, e.ID, "embargoed", liveblog.StatusDraft), draft.ID)
		wantSet(t, found(t, e.ID, "embargoed", liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished), sched.ID, draft.ID)
		published := liveblog.StatusPublished
		f.change(draft.ID, &liveblog.PostUpdate{Status: &published, Version: draft.Version})
		want(t, found(t, e.ID, "embargoed"), draft.ID)
		f.remove(f.findPost(draft.ID))
		f.remove(sched)
	})
	t.Run("Edit", func(t *testing.T) {
		p := f.post(e.ID, headline("Lorries queue"), body("At the port of Dover."))
		want(t, found(t, e.ID, "dover"), p.ID)
		hl, blocks := "Lorries queue at Holyhead", []liveblog.Block{liveblog.Plain("At the port.")}
		p = f.change(p.ID, &liveblog.PostUpdate{Headline: &hl, Blocks: &blocks, Version: p.Version})
		want(t, found(t, e.ID, "dover"))
		want(t, found(t, e.ID, "holyhead"), p.ID)
		// A pin does not change the words; the post is still found once.
		p = f.change(p.ID, liveblog.PinPost{Pinned: true, Version: p.Version})
		want(t, found(t, e.ID, "holyhead"), p.ID)
		f.remove(p)
	})
	t.Run("Takedown", func(t *testing.T) {
		p := f.post(e.ID, headline("Defamatory claim"), body("A libellous allegation."))
		draft := f.post(e.ID, headline("Libellous draft"), func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
		all := []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished}
		want(t, found(t, e.ID, "libellous", all...), draft.ID, p.ID)
		p = f.remove(p)
		f.remove(draft)
		want(t, found(t, e.ID, "libellous", all...))
		want(t, found(t, 0, "libellous", all...))
		// Restoring publishes the post again, and so makes it findable.
		p = f.change(p.ID, liveblog.RestorePost{Version: p.Version})
		want(t, found(t, e.ID, "allegation"), p.ID)
		f.remove(p)
	})
	t.Run("RolledBack", func(t *testing.T) {
		// The second write under one Idempotency-Key fails after its post
		// is written and indexed: rolling it back takes the post out of
		// the index with it.
		req := func() liveblog.Write {
			return liveblog.Write{Idempotent: &liveblog.IdempotentRequest{TokenID: 1, Key: "search-rollback", Method: "POST", Path: "/p", Hash: "h"}}
		}
		first := &liveblog.Post{EventID: e.ID, Headline: "Harbour reopens"}
		if err := s.CreatePost(ctx, req(), first); err != nil {
			t.Fatal(err)
		}
		second := &liveblog.Post{EventID: e.ID, Headline: "Harbour closes again"}
		if err := s.CreatePost(ctx, req(), second); err == nil {
			t.Fatal("a second write under the same key succeeded")
		}
		want(t, found(t, e.ID, "harbour"), first.ID)
		want(t, found(t, e.ID, "closes"))
		f.remove(first)
	})
	t.Run("Events", func(t *testing.T) {
		other := f.event(func(ev *liveblog.Event) { ev.Title = "Election night" })
		p := f.post(other.ID, headline("Ferry vote count"), body("Counting continues."))
		want(t, found(t, e.ID, "counting"))
		want(t, found(t, other.ID, "counting"), p.ID)
		res := search(t, liveblog.SearchFilter{Query: "ferry vote"})
		if len(res.Hits) != 1 || res.Hits[0].Post.ID != p.ID || res.Hits[0].EventSlug != other.Slug || res.Hits[0].EventTitle != other.Title {
			t.Fatalf("every event's posts: got %+v, want post %d of %s", res.Hits, p.ID, other.Slug)
		}
		got := found(t, 0, "ferr*")
		if len(got) != 4 || got[0] != ferries.ID && got[0] != p.ID {
			t.Fatalf("ferr* in every event: found %v, want four, a headline's first", got)
		}
	})
	t.Run("Page", func(t *testing.T) {
		ev := f.event()
		var ids []int64
		for i := range 5 {
			ids = append(ids, f.post(ev.ID, headline(fmt.Sprintf("Update %d", i)), body("Same words.")).ID)
		}
		slices.Reverse(ids) // equal ranks come newest first
		var got []int64
		for offset := 0; ; offset += 2 {
			res := search(t, liveblog.SearchFilter{EventID: ev.ID, Query: "same words", Limit: 2, Offset: offset})
			for _, h := range res.Hits {
				got = append(got, h.Post.ID)
			}
			if !res.More {
				if len(res.Hits) != 1 {
					t.Fatalf("last page at offset %d: %d hits, want 1", offset, len(res.Hits))
				}
				break
			}
		}
		want(t, got, ids...)
	})
	t.Run("Import", func(t *testing.T) {
		ie, posts, feed := imported(fmt.Sprintf("search-import-%d", e.ID))
		if err := s.ImportEvent(ctx, ie, posts, feed, nil); err != nil {
			t.Fatal(err)
		}
		all := []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished}
		want(t, found(t, ie.ID, "landfall"), posts[0].ID)
		want(t, found(t, ie.ID, "180"), posts[0].ID)
		want(t, found(t, ie.ID, "unfinished", all...), posts[1].ID)
		want(t, found(t, ie.ID, "taken", all...))
		want(t, found(t, ie.ID, "tomorrow", all...), posts[3].ID)
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			f     liveblog.SearchFilter
			field string
		}{
			{"Empty", liveblog.SearchFilter{EventID: e.ID, Query: "  "}, "q"},
			{"Punctuation", liveblog.SearchFilter{EventID: e.ID, Query: `"" * - ()`}, "q"},
			{"OnlyExcluded", liveblog.SearchFilter{EventID: e.ID, Query: "-ferry"}, "q"},
			{"TooLong", liveblog.SearchFilter{EventID: e.ID, Query: strings.Repeat("a", liveblog.MaxSearchLength+1)}, "q"},
			{"TooManyTerms", liveblog.SearchFilter{EventID: e.ID, Query: strings.Repeat("w ", liveblog.MaxSearchTerms+1)}, "q"},
			{"ShortPrefix", liveblog.SearchFilter{EventID: e.ID, Query: "f*"}, "q"},
			{"Deleted", liveblog.SearchFilter{EventID: e.ID, Query: "ferry", Statuses: []liveblog.PostStatus{liveblog.StatusDeleted}}, "status"},
			{"Offset", liveblog.SearchFilter{EventID: e.ID, Query: "ferry", Offset: liveblog.MaxSearchOffset + 1}, "offset"},
			{"Limit", liveblog.SearchFilter{EventID: e.ID, Query: "ferry", Limit: -1}, "limit"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.Search(ctx, tt.f)
				if liveblog.ErrorCode(err) != liveblog.EINVALID || liveblog.ErrorField(err) != tt.field {
					t.Fatalf("got %v, want invalid %s", err, tt.field)
				}
			})
		}
		if _, err := s.Search(ctx, liveblog.SearchFilter{EventID: 1 << 40, Query: "ferry"}); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Fatalf("an event that does not exist: got %v, want not found", err)
		}
	})
}

// change makes transition tr of post id and returns the post as it left it.
func (f *fixture) change(id int64, tr liveblog.PostTransition) *liveblog.Post {
	f.t.Helper()
	p, err := f.s.ChangePost(f.ctx, liveblog.Write{}, id, tr)
	if err != nil {
		f.t.Fatalf("ChangePost(%d, %T): %v", id, tr, err)
	}
	return p
}

// remove deletes p, as a takedown does, and returns it deleted.
func (f *fixture) remove(p *liveblog.Post) *liveblog.Post {
	f.t.Helper()
	return f.change(p.ID, liveblog.DeletePost{Version: f.findPost(p.ID).Version})
}
