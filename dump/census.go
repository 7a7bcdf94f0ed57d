package dump

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/liveblog/liveblog"
)

// Census is what a copy is checked by: the rows of every table, the posts in
// each status, and each event's feed. Two stores holding the same record
// have equal censuses.
type Census struct {
	// Rows counts the rows of each table, in the order of Tables, then the
	// posts of each status as "posts.draft" and so on.
	Rows []Count
	// Events describes each event's feed, by event id.
	Events []Feed
}

// Count is the number of rows of one table, or one kind of row.
type Count struct {
	Name string
	N    int64
}

// Feed is one event's change feed as a census sees it.
type Feed struct {
	EventID int64
	Slug    string
	// Head and Floor are the event's; Changes counts the rows of its feed,
	// First and Last are their lowest and highest sequence (0 when none).
	Head, Floor int64
	Changes     int64
	First, Last int64
}

// Gapless reports whether the feed holds exactly the changes Floor+1 to
// Head: one row per sequence (the table's key makes them distinct), with
// none missing at either end.
func (f Feed) Gapless() bool {
	if f.Changes == 0 {
		return f.Head == f.Floor
	}
	return f.Changes == f.Head-f.Floor && f.First == f.Floor+1 && f.Last == f.Head
}

// PostStatuses are the statuses a census counts posts by.
var PostStatuses = []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished, liveblog.StatusDeleted}

// PostStatusRow names the count of posts in status st.
func PostStatusRow(st liveblog.PostStatus) string { return TablePosts + "." + string(st) }

// NewCensus returns a census from table counts (by name; tables not named
// count 0), post counts by status, and feeds in any order.
func NewCensus(tables map[string]int64, statuses map[liveblog.PostStatus]int64, feeds []Feed) *Census {
	c := &Census{}
	for _, t := range Tables {
		c.Rows = append(c.Rows, Count{t, tables[t]})
	}
	for _, st := range PostStatuses {
		c.Rows = append(c.Rows, Count{PostStatusRow(st), statuses[st]})
	}
	c.Events = slices.SortedFunc(slices.Values(feeds), func(a, b Feed) int { return cmp.Compare(a.EventID, b.EventID) })
	return c
}

// Tally builds the census of the records it is given, as a Loader checks
// what it wrote against what it was sent.
type Tally struct {
	tables   map[string]int64
	statuses map[liveblog.PostStatus]int64
	feeds    map[int64]*Feed
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{tables: map[string]int64{}, statuses: map[liveblog.PostStatus]int64{}, feeds: map[int64]*Feed{}}
}

// Add counts r.
func (t *Tally) Add(r Record) {
	t.tables[r.Table()]++
	switch {
	case r.Post != nil:
		t.statuses[r.Post.Status]++
	case r.Event != nil:
		f := t.feed(r.Event.ID)
		f.Slug, f.Head, f.Floor = r.Event.Slug, r.Event.Head, r.Event.Floor
	case r.Change != nil:
		f := t.feed(r.Change.EventID)
		f.Changes++
		if f.First == 0 || r.Change.Seq < f.First {
			f.First = r.Change.Seq
		}
		f.Last = max(f.Last, r.Change.Seq)
	}
}

func (t *Tally) feed(id int64) *Feed {
	f := t.feeds[id]
	if f == nil {
		f = &Feed{EventID: id}
		t.feeds[id] = f
	}
	return f
}

// Census returns the census of the records added so far.
func (t *Tally) Census() *Census {
	feeds := make([]Feed, 0, len(t.feeds))
	for _, f := range t.feeds {
		feeds = append(feeds, *f)
	}
	return NewCensus(t.tables, t.statuses, feeds)
}

// Diff lists, one line each, where census b differs from a, and every feed
// of b that is not gapless; nil means b holds what a holds.
func Diff(a, b *Census) []string {
	var diffs []string
	counts := map[string]int64{}
	for _, r := range a.Rows {
		counts[r.Name] = r.N
	}
	for _, r := range b.Rows {
		if n := counts[r.Name]; n != r.N {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows, want %d", r.Name, r.N, n))
		}
	}
	feeds := map[int64]Feed{}
	for _, f := range a.Events {
		feeds[f.EventID] = f
	}
	for _, f := range b.Events {
		want, ok := feeds[f.EventID]
		delete(feeds, f.EventID)
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("event %d (%s): not in the source", f.EventID, f.Slug))
		case f != want:
			diffs = append(diffs, fmt.Sprintf("event %d (%s): %s, want %s", f.EventID, f.Slug, f, want))
		}
		if !f.Gapless() {
			diffs = append(diffs, fmt.Sprintf("event %d (%s): feed %s is not gapless", f.EventID, f.Slug, f))
		}
	}
	for _, f := range a.Events {
		if _, missing := feeds[f.EventID]; missing {
			diffs = append(diffs, fmt.Sprintf("event %d (%s): missing", f.EventID, f.Slug))
		}
	}
	return diffs
}

// String describes a feed as "head 42, floor 10, 32 changes 11-42".
func (f Feed) String() string {
	if f.Changes == 0 {
		return fmt.Sprintf("head %d, floor %d, no changes", f.Head, f.Floor)
	}
	return fmt.Sprintf("head %d, floor %d, %d changes %d-%d", f.Head, f.Floor, f.Changes, f.First, f.Last)
}
