package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/argon2id"
)

// Sign-in throttling. Failures are counted in the database, so the limits
// hold however many nodes serve the desk.
const (
	// LoginWindow is the period failures are counted over.
	LoginWindow = 15 * time.Minute
	// MaxLoginFailuresPerAccount lets a journalist mistype a password
	// several times, and holds a guesser to about a thousand tries a day
	// against one account: nothing against a password of ten characters.
	MaxLoginFailuresPerAccount = 10
	// MaxLoginFailuresPerAddress is higher because a newsroom behind one
	// address shares it, and low enough that one machine cannot try a
	// common password against every account.
	MaxLoginFailuresPerAddress = 50
)

// errWrongLogin is the one answer to a failed sign-in, whatever failed:
// telling "no such account" from "wrong password" would let anyone list
// the newsroom's addresses.
const errWrongLogin = "Wrong email or password."

const errThrottled = "Too many failed sign-ins. Wait a quarter of an hour and try again, or ask an administrator to reset your password."

// loginForm is the data of the sign-in page.
type loginForm struct {
	Email string
	Next  string
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if sessionOf(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return s.renderDesk(w, r, http.StatusOK, "desk_login", &deskView{Title: "Sign in", Data: loginForm{Next: next}})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	email := liveblog.NormalizeEmail(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	form := loginForm{Email: email, Next: safeNext(r.PostFormValue("next"))}
	fail := func(status int, msg string) error {
		return s.renderDesk(w, r, status, "desk_login", &deskView{Title: "Sign in", Error: msg, Data: form})
	}

	ok, u, err := s.checkPassword(w, r, email, password)
	if err != nil {
		if liveblog.ErrorCode(err) == codeTooManyRequests {
			s.recordAudit(r.Context(), &liveblog.AuditEntry{Action: liveblog.AuditSignInFailure, Address: s.clientAddress(r), Detail: email + " (throttled)"})
			return fail(http.StatusTooManyRequests, errThrottled)
		}
		return err
	}
	if !ok {
		s.recordAudit(r.Context(), &liveblog.AuditEntry{Action: liveblog.AuditSignInFailure, Address: s.clientAddress(r), Detail: email})
		return fail(http.StatusUnauthorized, errWrongLogin)
	}
	// A fresh session at every sign-in: an id planted in the browser
	// before it (session fixation) never becomes a signed-in one.
	if old := sessionOf(r.Context()); old != nil {
		s.store.DeleteSession(r.Context(), liveblog.Write{}, old.Hash)
	}
	secret, hash := liveblog.NewSessionSecret()
	sess := &liveblog.Session{Hash: hash, UserID: u.ID}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		if liveblog.ErrorCode(err) == liveblog.EFORBIDDEN {
			return fail(http.StatusUnauthorized, errWrongLogin)
		}
		return err
	}
	s.recordAudit(r.Context(), &liveblog.AuditEntry{Action: liveblog.AuditSignIn, UserID: u.ID, UserName: u.Name, Address: s.clientAddress(r)})
	s.setSessionCookie(w, r, secret, sess)
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
	return nil
}

// codeTooManyRequests is the code of a throttled request.
const codeTooManyRequests = "too_many_requests"

// checkPassword reports whether password is the password of the active
// account email, counting the attempt against the account and the client's
// address first. It answers "too many requests" when either is over its
// limit, without looking at the password.
func (s *Server) checkPassword(w http.ResponseWriter, r *http.Request, email, password string) (bool, *liveblog.User, error) {
	ctx := r.Context()
	attempt := randomID(16)
	keys := []string{"account:" + email, "address:" + s.clientAddress(r)}
	counts, err := s.store.RecordLoginAttempt(ctx, attempt, keys, time.Now().Add(-LoginWindow))
	if err != nil {
		return false, nil, err
	}
	if counts[0] > MaxLoginFailuresPerAccount || counts[1] > MaxLoginFailuresPerAddress {
		w.Header().Set("Retry-After", strconv.Itoa(int(LoginWindow.Seconds())))
		return false, nil, liveblog.Errorf(codeTooManyRequests, errThrottled)
	}
	if len(email) > liveblog.MaxEmailLength || len(password) > liveblog.MaxPasswordLength || password == "" {
		return false, nil, nil
	}

	select {
	case s.desk.heavy <- struct{}{}:
	case <-ctx.Done():
		return false, nil, ctx.Err()
	}
	defer func() { <-s.desk.heavy }()
	u, err := s.store.FindUserByEmail(ctx, email)
	switch {
	case liveblog.ErrorCode(err) == liveblog.ENOTFOUND:
		argon2id.VerifyNobody(password)
		return false, nil, nil
	case err != nil:
		return false, nil, err
	}
	ok, err := argon2id.Verify(u.PasswordHash, password)
	if err != nil {
		s.logger.ErrorContext(ctx, "stored password hash is unreadable", "user", u.ID, "err", err)
		return false, nil, nil
	}
	if !ok || u.Disabled {
		return false, nil, nil
	}
	if err := s.store.ForgetLoginAttempt(ctx, attempt); err != nil {
		return false, nil, err
	}
	return true, u, nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	if err := s.store.DeleteSession(r.Context(), write, sessionOf(r.Context()).Hash); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/desk/login", http.StatusSeeOther)
	return nil
}

// safeNext returns where to go after signing in: a desk path on this site,
// never another site (an open redirect would lend the desk's address to a
// phishing link).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/desk/") || strings.HasPrefix(next, "/desk/login") ||
		strings.ContainsAny(next, "\\\r\n\t") || strings.HasPrefix(next, "//") {
		return "/desk/"
	}
	return next
}
