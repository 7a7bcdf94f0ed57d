// Package sqlite implements liveblog.Store on SQLite (modernc.org/sqlite, no
// cgo), for the single binary that a newsroom runs on one machine.
//
// Writes go through one connection in BEGIN IMMEDIATE transactions, which is
// what SQLite allows anyway and what makes each event's change feed gapless.
// Reads use a separate pool: in WAL mode a reader works on a snapshot and never
// waits for the writer, so a burst of publishing does not stall reader pages.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/migration"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every connection gets these pragmas. synchronous=FULL syncs the WAL on every
// commit: a write the desk has been told succeeded survives a crash or a power
// cut, which NORMAL does not promise. The busy timeout covers a second process
// (a CLI import, a backup) holding the write lock.
//
// mmap_size lets readers take pages straight from the operating system's
// cache: a connection's own page cache is emptied whenever another one
// commits, and re-reading every page it touches with a system call made the
// first page read after each post grow with the length of the event.
var pragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"synchronous(FULL)",
	"foreign_keys(ON)",
	"mmap_size(268435456)",
}

// readConns is the size of the read pool: enough for every core to serve a
// page at once; each connection costs a page cache.
var readConns = max(4, runtime.GOMAXPROCS(0))

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a liveblog.Store backed by one SQLite file. Its writes, and the
// reads that decide something, are its Service's, which runs them on this
// file's transactions; the rest is SQL.
type Store struct {
	*liveblog.Service

	path   string
	writer *sql.DB
	reader *sql.DB

	// Now is the store's clock, liveblog.Now unless a test replaces it.
	Now func() time.Time
}

// Open opens (creating if need be) the database file at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	// The driver splits its parameters off at the first '?', and a memory
	// database would not be shared between the two pools.
	if path == "" || path == ":memory:" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: %q is not a database file path", path)
	}
	writer, err := sql.Open("sqlite", dsn(path, "_txlock", "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// SQLite has one writer at a time; a single connection queues writers in
	// Go instead of letting them spin on the busy timeout.
	writer.SetMaxOpenConns(1)

	// query_only makes a write slipped into a read method fail loudly.
	reader, err := sql.Open("sqlite", dsn(path, "_pragma", "query_only(1)"))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	reader.SetMaxOpenConns(readConns)
	reader.SetMaxIdleConns(readConns)

	s := &Store{path: path, writer: writer, reader: reader, Now: liveblog.Now}
	s.Service = liveblog.NewService(storage{s})
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	if err := s.BackfillSearch(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return s, nil
}

func dsn(path string, extra ...string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Add(extra[i], extra[i+1])
	}
	return path + "?" + q.Encode()
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.writer.Close(), s.reader.Close())
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the database to dest, a file that must
// not exist yet, while the store keeps serving: VACUUM INTO reads one
// snapshot, so writes made during the backup are simply not in it.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return liveblog.Errorf(liveblog.ECONFLICT, "The backup file %s already exists.", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	// A connection of its own: the read pool is query_only, which VACUUM
	// INTO counts as writing, and the writer must stay free for the desk.
	db, err := sql.Open("sqlite", dsn(s.path))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// SQLite does not sync the file VACUUM INTO writes; a backup that a
	// power cut can truncate is no backup.
	f, err := os.Open(dest)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: sync: %w", err)
	}
	return errors.Join(f.Close(), db.Close())
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own write transaction, so that a second
// process opening the same file at the same moment waits instead of applying
// them twice.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return err
	}
	files, err := migration.Read(migrations, "migrations")
	if err != nil {
		return err
	}
	rows, err := s.writer.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	var applied []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied = append(applied, v)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	pending, err := migration.Pending(files, applied)
	if err != nil {
		return err
	}
	for _, m := range pending {
		err := s.update(ctx, func(tx *tx) error {
			var done bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.Version).Scan(&done); err != nil || done {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, tx.now.UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}

// tx is one transaction, with the context it runs under and the time it
// started: every timestamp it writes is that one.
type tx struct {
	ctx context.Context
	*sql.Tx
	now time.Time
}

// update runs fn in a write transaction.
func (s *Store) update(ctx context.Context, fn func(*tx) error) error {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&tx{ctx: ctx, Tx: sqlTx, now: s.now()}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// view runs fn in a read transaction: one snapshot for all its queries.
func (s *Store) view(ctx context.Context, fn func(*tx) error) error {
	sqlTx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	return fn(&tx{ctx: ctx, Tx: sqlTx, now: s.now()})
}

// storage is the Store as its liveblog.Service drives it.
type storage struct{ *Store }

var _ liveblog.Storage = storage{}

func (s storage) Now() time.Time { return s.now() }

// Write runs fn in a BEGIN IMMEDIATE transaction on the single writer
// connection, which is what serialises every writer of the file.
func (s storage) Write(ctx context.Context, fn func(liveblog.Tx) error) error {
	return s.update(ctx, func(t *tx) error { return fn(t) })
}

func (s storage) Read(ctx context.Context, fn func(liveblog.ReadTx) error) error {
	return s.view(ctx, func(t *tx) error { return fn(t) })
}

func (t *tx) Now() time.Time { return t.now }

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// one returns what a query of one row read: notFound when it matched none,
// and any other error wrapped in what.
func one[T any](v T, err error, notFound error, what string) (T, error) {
	var none T
	if errors.Is(err, sql.ErrNoRows) {
		return none, notFound
	} else if err != nil {
		return none, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// all reads every row of a query with scan; an error is wrapped in what.
func all[T any](rows *sql.Rows, err error, scan func(scanner) (T, error), what string) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// isUnique reports whether err is a unique-constraint violation on column
// (as SQLite names it, "table.column").
func isUnique(err error, column string) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE && strings.Contains(e.Error(), column)
}

// utc is how a time is stored: UTC, to the microsecond, so what is read back
// is exactly what was written.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// timeValue is a time as a column value: microseconds since the epoch, NULL
// for the zero time.
func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeColumn scans a time column into T.
type timeColumn struct{ t *time.Time }

func (c timeColumn) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("time column holds %T", src)
	}
	return nil
}

// idValue is an optional reference as a column value: NULL for 0.
func idValue(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// idColumn scans an optional reference, 0 for NULL.
type idColumn struct{ id *int64 }

func (c idColumn) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	*c.id = n.Int64
	return nil
}

// jsonValue encodes v for a JSON column.
func jsonValue(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// jsonColumn scans a JSON column into v.
type jsonColumn struct{ v any }

func (c jsonColumn) Scan(src any) error {
	switch b := src.(type) {
	case string:
		return json.Unmarshal([]byte(b), c.v)
	case []byte:
		return json.Unmarshal(b, c.v)
	}
	return fmt.Errorf("json column holds %T", src)
}

type scanner interface{ Scan(dest ...any) error }

var (
	_ liveblog.Database = (*Store)(nil)
	_ liveblog.Tx       = (*tx)(nil)
)
