package http

import (
	"net/http"
	"slices"
	"time"

	"github.com/liveblog/liveblog"
)

// revision is one state of a post that readers saw.
type revision struct {
	Seq  int64               `json:"seq"`
	Kind liveblog.ChangeKind `json:"kind"`
	At   time.Time           `json:"at"`
	Post *composerPost       `json:"post"`
	HTML string              `json:"html"`
}

// maxHistoryReads bounds the feed pages one history reads (500 changes
// each), so that the history of a post in an enormous event costs a known
// amount; older revisions are then not listed.
const maxHistoryReads = 20

// showHistory lists the revisions of a post readers have seen, newest
// first. They come from the event's change feed, which keeps the post as
// every publication and edit left it: the history is what readers saw,
// not every autosave of a draft. A deleted post has none (its text left the
// feed with it), and a trimmed feed keeps only its recent revisions.
func (s *Server) showHistory(w http.ResponseWriter, r *http.Request) error {
	ev, p, err := s.findPost(r)
	if err != nil {
		return err
	}
	revisions := []revision{}
	after := int64(0)
	for range maxHistoryReads {
		batch, err := s.store.FindChanges(r.Context(), liveblog.ChangeFilter{EventID: ev.ID, After: after, Limit: liveblog.MaxChangesPerRead})
		if err != nil {
			return err
		}
		for _, c := range batch.Changes {
			after = c.Seq
			if c.PostID != p.ID || c.Post == nil || c.Kind != liveblog.ChangePostPublished && c.Kind != liveblog.ChangePostUpdated {
				continue
			}
			html, err := s.postHTML(ev, c.Post)
			if err != nil {
				return err
			}
			revisions = append(revisions, revision{Seq: c.Seq, Kind: c.Kind, At: c.CreatedAt, Post: composerOf(c.Post), HTML: html})
		}
		if len(batch.Changes) == 0 || after >= batch.Head {
			break
		}
	}
	slices.Reverse(revisions)
	return writeJSON(w, http.StatusOK, struct {
		Revisions []revision `json:"revisions"`
	}{revisions})
}
