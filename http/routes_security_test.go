package http_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/capture"
	lbhttp "github.com/liveblog/liveblog/http"
)

// routePattern finds the routes in the route table (server.go), so that a
// route added there without a case in TestRoutesGuarded fails the test
// instead of going unchecked.
var routePattern = regexp.MustCompile(`mux\.Handle\("([A-Z]+) ([^"]+)"`)

func routeTable(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range routePattern.FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1]+" "+m[2])
	}
	if len(out) < 20 {
		t.Fatalf("found %d routes in server.go; has the route table moved?", len(out))
	}
	return out
}

// routeCase is one request to a route, made against fresh data: a path
// with real slugs and ids, and a body that, sent by a signed-in admin from
// a desk page, succeeds.
type routeCase func(t *testing.T, f *roleFixture) (path, contentType, body string)

var userCount atomic.Int64

// TestRoutesGuarded checks every route of the route table:
//
//   - every desk route but the sign-in page needs a session: without one a
//     page redirects to sign-in and anything else is 401;
//   - every state-changing desk route (sign-in included) refuses a request
//     that is cross-site by the browser's Sec-Fetch-Site (cross-site, or
//     same-site from a sibling subdomain), or by its Origin when the browser
//     sends no Sec-Fetch-Site (http.CrossOriginProtection), and a request
//     without the session's CSRF token, each with 403 and nothing changed;
//     the same request from a desk page then succeeds, which shows the
//     refusals were the guards' and not a broken request's;
//   - every state-changing API route needs a bearer token: 401 without one,
//     and 401 with only a desk session cookie (a browser never adds a bearer
//     token to a forged request, so the API needs no CSRF token).
//
// What each role may do on each route is TestDeskRoles's and TestAPIRoles's.
func TestRoutesGuarded(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{Captures: capture.NewWorker(fakeX(t), nil, slog.New(slog.DiscardHandler))})
	const (
		form     = "application/x-www-form-urlencoded"
		jsonType = "application/json"
	)
	png := tinyPNG(t)
	slug := func(f *roleFixture) string { return f.ev.Slug }
	postID := func(p *liveblog.Post) string { return strconv.FormatInt(p.ID, 10) }

	desk := map[string]routeCase{
		"POST /desk/login": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/login", form, url.Values{"email": {"SELF"}, "password": {deskPassword}}.Encode()
		},
		"POST /desk/logout": func(t *testing.T, f *roleFixture) (string, string, string) { return "/desk/logout", form, "" },
		"POST /desk/password": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/password", form, url.Values{"current": {deskPassword}, "password": {"a new password, long enough"}, "again": {"a new password, long enough"}}.Encode()
		},
		"POST /desk/profile": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/profile", form, url.Values{"version": {"1"}, "byline_name": {"Changed"}}.Encode()
		},
		"POST /desk/events": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/events", form, url.Values{"slug": {slug(f) + "-new"}, "title": {"New"}, "time_zone": {"Europe/London"}}.Encode()
		},
		"POST /desk/events/{slug}": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/events/" + slug(f), form, url.Values{"version": {"1"}, "title": {"Forged"}, "time_zone": {"Europe/London"}}.Encode()
		},
		"POST /desk/events/{slug}/coverage": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/events/" + slug(f) + "/coverage", form, "from=scheduled&state=live"
		},
		"POST /desk/events/{slug}/summary": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/events/" + slug(f) + "/summary", form, "version=1&points=Forged"
		},
		"POST /desk/events/{slug}/summary/restore": func(t *testing.T, f *roleFixture) (string, string, string) {
			path, body := f.restoreForm()
			return path, form, body
		},
		"POST /desk/events/{slug}/preview": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/events/" + slug(f) + "/preview", jsonType, `{"headline":"Preview","blocks":[],"contributors":[]}`
		},
		"POST /desk/events/{slug}/posts": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/events/" + slug(f) + "/posts", jsonType, `{"headline":"Forged","blocks":[],"contributors":[],"status":"published"}`
		},
		"PUT /desk/events/{slug}/posts/{id}": func(t *testing.T, f *roleFixture) (string, string, string) {
			return f.post(f.editorPost), jsonType, composerJSON(f.editorPost, "")
		},
		"POST /desk/events/{slug}/posts/{id}/delete": func(t *testing.T, f *roleFixture) (string, string, string) {
			return f.post(f.editorPost) + "/delete", form, "version=1"
		},
		"POST /desk/events/{slug}/posts/{id}/restore": func(t *testing.T, f *roleFixture) (string, string, string) {
			return f.post(f.deletedPost) + "/restore", form, "version=" + strconv.Itoa(f.deletedPost.Version)
		},
		"POST /desk/media": func(t *testing.T, f *roleFixture) (string, string, string) { return "/desk/media", "image/png", png },
		"POST /desk/capture": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/capture", jsonType, `{"url":"https://x.com/agency/status/1887503281937625469"}`
		},
		"POST /desk/events/{slug}/presence": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/events/" + slug(f) + "/presence", form, "post=0"
		},
		"POST /desk/users": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/users", form, url.Values{"name": {"New"}, "email": {fmt.Sprintf("new-%d@example.com", userCount.Add(1))},
				"role": {"reporter"}, "password": {"a password long enough"}}.Encode()
		},
		"POST /desk/users/{id}": func(t *testing.T, f *roleFixture) (string, string, string) {
			u := env.newUser(t, fmt.Sprintf("target-%d@example.com", userCount.Add(1)), "Target", liveblog.RoleReporter)
			return "/desk/users/" + strconv.FormatInt(u.ID, 10), form, url.Values{"version": {strconv.Itoa(u.Version)}, "disabled": {"true"}}.Encode()
		},
		"POST /desk/users/{id}/tokens": func(t *testing.T, f *roleFixture) (string, string, string) {
			return "/desk/users/" + strconv.FormatInt(env.reporter.ID, 10) + "/tokens", form, "name=Script"
		},
		"POST /desk/users/{id}/tokens/{token}/revoke": func(t *testing.T, f *roleFixture) (string, string, string) {
			_, hash := liveblog.NewTokenSecret()
			tok := &liveblog.Token{Name: "Script", Hash: hash, UserID: env.reporter.ID}
			if err := env.store.CreateToken(context.Background(), liveblog.Write{}, tok); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/desk/users/%d/tokens/%d/revoke", env.reporter.ID, tok.ID), form, ""
		},
	}
	deskPages := map[string]func(f *roleFixture) string{
		"GET /desk/{$}":                              func(f *roleFixture) string { return "/desk/" },
		"GET /desk/password":                         func(f *roleFixture) string { return "/desk/password" },
		"GET /desk/events/{slug}":                    func(f *roleFixture) string { return "/desk/events/" + slug(f) },
		"GET /desk/events/{slug}/queue":              func(f *roleFixture) string { return "/desk/events/" + slug(f) + "/queue" },
		"GET /desk/events/{slug}/posts/{id}":         func(f *roleFixture) string { return f.post(f.editorPost) },
		"GET /desk/events/{slug}/posts/{id}/history": func(f *roleFixture) string { return f.post(f.editorPost) + "/history" },
		"GET /desk/events/{slug}/presence":           func(f *roleFixture) string { return "/desk/events/" + slug(f) + "/presence" },
		"GET /desk/audit":                            func(f *roleFixture) string { return "/desk/audit" },
		"GET /desk/users":                            func(f *roleFixture) string { return "/desk/users" },
		"GET /desk/search":                           func(f *roleFixture) string { return "/desk/search?q=ferries" },
	}
	api := map[string]func(f *roleFixture) (path, body string, version int){
		"POST /api/v1/events": func(f *roleFixture) (string, string, int) {
			return "/api/v1/events", `{"slug":"` + slug(f) + `-api","title":"API"}`, 0
		},
		"PATCH /api/v1/events/{slug}": func(f *roleFixture) (string, string, int) {
			return "/api/v1/events/" + slug(f), `{"title":"Retitled"}`, 1
		},
		"PUT /api/v1/events/{slug}/coverage": func(f *roleFixture) (string, string, int) {
			return "/api/v1/events/" + slug(f) + "/coverage", `{"state":"live"}`, 1
		},
		"PUT /api/v1/events/{slug}/summary": func(f *roleFixture) (string, string, int) {
			return "/api/v1/events/" + slug(f) + "/summary", `{"points":["A"]}`, 1
		},
		"POST /api/v1/events/{slug}/posts": func(f *roleFixture) (string, string, int) {
			return "/api/v1/events/" + slug(f) + "/posts", `{"headline":"New"}`, 0
		},
		"PATCH /api/v1/events/{slug}/posts/{id}": func(f *roleFixture) (string, string, int) {
			return f.apiPost(f.editorPost), `{"headline":"Edited"}`, 1
		},
		"DELETE /api/v1/events/{slug}/posts/{id}": func(f *roleFixture) (string, string, int) {
			return f.apiPost(f.editorPost), "", 1
		},
		"PUT /api/v1/events/{slug}/posts/{id}/pin": func(f *roleFixture) (string, string, int) {
			return f.apiPost(f.editorPost) + "/pin", `{"pinned":true}`, 1
		},
		"POST /api/v1/events/{slug}/posts/{id}/restore": func(f *roleFixture) (string, string, int) {
			return f.apiPost(f.deletedPost) + "/restore", "{}", f.deletedPost.Version
		},
		"POST /api/v1/events/{slug}/webhooks": func(f *roleFixture) (string, string, int) {
			return "/api/v1/events/" + slug(f) + "/webhooks", `{"url":"https://partner.example/hooks"}`, 0
		},
		"DELETE /api/v1/events/{slug}/webhooks/{id}": func(f *roleFixture) (string, string, int) {
			hook := &liveblog.Webhook{EventID: f.ev.ID, URL: "https://partner.example/hooks", Secret: "whsec_0123456789abcdef", Active: true}
			if err := env.store.CreateWebhook(context.Background(), liveblog.Write{}, hook); err != nil {
				panic(err)
			}
			return "/api/v1/events/" + slug(f) + "/webhooks/" + strconv.FormatInt(hook.ID, 10), "", 0
		},
	}
	// Reads of the API need a token too; reader routes are public.
	apiReads := []string{"GET /api/v1/events", "GET /api/v1/events/{slug}", "GET /api/v1/events/{slug}/posts", "GET /api/v1/events/{slug}/posts/{id}"}
	apiReads = append(apiReads, "GET /api/v1/events/{slug}/webhooks", "GET /api/v1/events/{slug}/webhooks/{id}/deliveries")

	// A session of a fresh admin for each request, so that signing out,
	// a new password or a new byline touch nobody else's.
	freshAdmin := func(t *testing.T) (email string, c *deskClient) {
		email = fmt.Sprintf("guard-%d@example.com", userCount.Add(1))
		env.newUser(t, email, "Guard", liveblog.RoleAdmin)
		return email, env.signIn(t, email)
	}

	for _, route := range routeTable(t) {
		method, pattern, _ := strings.Cut(route, " ")
		unsafe := method != "GET" && method != "HEAD"
		switch {
		case route == "GET /desk/login":
			// The sign-in form is the one desk page without a session.
		case strings.HasPrefix(pattern, "/desk/") && unsafe:
			build, ok := desk[route]
			if !ok {
				t.Errorf("%s: a desk route that changes state has no case here; add one", route)
				continue
			}
			t.Run(route, func(t *testing.T) {
				f := env.roleFixture(t)
				path, contentType, body := build(t, f)
				email, c := freshAdmin(t)
				body = strings.Replace(body, "SELF", url.QueryEscape(email), 1)
				before := snapshot(t, env.store, f.ev.ID)
				if route != "POST /desk/login" {
					anon := env.browser(t).do(t, method, path, contentType, body)
					if anon.status != http.StatusUnauthorized {
						t.Errorf("without a session: status %d, want 401", anon.status)
					}
				}
				for _, forged := range []struct {
					name   string
					header []string
				}{
					{"CrossSite", []string{"Sec-Fetch-Site", "cross-site"}},
					{"SameSiteSubdomain", []string{"Sec-Fetch-Site", "same-site"}},
					{"OtherOrigin", []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
					{"NullOrigin", []string{"Sec-Fetch-Site", "", "Origin", "null"}},
					{"NoToken", []string{lbhttp.CSRFHeader, ""}},
					{"NoHeadersNoToken", []string{"Sec-Fetch-Site", "", lbhttp.CSRFHeader, ""}},
				} {
					if route == "POST /desk/login" && strings.HasSuffix(forged.name, "NoToken") {
						continue // no session yet, so no token: the cross-origin check alone guards sign-in
					}
					res := c.do(t, method, path, contentType, body, forged.header...)
					if res.status != http.StatusForbidden {
						t.Errorf("%s: status %d, want 403: %s", forged.name, res.status, res.body)
					}
				}
				if after := snapshot(t, env.store, f.ev.ID); after != before {
					t.Errorf("a refused request changed the event")
				}
				last := newestAudit(t, env)
				res := c.do(t, method, path, contentType, body)
				if res.status >= 400 {
					t.Errorf("the same request from a desk page: status %d, want success: %s", res.status, res.body)
				}
				wantAudited(t, env, route, last)
			})
		case strings.HasPrefix(pattern, "/desk/"):
			build, ok := deskPages[route]
			if !ok {
				t.Errorf("%s: a desk page has no case here; add one", route)
				continue
			}
			t.Run(route, func(t *testing.T) {
				path := build(env.roleFixture(t))
				anon := env.browser(t)
				if res := anon.do(t, "GET", path, "", "", "Accept", "text/html"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/desk/login") {
					t.Errorf("page without a session: status %d to %q, want 303 to sign-in", res.status, res.header.Get("Location"))
				}
				if res := anon.do(t, "GET", path, "", ""); res.status != http.StatusUnauthorized {
					t.Errorf("script request without a session: status %d, want 401", res.status)
				}
			})
		case strings.HasPrefix(pattern, "/api/") && unsafe:
			build, ok := api[route]
			if !ok {
				t.Errorf("%s: an API route that changes state has no case here; add one", route)
				continue
			}
			t.Run(route, func(t *testing.T) {
				f := env.roleFixture(t)
				path, body, version := build(f)
				var header []string
				if version > 0 {
					header = []string{"If-Match", strconv.Quote(strconv.Itoa(version))}
				}
				before := snapshot(t, env.store, f.ev.ID)
				if res := send(t, env.ts, method, path, "", body, header...); res.status != http.StatusUnauthorized {
					t.Errorf("without a token: status %d, want 401", res.status)
				}
				_, c := freshAdmin(t)
				cookie := c.cookie(lbhttp.SessionCookie)
				if res := send(t, env.ts, method, path, "", body, append(header, "Cookie", cookie.Name+"="+cookie.Value)...); res.status != http.StatusUnauthorized {
					t.Errorf("with a desk session cookie and no token: status %d, want 401", res.status)
				}
				if after := snapshot(t, env.store, f.ev.ID); after != before {
					t.Errorf("a refused request changed the event")
				}
				last := newestAudit(t, env)
				if res := send(t, env.ts, method, path, env.token, body, header...); res.status >= 400 {
					t.Errorf("with a token: status %d, want success: %s", res.status, res.body)
				}
				wantAudited(t, env, route, last)
			})
		case strings.HasPrefix(pattern, "/api/"):
			if !slices.Contains(apiReads, route) {
				t.Errorf("%s: an API read has no case here; add it to apiReads", route)
				continue
			}
			t.Run(route, func(t *testing.T) {
				f := env.roleFixture(t)
				path := strings.NewReplacer("{slug}", slug(f), "{id}", postID(f.editorPost)).Replace(pattern)
				if res := get(t, env.ts, path); res.status != http.StatusUnauthorized {
					t.Errorf("without a token: status %d, want 401", res.status)
				}
			})
		case unsafe:
			t.Errorf("%s: a state-changing route outside /desk/ and /api/ has no guard this test knows", route)
		}
	}
}

