package http

import (
	"bytes"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
)

// postRequest is the body of POST /api/v1/events/{slug}/posts: the fields an
// editor sets. A post created pinned unpins the event's other pinned post.
type postRequest struct {
	Headline     string                 `json:"headline"`
	Blocks       []liveblog.Block       `json:"blocks"`
	Contributors []liveblog.Contributor `json:"contributors"`
	Breaking     bool                   `json:"breaking"`
	KeyEvent     bool                   `json:"key_event"`
	Pinned       bool                   `json:"pinned"`
	Status       liveblog.PostStatus    `json:"status"`
	ScheduledAt  time.Time              `json:"scheduled_at"`
}

// postUpdateRequest is the body of PATCH .../posts/{id}; its Version hides
// the embedded one, so that a missing version can be told from version 0.
type postUpdateRequest struct {
	liveblog.PostUpdate
	Version *int `json:"version"`
}

type pinRequest struct {
	Pinned  *bool `json:"pinned"`
	Version *int  `json:"version"`
}

// versionRequest is the optional body of DELETE and restore, which usually
// carry their version in If-Match instead.
type versionRequest struct {
	Version *int `json:"version"`
}

// postList is the body of GET .../posts.
type postList struct {
	Posts []*liveblog.Post `json:"posts"`
	// Next is the URL of the following page, absent on the last one.
	Next string `json:"next,omitempty"`
}

func postPath(slug string, id int64) string {
	return eventPath(slug) + "/posts/" + strconv.FormatInt(id, 10)
}

func (s *Server) listPosts(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.findEvent(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Has("q") {
		return s.searchPosts(w, r, ev, q)
	}
	filter := liveblog.PostFilter{EventID: ev.ID}
	if filter.Statuses, err = statusParam(q); err != nil {
		return err
	}
	if filter.KeyOnly, err = boolParam(q, "key"); err != nil {
		return err
	}
	if filter.OldestFirst, err = orderParam(q); err != nil {
		return err
	}
	if filter.Before, filter.After, err = cursorParams(q); err != nil {
		return err
	}
	if filter.Limit, err = intParam(q, "limit", liveblog.DefaultPageSize, 1, liveblog.MaxPageSize); err != nil {
		return err
	}
	posts, err := s.store.FindPosts(r.Context(), filter)
	if err != nil {
		return err
	}
	list := postList{Posts: posts}
	if list.Posts == nil {
		list.Posts = []*liveblog.Post{}
	}
	if len(posts) == filter.Limit {
		list.Next = eventPath(ev.Slug) + "/posts?" + nextPostsQuery(q, filter, posts).Encode()
	}
	return writeJSON(w, http.StatusOK, list)
}

// statusParam reads status=draft,published (repeatable).
func statusParam(q url.Values) ([]liveblog.PostStatus, error) {
	var statuses []liveblog.PostStatus
	for _, v := range q["status"] {
		for _, st := range strings.Split(v, ",") {
			status := liveblog.PostStatus(strings.TrimSpace(st))
			if !status.Valid() {
				return nil, liveblog.FieldError("status", "Unknown status %q: use draft, scheduled, published or deleted, separated by commas.", status)
			}
			statuses = append(statuses, status)
		}
	}
	return statuses, nil
}

// searchPosts answers GET .../posts?q=: the event's posts that match the
// search, in the order of liveblog.Service.Search, a page at a time by
// offset. A search is ordered by how well posts match, so the listing's
// cursors and views do not apply.
func (s *Server) searchPosts(w http.ResponseWriter, r *http.Request, ev *liveblog.Event, q url.Values) error {
	for _, name := range []string{"before", "after", "key", "order"} {
		if q.Has(name) {
			return liveblog.FieldError(name, "A search is ordered by relevance; it takes status, limit and offset only.")
		}
	}
	f := liveblog.SearchFilter{EventID: ev.ID, Query: q.Get("q")}
	var err error
	if f.Statuses, err = statusParam(q); err != nil {
		return err
	}
	if f.Limit, err = intParam(q, "limit", liveblog.DefaultSearchSize, 1, liveblog.MaxPageSize); err != nil {
		return err
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, liveblog.MaxSearchOffset); err != nil {
		return err
	}
	res, err := s.store.Search(r.Context(), f)
	if err != nil {
		return err
	}
	list := postList{Posts: make([]*liveblog.Post, len(res.Hits))}
	for i, h := range res.Hits {
		list.Posts[i] = h.Post
	}
	if next := f.Offset + len(res.Hits); res.More && next <= liveblog.MaxSearchOffset {
		nq := maps.Clone(q)
		nq.Set("offset", strconv.Itoa(next))
		list.Next = eventPath(ev.Slug) + "/posts?" + nq.Encode()
	}
	return writeJSON(w, http.StatusOK, list)
}

// nextPostsQuery returns the query of the page after posts: the same
// filter, with a cursor at the far end of posts in the direction the listing
// travels (towards older posts unless it reads oldest first or was asked
// for posts after a cursor).
func nextPostsQuery(q url.Values, filter liveblog.PostFilter, posts []*liveblog.Post) url.Values {
	older := !filter.OldestFirst
	if filter.Before != nil {
		older = true
	} else if filter.After != nil {
		older = false
	}
	// Posts are in reading order, so when the listing travels against it
	// the far end is the first post.
	far := posts[len(posts)-1]
	if older == filter.OldestFirst {
		far = posts[0]
	}
	next := url.Values{}
	for k, v := range q {
		if k != "before" && k != "after" {
			next[k] = v
		}
	}
	if older {
		next.Set("before", liveblog.CursorOf(far).String())
	} else {
		next.Set("after", liveblog.CursorOf(far).String())
	}
	return next
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	ev, err := s.findEvent(r)
	if err != nil {
		return answer{}, err
	}
	var req postRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return answer{}, err
	}
	if err := authorize(r, liveblog.ActionCreatePost, nil); err != nil {
		return answer{}, err
	}
	if err := authorizeFlags(r, &liveblog.Post{}, &req.Breaking, &req.KeyEvent, &req.Pinned); err != nil {
		return answer{}, err
	}
	p := &liveblog.Post{
		EventID:      ev.ID,
		Headline:     req.Headline,
		Blocks:       req.Blocks,
		Contributors: req.Contributors,
		Breaking:     req.Breaking,
		KeyEvent:     req.KeyEvent,
		Pinned:       req.Pinned,
		Status:       req.Status,
		ScheduledAt:  req.ScheduledAt.UTC(),
	}
	if tok := tokenOf(r.Context()); tok != nil {
		p.AuthorID = tok.UserID
	}
	if err := p.Validate(); err != nil {
		return answer{}, err
	}
	if err := s.store.CreatePost(r.Context(), write, p); err != nil {
		return answer{}, err
	}
	s.captureLater(p)
	return answer{post: p}, nil
}

