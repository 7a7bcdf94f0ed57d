package transfer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/media"
)

// exportAttempts is how often Export reads an event that keeps changing
// before it gives up. The store has no multi-read snapshot in its interface,
// so Export reads the event before and after everything else and starts over
// when it moved; an event that publishes every second still settles within a
// few tries, and one that never does is better exported from a backup.
const exportAttempts = 5

// allStatuses is every post status: an export leaves nothing behind.
var allStatuses = []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished, liveblog.StatusDeleted}

// Export reads the event with this slug from store into a document: the
// event, every post in every status, the whole feed the store keeps, and
// every media file that a post (or a post's earlier state in the feed) refers
// to as /media/NAME, read from files (the instance's media directory) and
// embedded.
//
// A referenced file that files does not have is listed in missing, and the
// document is complete without it: the reference stays as it was, as broken
// as it already is. A nil files exports no files and lists every reference.
// progress is told of the posts, changes and media files read.
func Export(ctx context.Context, store liveblog.Store, slug string, files fs.FS, progress liveblog.Progress) (doc *Document, missing []string, err error) {
	for range exportAttempts {
		doc, stable, err := read(ctx, store, slug, progress)
		if err != nil {
			return nil, nil, err
		}
		if !stable {
			continue
		}
		missing, err := attachMedia(doc, files, progress)
		if err != nil {
			return nil, nil, err
		}
		return doc, missing, nil
	}
	return nil, nil, liveblog.Errorf(liveblog.ECONFLICT, "The event %s kept changing while it was read (%d tries). Export it when it is quieter, or from a backup.", slug, exportAttempts)
}

// read reads the event, its posts and its feed, and reports whether the event
// was the same at the end as at the start: its version covers its own
// fields, and its head every change a reader can see.
func read(ctx context.Context, store liveblog.Store, slug string, progress liveblog.Progress) (*Document, bool, error) {
	ev, err := store.FindEventBySlug(ctx, slug)
	if err != nil {
		return nil, false, fmt.Errorf("transfer: find event: %w", err)
	}
	doc := &Document{Format: FormatName, Version: FormatVersion, Event: eventRecord(ev), Posts: []Post{}, Media: []Media{}}
	history, err := store.FindSummaryHistory(ctx, ev.ID, 0)
	if err != nil {
		return nil, false, fmt.Errorf("transfer: find summary history: %w", err)
	}
	if len(history) > 0 {
		doc.Event.SummaryHistory = historyRecords(history)
	}

	var after *liveblog.Cursor
	for {
		posts, err := store.FindPosts(ctx, liveblog.PostFilter{
			EventID: ev.ID, Statuses: allStatuses, OldestFirst: true, After: after, Limit: liveblog.MaxPageSize,
		})
		if err != nil {
			return nil, false, fmt.Errorf("transfer: find posts: %w", err)
		}
		for _, p := range posts {
			doc.Posts = append(doc.Posts, postRecord(p))
		}
		progress.Report("posts", len(doc.Posts), 0)
		if len(posts) < liveblog.MaxPageSize {
			break
		}
		after = listingCursor(posts[len(posts)-1])
	}
	slices.SortFunc(doc.Posts, func(a, b Post) int { return cmp.Compare(a.ID, b.ID) })

	feed, err := readFeed(ctx, store, ev, progress)
	if err != nil {
		return nil, false, err
	}
	doc.Feed = *feed

	now, err := store.FindEventByID(ctx, ev.ID)
	if err != nil {
		return nil, false, fmt.Errorf("transfer: find event: %w", err)
	}
	return doc, now.Version == ev.Version && now.Head == ev.Head, nil
}

// listingCursor is where a post stands in a listing of every status:
// published posts by the time readers see, the others by when they were
// started (see liveblog.PostStore.FindPosts).
func listingCursor(p *liveblog.Post) *liveblog.Cursor {
	t := p.PublishedAt
	if t.IsZero() {
		t = p.CreatedAt
	}
	return &liveblog.Cursor{PublishedAt: t, ID: p.ID}
}

