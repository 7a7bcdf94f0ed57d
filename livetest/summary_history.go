package livetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// TestSummaryHistory runs the contract of an event's summary history: every
// replaced summary is kept, with who replaced it and when, in the
// replacing transaction; a restore is a summary change like any other.
func TestSummaryHistory(t *testing.T, open OpenAuditedStore) {
	ctx := context.Background()
	clock := newClock()
	s := open(t, clock.now)
	ana := liveblog.Write{Audit: liveblog.AuditEntry{UserID: 3, UserName: "Ana Reyes", Action: "event.summary", Address: "192.0.2.7"}}
	ev := &liveblog.Event{Slug: "storm", Title: "Storm", State: liveblog.CoverageLive}
	if err := s.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	history := func(t *testing.T) []*liveblog.SummaryRecord {
		t.Helper()
		h, err := s.FindSummaryHistory(ctx, ev.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	replace := func(t *testing.T, w liveblog.Write, points ...string) {
		t.Helper()
		clock.advance(time.Minute)
		next, err := s.ChangeEvent(ctx, w, ev.ID, liveblog.ReplaceSummary{Points: points, Version: ev.Version})
		if err != nil {
			t.Fatal(err)
		}
		ev = next
	}

	// An event created without key points has none to keep.
	replace(t, liveblog.Write{}, "Ferries cancelled")
	if h := history(t); len(h) != 0 {
		t.Fatalf("history after the first summary: %+v, want none", h)
	}
	firstSet := ev.Summary.UpdatedAt
	replace(t, ana, "Ferries cancelled", "Coastal road shut")
	h := history(t)
	if len(h) != 1 {
		t.Fatalf("history: %d records, want 1", len(h))
	}
	first := h[0]
	if first.ID == 0 || first.EventID != ev.ID || !slices.Equal(first.Points, []string{"Ferries cancelled"}) ||
		!first.UpdatedAt.Equal(firstSet) || !first.ReplacedAt.Equal(clock.now()) || first.UserID != 3 || first.UserName != "Ana Reyes" {
		t.Errorf("record = %+v, want the points set at %v, replaced by Ana Reyes at %v", first, firstSet, clock.now())
	}

	t.Run("FailedReplaceKeepsNothing", func(t *testing.T) {
		_, err := s.ChangeEvent(ctx, ana, ev.ID, liveblog.ReplaceSummary{Points: []string{"Stale"}, Version: ev.Version - 1})
		wantError(t, err, liveblog.ECONFLICT, "")
		if got := history(t); len(got) != 1 {
			t.Errorf("history after a refused replace: %d records, want 1", len(got))
		}
	})

	t.Run("Restore", func(t *testing.T) {
		clock.advance(time.Minute)
		head := ev.Head
		restored, err := s.RestoreSummary(ctx, ana, ev.ID, first.ID, ev.Version)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(restored.Summary.Points, first.Points) || restored.Version != ev.Version+1 || restored.Head != head+1 {
			t.Errorf("restored event = %+v, want the first points at the next version and head", restored)
		}
		found, err := s.FindEventByID(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(found.Summary.Points, first.Points) {
			t.Errorf("stored points = %q, want %q", found.Summary.Points, first.Points)
		}
		b, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: ev.ID, After: head})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Changes) != 1 || b.Changes[0].Kind != liveblog.ChangeSummary || !slices.Equal(b.Changes[0].Event.Summary.Points, first.Points) {
			t.Errorf("feed after a restore: %+v, want one summary change with the restored points", b.Changes)
		}
		// The summary the restore replaced is kept too, newest first.
		h := history(t)
		if len(h) != 2 || !slices.Equal(h[0].Points, []string{"Ferries cancelled", "Coastal road shut"}) || h[1].ID != first.ID {
			t.Errorf("history after a restore = %+v, want the replaced summary first, then the restored one", h)
		}
		if newest, err := s.FindSummaryHistory(ctx, ev.ID, 1); err != nil || len(newest) != 1 || newest[0].ID != h[0].ID {
			t.Errorf("history limited to 1 = %+v, %v; want the newest record", newest, err)
		}
		audit, err := s.FindAudit(ctx, liveblog.AuditFilter{EventID: ev.ID, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(audit) != 1 || audit[0].Action != "event.summary" || !audit[0].At.Equal(clock.now()) {
			t.Errorf("audit = %+v, want the restore's line", audit)
		}
		ev = restored

		_, err = s.RestoreSummary(ctx, ana, ev.ID, first.ID, ev.Version-1)
		wantError(t, err, liveblog.ECONFLICT, "")
	})

	t.Run("NotThisEvents", func(t *testing.T) {
		other := &liveblog.Event{Slug: "other", Title: "Other", State: liveblog.CoverageLive}
		if err := s.CreateEvent(ctx, liveblog.Write{}, other); err != nil {
			t.Fatal(err)
		}
		_, err := s.RestoreSummary(ctx, ana, other.ID, first.ID, other.Version)
		wantError(t, err, liveblog.ENOTFOUND, "")
		if h, err := s.FindSummaryHistory(ctx, other.ID, 0); err != nil || len(h) != 0 {
			t.Errorf("other event's history = %v, %v; want none", h, err)
		}
		_, err = s.FindSummaryHistory(ctx, other.ID+100, 0)
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
}
