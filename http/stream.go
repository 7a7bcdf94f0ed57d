package http

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/stream"
)

// serveStream answers GET /live/{slug}/stream: the event's changes after the
// reader's position, as Server-Sent Events written by the hub. On HTTP/1.x
// the connection is taken from net/http once the request is accepted, so
// that an idle reader holds no goroutine (docs/ARCHITECTURE.md).
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.liveEvent(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	pos, ok, err := streamPosition(r)
	if err != nil {
		return err
	}
	if !ok {
		pos = ev.Head
	}
	// 204 tells EventSource to stop reconnecting.
	if ev.State == liveblog.CoverageEnded && pos == ev.Head {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	// A GET route also serves HEAD, whose response has no body.
	if r.Method == http.MethodHead {
		setStreamHeaders(w.Header())
		w.WriteHeader(http.StatusOK)
		return nil
	}
	sub, err := s.hub.Subscribe(ev, pos)
	if errors.Is(err, stream.ErrShutdown) {
		w.Header().Set("Retry-After", strconv.Itoa(int(s.hub.RetryHint().Seconds()+1)))
		return liveblog.Errorf(codeUnavailable, "This server is restarting; reconnect in a moment.")
	} else if err != nil {
		return err
	}
	setStreamHeaders(w.Header())
	if r.ProtoMajor == 1 {
		// A stream request has no body and browsers do not pipeline, so
		// dropping the buffered reader loses nothing; dropping it is the
		// point, it holds net/http's buffers.
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			sub.ServeConn(conn, streamHead(w.Header()))
			return nil
		}
	}
	w.WriteHeader(http.StatusOK)
	sub.ServeWriter(r.Context(), w)
	return nil
}

func setStreamHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	// nginx buffers proxied responses unless told not to, which would hold
	// frames back until its buffer fills.
	h.Set("X-Accel-Buffering", "no")
}

// streamHead is the head of a 200 response with the headers h, to write on
// a connection taken from net/http. The body ends when the connection does.
func streamHead(h http.Header) []byte {
	h.Set("Connection", "close")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	h.Write(&head)
	head.WriteString("\r\n")
	return head.Bytes()
}

// streamPosition returns the stream position a request asks for:
// Last-Event-ID, else the after query parameter, which a page passes since
// EventSource cannot set headers on its first request. ok is false when
// neither is given. A value that is not a sequence number is an
// invalid-input error naming its field.
func streamPosition(r *http.Request) (pos int64, ok bool, err error) {
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		return parseSeq("Last-Event-ID", v)
	}
	if q := r.URL.Query(); q.Has("after") {
		return parseSeq("after", q.Get("after"))
	}
	return 0, false, nil
}

func parseSeq(field, v string) (int64, bool, error) {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false, liveblog.FieldError(field, "%s must be a change sequence number: a whole number, 0 or more.", field)
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, liveblog.FieldError(field, "%s must be a change sequence number: a whole number, 0 or more.", field)
	}
	return n, true, nil
}
