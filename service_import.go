package liveblog

import (
	"context"
	"fmt"
)

// ImportEvent writes a whole event as another instance recorded it: the event
// with its version and times, every post in every status with its own
// version and times, and the feed from feed.Floor+1 to feed.Head with each
// change's payload and time. Nothing is stamped with the present and no
// change is appended, so that sequences, versions and times survive a move
// between instances (see the transfer package).
//
// The ids of e and of the posts are kept when every one of them is free here,
// as in a fresh instance, so that permalinks keep working; otherwise all of
// them get new ones and the feed's references follow. history is the
// event's replaced summaries, oldest first, stored as they are (their ids
// are new, and UserID is 0: accounts do not move with an event). On return e and posts
// hold the ids they were stored under, and e.Head is feed.Head.
func (s *Service) ImportEvent(ctx context.Context, e *Event, posts []*Post, feed *ChangeBatch, history []*SummaryRecord) error {
	if err := validateImport(e, posts, feed); err != nil {
		return err
	}
	for i, r := range history {
		if err := ValidateSummary(r.Points); err != nil {
			return renameSummaryField(err, i)
		}
	}
	return s.write(ctx, Write{}, func(t *txn) (target, error) {
		ids := make([]int64, len(posts))
		for i, p := range posts {
			ids[i] = p.ID
		}
		keep, err := t.ReserveIDs(e.ID, ids)
		if err != nil {
			return target{}, fmt.Errorf("import event: %w", err)
		}
		next := *e
		next.Head = feed.Head
		next.Summary.UpdatedAt = utc(next.Summary.UpdatedAt)
		next.CoverageStartedAt, next.CoverageEndedAt = utc(next.CoverageStartedAt), utc(next.CoverageEndedAt)
		next.CreatedAt, next.UpdatedAt = utc(next.CreatedAt), utc(next.UpdatedAt)
		if !keep {
			next.ID = 0
		}
		if err := t.InsertEvent(&next, feed.Floor); err != nil {
			return target{}, err
		}

		stored := make([]Post, len(posts))
		newIDs := make(map[int64]int64, len(posts))
		for i, p := range posts {
			q := *p
			q.EventID = next.ID
			q.ScheduledAt, q.PublishedAt, q.EditedAt = utc(q.ScheduledAt), utc(q.PublishedAt), utc(q.EditedAt)
			q.CreatedAt, q.UpdatedAt = utc(q.CreatedAt), utc(q.UpdatedAt)
			if !keep {
				q.ID = 0
			}
			if err := t.InsertPost(&q); err != nil {
				return target{}, fmt.Errorf("import post: %w", err)
			}
			if err := t.indexPost(nil, &q); err != nil {
				return target{}, fmt.Errorf("import post: %w", err)
			}
			newIDs[p.ID] = q.ID
			stored[i] = q
		}

		for _, c := range feed.Changes {
			if err := t.InsertChange(importedChange(c, &next, newIDs)); err != nil {
				return target{}, fmt.Errorf("import change %d: %w", c.Seq, err)
			}
		}
		for _, r := range history {
			rec := SummaryRecord{EventID: next.ID, Points: nonNilPoints(r.Points), UpdatedAt: utc(r.UpdatedAt),
				ReplacedAt: utc(r.ReplacedAt), UserName: r.UserName}
			if err := t.InsertSummaryRecord(&rec); err != nil {
				return target{}, fmt.Errorf("import summary history: %w", err)
			}
		}
		if feed.Head > 0 {
			t.heads[next.ID] = feed.Head
		}
		*e = next
		for i := range posts {
			*posts[i] = stored[i]
		}
		return target{}, nil
	})
}

// importedChange is c as the feed of ev keeps it, with its sequence and
// time, its references pointed at the ids the posts were stored under.
func importedChange(c *Change, ev *Event, ids map[int64]int64) *Change {
	out := &Change{EventID: ev.ID, Seq: c.Seq, Kind: c.Kind, PostID: ids[c.PostID], CreatedAt: utc(c.CreatedAt)}
	switch {
	case c.Post != nil:
		p := *c.Post
		p.ID, p.EventID = ids[c.Post.ID], ev.ID
		out.Post = &p
	case c.Event != nil:
		e := *c.Event
		// The payload of an event change is the event as the change left
		// it, head included, as appendChange writes it.
		e.ID, e.Head = ev.ID, c.Seq
		out.Event = &e
	}
	return out
}

// validateImport checks what ImportEvent is given: each record as the domain
// would accept it, and a feed that is gapless from its floor to its head and
// refers only to the event's own posts.
func validateImport(e *Event, posts []*Post, feed *ChangeBatch) error {
	if e.State == "" {
		return FieldError("state", "An imported event names its coverage state.")
	} else if e.TimeZone == "" {
		return FieldError("time_zone", "An imported event names its time zone.")
	}
	ev := *e
	if err := ev.Validate(); err != nil {
		return err
	}
	if e.Version < 1 {
		return FieldError("version", "An imported event has a version of 1 or more.")
	}
	seen := make(map[int64]bool, len(posts))
	pinned := 0
	for _, p := range posts {
		if err := validateImportedPost(p); err != nil {
			return err
		}
		if p.ID <= 0 || seen[p.ID] {
			return FieldError("posts", "Post ids must be positive and distinct (post %d).", p.ID)
		}
		seen[p.ID] = true
		if p.Pinned {
			pinned++
		}
	}
	if pinned > 1 {
		return FieldError("pinned", "An event has at most one pinned post.")
	}
	if feed == nil || feed.Floor < 0 || feed.Head < feed.Floor || int64(len(feed.Changes)) != feed.Head-feed.Floor {
		return FieldError("feed", "The feed must hold every change from its floor to its head.")
	}
	for i, c := range feed.Changes {
		if want := feed.Floor + int64(i) + 1; c.Seq != want {
			return FieldError("feed", "The feed has change %d where %d belongs: it must be gapless.", c.Seq, want)
		}
		if c.PostID != 0 && !seen[c.PostID] {
			return FieldError("feed", "Change %d refers to post %d, which is not in the event.", c.Seq, c.PostID)
		}
		if c.Post != nil && c.Post.ID != c.PostID {
			return FieldError("feed", "Change %d carries post %d but names post %d.", c.Seq, c.Post.ID, c.PostID)
		}
		if c.Post != nil && c.Event != nil {
			return FieldError("feed", "Change %d carries both a post and an event.", c.Seq)
		}
	}
	return nil
}

// validateImportedPost checks a post as ImportEvent takes it: what the domain
// asks of a new post, in any status, deleted included.
func validateImportedPost(p *Post) error {
	q := *p
	switch q.Status {
	case StatusDeleted:
		// A deleted post was valid when it was written; Validate only
		// knows the statuses a post can be created in.
		q.Status = StatusDraft
	case "":
		return FieldError("status", "An imported post names its status.")
	}
	if q.Pinned && p.Status != StatusPublished {
		return FieldError("pinned", "Only a published post can be pinned (post %d).", p.ID)
	}
	if err := q.Validate(); err != nil {
		return err
	}
	if p.Version < 1 {
		return FieldError("version", "An imported post has a version of 1 or more (post %d).", p.ID)
	}
	return nil
}
