package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
)

const postColumns = `id, event_id, headline, blocks, contributors, breaking, key_event, pinned, status,
	scheduled_at, published_at, edited_at, correction_note, created_at, updated_at, version, author_id`

func scanPost(row scanner) (*liveblog.Post, error) {
	var p liveblog.Post
	err := row.Scan(&p.ID, &p.EventID, &p.Headline, jsonColumn{&p.Blocks}, jsonColumn{&p.Contributors},
		&p.Breaking, &p.KeyEvent, &p.Pinned, &p.Status,
		timeColumn{&p.ScheduledAt}, timeColumn{&p.PublishedAt}, timeColumn{&p.EditedAt}, &p.CorrectionNote,
		timeColumn{&p.CreatedAt}, timeColumn{&p.UpdatedAt}, &p.Version, idColumn{&p.AuthorID})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func scanPosts(rows *sql.Rows) ([]*liveblog.Post, error) {
	defer rows.Close()
	var posts []*liveblog.Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		posts = append(posts, p)
	}
	return posts, rows.Err()
}

// CreatePost stores a new post. A published one enters the feed at once, and
// pinning it on creation unpins the event's previous pinned post first.
func (s *Store) CreatePost(ctx context.Context, p *liveblog.Post) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *tx) error {
		if err := tx.checkEvent(ctx, p.EventID); err != nil {
			return err
		}
		next := *p
		next.Version = 1
		next.CreatedAt, next.UpdatedAt = tx.now, tx.now
		next.ScheduledAt, next.PublishedAt, next.EditedAt = utc(next.ScheduledAt), utc(next.PublishedAt), utc(next.EditedAt)
		if next.Status == liveblog.StatusPublished && next.PublishedAt.IsZero() {
			next.PublishedAt = tx.now
		}
		if next.Pinned {
			if err := tx.unpinOthers(ctx, next.EventID, 0); err != nil {
				return err
			}
		}
		if err := tx.insertPost(ctx, &next); err != nil {
			return err
		}
		if next.Status == liveblog.StatusPublished {
			if err := tx.appendPostChange(ctx, liveblog.ChangePostPublished, &next); err != nil {
				return err
			}
		}
		*p = next
		tx.result = p
		return nil
	})
}

// FindPostByID returns a post in any status: the desk needs drafts and
// deleted posts too.
func (s *Store) FindPostByID(ctx context.Context, id int64) (*liveblog.Post, error) {
	var p *liveblog.Post
	err := s.view(ctx, func(tx *tx) (err error) {
		p, err = tx.findPostByID(ctx, id)
		return err
	})
	return p, err
}

