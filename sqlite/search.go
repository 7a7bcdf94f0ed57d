package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/liveblog/liveblog"
)

func (tx *tx) IndexPost(d liveblog.SearchDoc) error {
	if err := tx.UnindexPost(d.PostID); err != nil {
		return err
	}
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO post_search (rowid, headline, body, tags) VALUES (?, ?, ?, ?)`,
		d.PostID, d.Headline, d.Body, eventTag(d.EventID)+" "+string(d.Status))
	if err != nil {
		return fmt.Errorf("index post: %w", err)
	}
	return nil
}

func (tx *tx) UnindexPost(id int64) error {
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM post_search WHERE rowid = ?`, id); err != nil {
		return fmt.Errorf("unindex post: %w", err)
	}
	return nil
}

func eventTag(id int64) string { return "e" + strconv.FormatInt(id, 10) }

// matchExprs writes s as the two FTS5 queries of its two groups (see
// liveblog.Service.Search): every term in the headline or the body, none of
// the excluded ones, and the event and statuses through the tags column;
// and of those, the posts whose headline holds every term not excluded, or
// the others. Words are letters and digits only (liveblog.Tokens), so
// quoting them is all the escaping they need.
func matchExprs(s *liveblog.SearchSpec) (headline, rest string) {
	var pos, neg []string
	for _, t := range s.Query.Terms {
		phrase := `"` + strings.Join(t.Words, " ") + `"`
		if t.Prefix {
			phrase += " *"
		}
		if t.Exclude {
			neg = append(neg, phrase)
		} else {
			pos = append(pos, phrase)
		}
	}
	all := "(" + strings.Join(pos, " AND ") + ")"
	expr := all
	for _, n := range neg {
		expr = "(" + expr + " NOT " + n + ")"
	}
	expr = "{headline body} : " + expr + " AND tags : (" + strings.Join(s.Statuses, " OR ") + ")"
	if s.EventID != 0 {
		expr += " AND tags : " + eventTag(s.EventID)
	}
	return "(" + expr + ") AND headline : " + all, "(" + expr + ") NOT headline : " + all
}

// Search reads each group newest first, which FTS5 does by walking its
// lists backwards and stops at the page's end: nothing is scored, and a
// word in half of a long event costs what a rare one does.
func (tx *tx) Search(s *liveblog.SearchSpec) ([]liveblog.SearchHit, error) {
	headline, rest := matchExprs(s)
	n := s.Limit + s.Offset
	rows, err := tx.QueryContext(tx.ctx, `WITH hits AS (
			SELECT hit, grp FROM (SELECT rowid AS hit, 0 AS grp FROM post_search WHERE post_search MATCH ? ORDER BY rowid DESC LIMIT ?)
			UNION ALL
			SELECT hit, grp FROM (SELECT rowid AS hit, 1 AS grp FROM post_search WHERE post_search MATCH ? ORDER BY rowid DESC LIMIT ?)
			ORDER BY grp, hit DESC LIMIT ? OFFSET ?)
		SELECT `+postColumns+`, (SELECT slug FROM events WHERE events.id = posts.event_id),
			(SELECT title FROM events WHERE events.id = posts.event_id)
		FROM hits JOIN posts ON posts.id = hits.hit ORDER BY hits.grp, hits.hit DESC`,
		headline, n, rest, n, s.Limit, s.Offset)
	return all(rows, err, scanHit, "search posts")
}

func scanHit(row scanner) (liveblog.SearchHit, error) {
	var h liveblog.SearchHit
	var err error
	h.Post, err = scanPost(trailing{row, []any{&h.EventSlug, &h.EventTitle}})
	return h, err
}

func (tx *tx) SearchBackfill() (after int64, pending bool, err error) {
	err = tx.QueryRowContext(tx.ctx, `SELECT post_id FROM search_backfill`).Scan(&after)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("search backfill: %w", err)
	}
	return after, true, nil
}

func (tx *tx) SetSearchBackfill(after int64) error {
	_, err := tx.ExecContext(tx.ctx, `UPDATE search_backfill SET post_id = ?`, after)
	return err
}

func (tx *tx) EndSearchBackfill() error {
	_, err := tx.ExecContext(tx.ctx, `DELETE FROM search_backfill`)
	return err
}

// PostsAfter needs no lock: the single writer connection is one.
func (tx *tx) PostsAfter(id int64, n int) ([]*liveblog.Post, error) {
	rows, err := tx.QueryContext(tx.ctx, `SELECT `+postColumns+` FROM posts WHERE id > ? ORDER BY id LIMIT ?`, id, n)
	return all(rows, err, scanPost, "find posts")
}
