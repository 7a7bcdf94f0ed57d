package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/dump"
)

var _ dump.Dumper = (*Store)(nil)

// Dump gives every row of the database to put, table by table in the order
// of dump.Tables, from one read snapshot: a copy taken while the instance
// keeps publishing is the record as of one moment.
func (s *Store) Dump(ctx context.Context, put func(dump.Record) error) error {
	return s.view(ctx, func(tx *tx) error {
		for _, q := range []struct {
			table string
			sql   string
			scan  func(scanner) (dump.Record, error)
		}{
			{dump.TableUsers, `SELECT ` + userColumns + ` FROM users ORDER BY id`, func(row scanner) (dump.Record, error) {
				u, err := scanUser(row)
				return dump.Record{User: u}, err
			}},
			{dump.TableSessions, `SELECT hash, user_id, created_at, expires_at, last_seen_at FROM sessions ORDER BY hash`, func(row scanner) (dump.Record, error) {
				var s liveblog.Session
				err := row.Scan(&s.Hash, &s.UserID, timeColumn{&s.CreatedAt}, timeColumn{&s.ExpiresAt}, timeColumn{&s.LastSeenAt})
				return dump.Record{Session: &s}, err
			}},
			{dump.TableLoginAttempts, `SELECT attempt, key, at FROM login_attempts ORDER BY rowid`, func(row scanner) (dump.Record, error) {
				var a dump.LoginAttempt
				err := row.Scan(&a.Attempt, &a.Key, timeColumn{&a.At})
				return dump.Record{LoginAttempt: &a}, err
			}},
			{dump.TableEvents, `SELECT ` + eventColumns + `, floor FROM events ORDER BY id`, func(row scanner) (dump.Record, error) {
				var floor int64
				e, err := scanEvent(trailing{row, []any{&floor}})
				if err != nil {
					return dump.Record{}, err
				}
				return dump.Record{Event: &dump.Event{Event: *e, Floor: floor}}, nil
			}},
			{dump.TablePosts, `SELECT ` + postColumns + ` FROM posts ORDER BY id`, func(row scanner) (dump.Record, error) {
				p, err := scanPost(row)
				return dump.Record{Post: p}, err
			}},
			{dump.TableChanges, `SELECT event_id, seq, kind, post_id, data, created_at FROM changes ORDER BY event_id, seq`, func(row scanner) (dump.Record, error) {
				var c dump.Change
				var data sql.NullString
				err := row.Scan(&c.EventID, &c.Seq, &c.Kind, idColumn{&c.PostID}, &data, timeColumn{&c.CreatedAt})
				if data.Valid {
					c.Data = []byte(data.String)
				}
				return dump.Record{Change: &c}, err
			}},
			{dump.TableTokens, `SELECT ` + tokenColumns + ` FROM tokens ORDER BY id`, func(row scanner) (dump.Record, error) {
				t, err := scanToken(row)
				return dump.Record{Token: t}, err
			}},
		} {
			if err := dumpTable(ctx, tx, q.sql, q.scan, put); err != nil {
				return fmt.Errorf("dump %s: %w", q.table, err)
			}
		}
		return nil
	})
}

func dumpTable(ctx context.Context, tx *tx, query string, scan func(scanner) (dump.Record, error), put func(dump.Record) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return err
		}
		if err := put(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// trailing scans a row into a scanner's destinations followed by extra
// ones, so that a table's usual scan function reads a row with more
// columns.
type trailing struct {
	row   scanner
	extra []any
}

func (t trailing) Scan(dest ...any) error { return t.row.Scan(append(dest, t.extra...)...) }

// Census counts the rows of every table and describes each event's feed,
// from one read snapshot.
func (s *Store) Census(ctx context.Context) (*dump.Census, error) {
	var c *dump.Census
	err := s.view(ctx, func(tx *tx) error {
		tables := map[string]int64{}
		for _, t := range dump.Tables {
			var n int64
			// The names are the package's own constants, never input.
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
				return fmt.Errorf("census %s: %w", t, err)
			}
			tables[t] = n
		}
		statuses := map[liveblog.PostStatus]int64{}
		rows, err := tx.QueryContext(ctx, `SELECT status, count(*) FROM posts GROUP BY status`)
		if err != nil {
			return fmt.Errorf("census posts: %w", err)
		}
		for rows.Next() {
			var st liveblog.PostStatus
			var n int64
			if err := rows.Scan(&st, &n); err != nil {
				rows.Close()
				return fmt.Errorf("census posts: %w", err)
			}
			statuses[st] = n
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("census posts: %w", err)
		}
		rows, err = tx.QueryContext(ctx, `SELECT e.id, e.slug, e.head, e.floor, count(c.seq), coalesce(min(c.seq), 0), coalesce(max(c.seq), 0)
			FROM events e LEFT JOIN changes c ON c.event_id = e.id GROUP BY e.id ORDER BY e.id`)
		if err != nil {
			return fmt.Errorf("census feeds: %w", err)
		}
		defer rows.Close()
		var feeds []dump.Feed
		for rows.Next() {
			var f dump.Feed
			if err := rows.Scan(&f.EventID, &f.Slug, &f.Head, &f.Floor, &f.Changes, &f.First, &f.Last); err != nil {
				return fmt.Errorf("census feeds: %w", err)
			}
			feeds = append(feeds, f)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("census feeds: %w", err)
		}
		c = dump.NewCensus(tables, statuses, feeds)
		return nil
	})
	return c, err
}