// FindPosts lists the posts of one event, newest first unless OldestFirst.
// Before and After take the Limit posts nearest the cursor on that side.
// Posts never published (drafts, scheduled) sort by their CreatedAt, so a
// cursor into a desk listing of them carries that time.
func (s *Store) FindPosts(ctx context.Context, f liveblog.PostFilter) ([]*liveblog.Post, error) {
	limit, older, c, err := f.Check()
	if err != nil {
		return nil, err
	}
	l := listing{eventID: f.EventID, statuses: f.Statuses, keyOnly: f.KeyOnly, excludePinned: f.ExcludePinned}
	var posts []*liveblog.Post
	err = s.view(ctx, func(tx *tx) (err error) {
		if err := tx.checkEvent(ctx, f.EventID); err != nil {
			return err
		}
		posts, err = tx.seek(ctx, l, older, c, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	// seek returns the posts nearest the cursor first.
	if older == f.OldestFirst {
		slices.Reverse(posts)
	}
	return posts, nil
}

// FindPage reads a reader page: the first in the reading order (the newest
// post, or the oldest when OldestFirst), the one a cursor leads to, or the
// one around a post (liveblog.PageAround). Each page's cursors lead to
// exactly its neighbours, and every read is an index seek, so a page deep in
// a long event costs what the first one does. The pinned post is shown above the first page and
// left out of the list.
func (s *Store) FindPage(ctx context.Context, f liveblog.PageFilter) (*liveblog.Page, error) {
	limit, err := f.Check()
	if err != nil {
		return nil, err
	}
	var page liveblog.Page
	err = s.view(ctx, func(tx *tx) error {
		e, err := tx.findEventBySlug(ctx, f.Slug)
		if err != nil {
			return err
		}
		page.Event = e
		l := listing{eventID: e.ID, keyOnly: f.KeyOnly, excludePinned: true}
		var focus *liveblog.Post
		if f.Around != 0 {
			p, err := tx.findPostByID(ctx, f.Around)
			if err != nil {
				return err
			}
			if focus, err = f.Focus(p, e.ID); err != nil {
				return err
			}
		}
		var first bool
		page.Posts, page.Older, page.Newer, first, err = f.Cut(limit, focus,
			func(older bool, c *liveblog.Cursor, n int) ([]*liveblog.Post, error) {
				return tx.seek(ctx, l, older, c, n)
			},
			func(older bool, c *liveblog.Cursor) (bool, error) { return tx.exists(ctx, l, older, c) })
		if err != nil || !first {
			return err
		}
		page.Pinned, err = tx.findPinned(ctx, e.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &page, nil
}

// UpdatePost edits a post. Publishing a draft or scheduled post enters it in
// the feed; an edit of a published post that readers can see is a
// post.updated, and one of its text also stamps EditedAt.
func (s *Store) UpdatePost(ctx context.Context, id int64, upd liveblog.PostUpdate) (*liveblog.Post, error) {
	var out *liveblog.Post
	err := s.update(ctx, func(tx *tx) error {
		p, err := tx.findPostByID(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.Version, upd.Version); err != nil {
			return err
		}
		next, err := upd.Apply(p)
		if err != nil {
			return err
		}
		next.Version++
		next.UpdatedAt = tx.now
		next.ScheduledAt = utc(next.ScheduledAt)
		kind := liveblog.EditChange(p, next, tx.now)
		if err := tx.savePost(ctx, next); err != nil {
			return err
		}
		if kind != "" {
			if err := tx.appendPostChange(ctx, kind, next); err != nil {
				return err
			}
		}
		out = next
		tx.result = next
		return nil
	})
	return out, err
}

// DeletePost marks a post deleted. A published post leaves the feed with a
// post.deleted, and its text is cleared from every earlier change in the same
// transaction, so that a takedown leaves no copy behind.
func (s *Store) DeletePost(ctx context.Context, id int64, version int) (*liveblog.Post, error) {
	var out *liveblog.Post
	err := s.update(ctx, func(tx *tx) error {
		p, err := tx.findPostByID(ctx, id)
		if err != nil {
			return err
		}
		if p.Status == liveblog.StatusDeleted {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Post not found.")
		}
		if err := checkVersion(p.Version, version); err != nil {
			return err
		}
		wasPublished := p.Status == liveblog.StatusPublished
		p.Status, p.Pinned = liveblog.StatusDeleted, false
		p.Version++
		p.UpdatedAt = tx.now
		if err := tx.savePost(ctx, p); err != nil {
			return err
		}
		if wasPublished {
			if _, err := tx.ExecContext(ctx, `UPDATE changes SET data = NULL
				WHERE post_id = ? AND event_id = ? AND data IS NOT NULL`, p.ID, p.EventID); err != nil {
				return fmt.Errorf("clear changes of post: %w", err)
			}
			if err := tx.appendChange(ctx, &liveblog.Change{EventID: p.EventID, Kind: liveblog.ChangePostDeleted, PostID: p.ID}); err != nil {
				return err
			}
		}
		out = p
		tx.result = p
		return nil
	})
	return out, err
}

// RestorePost publishes a deleted post again, at its original place in the
// event if it had been published before.
func (s *Store) RestorePost(ctx context.Context, id int64, version int) (*liveblog.Post, error) {
	var out *liveblog.Post
	err := s.update(ctx, func(tx *tx) error {
		p, err := tx.findPostByID(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.Version, version); err != nil {
			return err
		}
		if p.Status != liveblog.StatusDeleted {
			return liveblog.FieldError("status", "Only a deleted post can be restored.")
		}
		p.Status = liveblog.StatusPublished
		if p.PublishedAt.IsZero() {
			p.PublishedAt = tx.now
		}
		p.Version++
		p.UpdatedAt = tx.now
		if err := tx.savePost(ctx, p); err != nil {
			return err
		}
		if err := tx.appendPostChange(ctx, liveblog.ChangePostPublished, p); err != nil {
			return err
		}
		out = p
		tx.result = p
		return nil
	})
	return out, err
}

// PinPost pins or unpins a published post. Asking for the state the post is
// already in changes nothing and returns it as it is.
func (s *Store) PinPost(ctx context.Context, id int64, pinned bool, version int) (*liveblog.Post, error) {
	var out *liveblog.Post
	err := s.update(ctx, func(tx *tx) error {
		p, err := tx.findPostByID(ctx, id)
		if err != nil {
			return err
		}
		if p.Status == liveblog.StatusDeleted {
			return liveblog.Errorf(liveblog.ENOTFOUND, "Post not found.")
		}
		if err := checkVersion(p.Version, version); err != nil {
			return err
		}
		if p.Status != liveblog.StatusPublished {
			return liveblog.FieldError("pinned", "Only a published post can be pinned.")
		}
		out = p
		tx.result = p
		if p.Pinned == pinned {
			return nil
		}
		kind := liveblog.ChangePostUnpinned
		if pinned {
			kind = liveblog.ChangePostPinned
			if err := tx.unpinOthers(ctx, p.EventID, p.ID); err != nil {
				return err
			}
		}
		p.Pinned = pinned
		p.Version++
		p.UpdatedAt = tx.now
		if err := tx.savePost(ctx, p); err != nil {
			return err
		}
		return tx.appendPostChange(ctx, kind, p)
	})
	return out, err
}

// PublishDuePosts publishes the scheduled posts due at now, each at the time
// it was scheduled for. The re-read inside the write transaction is what makes
// concurrent callers publish each post once.
func (s *Store) PublishDuePosts(ctx context.Context, now time.Time) ([]*liveblog.Post, error) {
	var published []*liveblog.Post
	err := s.update(ctx, func(tx *tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+postColumns+` FROM posts
			WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at, id`, now.UnixMicro())
		if err != nil {
			return fmt.Errorf("find due posts: %w", err)
		}
		due, err := scanPosts(rows)
		if err != nil {
			return fmt.Errorf("find due posts: %w", err)
		}
		for _, p := range due {
			p.Status = liveblog.StatusPublished
			p.PublishedAt = p.ScheduledAt
			p.Version++
			p.UpdatedAt = tx.now
			if err := tx.savePost(ctx, p); err != nil {
				return err
			}
			if err := tx.appendPostChange(ctx, liveblog.ChangePostPublished, p); err != nil {
				return err
			}
		}
		published = due
		return nil
	})
	if err != nil {
		return nil, err
	}
	return published, nil
}

func (tx *tx) findPostByID(ctx context.Context, id int64) (*liveblog.Post, error) {
	p, err := scanPost(tx.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "Post not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find post: %w", err)
	}
	return p, nil
}

func (tx *tx) findPinned(ctx context.Context, eventID int64) (*liveblog.Post, error) {
	p, err := scanPost(tx.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts WHERE event_id = ? AND pinned = 1`, eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find pinned post: %w", err)
	}
	return p, nil
}

// checkEvent reports ENOTFOUND for an event that does not exist.
func (tx *tx) checkEvent(ctx context.Context, id int64) error {
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE id = ?)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("find event: %w", err)
	} else if !ok {
		return liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
	}
	return nil
}

// unpinOthers unpins the event's pinned post other than keep, telling the
// feed, so that pinning keeps one pinned post per event.
func (tx *tx) unpinOthers(ctx context.Context, eventID, keep int64) error {
	p, err := tx.findPinned(ctx, eventID)
	if err != nil || p == nil || p.ID == keep {
		return err
	}
	p.Pinned = false
	p.Version++
	p.UpdatedAt = tx.now
	if err := tx.savePost(ctx, p); err != nil {
		return err
	}
	return tx.appendPostChange(ctx, liveblog.ChangePostUnpinned, p)
}

func (tx *tx) insertPost(ctx context.Context, p *liveblog.Post) error {
	blocks, contributors, err := postJSON(p)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO posts (event_id, headline, blocks, contributors, breaking,
		key_event, pinned, status, scheduled_at, published_at, edited_at, correction_note, created_at,
		updated_at, version, author_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.EventID, p.Headline, blocks, contributors, p.Breaking, p.KeyEvent, p.Pinned, p.Status,
		timeValue(p.ScheduledAt), timeValue(p.PublishedAt), timeValue(p.EditedAt), p.CorrectionNote,
		timeValue(p.CreatedAt), timeValue(p.UpdatedAt), p.Version, idValue(p.AuthorID)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("insert post: %w", err)
	}
	return nil
}

func (tx *tx) savePost(ctx context.Context, p *liveblog.Post) error {
	blocks, contributors, err := postJSON(p)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE posts SET headline = ?, blocks = ?, contributors = ?, breaking = ?,
		key_event = ?, pinned = ?, status = ?, scheduled_at = ?, published_at = ?, edited_at = ?,
		correction_note = ?, updated_at = ?, version = ? WHERE id = ?`,
		p.Headline, blocks, contributors, p.Breaking, p.KeyEvent, p.Pinned, p.Status,
		timeValue(p.ScheduledAt), timeValue(p.PublishedAt), timeValue(p.EditedAt),
		p.CorrectionNote, timeValue(p.UpdatedAt), p.Version, p.ID)
	if err != nil {
		return fmt.Errorf("save post: %w", err)
	}
	return nil
}

func postJSON(p *liveblog.Post) (blocks, contributors string, err error) {
	if blocks, err = jsonValue(p.Blocks); err != nil {
		return "", "", err
	}
	if contributors, err = jsonValue(p.Contributors); err != nil {
		return "", "", err
	}
	return blocks, contributors, nil
}

// listing is the set of posts a listing walks: one event's posts in some
// statuses (published only when none are named).
type listing struct {
	eventID       int64
	statuses      []liveblog.PostStatus
	keyOnly       bool
	excludePinned bool
}

// query returns "SELECT cols FROM posts WHERE ..." for the posts of l beyond
// cursor c (all of them when c is nil) towards older or newer posts.
//
// Statuses are written as literals (they are checked against the four known
// ones first) because SQLite only uses a partial index, such as the one on
// key events, when the query's terms visibly imply the index's.
func (l listing) query(cols string, older bool, c *liveblog.Cursor) (string, []any) {
	var b strings.Builder
	args := []any{l.eventID}
	b.WriteString(`SELECT ` + cols + ` FROM posts WHERE event_id = ?`)
	switch len(l.statuses) {
	case 0:
		b.WriteString(` AND status = 'published'`)
	case 1:
		b.WriteString(` AND status = '` + string(l.statuses[0]) + `'`)
	default:
		b.WriteString(` AND status IN (`)
		for i, st := range l.statuses {
			if i > 0 {
				b.WriteString(`, `)
			}
			b.WriteString(`'` + string(st) + `'`)
		}
		b.WriteString(`)`)
	}
	if l.keyOnly {
		b.WriteString(` AND key_event = 1`)
	}
	if l.excludePinned {
		// Naming the pinned post's id, which every index holds, rather than
		// testing the pinned column lets a test for more posts (exists)
		// stay inside the index.
		b.WriteString(` AND id IS NOT (SELECT id FROM posts WHERE event_id = ? AND pinned = 1)`)
		args = append(args, l.eventID)
	}
	if c != nil {
		if older {
			b.WriteString(` AND (sort_at, id) < (?, ?)`)
		} else {
			b.WriteString(` AND (sort_at, id) > (?, ?)`)
		}
		args = append(args, c.PublishedAt.UnixMicro(), c.ID)
	}
	return b.String(), args
}

// seek returns up to limit posts of l beyond cursor c towards older or newer
// posts, nearest first.
func (tx *tx) seek(ctx context.Context, l listing, older bool, c *liveblog.Cursor, limit int) ([]*liveblog.Post, error) {
	q, args := l.query(postColumns, older, c)
	if older {
		q += ` ORDER BY sort_at DESC, id DESC`
	} else {
		q += ` ORDER BY sort_at, id`
	}
	rows, err := tx.QueryContext(ctx, q+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find posts: %w", err)
	}
	posts, err := scanPosts(rows)
	if err != nil {
		return nil, fmt.Errorf("find posts: %w", err)
	}
	return posts, nil
}

// exists reports whether l has posts beyond c towards older or newer posts.
func (tx *tx) exists(ctx context.Context, l listing, older bool, c *liveblog.Cursor) (bool, error) {
	q, args := l.query(`1`, older, c)
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (`+q+`)`, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("find posts: %w", err)
	}
	return ok, nil
}
