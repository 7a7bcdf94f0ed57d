package http

import (
	"net/http"

	"github.com/liveblog/liveblog"
)

// A route that writes declares, where it is registered (routes), how the
// write is recorded: its action in the audit log and, for the API's writes
// of events and posts, that it takes an Idempotency-Key. Its handler gets
// the liveblog.Write that says so, to give to the store mutation it makes.

// writeFunc is the handler of a route that writes.
type writeFunc func(w http.ResponseWriter, r *http.Request, write liveblog.Write) error

// answerFunc is the handler of an API write of an event or a post: it
// returns what the write produced, and the route answers with it.
type answerFunc func(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error)

// apiWrite is an API write whose audit line is action. It refuses an
// Idempotency-Key: ignoring one would let a retry write twice.
func (s *Server) apiWrite(action string, h writeFunc) http.Handler {
	return s.api(func(w http.ResponseWriter, r *http.Request) error {
		if _, ok := r.Header[IdempotencyKeyHeader]; ok {
			return liveblog.FieldError(IdempotencyKeyHeader, "This request cannot be made idempotent here; send it without an Idempotency-Key.")
		}
		return h(w, r, s.writeOf(r, action))
	})
}

// apiKeyed is an API write of an event or a post whose audit line is action
// and whose success is status. It takes an Idempotency-Key (see idempotent).
func (s *Server) apiKeyed(action string, status int, h answerFunc) http.Handler {
	return s.api(func(w http.ResponseWriter, r *http.Request) error {
		return s.idempotent(w, r, s.writeOf(r, action), status, h)
	})
}

// deskWrite is a desk route, for a signed-in user, whose audit line is
// action.
func (s *Server) deskWrite(action string, h writeFunc) http.Handler {
	return s.deskSigned(func(w http.ResponseWriter, r *http.Request) error {
		return h(w, r, s.writeOf(r, action))
	})
}

// writeOf is the Write of a request whose audit line is action: who acts
// (the signed-in user, or the user an API token acts as) and from where. The
// store fills in the event and post the write acted on.
func (s *Server) writeOf(r *http.Request, action string) liveblog.Write {
	a := liveblog.AuditEntry{Action: action, Address: s.clientAddress(r)}
	if u := userOf(r.Context()); u != nil {
		a.UserID, a.UserName = u.ID, u.Name
	}
	return liveblog.Write{Audit: a}
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