// readFeed reads the feed of ev from its floor up to the head ev was read at.
func readFeed(ctx context.Context, store liveblog.Store, ev *liveblog.Event, progress liveblog.Progress) (*Feed, error) {
	first, err := store.FindChanges(ctx, liveblog.ChangeFilter{EventID: ev.ID, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("transfer: find changes: %w", err)
	}
	feed := &Feed{Floor: first.Floor, Head: ev.Head, Changes: []Change{}}
	if feed.Floor > feed.Head {
		// Trimmed between the two reads; the caller's check of the head
		// does not see a trim, so say so here.
		return nil, liveblog.Errorf(liveblog.ECONFLICT, "The feed was trimmed while it was read; export again.")
	}
	for after := feed.Floor; after < feed.Head; {
		b, err := store.FindChanges(ctx, liveblog.ChangeFilter{EventID: ev.ID, After: after})
		if err != nil {
			return nil, fmt.Errorf("transfer: find changes: %w", err)
		}
		if b.Floor != feed.Floor || len(b.Changes) == 0 {
			return nil, liveblog.Errorf(liveblog.ECONFLICT, "The feed was trimmed while it was read; export again.")
		}
		for _, c := range b.Changes {
			if c.Seq > feed.Head {
				break
			}
			feed.Changes = append(feed.Changes, changeRecord(c))
			after = c.Seq
		}
		progress.Report("changes", int(after-feed.Floor), int(feed.Head-feed.Floor))
	}
	return feed, nil
}

// attachMedia embeds every media file the document refers to.
func attachMedia(doc *Document, files fs.FS, progress liveblog.Progress) (missing []string, err error) {
	names := mediaNames(doc)
	for i, name := range names {
		progress.Report("media files", i, len(names))
		if files == nil {
			missing = append(missing, name)
			continue
		}
		b, err := fs.ReadFile(files, name)
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, name)
			continue
		} else if err != nil {
			return nil, fmt.Errorf("transfer: media: %w", err)
		}
		doc.Media = append(doc.Media, Media{Name: name, Size: int64(len(b)), SHA256: digest(b), Data: b})
	}
	if len(names) > 0 {
		progress.Report("media files", len(names), len(names))
	}
	return missing, nil
}

// mediaNames returns the names of the media files the document's posts and
// feed refer to, sorted: with every width stored of an uploaded image, which
// its srcset offers readers.
func mediaNames(doc *Document) []string {
	set := map[string]bool{}
	add := func(p *Post) {
		for _, b := range p.Blocks {
			// An embed's thumbnail is a copy made when it was captured.
			addMedia(set, b.Thumbnail)
			if b.Type != liveblog.BlockImage {
				continue
			}
			addMedia(set, b.Src)
			for _, v := range media.Variants(b.Src, b.Width) {
				addMedia(set, v.Src)
			}
		}
		for _, c := range p.Contributors {
			addMedia(set, c.Avatar)
		}
	}
	for i := range doc.Posts {
		add(&doc.Posts[i])
	}
	for _, c := range doc.Feed.Changes {
		if c.Post != nil {
			add(c.Post)
		}
	}
	names := make([]string, 0, len(set))
	for name := range set {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func addMedia(set map[string]bool, src string) {
	if name, ok := strings.CutPrefix(src, "/media/"); ok && validMediaName(name) {
		set[name] = true
	}
}

// DetachMedia writes the document's media files into dir (created if need
// be) under their names and leaves only their names, sizes and digests in
// the document, for events whose images would make one JSON file unwieldy.
// Import reads them back from there (ImportOptions.Media).
func (d *Document) DetachMedia(dir string) error {
	for i := range d.Media {
		m := &d.Media[i]
		if m.Data == nil {
			continue
		}
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(m.Name)), m.Data); err != nil {
			return fmt.Errorf("transfer: media: %w", err)
		}
		m.Data = nil
	}
	return nil
}

// writeFile writes b to path through a temporary file in the same directory,
// synced before it is renamed into place, so that a crash leaves either the
// whole file or none.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
