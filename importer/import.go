package importer

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/liveblog/liveblog"
)

// EndedAfter is how long after its newest post imported coverage counts as
// over. A live page posts every few minutes while its story runs; one silent
// for a day is an archive, and a newsroom importing an old page wants it to
// look finished.
const EndedAfter = 24 * time.Hour

// Options says what a dump does not say about the event an import creates.
type Options struct {
	// Title and Description, when set, are a new event's; otherwise it takes
	// the page header's, and a title made from its slug when the dump has
	// none.
	Title, Description string
	// State is where a new event's coverage is left; empty means the state
	// AutoState gives.
	State liveblog.CoverageState
	// Progress is told of each post written.
	Progress liveblog.Progress
}

// AutoState is where an import leaves a new event's coverage when it is not
// told: ended when the newest post is more than EndedAfter before now (an old
// page, archived), live otherwise (coverage moved while it runs), and
// scheduled for a dump without times, where there is nothing to go by.
func AutoState(res *Result, now time.Time) liveblog.CoverageState {
	_, last := res.span()
	switch {
	case last.IsZero():
		return liveblog.CoverageScheduled
	case now.Sub(last) > EndedAfter:
		return liveblog.CoverageEnded
	}
	return liveblog.CoverageLive
}

// span returns the times of the oldest and the newest post, zero when no
// post has one.
func (r *Result) span() (first, last time.Time) {
	for _, p := range r.Posts {
		t := p.PublishedAt
		if t.IsZero() {
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	return first, last
}

// NewEvent is the event Import creates for slug when there is none: titled
// and described as o says or the dump's header does, in the zone the times
// were read in, with the dump's summary, and in the state o asks for, else
// AutoState's at now. Coverage that has started starts with the oldest post,
// and coverage that has ended ends with the newest, so the page does not say
// it started or ended on the day of the import.
func (o Options) NewEvent(slug string, res *Result, now time.Time) *liveblog.Event {
	ev := &liveblog.Event{
		Slug:        slug,
		Title:       cmp.Or(o.Title, res.Event.Title, titleFromSlug(slug)),
		Description: cmp.Or(o.Description, res.Event.Description()),
		State:       cmp.Or(o.State, AutoState(res, now)),
		TimeZone:    zoneName(res.Zone),
		Summary:     liveblog.Summary{Points: res.Summary},
	}
	first, last := res.span()
	if ev.State != liveblog.CoverageScheduled {
		ev.CoverageStartedAt = first
	}
	if ev.State == liveblog.CoverageEnded {
		ev.CoverageEndedAt = last
	}
	return ev
}

// Import writes a parsed dump into the event with the given slug, creating it
// as o.NewEvent says when there is none. An event that exists keeps its
// title, description and state; a note in res.Report says so when o asked
// for others.
//
// Posts are created oldest first, so that their ids follow their times, each
// published at the time the dump gives it. Everything is validated before the
// first write, so a dump the store would refuse writes nothing. A post already
// in the event with the same headline and time is skipped (and noted in
// res.Report), so an import that stopped halfway can simply be run again.
func Import(ctx context.Context, store liveblog.Store, slug string, res *Result, o Options) (*liveblog.Event, error) {
	ev, err := store.FindEventBySlug(ctx, slug)
	create := liveblog.ErrorCode(err) == liveblog.ENOTFOUND
	if err != nil && !create {
		return nil, fmt.Errorf("import: find event: %w", err)
	}
	if create {
		ev = o.NewEvent(slug, res, liveblog.Now())
		if err := ev.Validate(); err != nil {
			return nil, fmt.Errorf("import: event: %w", err)
		}
	} else if err := liveblog.ValidateSummary(res.Summary); err != nil {
		return nil, fmt.Errorf("import: summary: %w", err)
	} else if o.Title != "" && o.Title != ev.Title || o.Description != "" && o.Description != ev.Description || o.State != "" && o.State != ev.State {
		res.Report = append(res.Report, Note{Message: "the event already exists: its title, description and coverage state were left as they are"})
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
		} else if err := store.CreatePost(ctx, liveblog.Write{}, post); err != nil {
			return nil, fmt.Errorf("import: post %q: %w", post.Headline, err)
		}
		o.Progress.Report("posts", len(posts)-i, len(posts))
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
