package main

import (
	"context"
	"errors"
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

// TestNewDataDirectory runs each command that adds to an instance on a data
// directory that does not exist, as on a fresh machine: each creates it and
// its database, as serve does. The commands that read or change what an
// instance holds refuse a missing directory instead, saying which.
func TestNewDataDirectory(t *testing.T) {
	src, _ := smallInstance(t)
	exported, _ := exportFile(t, src, "busy-0")
	backup := backupOf(t, src, "liveblog.tar")
	dump := textDump(t)
	t.Setenv("LIVEBLOG_PASSWORD", "a long enough password")

	for _, args := range [][]string{
		{"user", "create", "--editor", "--email", "ann@example.com", "--name", "Ann"},
		{"token", "create", "--name", "wire"},
		{"import", "text", dump, "--event", "lifeboat", "--year", "2025"},
		{"import", "json", exported},
		{"restore", "--from", backup},
	} {
		t.Run(args[0]+" "+args[1], func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new", "data")
			stdout, stderr, err := command(t, append(args, "--data", dir)...)
			if err != nil {
				t.Fatalf("%v\nstdout: %s\nstderr: %s", err, stdout, stderr)
			}
			for _, name := range []string{"liveblog.db", "media"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}

	for _, args := range [][]string{
		{"user", "list"},
		{"user", "disable", "--email", "ann@example.com"},
		{"token", "list"},
		{"token", "revoke", "1"},
		{"export", "busy-0"},
		{"archive", "busy-0", "--out", filepath.Join(t.TempDir(), "site")},
		{"backup", "--out", filepath.Join(t.TempDir(), "b.tar")},
	} {
		t.Run("Err "+args[0]+" "+args[1], func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "typo")
			_, _, err := command(t, append(args, "--data", dir)...)
			if err == nil || !strings.Contains(err.Error(), dir+" does not exist") {
				t.Errorf("got %v, want a refusal that names the missing directory", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the command created %s: %v", dir, err)
			}
		})
	}
}
