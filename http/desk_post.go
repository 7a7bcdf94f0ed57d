package http

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"github.com/liveblog/liveblog"
)

// postResult answers the composer: the post in its form, and the article
// exactly as readers see it.
type postResult struct {
	Post     *composerPost `json:"post"`
	HTML     string        `json:"html"`
	Editable bool          `json:"editable"`
}

// postConflict answers a save of a post that a colleague saved first: the
// current post, so the composer can show what changed before anyone decides
// whose text stands.
type postConflict struct {
	*problem
	Current     *composerPost `json:"current"`
	CurrentHTML string        `json:"current_html"`
}

func (s *Server) postResult(r *http.Request, ev *liveblog.Event, p *liveblog.Post) (*postResult, error) {
	html, err := s.postHTML(ev, p)
	if err != nil {
		return nil, err
	}
	return &postResult{Post: composerOf(p), HTML: html,
		Editable: liveblog.Can(userOf(r.Context()), liveblog.ActionEditPost, p)}, nil
}

// postHTML renders p as readers see it.
func (s *Server) postHTML(ev *liveblog.Event, p *liveblog.Post) (string, error) {
	var buf bytes.Buffer
	if err := s.engine.Post(&buf, ev, p); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// writePostResult answers with postResult.
func (s *Server) writePostResult(w http.ResponseWriter, r *http.Request, status int, ev *liveblog.Event, p *liveblog.Post) error {
	res, err := s.postResult(r, ev, p)
	if err != nil {
		return err
	}
	return writeJSON(w, status, res)
}

func (s *Server) getDeskPost(w http.ResponseWriter, r *http.Request) error {
	ev, p, err := s.findPost(r)
	if err != nil {
		return err
	}
	return s.writePostResult(w, r, http.StatusOK, ev, p)
}

// createDeskPost stores a post from the composer: a draft when the
// composer saves on its own, or a post published or scheduled at once.
func (s *Server) createDeskPost(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, err := s.findEvent(r)
	if err != nil {
		return err
	}
	var c composerPost
	if err := s.decodeJSON(w, r, &c); err != nil {
		return err
	}
	if c.Status != liveblog.StatusPublished {
		// Pinning applies when the post is published; the composer keeps
		// the choice until then.
		c.Pinned = false
	}
	none := &liveblog.Post{}
	if err := authorize(r, liveblog.ActionCreatePost, nil); err != nil {
		return err
	}
	if err := authorizeFlags(r, none, &c.Breaking, &c.KeyEvent, &c.Pinned); err != nil {
		return err
	}
	p, err := c.post(ev.ID)
	if err != nil {
		return err
	}
	p.AuthorID = userOf(r.Context()).ID
	if err := s.store.CreatePost(r.Context(), write, p); err != nil {
		return err
	}
	s.captureLater(p)
	return s.writePostResult(w, r, http.StatusCreated, ev, p)
}

// updateDeskPost saves the composer over an existing post: an autosave of
// a draft, its publication, or an edit of a published post.
func (s *Server) updateDeskPost(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, p, err := s.findPost(r)
	if err != nil {
		return err
	}
	var c composerPost
	if err := s.decodeJSON(w, r, &c); err != nil {
		return err
	}
	if err := authorize(r, liveblog.ActionEditPost, p); err != nil {
		return err
	}
	if p.Status == liveblog.StatusDeleted {
		return liveblog.Errorf(liveblog.EGONE, "This post has been deleted; an editor can restore it.")
	}
	if c.Status != liveblog.StatusPublished {
		c.Pinned = false
	}
	if err := authorizeFlags(r, p, &c.Breaking, &c.KeyEvent, &c.Pinned); err != nil {
		return err
	}
	if c.Version != p.Version {
		return s.postConflict(w, r, ev, p, &liveblog.ConflictError{Current: p.Version, Got: c.Version})
	}
	next, err := c.post(ev.ID)
	if err != nil {
		return err
	}
	if next.Contributors == nil {
		next.Contributors = []liveblog.Contributor{}
	}
	upd := liveblog.PostUpdate{
		Headline:     &next.Headline,
		Blocks:       &next.Blocks,
		Contributors: &next.Contributors,
		Breaking:     &next.Breaking,
		KeyEvent:     &next.KeyEvent,
		Version:      c.Version,
	}
	if next.Status != p.Status {
		upd.Status = &next.Status
	}
	if next.Status == liveblog.StatusScheduled {
		upd.ScheduledAt = &next.ScheduledAt
	}
	if p.Status == liveblog.StatusPublished {
		upd.CorrectionNote = &next.CorrectionNote
	}
	updated, err := s.store.ChangePost(r.Context(), write, p.ID, &upd)
	if _, ok := errors.AsType[*liveblog.ConflictError](err); ok {
		return s.postConflict(w, r, ev, p, err)
	} else if err != nil {
		return err
	}
	s.captureLater(updated)
	if updated.Status == liveblog.StatusPublished && updated.Pinned != c.Pinned {
		// One save is one line of the audit log: the edit has it.
		if updated, err = s.store.ChangePost(r.Context(), liveblog.Write{}, updated.ID, liveblog.PinPost{Pinned: c.Pinned, Version: updated.Version}); err != nil {
			return err
		}
	}
	return s.writePostResult(w, r, http.StatusOK, ev, updated)
}

// postConflict answers 409 with the post as it is now.
func (s *Server) postConflict(w http.ResponseWriter, r *http.Request, ev *liveblog.Event, stale *liveblog.Post, err error) error {
	current, ferr := s.store.FindPostByID(r.Context(), stale.ID)
	if ferr != nil {
		return ferr
	}
	res, ferr := s.postResult(r, ev, current)
	if ferr != nil {
		return ferr
	}
	p := newProblem(err, infoOf(r.Context()).id)
	p.CurrentVersion = current.Version
	p.Detail = "Someone else saved this post at " + current.UpdatedAt.In(ev.Location()).Format("15:04:05") +
		", after you opened it. Their version is below. Load it and make your change again, or save yours over it."
	return writeProblemWith(w, http.StatusConflict, postConflict{problem: p, Current: res.Post, CurrentHTML: res.HTML})
}

func (s *Server) deleteDeskPost(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, p, err := s.findPost(r)
	if err != nil {
		return err
	}
	if err := authorize(r, liveblog.ActionDeletePost, p); err != nil {
		return err
	}
	if p.Status == liveblog.StatusDeleted {
		return liveblog.Errorf(liveblog.EGONE, "This post is already deleted.")
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	if p, err = s.store.ChangePost(r.Context(), write, p.ID, liveblog.DeletePost{Version: version}); err != nil {
		return err
	}
	return s.postDone(w, r, ev, p)
}

func (s *Server) restoreDeskPost(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, p, err := s.findPost(r)
	if err != nil {
		return err
	}
	if err := authorize(r, liveblog.ActionRestorePost, p); err != nil {
		return err
	}
	if p.Status != liveblog.StatusDeleted {
		return liveblog.FieldError("status", "Only a deleted post can be restored; this one is %s.", p.Status)
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	if p, err = s.store.ChangePost(r.Context(), write, p.ID, liveblog.RestorePost{Version: version}); err != nil {
		return err
	}
	return s.postDone(w, r, ev, p)
}

// postDone answers a post action: the post for the script, back to the
// desk for a form.
func (s *Server) postDone(w http.ResponseWriter, r *http.Request, ev *liveblog.Event, p *liveblog.Post) error {
	if !wantsJSON(r) {
		http.Redirect(w, r, deskEventPath(ev), http.StatusSeeOther)
		return nil
	}
	return s.writePostResult(w, r, http.StatusOK, ev, p)
}

// formVersion reads the version a form edits.
func formVersion(r *http.Request) (int, error) {
	v, ok := parseID(r.PostFormValue("version"))
	if !ok {
		return 0, &liveblog.Error{Code: codePreconditionRequired, Field: "version",
			Message: "Say which version of the post this edits; reload the desk."}
	}
	return int(v), nil
}

// previewPost renders the composer's post with the reader's own templates,
// so what the journalist checks is what readers will get, byte for byte.
func (s *Server) previewPost(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.findEvent(r)
	if err != nil {
		return err
	}
	var c composerPost
	if err := s.decodeJSON(w, r, &c); err != nil {
		return err
	}
	// The preview shows the post as published now, whatever is to become
	// of it.
	c.Status = liveblog.StatusPublished
	p, err := c.post(ev.ID)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.PublishedAt = c.ID, c.Version, time.Now().UTC()
	var buf bytes.Buffer
	if err := s.engine.Post(&buf, ev, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write(buf.Bytes())
	return err
}
