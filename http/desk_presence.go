package http

import (
	"net/http"
	"time"

	"github.com/liveblog/liveblog"
)

// presenceList is who is on an event's desk, as the desk's script polls it.
type presenceList struct {
	Present []*liveblog.Presence `json:"present"`
	// Interval is how often to say one is still there, in milliseconds,
	// so that the script follows the server's timing.
	Interval int64 `json:"interval"`
}

// listPresence answers who is on the event's desk now. It reads the
// database, not this node's memory, so colleagues signed in through other
// nodes are there too.
func (s *Server) listPresence(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.findEvent(r)
	if err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		p := &liveblog.Presence{UserID: userOf(r.Context()).ID, EventID: ev.ID}
		if v := r.PostFormValue("post"); v != "" && v != "0" {
			var ok bool
			if p.PostID, ok = parseID(v); !ok {
				return liveblog.FieldError("post", "The post is not one of this event's.")
			}
		}
		if err := s.store.SetPresence(r.Context(), p); err != nil {
			return err
		}
	}
	present, err := s.store.FindPresence(r.Context(), ev.ID, time.Now().Add(-liveblog.PresenceTimeout))
	if err != nil {
		return err
	}
	if present == nil {
		present = []*liveblog.Presence{}
	}
	return writeJSON(w, http.StatusOK, presenceList{Present: present, Interval: liveblog.PresenceInterval.Milliseconds()})
}
