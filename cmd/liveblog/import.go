package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/importer"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/transfer"
)

const importUsage = `liveblog import brings coverage in.

  import text FILE --event SLUG [--title T] [--description D] [--state S] [--year Y] [--zone Z] [--dry-run]
      a plain-text copy of a live page, with a report of what was guessed
  import json FILE [--slug NEW] [--media-dir DIR]
      an event written by liveblog export

Both create the data directory when it does not exist. "liveblog import text -h" shows the flags.
`

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "json":
		return runImportJSON(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "text":
		return runImportText(ctx, args[1:], stdout, stderr)
	}
	return groupUsage(importUsage, args, stdout, stderr)
}

// runImportText imports a plain-text copy of a live page.
func runImportText(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("import text", stderr, &cfg, false)
	setUsage(fs, "liveblog import text FILE --event SLUG [flags]", `Reads a plain-text copy of a live page (numbered posts, newest first, each
headline with "published at HH:MM") and imports its posts into the event SLUG,
created when missing. A report on standard error names the text it could not
classify and every guess it made, with line numbers; --dry-run stops there.

A new event's coverage is ended when its newest post is more than a day old
(an archived page), live otherwise, with coverage times from its first and
last posts; --state sets another. An existing event keeps its title,
description and state.`)
	slug := fs.String("event", "", "slug of the event to import into; created if missing (required)")
	title := fs.String("title", "", "title of a new event (default: the page header's, else made from the slug)")
	description := fs.String("description", "", "description of a new event (default: the page header's notes)")
	state := fs.String("state", "auto", "coverage state of a new event: auto (ended when the newest post is over a day old, else live), scheduled, live, paused or ended")
	year := fs.Int("year", 0, "year of the newest post (default: this year)")
	zone := fs.String("zone", liveblog.DefaultTimeZone, "time zone the text's times are in")
	dryRun := fs.Bool("dry-run", false, "print the parsed posts and the report without writing")
	file, err := parseWithArg(fs, args, stdout)
	if err != nil {
		return err
	}
	if file == "" || (*slug == "" && !*dryRun) {
		return errors.New("import text: want FILE and --event SLUG")
	}
	opts := importer.Options{Title: *title, Description: *description}
	if *state != "auto" {
		opts.State = liveblog.CoverageState(*state)
		if err := opts.State.Check(); err != nil {
			return fmt.Errorf("import text: --state: %s", liveblog.ErrorMessage(err))
		}
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
	// The store is opened before the report is printed, so that a command
	// that cannot write says so before a screenful of report.
	var store Database
	if !*dryRun {
		if store, err = createInstance(ctx, cfg); err != nil {
			return err
		}
		defer store.Close()
	}
	if err := res.WriteReport(stderr); err != nil {
		return err
	}
	if *dryRun {
		ev := opts.NewEvent(*slug, res, liveblog.Now())
		named := strconv.Quote(ev.Title)
		if ev.Title == "" {
			named = "after its slug"
		}
		fmt.Fprintf(stderr, "\nA new event would be titled %s, its coverage %s%s.\n", named, ev.State, coverageTimes(ev, loc))
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
	m := newMeter(stderr, "import")
	defer m.Clear()
	opts.Progress = m.Report
	reported := len(res.Report)
	ev, err := importer.Import(ctx, store, *slug, res, opts)
	m.Clear()
	if err != nil {
		return fmt.Errorf("import text: %w", err)
	}
	for _, n := range res.Report[reported:] {
		fmt.Fprintf(stderr, "  %s\n", n)
	}
	fmt.Fprintf(stdout, "imported %d posts into /live/%s (%q, coverage %s%s) %s\n",
		len(res.Posts), ev.Slug, ev.Title, ev.State, coverageTimes(ev, loc), m.Took())
	return nil
}

// coverageTimes says when an event's coverage started and ended, if it did.
func coverageTimes(ev *liveblog.Event, loc *time.Location) string {
	const layout = "15:04 MST 2 Jan 2006"
	switch {
	case !ev.CoverageEndedAt.IsZero():
		return fmt.Sprintf(", from %s to %s", ev.CoverageStartedAt.In(loc).Format(layout), ev.CoverageEndedAt.In(loc).Format(layout))
	case !ev.CoverageStartedAt.IsZero():
		return fmt.Sprintf(", since %s", ev.CoverageStartedAt.In(loc).Format(layout))
	}
	return ""
}

// runImportJSON imports an event document written by `liveblog export`.
func runImportJSON(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("import json", stderr, &cfg, false)
	setUsage(fs, "liveblog import json FILE [--slug NEW] [--media-dir DIR] [flags]", `Imports an event written by liveblog export, with its posts, change feed and
images; ids are kept when they are free, so permalinks keep working.`)
	slug := fs.String("slug", "", "import the event under this slug instead of the document's")
	mediaFrom := fs.String("media-dir", "", "directory the media files were exported to (export --media-dir)")
	file, err := parseWithArg(fs, args, stdout)
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
	// A move to a new machine starts from nothing: the data directory is
	// made here rather than by a first serve.
	db, err := createInstance(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	m := newMeter(stderr, "import")
	defer m.Clear()
	if info, err := f.Stat(); err == nil {
		m.Stage("reading the document", info.Size(), true)
	}
	doc, err := transfer.Decode(m.Reader(f))
	if err != nil {
		return fmt.Errorf("import json: %s: %s", file, describe(err))
	}
	opts := transfer.ImportOptions{Slug: *slug, MediaDir: cfg.MediaDir(), Progress: m.Report}
	if *mediaFrom != "" {
		opts.Media = os.DirFS(*mediaFrom)
	}
	res, err := transfer.Import(ctx, db, doc, opts)
	m.Clear()
	if liveblog.ErrorCode(err) == liveblog.ECONFLICT && liveblog.ErrorField(err) == "slug" {
		return fmt.Errorf("import json: %s Pass --slug NEW to import it as a copy.", liveblog.ErrorMessage(err))
	} else if err != nil {
		return fmt.Errorf("import json: %s", describe(err))
	}
	ids := "ids kept, so permalinks are unchanged"
	if !res.KeptIDs {
		ids = "new ids assigned (the document's were taken here), so permalinks differ"
	}
	fmt.Fprintf(stdout, "imported /live/%s: %d posts, %d changes (head %d), %d media files written, %d already present; %s; %s\n",
		res.Event.Slug, len(doc.Posts), len(doc.Feed.Changes), res.Event.Head, res.MediaWritten, res.MediaPresent, ids, m.Took())
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
