package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/liveblog/liveblog/archive"
)

// runArchive writes an event as a static site (see the archive package).
func runArchive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("archive", stderr, &cfg, false)
	out := fs.String("out", "", "directory to write the site into (required; must not exist or be empty)")
	site := fs.String("site-name", "", "the site's name in page titles and the header (default liveblog)")
	slug, err := parseWithArg(fs, args)
	if err != nil {
		return err
	}
	if slug == "" || *out == "" {
		return errors.New("archive: want the event's SLUG and --out DIR")
	}
	store, err := openInstance(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := archive.Write(ctx, store, slug, *out, archive.Options{Media: os.DirFS(cfg.MediaDir()), SiteName: *site})
	if err != nil {
		return fmt.Errorf("archive: %s", describe(err))
	}
	for _, name := range res.Missing {
		fmt.Fprintf(stderr, "archive: warning: posts show /media/%s, which is not in %s; its image is broken in the archive\n", name, cfg.MediaDir())
	}
	fmt.Fprintf(stdout, "archived %s into %s: %d pages, %d post pages, %d media files\n", slug, *out, res.Pages, res.Posts, res.Media)
	return nil
}
