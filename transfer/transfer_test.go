package transfer_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
	"github.com/liveblog/liveblog/transfer"
)

// instance is a real store and media directory under a test's temporary
// directory, as `liveblog serve --data DIR` lays them out.
type instance struct {
	store *sqlite.Store
	media string
}

func newInstance(t *testing.T) *instance {
	t.Helper()
	dir := t.TempDir()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	media := filepath.Join(dir, "media")
	if err := os.Mkdir(media, 0o755); err != nil {
		t.Fatal(err)
	}
	return &instance{store: s, media: media}
}

// picture returns a small PNG of one colour.
func picture(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (in *instance) addMedia(t *testing.T, name string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(in.media, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return "/media/" + name
}

// seed writes an event that uses everything the document has to carry: every
// coverage state change, summary updates, every block type, bylines with
// avatars, flags, a pinned post, edits with a correction note, a draft, a
// scheduled post, a deleted post (whose feed payloads are cleared), a restored
// post and a post imported with an old time.
func seed(t *testing.T, in *instance, slug string) *liveblog.Event {
	t.Helper()
	ctx := context.Background()
	s := in.store
	photo := in.addMedia(t, "harbour-wall.png", picture(t, color.RGBA{20, 60, 140, 255}))
	avatar := in.addMedia(t, "byline-ines.png", picture(t, color.RGBA{200, 120, 40, 255}))
	gone := in.addMedia(t, "taken-down.png", picture(t, color.RGBA{90, 90, 90, 255}))
	// An upload, stored in the widths its srcset offers (see media.Save).
	upload := in.addMedia(t, "00112233445566778899aabbccddeeff.png", picture(t, color.RGBA{0, 120, 60, 255}))
	in.addMedia(t, "00112233445566778899aabbccddeeff-320.png", picture(t, color.RGBA{0, 121, 60, 255}))
	thumb := in.addMedia(t, "embed-thumb.png", picture(t, color.RGBA{10, 10, 10, 255}))

	ev := &liveblog.Event{
		Slug: slug, Title: "Storm reaches the coast", Description: "Wind, tides & closures <as they happen>.",
		TimeZone: "Europe/Paris", Language: "fr", Summary: liveblog.Summary{Points: []string{"Ferries cancelled", "Coastal road shut"}},
	}
	must(t, s.CreateEvent(ctx, liveblog.Write{}, ev))
	ev = okEvent(t)(s.ChangeEvent(ctx, liveblog.Write{}, ev.ID, liveblog.SetCoverage{State: liveblog.CoverageLive, Version: ev.Version}))

	byline := []liveblog.Contributor{{Name: "Inès Duval", Role: "Coast reporter", Avatar: avatar}, {Name: "Sam Okafor"}}
	rich := &liveblog.Post{
		EventID: ev.ID, Headline: "Harbour wall breached", Breaking: true, KeyEvent: true, Contributors: byline,
		Blocks: []liveblog.Block{
			{Type: liveblog.BlockParagraph, Spans: []liveblog.Span{
				{Text: "Water came over "}, {Text: "the old wall", Bold: true}, {Text: " at high tide, ", Italic: true},
				{Text: "the port says", Href: "https://port.example/notices"}, {Text: ".\nMore soon."},
			}},
			{Type: liveblog.BlockList, Items: [][]liveblog.Span{{{Text: "Quay closed"}}, {{Text: "Boats moved", Bold: true}}}},
			{Type: liveblog.BlockQuote, Text: "We have never seen it this high.\n\nNever.", Attribution: "Harbour master"},
			{Type: liveblog.BlockImage, Src: photo, Alt: "Waves over a stone wall", Caption: "The wall at noon", Credit: "Port authority", Width: 16, Height: 9},
			{Type: liveblog.BlockEmbed, URL: "https://video.example/watch?v=1", Title: "Drone footage"},
			{Type: liveblog.BlockEmbed, URL: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", Title: "The prefect speaks", Author: "Prefecture",
				Text: "Stay away from the seafront.", Thumbnail: thumb, PostedAt: time.Date(2025, 2, 13, 8, 0, 0, 0, time.UTC), Width: 480, Height: 270},
			{Type: liveblog.BlockImage, Src: upload, Alt: "The quay from above", Width: 400, Height: 225},
		},
	}
	must(t, s.CreatePost(ctx, liveblog.Write{}, rich))
	rich = okPost(t)(s.ChangePost(ctx, liveblog.Write{}, rich.ID, &liveblog.PostUpdate{
		CorrectionNote: new("An earlier version gave the wrong tide time."),
		Headline:       new("Harbour wall breached at high tide"),
		Version:        rich.Version,
	}))

	older := &liveblog.Post{EventID: ev.ID, Headline: "Warnings issued", Blocks: []liveblog.Block{liveblog.Plain("Orange alert for the coast.")},
		PublishedAt: time.Date(2025, 11, 2, 5, 30, 0, 123456000, time.UTC)}
	must(t, s.CreatePost(ctx, liveblog.Write{}, older))
	older = okPost(t)(s.ChangePost(ctx, liveblog.Write{}, older.ID, liveblog.PinPost{Pinned: true, Version: older.Version}))

	must(t, s.CreatePost(ctx, liveblog.Write{}, &liveblog.Post{EventID: ev.ID, Headline: "Draft: road reopening?", Status: liveblog.StatusDraft,
		Blocks: []liveblog.Block{liveblog.Plain("Waiting for the prefecture.")}}))
	must(t, s.CreatePost(ctx, liveblog.Write{}, &liveblog.Post{EventID: ev.ID, Headline: "Evening round-up", Status: liveblog.StatusScheduled,
		ScheduledAt: time.Now().Add(48 * time.Hour), Blocks: []liveblog.Block{liveblog.Plain("To come.")}}))

	takedown := &liveblog.Post{EventID: ev.ID, Headline: "Photo of a private house", Blocks: []liveblog.Block{
		{Type: liveblog.BlockImage, Src: gone, Alt: "A house"}}}
	must(t, s.CreatePost(ctx, liveblog.Write{}, takedown))
	takedown = okPost(t)(s.ChangePost(ctx, liveblog.Write{}, takedown.ID, &liveblog.PostUpdate{KeyEvent: new(true), Version: takedown.Version}))
	okPost(t)(s.ChangePost(ctx, liveblog.Write{}, takedown.ID, liveblog.DeletePost{Version: takedown.Version}))

	back := &liveblog.Post{EventID: ev.ID, Blocks: []liveblog.Block{liveblog.Plain("Deleted by mistake, restored.")}}
	must(t, s.CreatePost(ctx, liveblog.Write{}, back))
	back = okPost(t)(s.ChangePost(ctx, liveblog.Write{}, back.ID, liveblog.DeletePost{Version: back.Version}))
	okPost(t)(s.ChangePost(ctx, liveblog.Write{}, back.ID, liveblog.RestorePost{Version: back.Version}))

	ana := liveblog.Write{Audit: liveblog.AuditEntry{UserID: 7, UserName: "Ana Reyes", Action: "event.summary"}}
	ev = okEvent(t)(s.ChangeEvent(ctx, ana, ev.ID, liveblog.ReplaceSummary{Points: []string{"Harbour wall breached", "Ferries cancelled"}, Version: ev.Version}))
	ev = okEvent(t)(s.ChangeEvent(ctx, liveblog.Write{}, ev.ID, &liveblog.EventUpdate{Title: new("Storm Ciarán reaches the coast"), Version: ev.Version}))
	ev = okEvent(t)(s.ChangeEvent(ctx, liveblog.Write{}, ev.ID, liveblog.SetCoverage{State: liveblog.CoveragePaused, Version: ev.Version}))
	must(t, s.CreatePost(ctx, liveblog.Write{}, &liveblog.Post{EventID: ev.ID, Headline: "External picture", Blocks: []liveblog.Block{
		{Type: liveblog.BlockImage, Src: "https://images.example/storm.jpg", Alt: "Clouds"}}}))
	ev = okEvent(t)(s.ChangeEvent(ctx, liveblog.Write{}, ev.ID, liveblog.SetCoverage{State: liveblog.CoverageEnded, Version: ev.Version}))
	return ev
}

func export(t *testing.T, in *instance, slug string) []byte {
	t.Helper()
	doc, missing, err := transfer.Export(context.Background(), in.store, slug, os.DirFS(in.media), nil)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if len(missing) > 0 {
		t.Errorf("Export: missing media %v", missing)
	}
	var b bytes.Buffer
	if err := doc.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func decode(t *testing.T, b []byte) *transfer.Document {
	t.Helper()
	doc, err := transfer.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return doc
}

func importDoc(t *testing.T, in *instance, b []byte, opts transfer.ImportOptions) *transfer.ImportResult {
	t.Helper()
	opts.MediaDir = in.media
	res, err := transfer.Import(context.Background(), in.store, decode(t, b), opts)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return res
}

// sameBytes fails with the first line where got and want differ.
func sameBytes(t *testing.T, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Fatalf("documents differ at line %d:\n got: %.300s\nwant: %.300s", i+1, g[i], w[i])
		}
	}
	t.Fatalf("documents differ in length: got %d lines, want %d", len(g), len(w))
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newInstance(t)
	ev := seed(t, src, "storm-coast")
	first := export(t, src, ev.Slug)

	t.Run("Contents", func(t *testing.T) {
		doc := decode(t, first)
		statuses := map[liveblog.PostStatus]int{}
		for _, p := range doc.Posts {
			statuses[p.Status]++
		}
		want := map[liveblog.PostStatus]int{liveblog.StatusPublished: 4, liveblog.StatusDraft: 1, liveblog.StatusScheduled: 1, liveblog.StatusDeleted: 1}
		for st, n := range want {
			if statuses[st] != n {
				t.Errorf("%s posts: got %d, want %d", st, statuses[st], n)
			}
		}
		if doc.Feed.Head != ev.Head || doc.Feed.Floor != 0 || int64(len(doc.Feed.Changes)) != ev.Head {
			t.Errorf("feed: floor %d head %d with %d changes; want 0, %d, %d", doc.Feed.Floor, doc.Feed.Head, len(doc.Feed.Changes), ev.Head, ev.Head)
		}
		var names []string
		for _, m := range doc.Media {
			names = append(names, m.Name)
		}
		wantNames := []string{"00112233445566778899aabbccddeeff-320.png", "00112233445566778899aabbccddeeff.png", "byline-ines.png", "embed-thumb.png", "harbour-wall.png", "taken-down.png"}
		if !slices.Equal(names, wantNames) {
			t.Errorf("media: got %v, want %v", names, wantNames)
		}
		if doc.Event.Language != "fr" {
			t.Errorf("event language: got %q, want fr", doc.Event.Language)
		}
		if doc.Event.State != liveblog.CoverageEnded || doc.Event.CoverageEndedAt.IsZero() || doc.Event.Summary.UpdatedAt.IsZero() {
			t.Errorf("event: got %+v, want it ended with its coverage and summary times", doc.Event)
		}
		// The key points the event was created with, replaced once.
		if h := doc.Event.SummaryHistory; len(h) != 1 || !slices.Equal(h[0].Points, []string{"Ferries cancelled", "Coastal road shut"}) ||
			h[0].ReplacedBy != "Ana Reyes" || h[0].UpdatedAt.IsZero() || !h[0].ReplacedAt.After(h[0].UpdatedAt) {
			t.Errorf("summary history: got %+v, want the first key points, replaced by Ana Reyes", h)
		}
		redacted := 0
		for _, c := range doc.Feed.Changes {
			if strings.HasPrefix(string(c.Kind), "post.") && c.Post == nil {
				redacted++
			}
		}
		// The deleted post's published and updated changes and its deletion;
		// the restored post's first publication and its deletion.
		if redacted != 5 {
			t.Errorf("changes without a post: got %d, want 5", redacted)
		}
	})

	t.Run("ByteIdentical", func(t *testing.T) {
		dst := newInstance(t)
		res := importDoc(t, dst, first, transfer.ImportOptions{})
		if !res.KeptIDs {
			t.Error("a fresh instance did not keep the document's ids")
		}
		if res.MediaWritten != 6 || res.MediaPresent != 0 {
			t.Errorf("media: wrote %d, found %d; want 6, 0", res.MediaWritten, res.MediaPresent)
		}
		sameBytes(t, export(t, dst, ev.Slug), first)

		// The feed resumes where it was: the change after a reader's
		// position is the same change on both instances.
		b, err := dst.store.FindChanges(ctx, liveblog.ChangeFilter{EventID: res.Event.ID, After: 3, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if b.Head != ev.Head || len(b.Changes) != 1 || b.Changes[0].Seq != 4 {
			t.Errorf("FindChanges after 3: head %d, %d changes; want head %d and change 4", b.Head, len(b.Changes), ev.Head)
		}

		// The history is the desk's to restore from on the new instance,
		// under the name it was replaced by: accounts do not move.
		h, err := dst.store.FindSummaryHistory(ctx, res.Event.ID, 0)
		if err != nil || len(h) != 1 || h[0].UserName != "Ana Reyes" || h[0].UserID != 0 {
			t.Fatalf("imported summary history: %+v, %v; want Ana Reyes's replacement", h, err)
		}
		restored, err := dst.store.RestoreSummary(ctx, liveblog.Write{}, res.Event.ID, h[0].ID, res.Event.Version)
		if err != nil || !slices.Equal(restored.Summary.Points, []string{"Ferries cancelled", "Coastal road shut"}) {
			t.Errorf("restore on the new instance: %+v, %v", restored, err)
		}
	})

	t.Run("DetachedMedia", func(t *testing.T) {
		doc := decode(t, first)
		dir := t.TempDir()
		if err := doc.DetachMedia(dir); err != nil {
			t.Fatal(err)
		}
		var detached bytes.Buffer
		if err := doc.Encode(&detached); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(detached.Bytes(), []byte(`"data"`)) {
			t.Error("a detached document still embeds media data")
		}
		dst := newInstance(t)
		importDoc(t, dst, detached.Bytes(), transfer.ImportOptions{Media: os.DirFS(dir)})
		sameBytes(t, export(t, dst, ev.Slug), first)
	})

	t.Run("TrimmedFeed", func(t *testing.T) {
		in := newInstance(t)
		ev := seed(t, in, "trimmed")
		if err := in.store.TrimChanges(ctx, ev.ID, 5); err != nil {
			t.Fatal(err)
		}
		doc := export(t, in, ev.Slug)
		if d := decode(t, doc); d.Feed.Floor != ev.Head-5 || len(d.Feed.Changes) != 5 {
			t.Fatalf("feed: floor %d with %d changes; want %d with 5", d.Feed.Floor, len(d.Feed.Changes), ev.Head-5)
		}
		dst := newInstance(t)
		importDoc(t, dst, doc, transfer.ImportOptions{})
		sameBytes(t, export(t, dst, ev.Slug), doc)
	})

	t.Run("ImportedTwice", func(t *testing.T) {
		// A second import of the same document into the same fresh
		// instance is a slug conflict, and the export is unchanged.
		dst := newInstance(t)
		importDoc(t, dst, first, transfer.ImportOptions{})
		_, err := transfer.Import(ctx, dst.store, decode(t, first), transfer.ImportOptions{MediaDir: dst.media})
		if liveblog.ErrorCode(err) != liveblog.ECONFLICT || liveblog.ErrorField(err) != "slug" {
			t.Fatalf("second import: got %v, want a conflict on the slug", err)
		}
		sameBytes(t, export(t, dst, ev.Slug), first)
	})
}

func TestImport(t *testing.T) {
	ctx := context.Background()

	t.Run("ErrSlugTaken", func(t *testing.T) {
		in := newInstance(t)
		ev := seed(t, in, "storm-coast")
		doc := export(t, in, ev.Slug)
		_, err := transfer.Import(ctx, in.store, decode(t, doc), transfer.ImportOptions{MediaDir: in.media})
		if liveblog.ErrorCode(err) != liveblog.ECONFLICT || !strings.Contains(liveblog.ErrorMessage(err), `"storm-coast"`) {
			t.Fatalf("got %v, want a conflict naming the slug", err)
		}
	})

	t.Run("NewSlug", func(t *testing.T) {
		in := newInstance(t)
		ev := seed(t, in, "storm-coast")
		first := export(t, in, ev.Slug)
		res := importDoc(t, in, first, transfer.ImportOptions{Slug: "storm-coast-copy"})
		if res.KeptIDs {
			t.Error("the copy kept ids that the original uses")
		}
		if res.MediaWritten != 0 || res.MediaPresent != 6 {
			t.Errorf("media: wrote %d, found %d; want 0, 6", res.MediaWritten, res.MediaPresent)
		}
		copied := export(t, in, "storm-coast-copy")

		// The copy is the original with its new ids and slug, and nothing
		// else changed: every id in the document and its feed follows.
		want := decode(t, first)
		got := decode(t, copied)
		if len(got.Posts) != len(want.Posts) {
			t.Fatalf("posts: got %d, want %d", len(got.Posts), len(want.Posts))
		}
		ids := map[int64]int64{}
		for i := range want.Posts {
			ids[want.Posts[i].ID] = got.Posts[i].ID
			want.Posts[i].ID = got.Posts[i].ID
		}
		want.Event.ID, want.Event.Slug = got.Event.ID, "storm-coast-copy"
		for i := range want.Feed.Changes {
			c := &want.Feed.Changes[i]
			if c.PostID != 0 {
				c.PostID = ids[c.PostID]
			}
			if c.Post != nil {
				c.Post.ID = ids[c.Post.ID]
			}
			if c.Event != nil {
				c.Event.ID, c.Event.Slug = got.Event.ID, "storm-coast-copy"
			}
		}
		var b bytes.Buffer
		if err := want.Encode(&b); err != nil {
			t.Fatal(err)
		}
		sameBytes(t, copied, b.Bytes())
		// The original is untouched.
		sameBytes(t, export(t, in, ev.Slug), first)
	})

	t.Run("ErrMediaConflict", func(t *testing.T) {
		src := newInstance(t)
		ev := seed(t, src, "storm-coast")
		doc := export(t, src, ev.Slug)
		dst := newInstance(t)
		dst.addMedia(t, "harbour-wall.png", []byte("another file"))
		_, err := transfer.Import(ctx, dst.store, decode(t, doc), transfer.ImportOptions{MediaDir: dst.media})
		if liveblog.ErrorCode(err) != liveblog.ECONFLICT {
			t.Fatalf("got %v, want a conflict", err)
		}
		if _, err := dst.store.FindEventBySlug(ctx, ev.Slug); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Errorf("the event was imported despite the conflict: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dst.media, "byline-ines.png")); err == nil {
			t.Error("a media file was written despite the conflict")
		}
	})

	t.Run("ErrDetachedMediaMissing", func(t *testing.T) {
		src := newInstance(t)
		ev := seed(t, src, "storm-coast")
		doc := decode(t, export(t, src, ev.Slug))
		if err := doc.DetachMedia(t.TempDir()); err != nil {
			t.Fatal(err)
		}
		dst := newInstance(t)
		_, err := transfer.Import(ctx, dst.store, doc, transfer.ImportOptions{MediaDir: dst.media, Media: os.DirFS(t.TempDir())})
		if liveblog.ErrorCode(err) != liveblog.EINVALID || !strings.HasPrefix(liveblog.ErrorField(err), "media[") {
			t.Fatalf("got %v, want an invalid media entry", err)
		}
	})
}

func TestExport(t *testing.T) {
	ctx := context.Background()

	t.Run("ErrNotFound", func(t *testing.T) {
		in := newInstance(t)
		if _, _, err := transfer.Export(ctx, in.store, "no-such-event", nil, nil); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})

	t.Run("Progress", func(t *testing.T) {
		in := newInstance(t)
		ev := seed(t, in, "storm-coast")
		last := map[string][2]int{} // the last report of each stage
		var stages []string
		doc, _, err := transfer.Export(ctx, in.store, ev.Slug, os.DirFS(in.media), func(stage string, done, total int) {
			if _, ok := last[stage]; !ok {
				stages = append(stages, stage)
			}
			last[stage] = [2]int{done, total}
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"posts", "changes", "media files"}; !slices.Equal(stages, want) {
			t.Errorf("stages: got %v, want %v", stages, want)
		}
		changes := len(doc.Feed.Changes)
		for stage, want := range map[string][2]int{"posts": {len(doc.Posts), 0}, "changes": {changes, changes}, "media files": {len(doc.Media), len(doc.Media)}} {
			if last[stage] != want {
				t.Errorf("%s: last report %v, want %v (done, total)", stage, last[stage], want)
			}
		}
	})

	t.Run("MissingMedia", func(t *testing.T) {
		in := newInstance(t)
		ev := seed(t, in, "storm-coast")
		if err := os.Remove(filepath.Join(in.media, "taken-down.png")); err != nil {
			t.Fatal(err)
		}
		doc, missing, err := transfer.Export(ctx, in.store, ev.Slug, os.DirFS(in.media), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(missing, []string{"taken-down.png"}) || len(doc.Media) != 5 {
			t.Errorf("got missing %v and %d files, want [taken-down.png] and 5", missing, len(doc.Media))
		}
		// The document is still whole, and imports.
		var b bytes.Buffer
		if err := doc.Encode(&b); err != nil {
			t.Fatal(err)
		}
		importDoc(t, newInstance(t), b.Bytes(), transfer.ImportOptions{})
	})

	t.Run("ManyPosts", func(t *testing.T) {
		// More posts than one listing returns and more changes than one
		// read of the feed, drafts among them, with several sharing one
		// time: paging must neither skip nor repeat.
		in := newInstance(t)
		ev := &liveblog.Event{Slug: "long-day", Title: "A long day"}
		must(t, in.store.CreateEvent(ctx, liveblog.Write{}, ev))
		at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
		n := liveblog.MaxChangesPerRead + liveblog.MaxChangesPerRead/5
		for i := range n {
			p := &liveblog.Post{EventID: ev.ID, Blocks: []liveblog.Block{liveblog.Plain("Update")}, PublishedAt: at.Add(time.Duration(i/3) * time.Minute)}
			if i%10 == 0 {
				p.Status, p.PublishedAt = liveblog.StatusDraft, time.Time{}
			}
			must(t, in.store.CreatePost(ctx, liveblog.Write{}, p))
		}
		first := export(t, in, ev.Slug)
		doc := decode(t, first)
		if len(doc.Posts) != n {
			t.Errorf("posts: got %d, want %d", len(doc.Posts), n)
		}
		if len(doc.Feed.Changes) <= liveblog.MaxChangesPerRead {
			t.Errorf("changes: got %d, want more than one read (%d)", len(doc.Feed.Changes), liveblog.MaxChangesPerRead)
		}
		dst := newInstance(t)
		importDoc(t, dst, first, transfer.ImportOptions{})
		sameBytes(t, export(t, dst, ev.Slug), first)
	})

	t.Run("ChangedWhileRead", func(t *testing.T) {
		in := newInstance(t)
		ev := seed(t, in, "storm-coast")
		busy := &publishing{Store: in.store, t: t, eventID: ev.ID, left: 2}
		doc, _, err := transfer.Export(ctx, busy, ev.Slug, os.DirFS(in.media), nil)
		if err != nil {
			t.Fatal(err)
		}
		if doc.Feed.Head != ev.Head+2 || int64(len(doc.Feed.Changes)) != doc.Feed.Head {
			t.Errorf("feed: head %d with %d changes; want the head after both posts, %d", doc.Feed.Head, len(doc.Feed.Changes), ev.Head+2)
		}
	})
}

// publishing is a store in which a post is published during each of the
// first reads of an export, as on a busy desk: the export must start over and
// return a document that agrees with itself.
type publishing struct {
	*sqlite.Store
	t       *testing.T
	eventID int64
	left    int
}

func (p *publishing) FindChanges(ctx context.Context, f liveblog.ChangeFilter) (*liveblog.ChangeBatch, error) {
	if p.left > 0 {
		p.left--
		if err := p.CreatePost(ctx, liveblog.Write{}, &liveblog.Post{EventID: p.eventID, Blocks: []liveblog.Block{liveblog.Plain("Just in")}}); err != nil {
			p.t.Error(err)
		}
	}
	return p.Store.FindChanges(ctx, f)
}

func TestDecode(t *testing.T) {
	in := newInstance(t)
	ev := seed(t, in, "storm-coast")
	good := export(t, in, ev.Slug)

	edit := func(fn func(d *transfer.Document)) []byte {
		d := decode(t, good)
		fn(d)
		var b bytes.Buffer
		if err := d.Encode(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	tests := []struct {
		name  string
		doc   []byte
		field string
	}{
		{"ErrNotJSON", []byte("liveblog"), ""},
		{"ErrFormat", bytes.Replace(good, []byte(`"liveblog-event"`), []byte(`"wordpress"`), 1), "format"},
		{"ErrVersion", bytes.Replace(good, []byte(`"version": 1,`), []byte(`"version": 2,`), 1), "version"},
		{"ErrUnknownField", bytes.Replace(good, []byte(`"posts": [`), []byte(`"revisions": [], "posts": [`), 1), ""},
		{"ErrTrailingData", append(slices.Clone(good), []byte("{}")...), ""},
		{"ErrHistoryPoint", edit(func(d *transfer.Document) {
			d.Event.SummaryHistory[0].Points = []string{"Fine", strings.Repeat("x", liveblog.MaxSummaryPointLength+1)}
		}), "event.summary_history[0].points[1]"},
		{"ErrHistoryTime", edit(func(d *transfer.Document) { d.Event.SummaryHistory[0].ReplacedAt = time.Time{} }), "event.summary_history[0]"},
		{"ErrHistoryInFeed", edit(func(d *transfer.Document) {
			for i := range d.Feed.Changes {
				if d.Feed.Changes[i].Event != nil {
					d.Feed.Changes[i].Event.SummaryHistory = d.Event.SummaryHistory
					break
				}
			}
		}), "feed.changes[0].event.summary_history"},
		{"ErrFeedGap", edit(func(d *transfer.Document) { d.Feed.Changes = slices.Delete(d.Feed.Changes, 2, 3) }), "feed.changes"},
		{"ErrFeedOrder", edit(func(d *transfer.Document) {
			d.Feed.Changes[1], d.Feed.Changes[2] = d.Feed.Changes[2], d.Feed.Changes[1]
		}), "feed.changes[1].seq"},
		{"ErrUnknownPost", edit(func(d *transfer.Document) {
			for i := range d.Feed.Changes {
				if d.Feed.Changes[i].PostID != 0 {
					d.Feed.Changes[i].PostID = 9999
					break
				}
			}
		}), "feed.changes[1].post_id"}, // the first change is coverage going live
		{"ErrTwoPinned", edit(func(d *transfer.Document) {
			for i := range d.Posts {
				if d.Posts[i].Status == liveblog.StatusPublished {
					d.Posts[i].Pinned = true
				}
			}
		}), "posts"},
		{"ErrPinnedDraft", edit(func(d *transfer.Document) {
			for i := range d.Posts {
				d.Posts[i].Pinned = d.Posts[i].Status == liveblog.StatusDraft
			}
		}), "posts[2].pinned"},
		{"ErrBadBlock", edit(func(d *transfer.Document) { d.Posts[0].Blocks[0].Spans[3].Href = "javascript:alert(1)" }), "posts[0].blocks[0].spans[3].href"},
		{"ErrMediaDigest", edit(func(d *transfer.Document) { d.Media[0].Data[10] ^= 0xff }), "media[0]"},
		{"ErrMediaName", edit(func(d *transfer.Document) { d.Media[0].Name = "../../etc/passwd" }), "media[0].name"},
		{"ErrDuplicatePost", edit(func(d *transfer.Document) { d.Posts[1].ID = d.Posts[0].ID }), "posts[1].id"},
		{"ErrEventSlug", edit(func(d *transfer.Document) { d.Event.Slug = "Not A Slug" }), "event.slug"},
		{"ErrEventLanguage", edit(func(d *transfer.Document) { d.Event.Language = "<b>fr</b>" }), "event.language"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := transfer.Decode(bytes.NewReader(tt.doc))
			if liveblog.ErrorCode(err) != liveblog.EINVALID {
				t.Fatalf("got %v, want an invalid document", err)
			}
			if got := liveblog.ErrorField(err); got != tt.field {
				t.Errorf("field: got %q, want %q (%v)", got, tt.field, err)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// okEvent and okPost return a function that fails the test on an error and
// otherwise returns the record: seed reads as the sequence of desk actions
// it is.
func okEvent(t *testing.T) func(*liveblog.Event, error) *liveblog.Event {
	return func(e *liveblog.Event, err error) *liveblog.Event {
		t.Helper()
		must(t, err)
		return e
	}
}

func okPost(t *testing.T) func(*liveblog.Post, error) *liveblog.Post {
	return func(p *liveblog.Post, err error) *liveblog.Post {
		t.Helper()
		must(t, err)
		return p
	}
}
