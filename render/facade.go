package render

import (
	"slices"
	"strconv"
	"time"

	"github.com/liveblog/liveblog"
)

// facadeView is what an embed block of a known provider shows before the
// reader consents, and what facade.js loads after: the provider (its label,
// privacy policy, sandbox and permissions), the frame's address and its
// proportions, which size the frame before anything loads in it.
type facadeView struct {
	Block liveblog.Block
	*liveblog.Provider
	Frame string
	Ratio string // "16/9": the frame's aspect-ratio
}

// facade returns the facade of an embed block, nil for a link card. The
// provider is read from the URL, as the block's Validate reads it, so a
// block stored by an older release renders with today's table.
func facade(b liveblog.Block) *facadeView {
	if b.Type != liveblog.BlockEmbed {
		return nil
	}
	p, id := liveblog.RecognizeEmbed(b.URL)
	if p == nil {
		return nil
	}
	w, h := b.Width, b.Height
	if w <= 0 || h <= 0 {
		w, h = p.Size(id)
	}
	return &facadeView{Block: b, Provider: p, Frame: p.Frame(id), Ratio: strconv.Itoa(w) + "/" + strconv.Itoa(h)}
}

// HasFacades reports whether a post of the view shows a provider's facade:
// only then does the page load facade.js.
func (v streamView) HasFacades() bool {
	if v.Pinned != nil && hasFacade(v.Pinned.Post) {
		return true
	}
	return slices.ContainsFunc(v.Posts, func(pv postView) bool { return hasFacade(pv.Post) })
}

func hasFacade(p *liveblog.Post) bool {
	return slices.ContainsFunc(p.Blocks, func(b liveblog.Block) bool {
		f := facade(b)
		return f != nil && f.Frame != ""
	})
}

// formatDate formats a captured post's date, in UTC: the block does not
// know the event's zone, and a day is what a facade needs.
func formatDate(t time.Time) string {
	return t.UTC().Format("2 January 2006")
}
