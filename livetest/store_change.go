package livetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/liveblog/liveblog"
)

func testFeed(t *testing.T, open OpenStore) {
	t.Run("PerEvent", func(t *testing.T) {
		f := newFixture(t, open)
		e1, e2 := f.event(), f.event()
		a, b := f.post(e1.ID), f.post(e2.ID)
		for _, x := range []struct {
			event *liveblog.Event
			post  *liveblog.Post
		}{{e1, a}, {e2, b}} {
			changes := f.feed(x.event.ID)
			wantKinds(t, changes, "post.published "+itoa(x.post.ID))
			if changes[0].Seq != 1 {
				t.Fatalf("event %d: first seq %d, want 1", x.event.ID, changes[0].Seq)
			}
		}
	})

	t.Run("Read", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		for range 15 {
			f.post(e.ID)
		}
		b, err := f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID, After: 3, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if got := seqs(b.Changes); !slices.Equal(got, []int64{4, 5, 6, 7, 8}) || b.Head != 15 || b.Floor != 0 {
			t.Fatalf("after 3, limit 5: got %v, head %d, floor %d; want 4..8, head 15, floor 0", got, b.Head, b.Floor)
		}
		b, err = f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID, After: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Changes) != 12 || b.Changes[11].Seq != 15 {
			t.Fatalf("after 3, no limit: got %v, want 4..15", seqs(b.Changes))
		}
		for _, after := range []int64{15, 20} {
			b, err = f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Changes) != 0 || b.NeedsReset(after) != (after > 15) {
				t.Fatalf("after %d: got %v, reset %v", after, seqs(b.Changes), b.NeedsReset(after))
			}
		}
		_, err = f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID, Limit: -1})
		wantError(t, err, liveblog.EINVALID, "limit")
		_, err = f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID + 1000})
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("ReadCapped", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		p := f.post(e.ID)
		for i := range liveblog.MaxChangesPerRead {
			var err error
			if p, err = f.s.ChangePost(f.ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Headline: ptr(fmt.Sprint("Edit ", i)), Version: p.Version}); err != nil {
				t.Fatal(err)
			}
		}
		b, err := f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID, Limit: liveblog.MaxChangesPerRead * 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Changes) != liveblog.MaxChangesPerRead || b.Head != liveblog.MaxChangesPerRead+1 {
			t.Fatalf("got %d changes, head %d; want %d, head %d", len(b.Changes), b.Head, liveblog.MaxChangesPerRead, liveblog.MaxChangesPerRead+1)
		}
	})

	t.Run("Trim", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		for range 10 {
			f.post(e.ID)
		}
		heard := len(f.heard.of(e.ID))
		if err := f.s.TrimChanges(f.ctx, e.ID, 4); err != nil {
			t.Fatal(err)
		}
		b, err := f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Changes) != 0 || b.Floor != 6 || b.Head != 10 || !b.NeedsReset(0) {
			t.Fatalf("after trimming to 4, from 0: got %v, floor %d, head %d; want nothing, floor 6, head 10", seqs(b.Changes), b.Floor, b.Head)
		}
		for after, want := range map[int64][]int64{5: nil, 6: {7, 8, 9, 10}, 8: {9, 10}} {
			b, err := f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if got := seqs(b.Changes); !slices.Equal(got, want) {
				t.Fatalf("after %d: got %v, want %v", after, got, want)
			}
		}
		if err := f.s.TrimChanges(f.ctx, e.ID, 100); err != nil {
			t.Fatal(err)
		}
		if got := f.feed(e.ID); len(got) != 4 {
			t.Fatalf("trimming to more than there are: %d changes left, want 4", len(got))
		}
		if err := f.s.TrimChanges(f.ctx, e.ID, 0); err != nil {
			t.Fatal(err)
		}
		b, err = f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID, After: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Changes) != 0 || b.Floor != 10 || b.NeedsReset(10) {
			t.Fatalf("after trimming everything: got %v, floor %d", seqs(b.Changes), b.Floor)
		}
		if got := len(f.heard.of(e.ID)); got != heard {
			t.Fatalf("trimming announced %d heads, want none", got-heard)
		}
		p := f.post(e.ID)
		b, err = f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: e.ID, After: 10})
		if err != nil {
			t.Fatal(err)
		}
		wantKinds(t, b.Changes, "post.published "+itoa(p.ID))
		if b.Changes[0].Seq != 11 {
			t.Fatalf("first change after a trim: seq %d, want 11", b.Changes[0].Seq)
		}

		wantError(t, f.s.TrimChanges(f.ctx, e.ID, -1), liveblog.EINVALID, "keep")
		wantError(t, f.s.TrimChanges(f.ctx, e.ID+1000, 1), liveblog.ENOTFOUND, "")
	})

	t.Run("Gapless", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		const writers, ops = 8, 40
		var wg sync.WaitGroup
		errs := make([]error, writers)
		start := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				<-start
				errs[w] = f.write(e.ID, w, ops)
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}

		changes := f.feed(e.ID)
		n := int64(len(changes))
		if n == 0 || changes[0].Seq != 1 || f.head(e.ID) != n {
			t.Fatalf("feed of %d changes from seq %v, head %d", n, seqs(changes[:min(1, len(changes))]), f.head(e.ID))
		}
		published := 0
		for _, c := range changes {
			if c.Kind == liveblog.ChangePostPublished {
				published++
			}
			if c.Post == nil && c.Event == nil {
				t.Fatalf("change %d (%s) has no payload", c.Seq, c.Kind)
			}
		}
		if want := writers * ops / 4; published != want {
			t.Fatalf("got %d post.published changes, want %d", published, want)
		}

		// Every transaction appended something, so each announced its own
		// final head: as many heads as transactions, none twice, the last
		// being the head.
		heard := f.heard.of(e.ID)
		if len(heard) != writers*ops {
			t.Fatalf("got %d announcements, want %d", len(heard), writers*ops)
		}
		slices.Sort(heard)
		if heard[0] < 1 || heard[len(heard)-1] != n || len(slices.Compact(heard)) != writers*ops {
			t.Fatalf("announced heads from %d to %d, some twice or beyond the head %d", heard[0], heard[len(heard)-1], n)
		}
	})
}

