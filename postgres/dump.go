package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/dump"
)

var (
	_ dump.Dumper = (*Store)(nil)
	_ dump.Loader = (*Store)(nil)
)

// loadBatch is how many rows Load sends in one COPY: large enough that the
// round trips do not dominate a copy of millions of changes, small enough
// that a batch of full post payloads stays a few megabytes.
const loadBatch = 1000

// loadColumns are the columns Load writes, per table, and the order
// loadValues gives them in. A post's sort_at is generated, so not written.
var loadColumns = map[string][]string{
	dump.TableUsers:         {"id", "email", "name", "password_hash", "role", "byline", "disabled", "created_at", "updated_at", "version"},
	dump.TableSessions:      {"hash", "user_id", "created_at", "expires_at", "last_seen_at"},
	dump.TableLoginAttempts: {"attempt", "key", "at"},
	dump.TableEvents: {"id", "slug", "title", "description", "state", "time_zone", "language", "summary", "summary_updated_at",
		"coverage_started_at", "coverage_ended_at", "created_at", "updated_at", "version", "head", "floor"},
	dump.TablePosts: {"id", "event_id", "headline", "blocks", "contributors", "breaking", "key_event", "pinned", "status",
		"scheduled_at", "published_at", "edited_at", "correction_note", "created_at", "updated_at", "version", "author_id"},
	dump.TableChanges: {"event_id", "seq", "kind", "post_id", "data", "created_at"},
	dump.TableTokens:  {"id", "name", "hash", "user_id", "created_at", "last_used_at", "revoked_at"},
}

// identityTables are the tables whose ids Load writes, whose identity
// sequences must then move past them.
var identityTables = []string{dump.TableUsers, dump.TableEvents, dump.TablePosts, dump.TableTokens}

// Load writes a whole record into an empty database, in one transaction:
// rows as they are given, ids, versions, times, heads and floors included,
// appending no change and announcing nothing. Before it commits it takes
// the census of the tables and compares it with the census of what it was
// given, so that a copy that does not match is never committed.
//
// The tables are locked for the whole copy (EXCLUSIVE: reads go on, writes
// wait), so a node started too early cannot write into a half-made copy.
func (s *Store) Load(ctx context.Context, rows func(put func(dump.Record) error) error) error {
	return s.update(ctx, func(tx *tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(dump.Tables, ", ")+` IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("load: lock: %w", err)
		}
		for _, t := range dump.Tables {
			var used bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&used); err != nil {
				return fmt.Errorf("load: %w", err)
			} else if used {
				return liveblog.Errorf(liveblog.ECONFLICT, "The database already holds %s; migrate into an empty database.", t)
			}
		}
		l := &loader{ctx: ctx, tx: tx, tally: dump.NewTally()}
		if err := rows(l.put); err != nil {
			return err
		}
		if err := l.flush(ctx); err != nil {
			return err
		}
		for _, t := range identityTables {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce(max(id), 0) + 1, false) FROM `+t, t); err != nil {
				return fmt.Errorf("load: move %s ids on: %w", t, err)
			}
		}
		// The search index is the domain's reading of the posts: it is
		// written by BackfillSearch, which Open runs, not copied.
		if _, err := tx.Exec(ctx, `INSERT INTO search_backfill (post_id) SELECT 0 WHERE NOT EXISTS (SELECT FROM search_backfill)`); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		got, err := census(ctx, tx)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if diffs := dump.Diff(l.tally.Census(), got); len(diffs) > 0 {
			return fmt.Errorf("load: the copy does not match what was sent, nothing was written: %s", strings.Join(diffs, "; "))
		}
		return nil
	})
}

// loader gathers the rows of one table into batches for COPY.
type loader struct {
	ctx   context.Context
	tx    *tx
	tally *dump.Tally
	table string
	batch [][]any
}

func (l *loader) put(r dump.Record) error {
	table := r.Table()
	if table == "" {
		return errors.New("load: an empty record")
	}
	if table != l.table || len(l.batch) >= loadBatch {
		if err := l.flush(l.ctx); err != nil {
			return err
		}
		l.table = table
	}
	values, err := loadValues(r)
	if err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	l.batch = append(l.batch, values)
	l.tally.Add(r)
	return nil
}

