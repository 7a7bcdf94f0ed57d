package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/dump"
	"github.com/liveblog/liveblog/inmem"
	"github.com/liveblog/liveblog/nats"
	"github.com/liveblog/liveblog/postgres"
	"github.com/liveblog/liveblog/sqlite"
)

// sqliteScheme starts a --database that names a SQLite file.
const sqliteScheme = "sqlite:"

// Database is an instance's store as the commands use it, whichever
// database keeps it: all that liveblog.Database holds, and the census that
// a migration is checked by.
type Database interface {
	liveblog.Database
	Census(ctx context.Context) (*dump.Census, error)
}

var (
	_ Database = (*sqlite.Store)(nil)
	_ Database = (*postgres.Store)(nil)
)

// Broker is the broker a node announces through: in process, or NATS.
type Broker interface {
	liveblog.Broker
	// Ping reports whether announcements can be sent and received.
	Ping(ctx context.Context) error
}

// isPostgres reports whether a --database value names a PostgreSQL
// database.
func isPostgres(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// openDatabase opens the store cfg names, announcing its commits to a (nil
// for none): SQLite in the data directory when cfg.Database is empty, the
// SQLite file of a sqlite:PATH, or PostgreSQL for a postgres:// URL.
func openDatabase(ctx context.Context, cfg Config, a liveblog.Announcer) (Database, error) {
	if cfg.envErr != nil {
		return nil, cfg.envErr
	}
	switch {
	case isPostgres(cfg.Database):
		s, err := postgres.Open(ctx, cfg.Database)
		if err != nil {
			return nil, err
		}
		s.Announcer = a
		return s, nil
	case cfg.Database == "" || strings.HasPrefix(cfg.Database, sqliteScheme):
		path := cfg.DatabasePath()
		if path == "" {
			return nil, errors.New("--database sqlite: needs the path of the database file, as in sqlite:/var/lib/liveblog/liveblog.db")
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, err
		}
		s.Announcer = a
		return s, nil
	}
	return nil, fmt.Errorf("--database %q: want sqlite:PATH or a postgres:// URL", redactURL(cfg.Database))
}

// openStore opens the SQLite store of an existing instance, for the commands
// that work on the SQLite file itself (backup).
func openStore(ctx context.Context, cfg Config) (*sqlite.Store, error) {
	if isPostgres(cfg.Database) {
		return nil, errors.New("this command works on the SQLite database; on PostgreSQL use the database's own tools (pg_dump)")
	}
	if err := sqliteExists(cfg); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, cfg.DatabasePath())
}

// openInstance opens the store of an existing instance, for the commands
// that read it or change what it holds (user list, token revoke, export).
func openInstance(ctx context.Context, cfg Config) (Database, error) {
	if !isPostgres(cfg.Database) {
		if err := sqliteExists(cfg); err != nil {
			return nil, err
		}
	}
	return openDatabase(ctx, cfg, nil)
}

// createInstance opens the store for a command that adds to an instance
// (user create, token create, import), creating the data directory and the
// database when they are missing, as serve does: on a new machine the first
// command can be any of them.
func createInstance(ctx context.Context, cfg Config) (Database, error) {
	if err := makeDataDir(cfg); err != nil {
		return nil, err
	}
	return openDatabase(ctx, cfg, nil)
}

// makeDataDir creates the data directory and its media directory.
func makeDataDir(cfg Config) error {
	if err := os.MkdirAll(cfg.MediaDir(), 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}

// sqliteExists reports a data directory that does not exist, so that a typo
// in --data is not taken for an empty instance.
func sqliteExists(cfg Config) error {
	if cfg.Database != "" {
		return nil
	}
	if _, err := os.Stat(cfg.DataDir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("data directory %s does not exist: check --data (serve, user create, token create and import create it)", cfg.DataDir)
	} else if err != nil {
		return fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	return nil
}

// openBroker opens the broker cfg names: NATS when cfg.NATS is set, else
// the in-process one.
func openBroker(cfg Config, logger *slog.Logger) (Broker, error) {
	if cfg.envErr != nil {
		return nil, cfg.envErr
	}
	if cfg.NATS == "" {
		return localBroker{inmem.NewBroker()}, nil
	}
	name, _ := os.Hostname()
	if name == "" {
		name = nats.DefaultName
	}
	return nats.Open(nats.Config{URL: cfg.NATS, Subject: cfg.NATSSubject, Name: "liveblog@" + name}, logger)
}

// localBroker is the in-process broker, which is always ready.
type localBroker struct{ *inmem.Broker }

func (localBroker) Ping(context.Context) error { return nil }

// redactURL hides the password of a URL, or of each of a comma-separated
// list of them, for logs and error messages. What does not parse as a URL is
// not shown at all: it may be a password pasted in the wrong place.
func redactURL(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(not a URL)"
			continue
		}
		parts[i] = u.Redacted()
	}
	return strings.Join(parts, ",")
}

// databaseName says which database cfg names, for the log, without a
// password.
func databaseName(cfg Config) string {
	if isPostgres(cfg.Database) {
		return redactURL(cfg.Database)
	}
	return "sqlite:" + cfg.DatabasePath()
}

// brokerName says which broker cfg names, for the log.
func brokerName(cfg Config) string {
	if cfg.NATS == "" {
		return "in-process"
	}
	return redactURL(cfg.NATS)
}
