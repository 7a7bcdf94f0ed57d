package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/liveblog/liveblog"
)

// frame is the data of a `change` stream frame, as docs/ARCHITECTURE.md
// specifies it. Field order is the documented order; pointers mark fields
// that must be present even when false or empty.
type frame struct {
	Seq         int64                  `json:"seq"`
	Kind        liveblog.ChangeKind    `json:"kind"`
	PostID      int64                  `json:"post_id,omitempty"`
	HTML        string                 `json:"html,omitempty"`
	Sort        string                 `json:"sort,omitempty"`
	Pinned      *bool                  `json:"pinned,omitempty"`
	KeyEvent    *bool                  `json:"key_event,omitempty"`
	Redacted    bool                   `json:"redacted,omitempty"`
	State       liveblog.CoverageState `json:"state,omitempty"`
	Title       *string                `json:"title,omitempty"`
	Description *string                `json:"description,omitempty"`
}

// FrameData returns the JSON for the data field of change c's stream frame:
// one line, no raw newline, so the stream can write it as a single data: line.
// ev is the event the change belongs to; it gives post changes their zone and
// permalinks. Event changes use the event the change carries, so a replayed
// frame shows the state it produced, falling back to ev when it carries none.
//
// A kind this version does not know gets only seq and kind: the reader still
// advances its position, and ignores the change.
func (e *Engine) FrameData(ev *liveblog.Event, c *liveblog.Change) ([]byte, error) {
	f := frame{Seq: c.Seq, Kind: c.Kind}
	switch c.Kind {
	case liveblog.ChangePostPublished, liveblog.ChangePostUpdated, liveblog.ChangePostPinned, liveblog.ChangePostUnpinned:
		f.PostID = c.PostID
		p := c.Post
		if p == nil || p.Status == liveblog.StatusDeleted {
			// The post was deleted later: its text is gone from the feed,
			// and the reader removes whatever it shows of it.
			f.Redacted = true
			break
		}
		if f.PostID == 0 {
			f.PostID = p.ID
		}
		var html strings.Builder
		if err := e.Post(&html, ev, p); err != nil {
			return nil, err
		}
		f.HTML = html.String()
		f.Sort = liveblog.CursorOf(p).String()
		f.Pinned, f.KeyEvent = &p.Pinned, &p.KeyEvent
	case liveblog.ChangePostDeleted:
		f.PostID = c.PostID
	case liveblog.ChangeSummary:
		var html strings.Builder
		if err := e.Summary(&html, eventOf(ev, c)); err != nil {
			return nil, err
		}
		f.HTML = html.String()
	case liveblog.ChangeCoverage:
		state := eventOf(ev, c)
		f.State = state.State
		var html strings.Builder
		if err := e.coverageTime(&html, state); err != nil {
			return nil, err
		}
		f.HTML = html.String()
	case liveblog.ChangeEvent:
		state := eventOf(ev, c)
		f.Title, f.Description = &state.Title, &state.Description
	}
	// The data travels in an SSE frame, never inside HTML, so escaping <, >
	// and & as \u003c only makes every frame larger. U+2028 and U+2029 are
	// still escaped, and the encoder never writes a raw newline.
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("render: frame %d: %w", c.Seq, err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

func eventOf(ev *liveblog.Event, c *liveblog.Change) *liveblog.Event {
	if c.Event != nil {
		return c.Event
	}
	return ev
}
