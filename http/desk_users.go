package http

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/argon2id"
)

// usersPage is the data of the user management page.
type usersPage struct {
	Users []userRow
	// Form is the new-user form as last sent, for a retry after an error.
	Form userForm
	// Secret is a token just created, shown this once; TokenName its name.
	Secret, TokenName string
	Roles             []liveblog.Role
}

// userRow is a user and their API tokens, revoked ones included.
type userRow struct {
	*liveblog.User
	Tokens []*liveblog.Token
}

type userForm struct {
	Name, Email, Role, BylineRole, BylineAvatar string
}

// renderUsers shows the user management page with status and a message.
func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, v *deskView, page usersPage) error {
	ctx := r.Context()
	users, err := s.store.FindUsers(ctx)
	if err != nil {
		return err
	}
	tokens, err := s.store.FindTokens(ctx)
	if err != nil {
		return err
	}
	byUser := map[int64][]*liveblog.Token{}
	for _, t := range tokens {
		byUser[t.UserID] = append(byUser[t.UserID], t)
	}
	for _, u := range users {
		page.Users = append(page.Users, userRow{User: u, Tokens: byUser[u.ID]})
	}
	page.Roles = []liveblog.Role{liveblog.RoleReporter, liveblog.RoleEditor, liveblog.RoleAdmin}
	if page.Form.Role == "" {
		page.Form.Role = string(liveblog.RoleReporter)
	}
	v.Title, v.Data = "Users", page
	return s.renderDesk(w, r, status, "desk_users", v)
}

// showUsers lists the newsroom's accounts and their API tokens.
func (s *Server) showUsers(w http.ResponseWriter, r *http.Request) error {
	if err := authorize(r, liveblog.ActionManageUsers, nil); err != nil {
		return err
	}
	return s.renderUsers(w, r, http.StatusOK, &deskView{Notice: userNotices[r.URL.Query().Get("done")]}, usersPage{})
}

// userNotices are the messages a redirect back to the page may carry; the
// page shows only these, so a link cannot make it say anything else.
var userNotices = map[string]string{
	"created": "The user has been created. Give them their password in person or by phone, not by email.",
	"updated": "The user has been changed.",
	"revoked": "The token has been revoked; scripts using it are refused from now on.",
}

func (s *Server) redirectUsers(w http.ResponseWriter, r *http.Request, notice string) error {
	http.Redirect(w, r, "/desk/users?done="+notice, http.StatusSeeOther)
	return nil
}

// usersFormError shows an invalid or conflicting form again with its message;
// other errors go on.
func (s *Server) usersFormError(w http.ResponseWriter, r *http.Request, err error, page usersPage) error {
	switch code := liveblog.ErrorCode(err); code {
	case liveblog.EINVALID, liveblog.ECONFLICT, liveblog.EFORBIDDEN:
		return s.renderUsers(w, r, kinds[code].status, &deskView{Error: liveblog.ErrorMessage(err)}, page)
	}
	return err
}

// createUser adds an account with the password the administrator chose,
// which they pass on to the new colleague.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	if err := authorize(r, liveblog.ActionManageUsers, nil); err != nil {
		return err
	}
	f := userForm{
		Name:         strings.TrimSpace(r.PostFormValue("name")),
		Email:        strings.TrimSpace(r.PostFormValue("email")),
		Role:         r.PostFormValue("role"),
		BylineRole:   strings.TrimSpace(r.PostFormValue("byline_role")),
		BylineAvatar: strings.TrimSpace(r.PostFormValue("byline_avatar")),
	}
	page := usersPage{Form: f}
	password := r.PostFormValue("password")
	if err := liveblog.ValidatePassword(password); err != nil {
		return s.usersFormError(w, r, err, page)
	}
	release, err := s.desk.heavy.acquire(r.Context(), hashCost)
	if err != nil {
		return err
	}
	hash := argon2id.Hash(password)
	release()
	u := &liveblog.User{Name: f.Name, Email: f.Email, Role: liveblog.Role(f.Role), PasswordHash: hash,
		Byline: liveblog.Contributor{Role: f.BylineRole, Avatar: f.BylineAvatar}}
	write.Audit.Detail = liveblog.NormalizeEmail(f.Email)
	if err := s.store.CreateUser(r.Context(), write, u); err != nil {
		return s.usersFormError(w, r, err, page)
	}
	return s.redirectUsers(w, r, "created")
}

