package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
)

func (tx *tx) IndexPost(d liveblog.SearchDoc) error {
	_, err := tx.Exec(tx.ctx, `INSERT INTO post_search (post_id, event_id, status, doc)
		VALUES ($1, $2, $3, setweight(to_tsvector('simple', $4), 'A') || setweight(to_tsvector('simple', $5), 'B'))
		ON CONFLICT (post_id) DO UPDATE SET event_id = excluded.event_id, status = excluded.status, doc = excluded.doc`,
		d.PostID, d.EventID, string(d.Status), d.Headline, d.Body)
	if err != nil {
		return fmt.Errorf("index post: %w", err)
	}
	return nil
}

func (tx *tx) UnindexPost(id int64) error {
	if _, err := tx.Exec(tx.ctx, `DELETE FROM post_search WHERE post_id = $1`, id); err != nil {
		return fmt.Errorf("unindex post: %w", err)
	}
	return nil
}

// tsquery returns the SQL of s's query and its arguments, numbered from
// $n: the words and phrases through websearch_to_tsquery, each quoted so
// that a word such as "or" is a word, and the prefix terms, which it cannot
// express, through to_tsquery. Words are letters and digits only
// (liveblog.Tokens), so quoting them is all the escaping they need.
func tsquery(s *liveblog.SearchSpec, n int) (string, []any) {
	var web, prefix []string
	for _, t := range s.Query.Terms {
		neg := ""
		if t.Exclude {
			neg = "-"
		}
		if !t.Prefix {
			web = append(web, neg+`"`+strings.Join(t.Words, " ")+`"`)
			continue
		}
		words := make([]string, len(t.Words))
		for i, w := range t.Words {
			words[i] = "'" + w + "'"
		}
		p := strings.Join(words, " <-> ") + ":*"
		if t.Exclude {
			p = "!(" + p + ")"
		}
		prefix = append(prefix, p)
	}
	var parts []string
	var args []any
	if len(web) > 0 {
		parts = append(parts, fmt.Sprintf(`websearch_to_tsquery('simple', $%d)`, n))
		args = append(args, strings.Join(web, " "))
	}
	if len(prefix) > 0 {
		parts = append(parts, fmt.Sprintf(`to_tsquery('simple', $%d)`, n+len(args)))
		args = append(args, strings.Join(prefix, " & "))
	}
	return strings.Join(parts, " && "), args
}

// Search puts the posts whose headline (the words labelled A) matches
// first, then the others, each group newest first (see
// liveblog.Service.Search). Each group is its own query, so that the
// planner can walk the event's posts newest first (post_search_order) and
// stop after the page when the words are common, or take the GIN indexes
// when they are rare. It can tell which only from the query's words, so
// the statement is planned with them (QueryExecModeExec: an unnamed
// statement, never a generic plan) and names the query itself, not through
// a WITH that would hide it.
func (tx *tx) Search(s *liveblog.SearchSpec) ([]liveblog.SearchHit, error) {
	q, args := searchQuery(s)
	rows, err := tx.Query(tx.ctx, q, append([]any{pgx.QueryExecModeExec}, args...)...)
	return all(rows, err, scanHit, "search posts")
}

// searchQuery returns Search's statement and its arguments.
func searchQuery(s *liveblog.SearchSpec) (string, []any) {
	args := []any{s.Statuses, s.Limit, s.Offset}
	where := `status = ANY($1::text[])`
	if s.EventID != 0 {
		args = append(args, s.EventID)
		where += ` AND event_id = $4::bigint`
	}
	q, qargs := tsquery(s, len(args)+1)
	args = append(args, qargs...)
	headline := `ts_filter(doc, '{a}') @@ (` + q + `)`
	return `WITH hits AS (
			(SELECT post_id, true AS in_headline FROM post_search WHERE ` + headline + ` AND ` + where + `
				ORDER BY post_id DESC LIMIT $2::bigint + $3::bigint)
			UNION ALL
			(SELECT post_id, false FROM post_search WHERE doc @@ (` + q + `) AND NOT ` + headline + ` AND ` + where + `
				ORDER BY post_id DESC LIMIT $2::bigint + $3::bigint)
			ORDER BY in_headline DESC, post_id DESC LIMIT $2::bigint OFFSET $3::bigint)
		SELECT ` + postColumns + `, (SELECT slug FROM events WHERE events.id = posts.event_id),
			(SELECT title FROM events WHERE events.id = posts.event_id)
		FROM hits JOIN posts ON posts.id = hits.post_id ORDER BY hits.in_headline DESC, hits.post_id DESC`, args
}

func scanHit(row pgx.Row) (liveblog.SearchHit, error) {
	var h liveblog.SearchHit
	var err error
	h.Post, err = scanPost(trailing{row, []any{&h.EventSlug, &h.EventTitle}})
	return h, err
}

func (tx *tx) SearchBackfill() (after int64, pending bool, err error) {
	err = tx.QueryRow(tx.ctx, `SELECT post_id FROM search_backfill FOR UPDATE`).Scan(&after)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("search backfill: %w", err)
	}
	return after, true, nil
}

func (tx *tx) SetSearchBackfill(after int64) error {
	_, err := tx.Exec(tx.ctx, `UPDATE search_backfill SET post_id = $1`, after)
	return err
}

func (tx *tx) EndSearchBackfill() error {
	_, err := tx.Exec(tx.ctx, `DELETE FROM search_backfill`)
	return err
}

// PostsAfter shares the posts' row locks, so that a post an editor is
// saving is read once the save has committed, and the index gets what it
// wrote rather than what it replaced.
func (tx *tx) PostsAfter(id int64, n int) ([]*liveblog.Post, error) {
	rows, err := tx.Query(tx.ctx, `SELECT `+postColumns+` FROM posts WHERE id > $1 ORDER BY id LIMIT $2 FOR SHARE`, id, n)
	return all(rows, err, scanPost, "find posts")
}
