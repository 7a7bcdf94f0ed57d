package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/importer"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/transfer"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "json" {
		return runImportJSON(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "text" {
		return errors.New("import: want a format: import text FILE --event SLUG, or import json FILE [--slug NEW]")
	}
	var cfg Config
	fs := newFlagSet("import text", stderr, &cfg, false)
	slug := fs.String("event", "", "slug of the event to import into; created if missing (required)")
	year := fs.Int("year", 0, "year of the newest post (default: this year)")
	zone := fs.String("zone", liveblog.DefaultTimeZone, "time zone the dump's times are in")
	dryRun := fs.Bool("dry-run", false, "print the parsed posts and the report without writing")
	file, err := parseWithArg(fs, args[1:])
	if err != nil {
		return err
	}
	if file == "" || (*slug == "" && !*dryRun) {
		return errors.New("import text: want FILE and --event SLUG")
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("import text: unknown zone %q", *zone)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := importer.ParseText(f, importer.TextOptions{Year: *year, Zone: loc})
	if err != nil {
		return fmt.Errorf("import text: %w", err)
	}
	if err := res.WriteReport(stderr); err != nil {
		return err
	}
	if *dryRun {
		for _, p := range res.Posts {
			breaking := ""
			if p.Breaking {
				breaking = " [Breaking]"
			}
			fmt.Fprintf(stdout, "%s  %s%s  (%d blocks", render.FormatTime(p.PublishedAt, loc), p.Headline, breaking, len(p.Blocks))
			for _, c := range p.Contributors {
				fmt.Fprintf(stdout, "; by %s, %s", c.Name, c.Role)
			}
			fmt.Fprintln(stdout, ")")
		}
		fmt.Fprintf(stdout, "%d posts parsed; nothing written (dry run)\n", len(res.Posts))
		return nil
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ev, err := importer.Import(ctx, store, *slug, res, importer.Options{})
	if err != nil {
		return fmt.Errorf("import text: %w", err)
	}
	fmt.Fprintf(stdout, "imported %d posts into /live/%s\n", len(res.Posts), ev.Slug)
	return nil
}

// parseWithArg parses flags given before, after or on both sides of one
// positional argument (a file, a slug), and returns that argument. The flag
// package stops at the first argument that is not a flag; parsing resumes
// after it.
func parseWithArg(fs *flag.FlagSet, args []string) (string, error) {
	var arg string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			return arg, nil
		}
		if arg != "" {
			return "", fmt.Errorf("%s: unexpected argument %q", strings.TrimPrefix(fs.Name(), "liveblog "), fs.Arg(0))
		}
		arg, args = fs.Arg(0), fs.Args()[1:]
	}
}

// runImportJSON imports an event document written by `liveblog export`.
func runImportJSON(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("import json", stderr, &cfg, false)
	slug := fs.String("slug", "", "import the event under this slug instead of the document's")
	mediaFrom := fs.String("media-dir", "", "directory the media files were exported to (export --media-dir)")
	file, err := parseWithArg(fs, args)
	if err != nil {
		return err
	}
	if file == "" {
		return errors.New("import json: want FILE, a document written by liveblog export")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := transfer.Decode(f)
	if err != nil {
		return fmt.Errorf("import json: %s: %s", file, describe(err))
	}
	// A move to a new machine starts from nothing: the data directory is
	// made here rather than by a first `serve`.
	if err := os.MkdirAll(cfg.MediaDir(), 0o755); err != nil {
		return fmt.Errorf("import json: %w", err)
	}
	db, err := openInstance(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	store, ok := db.(transfer.Store)
	if !ok {
		return errors.New("import json: this database cannot take in an exported event yet (it has no ImportEvent)")
	}
	opts := transfer.ImportOptions{Slug: *slug, MediaDir: cfg.MediaDir()}
	if *mediaFrom != "" {
		opts.Media = os.DirFS(*mediaFrom)
	}
	res, err := transfer.Import(ctx, store, doc, opts)
	if liveblog.ErrorCode(err) == liveblog.ECONFLICT && liveblog.ErrorField(err) == "slug" {
		return fmt.Errorf("import json: %s Pass --slug NEW to import it as a copy.", liveblog.ErrorMessage(err))
	} else if err != nil {
		return fmt.Errorf("import json: %s", describe(err))
	}
	ids := "ids kept, so permalinks are unchanged"
	if !res.KeptIDs {
		ids = "new ids assigned (the document's were taken here), so permalinks differ"
	}
	fmt.Fprintf(stdout, "imported /live/%s: %d posts, %d changes (head %d), %d media files written, %d already present; %s\n",
		res.Event.Slug, len(doc.Posts), len(doc.Feed.Changes), res.Event.Head, res.MediaWritten, res.MediaPresent, ids)
	return nil
}

// describe is the message of an error for the terminal: what a domain error
// says and the field it names, the whole chain for anything else.
func describe(err error) string {
	if liveblog.ErrorCode(err) == liveblog.EINTERNAL {
		return err.Error()
	}
	if f := liveblog.ErrorField(err); f != "" {
		return f + ": " + liveblog.ErrorMessage(err)
	}
	return liveblog.ErrorMessage(err)
}
