package transfer

import (
	"time"

	"github.com/liveblog/liveblog"
)

// The document's records are their own types, not the domain's, so that a
// change to the domain's JSON cannot change the format unnoticed. These
// functions convert between the two.

func eventRecord(e *liveblog.Event) Event {
	return Event{
		ID:          e.ID,
		Slug:        e.Slug,
		Title:       e.Title,
		Description: e.Description,
		State:       e.State,
		TimeZone:    e.TimeZone,
		Language:    e.Language,
		Summary: Summary{
			Points:    nonNil(e.Summary.Points),
			UpdatedAt: utc(e.Summary.UpdatedAt),
		},
		CoverageStartedAt: utc(e.CoverageStartedAt),
		CoverageEndedAt:   utc(e.CoverageEndedAt),
		CreatedAt:         utc(e.CreatedAt),
		UpdatedAt:         utc(e.UpdatedAt),
		Version:           e.Version,
	}
}

func (e *Event) domain() *liveblog.Event {
	return &liveblog.Event{
		ID:                e.ID,
		Slug:              e.Slug,
		Title:             e.Title,
		Description:       e.Description,
		State:             e.State,
		TimeZone:          e.TimeZone,
		Language:          e.Language,
		Summary:           liveblog.Summary{Points: nonNil(e.Summary.Points), UpdatedAt: utc(e.Summary.UpdatedAt)},
		CoverageStartedAt: utc(e.CoverageStartedAt),
		CoverageEndedAt:   utc(e.CoverageEndedAt),
		CreatedAt:         utc(e.CreatedAt),
		UpdatedAt:         utc(e.UpdatedAt),
		Version:           e.Version,
	}
}

func postRecord(p *liveblog.Post) Post {
	return Post{
		ID:             p.ID,
		Headline:       p.Headline,
		Blocks:         nonNil(p.Blocks),
		Contributors:   nonNil(p.Contributors),
		Breaking:       p.Breaking,
		KeyEvent:       p.KeyEvent,
		Pinned:         p.Pinned,
		Status:         p.Status,
		ScheduledAt:    utc(p.ScheduledAt),
		PublishedAt:    utc(p.PublishedAt),
		EditedAt:       utc(p.EditedAt),
		CorrectionNote: p.CorrectionNote,
		CreatedAt:      utc(p.CreatedAt),
		UpdatedAt:      utc(p.UpdatedAt),
		Version:        p.Version,
		AuthorID:       p.AuthorID,
	}
}

func (p *Post) domain(eventID int64) *liveblog.Post {
	return &liveblog.Post{
		ID:             p.ID,
		EventID:        eventID,
		Headline:       p.Headline,
		Blocks:         nonNil(p.Blocks),
		Contributors:   nonNil(p.Contributors),
		Breaking:       p.Breaking,
		KeyEvent:       p.KeyEvent,
		Pinned:         p.Pinned,
		Status:         p.Status,
		ScheduledAt:    utc(p.ScheduledAt),
		PublishedAt:    utc(p.PublishedAt),
		EditedAt:       utc(p.EditedAt),
		CorrectionNote: p.CorrectionNote,
		CreatedAt:      utc(p.CreatedAt),
		UpdatedAt:      utc(p.UpdatedAt),
		Version:        p.Version,
		AuthorID:       p.AuthorID,
	}
}

func changeRecord(c *liveblog.Change) Change {
	r := Change{Seq: c.Seq, Kind: c.Kind, PostID: c.PostID, CreatedAt: utc(c.CreatedAt)}
	if c.Post != nil {
		p := postRecord(c.Post)
		r.Post = &p
	}
	if c.Event != nil {
		e := eventRecord(c.Event)
		r.Event = &e
	}
	return r
}

func (c *Change) domain(eventID int64, slug string) *liveblog.Change {
	d := &liveblog.Change{EventID: eventID, Seq: c.Seq, Kind: c.Kind, PostID: c.PostID, CreatedAt: utc(c.CreatedAt)}
	if c.Post != nil {
		d.Post = c.Post.domain(eventID)
	}
	if c.Event != nil {
		d.Event = c.Event.domain()
		// The event is imported under slug; so is every state it had.
		d.Event.ID, d.Event.Slug, d.Event.Head = eventID, slug, c.Seq
	}
	return d
}

// nonNil makes an absent list an empty one, so that "no key points" is
// written one way only.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// utc is the one way a time is written: UTC, to the microsecond, as stores
// keep it.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// historyRecords converts an event's history, newest first as the store
// reads it, to the document's order, oldest first.
func historyRecords(h []*liveblog.SummaryRecord) []SummaryRecord {
	out := make([]SummaryRecord, len(h))
	for i, r := range h {
		out[len(h)-1-i] = SummaryRecord{Points: nonNil(r.Points), UpdatedAt: utc(r.UpdatedAt),
			ReplacedAt: utc(r.ReplacedAt), ReplacedBy: r.UserName}
	}
	return out
}

func (r *SummaryRecord) domain() *liveblog.SummaryRecord {
	return &liveblog.SummaryRecord{Points: nonNil(r.Points), UpdatedAt: utc(r.UpdatedAt),
		ReplacedAt: utc(r.ReplacedAt), UserName: r.ReplacedBy}
}
