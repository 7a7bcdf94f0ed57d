package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDatabaseConfig(t *testing.T) {
	parse := func(t *testing.T, serving bool, args ...string) Config {
		t.Helper()
		var cfg Config
		if err := newFlagSet("test", io.Discard, &cfg, serving).Parse(args); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	const pg = "postgres://liveblog:s3cret@db.internal:5432/liveblog"

	t.Run("Default", func(t *testing.T) {
		cfg := parse(t, true, "--data", "/srv/liveblog")
		if cfg.Database != "" || cfg.NATS != "" || cfg.DatabasePath() != filepath.Join("/srv/liveblog", "liveblog.db") {
			t.Errorf("config = %+v, want SQLite in the data directory and no NATS", cfg)
		}
	})
	t.Run("Flags", func(t *testing.T) {
		cfg := parse(t, true, "--database", pg, "--nats", "nats://a:4222,nats://b:4222", "--nats-subject", "newsroom2")
		if cfg.Database != pg || cfg.NATS != "nats://a:4222,nats://b:4222" || cfg.NATSSubject != "newsroom2" {
			t.Errorf("config = %+v", cfg)
		}
	})
	t.Run("Env", func(t *testing.T) {
		t.Setenv("LIVEBLOG_DATABASE", pg)
		t.Setenv("LIVEBLOG_NATS", "nats://nats:4222")
		if cfg := parse(t, true); cfg.Database != pg || cfg.NATS != "nats://nats:4222" {
			t.Errorf("config = %+v", cfg)
		}
	})
	t.Run("EnvFile", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "database-url")
		if err := os.WriteFile(file, []byte(pg+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("LIVEBLOG_DATABASE_FILE", file)
		if cfg := parse(t, false); cfg.Database != pg {
			t.Errorf("database = %q, want the file's URL", cfg.Database)
		}
	})
	// A secret file that cannot be read must not leave a node of a cluster
	// starting on a SQLite file of its own.
	t.Run("ErrEnvFileUnreadable", func(t *testing.T) {
		t.Setenv("LIVEBLOG_DATABASE_FILE", filepath.Join(t.TempDir(), "missing"))
		cfg := parse(t, true, "--data", t.TempDir())
		s, err := openDatabase(context.Background(), cfg, nil)
		if err == nil {
			s.Close()
			t.Fatal("opened a database without the URL its file should give")
		}
		if !strings.Contains(err.Error(), "LIVEBLOG_DATABASE_FILE") {
			t.Errorf("error %q does not name LIVEBLOG_DATABASE_FILE", err)
		}
	})
	t.Run("SQLitePath", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "elsewhere.db")
		cfg := parse(t, false, "--database", "sqlite:"+path)
		if cfg.DatabasePath() != path {
			t.Fatalf("path = %q, want %q", cfg.DatabasePath(), path)
		}
		s, err := openDatabase(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the database is not at %s: %v", path, err)
		}
	})
	t.Run("ErrScheme", func(t *testing.T) {
		cfg := parse(t, false, "--database", "mysql://root:s3cret@db/liveblog")
		_, err := openDatabase(context.Background(), cfg, nil)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error = %v, want a refusal without the password", err)
		}
	})
	t.Run("ErrSQLiteCommandOnPostgres", func(t *testing.T) {
		cfg := parse(t, false, "--database", pg)
		if _, err := openStore(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("openStore = %v, want a refusal that points at pg_dump", err)
		}
	})
}
