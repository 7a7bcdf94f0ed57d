package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/liveblog/liveblog/dump"
	"github.com/liveblog/liveblog/postgres"
	"github.com/liveblog/liveblog/sqlite"
)

const migrateUsage = `liveblog migrate copies an instance from SQLite to PostgreSQL, for a
newsroom that outgrows one machine:

  liveblog migrate [--data DIR | --from sqlite:PATH] --to postgres://user:pass@host/db

Everything is copied in one transaction, as it is: events with their heads
and floors, posts in every status with their ids, versions and times, the
change feed row by row, API tokens, users and their sessions. The target
database must be empty. Stop liveblog serve first: what is written to the
SQLite file after the copy has started is not copied, and the command says so
if it happens. At the end it compares the two databases, table by table and
event by event, and prints the comparison.

Flags:
`

// migrateProgressEvery is how many rows pass between progress lines: a
// newsroom's years of coverage are millions of changes, and an operator
// watching a long copy wants to see it move.
const migrateProgressEvery = 100_000

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("liveblog migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), migrateUsage)
		fs.PrintDefaults()
	}
	dataDir := fs.String("data", env("LIVEBLOG_DATA", DefaultData), "data directory of the SQLite instance (env LIVEBLOG_DATA)")
	from := fs.String("from", "", "SQLite database to copy: sqlite:PATH (a file, or a data directory); default the one in --data")
	var envErr error
	to := fs.String("to", envOrFile("LIVEBLOG_DATABASE", &envErr), "PostgreSQL database to copy into, postgres://... (env LIVEBLOG_DATABASE or LIVEBLOG_DATABASE_FILE)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if envErr != nil {
		return fmt.Errorf("migrate: %w", envErr)
	}
	if !isPostgres(*to) {
		return errors.New("migrate: --to must be a postgres:// URL of an empty database")
	}
	path, err := migrateSource(*from, *dataDir)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	src, err := sqlite.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, *to)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer dst.Close()

	before, err := src.Census(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stderr, "copying %s to %s\n", path, redactURL(*to))
	var copied int64
	err = dst.Load(ctx, func(put func(dump.Record) error) error {
		return src.Dump(ctx, func(r dump.Record) error {
			if copied++; copied%migrateProgressEvery == 0 {
				fmt.Fprintf(stderr, "  %d rows copied\n", copied)
			}
			return put(r)
		})
	})
	if err != nil {
		return fmt.Errorf("migrate: %s", describe(err))
	}
	fmt.Fprintf(stderr, "copied %d rows in one transaction\n", copied)
	if err := dst.BackfillSearch(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	after, err := src.Census(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	got, err := dst.Census(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	printComparison(stdout, after, got)
	if diffs := dump.Diff(before, after); len(diffs) > 0 {
		return fmt.Errorf("migrate: the SQLite database changed while it was copied (%s); stop liveblog serve, empty the PostgreSQL database and migrate again", strings.Join(diffs, "; "))
	}
	if diffs := dump.Diff(after, got); len(diffs) > 0 {
		return fmt.Errorf("migrate: PostgreSQL does not hold what SQLite holds:\n  %s", strings.Join(diffs, "\n  "))
	}
	fmt.Fprintln(stdout, "PostgreSQL holds everything SQLite holds. Start the nodes with --database set to it.")
	return nil
}

// migrateSource returns the SQLite file to copy: the one --from names (a
// file, or a data directory holding liveblog.db), else the one in the data
// directory. It must exist: opening a missing file would create it, and copy
// an empty instance.
func migrateSource(from, dataDir string) (string, error) {
	path := filepath.Join(dataDir, "liveblog.db")
	if from != "" {
		p, ok := strings.CutPrefix(from, sqliteScheme)
		if !ok || p == "" {
			return "", fmt.Errorf("--from %q: want sqlite:PATH", from)
		}
		path = p
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			path = filepath.Join(p, "liveblog.db")
		}
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("SQLite database %s: %w", path, err)
	}
	return path, nil
}

// printComparison writes the census of the source and the target side by
// side: rows per table, then each event's feed.
func printComparison(w io.Writer, src, dst *dump.Census) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TABLE\tSQLITE\tPOSTGRESQL\t\t")
	for i, r := range src.Rows {
		var n int64
		if i < len(dst.Rows) && dst.Rows[i].Name == r.Name {
			n = dst.Rows[i].N
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\n", r.Name, r.N, n, mark(r.N == n))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tSLUG\tSQLITE\tPOSTGRESQL\t")
	for _, f := range src.Events {
		i := slices.IndexFunc(dst.Events, func(g dump.Feed) bool { return g.EventID == f.EventID })
		if i < 0 {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", f.EventID, f.Slug, f, "missing", mark(false))
			continue
		}
		g := dst.Events[i]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", f.EventID, f.Slug, f, g, mark(f == g && g.Gapless()))
	}
	tw.Flush()
}

func mark(ok bool) string {
	if ok {
		return "ok"
	}
	return "DIFFERS"
}
