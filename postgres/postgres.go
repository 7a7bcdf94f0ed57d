// Package postgres implements liveblog.Store on PostgreSQL (pgx), for
// newsrooms that run several nodes on one database.
//
// Writers on different nodes meet in the database, so the locking that the
// SQLite store gets from its single writer is done with row locks here. Every
// transaction that writes an event's posts or feed first locks that event's
// row, and touches the posts and changes of that event only while holding it
// (the scheduler, which publishes into several events at once, locks them in
// id order): writers of one event queue on one row, which keeps the feed
// gapless, and take their locks in one order, which leaves no cycle to
// deadlock on. Writes run in READ
// COMMITTED, so that a statement issued after the lock is granted sees what
// the previous holder committed; reads of more than one statement run in
// REPEATABLE READ READ ONLY, one snapshot for the whole page.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/migration"
)

// migrationLock is the key of the advisory lock taken while migrating, so
// that nodes starting at the same moment apply each migration once. Its bytes
// spell "liveblog", which makes it recognisable in pg_locks.
const migrationLock int64 = 0x6c697665626c6f67

// PostgreSQL's SQLSTATE for a unique constraint violation.
const uniqueViolation = "23505"

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a liveblog.Store backed by a PostgreSQL database. Its writes,
// and the reads that decide something, are its Service's, which runs them
// on this database's transactions; the rest is SQL.
type Store struct {
	*liveblog.Service

	pool *pgxpool.Pool

	// Now is the store's clock, liveblog.Now unless a test replaces it.
	Now func() time.Time
}

var (
	_ liveblog.Database = (*Store)(nil)
	_ liveblog.Tx       = (*tx)(nil)
)

// Open connects to the database at dsn (a postgres:// URL or key=value
// settings, as libpq takes them; pool_max_conns and the other pgxpool
// settings are honoured) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The error may quote the DSN, password and all.
		return nil, errors.New("postgres: the database URL cannot be parsed; it has the form postgres://user:password@host:5432/dbname?sslmode=disable")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{pool: pool, Now: liveblog.Now}
	s.Service = liveblog.NewService(storage{s})
	// The pool connects lazily; a wrong address should fail here, at start,
	// not on the first reader's request.
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	if err := s.BackfillSearch(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return s, nil
}

// Close closes the pool, waiting for the connections in use to be returned.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations. All of them run in one transaction under an advisory
// lock: nodes starting together wait for the first one and then find nothing
// left to do, and a migration that fails leaves the schema as it was, since
// PostgreSQL's DDL is transactional. A migration therefore must not use
// statements that refuse to run in a transaction (CREATE INDEX CONCURRENTLY).
func (s *Store) migrate(ctx context.Context) error {
	files, err := migration.Read(migrations, "migrations")
	if err != nil {
		return err
	}
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer t.Rollback(ctx)
	if _, err := t.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return err
	}
	if _, err := t.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return err
	}
	rows, err := t.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return err
	}
	pending, err := migration.Pending(files, applied)
	if err != nil {
		return err
	}
	for _, m := range pending {
		// Without arguments pgx sends the simple protocol, which runs a
		// file of several statements as it is.
		if _, err := t.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		if _, err := t.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.Version, m.Name, s.now()); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return t.Commit(ctx)
}

// db is what a query runs on: a transaction, or the pool for a read that is
// a single statement (which sees one snapshot on its own).
type db interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// tx is one transaction, with the context it runs under and the time it
// started: every timestamp it writes is that one.
type tx struct {
	ctx context.Context
	pgx.Tx
	now time.Time
}

// update runs fn in a READ COMMITTED write transaction. The isolation level
// is set rather than inherited: under a server default of SERIALIZABLE the
// event row lock would still serialise writers, but they would also fail
// with serialization errors that nothing here retries.
func (s *Store) update(ctx context.Context, fn func(*tx) error) error {
	pt, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer pt.Rollback(ctx)
	if err := fn(&tx{ctx: ctx, Tx: pt, now: s.now()}); err != nil {
		return err
	}
	if err := pt.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// view runs fn in a REPEATABLE READ READ ONLY transaction: one snapshot for
// all its queries, so that a page and the head it is rendered at agree.
func (s *Store) view(ctx context.Context, fn func(*tx) error) error {
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer t.Rollback(ctx)
	if err := fn(&tx{ctx: ctx, Tx: t, now: s.now()}); err != nil {
		return err
	}
	return t.Commit(ctx)
}

// storage is the Store as its liveblog.Service drives it.
type storage struct{ *Store }

var _ liveblog.Storage = storage{}

func (s storage) Now() time.Time { return s.now() }

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
	if errors.Is(err, pgx.ErrNoRows) {
		return none, notFound
	} else if err != nil {
		return none, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// isUnique reports whether err is a violation of the unique constraint or
// index named constraint.
func isUnique(err error, constraint string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == uniqueViolation && e.ConstraintName == constraint
}

// utc is how a time is stored: UTC, to the microsecond, so what is read back
// is exactly what was written.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// timeValue is a time as a parameter: NULL for the zero time.
func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// timeColumn scans a timestamptz into T: in UTC, whatever the session's zone,
// and the zero time for NULL.
type timeColumn struct{ t *time.Time }

func (c timeColumn) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*c.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return errors.New("infinite timestamp")
	default:
		*c.t = v.Time.UTC()
	}
	return nil
}

// all reads every row of a query with scan; an error is wrapped in what. It
// returns nil, not an empty slice, for no rows, as the SQLite store does, so
// that a listing encodes to the same JSON on either store.
func all[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error), what string) ([]T, error) {
	var out []T
	if err == nil {
		out, err = pgx.AppendRows(out, rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// idValue is an optional reference as a parameter: NULL for 0.
func idValue(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// idColumn scans an optional reference, 0 for NULL.
type idColumn struct{ id *int64 }

func (c idColumn) ScanInt64(v pgtype.Int8) error {
	*c.id = v.Int64
	return nil
}

// jsonValue encodes v for a jsonb parameter. The store encodes rather than
// leaving it to pgx, so that a nil slice is stored as JSON null, never as SQL
// NULL, and reads back as what encoding/json gives.
func jsonValue(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return b, nil
}
