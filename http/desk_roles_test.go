package http_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/capture"
	lbhttp "github.com/liveblog/liveblog/http"
)

// roleFixture is fresh data for one request of the matrix, so that every
// request acts on state no earlier one has changed.
type roleFixture struct {
	ev                                    *liveblog.Event
	editorPost, reporterPost, deletedPost *liveblog.Post
	// user is a reporter of the fixture's own, with a token, for the
	// user management routes.
	user  *liveblog.User
	token *liveblog.Token
	// summaryEv is a second event whose key points were replaced once, at
	// version 2: summaryRecord is the replaced one, for restores.
	summaryEv     *liveblog.Event
	summaryRecord int64
}

// restoreForm is the desk's form restoring the fixture's earlier key points.
func (f *roleFixture) restoreForm() (path, body string) {
	return "/desk/events/" + f.summaryEv.Slug + "/summary/restore", fmt.Sprintf("version=%d&id=%d", f.summaryEv.Version, f.summaryRecord)
}

func (e *deskEnv) roleFixture(t *testing.T) *roleFixture {
	t.Helper()
	ev := &liveblog.Event{Slug: fmt.Sprintf("roles-%d", slugCount.Add(1)), Title: "Roles"}
	if err := e.store.CreateEvent(context.Background(), liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	f := &roleFixture{ev: ev, editorPost: e.newPost(t, ev, e.editor), reporterPost: e.newPost(t, ev, e.reporter)}
	f.deletedPost = e.newPost(t, ev, e.editor)
	var err error
	if f.deletedPost, err = e.store.ChangePost(context.Background(), liveblog.Write{}, f.deletedPost.ID, liveblog.DeletePost{Version: f.deletedPost.Version}); err != nil {
		t.Fatal(err)
	}
	f.summaryEv = &liveblog.Event{Slug: ev.Slug + "-summary", Title: "Summary", Summary: liveblog.Summary{Points: []string{"First"}}}
	if err := e.store.CreateEvent(context.Background(), liveblog.Write{}, f.summaryEv); err != nil {
		t.Fatal(err)
	}
	if f.summaryEv, err = e.store.ChangeEvent(context.Background(), liveblog.Write{}, f.summaryEv.ID, liveblog.ReplaceSummary{Points: []string{"Second"}, Version: 1}); err != nil {
		t.Fatal(err)
	}
	history, err := e.store.FindSummaryHistory(context.Background(), f.summaryEv.ID, 0)
	if err != nil || len(history) != 1 {
		t.Fatalf("fixture's summary history: %v, %v", history, err)
	}
	f.summaryRecord = history[0].ID
	f.user = e.newUser(t, ev.Slug+"-user@example.com", "User "+ev.Slug, liveblog.RoleReporter)
	_, hash := liveblog.NewTokenSecret()
	f.token = &liveblog.Token{Name: "fixture", Hash: hash, UserID: f.user.ID}
	if err := e.store.CreateToken(context.Background(), liveblog.Write{}, f.token); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *roleFixture) post(p *liveblog.Post) string {
	return "/desk/events/" + f.ev.Slug + "/posts/" + strconv.FormatInt(p.ID, 10)
}

func (f *roleFixture) apiPost(p *liveblog.Post) string {
	return "/api/v1/events/" + f.ev.Slug + "/posts/" + strconv.FormatInt(p.ID, 10)
}

// composerJSON is a composer post as the desk's script sends it.
func composerJSON(p *liveblog.Post, extra string) string {
	return fmt.Sprintf(`{"headline":"Edited","blocks":[{"type":"text","text":"Body."}],"contributors":[],"status":"published","version":%d%s}`, p.Version, extra)
}

func tinyPNG(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestDeskRoles sends every state-changing desk route as each kind of user
// and checks the status: what liveblog.Can allows succeeds, the rest is 403,
// and nobody signed in gets 401.
func TestDeskRoles(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{Captures: capture.NewWorker(fakeX(t), nil, slog.New(slog.DiscardHandler))})
	clients := map[string]*deskClient{
		"Anonymous": env.browser(t),
		"Reporter":  env.signIn(t, "reporter@example.com"),
		"Editor":    env.signIn(t, "editor@example.com"),
		"Admin":     env.signIn(t, "admin@example.com"),
	}
	const form = "application/x-www-form-urlencoded"
	const jsonType = "application/json"
	png := tinyPNG(t)

	for _, tt := range []struct {
		name    string
		request func(f *roleFixture) (method, path, contentType, body string)
		want    map[string]int
	}{
		{"CreateEvent", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events", form, url.Values{"slug": {f.ev.Slug + "-new"}, "title": {"New"}, "time_zone": {"Europe/London"}}.Encode()
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 303, "Admin": 303}},
		{"StartCoverage", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug + "/coverage", form, "from=scheduled&state=live"
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"ReplaceSummary", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug + "/summary", form, "version=1&points=A+key+point"
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"RestoreSummary", func(f *roleFixture) (string, string, string, string) {
			path, body := f.restoreForm()
			return "POST", path, form, body
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"EditEvent", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug, form, url.Values{"version": {"1"}, "title": {"Retitled"}, "time_zone": {"Europe/London"}}.Encode()
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"CreatePost", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug + "/posts", jsonType, `{"headline":"New","blocks":[],"contributors":[],"status":"published"}`
		}, map[string]int{"Anonymous": 401, "Reporter": 201, "Editor": 201, "Admin": 201}},
		{"CreateDraft", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug + "/posts", jsonType, `{"headline":"Draft","blocks":[],"contributors":[],"status":"draft"}`
		}, map[string]int{"Anonymous": 401, "Reporter": 201, "Editor": 201, "Admin": 201}},
		{"CreateKeyEvent", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug + "/posts", jsonType, `{"headline":"Key","blocks":[],"contributors":[],"key_event":true,"status":"published"}`
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 201, "Admin": 201}},
		{"CreateBreaking", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug + "/posts", jsonType, `{"headline":"Breaking","blocks":[],"contributors":[],"breaking":true,"status":"published"}`
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 201, "Admin": 201}},
		{"CreatePinned", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug + "/posts", jsonType, `{"headline":"Pinned","blocks":[],"contributors":[],"pinned":true,"status":"published"}`
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 201, "Admin": 201}},
		{"EditOthersPost", func(f *roleFixture) (string, string, string, string) {
			return "PUT", f.post(f.editorPost), jsonType, composerJSON(f.editorPost, "")
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"EditOwnPost", func(f *roleFixture) (string, string, string, string) {
			return "PUT", f.post(f.reporterPost), jsonType, composerJSON(f.reporterPost, "")
		}, map[string]int{"Anonymous": 401, "Reporter": 200, "Editor": 200, "Admin": 200}},
		{"FlagOwnPost", func(f *roleFixture) (string, string, string, string) {
			return "PUT", f.post(f.reporterPost), jsonType, composerJSON(f.reporterPost, `,"breaking":true`)
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"PinOwnPost", func(f *roleFixture) (string, string, string, string) {
			return "PUT", f.post(f.reporterPost), jsonType, composerJSON(f.reporterPost, `,"pinned":true`)
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"DeleteOthersPost", func(f *roleFixture) (string, string, string, string) {
			return "POST", f.post(f.editorPost) + "/delete", form, "version=1"
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"DeleteOwnPost", func(f *roleFixture) (string, string, string, string) {
			return "POST", f.post(f.reporterPost) + "/delete", form, "version=1"
		}, map[string]int{"Anonymous": 401, "Reporter": 200, "Editor": 200, "Admin": 200}},
		{"RestorePost", func(f *roleFixture) (string, string, string, string) {
			return "POST", f.post(f.deletedPost) + "/restore", form, "version=" + strconv.Itoa(f.deletedPost.Version)
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 200, "Admin": 200}},
		{"Preview", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/events/" + f.ev.Slug + "/preview", jsonType, `{"headline":"Preview","blocks":[],"contributors":[]}`
		}, map[string]int{"Anonymous": 401, "Reporter": 200, "Editor": 200, "Admin": 200}},
		{"UploadImage", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/media", "image/png", png
		}, map[string]int{"Anonymous": 401, "Reporter": 201, "Editor": 201, "Admin": 201}},
		{"CaptureEmbed", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/capture", jsonType, `{"url":"https://x.com/agency/status/1887503281937625469"}`
		}, map[string]int{"Anonymous": 401, "Reporter": 200, "Editor": 200, "Admin": 200}},
		{"Search", func(f *roleFixture) (string, string, string, string) {
			return "GET", "/desk/search?q=post", "", ""
		}, map[string]int{"Anonymous": 401, "Reporter": 200, "Editor": 200, "Admin": 200}},
		{"AuditLog", func(f *roleFixture) (string, string, string, string) {
			return "GET", "/desk/audit", "", ""
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 403, "Admin": 200}},
		{"Users", func(f *roleFixture) (string, string, string, string) {
			return "GET", "/desk/users", "", ""
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 403, "Admin": 200}},
		{"CreateUser", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/users", form, url.Values{"name": {"New " + f.ev.Slug}, "email": {f.ev.Slug + "@example.com"},
				"role": {"reporter"}, "password": {"a long enough password"}}.Encode()
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 403, "Admin": 303}},
		{"ChangeRole", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/users/" + strconv.FormatInt(f.user.ID, 10), form, "version=1&role=editor"
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 403, "Admin": 303}},
		{"DisableUser", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/users/" + strconv.FormatInt(f.user.ID, 10), form, "version=1&disabled=true"
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 403, "Admin": 303}},
		{"CreateToken", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/users/" + strconv.FormatInt(f.user.ID, 10) + "/tokens", form, "name=script"
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 403, "Admin": 201}},
		{"RevokeToken", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/users/" + strconv.FormatInt(f.user.ID, 10) + "/tokens/" + strconv.FormatInt(f.token.ID, 10) + "/revoke", form, ""
		}, map[string]int{"Anonymous": 401, "Reporter": 403, "Editor": 403, "Admin": 303}},
		{"SignOut", func(f *roleFixture) (string, string, string, string) {
			return "POST", "/desk/logout", form, ""
		}, map[string]int{"Anonymous": 401}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, who := range []string{"Anonymous", "Reporter", "Editor", "Admin"} {
				want, ok := tt.want[who]
				if !ok {
					continue
				}
				t.Run(who, func(t *testing.T) {
					method, path, contentType, body := tt.request(env.roleFixture(t))
					res := clients[who].do(t, method, path, contentType, body)
					if res.status != want {
						t.Errorf("%s %s: status %d, want %d: %s", method, path, res.status, want, res.body)
					}
				})
			}
		})
	}

	t.Run("RefusedChangesNothing", func(t *testing.T) {
		f := env.roleFixture(t)
		clients["Reporter"].do(t, "PUT", f.post(f.editorPost), jsonType, composerJSON(f.editorPost, ""))
		clients["Reporter"].do(t, "POST", f.post(f.editorPost)+"/delete", form, "version=1")
		p, err := env.store.FindPostByID(context.Background(), f.editorPost.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != f.editorPost.Version || p.Status != liveblog.StatusPublished {
			t.Errorf("post after refused requests: version %d status %s, want %d published", p.Version, p.Status, f.editorPost.Version)
		}
	})
	t.Run("ReporterCannotRestoreSummary", func(t *testing.T) {
		f := env.roleFixture(t)
		path, body := f.restoreForm()
		clients["Reporter"].do(t, "POST", path, form, body)
		ev, err := env.store.FindEventByID(context.Background(), f.summaryEv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Version != f.summaryEv.Version || !slices.Equal(ev.Summary.Points, []string{"Second"}) {
			t.Errorf("event after a reporter's restore: version %d points %q, want unchanged", ev.Version, ev.Summary.Points)
		}
	})
	t.Run("ReporterCannotOpenOthersPostForEditing", func(t *testing.T) {
		f := env.roleFixture(t)
		res := clients["Reporter"].do(t, "GET", f.post(f.editorPost), "", "")
		if got := decodeJSON[struct{ Editable bool }](t, res); res.status != http.StatusOK || got.Editable {
			t.Errorf("status %d editable %v, want 200 and not editable", res.status, got.Editable)
		}
	})
}

// TestAPIRoles sends every state-changing API route with each kind of
// token: a user's token carries the user's role, a token without a user
// keeps the newsroom rights tokens always had, and a disabled user's token
// stops working.
func TestAPIRoles(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()
	token := func(u *liveblog.User) string {
		secret, hash := liveblog.NewTokenSecret()
		tok := &liveblog.Token{Name: "script", Hash: hash}
		if u != nil {
			tok.UserID = u.ID
		}
		if err := env.store.CreateToken(ctx, liveblog.Write{}, tok); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	gone := env.newUser(t, "gone@example.com", "Gone", liveblog.RoleAdmin)
	goneToken := token(gone)
	if _, err := env.store.UpdateUser(ctx, liveblog.Write{}, gone.ID, liveblog.UserUpdate{Disabled: new(true), Version: gone.Version}); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{
		"Anonymous": "",
		"Reporter":  token(env.reporter),
		"Editor":    token(env.editor),
		"Admin":     token(env.admin),
		"Newsroom":  token(nil),
		"Disabled":  goneToken,
	}
	ok := func(reporter, others int) map[string]int {
		return map[string]int{"Anonymous": 401, "Reporter": reporter, "Editor": others, "Admin": others, "Newsroom": others, "Disabled": 401}
	}

	for _, tt := range []struct {
		name    string
		request func(f *roleFixture) (method, path, body string, ifMatch int)
		want    map[string]int
	}{
		{"CreateEvent", func(f *roleFixture) (string, string, string, int) {
			return "POST", "/api/v1/events", `{"slug":"` + f.ev.Slug + `-api","title":"API"}`, 0
		}, ok(403, 201)},
		{"UpdateEvent", func(f *roleFixture) (string, string, string, int) {
			return "PATCH", "/api/v1/events/" + f.ev.Slug, `{"title":"Retitled"}`, 1
		}, ok(403, 200)},
		{"SetCoverage", func(f *roleFixture) (string, string, string, int) {
			return "PUT", "/api/v1/events/" + f.ev.Slug + "/coverage", `{"state":"live"}`, 1
		}, ok(403, 200)},
		{"ReplaceSummary", func(f *roleFixture) (string, string, string, int) {
			return "PUT", "/api/v1/events/" + f.ev.Slug + "/summary", `{"points":["A"]}`, 1
		}, ok(403, 200)},
		{"CreatePost", func(f *roleFixture) (string, string, string, int) {
			return "POST", "/api/v1/events/" + f.ev.Slug + "/posts", `{"headline":"New"}`, 0
		}, ok(201, 201)},
		{"CreateKeyEvent", func(f *roleFixture) (string, string, string, int) {
			return "POST", "/api/v1/events/" + f.ev.Slug + "/posts", `{"headline":"New","key_event":true}`, 0
		}, ok(403, 201)},
		{"CreatePinned", func(f *roleFixture) (string, string, string, int) {
			return "POST", "/api/v1/events/" + f.ev.Slug + "/posts", `{"headline":"New","pinned":true}`, 0
		}, ok(403, 201)},
		{"EditOthersPost", func(f *roleFixture) (string, string, string, int) {
			return "PATCH", f.apiPost(f.editorPost), `{"headline":"Edited"}`, 1
		}, ok(403, 200)},
		{"EditOwnPost", func(f *roleFixture) (string, string, string, int) {
			return "PATCH", f.apiPost(f.reporterPost), `{"headline":"Edited"}`, 1
		}, ok(200, 200)},
		{"FlagOwnPost", func(f *roleFixture) (string, string, string, int) {
			return "PATCH", f.apiPost(f.reporterPost), `{"breaking":true}`, 1
		}, ok(403, 200)},
		{"DeleteOthersPost", func(f *roleFixture) (string, string, string, int) {
			return "DELETE", f.apiPost(f.editorPost), "", 1
		}, ok(403, 200)},
		{"DeleteOwnPost", func(f *roleFixture) (string, string, string, int) {
			return "DELETE", f.apiPost(f.reporterPost), "", 1
		}, ok(200, 200)},
		{"PinPost", func(f *roleFixture) (string, string, string, int) {
			return "PUT", f.apiPost(f.editorPost) + "/pin", `{"pinned":true}`, 1
		}, ok(403, 200)},
		{"RestorePost", func(f *roleFixture) (string, string, string, int) {
			return "POST", f.apiPost(f.deletedPost) + "/restore", "{}", f.deletedPost.Version
		}, ok(403, 200)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, who := range []string{"Anonymous", "Reporter", "Editor", "Admin", "Newsroom", "Disabled"} {
				t.Run(who, func(t *testing.T) {
					method, path, body, version := tt.request(env.roleFixture(t))
					var header []string
					if version > 0 {
						header = []string{"If-Match", strconv.Quote(strconv.Itoa(version))}
					}
					res := send(t, env.ts, method, path, tokens[who], body, header...)
					if want := tt.want[who]; res.status != want {
						t.Errorf("%s %s: status %d, want %d: %s", method, path, res.status, want, res.body)
					}
				})
			}
		})
	}

	t.Run("ReporterTokenOwnsItsPosts", func(t *testing.T) {
		f := env.roleFixture(t)
		res := send(t, env.ts, "POST", "/api/v1/events/"+f.ev.Slug+"/posts", tokens["Reporter"], `{"headline":"Mine"}`)
		p := decodeJSON[liveblog.Post](t, res)
		if p.AuthorID != env.reporter.ID {
			t.Fatalf("author = %d, want the reporter %d", p.AuthorID, env.reporter.ID)
		}
		res = send(t, env.ts, "PATCH", f.apiPost(&p), tokens["Reporter"], `{"headline":"Still mine"}`, "If-Match", `"1"`)
		if res.status != http.StatusOK {
			t.Errorf("editing own API post: status %d, want 200", res.status)
		}
	})
}