// updateUser changes a user's role, or disables or enables them. An
// administrator cannot do either to themselves: the last administrator
// locking themselves out would leave nobody to undo it from the desk.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	if err := authorize(r, liveblog.ActionManageUsers, nil); err != nil {
		return err
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return liveblog.Errorf(liveblog.ENOTFOUND, "User not found.")
	}
	version, ok := parseID(r.PostFormValue("version"))
	if !ok {
		return liveblog.FieldError("version", "The form does not say which version of the user it edits; reload the page.")
	}
	if id == userOf(r.Context()).ID {
		return s.usersFormError(w, r, liveblog.Errorf(liveblog.EFORBIDDEN, "You cannot change your own role or disable yourself; ask another administrator."), usersPage{})
	}
	upd := liveblog.UserUpdate{Version: int(version)}
	if v := r.PostFormValue("role"); v != "" {
		role := liveblog.Role(v)
		upd.Role = &role
	}
	switch r.PostFormValue("disabled") {
	case "true":
		upd.Disabled = new(true)
	case "false":
		upd.Disabled = new(false)
	}
	write.Audit.Detail = "user " + strconv.FormatInt(id, 10)
	if upd.Role != nil {
		write.Audit.Detail += ", role " + string(*upd.Role)
	}
	if upd.Disabled != nil {
		write.Audit.Detail += map[bool]string{true: ", disabled", false: ", enabled"}[*upd.Disabled]
	}
	if _, err := s.store.UpdateUser(r.Context(), write, id, upd); err != nil {
		return s.usersFormError(w, r, err, usersPage{})
	}
	return s.redirectUsers(w, r, "updated")
}

// createUserToken makes an API token that acts as the user, and shows its
// secret on the page this once: only its hash is kept.
func (s *Server) createUserToken(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	if err := authorize(r, liveblog.ActionManageTokens, nil); err != nil {
		return err
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return liveblog.Errorf(liveblog.ENOTFOUND, "User not found.")
	}
	u, err := s.store.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	secret, hash := liveblog.NewTokenSecret()
	t := &liveblog.Token{Name: strings.TrimSpace(r.PostFormValue("name")), Hash: hash, UserID: u.ID}
	write.Audit.Detail = "user " + strconv.FormatInt(u.ID, 10) + ", " + t.Name
	if err := s.store.CreateToken(r.Context(), write, t); err != nil {
		return s.usersFormError(w, r, err, usersPage{})
	}
	return s.renderUsers(w, r, http.StatusCreated, &deskView{Notice: "Token created for " + u.Name + "."},
		usersPage{Secret: secret, TokenName: t.Name})
}

// revokeUserToken stops a token of the user at once.
func (s *Server) revokeUserToken(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	if err := authorize(r, liveblog.ActionManageTokens, nil); err != nil {
		return err
	}
	notFound := liveblog.Errorf(liveblog.ENOTFOUND, "This user has no such token.")
	userID, ok1 := parseID(r.PathValue("id"))
	tokenID, ok2 := parseID(r.PathValue("token"))
	if !ok1 || !ok2 {
		return notFound
	}
	tokens, err := s.store.FindTokens(r.Context())
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(tokens, func(t *liveblog.Token) bool { return t.ID == tokenID && t.UserID == userID }) {
		return notFound
	}
	write.Audit.Detail = "user " + strconv.FormatInt(userID, 10) + ", token " + strconv.FormatInt(tokenID, 10)
	if err := s.store.RevokeToken(r.Context(), write, tokenID); err != nil {
		return err
	}
	return s.redirectUsers(w, r, "revoked")
}
