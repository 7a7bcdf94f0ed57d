package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/dump"
)

// TestLoad loads records straight into a store; the round trip from SQLite
// with every kind of row is TestMigrate in cmd/liveblog.
func TestLoad(t *testing.T) {
	database(t)
	ctx := context.Background()
	at := time.Date(2026, 2, 13, 9, 0, 0, 123456000, time.UTC)
	event := func(head, floor int64) dump.Record {
		return dump.Record{Event: &dump.Event{Event: liveblog.Event{ID: 7, Slug: "budget", Title: "Budget", State: liveblog.CoverageLive,
			TimeZone: liveblog.DefaultTimeZone, CreatedAt: at, UpdatedAt: at, CoverageStartedAt: at, Version: 2, Head: head}, Floor: floor}}
	}
	post := dump.Record{Post: &liveblog.Post{ID: 40, EventID: 7, Headline: "Tax", Blocks: []liveblog.Block{liveblog.Plain("Unchanged.")},
		Status: liveblog.StatusPublished, PublishedAt: at, CreatedAt: at, UpdatedAt: at, Version: 1}}
	payload, err := json.Marshal(post.Post)
	if err != nil {
		t.Fatal(err)
	}
	change := func(seq int64) dump.Record {
		return dump.Record{Change: &dump.Change{EventID: 7, Seq: seq, Kind: liveblog.ChangePostPublished, PostID: 40, Data: payload, CreatedAt: at}}
	}
	rows := func(records ...dump.Record) func(func(dump.Record) error) error {
		return func(put func(dump.Record) error) error {
			for _, r := range records {
				if err := put(r); err != nil {
					return err
				}
			}
			return nil
		}
	}
	wantEmpty := func(t *testing.T, s *Store) {
		t.Helper()
		c, err := s.Census(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range c.Rows {
			if r.N != 0 {
				t.Errorf("%s has %d rows after a failed load, want none", r.Name, r.N)
			}
		}
	}

	t.Run("OK", func(t *testing.T) {
		s := mustOpen(t, freshSchema(t))
		if err := s.Load(ctx, rows(event(5, 4), post, change(5))); err != nil {
			t.Fatal(err)
		}
		b, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: 7, After: 4})
		if err != nil {
			t.Fatal(err)
		}
		if b.Head != 5 || b.Floor != 4 || len(b.Changes) != 1 || b.Changes[0].Post == nil || !b.Changes[0].CreatedAt.Equal(at) {
			t.Errorf("feed = %+v, want head 5, floor 4 and change 5 with its post and time", b)
		}
		// Identities move past the loaded ids.
		p := &liveblog.Post{EventID: 7, Headline: "Next", Status: liveblog.StatusDraft}
		if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil || p.ID != 41 {
			t.Errorf("next post: id %d, %v; want 41", p.ID, err)
		}
	})

	t.Run("ErrNotEmpty", func(t *testing.T) {
		s := mustOpen(t, freshSchema(t))
		if err := s.CreateToken(ctx, liveblog.Write{}, &liveblog.Token{Name: "t", Hash: liveblog.HashToken("t")}); err != nil {
			t.Fatal(err)
		}
		err := s.Load(ctx, rows(event(0, 0)))
		if liveblog.ErrorCode(err) != liveblog.ECONFLICT || !strings.Contains(liveblog.ErrorMessage(err), "tokens") {
			t.Fatalf("Load into a store with a token = %v, want a conflict naming tokens", err)
		}
		if _, err := s.FindEventByID(ctx, 7); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Errorf("the event was written: %v", err)
		}
	})

	// A feed that is not gapless is caught by the census before commit.
	t.Run("ErrGap", func(t *testing.T) {
		s := mustOpen(t, freshSchema(t))
		err := s.Load(ctx, rows(event(6, 4), post, change(6)))
		if err == nil || !strings.Contains(err.Error(), "not gapless") {
			t.Fatalf("Load of a feed with a gap = %v, want it refused", err)
		}
		wantEmpty(t, s)
	})

	t.Run("ErrSource", func(t *testing.T) {
		s := mustOpen(t, freshSchema(t))
		failure := errors.New("source read failed")
		err := s.Load(ctx, func(put func(dump.Record) error) error {
			if err := put(event(1, 0)); err != nil {
				return err
			}
			return failure
		})
		if !errors.Is(err, failure) {
			t.Fatalf("Load = %v, want the source's error", err)
		}
		wantEmpty(t, s)
	})
}
