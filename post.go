package liveblog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PostStatus is where a post is in its life. Only published posts are seen by
// readers and enter the change feed.
type PostStatus string

// Post statuses.
const (
	StatusDraft     PostStatus = "draft"
	StatusScheduled PostStatus = "scheduled"
	StatusPublished PostStatus = "published"
	StatusDeleted   PostStatus = "deleted"
)

// Valid reports whether s is a known status.
func (s PostStatus) Valid() bool {
	switch s {
	case StatusDraft, StatusScheduled, StatusPublished, StatusDeleted:
		return true
	}
	return false
}

// Post is one entry of a live event.
type Post struct {
	ID           int64         `json:"id"`
	EventID      int64         `json:"event_id"`
	Headline     string        `json:"headline"`
	Blocks       []Block       `json:"blocks"`
	Contributors []Contributor `json:"contributors"`
	Breaking     bool          `json:"breaking"`
	KeyEvent     bool          `json:"key_event"`
	Pinned       bool          `json:"pinned"`
	Status       PostStatus    `json:"status"`

	// ScheduledAt is when a scheduled post is to be published.
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	// PublishedAt is the time readers see on the post. Imported posts keep the
	// time they were first published elsewhere.
	PublishedAt time.Time `json:"published_at,omitzero"`
	// EditedAt is set when a published post is edited, and drives the
	// "Updated HH:MM" mark; CorrectionNote says what changed, if the editor
	// wanted readers to know.
	EditedAt       time.Time `json:"edited_at,omitzero"`
	CorrectionNote string    `json:"correction_note,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version increases with every edit; an update must name the version it
	// edits.
	Version int `json:"version"`
	// AuthorID is the user who created the post, 0 for API tokens without a
	// user and for imports.
	AuthorID int64 `json:"author_id,omitempty"`
}

// Contributor is a byline: a name with a role line such as "Defence
// correspondent", an optional avatar image and an optional link to the
// contributor's profile. A byline is free text: a newsroom account's, or a
// guest's, a stringer's or an agency's ("Reuters").
type Contributor struct {
	Name   string `json:"name"`
	Role   string `json:"role,omitempty"`
	Avatar string `json:"avatar,omitempty"`
	URL    string `json:"url,omitempty"`
}

// Limits on post fields.
const (
	MaxHeadlineLength       = 300
	MaxBlocks               = 100
	MaxContributors         = 10
	MaxNameLength           = 120
	MaxCorrectionNoteLength = 500
)

// Validate checks a post before it is created or after an update is applied.
// It normalises shorthand input (see Block.Normalize).
func (p *Post) Validate() error {
	if err := validateText("headline", p.Headline, MaxHeadlineLength, false); err != nil {
		return err
	}
	if strings.ContainsAny(p.Headline, "\n") {
		return FieldError("headline", "A headline is a single line.")
	}
	if len(p.Blocks) == 0 && strings.TrimSpace(p.Headline) == "" {
		return FieldError("blocks", "A post needs a headline or at least one block.")
	}
	if len(p.Blocks) > MaxBlocks {
		return FieldError("blocks", "A post has at most %d blocks.", MaxBlocks)
	}
	for i := range p.Blocks {
		if err := p.Blocks[i].Validate(indexField("blocks", i)); err != nil {
			return err
		}
	}
	if len(p.Contributors) > MaxContributors {
		return FieldError("contributors", "A post has at most %d bylines.", MaxContributors)
	}
	for i, c := range p.Contributors {
		if err := c.Validate(indexField("contributors", i)); err != nil {
			return err
		}
	}
	if p.Status == "" {
		p.Status = StatusPublished
	}
	switch p.Status {
	case StatusDraft, StatusPublished:
	case StatusScheduled:
		if p.ScheduledAt.IsZero() {
			return FieldError("scheduled_at", "A scheduled post needs the time to publish it.")
		}
	default:
		return FieldError("status", "Status must be draft, scheduled or published.")
	}
	if err := validateText("correction_note", p.CorrectionNote, MaxCorrectionNoteLength, false); err != nil {
		return err
	}
	if p.Pinned && p.Status != StatusPublished {
		return FieldError("pinned", "Only a published post can be pinned.")
	}
	return nil
}

// Validate checks a byline.
func (c Contributor) Validate(field string) error {
	if err := validateText(field+".name", c.Name, MaxNameLength, true); err != nil {
		return err
	}
	if err := validateText(field+".role", c.Role, MaxNameLength, false); err != nil {
		return err
	}
	if c.Avatar != "" {
		if err := ValidateImageSource(field+".avatar", c.Avatar); err != nil {
			return err
		}
	}
	if c.URL != "" {
		if err := ValidateLink(field+".url", c.URL, false); err != nil {
			return err
		}
	}
	return nil
}

// PostUpdate is an edit of a post; nil fields are left as they are. Version is
// the version being edited. Setting Status to published publishes a draft or
// scheduled post; deleting goes through DeletePost.
type PostUpdate struct {
	Headline       *string        `json:"headline"`
	Blocks         *[]Block       `json:"blocks"`
	Contributors   *[]Contributor `json:"contributors"`
	Breaking       *bool          `json:"breaking"`
	KeyEvent       *bool          `json:"key_event"`
	Status         *PostStatus    `json:"status"`
	ScheduledAt    *time.Time     `json:"scheduled_at"`
	CorrectionNote *string        `json:"correction_note"`
	Version        int            `json:"version"`
}

// Edited returns a copy of p with the update applied, validated. It does
// not touch times or the version: Apply, the transition, does.
func (u *PostUpdate) Edited(p *Post) (*Post, error) {
	next := *p
	if u.Headline != nil {
		next.Headline = *u.Headline
	}
	if u.Blocks != nil {
		next.Blocks = *u.Blocks
	}
	if u.Contributors != nil {
		next.Contributors = *u.Contributors
	}
	if u.Breaking != nil {
		next.Breaking = *u.Breaking
	}
	if u.KeyEvent != nil {
		next.KeyEvent = *u.KeyEvent
	}
	if u.ScheduledAt != nil {
		next.ScheduledAt = u.ScheduledAt.UTC()
	}
	if u.CorrectionNote != nil {
		next.CorrectionNote = *u.CorrectionNote
	}
	if u.Status != nil {
		s := *u.Status
		switch {
		case s == StatusDeleted:
			return nil, FieldError("status", "Delete a post with DELETE, not by setting its status.")
		case p.Status == StatusPublished && s != StatusPublished:
			return nil, FieldError("status", "A published post cannot go back to %s; delete it instead.", s)
		case p.Status == StatusDeleted:
			return nil, FieldError("status", "A deleted post must be restored before it is edited.")
		}
		next.Status = s
	}
	if p.Status == StatusDeleted {
		return nil, ErrNoPost
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	return &next, nil
}

// editChange stamps next, an edit of p made at now (see Edited), and
// returns the change it makes to the feed, "" for none. Publishing a draft
// or scheduled post is a post.published, stamping PublishedAt unless the
// post already has one. An edit of a published post that readers can see is
// a post.updated, and one of its text (see textEdited) also stamps EditedAt.
func editChange(p, next *Post, now time.Time) ChangeKind {
	switch {
	case p.Status == StatusPublished:
		edited := textEdited(p, next)
		if edited {
			next.EditedAt = now
		}
		if edited || p.Breaking != next.Breaking || p.KeyEvent != next.KeyEvent {
			return ChangePostUpdated
		}
	case next.Status == StatusPublished:
		if next.PublishedAt.IsZero() {
			next.PublishedAt = now
		}
		return ChangePostPublished
	}
	return ""
}

// textEdited reports whether an edit changed what a post says, as opposed to
// how it is flagged: that is what earns the "Updated" mark. Blocks and bylines
// are compared as stored, in JSON, so resending the same content is no edit.
func textEdited(p, next *Post) bool {
	return p.Headline != next.Headline || p.CorrectionNote != next.CorrectionNote ||
		!sameJSON(p.Blocks, next.Blocks) || !sameJSON(p.Contributors, next.Contributors)
}

// sameJSON reports whether a and b encode to the same JSON; what cannot be
// encoded counts as different.
func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// PostFilter selects the posts of one event. Readers only ever see published
// posts; the desk also asks for drafts and scheduled ones.
type PostFilter struct {
	EventID  int64
	Statuses []PostStatus // empty means published only
	KeyOnly  bool
	// Before and After are page cursors (see Cursor); at most one is set.
	// Posts are ordered newest first by published time, then id.
	Before *Cursor
	After  *Cursor
	// OldestFirst reverses the order.
	OldestFirst bool
	Limit       int
	// ExcludePinned leaves the pinned post out, for pages that show it on top.
	ExcludePinned bool
}

// Check validates f and returns the number of posts to list (see
// PageLimit), whether the listing walks towards older posts, and the cursor
// it starts beyond (nil for either end).
func (f *PostFilter) Check() (limit int, older bool, c *Cursor, err error) {
	if limit, err = PageLimit(f.Limit); err != nil {
		return 0, false, nil, err
	}
	if f.Before != nil && f.After != nil {
		return 0, false, nil, FieldError("after", "Give a cursor for older or for newer posts, not both.")
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			return 0, false, nil, FieldError("status", "Status must be draft, scheduled, published or deleted.")
		}
	}
	switch {
	case f.Before != nil:
		return limit, true, f.Before, nil
	case f.After != nil:
		return limit, false, f.After, nil
	}
	return limit, !f.OldestFirst, nil, nil
}

// Cursor marks a post's place in the newest-first order, so that a page of
// older posts costs the same however long the event is.
type Cursor struct {
	PublishedAt time.Time
	ID          int64
}

// PageAround returns the page of a permalink: the post and its neighbours
// in the reading order. before holds the posts that come before it,
// nearest first; after the post itself, then those that come after it. Each
// holds up to limit+1 posts, so that it tells whether more lie beyond.
//
// A quarter of the page comes before the post, so a reader sees what led up
// to it, and more when there are too few posts after it to fill the page.
// The page is found from the post's cursor rather than from its rank, so it
// costs the same however deep the post lies; cursors from its ends lead on
// without gaps or repeats.
func PageAround(before, after []*Post, limit int) (posts []*Post, moreBefore, moreAfter bool) {
	nb := min(len(before), max(limit/4, limit-len(after)))
	na := min(len(after), limit-nb)
	posts = make([]*Post, 0, nb+na)
	for i := nb - 1; i >= 0; i-- {
		posts = append(posts, before[i])
	}
	posts = append(posts, after[:na]...)
	return posts, len(before) > nb, len(after) > na
}

// Cut cuts the page f asks for, of limit posts (see Check), out of a listing
// of posts. seek returns up to n posts of the listing beyond cursor c (from
// the start when c is nil) towards older or newer posts, nearest first;
// exists reports whether the listing has a post beyond c that way. focus is
// the post f.Around names, nil when there is none or it is pinned.
//
// It returns the page's posts in reading order, the cursors of the pages on
// either side (nil at an end), which lead to exactly its neighbours, and
// whether it is the first page, above which the pinned post is shown.
func (f *PageFilter) Cut(limit int, focus *Post, seek func(older bool, c *Cursor, n int) ([]*Post, error),
	exists func(older bool, c *Cursor) (bool, error)) (posts []*Post, older, newer *Cursor, first bool, err error) {
	// fwd is the direction of reading in time: towards older posts unless the
	// page reads oldest first.
	fwd := !f.OldestFirst
	// moreBefore and moreAfter say whether posts lie beyond this page
	// against and along the reading order.
	var moreBefore, moreAfter bool
	c, cOlder := f.Before, true
	if f.After != nil {
		c, cOlder = f.After, false
	}
	switch {
	case focus != nil:
		at := CursorOf(focus)
		before, err := seek(!fwd, &at, limit+1)
		if err != nil {
			return nil, nil, nil, false, err
		}
		after, err := seek(fwd, &at, limit+1)
		if err != nil {
			return nil, nil, nil, false, err
		}
		posts, moreBefore, moreAfter = PageAround(before, append([]*Post{focus}, after...), limit)
	case c == nil:
		if posts, err = seek(fwd, nil, limit+1); err != nil {
			return nil, nil, nil, false, err
		}
		moreAfter = len(posts) > limit
		posts = posts[:min(len(posts), limit)]
	case cOlder == fwd:
		if posts, err = seek(fwd, c, limit+1); err != nil {
			return nil, nil, nil, false, err
		}
		moreAfter = len(posts) > limit
		posts = posts[:min(len(posts), limit)]
		if moreBefore, err = exists(!fwd, firstCursor(posts, c)); err != nil {
			return nil, nil, nil, false, err
		}
	default:
		if posts, err = seek(!fwd, c, limit+1); err != nil {
			return nil, nil, nil, false, err
		}
		moreBefore = len(posts) > limit
		posts = posts[:min(len(posts), limit)]
		slices.Reverse(posts)
		if moreAfter, err = exists(fwd, lastCursor(posts, c)); err != nil {
			return nil, nil, nil, false, err
		}
	}
	var before, after *Cursor
	if moreBefore {
		before = firstCursor(posts, c)
	}
	if moreAfter {
		after = lastCursor(posts, c)
	}
	if fwd {
		newer, older = before, after
	} else {
		older, newer = before, after
	}
	return posts, older, newer, !moreBefore, nil
}

// firstCursor and lastCursor return the cursors at the ends of a page, or
// the cursor the page was asked for when it is empty.
func firstCursor(posts []*Post, c *Cursor) *Cursor {
	if len(posts) == 0 {
		return c
	}
	cur := CursorOf(posts[0])
	return &cur
}

func lastCursor(posts []*Post, c *Cursor) *Cursor {
	if len(posts) == 0 {
		return c
	}
	cur := CursorOf(posts[len(posts)-1])
	return &cur
}

// CursorOf returns the cursor of p.
func CursorOf(p *Post) Cursor { return Cursor{PublishedAt: p.PublishedAt, ID: p.ID} }

// String encodes the cursor for a URL: microseconds since the epoch and the id.
func (c Cursor) String() string {
	return strconv.FormatInt(c.PublishedAt.UnixMicro(), 10) + "-" + strconv.FormatInt(c.ID, 10)
}

// ParseCursor decodes a cursor from a URL; field names the parameter in the
// error.
func ParseCursor(field, s string) (*Cursor, error) {
	us, id, ok := strings.Cut(s, "-")
	if !ok || len(s) > 40 {
		return nil, FieldError(field, "Not a page cursor.")
	}
	micros, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || micros < 0 || n <= 0 {
		return nil, FieldError(field, "Not a page cursor.")
	}
	return &Cursor{PublishedAt: time.UnixMicro(micros).UTC(), ID: n}, nil
}

// Page is what a reader page shows, read in one transaction so that the posts
// and the head sequence agree: a page rendered at head H plus the changes
// after H is exactly the current state.
type Page struct {
	Event  *Event
	Pinned *Post // nil when nothing is pinned or on pages other than the first
	Posts  []*Post
	// Older and Newer are cursors of the adjacent pages, nil at either end.
	Older *Cursor
	Newer *Cursor
}

// PageFilter selects a reader page.
type PageFilter struct {
	Slug        string
	Before      *Cursor
	After       *Cursor
	KeyOnly     bool
	OldestFirst bool
	Limit       int
	// Around, when set, selects a page that holds this post, for permalinks
	// deep in an event: a few posts that come before it in the reading
	// order, the post, then those after it (see PageAround). A pinned post
	// is shown above the first page, so Around it is the first page.
	Around int64
}

// Focus returns p, the post f.Around names, as the post the page is around:
// not found unless it is a post the listing of event eventID holds
// (published, and a key event or pinned when f lists key events only); nil
// when it is pinned, as a pinned post is shown above the first page.
func (f *PageFilter) Focus(p *Post, eventID int64) (*Post, error) {
	if p.EventID != eventID || p.Status != StatusPublished || (f.KeyOnly && !p.KeyEvent && !p.Pinned) {
		return nil, Errorf(ENOTFOUND, "Post not found.")
	}
	if p.Pinned {
		return nil, nil
	}
	return p, nil
}

// Check validates f and returns the number of posts a page shows (see
// PageLimit).
func (f *PageFilter) Check() (limit int, err error) {
	if limit, err = PageLimit(f.Limit); err != nil {
		return 0, err
	}
	if f.Before != nil && f.After != nil {
		return 0, FieldError("after", "Give a cursor for older or for newer posts, not both.")
	}
	if f.Around != 0 && (f.Before != nil || f.After != nil) {
		return 0, FieldError("around", "A page around a post takes no other cursor.")
	}
	return limit, nil
}

// PostStore keeps posts. Every write that readers can see appends a Change
// in the same transaction; writes take a Write: who makes them, and how they
// are recorded.
type PostStore interface {
	// CreatePost stores a new post. A published post gets its PublishedAt
	// (now, unless already set, as on import) and a post.published change;
	// one created pinned unpins the event's other pinned post.
	CreatePost(ctx context.Context, w Write, p *Post) error
	FindPostByID(ctx context.Context, id int64) (*Post, error)
	FindPosts(ctx context.Context, filter PostFilter) ([]*Post, error)
	// FindPage reads a reader page and the event's head in one transaction.
	FindPage(ctx context.Context, filter PageFilter) (*Page, error)
	// ChangePost makes a transition of a post (a PostUpdate, DeletePost,
	// RestorePost, PinPost) with the changes it makes to the feed, in one
	// transaction, and returns the post as it left it.
	ChangePost(ctx context.Context, w Write, id int64, t PostTransition) (*Post, error)
	// PublishDuePosts publishes every scheduled post whose time has come, once
	// even when several processes call it at the same moment.
	PublishDuePosts(ctx context.Context, now time.Time) ([]*Post, error)
}

func indexField(name string, i int) string { return fmt.Sprintf("%s[%d]", name, i) }
