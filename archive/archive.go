// Package archive writes an event as a static site: its reader pages, a page
// for every post, the images its posts show and the stylesheet, as files with
// relative links only, so that any static file server, or a CDN bucket under
// any path, serves it as it is, long after the instance that ran the coverage
// is gone.
//
// Pages are rendered by the same engine, templates and stylesheet as the live
// pages (render.NewStatic), so an archived page is the page readers saw,
// without the script: an archive does not stream.
//
// The layout of an archive:
//
//	index.html          the newest posts, as the event page shows them
//	page-2.html ...     older pages, in the order the "Older posts" link follows
//	posts/ID.html       each post's permalink page
//	media/...           the images the posts show
//	static/...          the stylesheet and icons, under their fingerprinted names
//	feed.atom, feed.rss, feed.json
//	                    the feeds, written when the archive's public address is known
package archive

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/feed"
	"github.com/liveblog/liveblog/media"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/web"
)

// readAttempts is how often Write reads the pages of an event that keeps
// changing before it gives up: the pages are read one at a time, and a post
// published in between would move every later post to the next page.
const readAttempts = 5

// Options says what goes into an archive besides the event's pages.
type Options struct {
	// Media is the instance's media directory: the files the posts show
	// are copied from it.
	Media fs.FS
	// SiteName names the site in titles and the header; empty means
	// render.DefaultSiteName.
	SiteName string
	// Origin is the absolute URL the archive will be served from, such as
	// "https://archive.example.com/storm-2025". Feed readers need absolute
	// links, so the archive's feeds are written only when it is set.
	Origin string
	// Progress is told of each page and media file written.
	Progress liveblog.Progress
}

// Result says what Write wrote.
type Result struct {
	Pages int // event pages: index.html and page-N.html
	Posts int // permalink pages under posts/
	Media int // files copied under media/
	Feeds int // feed.atom, feed.rss and feed.json, when Options.Origin is set
	// Missing lists the media files that posts show and Options.Media does
	// not have; their images are broken in the archive as they were live.
	Missing []string
}

// Write writes the static archive of the event with this slug into dir,
// which must not exist or be empty. Only what readers could see goes in:
// published posts and the files they show, never a draft, a scheduled or a
// deleted post. The archive is written beside dir and renamed into place
// when it is complete, so dir never holds half an archive.
func Write(ctx context.Context, store liveblog.Store, slug, dir string, opts Options) (*Result, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, liveblog.Errorf(liveblog.ECONFLICT, "%s is not empty; an archive is written into a new or empty directory.", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	top, err := render.NewStatic("")
	if err != nil {
		return nil, err
	}
	deep, err := render.NewStatic("../")
	if err != nil {
		return nil, err
	}
	if opts.SiteName != "" {
		top.SiteName, deep.SiteName = opts.SiteName, opts.SiteName
	}
	pages, keyEvents, err := readPages(ctx, store, slug)
	if err != nil {
		return nil, err
	}

	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dir)), ".archive-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	if err := os.Chmod(work, 0o755); err != nil {
		return nil, err
	}

	res := &Result{}
	var media []string
	files := 0 // event pages and post pages
	for _, pg := range pages {
		files += 1 + len(pg.Posts)
		if pg.Pinned != nil {
			files++
		}
	}
	for i, pg := range pages {
		v := render.PageView{Page: pg, KeyEvents: keyEvents}
		if pg.Older != nil {
			v.OlderURL = pageFile(i + 1)
		}
		if pg.Newer != nil {
			v.NewerURL = pageFile(i - 1)
		}
		if err := writePage(top, filepath.Join(work, pageFile(i)), v); err != nil {
			return nil, err
		}
		res.Pages++
		opts.Progress.Report("pages", res.Pages+res.Posts, files)

		posts := pg.Posts
		if pg.Pinned != nil {
			posts = append([]*liveblog.Post{pg.Pinned}, posts...)
		}
		for _, p := range posts {
			// A permalink page is the page that holds the post, focused
			// on it, as the instance serves /live/SLUG/posts/ID.
			pv := render.PageView{Page: pg, FocusPostID: p.ID, KeyEvents: keyEvents}
			if v.OlderURL != "" {
				pv.OlderURL = "../" + v.OlderURL
			}
			if v.NewerURL != "" {
				pv.NewerURL = "../" + v.NewerURL
			}
			if err := writePage(deep, filepath.Join(work, "posts", strconv.FormatInt(p.ID, 10)+".html"), pv); err != nil {
				return nil, err
			}
			res.Posts++
			opts.Progress.Report("pages", res.Pages+res.Posts, files)
			media = append(media, mediaOf(p)...)
		}
	}

	slices.Sort(media)
	media = slices.Compact(media)
	for i, name := range media {
		opts.Progress.Report("media files", i, len(media))
		if opts.Media == nil {
			res.Missing = append(res.Missing, name)
			continue
		}
		b, err := fs.ReadFile(opts.Media, name)
		if errors.Is(err, fs.ErrNotExist) {
			res.Missing = append(res.Missing, name)
			continue
		} else if err != nil {
			return nil, fmt.Errorf("archive: media: %w", err)
		}
		if err := writeFile(filepath.Join(work, "media", filepath.FromSlash(name)), b); err != nil {
			return nil, err
		}
		res.Media++
	}
	if len(media) > 0 {
		opts.Progress.Report("media files", len(media), len(media))
	}
	if err := copyAssets(work); err != nil {
		return nil, err
	}
	if opts.Origin != "" {
		n, err := writeFeeds(work, pages, opts)
		if err != nil {
			return nil, err
		}
		res.Feeds = n
	}

	// An empty dir was allowed; it makes way for the finished archive.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.Rename(work, dir); err != nil {
		return nil, err
	}
	return res, nil
}

