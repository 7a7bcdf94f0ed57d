package http_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// TestAuditLog does what the newsroom does, through the desk and the API,
// and checks that each action is in the log with who, what, where and from
// which address, and that the admin's page shows it.
func TestAuditLog(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()
	latest := func(t *testing.T, f liveblog.AuditFilter) *liveblog.AuditEntry {
		t.Helper()
		f.Limit = 1
		got, err := env.store.FindAudit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatal("audit log is empty")
		}
		return got[0]
	}

	t.Run("SignInFailure", func(t *testing.T) {
		c := env.browser(t)
		c.postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {"not the password"}})
		got, err := env.store.FindSignInFailures(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Failures != 1 || got[0].LastEmail != "editor@example.com" || got[0].Address == "" {
			t.Errorf("failures = %+v, want one for editor@example.com with an address", got)
		}
		// Failures are counted by address, not logged a line each.
		if entries, err := env.store.FindAudit(ctx, liveblog.AuditFilter{}); err != nil || len(entries) != 0 {
			t.Errorf("audit log = %+v, %v; want no line for a failure", entries, err)
		}
	})
	editor := env.signIn(t, "editor@example.com")
	t.Run("SignIn", func(t *testing.T) {
		a := latest(t, liveblog.AuditFilter{UserID: env.editor.ID})
		if a.Action != liveblog.AuditSignIn || a.UserName != env.editor.Name {
			t.Errorf("entry = %+v, want the editor's sign-in", a)
		}
	})
	f := env.roleFixture(t)
	t.Run("DeskPostUpdate", func(t *testing.T) {
		res := editor.do(t, "PUT", f.post(f.editorPost), "application/json", composerJSON(f.editorPost, ""))
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		a := latest(t, liveblog.AuditFilter{EventID: f.ev.ID})
		if a.Action != "post.update" || a.UserID != env.editor.ID || a.PostID != f.editorPost.ID || a.EventID != f.ev.ID {
			t.Errorf("entry = %+v, want the editor's update of post %d in event %d", a, f.editorPost.ID, f.ev.ID)
		}
	})
	t.Run("DeskSaveAndPinIsOneLine", func(t *testing.T) {
		// A save that also pins the post makes two writes; the log has one
		// line for the one action.
		p, err := env.store.FindPostByID(ctx, f.editorPost.ID)
		if err != nil {
			t.Fatal(err)
		}
		before := latest(t, liveblog.AuditFilter{})
		res := editor.do(t, "PUT", f.post(p), "application/json", composerJSON(p, `,"pinned":true`))
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		if got, err := env.store.FindPostByID(ctx, p.ID); err != nil || !got.Pinned {
			t.Fatalf("post = %+v, %v; want it pinned", got, err)
		}
		got, err := env.store.FindAudit(ctx, liveblog.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < 2 || got[1].ID != before.ID || got[0].Action != "post.update" || got[0].PostID != p.ID {
			t.Errorf("entries after the save = %+v, want one post.update of post %d", got[:min(len(got), 2)], p.ID)
		}
	})
	t.Run("RefusedIsNotLogged", func(t *testing.T) {
		reporter := env.signIn(t, "reporter@example.com")
		before := latest(t, liveblog.AuditFilter{})
		reporter.do(t, "POST", f.post(f.editorPost)+"/delete", "application/x-www-form-urlencoded", "version=2")
		if a := latest(t, liveblog.AuditFilter{}); a.ID != before.ID {
			t.Errorf("refused delete logged as %+v", a)
		}
	})
	t.Run("Upload", func(t *testing.T) {
		if res := editor.do(t, "POST", "/desk/media", "image/png", tinyPNG(t)); res.status != 201 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		if a := latest(t, liveblog.AuditFilter{UserID: env.editor.ID}); a.Action != "media.upload" {
			t.Errorf("entry = %+v, want the upload", a)
		}
	})
	t.Run("API", func(t *testing.T) {
		secret, hash := liveblog.NewTokenSecret()
		if err := env.store.CreateToken(ctx, liveblog.Write{}, &liveblog.Token{Name: "wire", Hash: hash, UserID: env.admin.ID}); err != nil {
			t.Fatal(err)
		}
		res := send(t, env.ts, "POST", "/api/v1/events/"+f.ev.Slug+"/posts", secret, `{"headline":"From the wire"}`)
		if res.status != 201 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		a := latest(t, liveblog.AuditFilter{UserID: env.admin.ID})
		if a.Action != "post.create" || a.EventID != f.ev.ID {
			t.Errorf("entry = %+v, want the admin's API post in event %d", a, f.ev.ID)
		}
	})
	t.Run("HeartbeatIsNotLogged", func(t *testing.T) {
		before := latest(t, liveblog.AuditFilter{})
		res := editor.do(t, "POST", "/desk/events/"+f.ev.Slug+"/presence", "application/x-www-form-urlencoded", "post="+strconv.FormatInt(f.editorPost.ID, 10))
		got := decodeJSON[struct {
			Present []liveblog.Presence
		}](t, res)
		if res.status != 200 || len(got.Present) != 1 || got.Present[0].PostID != f.editorPost.ID {
			t.Fatalf("status %d, present %+v; want the editor on post %d", res.status, got.Present, f.editorPost.ID)
		}
		if a := latest(t, liveblog.AuditFilter{}); a.ID != before.ID {
			t.Errorf("heartbeat logged as %+v", a)
		}
	})
	t.Run("PasswordChange", func(t *testing.T) {
		c := env.signIn(t, "reporter@example.com")
		before := latest(t, liveblog.AuditFilter{UserID: env.reporter.ID})
		c.postForm(t, "/desk/password", url.Values{"current": {"not the password"}, "password": {"a brand new password"}, "again": {"a brand new password"}})
		if a := latest(t, liveblog.AuditFilter{UserID: env.reporter.ID}); a.ID != before.ID {
			t.Errorf("refused password change logged as %+v", a)
		}
		c.postForm(t, "/desk/password", url.Values{"current": {deskPassword}, "password": {deskPassword + "!"}, "again": {deskPassword + "!"}})
		if a := latest(t, liveblog.AuditFilter{UserID: env.reporter.ID}); a.Action != liveblog.AuditPassword {
			t.Errorf("entry = %+v, want the password change", a)
		}
	})
	t.Run("Page", func(t *testing.T) {
		admin := env.signIn(t, "admin@example.com")
		res := admin.do(t, "GET", "/desk/audit?event="+f.ev.Slug, "", "", "Accept", "text/html")
		body := string(res.body)
		if res.status != 200 || !strings.Contains(body, "post.update") || !strings.Contains(body, env.editor.Name) ||
			strings.Contains(body, "signin-failures") {
			t.Errorf("status %d; want the event's entries only: %s", res.status, body)
		}
		res = admin.do(t, "GET", "/desk/audit", "", "", "Accept", "text/html")
		if body := string(res.body); res.status != 200 || !strings.Contains(body, `id="signin-failures"`) || !strings.Contains(body, "editor@example.com") {
			t.Errorf("status %d; want the failed sign-ins on the unfiltered log: %s", res.status, body)
		}
	})
}
