package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
)

// The seeded events. Each scenario reads or writes only its own, so that a
// scenario's figures do not depend on which ran before it.
const (
	// slugLive is the event readers stream and posts are published to.
	slugLive = "load-live"
	// slugPage is a reader page nobody writes to, for the page scenario.
	slugPage = "load-page"
	// slugShort and slugLong are the two events of the long-event scenario.
	slugShort = "load-100"
	slugLong  = "load-10k"
)

var seedEvents = []struct {
	slug  string
	posts int
}{
	{slugLive, 50},
	{slugPage, 50},
	{slugShort, 100},
	{slugLong, 10_000},
}

// tokenFile holds the API token the publisher uses, inside the data directory.
const tokenFile = "load-token"

func runSeed(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("liveblog-load seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory to create (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return errors.New("seed: --data is required")
	}
	start := time.Now()
	if err := seed(ctx, *data); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "seeded %s in %v\n", *data, time.Since(start).Round(time.Millisecond))
	return nil
}

// seed builds a data directory that `liveblog serve --data dir` serves: the
// events above and an API token. Events are imported in one transaction
// each, so that the 10,000-post event takes a second, not 10,000 commits.
func seed(ctx context.Context, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("seed: %s exists; seed a fresh directory", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "media"), 0o755); err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "liveblog.db"))
	if err != nil {
		return err
	}
	defer store.Close()

	nextID := int64(1)
	for i, se := range seedEvents {
		ev, posts, feed := seedEvent(int64(i+1), se.slug, se.posts, nextID)
		nextID += int64(se.posts)
		if err := store.ImportEvent(ctx, ev, posts, feed, nil); err != nil {
			return fmt.Errorf("seed %s: %w", se.slug, err)
		}
	}

	secret, hash := liveblog.NewTokenSecret()
	if err := store.CreateToken(ctx, liveblog.Write{}, &liveblog.Token{Name: "load generator", Hash: hash}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, tokenFile), []byte(secret+"\n"), 0o600)
}

// seedEvent returns a live event of n published posts, ten seconds apart,
// every third a key event and the newest pinned, with the feed that
// publishing them one by one would have written.
func seedEvent(id int64, slug string, n int, firstPostID int64) (*liveblog.Event, []*liveblog.Post, *liveblog.ChangeBatch) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	start := now.Add(-time.Duration(n) * 10 * time.Second)
	ev := &liveblog.Event{
		ID: id, Slug: slug, Title: "Load test: " + slug,
		Description:       "A seeded event for measuring liveblog under load.",
		State:             liveblog.CoverageLive,
		TimeZone:          liveblog.DefaultTimeZone,
		Summary:           liveblog.Summary{Points: []string{"Talks resumed overnight.", "A statement is expected at noon."}, UpdatedAt: now},
		CoverageStartedAt: start,
		CreatedAt:         start, UpdatedAt: now, Version: 1,
	}
	feed := &liveblog.ChangeBatch{Head: int64(n)}
	posts := make([]*liveblog.Post, n)
	for i := range n {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		p := samplePost(i)
		p.ID = firstPostID + int64(i)
		p.EventID = id
		p.KeyEvent = i%3 == 0
		p.Pinned = i == n-1
		p.Status = liveblog.StatusPublished
		p.PublishedAt, p.CreatedAt, p.UpdatedAt = at, at, at
		p.Version = 1
		posts[i] = p
		c := *p
		feed.Changes = append(feed.Changes, &liveblog.Change{
			EventID: id, Seq: int64(i + 1), Kind: liveblog.ChangePostPublished, PostID: p.ID, Post: &c, CreatedAt: at,
		})
	}
	return ev, posts, feed
}

// samplePost is a typical live post: a headline, two paragraphs of about
// sixty words and a byline, which renders to an article of about 1.5 KiB.
func samplePost(i int) *liveblog.Post {
	return &liveblog.Post{
		Headline: fmt.Sprintf("Update %d: ministers return to the table", i),
		Blocks: []liveblog.Block{
			liveblog.Plain("Defence ministers gathered in Brussels this morning as talks on the joint procurement " +
				"plan continued into a second day. Officials said the remaining differences were narrow but " +
				"politically sensitive, and that a statement could follow before noon."),
			liveblog.Plain("Our correspondent outside the building says delegations have been arriving since " +
				"seven, with several ministers stopping briefly to speak to reporters. None would be drawn on " +
				"the figures, but all described the mood as constructive."),
		},
		Contributors: []liveblog.Contributor{{Name: "A correspondent", Role: "Reporting from Brussels"}},
	}
}
