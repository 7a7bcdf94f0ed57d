package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/liveblog/liveblog"
)

// maxTokenLength is far above the length of a real secret (lb_ and 43
// characters) and keeps a junk header from being hashed at any length.
const maxTokenLength = 200

// authenticate runs next only for a request that carries a valid, unrevoked
// API token as a bearer credential (RFC 6750), and gives next the token in
// the context.
func (s *Server) authenticate(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		secret, ok := bearerToken(r)
		if !ok {
			return liveblog.Errorf(liveblog.EUNAUTHORIZED, "Send an API token: Authorization: Bearer lb_…")
		}
		invalid := func() error {
			w.Header().Set("WWW-Authenticate", `Bearer realm="liveblog", error="invalid_token"`)
			return liveblog.Errorf(liveblog.EUNAUTHORIZED, "The API token is not valid, or has been revoked.")
		}
		if !strings.HasPrefix(secret, liveblog.TokenPrefix) || len(secret) > maxTokenLength {
			return invalid()
		}
		tok, err := s.store.FindTokenByHash(r.Context(), liveblog.HashToken(secret))
		if liveblog.ErrorCode(err) == liveblog.ENOTFOUND {
			return invalid()
		} else if err != nil {
			return err
		}
		u, err := s.tokenUser(r.Context(), tok)
		if liveblog.ErrorCode(err) == liveblog.ENOTFOUND {
			return invalid()
		} else if err != nil {
			return err
		}
		ctx := context.WithValue(r.Context(), tokenKey, tok)
		return next(w, r.WithContext(context.WithValue(ctx, userKey, u)))
	}
}

// tokenUser returns whom a token acts as. A token that belongs to a user
// carries that user's role, and stops working when the user is disabled. A
// token without a user predates accounts, or serves a machine (the wire
// desk, an import): it keeps the full newsroom rights tokens always had,
// which are an editor's (the API has no users or tokens to manage).
func (s *Server) tokenUser(ctx context.Context, tok *liveblog.Token) (*liveblog.User, error) {
	if tok.UserID == 0 {
		return &liveblog.User{Name: tok.Name, Role: liveblog.RoleEditor}, nil
	}
	u, err := s.store.FindUserByID(ctx, tok.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, liveblog.Errorf(liveblog.ENOTFOUND, "User not found.")
	}
	return u, nil
}

// bearerToken returns the credential of an "Authorization: Bearer ..."
// header; the scheme is case-insensitive.
func bearerToken(r *http.Request) (string, bool) {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	return cred, cred != ""
}

// tokenOf returns the token that authenticated the request.
func tokenOf(ctx context.Context) *liveblog.Token {
	tok, _ := ctx.Value(tokenKey).(*liveblog.Token)
	return tok
}
