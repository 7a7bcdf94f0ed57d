package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/liveblog/liveblog/archive"
)

// runArchive writes an event as a static site (see the archive package).
func runArchive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("archive", stderr, &cfg, false)
	setUsage(fs, "liveblog archive SLUG --out DIR [--origin URL] [--site-name NAME]", `Writes an event as a static site with relative links, which any static file
server can serve.`)
	out := fs.String("out", "", "directory to write the site into (required; must not exist or be empty)")
	site := fs.String("site-name", "", "the site's name in page titles and the header (default liveblog)")
	origin := fs.String("origin", "", "absolute URL the archive will be served from, e.g. https://archive.example.com/SLUG; feeds are written only with it")
	slug, err := parseWithArg(fs, args, stdout)
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
	if *origin != "" {
		if u, err := url.Parse(*origin); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("archive: --origin must be an absolute http(s) URL")
		}
	}
	m := newMeter(stderr, "archive")
	defer m.Clear()
	m.Stage("reading the event", 0, false)
	res, err := archive.Write(ctx, store, slug, *out, archive.Options{Media: os.DirFS(cfg.MediaDir()), SiteName: *site, Origin: *origin, Progress: m.Report})
	m.Clear()
	if err != nil {
		return fmt.Errorf("archive: %s", describe(err))
	}
	for _, name := range res.Missing {
		fmt.Fprintf(stderr, "archive: warning: posts show /media/%s, which is not in %s; its image is broken in the archive\n", name, cfg.MediaDir())
	}
	if *origin == "" {
		fmt.Fprintln(stderr, "archive: no feeds written: feed readers need absolute links, so pass --origin with the archive's address")
	}
	fmt.Fprintf(stdout, "archived %s into %s: %d pages, %d post pages, %d media files, %d feeds %s\n", slug, *out, res.Pages, res.Posts, res.Media, res.Feeds, m.Took())
	return nil
}
