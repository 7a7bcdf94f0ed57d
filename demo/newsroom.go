package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
)

// DefaultInterval is how often the Newsroom acts. Five seconds is quick enough
// that a newcomer sees the page change while still reading it, and slow
// enough to read each post before the next arrives.
const DefaultInterval = 5 * time.Second

// Bounds that keep a long-running demo page looking like a real one.
const (
	// maxSummaryPoints is the most key points the newsroom leaves in the
	// summary box; real desks keep it short enough to read at a glance.
	maxSummaryPoints = 6
	// editWindow is how many of the newest posts an edit may touch: desks
	// update what is still on screen, not posts from hours ago.
	editWindow = 6
	// maxEditedBlocks stops repeated edits from growing one post forever.
	maxEditedBlocks = 10
)

// Newsroom keeps the demo event alive: on every tick it takes one newsroom
// action. Mostly it publishes a new post; sometimes it adds a line to a recent
// post, pins a different post or refreshes the key points. Each action reads
// the current version first, and a conflict (someone at the desk got there
// first) just skips the tick. Run must not be called twice at once on one
// Newsroom.
type Newsroom struct {
	Store liveblog.Store
	// Slug names the event to keep alive; empty means the demo event, Slug.
	Slug string
	// Interval is the time between actions; zero means DefaultInterval.
	Interval time.Duration
	// Tick, when set, replaces the ticker, so tests decide when the newsroom
	// acts. The time received is the newsroom's "now" for the text it writes.
	// Closing it stops Run once the last action has finished.
	Tick   <-chan time.Time
	Logger *slog.Logger
	// Rand chooses actions and fills in templates; nil means a random seed.
	Rand *rand.Rand

	deck []int // shuffled order of templates still to publish
}

// action is one of the things the newsroom does on a tick.
type action int

const (
	publishPost action = iota
	editPost
	pinPost
	updateSummary
)

