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
	"maps"
	"slices"
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

// Store is a liveblog.Store backed by a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool

	// Announcer is told each event's new head after a commit; nil means
	// nobody listens.
	Announcer liveblog.Announcer
	// Now is the store's clock, liveblog.Now unless a test replaces it.
	Now func() time.Time
}

var _ liveblog.Store = (*Store)(nil)

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

// tx is one write transaction, with the time it started (every timestamp it
// writes is that one) and the heads it moved, announced after commit.
type tx struct {
	pgx.Tx
	now   time.Time
	heads map[int64]int64
	// result is what a mutation returns (its post or event), set by the
	// mutation so that an idempotent request's response can be made from it
	// and stored before commit.
	result any
}

// update runs fn in a READ COMMITTED write transaction and, once it has
// committed, announces the heads it moved. The isolation level is set rather
// than inherited: under a server default of SERIALIZABLE the event row lock
// would still serialise writers, but they would also fail with serialization
// errors that nothing here retries.
func (s *Store) update(ctx context.Context, fn func(*tx) error) error {
	pt, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer pt.Rollback(ctx)
	t := &tx{Tx: pt, now: s.now(), heads: map[int64]int64{}}
	if err := fn(t); err != nil {
		return err
	}
	if req := liveblog.IdempotencyFrom(ctx); req != nil && t.result != nil {
		if err := t.recordIdempotent(ctx, req, t.result); err != nil {
			return err
		}
	}
	audit := liveblog.AuditFrom(ctx)
	if audit != nil && !audit.Recorded() {
		if err := t.recordAudit(ctx, audit); err != nil {
			return err
		}
	}
	if err := pt.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if audit != nil {
		audit.MarkRecorded()
	}
	if s.Announcer != nil && len(t.heads) > 0 {
		// The write has happened whether or not the caller is still there.
		actx := context.WithoutCancel(ctx)
		for _, id := range slices.Sorted(maps.Keys(t.heads)) {
			s.Announcer.Announce(actx, id, t.heads[id])
		}
	}
	return nil
}

// view runs fn in a REPEATABLE READ READ ONLY transaction: one snapshot for
// all its queries, so that a page and the head it is rendered at agree.
func (s *Store) view(ctx context.Context, fn func(pgx.Tx) error) error {
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer t.Rollback(ctx)
	if err := fn(t); err != nil {
		return err
	}
	return t.Commit(ctx)
}

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// checkVersion refuses an edit of a version other than the current one.
func checkVersion(current, got int) error {
	if current != got {
		return &liveblog.ConflictError{Current: current, Got: got}
	}
	return nil
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

// collect scans every row with scan. It returns nil, not an empty slice, for
// no rows, as the SQLite store does, so that a listing encodes to the same
// JSON on either store.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	return pgx.AppendRows([]T(nil), rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
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
