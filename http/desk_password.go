package http

import (
	"net/http"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/argon2id"
)

func (s *Server) showPassword(w http.ResponseWriter, r *http.Request) error {
	return s.renderDesk(w, r, http.StatusOK, "desk_password", &deskView{Title: "Your account"})
}

// updateProfile changes the signed-in user's byline: the name, role line
// and avatar that the composer puts on their posts.
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	u := userOf(r.Context())
	version, ok := parseID(r.PostFormValue("version"))
	if !ok {
		return liveblog.FieldError("version", "The form does not say which version of your profile it edits; reload the page.")
	}
	byline := liveblog.Contributor{
		Name:   strings.TrimSpace(r.PostFormValue("byline_name")),
		Role:   strings.TrimSpace(r.PostFormValue("byline_role")),
		Avatar: strings.TrimSpace(r.PostFormValue("byline_avatar")),
	}
	updated, err := s.store.UpdateUser(r.Context(), write, u.ID, liveblog.UserUpdate{Byline: &byline, Version: int(version)})
	switch code := liveblog.ErrorCode(err); code {
	case "":
		return s.renderDesk(w, r, http.StatusOK, "desk_password", &deskView{Title: "Your account", User: updated,
			Notice: "Your byline has changed. Posts you write from now on carry it."})
	case liveblog.EINVALID, liveblog.ECONFLICT:
		return s.renderDesk(w, r, kinds[code].status, "desk_password", &deskView{Title: "Your account", Error: liveblog.ErrorMessage(err)})
	}
	return err
}

// changePassword sets a new password once the current one is given: a
// session left open on a shared machine must not be enough to take the
// account over. The check is throttled like a sign-in.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	u, sess := userOf(r.Context()), sessionOf(r.Context())
	current, next, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("again")
	fail := func(status int, msg string) error {
		return s.renderDesk(w, r, status, "desk_password", &deskView{Title: "Your account", Error: msg})
	}
	if err := liveblog.ValidatePassword(next); err != nil {
		return fail(http.StatusBadRequest, liveblog.ErrorMessage(err))
	}
	if next != again {
		return fail(http.StatusBadRequest, "The new password and its repetition differ.")
	}
	ok, _, err := s.checkPassword(w, r, u.Email, current)
	if liveblog.ErrorCode(err) == codeTooManyRequests {
		return fail(http.StatusTooManyRequests, errThrottled)
	} else if err != nil {
		return err
	}
	if !ok {
		return fail(http.StatusUnauthorized, "Your current password is not right.")
	}
	release, err := s.desk.heavy.acquire(r.Context(), hashCost)
	if err != nil {
		return err
	}
	hash := argon2id.Hash(next)
	release()
	if err := s.store.SetPassword(r.Context(), write, u.ID, hash, sess.Hash); err != nil {
		return err
	}
	return s.renderDesk(w, r, http.StatusOK, "desk_password", &deskView{Title: "Your account",
		Notice: "Your password has changed. Any other browser signed in as you has been signed out."})
}
