package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/liveblog/liveblog"
)

// changesCacheControl lets a CDN answer a crowd of polling readers from one
// origin request per second, and keep answering for a few seconds while it
// revalidates, so a breaking story does not become a thundering herd.
const changesCacheControl = "public, max-age=1, stale-while-revalidate=5"

// changeList is the body of GET /live/{slug}/changes.
type changeList struct {
	Event string `json:"event"`
	Head  int64  `json:"head"`
	Floor int64  `json:"floor"`
	// Reset says the position asked for cannot be served from the feed (it
	// was trimmed, or is ahead of the head): reload the current state, then
	// poll from Head. Changes is empty then.
	Reset   bool               `json:"reset"`
	Changes []*liveblog.Change `json:"changes"`
}

// listChanges is the polling twin of the stream, for clients that cannot
// hold a connection open: the changes after ?after=N, at most
// liveblog.MaxChangesPerRead at a time. A client with more to read asks
// again from the last seq it got.
func (s *Server) listChanges(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.liveEvent(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	after, err := afterParam(r.URL.Query().Get("after"))
	if err != nil {
		return err
	}
	load := func(cache bool) (*pageEntry, error) {
		batch, err := s.store.FindChanges(r.Context(), liveblog.ChangeFilter{EventID: ev.ID, After: after, Limit: liveblog.MaxChangesPerRead})
		if err != nil {
			return nil, err
		}
		// Everything in the response follows from these: a change, once
		// written, only changes again by way of a later change (which moves
		// the head), and trimming moves the floor.
		etag := digestETag("changes", strconv.FormatInt(ev.ID, 10), ev.Slug,
			strconv.FormatInt(after, 10), strconv.FormatInt(batch.Head, 10), strconv.FormatInt(batch.Floor, 10))
		list := changeList{Event: ev.Slug, Head: batch.Head, Floor: batch.Floor, Changes: batch.Changes}
		if batch.NeedsReset(after) {
			list.Reset = true
			list.Changes = nil
		}
		if list.Changes == nil {
			list.Changes = []*liveblog.Change{}
		}
		b, err := json.Marshal(list)
		if err != nil {
			return nil, fmt.Errorf("encode response: %w", err)
		}
		state := feedState{head: batch.Head, version: ev.Version, floor: batch.Floor}
		if !cache {
			return oneOffEntry(r, state, etag, "application/json", changesCacheControl, append(b, '\n')), nil
		}
		return newPageEntry(state, etag, "application/json", changesCacheControl, append(b, '\n')), nil
	}
	var entry *pageEntry
	if f, ok := s.feed(ev.ID); ok && f.Head == ev.Head {
		// Pollers at the head ask again and again for an answer that
		// changes only with the feed: it is read, encoded and compressed
		// once.
		key := pageKey{ev.ID, "changes\x00" + strconv.FormatInt(after, 10)}
		entry, err = s.pages.get(key, feedState{head: f.Head, version: ev.Version, floor: f.Floor}, func() (*pageEntry, error) { return load(true) })
	} else {
		entry, err = load(false)
	}
	if err != nil {
		return err
	}
	writeEntry(w, r, entry)
	return nil
}

// afterParam reads a feed position: a whole number, 0 (the start) when
// absent.
func afterParam(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, liveblog.FieldError("after", "Expected a change sequence number: a whole number from 0.")
	}
	return n, nil
}