func (s *Server) getPost(w http.ResponseWriter, r *http.Request) error {
	_, p, err := s.findPost(r)
	if err != nil {
		return err
	}
	return writeResource(w, http.StatusOK, p, p.Version)
}

func (s *Server) updatePost(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	_, p, err := s.findPost(r)
	if err != nil {
		return answer{}, err
	}
	var req postUpdateRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return answer{}, err
	}
	if err := authorize(r, liveblog.ActionEditPost, p); err != nil {
		return answer{}, err
	}
	if err := authorizeFlags(r, p, req.Breaking, req.KeyEvent, nil); err != nil {
		return answer{}, err
	}
	upd := req.PostUpdate
	if upd.Version, err = editedVersion(r, req.Version); err != nil {
		return answer{}, err
	}
	// Edited validates the post as it would be after the edit; the result is
	// only looked at for its errors, the store applies the edit itself.
	if _, err := upd.Edited(p); err != nil {
		return answer{}, err
	}
	if err := checkVersion(p.Version, upd.Version); err != nil {
		return answer{}, err
	}
	if p, err = s.store.ChangePost(r.Context(), write, p.ID, &upd); err != nil {
		return answer{}, err
	}
	s.captureLater(p)
	return answer{post: p}, nil
}

func (s *Server) deletePost(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	_, p, err := s.findPost(r)
	if err != nil {
		return answer{}, err
	}
	if err := authorize(r, liveblog.ActionDeletePost, p); err != nil {
		return answer{}, err
	}
	version, err := s.optionalVersion(w, r)
	if err != nil {
		return answer{}, err
	}
	if p.Status == liveblog.StatusDeleted {
		return answer{}, liveblog.Errorf(liveblog.EGONE, "This post is already deleted; restore it with POST …/restore.")
	}
	if err := checkVersion(p.Version, version); err != nil {
		return answer{}, err
	}
	if p, err = s.store.ChangePost(r.Context(), write, p.ID, liveblog.DeletePost{Version: version}); err != nil {
		return answer{}, err
	}
	return answer{post: p}, nil
}

