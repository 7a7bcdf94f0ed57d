package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/liveblog/liveblog/transfer"
)

// runExport writes an event as a liveblog-event document (docs/EXPORT.md) to
// standard output.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("export", stderr, &cfg, false)
	setUsage(fs, "liveblog export SLUG [--media-dir DIR] > event.json", `Writes an event as a lossless JSON document (docs/EXPORT.md): posts in every
status, the change feed and the images.`)
	mediaDir := fs.String("media-dir", "", "write media files into DIR beside the document instead of embedding them")
	slug, err := parseWithArg(fs, args, stdout)
	if err != nil {
		return err
	}
	if slug == "" {
		return errors.New("export: want the event's SLUG: export SLUG > event.json")
	}
	store, err := openInstance(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	m := newMeter(stderr, "export")
	defer m.Clear()
	doc, missing, err := transfer.Export(ctx, store, slug, os.DirFS(cfg.MediaDir()), m.Report)
	if err != nil {
		return fmt.Errorf("export: %s", describe(err))
	}
	m.Clear()
	for _, name := range missing {
		fmt.Fprintf(stderr, "export: warning: posts refer to /media/%s, which is not in %s; exported without it\n", name, cfg.MediaDir())
	}
	if *mediaDir != "" {
		m.Stage("writing media files", 0, false)
		if err := doc.DetachMedia(*mediaDir); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	m.Stage("writing the document", 0, true)
	w := bufio.NewWriterSize(io.MultiWriter(stdout, m), 1<<16)
	if err := doc.Encode(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	m.Clear()
	fmt.Fprintf(stderr, "exported %s: %d posts, %d changes, %d media files, %s %s\n", slug, len(doc.Posts), len(doc.Feed.Changes), len(doc.Media), size(m.done), m.Took())
	return nil
}