// write is one of several concurrent writers on one event: in turn it
// publishes a post, edits it, pins it and replaces the summary, retrying an
// edit that lost a race with another writer (a pin elsewhere unpins its
// post; the summary is everyone's).
func (f *fixture) write(eventID int64, w, ops int) error {
	var id int64
	for i := range ops {
		var err error
		switch i % 4 {
		case 0:
			p := &liveblog.Post{EventID: eventID, Headline: fmt.Sprintf("Writer %d, post %d", w, i)}
			err = f.s.CreatePost(f.ctx, liveblog.Write{}, p)
			id = p.ID
		case 1:
			err = retry(func() error {
				p, err := f.s.FindPostByID(f.ctx, id)
				if err != nil {
					return err
				}
				_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, id, &liveblog.PostUpdate{Headline: ptr(fmt.Sprintf("Writer %d, edit %d", w, i)), Version: p.Version})
				return err
			})
		case 2:
			err = retry(func() error {
				p, err := f.s.FindPostByID(f.ctx, id)
				if err != nil {
					return err
				}
				_, err = f.s.ChangePost(f.ctx, liveblog.Write{}, id, liveblog.PinPost{Pinned: true, Version: p.Version})
				return err
			})
		case 3:
			err = retry(func() error {
				e, err := f.s.FindEventByID(f.ctx, eventID)
				if err != nil {
					return err
				}
				_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, eventID, liveblog.ReplaceSummary{Points: []string{fmt.Sprintf("Writer %d, point %d", w, i)}, Version: e.Version})
				return err
			})
		}
		if err != nil {
			return fmt.Errorf("writer %d, op %d: %w", w, i, err)
		}
	}
	return nil
}

// retry runs fn until it does not report a stale version, a bounded number
// of times so that a store that always conflicts fails instead of hanging.
func retry(fn func() error) error {
	for range 1000 {
		err := fn()
		var ce *liveblog.ConflictError
		if !errors.As(err, &ce) {
			return err
		}
	}
	return errors.New("still conflicting after 1000 attempts")
}

func seqs(changes []*liveblog.Change) []int64 {
	var s []int64
	for _, c := range changes {
		s = append(s, c.Seq)
	}
	return s
}
