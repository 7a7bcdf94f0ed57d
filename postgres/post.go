package postgres

import (
	"context"
	"errors"
	"fmt"
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

// FindPostByID returns a post in any status: the desk needs drafts and
// deleted posts too.
func (s *Store) FindPostByID(ctx context.Context, id int64) (*liveblog.Post, error) {
	return findPostByID(ctx, s.pool, id)
}

func findPostByID(ctx context.Context, q db, id int64) (*liveblog.Post, error) {
	p, err := scanPost(q.QueryRow(ctx, `SELECT `+postColumns+` FROM posts WHERE id = $1`, id))
	return one(p, err, liveblog.ErrNoPost, "find post")
}

func (tx *tx) Post(id int64) (*liveblog.Post, error) { return findPostByID(tx.ctx, tx, id) }

// LockPost locks the event of post id, then reads the post. The post needs
// no lock of its own: every writer of an event's posts holds the event's. The
// read comes after the lock, and READ COMMITTED gives each statement a fresh
// snapshot, so it sees what the previous holder committed.
func (tx *tx) LockPost(id int64) (*liveblog.Post, error) {
	var eventID int64
	err := tx.QueryRow(tx.ctx, `SELECT event_id FROM posts WHERE id = $1`, id).Scan(&eventID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, liveblog.ErrNoPost
	} else if err != nil {
		return nil, fmt.Errorf("find post: %w", err)
	}
	if err := tx.LockEvent(eventID); err != nil {
		return nil, err
	}
	return tx.Post(id)
}

func (tx *tx) Pinned(eventID int64) (*liveblog.Post, error) {
	p, err := scanPost(tx.QueryRow(tx.ctx, `SELECT `+postColumns+` FROM posts WHERE event_id = $1 AND pinned`, eventID))
	return one(p, err, nil, "find pinned post")
}

// dueEventsQuery finds the events with posts due at $1, without locking
// anything.
const dueEventsQuery = `SELECT DISTINCT event_id FROM posts WHERE status = 'scheduled' AND scheduled_at <= $1`

// LockDuePosts finds the events with posts due, without locking anything,
// locks them in id order, which is the order every other writer takes its
// locks in, and then reads the due posts again: this second read is the one
// that counts, and a node that waited for the locks sees what the node
// before it committed, finding those posts published already.
//
// Locking the due posts first, FOR UPDATE SKIP LOCKED, would spare a node
// the wait but take the locks in the wrong order: an editor who holds the
// event and saves one of those posts waits for the scheduler while the
// scheduler waits for the event, and two schedulers that took posts of the
// same two events wait for each other's. Both deadlock, as TestNodes shows
// against that variant.
func (tx *tx) LockDuePosts(now time.Time) ([]*liveblog.Post, error) {
	rows, err := tx.Query(tx.ctx, dueEventsQuery, now)
	if err != nil {
		return nil, fmt.Errorf("find due posts: %w", err)
	}
	events, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("find due posts: %w", err)
	}
	if len(events) == 0 {
		return nil, nil
	}
	if _, err := tx.Exec(tx.ctx, `SELECT FROM events WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, events); err != nil {
		return nil, fmt.Errorf("lock events: %w", err)
	}
	rows, err = tx.Query(tx.ctx, `SELECT `+postColumns+` FROM posts
		WHERE status = 'scheduled' AND scheduled_at <= $1 AND event_id = ANY($2)
		ORDER BY scheduled_at, id`, now, events)
	return all(rows, err, scanPost, "find due posts")
}

// InsertPost names the id only when it has one: NULL does not make an
// identity column pick the next.
func (tx *tx) InsertPost(p *liveblog.Post) error {
	blocks, contributors, err := postJSON(p)
	if err != nil {
		return err
	}
	args := []any{p.EventID, p.Headline, blocks, contributors, p.Breaking, p.KeyEvent, p.Pinned, p.Status,
		timeValue(p.ScheduledAt), timeValue(p.PublishedAt), timeValue(p.EditedAt), p.CorrectionNote,
		p.CreatedAt, p.UpdatedAt, p.Version, idValue(p.AuthorID)}
	q := `INSERT INTO posts (event_id, headline, blocks, contributors, breaking,
		key_event, pinned, status, scheduled_at, published_at, edited_at, correction_note, created_at,
		updated_at, version, author_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		RETURNING id`
	if p.ID != 0 {
		q = `INSERT INTO posts (event_id, headline, blocks, contributors, breaking,
			key_event, pinned, status, scheduled_at, published_at, edited_at, correction_note, created_at,
			updated_at, version, author_id, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
			RETURNING id`
		args = append(args, p.ID)
	}
	if err := tx.QueryRow(tx.ctx, q, args...).Scan(&p.ID); err != nil {
		return fmt.Errorf("insert post: %w", err)
	}
	return nil
}

func (tx *tx) SavePost(p *liveblog.Post) error {
	blocks, contributors, err := postJSON(p)
	if err != nil {
		return err
	}
	_, err = tx.Exec(tx.ctx, `UPDATE posts SET headline = $1, blocks = $2, contributors = $3, breaking = $4,
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

// ReserveIDs locks the events and posts tables against other writers for
// the rest of the transaction (readers go on), so that nothing takes the
// ids meanwhile, and when they are free moves the identity sequences past
// them: an import keeps its ids, and the next post written here gets one
// beyond them. Only the sequences' own values are read under the lock, which
// no writer can move while it holds.
func (tx *tx) ReserveIDs(eventID int64, postIDs []int64) (bool, error) {
	if _, err := tx.Exec(tx.ctx, `LOCK TABLE events, posts IN EXCLUSIVE MODE`); err != nil {
		return false, fmt.Errorf("lock tables: %w", err)
	}
	var taken bool
	if eventID <= 0 {
		return false, nil
	}
	if err := tx.QueryRow(tx.ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)
		OR EXISTS (SELECT 1 FROM posts WHERE id = ANY($2))`, eventID, postIDs).Scan(&taken); err != nil || taken {
		return false, err
	}
	for table, ids := range map[string][]int64{"events": {eventID}, "posts": postIDs} {
		if len(ids) == 0 {
			continue
		}
		// The table names are these two constants, never input.
		if _, err := tx.Exec(tx.ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'),
			greatest((SELECT max(id) FROM unnest($2::bigint[]) AS id),
				(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM `+table+`_id_seq)), true)`,
			table, ids); err != nil {
			return false, fmt.Errorf("reserve %s ids: %w", table, err)
		}
	}
	return true, nil
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

// listingQuery returns "SELECT cols FROM posts WHERE ..." for the posts of l beyond
// cursor c (all of them when c is nil) towards older or newer posts, and its
// arguments, to which the caller may append.
//
// Statuses are written as literals (they are checked against the four known
// ones first): pgx prepares its statements, and a generic plan with the status
// as a parameter could not prove that the query matches the partial index on
// key events.
func listingQuery(l liveblog.Listing, cols string, older bool, c *liveblog.Cursor) (string, []any) {
	var b strings.Builder
	args := []any{l.EventID}
	b.WriteString(`SELECT ` + cols + ` FROM posts WHERE event_id = $1`)
	if names := l.StatusNames(); len(names) == 1 {
		b.WriteString(` AND status = '` + names[0] + `'`)
	} else {
		b.WriteString(` AND status IN ('` + strings.Join(names, `', '`) + `')`)
	}
	if l.KeyOnly {
		b.WriteString(` AND key_event`)
	}
	if l.ExcludePinned {
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

func (tx *tx) Seek(l liveblog.Listing, older bool, c *liveblog.Cursor, limit int) ([]*liveblog.Post, error) {
	sql, args := listingQuery(l, postColumns, older, c)
	sql += orderBy(older) + fmt.Sprintf(` LIMIT $%d`, len(args)+1)
	rows, err := tx.Query(tx.ctx, sql, append(args, limit)...)
	return all(rows, err, scanPost, "find posts")
}

// orderBy is the order of a listing walked towards older or newer posts.
func orderBy(older bool) string {
	if older {
		return ` ORDER BY sort_at DESC, id DESC`
	}
	return ` ORDER BY sort_at, id`
}

// Exists asks for the nearest such post rather than using EXISTS, for the planner:
// pgx prepares the query, and after a few runs PostgreSQL may plan it once for
// any cursor, guessing that a third of the event's posts match. EXISTS (from
// which PostgreSQL strips any order) then reads the table from its start for
// the first match, which for "is anything newer" lies at the very end; the
// nearest post in the listing's order is one step down the index.
func (tx *tx) Exists(l liveblog.Listing, older bool, c *liveblog.Cursor) (bool, error) {
	sql, args := listingQuery(l, `1`, older, c)
	var one int
	err := tx.QueryRow(tx.ctx, sql+orderBy(older)+` LIMIT 1`, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("find posts: %w", err)
	}
	return true, nil
}