// unaudited are the state-changing routes that leave no line in the audit
// log: a preview and a presence heartbeat write nothing a colleague would
// ask about. Every other one is declared with its action (routes).
var unaudited = []string{"POST /desk/events/{slug}/preview", "POST /desk/events/{slug}/presence"}

// newestAudit returns the id of the newest line of the audit log, 0 for none.
func newestAudit(t *testing.T, env *deskEnv) int64 {
	t.Helper()
	got, err := env.store.FindAudit(context.Background(), liveblog.AuditFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		return 0
	}
	return got[0].ID
}

// wantAudited checks that a request to route that succeeded wrote a line of
// the audit log after line last, unless the route is one that writes none.
func wantAudited(t *testing.T, env *deskEnv, route string, last int64) {
	t.Helper()
	if id := newestAudit(t, env); slices.Contains(unaudited, route) {
		if id != last {
			t.Errorf("the request wrote a line of the audit log; want none")
		}
	} else if id == last {
		t.Errorf("the request wrote no line of the audit log; every write route is audited")
	}
}

// TestDeskHoldsNoSession documents why disabling a user needs nothing
// beyond ending their sessions (TestDeskSignIn/DisablingEndsSession): every
// desk request reads its session afresh, and the one connection a desk page
// keeps open is the event's public reader stream, which carries only what
// readers see and needs no session. Presence is polled, a request like any
// other. Were the desk to get a stream of its own (drafts, presence pushed),
// it would have to be closed when the session ends.
func TestDeskHoldsNoSession(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ev := env.newEvent(t)
	c := env.signIn(t, "reporter@example.com")
	page := string(c.do(t, "GET", "/desk/events/"+ev.Slug, "", "", "Accept", "text/html").body)
	streams := regexp.MustCompile(`data-stream="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(streams) != 1 || streams[0][1] != "/live/"+ev.Slug+"/stream" {
		t.Fatalf("desk page streams %q, want only the public /live/%s/stream", streams, ev.Slug)
	}
	// The session cookie (Path=/desk) is not even sent to the stream.
	if ck := c.cookie(lbhttp.SessionCookie); ck == nil {
		t.Fatal("no session cookie")
	} else {
		u, _ := url.Parse(env.ts.URL + "/live/" + ev.Slug + "/stream")
		for _, sent := range c.client.Jar.Cookies(u) {
			if sent.Name == lbhttp.SessionCookie {
				t.Errorf("the session cookie is sent to the public stream")
			}
		}
	}
}

// TestDeskBodyLimits checks that a desk form, the sign-in form included,
// is refused past Config.MaxBodyBytes: a form is parsed whole into memory
// at several times its size, before sign-in knows who is asking, so before
// this limit a 15 MiB form to /desk/login cost the server about 170 MiB.
// An upload, the one large body, still takes up to media.MaxBytes.
func TestDeskBodyLimits(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	const size = 15 << 20
	for _, tt := range []struct{ name, contentType, body string }{
		{"URLEncoded", "application/x-www-form-urlencoded", "email=a&password=b&x=" + strings.Repeat("a", size)},
		{"Multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n" + strings.Repeat("a", size) + "\r\n--x--\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res := env.browser(t).do(t, "POST", "/desk/login", tt.contentType, tt.body)
			runtime.ReadMemStats(&after)
			if res.status < 400 {
				t.Errorf("status %d, want the sign-in refused", res.status)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 4*lbhttp.DefaultMaxBodyBytes+4<<20 && !raceDetector {
				t.Errorf("a %d MiB sign-in form allocated %d MiB", size>>20, got>>20)
			}
		})
	}
	t.Run("LargeUploadStillTaken", func(t *testing.T) {
		c := env.signIn(t, "reporter@example.com")
		img := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
		for i := range img.Pix {
			img.Pix[i] = uint8(i*7919 + i/4096)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
			t.Fatal(err)
		}
		if buf.Len() <= lbhttp.DefaultMaxBodyBytes {
			t.Fatalf("test image is %d bytes, not over the form limit", buf.Len())
		}
		if res := c.do(t, "POST", "/desk/media", "image/jpeg", buf.String()); res.status != http.StatusCreated {
			t.Errorf("a %d-byte upload: status %d: %s", buf.Len(), res.status, res.body)
		}
	})
}
