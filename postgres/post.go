package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

const postColumns = `id, event_id, headline, blocks, contributors, breaking, key_event, pinned, status,
	scheduled_at, published_at, edited_at, correction_note, created_at, updated_at, version, author_id`

func scanPost(row pgx.Row) (*liveblog.Post, error) {
	var p liveblog.Post
	err := row.Scan(&p.ID, &p.EventID, &p.Headline, &p.Blocks, &p.Contributors,
		&p.Breaking, &p.KeyEvent, &p.Pinned, &p.Status,
		timeColumn{&p.ScheduledAt}, timeColumn{&p.PublishedAt}, timeColumn{&p.EditedAt}, &p.CorrectionNote,
		timeColumn{&p.CreatedAt}, timeColumn{&p.UpdatedAt}, &p.Version, idColumn{&p.AuthorID})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func scanPosts(rows pgx.Rows) ([]*liveblog.Post, error) {
	return collect(rows, scanPost)
}

// CreatePost stores a new post. A published one enters the feed at once, and
// pinning it on creation unpins the event's previous pinned post first.
func (s *Store) CreatePost(ctx context.Context, p *liveblog.Post) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *tx) error {
		if err := tx.lockEvent(ctx, p.EventID); err != nil {
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
	return findPostByID(ctx, s.pool, id)
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
	err = s.view(ctx, func(t pgx.Tx) error {
		if err := checkEvent(ctx, t, f.EventID); err != nil {
			return err
		}
		posts, err = seek(ctx, t, l, older, c, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
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
	err = s.view(ctx, func(t pgx.Tx) error {
		e, err := findEvent(ctx, t, `slug = $1`, f.Slug)
		if err != nil {
			return err
		}
		page.Event = e
		l := listing{eventID: e.ID, keyOnly: f.KeyOnly, excludePinned: true}
		var focus *liveblog.Post
		if f.Around != 0 {
			p, err := findPostByID(ctx, t, f.Around)
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
				return seek(ctx, t, l, older, c, n)
			},
			func(older bool, c *liveblog.Cursor) (bool, error) { return exists(ctx, t, l, older, c) })
		if err != nil || !first {
			return err
		}
		page.Pinned, err = findPinned(ctx, t, e.ID)
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
		p, err := tx.lockPost(ctx, id)
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
		p, err := tx.lockPost(ctx, id)
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
			if _, err := tx.Exec(ctx, `UPDATE changes SET data = NULL
				WHERE post_id = $1 AND event_id = $2 AND data IS NOT NULL`, p.ID, p.EventID); err != nil {
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
		p, err := tx.lockPost(ctx, id)
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
		p, err := tx.lockPost(ctx, id)
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

// dueEventsQuery finds the events with posts due at $1, without locking
// anything: PublishDuePosts reads the posts again once it holds the events.
const dueEventsQuery = `SELECT DISTINCT event_id FROM posts WHERE status = 'scheduled' AND scheduled_at <= $1`

// PublishDuePosts publishes the scheduled posts due at now, each at the time
// it was scheduled for, once even when every node calls it at the same
// moment.
//
// It locks the events with due posts, in id order, before it touches a post,
// which is the order every other writer takes its locks in; it then reads the
// due posts again, and this second read is the one that counts: a node that
// waited for the lock sees what the node before it committed and finds those
// posts published already. Locking the due posts first, FOR UPDATE SKIP
// LOCKED, would spare a node the wait but take the locks in the wrong order:
// an editor who holds the event and saves one of those posts waits for the
// scheduler while the scheduler waits for the event, and two schedulers that
// took posts of the same two events wait for each other's. Both deadlock, as
// TestNodes shows against that variant.
func (s *Store) PublishDuePosts(ctx context.Context, now time.Time) ([]*liveblog.Post, error) {
	var published []*liveblog.Post
	err := s.update(ctx, func(tx *tx) error {
		rows, err := tx.Query(ctx, dueEventsQuery, now)
		if err != nil {
			return fmt.Errorf("find due posts: %w", err)
		}
		events, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("find due posts: %w", err)
		}
		if len(events) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `SELECT FROM events WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, events); err != nil {
			return fmt.Errorf("lock events: %w", err)
		}
		rows, err = tx.Query(ctx, `SELECT `+postColumns+` FROM posts
			WHERE status = 'scheduled' AND scheduled_at <= $1 AND event_id = ANY($2)
			ORDER BY scheduled_at, id`, now, events)
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

func findPostByID(ctx context.Context, q db, id int64) (*liveblog.Post, error) {
	p, err := scanPost(q.QueryRow(ctx, `SELECT `+postColumns+` FROM posts WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "Post not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find post: %w", err)
	}
	return p, nil
}

// lockPost locks the event of post id, then reads the post. The post needs
// no lock of its own: every writer of an event's posts holds the event's. The
// read comes after the lock, and READ COMMITTED gives each statement a fresh
// snapshot, so it sees what the previous holder committed.
func (tx *tx) lockPost(ctx context.Context, id int64) (*liveblog.Post, error) {
	var eventID int64
	err := tx.QueryRow(ctx, `SELECT event_id FROM posts WHERE id = $1`, id).Scan(&eventID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "Post not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find post: %w", err)
	}
	if err := tx.lockEvent(ctx, eventID); err != nil {
		return nil, err
	}
	return findPostByID(ctx, tx, id)
}

func findPinned(ctx context.Context, q db, eventID int64) (*liveblog.Post, error) {
	p, err := scanPost(q.QueryRow(ctx, `SELECT `+postColumns+` FROM posts WHERE event_id = $1 AND pinned`, eventID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find pinned post: %w", err)
	}
	return p, nil
}

// checkEvent reports ENOTFOUND for an event that does not exist.
func checkEvent(ctx context.Context, q db, id int64) error {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("find event: %w", err)
	} else if !ok {
		return liveblog.Errorf(liveblog.ENOTFOUND, "Event not found.")
	}
	return nil
}

// unpinOthers unpins the event's pinned post other than keep, telling the
// feed, so that pinning keeps one pinned post per event. The caller holds the
// event's lock, without which two nodes pinning at once would each find the
// old pin, and the second would break the one-pin index.
func (tx *tx) unpinOthers(ctx context.Context, eventID, keep int64) error {
	p, err := findPinned(ctx, tx, eventID)
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
	err = tx.QueryRow(ctx, `INSERT INTO posts (event_id, headline, blocks, contributors, breaking,
		key_event, pinned, status, scheduled_at, published_at, edited_at, correction_note, created_at,
		updated_at, version, author_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		RETURNING id`,
		p.EventID, p.Headline, blocks, contributors, p.Breaking, p.KeyEvent, p.Pinned, p.Status,
		timeValue(p.ScheduledAt), timeValue(p.PublishedAt), timeValue(p.EditedAt), p.CorrectionNote,
		p.CreatedAt, p.UpdatedAt, p.Version, idValue(p.AuthorID)).Scan(&p.ID)
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
	_, err = tx.Exec(ctx, `UPDATE posts SET headline = $1, blocks = $2, contributors = $3, breaking = $4,
		key_event = $5, pinned = $6, status = $7, scheduled_at = $8, published_at = $9, edited_at = $10,
		correction_note = $11, updated_at = $12, version = $13 WHERE id = $14`,
		p.Headline, blocks, contributors, p.Breaking, p.KeyEvent, p.Pinned, p.Status,
		timeValue(p.ScheduledAt), timeValue(p.PublishedAt), timeValue(p.EditedAt),
		p.CorrectionNote, p.UpdatedAt, p.Version, p.ID)
	if err != nil {
		return fmt.Errorf("save post: %w", err)
	}
	return nil
}

func postJSON(p *liveblog.Post) (blocks, contributors []byte, err error) {
	if blocks, err = jsonValue(p.Blocks); err != nil {
		return nil, nil, err
	}
	if contributors, err = jsonValue(p.Contributors); err != nil {
		return nil, nil, err
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
// cursor c (all of them when c is nil) towards older or newer posts, and its
// arguments, to which the caller may append.
//
// Statuses are written as literals (they are checked against the four known
// ones first): pgx prepares its statements, and a generic plan with the status
// as a parameter could not prove that the query matches the partial index on
// key events.
func (l listing) query(cols string, older bool, c *liveblog.Cursor) (string, []any) {
	var b strings.Builder
	args := []any{l.eventID}
	b.WriteString(`SELECT ` + cols + ` FROM posts WHERE event_id = $1`)
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
		b.WriteString(` AND key_event`)
	}
	if l.excludePinned {
		b.WriteString(` AND NOT pinned`)
	}
	if c != nil {
		if older {
			b.WriteString(` AND (sort_at, id) < ($2, $3)`)
		} else {
			b.WriteString(` AND (sort_at, id) > ($2, $3)`)
		}
		args = append(args, c.PublishedAt, c.ID)
	}
	return b.String(), args
}

// seek returns up to limit posts of l beyond cursor c towards older or newer
// posts, nearest first.
func seek(ctx context.Context, q db, l listing, older bool, c *liveblog.Cursor, limit int) ([]*liveblog.Post, error) {
	sql, args := l.query(postColumns, older, c)
	sql += orderBy(older) + fmt.Sprintf(` LIMIT $%d`, len(args)+1)
	rows, err := q.Query(ctx, sql, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find posts: %w", err)
	}
	posts, err := scanPosts(rows)
	if err != nil {
		return nil, fmt.Errorf("find posts: %w", err)
	}
	return posts, nil
}

// orderBy is the order of a listing walked towards older or newer posts.
func orderBy(older bool) string {
	if older {
		return ` ORDER BY sort_at DESC, id DESC`
	}
	return ` ORDER BY sort_at, id`
}

// exists reports whether l has posts beyond c towards older or newer posts.
//
// It asks for the nearest such post rather than using EXISTS, for the planner:
// pgx prepares the query, and after a few runs PostgreSQL may plan it once for
// any cursor, guessing that a third of the event's posts match. EXISTS (from
// which PostgreSQL strips any order) then reads the table from its start for
// the first match, which for "is anything newer" lies at the very end; the
// nearest post in the listing's order is one step down the index.
func exists(ctx context.Context, q db, l listing, older bool, c *liveblog.Cursor) (bool, error) {
	sql, args := l.query(`1`, older, c)
	var one int
	err := q.QueryRow(ctx, sql+orderBy(older)+` LIMIT 1`, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("find posts: %w", err)
	}
	return true, nil
}
