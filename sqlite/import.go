package sqlite

import (
	"context"
	"fmt"

	"github.com/liveblog/liveblog"
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
// them get new ones and the feed's references follow. On return e and posts
// hold the ids they were stored under, and e.Head is feed.Head.
func (s *Store) ImportEvent(ctx context.Context, e *liveblog.Event, posts []*liveblog.Post, feed *liveblog.ChangeBatch) error {
	if err := validateImport(e, posts, feed); err != nil {
		return err
	}
	return s.update(ctx, func(tx *tx) error {
		keep, err := tx.idsFree(ctx, e, posts)
		if err != nil {
			return err
		}
		next := *e
		next.Head = feed.Head
		summary, err := jsonValue(next.Summary.Points)
		if err != nil {
			return err
		}
		var eventID any
		if keep {
			eventID = e.ID
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO events (id, slug, title, description, state, time_zone, summary,
			summary_updated_at, coverage_started_at, coverage_ended_at, created_at, updated_at, version, head, floor)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			eventID, next.Slug, next.Title, next.Description, next.State, next.TimeZone, summary,
			timeValue(utc(next.Summary.UpdatedAt)), timeValue(utc(next.CoverageStartedAt)), timeValue(utc(next.CoverageEndedAt)),
			timeValue(utc(next.CreatedAt)), timeValue(utc(next.UpdatedAt)), next.Version, feed.Head, feed.Floor).Scan(&next.ID)
		if isUnique(err, "events.slug") {
			return &liveblog.Error{Code: liveblog.ECONFLICT, Field: "slug", Message: "Another event already uses this slug."}
		} else if err != nil {
			return fmt.Errorf("import event: %w", err)
		}

		ids := make(map[int64]int64, len(posts))
		stored := make([]liveblog.Post, len(posts))
		for i, p := range posts {
			q := *p
			q.EventID = next.ID
			q.ScheduledAt, q.PublishedAt, q.EditedAt = utc(q.ScheduledAt), utc(q.PublishedAt), utc(q.EditedAt)
			q.CreatedAt, q.UpdatedAt = utc(q.CreatedAt), utc(q.UpdatedAt)
			if !keep {
				q.ID = 0
			}
			if err := tx.importPost(ctx, &q); err != nil {
				return err
			}
			ids[p.ID] = q.ID
			stored[i] = q
		}

		for _, c := range feed.Changes {
			if err := tx.importChange(ctx, &next, ids, c); err != nil {
				return err
			}
		}
		if feed.Head > 0 {
			tx.heads[next.ID] = feed.Head
		}
		*e = next
		for i := range posts {
			*posts[i] = stored[i]
		}
		return nil
	})
}

// validateImport checks what ImportEvent is given: each record as the domain
// would accept it, and a feed that is gapless from its floor to its head and
// refers only to the event's own posts.
func validateImport(e *liveblog.Event, posts []*liveblog.Post, feed *liveblog.ChangeBatch) error {
	if e.State == "" {
		return liveblog.FieldError("state", "An imported event names its coverage state.")
	} else if e.TimeZone == "" {
		return liveblog.FieldError("time_zone", "An imported event names its time zone.")
	}
	ev := *e
	if err := ev.Validate(); err != nil {
		return err
	}
	if e.Version < 1 {
		return liveblog.FieldError("version", "An imported event has a version of 1 or more.")
	}
	seen := make(map[int64]bool, len(posts))
	pinned := 0
	for _, p := range posts {
		if err := validateImportedPost(p); err != nil {
			return err
		}
		if p.ID <= 0 || seen[p.ID] {
			return liveblog.FieldError("posts", "Post ids must be positive and distinct (post %d).", p.ID)
		}
		seen[p.ID] = true
		if p.Pinned {
			pinned++
		}
	}
	if pinned > 1 {
		return liveblog.FieldError("pinned", "An event has at most one pinned post.")
	}
	if feed == nil || feed.Floor < 0 || feed.Head < feed.Floor || int64(len(feed.Changes)) != feed.Head-feed.Floor {
		return liveblog.FieldError("feed", "The feed must hold every change from its floor to its head.")
	}
	for i, c := range feed.Changes {
		if want := feed.Floor + int64(i) + 1; c.Seq != want {
			return liveblog.FieldError("feed", "The feed has change %d where %d belongs: it must be gapless.", c.Seq, want)
		}
		if c.PostID != 0 && !seen[c.PostID] {
			return liveblog.FieldError("feed", "Change %d refers to post %d, which is not in the event.", c.Seq, c.PostID)
		}
		if c.Post != nil && c.Post.ID != c.PostID {
			return liveblog.FieldError("feed", "Change %d carries post %d but names post %d.", c.Seq, c.Post.ID, c.PostID)
		}
		if c.Post != nil && c.Event != nil {
			return liveblog.FieldError("feed", "Change %d carries both a post and an event.", c.Seq)
		}
	}
	return nil
}

// validateImportedPost checks a post as ImportEvent takes it: what the domain
// asks of a new post, in any status, deleted included.
func validateImportedPost(p *liveblog.Post) error {
	q := *p
	switch q.Status {
	case liveblog.StatusDeleted:
		// A deleted post was valid when it was written; Validate only
		// knows the statuses a post can be created in.
		q.Status = liveblog.StatusDraft
	case "":
		return liveblog.FieldError("status", "An imported post names its status.")
	}
	if q.Pinned && p.Status != liveblog.StatusPublished {
		return liveblog.FieldError("pinned", "Only a published post can be pinned (post %d).", p.ID)
	}
	if err := q.Validate(); err != nil {
		return err
	}
	if p.Version < 1 {
		return liveblog.FieldError("version", "An imported post has a version of 1 or more (post %d).", p.ID)
	}
	return nil
}

// idsFree reports whether the event's id and every post id are unused here.
func (tx *tx) idsFree(ctx context.Context, e *liveblog.Event, posts []*liveblog.Post) (bool, error) {
	if e.ID <= 0 {
		return false, nil
	}
	var taken bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE id = ?)`, e.ID).Scan(&taken); err != nil {
		return false, fmt.Errorf("import event: %w", err)
	} else if taken {
		return false, nil
	}
	for _, p := range posts {
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM posts WHERE id = ?)`, p.ID).Scan(&taken); err != nil {
			return false, fmt.Errorf("import event: %w", err)
		} else if taken {
			return false, nil
		}
	}
	return true, nil
}

