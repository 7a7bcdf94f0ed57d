// Package transfer moves a live event between instances without losing
// anything: Export writes it as one JSON document, Import reads it back into
// another (or the same) instance. The document, its versioning and its rules
// are specified in docs/EXPORT.md; the types here are that specification in
// Go.
//
// What makes the move lossless is that nothing is re-created: posts keep their
// statuses (drafts, scheduled and deleted posts too), versions and times, and
// the change feed is carried change by change, so that a reader's position in
// the stream (its Last-Event-ID) means the same on the new instance.
package transfer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
)

// The header every document starts with. Version moves only when a change
// would make an older reader misread a document; fields that only add data
// (such as post revisions, see docs/EXPORT.md) keep it.
const (
	FormatName    = "liveblog-event"
	FormatVersion = 1
)

// Document is one exported event.
type Document struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	Event   Event   `json:"event"`
	Posts   []Post  `json:"posts"`
	Feed    Feed    `json:"feed"`
	Media   []Media `json:"media"`
}

// Event is an event's own fields. In a document's feed it is also the state
// an event change produced.
type Event struct {
	ID          int64                  `json:"id"`
	Slug        string                 `json:"slug"`
	Title       string                 `json:"title"`
	Description string                 `json:"description"`
	State       liveblog.CoverageState `json:"state"`
	TimeZone    string                 `json:"time_zone"`
	// Language is absent from documents written before events had one;
	// such an event reads as English.
	Language          string    `json:"language,omitempty"`
	Summary           Summary   `json:"summary"`
	CoverageStartedAt time.Time `json:"coverage_started_at,omitzero"`
	CoverageEndedAt   time.Time `json:"coverage_ended_at,omitzero"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	Version           int       `json:"version"`
	// SummaryHistory is the event's replaced key points, oldest first; only
	// in the document's event, never in the feed's.
	SummaryHistory []SummaryRecord `json:"summary_history,omitempty"`
}

// SummaryRecord is key points that were replaced: set at UpdatedAt,
// replaced at ReplacedAt by ReplacedBy (a name: accounts do not move with
// an event).
type SummaryRecord struct {
	Points     []string  `json:"points"`
	UpdatedAt  time.Time `json:"updated_at"`
	ReplacedAt time.Time `json:"replaced_at"`
	ReplacedBy string    `json:"replaced_by,omitempty"`
}

// Summary is the key points box.
type Summary struct {
	Points    []string  `json:"points"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Post is a post in any status. Blocks and contributors are written as the
// JSON API writes them (docs/API.md).
type Post struct {
	ID             int64                  `json:"id"`
	Headline       string                 `json:"headline"`
	Blocks         []liveblog.Block       `json:"blocks"`
	Contributors   []liveblog.Contributor `json:"contributors"`
	Breaking       bool                   `json:"breaking"`
	KeyEvent       bool                   `json:"key_event"`
	Pinned         bool                   `json:"pinned"`
	Status         liveblog.PostStatus    `json:"status"`
	ScheduledAt    time.Time              `json:"scheduled_at,omitzero"`
	PublishedAt    time.Time              `json:"published_at,omitzero"`
	EditedAt       time.Time              `json:"edited_at,omitzero"`
	CorrectionNote string                 `json:"correction_note,omitempty"`
	CreatedAt      time.Time              `json:"created_at"`
	UpdatedAt      time.Time              `json:"updated_at"`
	Version        int                    `json:"version"`
	AuthorID       int64                  `json:"author_id,omitempty"`
}

// Feed is the event's change feed from Floor+1 to Head. Floor is above 0
// when the oldest changes were trimmed away on the instance it came from.
type Feed struct {
	Floor   int64    `json:"floor"`
	Head    int64    `json:"head"`
	Changes []Change `json:"changes"`
}

// Change is one entry of the feed with the state it produced: a post for
// post changes (none for a deletion, and none for any change of a post that
// was later deleted), an event for event changes.
type Change struct {
	Seq       int64               `json:"seq"`
	Kind      liveblog.ChangeKind `json:"kind"`
	PostID    int64               `json:"post_id,omitempty"`
	CreatedAt time.Time           `json:"created_at"`
	Post      *Post               `json:"post,omitempty"`
	Event     *Event              `json:"event,omitempty"`
}

// Media is a file the posts refer to as "/media/" + Name. Data is the file,
// base64 in the JSON; it is absent when the export wrote the files beside the
// document instead (see DetachMedia).
type Media struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Data   []byte `json:"data,omitempty"`
}