func (s *Server) restorePost(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	_, p, err := s.findPost(r)
	if err != nil {
		return answer{}, err
	}
	if err := authorize(r, liveblog.ActionRestorePost, p); err != nil {
		return answer{}, err
	}
	version, err := s.optionalVersion(w, r)
	if err != nil {
		return answer{}, err
	}
	if p.Status != liveblog.StatusDeleted {
		return answer{}, liveblog.FieldError("status", "Only a deleted post can be restored; this one is %s.", p.Status)
	}
	if err := checkVersion(p.Version, version); err != nil {
		return answer{}, err
	}
	if p, err = s.store.ChangePost(r.Context(), write, p.ID, liveblog.RestorePost{Version: version}); err != nil {
		return answer{}, err
	}
	return answer{post: p}, nil
}

func (s *Server) pinPost(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	_, p, err := s.findPost(r)
	if err != nil {
		return answer{}, err
	}
	if err := authorize(r, liveblog.ActionPinPost, p); err != nil {
		return answer{}, err
	}
	var req pinRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return answer{}, err
	}
	version, err := editedVersion(r, req.Version)
	if err != nil {
		return answer{}, err
	}
	if req.Pinned == nil {
		return answer{}, liveblog.FieldError("pinned", `Say "pinned": true or false.`)
	}
	if *req.Pinned && p.Status != liveblog.StatusPublished {
		return answer{}, liveblog.FieldError("pinned", "Only a published post can be pinned.")
	}
	if err := checkVersion(p.Version, version); err != nil {
		return answer{}, err
	}
	if p, err = s.store.ChangePost(r.Context(), write, p.ID, liveblog.PinPost{Pinned: *req.Pinned, Version: version}); err != nil {
		return answer{}, err
	}
	return answer{post: p}, nil
}

// optionalVersion reads the version of a write whose body is optional:
// If-Match alone, or a JSON body {"version": N}. An empty body is no body,
// whatever Content-Type says: clients set it on every request.
func (s *Server) optionalVersion(w http.ResponseWriter, r *http.Request) (int, error) {
	var req versionRequest
	body, err := s.readBody(w, r)
	if err != nil {
		return 0, err
	}
	if len(bytes.TrimLeft(body, " \t\r\n")) > 0 {
		if err := requireJSON(r); err != nil {
			return 0, err
		}
		if err := decodeBody(body, &req); err != nil {
			return 0, err
		}
	}
	return editedVersion(r, req.Version)
}

// findPost returns the event of the route and its post {id}. A post of
// another event is not found here, even though it exists: the URL names
// the pair.
func (s *Server) findPost(r *http.Request) (*liveblog.Event, *liveblog.Post, error) {
	ev, err := s.findEvent(r)
	if err != nil {
		return nil, nil, err
	}
	notFound := liveblog.Errorf(liveblog.ENOTFOUND, "This event has no post %q.", r.PathValue("id"))
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return nil, nil, notFound
	}
	p, err := s.store.FindPostByID(r.Context(), id)
	if liveblog.ErrorCode(err) == liveblog.ENOTFOUND || err == nil && p.EventID != ev.ID {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	return ev, p, nil
}

// parseID parses a positive decimal id, refusing signs and leading zeros so
// that each post has one URL.
func parseID(s string) (int64, bool) {
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

// cursorParams reads the before and after page cursors; at most one may be
// set.
func cursorParams(q url.Values) (before, after *liveblog.Cursor, err error) {
	if s := q.Get("before"); s != "" {
		if before, err = liveblog.ParseCursor("before", s); err != nil {
			return nil, nil, err
		}
	}
	if s := q.Get("after"); s != "" {
		if after, err = liveblog.ParseCursor("after", s); err != nil {
			return nil, nil, err
		}
	}
	if before != nil && after != nil {
		return nil, nil, liveblog.FieldError("after", "Use before or after, not both.")
	}
	return before, after, nil
}

// boolParam reads a flag such as key=1.
func boolParam(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, liveblog.FieldError(name, "Expected 1 or 0.")
}

// orderParam reads order=oldest (or newest, the default).
func orderParam(q url.Values) (oldestFirst bool, err error) {
	switch q.Get("order") {
	case "", "newest":
		return false, nil
	case "oldest":
		return true, nil
	}
	return false, liveblog.FieldError("order", "Expected oldest or newest.")
}
