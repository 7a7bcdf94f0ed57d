package http

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/liveblog/liveblog"
)

// SessionCookie names the desk's session cookie. Its path is /desk, so the
// reader pages, the stream and the API never receive it.
const SessionCookie = "liveblog_session"

// CSRFHeader carries the session's CSRF token on the desk's script
// requests; forms carry it in the csrfField.
const (
	CSRFHeader = "X-CSRF-Token"
	csrfField  = "csrf"
)

// Context keys for the signed-in user (desk session or API token owner) and
// the desk session.
const (
	userKey contextKey = iota + 100
	sessionKey
)

// deskSession is a signed-in browser: the stored session and the secret its
// cookie carries, from which the CSRF token follows.
type deskSession struct {
	*liveblog.Session
	secret string
}

// userOf returns the user a request acts as: the desk's signed-in user, or
// the user an API token acts for; nil when anonymous.
func userOf(ctx context.Context) *liveblog.User {
	u, _ := ctx.Value(userKey).(*liveblog.User)
	return u
}

func sessionOf(ctx context.Context) *deskSession {
	s, _ := ctx.Value(sessionKey).(*deskSession)
	return s
}

// findSession returns the session of the request's cookie, or nil when it
// has none or it has ended.
func (s *Server) findSession(r *http.Request) (*deskSession, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > maxTokenLength {
		return nil, nil
	}
	sess, err := s.store.FindSessionByHash(r.Context(), liveblog.HashToken(c.Value))
	if liveblog.ErrorCode(err) == liveblog.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &deskSession{Session: sess, secret: c.Value}, nil
}

// csrfToken is the token a session's forms and requests must carry. It
// follows from the cookie's secret, so nothing more is stored, and it is a
// one-way hash with its own prefix, so it neither reveals the secret nor
// equals the hash the store keeps.
func csrfToken(secret string) string {
	sum := sha256.Sum256([]byte("liveblog csrf v1\x00" + secret))
	return hex.EncodeToString(sum[:])
}

// checkCSRF refuses a state-changing request that does not carry the
// session's token, in the header or the form.
func checkCSRF(r *http.Request, sess *deskSession) error {
	got := r.Header.Get(CSRFHeader)
	if got == "" && isForm(r) {
		got = r.PostFormValue(csrfField)
	}
	want := csrfToken(sess.secret)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCrossSite
	}
	return nil
}

// isForm reports whether the body is a plain HTML form. Other bodies (an
// upload, JSON) carry the token in the header, so a large one is not parsed
// before the request is known to be genuine.
func isForm(r *http.Request) bool {
	return strings.EqualFold(mediaType(r), "application/x-www-form-urlencoded")
}

var errCrossSite = liveblog.Errorf(liveblog.EFORBIDDEN,
	"This request did not come from a desk page of this site, so it was refused. Reload the desk and try again.")

// setSessionCookie gives the browser its session. HttpOnly keeps scripts
// (and so any injected one) from reading it; SameSite=Lax keeps other sites'
// forms from sending it; it lasts as long as the session, so a browser that
// crashes comes back signed in.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string, sess *liveblog.Session) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    secret,
		Path:     "/desk",
		Expires:  sess.ExpiresAt,
		HttpOnly: true,
		Secure:   s.secure(r),
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    "",
		Path:     "/desk",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.secure(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// secure reports whether the browser reached us over TLS, directly or, when
// the server is configured to be behind a proxy, through it.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.cfg.BehindProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// clientAddress identifies the client for sign-in throttling: its IP
// address, or for IPv6 its /64, which one subscriber usually holds whole.
// Behind a proxy it is the address the proxy appended to X-Forwarded-For
// (the last one: anything before it the client could have written).
func (s *Server) clientAddress(r *http.Request) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if s.cfg.BehindProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if last := strings.TrimSpace(parts[len(parts)-1]); last != "" {
				host = last
			}
		}
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		// Not an address (a Unix socket, a proxy's odd header): it is
		// stored with the attempt, so only so much of it.
		if host == "" {
			return "unknown"
		}
		return strings.ToValidUTF8(host[:min(len(host), liveblog.MaxAddressLength)], "?")
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
