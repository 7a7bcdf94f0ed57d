package http

import (
	"errors"
	"fmt"
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

// maxSignInBytes bounds the sign-in form, read before anyone is known: an
// email (254 bytes) and a password (1,024), each three times as long when
// URL-encoded, and the desk page to return to, with room to spare.
const maxSignInBytes = 8 << 10

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := parseSignInForm(w, r); err != nil {
		return err
	}
	email := liveblog.NormalizeEmail(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	form := loginForm{Email: email, Next: safeNext(r.PostFormValue("next"))}
	fail := func(status int, msg string) error {
		return s.renderDesk(w, r, status, "desk_login", &deskView{Title: "Sign in", Error: msg, Data: form})
	}
	// Nothing longer than an account can have reaches the store, or the
	// page: no account has such an address, so there is nothing to check.
	if len(email) > liveblog.MaxEmailLength {
		form.Email = ""
		return fail(http.StatusBadRequest, fmt.Sprintf("An email address has at most %d characters.", liveblog.MaxEmailLength))
	}

	address := s.clientAddress(r)
	ok, u, err := s.checkPassword(w, r, email, password)
	if err != nil {
		if liveblog.ErrorCode(err) == codeTooManyRequests {
			if err := s.store.RecordSignInFailure(r.Context(), liveblog.SignInFailure{Address: address, Throttled: true}); err != nil {
				return err
			}
			return fail(http.StatusTooManyRequests, errThrottled)
		}
		return err
	}
	if !ok {
		if err := s.store.RecordSignInFailure(r.Context(), liveblog.SignInFailure{Address: address, Email: email}); err != nil {
			return err
		}
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
	s.recordAudit(r.Context(), &liveblog.AuditEntry{Action: liveblog.AuditSignIn, UserID: u.ID, UserName: u.Name, Address: address})
	s.setSessionCookie(w, r, secret, sess)
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
	return nil
}

// parseSignInForm reads the sign-in form, refusing one over maxSignInBytes
// (PostFormValue alone would quietly read a cut form as empty).
func parseSignInForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInBytes)
	err := r.ParseForm()
	if err == nil && strings.EqualFold(mediaType(r), "multipart/form-data") {
		err = r.ParseMultipartForm(maxSignInBytes)
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return &liveblog.Error{Code: liveblog.ETOOLARGE,
			Message: fmt.Sprintf("The sign-in form is larger than the limit of %s.", formatBytes(maxSignInBytes))}
	} else if err != nil {
		return liveblog.Errorf(liveblog.EINVALID, "The sign-in form could not be read.")
	}
	return nil
}

// codeTooManyRequests is the code of a throttled request.
const codeTooManyRequests = "too_many_requests"

// checkPassword reports whether password is the password of the active
// account email, counting the attempt against the account and the client's
// address first. It answers "too many requests" when either is over its
// limit, without looking at the password and without storing the attempt:
// what a throttled client types is not kept.
func (s *Server) checkPassword(w http.ResponseWriter, r *http.Request, email, password string) (bool, *liveblog.User, error) {
	ctx := r.Context()
	since := time.Now().Add(-LoginWindow)
	keys := []string{"account:" + email, "address:" + s.clientAddress(r)}
	throttled := func(counts []int) error {
		if counts[0] > MaxLoginFailuresPerAccount || counts[1] > MaxLoginFailuresPerAddress {
			w.Header().Set("Retry-After", strconv.Itoa(int(LoginWindow.Seconds())))
			return liveblog.Errorf(codeTooManyRequests, errThrottled)
		}
		return nil
	}
	// A read first: a client over a limit is refused without a write. The
	// count the write returns is checked again, as attempts made at once
	// may all have passed the read.
	counts, err := s.store.CountLoginAttempts(ctx, keys, since)
	if err != nil {
		return false, nil, err
	}
	if err := throttled([]int{counts[0] + 1, counts[1] + 1}); err != nil {
		return false, nil, err
	}
	attempt := randomID(16)
	if counts, err = s.store.RecordLoginAttempt(ctx, attempt, keys, since); err != nil {
		return false, nil, err
	}
	if err := throttled(counts); err != nil {
		return false, nil, err
	}
	if len(password) > liveblog.MaxPasswordLength || password == "" {
		return false, nil, nil
	}

	release, err := s.desk.heavy.acquire(ctx, hashCost)
	if err != nil {
		return false, nil, err
	}
	defer release()
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