// Encode writes d as the document format prescribes: indented, keys in a
// fixed order, posts by id and media by name, so that the same event always
// gives the same bytes.
func (d *Document) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Headlines and text hold "<" and "&" often; escaping them would only
	// make the document harder to read and diff.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("transfer: encode: %w", err)
	}
	return nil
}

// Decode reads and checks a document. A document of another format or of a
// version this build does not know is refused before anything else is read,
// and so is a field this build does not know: importing it would silently
// drop data.
func Decode(r io.Reader) (*Document, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("transfer: read: %w", err)
	}
	var header struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &header); err != nil {
		return nil, invalid("", "Not a liveblog event document: %v.", err)
	}
	if header.Format != FormatName {
		return nil, invalid("format", "Not a liveblog event document: format is %q, want %q.", header.Format, FormatName)
	}
	if header.Version != FormatVersion {
		return nil, invalid("version", "This document is version %d of the format; this build of liveblog reads version %d.", header.Version, FormatVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, invalid("", "The document does not match format version %d: %v. A newer liveblog may have written it.", FormatVersion, err)
	}
	if dec.More() {
		return nil, invalid("", "The document has data after its end.")
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// Validate checks everything a document promises: the header, every record as
// the domain would accept it, a feed that is gapless from its floor to its
// head and refers only to the document's posts, and media whose size and
// hash match their data.
func (d *Document) Validate() error {
	if d.Format != FormatName || d.Version != FormatVersion {
		return invalid("format", "The document header must be format %q, version %d.", FormatName, FormatVersion)
	}
	if err := d.Event.validate("event"); err != nil {
		return err
	}
	for i, r := range d.Event.SummaryHistory {
		field := fmt.Sprintf("event.summary_history[%d]", i)
		if r.UpdatedAt.IsZero() || r.ReplacedAt.IsZero() {
			return invalid(field, "Earlier key points say when they were set and replaced.")
		}
		if err := liveblog.ValidateSummary(r.Points); err != nil {
			f, _ := strings.CutPrefix(liveblog.ErrorField(err), "summary.")
			return invalid(field+"."+f, "%s", liveblog.ErrorMessage(err))
		}
	}
	posts := make(map[int64]bool, len(d.Posts))
	pinned := 0
	for i, p := range d.Posts {
		field := fmt.Sprintf("posts[%d]", i)
		if err := p.validate(field); err != nil {
			return err
		}
		if posts[p.ID] {
			return invalid(field+".id", "Post %d appears twice.", p.ID)
		}
		posts[p.ID] = true
		if p.Pinned {
			pinned++
		}
	}
	if pinned > 1 {
		return invalid("posts", "%d posts are pinned; an event has at most one.", pinned)
	}
	if err := d.Feed.validate(posts); err != nil {
		return err
	}
	names := make(map[string]bool, len(d.Media))
	for i, m := range d.Media {
		field := fmt.Sprintf("media[%d]", i)
		if err := m.validate(field); err != nil {
			return err
		}
		if names[m.Name] {
			return invalid(field+".name", "Media file %q appears twice.", m.Name)
		}
		names[m.Name] = true
	}
	return nil
}

func (e *Event) validate(field string) error {
	if e.ID <= 0 {
		return invalid(field+".id", "An event id is a positive number.")
	}
	if e.Version < 1 {
		return invalid(field+".version", "An event version is 1 or more.")
	}
	if !e.State.Valid() {
		return invalid(field+".state", "Coverage state must be scheduled, live, paused or ended.")
	}
	if e.TimeZone == "" {
		return invalid(field+".time_zone", "An event names its time zone.")
	}
	ev := e.domain()
	return within(field, ev.Validate())
}

func (p *Post) validate(field string) error {
	if p.ID <= 0 {
		return invalid(field+".id", "A post id is a positive number.")
	}
	if p.Version < 1 {
		return invalid(field+".version", "A post version is 1 or more.")
	}
	q := p.domain(0)
	switch q.Status {
	case liveblog.StatusDeleted:
		// A deleted post was valid when it was written; the domain only
		// validates the statuses a post is created in.
		q.Status = liveblog.StatusDraft
	case "":
		return invalid(field+".status", "A post names its status: draft, scheduled, published or deleted.")
	}
	if p.Pinned && p.Status != liveblog.StatusPublished {
		return invalid(field+".pinned", "Only a published post can be pinned.")
	}
	return within(field, q.Validate())
}

func (f *Feed) validate(posts map[int64]bool) error {
	if f.Floor < 0 || f.Head < f.Floor {
		return invalid("feed", "The feed's floor (%d) and head (%d) must satisfy 0 ≤ floor ≤ head.", f.Floor, f.Head)
	}
	if n := int64(len(f.Changes)); n != f.Head-f.Floor {
		return invalid("feed.changes", "The feed holds %d changes; from floor %d to head %d it must hold %d.", n, f.Floor, f.Head, f.Head-f.Floor)
	}
	for i, c := range f.Changes {
		field := fmt.Sprintf("feed.changes[%d]", i)
		if want := f.Floor + int64(i) + 1; c.Seq != want {
			return invalid(field+".seq", "Change %d is where change %d belongs: the feed must be gapless and in order.", c.Seq, want)
		}
		if c.CreatedAt.IsZero() {
			return invalid(field+".created_at", "A change has a time.")
		}
		switch c.Kind {
		case liveblog.ChangePostPublished, liveblog.ChangePostUpdated, liveblog.ChangePostDeleted,
			liveblog.ChangePostPinned, liveblog.ChangePostUnpinned:
			if !posts[c.PostID] {
				return invalid(field+".post_id", "Change %d refers to post %d, which is not in the document.", c.Seq, c.PostID)
			}
			if c.Event != nil {
				return invalid(field+".event", "A %s change carries a post, not an event.", c.Kind)
			}
			if c.Post != nil {
				if c.Kind == liveblog.ChangePostDeleted {
					return invalid(field+".post", "A post.deleted change carries no post.")
				}
				if c.Post.ID != c.PostID {
					return invalid(field+".post.id", "Change %d names post %d but carries post %d.", c.Seq, c.PostID, c.Post.ID)
				}
				if err := c.Post.validate(field + ".post"); err != nil {
					return err
				}
			}
		case liveblog.ChangeSummary, liveblog.ChangeCoverage, liveblog.ChangeEvent:
			if c.PostID != 0 || c.Post != nil {
				return invalid(field+".post_id", "A %s change refers to no post.", c.Kind)
			}
			if c.Event != nil && c.Event.SummaryHistory != nil {
				return invalid(field+".event.summary_history", "A change's event carries no summary history.")
			}
			if c.Event != nil {
				if err := c.Event.validate(field + ".event"); err != nil {
					return err
				}
			}
		default:
			return invalid(field+".kind", "Unknown change kind %q.", c.Kind)
		}
	}
	return nil
}

// MaxMediaNameLength matches the longest /media/ reference the domain
// accepts.
const MaxMediaNameLength = 200

func (m *Media) validate(field string) error {
	if !validMediaName(m.Name) {
		return invalid(field+".name", "%q is not a media file name: a relative path with no \"..\", at most %d characters.", m.Name, MaxMediaNameLength)
	}
	if m.Size < 0 {
		return invalid(field+".size", "A size cannot be negative.")
	}
	if len(m.SHA256) != sha256.Size*2 || strings.ToLower(m.SHA256) != m.SHA256 {
		return invalid(field+".sha256", "A SHA-256 digest is 64 lowercase hex digits.")
	}
	if _, err := hex.DecodeString(m.SHA256); err != nil {
		return invalid(field+".sha256", "A SHA-256 digest is 64 lowercase hex digits.")
	}
	if m.Data != nil {
		return m.check(field, m.Data)
	}
	return nil
}

// check reports whether data is the file m describes.
func (m *Media) check(field string, data []byte) error {
	if int64(len(data)) != m.Size {
		return invalid(field, "Media file %s has %d bytes; the document says %d.", m.Name, len(data), m.Size)
	}
	if digest(data) != m.SHA256 {
		return invalid(field, "Media file %s does not match its SHA-256 digest: it is damaged or was changed.", m.Name)
	}
	return nil
}

func validMediaName(name string) bool {
	return name != "" && len(name) <= MaxMediaNameLength && fs.ValidPath(name) &&
		!strings.ContainsAny(name, "\\?#\x00") && !strings.HasPrefix(name, ".")
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// invalid returns an invalid-input error naming the document field.
func invalid(field, format string, args ...any) error {
	return &liveblog.Error{Code: liveblog.EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// within places a domain error under the document field it was found in.
func within(field string, err error) error {
	if err == nil {
		return nil
	}
	f := liveblog.ErrorField(err)
	if f != "" {
		f = field + "." + f
	} else {
		f = field
	}
	return &liveblog.Error{Code: liveblog.ErrorCode(err), Field: f, Message: liveblog.ErrorMessage(err)}
}
