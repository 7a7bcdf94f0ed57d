package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/liveblog/liveblog"
)

// Store is a store that can take in a whole event as another instance
// recorded it. The liveblog.Store methods stamp every write with the present
// and give it the next version and sequence, which is right for the desk and
// wrong for a move; ImportEvent writes what it is given. Every
// liveblog.Database implements it.
type Store interface {
	liveblog.Store
	// ImportEvent stores e, posts (every status) and the feed from
	// feed.Floor+1 to feed.Head exactly as given, in one transaction,
	// appending no change of its own. It keeps the ids of e and the posts
	// when all of them are free, and otherwise gives all of them new ones
	// and points the feed at those; on return e and posts hold the ids
	// they were stored under. A slug in use is a conflict. history is the
	// event's replaced key points, oldest first.
	ImportEvent(ctx context.Context, e *liveblog.Event, posts []*liveblog.Post, feed *liveblog.ChangeBatch, history []*liveblog.SummaryRecord) error
}

// ImportOptions says where an import goes.
type ImportOptions struct {
	// Slug, when set, imports the event under this slug instead of the
	// document's: how an event is copied within one instance.
	Slug string
	// MediaDir is the instance's media directory; the document's files are
	// written into it. Required when the document has media.
	MediaDir string
	// Media is where the files of a document exported with DetachMedia are
	// read from. Files embedded in the document need nothing.
	Media fs.FS
	// Progress is told of each media file written, and when the event is
	// being written.
	Progress liveblog.Progress
}

// ImportResult says what an import did.
type ImportResult struct {
	Event *liveblog.Event
	// KeptIDs reports whether the event and its posts kept the ids of the
	// document, so that permalinks of the old instance work on this one.
	KeptIDs bool
	// MediaWritten counts the files written; MediaPresent those the
	// instance already had, byte for byte.
	MediaWritten, MediaPresent int
}

// Import writes the document's event into store, and its media files into
// opts.MediaDir. Everything is checked before anything is written: a slug the
// instance already uses, a media file that is missing or does not match its
// digest, or a file of the same name with other content in the media
// directory, writes nothing. Media files go first, so that no imported post
// ever refers to a file that is not there yet.
func Import(ctx context.Context, store Store, doc *Document, opts ImportOptions) (*ImportResult, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	slug := doc.Event.Slug
	if opts.Slug != "" {
		slug = opts.Slug
	}
	if _, err := store.FindEventBySlug(ctx, slug); err == nil {
		return nil, &liveblog.Error{Code: liveblog.ECONFLICT, Field: "slug",
			Message: fmt.Sprintf("This instance already has an event %q; import the document under a new slug.", slug)}
	} else if liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
		return nil, fmt.Errorf("transfer: find event: %w", err)
	}

	ev := doc.Event.domain()
	ev.Slug = slug
	if err := ev.Validate(); err != nil {
		return nil, within("slug", err)
	}

	files, present, err := prepareMedia(doc, opts)
	if err != nil {
		return nil, err
	}
	for i, f := range files {
		if err := writeFile(f.path, f.data); err != nil {
			return nil, fmt.Errorf("transfer: media: %w", err)
		}
		opts.Progress.Report("media files", i+1, len(files))
	}

	posts := make([]*liveblog.Post, len(doc.Posts))
	for i := range doc.Posts {
		posts[i] = doc.Posts[i].domain(ev.ID)
	}
	feed := &liveblog.ChangeBatch{Floor: doc.Feed.Floor, Head: doc.Feed.Head, Changes: make([]*liveblog.Change, len(doc.Feed.Changes))}
	for i := range doc.Feed.Changes {
		feed.Changes[i] = doc.Feed.Changes[i].domain(ev.ID, slug)
	}
	opts.Progress.Report("writing the event", 0, 0)
	history := make([]*liveblog.SummaryRecord, len(doc.Event.SummaryHistory))
	for i := range doc.Event.SummaryHistory {
		history[i] = doc.Event.SummaryHistory[i].domain()
	}
	if err := store.ImportEvent(ctx, ev, posts, feed, history); err != nil {
		return nil, fmt.Errorf("transfer: import: %w", err)
	}
	kept := ev.ID == doc.Event.ID
	for i, p := range posts {
		kept = kept && p.ID == doc.Posts[i].ID
	}
	return &ImportResult{
		Event:        ev,
		KeptIDs:      kept,
		MediaWritten: len(files),
		MediaPresent: present,
	}, nil
}

// mediaFile is a file to write.
type mediaFile struct {
	path string
	data []byte
}

// prepareMedia reads and checks every media file of the document and returns
// those the media directory does not have yet.
func prepareMedia(doc *Document, opts ImportOptions) (files []mediaFile, present int, err error) {
	if len(doc.Media) > 0 && opts.MediaDir == "" {
		return nil, 0, errors.New("transfer: the document has media files and no media directory was given")
	}
	for i := range doc.Media {
		m := &doc.Media[i]
		field := fmt.Sprintf("media[%d]", i)
		data := m.Data
		if data == nil {
			if opts.Media == nil {
				return nil, 0, invalid(field, "Media file %s is not in the document; give the directory it was exported to.", m.Name)
			}
			if data, err = fs.ReadFile(opts.Media, m.Name); err != nil {
				return nil, 0, invalid(field, "Media file %s is not in the document nor beside it: %v.", m.Name, err)
			}
		}
		if err := m.check(field, data); err != nil {
			return nil, 0, err
		}
		path := filepath.Join(opts.MediaDir, filepath.FromSlash(m.Name))
		have, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			files = append(files, mediaFile{path, data})
		case err != nil:
			return nil, 0, fmt.Errorf("transfer: media: %w", err)
		case bytes.Equal(have, data):
			present++
		default:
			return nil, 0, &liveblog.Error{Code: liveblog.ECONFLICT, Field: field,
				Message: fmt.Sprintf("The media directory already has a different file named %s; nothing was imported.", m.Name)}
		}
	}
	return files, present, nil
}
