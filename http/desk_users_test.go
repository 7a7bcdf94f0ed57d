package http_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

var tokenSecret = regexp.MustCompile(`<code id="token-secret">(lb_[A-Za-z0-9_-]+)</code>`)

// TestDeskUsers manages a colleague's account from the desk the way an
// administrator does, checking after each step that it took effect where it
// matters: at sign-in and on the API.
func TestDeskUsers(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()
	admin := env.signIn(t, "admin@example.com")
	const form = "application/x-www-form-urlencoded"

	var u *liveblog.User
	t.Run("Create", func(t *testing.T) {
		res := admin.do(t, "POST", "/desk/users", form, url.Values{"name": {"Ana Reyes"}, "email": {"Ana@Example.com"},
			"role": {"reporter"}, "byline_role": {"Islands correspondent"}, "password": {deskPassword}}.Encode())
		if res.status != 303 {
			t.Fatalf("status %d, want 303: %s", res.status, res.body)
		}
		var err error
		if u, err = env.store.FindUserByEmail(ctx, "ana@example.com"); err != nil {
			t.Fatal(err)
		}
		if u.Role != liveblog.RoleReporter || u.Byline.Role != "Islands correspondent" || u.Byline.Name != "Ana Reyes" {
			t.Errorf("user = %+v, want a reporter with her byline", u)
		}
		env.signIn(t, "ana@example.com")
		a, err := env.store.FindAudit(ctx, liveblog.AuditFilter{UserID: env.admin.ID, Limit: 1})
		if err != nil || len(a) != 1 || a[0].Action != liveblog.AuditUserCreate || a[0].Detail != "ana@example.com" {
			t.Errorf("audit = %+v, %v; want the admin's creation of ana@example.com", a, err)
		}
	})
	t.Run("ErrDuplicateEmail", func(t *testing.T) {
		res := admin.do(t, "POST", "/desk/users", form, url.Values{"name": {"Other"}, "email": {"ana@example.com"},
			"role": {"reporter"}, "password": {deskPassword}}.Encode(), "Accept", "text/html")
		if res.status != 409 {
			t.Errorf("status %d, want 409", res.status)
		}
	})
	t.Run("ChangeRole", func(t *testing.T) {
		res := admin.do(t, "POST", "/desk/users/"+strconv.FormatInt(u.ID, 10), form, "role=editor&version="+strconv.Itoa(u.Version))
		if res.status != 303 {
			t.Fatalf("status %d, want 303: %s", res.status, res.body)
		}
		got, _ := env.store.FindUserByID(ctx, u.ID)
		if got.Role != liveblog.RoleEditor {
			t.Errorf("role = %s, want editor", got.Role)
		}
		u = got
	})
	t.Run("ErrOwnAccount", func(t *testing.T) {
		res := admin.do(t, "POST", "/desk/users/"+strconv.FormatInt(env.admin.ID, 10), form, "disabled=true&version=1", "Accept", "text/html")
		if res.status != 403 {
			t.Errorf("status %d, want 403", res.status)
		}
	})
	var secret string
	var tok *liveblog.Token
	t.Run("CreateToken", func(t *testing.T) {
		res := admin.do(t, "POST", "/desk/users/"+strconv.FormatInt(u.ID, 10)+"/tokens", form, "name=wire", "Accept", "text/html")
		m := tokenSecret.FindSubmatch(res.body)
		if res.status != 201 || m == nil {
			t.Fatalf("status %d, want 201 and the secret: %s", res.status, res.body)
		}
		secret = string(m[1])
		if res := send(t, env.ts, "GET", "/api/v1/events", secret, ""); res.status != 200 {
			t.Errorf("new token on the API: status %d, want 200", res.status)
		}
		if res := admin.do(t, "GET", "/desk/users", "", "", "Accept", "text/html"); tokenSecret.Match(res.body) {
			t.Error("the secret is shown again")
		}
		tokens, err := env.store.FindTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, found := range tokens {
			if found.UserID == u.ID && found.Name == "wire" {
				tok = found
			}
		}
		if tok == nil {
			t.Fatalf("no token named wire for user %d among %d tokens", u.ID, len(tokens))
		}
	})
	t.Run("RevokeToken", func(t *testing.T) {
		if tok == nil {
			t.Fatal("CreateToken made no token to revoke")
		}
		res := admin.do(t, "POST", "/desk/users/"+strconv.FormatInt(u.ID, 10)+"/tokens/"+strconv.FormatInt(tok.ID, 10)+"/revoke", form, "")
		if res.status != 303 {
			t.Fatalf("status %d, want 303", res.status)
		}
		if res := send(t, env.ts, "GET", "/api/v1/events", secret, ""); res.status != 401 {
			t.Errorf("revoked token on the API: status %d, want 401", res.status)
		}
	})
	t.Run("Disable", func(t *testing.T) {
		res := admin.do(t, "POST", "/desk/users/"+strconv.FormatInt(u.ID, 10), form, "disabled=true&version="+strconv.Itoa(u.Version))
		if res.status != 303 {
			t.Fatalf("status %d, want 303: %s", res.status, res.body)
		}
		c := env.browser(t)
		if res := c.postForm(t, "/desk/login", url.Values{"email": {"ana@example.com"}, "password": {deskPassword}}); res.status != 401 {
			t.Errorf("disabled user's sign-in: status %d, want 401", res.status)
		}
		got, _ := env.store.FindUserByID(ctx, u.ID)
		res = admin.do(t, "POST", "/desk/users/"+strconv.FormatInt(u.ID, 10), form, "disabled=false&version="+strconv.Itoa(got.Version))
		if res.status != 303 {
			t.Fatalf("enable: status %d, want 303", res.status)
		}
		env.signIn(t, "ana@example.com")
	})
}