// Run acts once per tick until ctx is done or Tick is closed, and returns nil
// then. It returns an error only when the event cannot be found at start:
// the demo has not been seeded. Failures of single actions are logged and the
// next tick carries on, so a busy database never stops the demo.
func (n *Newsroom) Run(ctx context.Context) error {
	if n.Store == nil {
		return errors.New("demo: newsroom has no store")
	}
	if _, err := n.Store.FindEventBySlug(ctx, n.slug()); ctx.Err() != nil {
		return nil
	} else if err != nil {
		return fmt.Errorf("demo: newsroom event %q: %w", n.slug(), err)
	}
	if n.Rand == nil {
		n.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	tick := n.Tick
	if tick == nil {
		interval := n.Interval
		if interval <= 0 {
			interval = DefaultInterval
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case now, ok := <-tick:
			if !ok {
				return nil
			}
			n.step(ctx, now)
		}
	}
}

func (n *Newsroom) slug() string {
	if n.Slug == "" {
		return Slug
	}
	return n.Slug
}

func (n *Newsroom) logger() *slog.Logger {
	if n.Logger == nil {
		return slog.Default()
	}
	return n.Logger
}

// step takes one action. An action with nothing to act on (no post to pin)
// publishes instead, so every tick on a live event changes the page.
func (n *Newsroom) step(ctx context.Context, now time.Time) {
	ev, err := n.Store.FindEventBySlug(ctx, n.slug())
	if err != nil {
		n.report(ctx, "read event", err)
		return
	}
	// A paused or ended event is the desk's decision; the newsroom waits.
	if ev.State != liveblog.CoverageLive {
		n.logger().Debug("demo newsroom idle", "event", ev.Slug, "state", ev.State)
		return
	}
	now = now.In(ev.Location())
	var did string
	switch n.choose() {
	case editPost:
		did, err = n.editPost(ctx, ev, now)
	case pinPost:
		did, err = n.pinPost(ctx, ev)
	case updateSummary:
		did, err = n.updateSummary(ctx, ev, now)
	}
	if did == "" && err == nil {
		did, err = n.publishPost(ctx, ev, now)
	}
	if err != nil {
		n.report(ctx, did, err)
		return
	}
	n.logger().Debug("demo newsroom", "event", ev.Slug, "action", did)
}

// report logs a failed action at the level it deserves: a conflict is the
// desk working alongside the newsroom, invalid content is a bug in this
// package, and only internal errors are errors.
func (n *Newsroom) report(ctx context.Context, action string, err error) {
	if ctx.Err() != nil {
		return
	}
	switch liveblog.ErrorCode(err) {
	case liveblog.ECONFLICT:
		n.logger().Info("demo newsroom skipped a tick: the record changed under it", "action", action, "err", err)
	case liveblog.EINTERNAL:
		n.logger().Error("demo newsroom", "action", action, "err", err)
	default:
		n.logger().Warn("demo newsroom", "action", action, "err", err)
	}
}

func (n *Newsroom) choose() action {
	switch r := n.Rand.IntN(100); {
	case r < 10:
		return updateSummary
	case r < 18:
		return pinPost
	case r < 36:
		return editPost
	}
	return publishPost
}

func (n *Newsroom) publishPost(ctx context.Context, ev *liveblog.Event, now time.Time) (string, error) {
	pics, err := pictures()
	if err != nil {
		return "publish", err
	}
	if len(n.deck) == 0 {
		// Every template is used once before any repeats.
		n.deck = n.Rand.Perm(len(templates))
	}
	i := n.deck[0]
	n.deck = n.deck[1:]
	p := templates[i](&desk{r: n.Rand, now: now, pics: pics})
	p.EventID = ev.ID
	p.Status = liveblog.StatusPublished
	if err := n.Store.CreatePost(ctx, liveblog.Write{}, &p); err != nil {
		return "publish", err
	}
	return "publish", nil
}

// editPost adds a line to one of the newest posts, sometimes with a note
// telling readers what changed.
func (n *Newsroom) editPost(ctx context.Context, ev *liveblog.Event, now time.Time) (string, error) {
	posts, err := n.Store.FindPosts(ctx, liveblog.PostFilter{EventID: ev.ID, Limit: editWindow})
	if err != nil {
		return "edit", err
	}
	for _, pi := range n.Rand.Perm(len(posts)) {
		p := posts[pi]
		if len(p.Blocks) >= maxEditedBlocks {
			continue
		}
		body := plainBody(p.Blocks)
		for _, ei := range n.Rand.Perm(len(edits)) {
			e := edits[ei]
			if strings.Contains(body, e.line) {
				continue
			}
			blocks := append(slices.Clone(p.Blocks), para(bold("Update: "), plain(e.line)))
			upd := liveblog.PostUpdate{Blocks: &blocks, Version: p.Version}
			if e.note != "" && n.Rand.IntN(2) == 0 {
				note := fmt.Sprintf("This post was updated at %s %s.", now.Format("15:04"), e.note)
				upd.CorrectionNote = &note
			}
			if _, err := n.Store.ChangePost(ctx, liveblog.Write{}, p.ID, &upd); err != nil {
				return "edit", err
			}
			return "edit", nil
		}
	}
	return "", nil
}

// pinPost pins a recent key event, or failing that any recent post, that is
// not already pinned; the store unpins the previous one.
func (n *Newsroom) pinPost(ctx context.Context, ev *liveblog.Event) (string, error) {
	for _, keyOnly := range []bool{true, false} {
		posts, err := n.Store.FindPosts(ctx, liveblog.PostFilter{EventID: ev.ID, KeyOnly: keyOnly, Limit: 10})
		if err != nil {
			return "pin", err
		}
		posts = slices.DeleteFunc(posts, func(p *liveblog.Post) bool { return p.Pinned })
		if len(posts) == 0 {
			continue
		}
		p := posts[n.Rand.IntN(len(posts))]
		if _, err := n.Store.ChangePost(ctx, liveblog.Write{}, p.ID, liveblog.PinPost{Pinned: true, Version: p.Version}); err != nil {
			return "pin", err
		}
		return "pin", nil
	}
	return "", nil
}

// updateSummary refreshes one key point: a newer figure replaces the line on
// the same topic where it stands, and a new topic goes to the top, with the
// oldest line falling off the bottom.
func (n *Newsroom) updateSummary(ctx context.Context, ev *liveblog.Event, now time.Time) (string, error) {
	d := &desk{r: n.Rand, now: now}
	for range 5 {
		kp := keyPoints[n.Rand.IntN(len(keyPoints))]
		point := kp.write(d)
		if slices.Contains(ev.Summary.Points, point) {
			continue
		}
		points := slices.Clone(ev.Summary.Points)
		if i := slices.IndexFunc(points, func(p string) bool { return strings.Contains(p, kp.topic) }); i >= 0 {
			points[i] = point
		} else {
			points = append([]string{point}, points...)
		}
		if len(points) > maxSummaryPoints {
			points = points[:maxSummaryPoints]
		}
		if _, err := n.Store.ChangeEvent(ctx, liveblog.Write{}, ev.ID, liveblog.ReplaceSummary{Points: points, Version: ev.Version}); err != nil {
			return "summary", err
		}
		return "summary", nil
	}
	return "", nil
}

// plainBody is the text of a post's paragraphs, lists and quotes, for
// checking whether a line is already there.
func plainBody(blocks []liveblog.Block) string {
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(liveblog.PlainText(bl.Spans))
		for _, it := range bl.Items {
			b.WriteString(liveblog.PlainText(it))
		}
		b.WriteString(bl.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
