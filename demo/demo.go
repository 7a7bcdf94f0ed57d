// Package demo is the demo newsroom that `liveblog demo` runs: original,
// fictional coverage of a storm on an invented stretch of coast, seeded into a
// store, and a publisher loop (Newsroom) that keeps the page visibly alive by
// publishing, editing and pinning posts and refreshing the key points.
//
// Every person, place, organisation and link here is invented. Links point at
// example.org, example.net and example.com, which are reserved for
// documentation and never resolve to anyone's real site.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/liveblog/liveblog"
)

// Slugs of the demo events. Slug is the live one the Newsroom keeps alive;
// the other two exist so the front page shows every coverage state.
const (
	Slug          = "storm-elowen"
	EndedSlug     = "westermouth-half-marathon"
	ScheduledSlug = "westshire-storm-recovery-meeting"
)

// Seed writes the demo's illustrations into mediaDir and creates the demo
// events with a morning of coverage published in the hours before now. It is
// idempotent: when the live demo event already exists, the store is left alone
// and that event is returned. The live event is created last, so its presence
// means the others were seeded too.
func Seed(ctx context.Context, store liveblog.Store, mediaDir string, now time.Time) (*liveblog.Event, error) {
	if err := WriteImages(mediaDir); err != nil {
		return nil, err
	}
	if ev, err := store.FindEventBySlug(ctx, Slug); err == nil {
		return ev, nil
	} else if liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
		return nil, fmt.Errorf("demo: find demo event: %w", err)
	}
	pics, err := pictures()
	if err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	for _, c := range []coverage{marathonCoverage(pics, now), recoveryMeeting(), stormCoverage(pics, now)} {
		if err := c.seed(ctx, store); err != nil {
			return nil, fmt.Errorf("demo: seed %s: %w", c.event.Slug, err)
		}
	}
	ev, err := store.FindEventBySlug(ctx, Slug)
	if err != nil {
		return nil, fmt.Errorf("demo: find demo event: %w", err)
	}
	return ev, nil
}

// coverage is one demo event as it should look once seeded.
type coverage struct {
	event   liveblog.Event
	summary []string
	posts   []seedPost
	// state is where coverage is left: live or ended (scheduled when empty).
	state liveblog.CoverageState
}

// seedPost is a post published at a fixed time, optionally pinned afterwards
// or edited with a note to readers, as a desk would have done during the
// morning.
type seedPost struct {
	post liveblog.Post
	pin  bool
	edit *seedEdit
}

// seedEdit replaces a post's blocks after it was published.
type seedEdit struct {
	blocks []liveblog.Block
	note   string
}

func (c coverage) seed(ctx context.Context, store liveblog.Store) error {
	if _, err := store.FindEventBySlug(ctx, c.event.Slug); err == nil {
		return nil
	} else if liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
		return err
	}
	ev := c.event
	ev.State = liveblog.CoverageScheduled
	if c.state == liveblog.CoverageLive || c.state == liveblog.CoverageEnded {
		// The event is created in its final state with coverage times taken
		// from its posts, so the page does not say coverage started "just
		// now" above posts from hours ago.
		first, last := c.postTimes()
		ev.State = c.state
		ev.CoverageStartedAt = first.Add(-5 * time.Minute)
		if c.state == liveblog.CoverageEnded {
			ev.CoverageEndedAt = last.Add(10 * time.Minute)
		}
	}
	if err := store.CreateEvent(ctx, liveblog.Write{}, &ev); err != nil {
		return err
	}
	if c.state == "" || c.state == liveblog.CoverageScheduled {
		return nil
	}
	cur, err := store.FindEventByID(ctx, ev.ID)
	if err != nil {
		return err
	}
	if len(c.summary) > 0 {
		if cur, err = store.ChangeEvent(ctx, liveblog.Write{}, cur.ID, liveblog.ReplaceSummary{Points: c.summary, Version: cur.Version}); err != nil {
			return err
		}
	}
	for _, sp := range c.posts {
		p := sp.post
		p.EventID = cur.ID
		p.Status = liveblog.StatusPublished
		if err := store.CreatePost(ctx, liveblog.Write{}, &p); err != nil {
			return fmt.Errorf("post %q: %w", p.Headline, err)
		}
		if sp.edit != nil {
			cp, err := store.FindPostByID(ctx, p.ID)
			if err != nil {
				return err
			}
			upd := liveblog.PostUpdate{Blocks: &sp.edit.blocks, CorrectionNote: &sp.edit.note, Version: cp.Version}
			if _, err := store.ChangePost(ctx, liveblog.Write{}, p.ID, &upd); err != nil {
				return fmt.Errorf("edit %q: %w", p.Headline, err)
			}
		}
		if sp.pin {
			cp, err := store.FindPostByID(ctx, p.ID)
			if err != nil {
				return err
			}
			if _, err := store.ChangePost(ctx, liveblog.Write{}, p.ID, liveblog.PinPost{Pinned: true, Version: cp.Version}); err != nil {
				return fmt.Errorf("pin %q: %w", p.Headline, err)
			}
		}
	}
	return nil
}

// postTimes returns the publishing times of the first and last seeded posts.
func (c coverage) postTimes() (first, last time.Time) {
	for _, sp := range c.posts {
		t := sp.post.PublishedAt
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	return first, last
}

// Helpers that keep the coverage below readable as prose.

func plain(s string) liveblog.Span  { return liveblog.Span{Text: s} }
func bold(s string) liveblog.Span   { return liveblog.Span{Text: s, Bold: true} }
func italic(s string) liveblog.Span { return liveblog.Span{Text: s, Italic: true} }

func link(s, href string) liveblog.Span { return liveblog.Span{Text: s, Href: href} }

func para(spans ...liveblog.Span) liveblog.Block {
	return liveblog.Block{Type: liveblog.BlockParagraph, Spans: spans}
}

func text(s string) liveblog.Block { return liveblog.Plain(s) }

// bullets is a list of plain items; richList takes items with formatting.
func bullets(items ...string) liveblog.Block {
	b := liveblog.Block{Type: liveblog.BlockList}
	for _, it := range items {
		b.Items = append(b.Items, []liveblog.Span{plain(it)})
	}
	return b
}

func richList(items ...[]liveblog.Span) liveblog.Block {
	return liveblog.Block{Type: liveblog.BlockList, Items: items}
}

func item(spans ...liveblog.Span) []liveblog.Span { return spans }

func quote(s, who string) liveblog.Block {
	return liveblog.Block{Type: liveblog.BlockQuote, Text: s, Attribution: who}
}

func figure(p picture, alt, caption, credit string) liveblog.Block {
	return liveblog.Block{
		Type: liveblog.BlockImage, Src: p.Src(), Alt: alt, Caption: caption, Credit: credit,
		Width: imageWidth, Height: imageHeight,
	}
}

func embed(url, title string) liveblog.Block {
	return liveblog.Block{Type: liveblog.BlockEmbed, URL: url, Title: title}
}

// captured is an embed of a provider as a capture at publishing would have
// stored it: the demo cannot reach providers, so what its facade shows is
// written here, and a reader sees real text before any request leaves the
// page. The providers' ids are invented, like the rest of the coverage.
func captured(url, title, author, text, thumbnail string, at time.Time) liveblog.Block {
	return liveblog.Block{Type: liveblog.BlockEmbed, URL: url, Title: title, Author: author, Text: text, Thumbnail: thumbnail, PostedAt: at.UTC()}
}

func blocks(b ...liveblog.Block) []liveblog.Block { return b }

func byline(c ...liveblog.Contributor) []liveblog.Contributor { return c }
