package main

import (
	"archive/tar"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
)

// newsroom publishes from many goroutines through a real store, as a busy
// desk does, and records every post as each write returned it.
type newsroom struct {
	store  *sqlite.Store
	media  string
	events []*liveblog.Event

	commits atomic.Int64
	// warmed is closed when commits reaches warmAt.
	warmAt int64
	warmed chan struct{}
	mu     sync.Mutex
	// versions holds every state of every post that a write returned, by
	// id and version; images the bytes of each media file written.
	versions map[int64]map[int]string
	images   map[string][]byte
}

func newNewsroom(t *testing.T, dir string, events int) *newsroom {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Join(dir, "media"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(ctx, filepath.Join(dir, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	n := &newsroom{store: s, media: filepath.Join(dir, "media"), versions: map[int64]map[int]string{}, images: map[string][]byte{},
		warmed: make(chan struct{})}
	for i := range events {
		ev := &liveblog.Event{Slug: fmt.Sprintf("busy-%d", i), Title: fmt.Sprintf("Busy event %d", i)}
		if err := s.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
			t.Fatal(err)
		}
		n.events = append(n.events, ev)
	}
	return n
}

// commit counts a write that returned. Add gives each writer its own total,
// so exactly one of them sees warmAt.
func (n *newsroom) commit() {
	if n.commits.Add(1) == n.warmAt {
		close(n.warmed)
	}
}

// record keeps p as a write returned it.
func (n *newsroom) record(t *testing.T, p *liveblog.Post) {
	b, err := json.Marshal(p)
	if err != nil {
		t.Error(err)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.versions[p.ID] == nil {
		n.versions[p.ID] = map[int]string{}
	}
	n.versions[p.ID][p.Version] = string(b)
}

// write is one writer: it stores a picture, publishes a post that shows it,
// and edits, deletes or deletes and restores some of its posts, until stop is
// closed or it has published limit posts (0 for no limit). Every write that
// returns counts as a commit. (Pinning is left out: it unpins another post in
// the same transaction, a state no write returns to the writer.)
func (n *newsroom) write(t *testing.T, writer int, stop <-chan struct{}, limit int) {
	ctx := context.Background()
	ev := n.events[writer%len(n.events)]
	for i := 0; limit == 0 || i < limit; i++ {
		select {
		case <-stop:
			return
		default:
		}
		name := fmt.Sprintf("w%d-%d.png", writer, i)
		data := []byte(fmt.Sprintf("picture %d of writer %d", i, writer))
		// A picture is written whole before the post that shows it, as an
		// upload is: under a temporary name, then renamed.
		tmp := filepath.Join(n.media, "."+name)
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			t.Error(err)
			return
		}
		if err := os.Rename(tmp, filepath.Join(n.media, name)); err != nil {
			t.Error(err)
			return
		}
		n.mu.Lock()
		n.images[name] = data
		n.mu.Unlock()
		p := &liveblog.Post{EventID: ev.ID, Headline: fmt.Sprintf("Writer %d, post %d", writer, i), Blocks: []liveblog.Block{
			liveblog.Plain("Something happened."),
			{Type: liveblog.BlockImage, Src: "/media/" + name, Alt: "A picture"},
		}}
		if err := n.store.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			t.Error(err)
			return
		}
		n.record(t, p)
		n.commit()
		edits := []func(p *liveblog.Post) (*liveblog.Post, error){}
		switch i % 4 {
		case 1:
			edits = append(edits, func(p *liveblog.Post) (*liveblog.Post, error) {
				return n.store.ChangePost(ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{CorrectionNote: new("Corrected."), KeyEvent: new(true), Version: p.Version})
			})
		case 3:
			edits = append(edits, func(p *liveblog.Post) (*liveblog.Post, error) {
				return n.store.ChangePost(ctx, liveblog.Write{}, p.ID, liveblog.RestorePost{Version: p.Version})
			})
			fallthrough
		case 2:
			edits = append([]func(p *liveblog.Post) (*liveblog.Post, error){func(p *liveblog.Post) (*liveblog.Post, error) {
				return n.store.ChangePost(ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: p.Version})
			}}, edits...)
		}
		for _, edit := range edits {
			var err error
			if p, err = edit(p); err != nil {
				t.Error(err)
				return
			}
			n.record(t, p)
			n.commit()
		}
	}
}