// importPost inserts p as it is, with its id unless that is 0.
func (tx *tx) importPost(ctx context.Context, p *liveblog.Post) error {
	blocks, contributors, err := postJSON(p)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO posts (id, event_id, headline, blocks, contributors, breaking,
		key_event, pinned, status, scheduled_at, published_at, edited_at, correction_note, created_at,
		updated_at, version, author_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		idValue(p.ID), p.EventID, p.Headline, blocks, contributors, p.Breaking, p.KeyEvent, p.Pinned, p.Status,
		timeValue(p.ScheduledAt), timeValue(p.PublishedAt), timeValue(p.EditedAt), p.CorrectionNote,
		timeValue(p.CreatedAt), timeValue(p.UpdatedAt), p.Version, idValue(p.AuthorID)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("import post: %w", err)
	}
	return nil
}

// importChange inserts c into the feed of ev with its sequence and time,
// pointing its references at the ids the posts were stored under.
func (tx *tx) importChange(ctx context.Context, ev *liveblog.Event, ids map[int64]int64, c *liveblog.Change) error {
	var data any
	switch {
	case c.Post != nil:
		p := *c.Post
		p.ID, p.EventID = ids[c.Post.ID], ev.ID
		data = &p
	case c.Event != nil:
		e := *c.Event
		// The payload of an event change is the event as the change left
		// it, head included; appendChange writes it so too.
		e.ID, e.Head = ev.ID, c.Seq
		data = &e
	}
	var payload any
	if data != nil {
		s, err := jsonValue(data)
		if err != nil {
			return err
		}
		payload = s
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO changes (event_id, seq, kind, post_id, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, ev.ID, c.Seq, c.Kind, idValue(ids[c.PostID]), payload, timeValue(utc(c.CreatedAt)))
	if err != nil {
		return fmt.Errorf("import change %d: %w", c.Seq, err)
	}
	return nil
}