func (l *loader) flush(ctx context.Context) error {
	if len(l.batch) == 0 {
		return nil
	}
	n, err := l.tx.CopyFrom(ctx, pgx.Identifier{l.table}, loadColumns[l.table], pgx.CopyFromRows(l.batch))
	if err != nil {
		return fmt.Errorf("load %s: %w", l.table, err)
	}
	if n != int64(len(l.batch)) {
		return fmt.Errorf("load %s: wrote %d rows of %d", l.table, n, len(l.batch))
	}
	l.batch = l.batch[:0]
	return nil
}

// loadValues returns the row of r in the order of loadColumns. Times are
// written as the stores keep them, UTC to the microsecond, NULL for zero.
func loadValues(r dump.Record) ([]any, error) {
	switch {
	case r.User != nil:
		u := r.User
		byline, err := jsonValue(u.Byline)
		if err != nil {
			return nil, err
		}
		return []any{u.ID, u.Email, u.Name, u.PasswordHash, string(u.Role), byline, u.Disabled,
			timeValue(utc(u.CreatedAt)), timeValue(utc(u.UpdatedAt)), u.Version}, nil
	case r.Session != nil:
		s := r.Session
		return []any{s.Hash, s.UserID, timeValue(utc(s.CreatedAt)), timeValue(utc(s.ExpiresAt)), timeValue(utc(s.LastSeenAt))}, nil
	case r.LoginAttempt != nil:
		a := r.LoginAttempt
		return []any{a.Attempt, a.Key, timeValue(utc(a.At))}, nil
	case r.Event != nil:
		e := r.Event
		summary, err := jsonValue(e.Summary.Points)
		if err != nil {
			return nil, err
		}
		return []any{e.ID, e.Slug, e.Title, e.Description, string(e.State), e.TimeZone, e.Language, summary,
			timeValue(utc(e.Summary.UpdatedAt)), timeValue(utc(e.CoverageStartedAt)), timeValue(utc(e.CoverageEndedAt)),
			timeValue(utc(e.CreatedAt)), timeValue(utc(e.UpdatedAt)), e.Version, e.Head, e.Floor}, nil
	case r.Post != nil:
		p := r.Post
		blocks, contributors, err := postJSON(p)
		if err != nil {
			return nil, err
		}
		return []any{p.ID, p.EventID, p.Headline, blocks, contributors, p.Breaking, p.KeyEvent, p.Pinned, string(p.Status),
			timeValue(utc(p.ScheduledAt)), timeValue(utc(p.PublishedAt)), timeValue(utc(p.EditedAt)), p.CorrectionNote,
			timeValue(utc(p.CreatedAt)), timeValue(utc(p.UpdatedAt)), p.Version, idValue(p.AuthorID)}, nil
	case r.Change != nil:
		c := r.Change
		var data any
		if c.Data != nil {
			data = []byte(c.Data)
		}
		return []any{c.EventID, c.Seq, string(c.Kind), idValue(c.PostID), data, timeValue(utc(c.CreatedAt))}, nil
	case r.Token != nil:
		k := r.Token
		return []any{k.ID, k.Name, k.Hash, idValue(k.UserID), timeValue(utc(k.CreatedAt)),
			timeValue(utc(k.LastUsedAt)), timeValue(utc(k.RevokedAt))}, nil
	}
	return nil, errors.New("an empty record")
}

