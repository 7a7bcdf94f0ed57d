package liveblog

import (
	"context"
	"slices"
	"time"
)

// CreatePost stores a new post. A published one enters the feed at once, and
// pinning it on creation unpins the event's other pinned post first.
func (s *Service) CreatePost(ctx context.Context, w Write, p *Post) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.write(ctx, w, func(t *txn) (target, error) {
		if err := t.LockEvent(p.EventID); err != nil {
			return target{}, err
		}
		next, kind := newPost(*p, t.Now())
		if err := t.savePost(nil, next, kind); err != nil {
			return target{}, err
		}
		*p = *next
		return postTarget(p), nil
	})
}

// ChangePost makes transition tr of post id, in one transaction with the
// changes it makes to the feed, and returns the post as it left it.
func (s *Service) ChangePost(ctx context.Context, w Write, id int64, tr PostTransition) (*Post, error) {
	if err := tr.Check(); err != nil {
		return nil, err
	}
	var out *Post
	err := s.write(ctx, w, func(t *txn) (target, error) {
		p, err := t.LockPost(id)
		if err != nil {
			return target{}, err
		}
		next := *p
		kind, err := tr.Apply(&next, t.Now())
		if err != nil {
			return target{}, err
		}
		if next.Version != p.Version {
			if err := t.savePost(p, &next, kind); err != nil {
				return target{}, err
			}
		}
		out = &next
		return postTarget(out), nil
	})
	return out, err
}

// savePost stores p, which was was (nil for a new post), and appends kind,
// the change it makes, to the feed. A post that becomes pinned unpins the
// event's other pinned post first, telling the feed, so that an event keeps
// one; a post taken down has the payloads of its earlier changes cleared, so
// that no copy of its text stays in the feed, and its post.deleted carries
// none.
func (t *txn) savePost(was, p *Post, kind ChangeKind) error {
	if p.Pinned && (was == nil || !was.Pinned) {
		if err := t.unpinOthers(p.EventID, p.ID); err != nil {
			return err
		}
	}
	var err error
	if was == nil {
		err = t.InsertPost(p)
	} else {
		err = t.SavePost(p)
	}
	if err == nil {
		err = t.indexPost(was, p)
	}
	switch {
	case err != nil:
		return err
	case kind == "":
		return nil
	case kind == ChangePostDeleted:
		if err := t.Redact(p.EventID, p.ID); err != nil {
			return err
		}
		return t.appendChange(&Change{EventID: p.EventID, Kind: kind, PostID: p.ID})
	}
	snapshot := *p
	return t.appendChange(&Change{EventID: p.EventID, Kind: kind, PostID: p.ID, Post: &snapshot})
}

// unpinOthers unpins the event's pinned post other than keep. The caller
// holds the event's lock, without which two writers pinning at once would
// each find the old pin, and the second would break the one-pin index.
func (t *txn) unpinOthers(eventID, keep int64) error {
	p, err := t.Pinned(eventID)
	if err != nil || p == nil || p.ID == keep {
		return err
	}
	next := *p
	kind, err := PinPost{Pinned: false, Version: p.Version}.Apply(&next, t.Now())
	if err != nil {
		return err
	}
	return t.savePost(p, &next, kind)
}

// PublishDuePosts publishes every scheduled post due at now, each at the
// time it was scheduled for, once even when several processes call it at
// the same moment: the due posts are read again once their events are
// locked, and a caller that waited finds them published.
func (s *Service) PublishDuePosts(ctx context.Context, now time.Time) ([]*Post, error) {
	var published []*Post
	err := s.write(ctx, Write{}, func(t *txn) (target, error) {
		due, err := t.LockDuePosts(now)
		if err != nil {
			return target{}, err
		}
		for _, p := range due {
			next := *p
			kind, err := publishDue{}.Apply(&next, t.Now())
			if err != nil {
				return target{}, err
			}
			if err := t.savePost(p, &next, kind); err != nil {
				return target{}, err
			}
			published = append(published, &next)
		}
		return target{}, nil
	})
	if err != nil {
		return nil, err
	}
	return published, nil
}

// FindPosts lists the posts of one event, newest first unless OldestFirst.
// Before and After take the Limit posts nearest the cursor on that side.
// Posts never published (drafts, scheduled) sort by their CreatedAt, so a
// cursor into a desk listing of them carries that time.
func (s *Service) FindPosts(ctx context.Context, f PostFilter) ([]*Post, error) {
	limit, older, c, err := f.Check()
	if err != nil {
		return nil, err
	}
	l := Listing{EventID: f.EventID, Statuses: f.Statuses, KeyOnly: f.KeyOnly, ExcludePinned: f.ExcludePinned}
	var posts []*Post
	err = s.db.Read(ctx, func(t ReadTx) (err error) {
		if err := t.CheckEvent(f.EventID); err != nil {
			return err
		}
		posts, err = t.Seek(l, older, c, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Seek returns the posts nearest the cursor first.
	if older == f.OldestFirst {
		slices.Reverse(posts)
	}
	return posts, nil
}

// FindPage reads a reader page and the event's head in one snapshot: the
// first page in the reading order (the newest post, or the oldest when
// OldestFirst), the one a cursor leads to, or the one around a post (see
// PageAround). Each page's cursors lead to exactly its neighbours, and every
// read is an index seek, so a page deep in a long event costs what the
// first one does. The pinned post is shown above the first page and left
// out of the list.
func (s *Service) FindPage(ctx context.Context, f PageFilter) (*Page, error) {
	limit, err := f.Check()
	if err != nil {
		return nil, err
	}
	var page Page
	err = s.db.Read(ctx, func(t ReadTx) error {
		e, err := t.EventBySlug(f.Slug)
		if err != nil {
			return err
		}
		page.Event = e
		l := Listing{EventID: e.ID, KeyOnly: f.KeyOnly, ExcludePinned: true}
		var focus *Post
		if f.Around != 0 {
			p, err := t.Post(f.Around)
			if err != nil {
				return err
			}
			if focus, err = f.Focus(p, e.ID); err != nil {
				return err
			}
		}
		var first bool
		page.Posts, page.Older, page.Newer, first, err = f.Cut(limit, focus,
			func(older bool, c *Cursor, n int) ([]*Post, error) { return t.Seek(l, older, c, n) },
			func(older bool, c *Cursor) (bool, error) { return t.Exists(l, older, c) })
		if err != nil || !first {
			return err
		}
		page.Pinned, err = t.Pinned(e.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &page, nil
}
