package importer

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/liveblog/liveblog"
)

// Import writes a parsed dump into the event with the given slug, creating
// the event when there is none: titled from the page header or, without one,
// from the slug, in the zone the times were read in, with the dump's summary.
// A new event is left scheduled, as every new event is: whether the imported
// coverage goes on or is over is the editor's call (SetCoverage), and ending
// an event cannot be undone.
//
// Posts are created oldest first, so that their ids follow their times, each
// published at the time the dump gives it. Everything is validated before the
// first write, so a dump the store would refuse writes nothing. A post already
// in the event with the same headline and time is skipped (and noted in
// res.Report), so an import that stopped halfway can simply be run again.
func Import(ctx context.Context, store liveblog.Store, slug string, res *Result) (*liveblog.Event, error) {
	ev, err := store.FindEventBySlug(ctx, slug)
	create := liveblog.ErrorCode(err) == liveblog.ENOTFOUND
	if err != nil && !create {
		return nil, fmt.Errorf("import: find event: %w", err)
	}
	if create {
		ev = &liveblog.Event{
			Slug:        slug,
			Title:       res.Event.Title,
			Description: res.Event.Description(),
			TimeZone:    zoneName(res.Zone),
			Summary:     liveblog.Summary{Points: res.Summary},
		}
		if ev.Title == "" {
			ev.Title = titleFromSlug(slug)
		}
		if err := ev.Validate(); err != nil {
			return nil, fmt.Errorf("import: event: %w", err)
		}
	} else if err := liveblog.ValidateSummary(res.Summary); err != nil {
		return nil, fmt.Errorf("import: summary: %w", err)
	}

	posts := make([]*liveblog.Post, len(res.Posts))
	for i, p := range res.Posts {
		post := *p
		post.ID, post.EventID, post.Status, post.Pinned = 0, ev.ID, liveblog.StatusPublished, false
		if err := post.Validate(); err != nil {
			return nil, fmt.Errorf("import: post %q: %w", p.Headline, err)
		}
		posts[i] = &post
	}

	if create {
		if err := store.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
			return nil, fmt.Errorf("import: create event: %w", err)
		}
	} else if len(res.Summary) > 0 {
		if len(ev.Summary.Points) > 0 {
			res.Report = append(res.Report, Note{Message: "the event already has a summary; the dump's summary was not imported"})
		} else if ev, err = store.ChangeEvent(ctx, liveblog.Write{}, ev.ID, liveblog.ReplaceSummary{Points: res.Summary, Version: ev.Version}); err != nil {
			return nil, fmt.Errorf("import: summary: %w", err)
		}
	}

	have, err := existing(ctx, store, ev.ID)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	for i := len(posts) - 1; i >= 0; i-- {
		post := posts[i]
		post.EventID = ev.ID
		if !post.PublishedAt.IsZero() && have[postKey{post.Headline, post.PublishedAt.UnixMicro()}] {
			res.Report = append(res.Report, Note{Line: lineOf(res, i), Message: "already in the event; skipped"})
			continue
		}
		if err := store.CreatePost(ctx, liveblog.Write{}, post); err != nil {
			return nil, fmt.Errorf("import: post %q: %w", post.Headline, err)
		}
	}
	ev, err = store.FindEventByID(ctx, ev.ID)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return ev, nil
}

type postKey struct {
	headline string
	micros   int64
}

// existing lists the published posts an event holds, to recognise the ones an
// earlier run of the same import already created.
func existing(ctx context.Context, store liveblog.Store, eventID int64) (map[postKey]bool, error) {
	have := map[postKey]bool{}
	var before *liveblog.Cursor
	for {
		page, err := store.FindPosts(ctx, liveblog.PostFilter{EventID: eventID, Before: before, Limit: liveblog.MaxPageSize})
		if err != nil {
			return nil, fmt.Errorf("find posts: %w", err)
		}
		for _, p := range page {
			have[postKey{p.Headline, p.PublishedAt.UnixMicro()}] = true
		}
		if len(page) < liveblog.MaxPageSize {
			return have, nil
		}
		c := liveblog.CursorOf(page[len(page)-1])
		before = &c
	}
}

func lineOf(res *Result, i int) int {
	if i < len(res.Lines) {
		return res.Lines[i]
	}
	return 0
}

// zoneName is the IANA name of the zone the times were read in, for the new
// event's display zone; a zone without one (a fixed offset) falls back to the
// default rather than failing the import.
func zoneName(loc *time.Location) string {
	if loc != nil && liveblog.ValidateTimeZone(loc.String()) == nil {
		return loc.String()
	}
	return liveblog.DefaultTimeZone
}

// titleFromSlug makes a provisional title of a slug: "harbour-storm" becomes
// "Harbour storm". The editor retitles the event; this only has to be readable.
func titleFromSlug(slug string) string {
	s := strings.ReplaceAll(slug, "-", " ")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return slug
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