// Dump gives every row of the database to put, table by table in the order
// of dump.Tables, from one REPEATABLE READ snapshot.
func (s *Store) Dump(ctx context.Context, put func(dump.Record) error) error {
	return s.view(ctx, func(t *tx) error {
		for _, q := range []struct {
			table string
			sql   string
			scan  func(pgx.Row) (dump.Record, error)
		}{
			{dump.TableUsers, `SELECT ` + userColumns + ` FROM users ORDER BY id`, func(row pgx.Row) (dump.Record, error) {
				u, err := scanUser(row)
				return dump.Record{User: u}, err
			}},
			{dump.TableSessions, `SELECT hash, user_id, created_at, expires_at, last_seen_at FROM sessions ORDER BY hash`, func(row pgx.Row) (dump.Record, error) {
				var s liveblog.Session
				err := row.Scan(&s.Hash, &s.UserID, timeColumn{&s.CreatedAt}, timeColumn{&s.ExpiresAt}, timeColumn{&s.LastSeenAt})
				return dump.Record{Session: &s}, err
			}},
			{dump.TableLoginAttempts, `SELECT attempt, key, at FROM login_attempts ORDER BY at, attempt, key`, func(row pgx.Row) (dump.Record, error) {
				var a dump.LoginAttempt
				err := row.Scan(&a.Attempt, &a.Key, timeColumn{&a.At})
				return dump.Record{LoginAttempt: &a}, err
			}},
			{dump.TableEvents, `SELECT ` + eventColumns + `, floor FROM events ORDER BY id`, func(row pgx.Row) (dump.Record, error) {
				var floor int64
				e, err := scanEvent(trailing{row, []any{&floor}})
				if err != nil {
					return dump.Record{}, err
				}
				return dump.Record{Event: &dump.Event{Event: *e, Floor: floor}}, nil
			}},
			{dump.TablePosts, `SELECT ` + postColumns + ` FROM posts ORDER BY id`, func(row pgx.Row) (dump.Record, error) {
				p, err := scanPost(row)
				return dump.Record{Post: p}, err
			}},
			{dump.TableChanges, `SELECT event_id, seq, kind, post_id, data, created_at FROM changes ORDER BY event_id, seq`, func(row pgx.Row) (dump.Record, error) {
				var c dump.Change
				var data []byte
				err := row.Scan(&c.EventID, &c.Seq, &c.Kind, idColumn{&c.PostID}, &data, timeColumn{&c.CreatedAt})
				if data != nil {
					c.Data = data
				}
				return dump.Record{Change: &c}, err
			}},
			{dump.TableTokens, `SELECT ` + tokenColumns + ` FROM tokens ORDER BY id`, func(row pgx.Row) (dump.Record, error) {
				k, err := scanToken(row)
				return dump.Record{Token: k}, err
			}},
		} {
			rows, err := t.Query(ctx, q.sql)
			if err != nil {
				return fmt.Errorf("dump %s: %w", q.table, err)
			}
			for rows.Next() {
				r, err := q.scan(rows)
				if err == nil {
					err = put(r)
				}
				if err != nil {
					rows.Close()
					return fmt.Errorf("dump %s: %w", q.table, err)
				}
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("dump %s: %w", q.table, err)
			}
		}
		return nil
	})
}

// trailing scans a row into a scan function's destinations followed by
// extra ones, so that a table's usual scan function reads a row with more
// columns.
type trailing struct {
	row   pgx.Row
	extra []any
}

func (t trailing) Scan(dest ...any) error { return t.row.Scan(append(dest, t.extra...)...) }

// Census counts the rows of every table and describes each event's feed,
// from one snapshot.
func (s *Store) Census(ctx context.Context) (*dump.Census, error) {
	var c *dump.Census
	err := s.view(ctx, func(t *tx) (err error) {
		c, err = census(ctx, t)
		return err
	})
	return c, err
}

func census(ctx context.Context, q db) (*dump.Census, error) {
	tables := map[string]int64{}
	for _, t := range dump.Tables {
		var n int64
		// The names are the dump package's constants, never input.
		if err := q.QueryRow(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("census %s: %w", t, err)
		}
		tables[t] = n
	}
	statuses := map[liveblog.PostStatus]int64{}
	rows, err := q.Query(ctx, `SELECT status, count(*) FROM posts GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("census posts: %w", err)
	}
	var st liveblog.PostStatus
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error { statuses[st] = n; return nil }); err != nil {
		return nil, fmt.Errorf("census posts: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT e.id, e.slug, e.head, e.floor, count(c.seq), coalesce(min(c.seq), 0), coalesce(max(c.seq), 0)
		FROM events e LEFT JOIN changes c ON c.event_id = e.id GROUP BY e.id ORDER BY e.id`)
	if err != nil {
		return nil, fmt.Errorf("census feeds: %w", err)
	}
	var feeds []dump.Feed
	var f dump.Feed
	if _, err := pgx.ForEachRow(rows, []any{&f.EventID, &f.Slug, &f.Head, &f.Floor, &f.Changes, &f.First, &f.Last}, func() error {
		feeds = append(feeds, f)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("census feeds: %w", err)
	}
	return dump.NewCensus(tables, statuses, feeds), nil
}
