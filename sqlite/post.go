package sqlite

import (
	"context"
	"fmt"
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

// FindPostByID returns a post in any status: the desk needs drafts and
// deleted posts too.
func (s *Store) FindPostByID(ctx context.Context, id int64) (*liveblog.Post, error) {
	var p *liveblog.Post
	err := s.view(ctx, func(tx *tx) (err error) {
		p, err = tx.Post(id)
		return err
	})
	return p, err
}

func (tx *tx) Post(id int64) (*liveblog.Post, error) {
	p, err := scanPost(tx.QueryRowContext(tx.ctx, `SELECT `+postColumns+` FROM posts WHERE id = ?`, id))
	return one(p, err, liveblog.ErrNoPost, "find post")
}

// LockPost reads the post: the single writer connection is the lock.
func (tx *tx) LockPost(id int64) (*liveblog.Post, error) { return tx.Post(id) }

func (tx *tx) Pinned(eventID int64) (*liveblog.Post, error) {
	p, err := scanPost(tx.QueryRowContext(tx.ctx, `SELECT `+postColumns+` FROM posts WHERE event_id = ? AND pinned = 1`, eventID))
	return one(p, err, nil, "find pinned post")
}

func (tx *tx) LockDuePosts(now time.Time) ([]*liveblog.Post, error) {
	rows, err := tx.QueryContext(tx.ctx, `SELECT `+postColumns+` FROM posts
		WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at, id`, now.UnixMicro())
	return all(rows, err, scanPost, "find due posts")
}

func (tx *tx) InsertPost(p *liveblog.Post) error {
	blocks, contributors, err := postJSON(p)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(tx.ctx, `INSERT INTO posts (id, event_id, headline, blocks, contributors, breaking,
		key_event, pinned, status, scheduled_at, published_at, edited_at, correction_note, created_at,
		updated_at, version, author_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		idValue(p.ID), p.EventID, p.Headline, blocks, contributors, p.Breaking, p.KeyEvent, p.Pinned, p.Status,
		timeValue(p.ScheduledAt), timeValue(p.PublishedAt), timeValue(p.EditedAt), p.CorrectionNote,
		timeValue(p.CreatedAt), timeValue(p.UpdatedAt), p.Version, idValue(p.AuthorID)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("insert post: %w", err)
	}
	return nil
}

func (tx *tx) SavePost(p *liveblog.Post) error {
	blocks, contributors, err := postJSON(p)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(tx.ctx, `UPDATE posts SET headline = ?, blocks = ?, contributors = ?, breaking = ?,
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

// ReserveIDs reports whether the ids are unused: a row inserted under an id
// of its own moves SQLite's next rowid past it.
func (tx *tx) ReserveIDs(eventID int64, postIDs []int64) (bool, error) {
	if eventID <= 0 {
		return false, nil
	}
	var taken bool
	if err := tx.QueryRowContext(tx.ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE id = ?)`, eventID).Scan(&taken); err != nil || taken {
		return false, err
	}
	for _, id := range postIDs {
		if err := tx.QueryRowContext(tx.ctx, `SELECT EXISTS (SELECT 1 FROM posts WHERE id = ?)`, id).Scan(&taken); err != nil || taken {
			return false, err
		}
	}
	return true, nil
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

// listingQuery returns "SELECT cols FROM posts WHERE ..." for the posts of l beyond
// cursor c (all of them when c is nil) towards older or newer posts.
//
// Statuses are written as literals (they are checked against the four known
// ones first) because SQLite only uses a partial index, such as the one on
// key events, when the query's terms visibly imply the index's.
func listingQuery(l liveblog.Listing, cols string, older bool, c *liveblog.Cursor) (string, []any) {
	var b strings.Builder
	args := []any{l.EventID}
	b.WriteString(`SELECT ` + cols + ` FROM posts WHERE event_id = ?`)
	if names := l.StatusNames(); len(names) == 1 {
		b.WriteString(` AND status = '` + names[0] + `'`)
	} else {
		b.WriteString(` AND status IN ('` + strings.Join(names, `', '`) + `')`)
	}
	if l.KeyOnly {
		b.WriteString(` AND key_event = 1`)
	}
	if l.ExcludePinned {
		// Naming the pinned post's id, which every index holds, rather than
		// testing the pinned column lets a test for more posts (exists)
		// stay inside the index.
		b.WriteString(` AND id IS NOT (SELECT id FROM posts WHERE event_id = ? AND pinned = 1)`)
		args = append(args, l.EventID)
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

func (tx *tx) Seek(l liveblog.Listing, older bool, c *liveblog.Cursor, limit int) ([]*liveblog.Post, error) {
	q, args := listingQuery(l, postColumns, older, c)
	if older {
		q += ` ORDER BY sort_at DESC, id DESC`
	} else {
		q += ` ORDER BY sort_at, id`
	}
	rows, err := tx.QueryContext(tx.ctx, q+` LIMIT ?`, append(args, limit)...)
	return all(rows, err, scanPost, "find posts")
}

func (tx *tx) Exists(l liveblog.Listing, older bool, c *liveblog.Cursor) (bool, error) {
	q, args := listingQuery(l, `1`, older, c)
	var ok bool
	if err := tx.QueryRowContext(tx.ctx, `SELECT EXISTS (`+q+`)`, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("find posts: %w", err)
	}
	return ok, nil
}