// pageFile names the i-th event page (from 0, newest first).
func pageFile(i int) string {
	if i == 0 {
		return "index.html"
	}
	return "page-" + strconv.Itoa(i+1) + ".html"
}

// readPages reads every reader page of the event, newest first, as the
// "Older posts" links walk them, and the key events the pages list. It starts
// over when the event changed while it read: the event's head moves with every
// change a reader can see.
func readPages(ctx context.Context, store liveblog.Store, slug string) ([]*liveblog.Page, []*liveblog.Post, error) {
	for range readAttempts {
		var pages []*liveblog.Page
		f := liveblog.PageFilter{Slug: slug, Limit: liveblog.DefaultPageSize}
		for {
			pg, err := store.FindPage(ctx, f)
			if err != nil {
				return nil, nil, fmt.Errorf("archive: %w", err)
			}
			pages = append(pages, pg)
			if pg.Older == nil {
				break
			}
			f.Before = pg.Older
		}
		ev := pages[0].Event
		keyEvents, err := store.FindPosts(ctx, liveblog.PostFilter{EventID: ev.ID, KeyOnly: true, Limit: render.KeyEventsShown})
		if err != nil {
			return nil, nil, fmt.Errorf("archive: %w", err)
		}
		now, err := store.FindEventByID(ctx, ev.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("archive: %w", err)
		}
		if now.Head == ev.Head && now.Version == ev.Version {
			return pages, keyEvents, nil
		}
	}
	return nil, nil, liveblog.Errorf(liveblog.ECONFLICT, "The event %s kept changing while it was read (%d tries); archive it when it is quieter.", slug, readAttempts)
}

// mediaOf returns the names of the media files a post shows, every width of
// an uploaded image included, since its srcset offers them all.
func mediaOf(p *liveblog.Post) []string {
	var names []string
	add := func(src string) {
		if name, ok := strings.CutPrefix(render.SafeURL(src), "/media/"); ok && fs.ValidPath(name) {
			names = append(names, name)
		}
	}
	for _, b := range p.Blocks {
		if b.Thumbnail != "" {
			add(b.Thumbnail)
		}
		if b.Type == liveblog.BlockImage {
			add(b.Src)
			for _, v := range media.Variants(b.Src, b.Width) {
				add(v.Src)
			}
		}
	}
	for _, c := range p.Contributors {
		add(c.Avatar)
	}
	return names
}

func writePage(e *render.Engine, file string, v render.PageView) error {
	var b strings.Builder
	if err := e.Page(&b, v); err != nil {
		return fmt.Errorf("archive: %s: %w", filepath.Base(file), err)
	}
	return writeFile(file, []byte(b.String()))
}

// copyAssets copies the site's static files under their fingerprinted names,
// as the pages link to them. Scripts stay out: an archive runs none.
func copyAssets(dir string) error {
	return fs.WalkDir(web.FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) == ".js" {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		url := web.AssetPath(name)
		if url == "" {
			return nil
		}
		b, err := fs.ReadFile(web.FS, p)
		if err != nil {
			return err
		}
		return writeFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(url, "/"))), b)
	})
}

func writeFile(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}

// archivePaths lays a feed's links out as the archive's files are.
var archivePaths = &feed.Paths{
	Event: "/index.html",
	Post:  func(id int64) string { return "/posts/" + strconv.FormatInt(id, 10) + ".html" },
	Feed:  func(f feed.Format) string { return "/feed." + string(f) },
}

// writeFeeds writes the event's feed in every format, with the latest posts
// as the instance's own feed carries them, linking to the archive's pages.
func writeFeeds(work string, pages []*liveblog.Page, opts Options) (int, error) {
	var posts []*liveblog.Post
	for _, pg := range pages {
		if pg.Pinned != nil {
			posts = append(posts, pg.Pinned)
		}
		posts = append(posts, pg.Posts...)
		if len(posts) > feed.MaxPosts {
			break
		}
	}
	latest := feed.Select(&liveblog.Page{Posts: posts}, false)
	f := &feed.Feed{
		Event:    pages[0].Event,
		Posts:    latest,
		Origin:   strings.TrimSuffix(opts.Origin, "/"),
		SiteName: cmp.Or(opts.SiteName, render.DefaultSiteName),
		Paths:    archivePaths,
	}
	for _, format := range feed.Formats {
		var b bytes.Buffer
		if err := feed.Encode(&b, format, f); err != nil {
			return 0, fmt.Errorf("archive: feed: %w", err)
		}
		if err := writeFile(filepath.Join(work, "feed."+string(format)), b.Bytes()); err != nil {
			return 0, err
		}
	}
	return len(feed.Formats), nil
}