// TestBackup takes a backup with the real command while posts are being
// published from many goroutines, restores it into a new data directory and
// opens it: every post in the snapshot is one that a write returned, whole;
// every picture those posts show is there, byte for byte; and each event's
// feed runs without a gap from 1 to its head.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := newNewsroom(t, dir, 3)

	const writers = 8
	// Enough writes land before the backup starts that it copies a
	// database and a media directory with something in them.
	n.warmAt = 120
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { n.write(t, w, stop, 0) })
	}
	stopped := false
	halt := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer halt()
	writing := make(chan struct{})
	go func() { wg.Wait(); close(writing) }()
	select {
	case <-n.warmed:
	case <-writing:
		t.Fatal("the writers stopped before the backup")
	}
	before := n.commits.Load()
	n.mu.Lock()
	postsBefore := len(n.versions)
	n.mu.Unlock()
	backup := filepath.Join(t.TempDir(), "liveblog-backup.tar")
	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "--data", dir, "--out", backup}, nil, &out, &out); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	during := n.commits.Load() - before
	halt()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d writes before the backup, %d while it ran, %d in all", before, during, n.commits.Load())
	if during == 0 {
		t.Error("no write committed while the backup ran; the test did not test a backup under load")
	}

	restored := filepath.Join(t.TempDir(), "restored")
	out.Reset()
	if err := run(ctx, []string{"restore", "--from", backup, "--data", restored}, nil, &out, &out); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	s, err := sqlite.Open(ctx, filepath.Join(restored, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	total := 0
	for _, ev := range n.events {
		t.Run(ev.Slug, func(t *testing.T) {
			got, err := s.FindEventByID(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			changes := checkFeed(t, s, got)
			posts := allPosts(t, s, ev.ID)
			total += len(posts)
			published := map[int64]bool{}
			for _, p := range posts {
				b, _ := json.Marshal(p)
				n.mu.Lock()
				states := n.versions[p.ID]
				n.mu.Unlock()
				if states[p.Version] != string(b) {
					t.Errorf("post %d version %d is not a state any write returned:\n got %s\nwant %s", p.ID, p.Version, b, states[p.Version])
				}
				published[p.ID] = true
				for _, blk := range p.Blocks {
					if name, ok := strings.CutPrefix(blk.Src, "/media/"); ok {
						data, err := os.ReadFile(filepath.Join(restored, "media", name))
						if err != nil || !bytes.Equal(data, n.images[name]) {
							t.Errorf("post %d shows %s: got %q (%v), want %q", p.ID, name, data, err, n.images[name])
						}
					}
				}
			}
			for _, c := range changes {
				if c.PostID != 0 && !published[c.PostID] {
					t.Errorf("change %d refers to post %d, which is not in the backup", c.Seq, c.PostID)
				}
			}
		})
	}
	// Everything written before the backup began is in it.
	if total < postsBefore {
		t.Errorf("the backup holds %d posts; the %d written before it began must be in it", total, postsBefore)
	}
}

// checkFeed reads an event's whole feed and fails unless it runs from 1 to
// the head without a gap, so that the head is the number of changes.
func checkFeed(t *testing.T, s *sqlite.Store, ev *liveblog.Event) []*liveblog.Change {
	t.Helper()
	var all []*liveblog.Change
	for after := int64(0); ; {
		b, err := s.FindChanges(context.Background(), liveblog.ChangeFilter{EventID: ev.ID, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if b.Head != ev.Head || b.Floor != 0 {
			t.Fatalf("feed: head %d, floor %d; want %d, 0", b.Head, b.Floor, ev.Head)
		}
		if len(b.Changes) == 0 {
			break
		}
		for _, c := range b.Changes {
			if c.Seq != after+1 {
				t.Fatalf("feed: change %d follows %d", c.Seq, after)
			}
			after = c.Seq
			all = append(all, c)
		}
	}
	if int64(len(all)) != ev.Head {
		t.Errorf("feed: %d changes, head %d", len(all), ev.Head)
	}
	return all
}

// allPosts returns every post of an event in every status.
func allPosts(t *testing.T, s *sqlite.Store, eventID int64) []*liveblog.Post {
	t.Helper()
	var posts []*liveblog.Post
	var after *liveblog.Cursor
	for {
		page, err := s.FindPosts(context.Background(), liveblog.PostFilter{EventID: eventID, OldestFirst: true, After: after, Limit: liveblog.MaxPageSize,
			Statuses: []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished, liveblog.StatusDeleted}})
		if err != nil {
			t.Fatal(err)
		}
		posts = append(posts, page...)
		if len(page) < liveblog.MaxPageSize {
			return posts
		}
		// Posts never published are listed by when they were started.
		last := page[len(page)-1]
		after = &liveblog.Cursor{PublishedAt: cmp.Or(last.PublishedAt, last.CreatedAt), ID: last.ID}
	}
}

// smallInstance is a data directory with one event of a few posts with
// pictures.
func smallInstance(t *testing.T) (dir string, n *newsroom) {
	t.Helper()
	dir = t.TempDir()
	n = newNewsroom(t, dir, 1)
	n.write(t, 0, nil, 6)
	return dir, n
}

func backupOf(t *testing.T, dir, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	if err := run(context.Background(), []string{"backup", "--data", dir, "--out", out}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	return out
}

// restore runs the restore command and returns its error.
func restore(t *testing.T, args ...string) error {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"restore"}, args...), nil, &out, &out)
	if out.Len() > 0 {
		t.Log(strings.TrimSpace(out.String()))
	}
	return err
}

// slugs returns the events of the instance in dir.
func slugs(t *testing.T, dir string) []string {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	events, err := s.FindEvents(context.Background(), liveblog.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range events {
		out = append(out, ev.Slug)
	}
	return out
}

func TestRestore(t *testing.T) {
	src, n := smallInstance(t)
	gz := backupOf(t, src, "liveblog.tar.gz")

	t.Run("OK", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "data")
		if err := restore(t, "--from", gz, "--data", dst); err != nil {
			t.Fatal(err)
		}
		if got := slugs(t, dst); len(got) != 1 || got[0] != "busy-0" {
			t.Errorf("events: got %v, want [busy-0]", got)
		}
		for name, data := range n.images {
			if got, err := os.ReadFile(filepath.Join(dst, "media", name)); err != nil || !bytes.Equal(got, data) {
				t.Errorf("media %s: got %q (%v), want %q", name, got, err, data)
			}
		}
	})

	t.Run("ErrBackupExists", func(t *testing.T) {
		err := run(context.Background(), []string{"backup", "--data", src, "--out", gz}, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("got %v, want a refusal to overwrite", err)
		}
	})

	t.Run("ErrNotEmpty", func(t *testing.T) {
		dst := t.TempDir()
		if err := os.WriteFile(filepath.Join(dst, "notes.txt"), []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := restore(t, "--from", gz, "--data", dst)
		if err == nil || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("got %v, want a refusal that names --force", err)
		}
	})

	t.Run("Force", func(t *testing.T) {
		dst := t.TempDir()
		other := newNewsroom(t, dst, 2)
		other.write(t, 1, nil, 2)
		other.store.Close()
		if err := os.WriteFile(filepath.Join(dst, "notes.txt"), []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := restore(t, "--from", gz, "--data", dst, "--force"); err != nil {
			t.Fatal(err)
		}
		if got := slugs(t, dst); len(got) != 1 || got[0] != "busy-0" {
			t.Errorf("events: got %v, want only the backup's [busy-0]", got)
		}
		if _, err := os.Stat(filepath.Join(dst, "media", "w1-0.png")); err == nil {
			t.Error("a media file of the replaced instance is still there")
		}
		if b, err := os.ReadFile(filepath.Join(dst, "notes.txt")); err != nil || string(b) != "keep me" {
			t.Errorf("notes.txt: got %q, %v; want it left alone", b, err)
		}
	})

	t.Run("ErrTruncated", func(t *testing.T) {
		tarFile := backupOf(t, src, "liveblog.tar")
		b, err := os.ReadFile(tarFile)
		if err != nil {
			t.Fatal(err)
		}
		// Cut inside the manifest, the last file.
		cut := filepath.Join(t.TempDir(), "cut.tar")
		if err := os.WriteFile(cut, b[:bytes.LastIndex(b, []byte(`"format"`))], 0o644); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), "data")
		if err := restore(t, "--from", cut, "--data", dst); err == nil || !strings.Contains(err.Error(), "incomplete") {
			t.Fatalf("got %v, want an incomplete backup", err)
		}
		if entries, _ := os.ReadDir(dst); len(entries) > 0 {
			t.Errorf("a refused restore left %d entries in the data directory", len(entries))
		}
	})

	t.Run("ErrTampered", func(t *testing.T) {
		tarFile := backupOf(t, src, "liveblog.tar")
		b, err := os.ReadFile(tarFile)
		if err != nil {
			t.Fatal(err)
		}
		// Same length, other bytes: only the digests can tell.
		i := bytes.Index(b, []byte("picture 0 of writer 0"))
		b[i] = 'P'
		bad := filepath.Join(t.TempDir(), "bad.tar")
		if err := os.WriteFile(bad, b, 0o644); err != nil {
			t.Fatal(err)
		}
		err = restore(t, "--from", bad, "--data", filepath.Join(t.TempDir(), "data"))
		if err == nil || !strings.Contains(err.Error(), "does not match its manifest") {
			t.Fatalf("got %v, want a mismatch with the manifest", err)
		}
	})

	t.Run("LegacyDatabase", func(t *testing.T) {
		// Backups made before media were included are a bare database.
		db := filepath.Join(t.TempDir(), "old-backup.db")
		if err := n.store.Backup(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), "data")
		if err := restore(t, "--from", db, "--data", dst); err != nil {
			t.Fatal(err)
		}
		if got := slugs(t, dst); len(got) != 1 {
			t.Errorf("events: got %v, want one", got)
		}
		if fi, err := os.Stat(filepath.Join(dst, "media")); err != nil || !fi.IsDir() {
			t.Errorf("media directory: %v", err)
		}
	})

	t.Run("Contents", func(t *testing.T) {
		tarFile := backupOf(t, src, "liveblog.tar")
		f, err := os.Open(tarFile)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		tr := tar.NewReader(f)
		var names []string
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			names = append(names, h.Name)
		}
		if len(names) != len(n.images)+2 || names[0] != "liveblog.db" || names[len(names)-1] != "backup.json" {
			t.Errorf("entries: got %v, want liveblog.db, the %d pictures under media/, then backup.json", names, len(n.images))
		}
		for _, name := range names {
			if strings.Contains(name, "/.") {
				t.Errorf("a file being written went into the backup: %s", name)
			}
		}
	})
}
