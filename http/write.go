package http

import (
	"context"
	"net/http"

	"github.com/liveblog/liveblog"
)

const writeKey contextKey = 200

// writeOf returns the liveblog.Write that a request's store mutation takes:
// the audit line its route started (withAudit) and, for an API write with
// an Idempotency-Key, the request it records (idempotent). A request that
// writes nothing has the zero Write.
func writeOf(r *http.Request) liveblog.Write {
	w, _ := r.Context().Value(writeKey).(liveblog.Write)
	return w
}

// withWrite gives r the Write its mutation takes.
func withWrite(r *http.Request, w liveblog.Write) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), writeKey, w))
}

// answer is what an API write answers with: the post or the event it
// produced.
type answer struct {
	post  *liveblog.Post
	event *liveblog.Event
}

// writeAnswer answers an API write with what it produced, its version as the
// ETag and, for a creation, its address. A retry with the write's
// Idempotency-Key is answered by this too, from the stored post or event.
func writeAnswer(w http.ResponseWriter, r *http.Request, status int, a answer) error {
	if a.post != nil {
		if status == http.StatusCreated {
			w.Header().Set("Location", postPath(r.PathValue("slug"), a.post.ID))
		}
		return writeResource(w, status, a.post, a.post.Version)
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", eventPath(a.event.Slug))
	}
	return writeResource(w, status, a.event, a.event.Version)
}
