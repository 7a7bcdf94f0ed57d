package dump_test

import (
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/dump"
)

func TestFeedGapless(t *testing.T) {
	for _, tt := range []struct {
		name string
		feed dump.Feed
		want bool
	}{
		{"Empty", dump.Feed{}, true},
		{"Whole", dump.Feed{Head: 3, Changes: 3, First: 1, Last: 3}, true},
		{"Trimmed", dump.Feed{Head: 10, Floor: 7, Changes: 3, First: 8, Last: 10}, true},
		{"TrimmedToNothing", dump.Feed{Head: 10, Floor: 10}, true},
		{"ErrMissingChanges", dump.Feed{Head: 3}, false},
		{"ErrGap", dump.Feed{Head: 3, Changes: 2, First: 1, Last: 3}, false},
		{"ErrBeyondHead", dump.Feed{Head: 3, Changes: 3, First: 2, Last: 4}, false},
		{"ErrBelowFloor", dump.Feed{Head: 5, Floor: 2, Changes: 3, First: 2, Last: 4}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.feed.Gapless(); got != tt.want {
				t.Errorf("%s: Gapless = %v, want %v", tt.feed, got, tt.want)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	records := []dump.Record{
		{User: &liveblog.User{ID: 1}},
		{Event: &dump.Event{Event: liveblog.Event{ID: 1, Slug: "budget", Head: 3}, Floor: 1}},
		{Event: &dump.Event{Event: liveblog.Event{ID: 2, Slug: "election"}}},
		{Post: &liveblog.Post{ID: 1, EventID: 1, Status: liveblog.StatusPublished}},
		{Post: &liveblog.Post{ID: 2, EventID: 1, Status: liveblog.StatusDraft}},
		{Change: &dump.Change{EventID: 1, Seq: 2}},
		{Change: &dump.Change{EventID: 1, Seq: 3}},
		{Token: &liveblog.Token{ID: 1}},
	}
	tally := dump.NewTally()
	for _, r := range records {
		tally.Add(r)
	}
	want := tally.Census()

	t.Run("Same", func(t *testing.T) {
		if diffs := dump.Diff(want, tally.Census()); diffs != nil {
			t.Errorf("Diff = %v, want none", diffs)
		}
		rows := map[string]int64{}
		for _, r := range want.Rows {
			rows[r.Name] = r.N
		}
		for name, n := range map[string]int64{"users": 1, "events": 2, "posts": 2, "changes": 2, "tokens": 1, "sessions": 0,
			"posts.published": 1, "posts.draft": 1, "posts.deleted": 0} {
			if rows[name] != n {
				t.Errorf("%s = %d, want %d", name, rows[name], n)
			}
		}
	})
	t.Run("ErrRows", func(t *testing.T) {
		got := dump.NewCensus(map[string]int64{"users": 1, "events": 2, "posts": 2, "changes": 2, "tokens": 2},
			map[liveblog.PostStatus]int64{liveblog.StatusPublished: 1, liveblog.StatusDraft: 1}, want.Events)
		wantDiffs(t, dump.Diff(want, got), "tokens: 2 rows, want 1")
	})
	t.Run("ErrFeed", func(t *testing.T) {
		feeds := append([]dump.Feed(nil), want.Events...)
		feeds[0].Changes, feeds[0].First = 1, 3
		got := dump.NewCensus(tableCounts(want), statusCounts(want), feeds)
		wantDiffs(t, dump.Diff(want, got), "event 1 (budget): head 3, floor 1, 1 changes 3-3, want head 3, floor 1, 2 changes 2-3",
			"event 1 (budget): feed head 3, floor 1, 1 changes 3-3 is not gapless")
	})
	t.Run("ErrMissingEvent", func(t *testing.T) {
		got := dump.NewCensus(tableCounts(want), statusCounts(want), want.Events[:1])
		wantDiffs(t, dump.Diff(want, got), "event 2 (election): missing")
	})
}

func tableCounts(c *dump.Census) map[string]int64 {
	m := map[string]int64{}
	for _, r := range c.Rows {
		m[r.Name] = r.N
	}
	return m
}

func statusCounts(c *dump.Census) map[liveblog.PostStatus]int64 {
	m := map[liveblog.PostStatus]int64{}
	for _, st := range dump.PostStatuses {
		m[st] = tableCounts(c)[dump.PostStatusRow(st)]
	}
	return m
}

func wantDiffs(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
