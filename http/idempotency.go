package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"sync"

	"github.com/liveblog/liveblog"
)

// A client that sent a write and got no answer (a timeout, a dropped
// connection, a server that crashed) cannot know whether the write happened.
// With an Idempotency-Key it can simply send the same request again: the
// first request that succeeds stores the key with what it produced, in the
// same database transaction as the write itself, and every repetition is
// answered as the first was instead of writing again.

// IdempotencyKeyHeader names the request header that makes a write safe to
// repeat; IdempotentReplayedHeader marks a response that is the stored
// answer to an earlier request, not the result of this one.
const (
	IdempotencyKeyHeader     = "Idempotency-Key"
	IdempotentReplayedHeader = "Idempotent-Replayed"
)

// idempotent runs h, a JSON API write of an event or a post, and answers
// with what it produced and status; at most once per Idempotency-Key and
// token. A request without the header runs h as it is.
//
// A repeated request (same method, path, If-Match and body) is answered as
// the first was, from the post or event the write produced, with
// Idempotent-Replayed: true; a different request under a used key gets
// 422. A duplicate that arrives while the first is still running on this
// node waits for it and then gets its answer; on another node the database
// makes the later transaction wait and fail, and it is answered the same
// way. Only a write that succeeded is recorded: a refused one changed
// nothing, so repeating it runs it again.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, write liveblog.Write, status int, h answerFunc) error {
	run := func(r *http.Request, write liveblog.Write) error {
		a, err := h(w, r, write)
		if err != nil {
			return err
		}
		return writeAnswer(w, r, status, a)
	}
	values, ok := r.Header[IdempotencyKeyHeader]
	if !ok {
		return run(r, write)
	}
	if len(values) != 1 {
		return liveblog.FieldError(IdempotencyKeyHeader, "Send one Idempotency-Key.")
	}
	key := unquoteKey(values[0])
	if err := liveblog.ValidateIdempotencyKey(key); err != nil {
		return err
	}
	tok := tokenOf(r.Context())
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	req := &liveblog.IdempotentRequest{
		TokenID: tok.ID,
		Key:     key,
		Method:  r.Method,
		Path:    r.URL.RequestURI(),
		Hash:    requestHash(r, body),
	}
	unlock, err := s.keys.lock(r.Context(), keyID{tok.ID, key})
	if err != nil {
		return err
	}
	defer unlock()
	if done, err := s.replay(w, r, req, status); done || err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	write.Idempotent = req
	err = run(r, write)
	if err != nil {
		// The same write may have been made meanwhile by a duplicate on
		// another node, which is why this one failed (a stale version, a
		// slug in use, the key taken): its answer is this one's too.
		if done, rerr := s.replay(w, r, req, status); done || rerr != nil {
			return rerr
		}
	}
	return err
}

// replay answers r, with status, from the post or event the write recorded
// under req's key produced, if there is such a record: as the write itself
// was answered (writeAnswer), describing the post or event as it is now.
// done reports that r has been answered (or must be refused: err).
func (s *Server) replay(w http.ResponseWriter, r *http.Request, req *liveblog.IdempotentRequest, status int) (done bool, err error) {
	rec, err := s.store.FindIdempotencyRecord(r.Context(), req.TokenID, req.Key)
	if liveblog.ErrorCode(err) == liveblog.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return true, err
	}
	if !rec.Matches(req) {
		return true, &liveblog.Error{Code: codeUnprocessable, Field: IdempotencyKeyHeader,
			Message: "This Idempotency-Key was used for a different request (" + rec.Method + " " + rec.Path +
				" with another body or If-Match); use a new key for a new request."}
	}
	var a answer
	if rec.PostID != 0 {
		a.post, err = s.store.FindPostByID(r.Context(), rec.PostID)
	} else {
		a.event, err = s.store.FindEventByID(r.Context(), rec.EventID)
	}
	if err != nil {
		return true, err
	}
	w.Header().Set(IdempotentReplayedHeader, "true")
	return true, writeAnswer(w, r, status, a)
}

// requestHash digests what makes a write the write it is: a retry sends the
// same method, path, version and body.
func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	for _, part := range []string{r.Method, r.URL.RequestURI(), r.Header.Get("If-Match")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// unquoteKey accepts a key sent as a structured-field string, as the IETF
// draft writes it ("8e03978e-..."), as well as bare, as most clients do.
func unquoteKey(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// keyID is one client's key.
type keyID struct {
	tokenID int64
	key     string
}

// keyLocks serialises the requests of one key on this node, so that a
// retry sent while the first attempt is still running waits for its answer
// instead of racing it. Its zero value is ready to use.
type keyLocks struct {
	mu   sync.Mutex
	held map[keyID]chan struct{}
}

// lock waits until no other request of this node holds id, or ctx ends.
func (l *keyLocks) lock(ctx context.Context, id keyID) (unlock func(), err error) {
	for {
		l.mu.Lock()
		busy, ok := l.held[id]
		if !ok {
			if l.held == nil {
				l.held = make(map[keyID]chan struct{})
			}
			done := make(chan struct{})
			l.held[id] = done
			l.mu.Unlock()
			return func() {
				l.mu.Lock()
				delete(l.held, id)
				l.mu.Unlock()
				close(done)
			}, nil
		}
		l.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
