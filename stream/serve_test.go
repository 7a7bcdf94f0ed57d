package stream

import (
	"net/http"
	"strconv"

	"github.com/liveblog/liveblog"
)

// ServeTest serves a stream request to ev for this package's tests and
// benchmarks, in the shape of the http package's handler (which imports this
// package, so cannot serve its tests): the position from Last-Event-ID or
// ?after= (else the head), 503 once the hub is shut down, and the connection
// taken over where net/http allows it.
func ServeTest(h *Hub, w http.ResponseWriter, r *http.Request, ev *liveblog.Event) {
	pos := ev.Head
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		pos, _ = strconv.ParseInt(v, 10, 64)
	} else if q := r.URL.Query(); q.Has("after") {
		pos, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	}
	sub, err := h.Subscribe(ev, pos)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		sub.ServeConn(conn, []byte("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"))
		return
	}
	w.WriteHeader(http.StatusOK)
	sub.ServeWriter(r.Context(), w)
}
