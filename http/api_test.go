package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
)

func TestAuth(t *testing.T) {
	ts, store, token := newTestServer(t)
	ctx := context.Background()
	revoked, hash := liveblog.NewTokenSecret()
	tok := &liveblog.Token{Name: "old laptop", Hash: hash}
	if err := store.CreateToken(ctx, liveblog.Write{}, tok); err != nil {
		t.Fatal(err)
	}
	if err := store.RevokeToken(ctx, liveblog.Write{}, tok.ID); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name, authorization string
		invalidToken        bool // the challenge says error="invalid_token"
	}{
		{name: "Missing"},
		{name: "BasicScheme", authorization: "Basic dXNlcjpwYXNz"},
		{name: "EmptyBearer", authorization: "Bearer "},
		{name: "UnknownToken", authorization: "Bearer lb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", invalidToken: true},
		{name: "NotAToken", authorization: "Bearer hunter2", invalidToken: true},
		{name: "HugeToken", authorization: "Bearer lb_" + strings.Repeat("A", 5000), invalidToken: true},
		{name: "RevokedToken", authorization: "Bearer " + revoked, invalidToken: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, ts, "GET", "/api/v1/events", "", "", "Authorization", tt.authorization)
			wantProblem(t, res, http.StatusUnauthorized, "")
			challenge := res.header.Get("WWW-Authenticate")
			if !strings.HasPrefix(challenge, "Bearer ") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", challenge)
			}
			if got := strings.Contains(challenge, `error="invalid_token"`); got != tt.invalidToken {
				t.Errorf("WWW-Authenticate = %q, want invalid_token %v", challenge, tt.invalidToken)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		res := send(t, ts, "GET", "/api/v1/events", token, "")
		if res.status != http.StatusOK {
			t.Errorf("status = %d, want 200: %s", res.status, res.body)
		}
		if got := res.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
	})
	t.Run("SchemeCaseInsensitive", func(t *testing.T) {
		if res := send(t, ts, "GET", "/api/v1/events", "", "", "Authorization", "bearer "+token); res.status != http.StatusOK {
			t.Errorf("status = %d, want 200", res.status)
		}
	})
	t.Run("WriteRefusedWithoutToken", func(t *testing.T) {
		wantProblem(t, send(t, ts, "POST", "/api/v1/events", "", `{"slug":"x","title":"X"}`), http.StatusUnauthorized, "")
		if events, _ := store.FindEvents(ctx, liveblog.EventFilter{}); len(events) != 0 {
			t.Errorf("%d events stored, want none", len(events))
		}
	})
}

func TestEventsAPI(t *testing.T) {
	ts, store, token := newTestServer(t)

	t.Run("Create", func(t *testing.T) {
		res := send(t, ts, "POST", "/api/v1/events", token,
			`{"slug":"budget","title":"Budget 2025","description":"The chancellor's statement.","time_zone":"Europe/London","summary":{"points":["Fuel duty frozen"]}}`)
		if res.status != http.StatusCreated {
			t.Fatalf("status = %d, want 201: %s", res.status, res.body)
		}
		ev := decode[liveblog.Event](t, res)
		if ev.Slug != "budget" || ev.Title != "Budget 2025" || ev.State != liveblog.CoverageScheduled || len(ev.Summary.Points) != 1 {
			t.Errorf("event = %+v", ev)
		}
		if got, want := res.header.Get("Location"), "/api/v1/events/budget"; got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
		if got, want := res.header.Get("ETag"), `"1"`; got != want {
			t.Errorf("ETag = %q, want %q", got, want)
		}
	})
	t.Run("CreateLive", func(t *testing.T) {
		res := send(t, ts, "POST", "/api/v1/events", token, `{"slug":"storm","title":"Storm Éowyn","state":"live"}`)
		if ev := decode[liveblog.Event](t, res); res.status != http.StatusCreated || ev.State != liveblog.CoverageLive || ev.CoverageStartedAt.IsZero() {
			t.Errorf("got %d %+v, want 201 and live coverage started", res.status, ev)
		}
	})
	t.Run("Get", func(t *testing.T) {
		res := send(t, ts, "GET", "/api/v1/events/budget", token, "")
		if ev := decode[liveblog.Event](t, res); res.status != http.StatusOK || ev.Slug != "budget" {
			t.Errorf("got %d %+v, want 200 budget", res.status, ev)
		}
		if got, want := res.header.Get("ETag"), `"1"`; got != want {
			t.Errorf("ETag = %q, want %q", got, want)
		}
	})
	t.Run("List", func(t *testing.T) {
		res := send(t, ts, "GET", "/api/v1/events", token, "")
		list := decode[struct{ Events []liveblog.Event }](t, res)
		if len(list.Events) != 2 || list.Events[0].Slug != "storm" {
			t.Errorf("events = %+v, want storm (live) then budget", list.Events)
		}
	})
	t.Run("ListByState", func(t *testing.T) {
		res := send(t, ts, "GET", "/api/v1/events?state=scheduled", token, "")
		if list := decode[struct{ Events []liveblog.Event }](t, res); len(list.Events) != 1 || list.Events[0].Slug != "budget" {
			t.Errorf("events = %+v, want only budget", list.Events)
		}
	})
	t.Run("ListPaged", func(t *testing.T) {
		res := send(t, ts, "GET", "/api/v1/events?limit=1", token, "")
		list := decode[struct {
			Events []liveblog.Event
			Next   string
		}](t, res)
		if len(list.Events) != 1 || list.Next == "" {
			t.Fatalf("list = %+v, want one event and a next link", list)
		}
		res = send(t, ts, "GET", list.Next, token, "")
		if next := decode[struct{ Events []liveblog.Event }](t, res); len(next.Events) != 1 || next.Events[0].Slug == list.Events[0].Slug {
			t.Errorf("next page = %+v, want the other event", next.Events)
		}
	})
	for _, tt := range []struct{ name, query, field string }{
		{"BadState", "state=over", "state"},
		{"BadLimit", "limit=0", "limit"},
		{"HugeLimit", "limit=1000", "limit"},
		{"BadOffset", "offset=-1", "offset"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, send(t, ts, "GET", "/api/v1/events?"+tt.query, token, ""), http.StatusBadRequest, tt.field)
		})
	}
	for _, tt := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"DuplicateSlug", `{"slug":"budget","title":"Again"}`, 409, "slug"},
		{"BadSlug", `{"slug":"Budget 2025!","title":"X"}`, 400, "slug"},
		{"NoTitle", `{"slug":"x"}`, 400, "title"},
		{"BadTimeZone", `{"slug":"x","title":"X","time_zone":"Mars/Olympus"}`, 400, "time_zone"},
		{"BadState", `{"slug":"x","title":"X","state":"over"}`, 400, "state"},
		{"EmptyPoint", `{"slug":"x","title":"X","summary":{"points":[" "]}}`, 400, "summary.points[0]"},
		{"SummaryTimestamp", `{"slug":"x","title":"X","summary":{"updated_at":"2025-01-01T00:00:00Z"}}`, 400, "summary.updated_at"},
		{"ServerField", `{"slug":"x","title":"X","version":7}`, 400, "version"},
	} {
		t.Run("Create"+tt.name, func(t *testing.T) {
			wantProblem(t, send(t, ts, "POST", "/api/v1/events", token, tt.body), tt.status, tt.field)
			if _, err := store.FindEventBySlug(context.Background(), "x"); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
				t.Errorf("refused event was stored (err %v)", err)
			}
		})
	}
	t.Run("UnknownSlug", func(t *testing.T) {
		wantProblem(t, send(t, ts, "GET", "/api/v1/events/missing", token, ""), http.StatusNotFound, "")
	})
	t.Run("ImpossibleSlug", func(t *testing.T) {
		wantProblem(t, send(t, ts, "GET", "/api/v1/events/"+url.PathEscape("Ünïcode"), token, ""), http.StatusNotFound, "")
	})
}

func TestUpdateEvent(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	path := "/api/v1/events/budget"

	version := 1
	for _, tt := range []struct{ name, ifMatch, body string }{
		{"IfMatch", `"1"`, `{"title":"Budget 2025"}`},
		{"WeakIfMatch", `W/"2"`, `{"description":"Live."}`},
		{"BareIfMatch", `3`, `{"time_zone":"Europe/Paris"}`},
		{"VersionField", ``, `{"title":"Budget day","version":4}`},
		{"Both", `"5"`, `{"title":"Budget","version":5}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, ts, "PATCH", path, token, tt.body, "If-Match", tt.ifMatch)
			if res.status != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", res.status, res.body)
			}
			version++
			if got := decode[liveblog.Event](t, res); got.Version != version {
				t.Errorf("version = %d, want %d", got.Version, version)
			}
			if got, want := res.header.Get("ETag"), fmt.Sprintf(`"%d"`, version); got != want {
				t.Errorf("ETag = %q, want %q", got, want)
			}
		})
	}
	got, _ := store.FindEventByID(context.Background(), ev.ID)
	if got.Title != "Budget" || got.Description != "Live." || got.TimeZone != "Europe/Paris" {
		t.Errorf("event = %+v, want every edit applied", got)
	}

	for _, tt := range []struct {
		name, ifMatch, body string
		status              int
		field               string
	}{
		{"MissingVersion", ``, `{"title":"X"}`, 428, "version"},
		{"StaleIfMatch", `"1"`, `{"title":"X"}`, 409, "version"},
		{"StaleVersion", ``, `{"title":"X","version":2}`, 409, "version"},
		{"BadIfMatch", `"abc"`, `{"title":"X"}`, 400, "If-Match"},
		{"ListIfMatch", `"6", "7"`, `{"title":"X"}`, 400, "If-Match"},
		{"StarIfMatch", `*`, `{"title":"X"}`, 400, "If-Match"},
		{"Disagree", `"6"`, `{"title":"X","version":5}`, 400, "version"},
		{"ZeroVersion", ``, `{"title":"X","version":0}`, 400, "version"},
		{"EmptyTitle", `"6"`, `{"title":"  "}`, 400, "title"},
		{"UnknownField", `"6"`, `{"slug":"other"}`, 400, "slug"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, store, ev.ID)
			p := wantProblem(t, send(t, ts, "PATCH", path, token, tt.body, "If-Match", tt.ifMatch), tt.status, tt.field)
			if tt.status == 409 && p.CurrentVersion != 6 {
				t.Errorf("current_version = %d, want 6", p.CurrentVersion)
			}
			if after := snapshot(t, store, ev.ID); after != before {
				t.Errorf("refused write changed the store:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	t.Run("UnknownSlug", func(t *testing.T) {
		wantProblem(t, send(t, ts, "PATCH", "/api/v1/events/missing", token, `{"title":"X"}`, "If-Match", `"1"`), 404, "")
	})
}

func TestSetCoverage(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	path := "/api/v1/events/budget/coverage"

	res := send(t, ts, "PUT", path, token, `{"state":"live","version":1}`)
	if got := decode[liveblog.Event](t, res); res.status != 200 || got.State != liveblog.CoverageLive || got.Version != 2 {
		t.Fatalf("got %d %+v, want 200, live, version 2", res.status, got)
	}
	if got := res.header.Get("ETag"); got != `"2"` {
		t.Errorf("ETag = %q, want \"2\"", got)
	}
	for _, tt := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"SameState", `{"state":"live","version":2}`, 400, "state"},
		{"BackToScheduled", `{"state":"scheduled","version":2}`, 400, "state"},
		{"UnknownState", `{"state":"over","version":2}`, 400, "state"},
		{"NoState", `{"version":2}`, 400, "state"},
		{"NoVersion", `{"state":"paused"}`, 428, "version"},
		{"Stale", `{"state":"paused","version":1}`, 409, "version"},
		{"WrongType", `{"state":1,"version":2}`, 400, "state"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, store, ev.ID)
			wantProblem(t, send(t, ts, "PUT", path, token, tt.body), tt.status, tt.field)
			if after := snapshot(t, store, ev.ID); after != before {
				t.Errorf("refused write changed the store")
			}
		})
	}
	t.Run("EndedIsFinal", func(t *testing.T) {
		if res := send(t, ts, "PUT", path, token, `{"state":"ended"}`, "If-Match", `"2"`); res.status != 200 {
			t.Fatalf("ending: status %d: %s", res.status, res.body)
		}
		wantProblem(t, send(t, ts, "PUT", path, token, `{"state":"live","version":3}`), 400, "state")
	})
}

func TestReplaceSummary(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	path := "/api/v1/events/budget/summary"

	res := send(t, ts, "PUT", path, token, `{"points":["Fuel duty frozen","Income tax unchanged"],"version":1}`)
	if got := decode[liveblog.Event](t, res); res.status != 200 || len(got.Summary.Points) != 2 || got.Version != 2 {
		t.Fatalf("got %d %+v", res.status, got)
	}
	tooMany := `["` + strings.Repeat(`a","`, liveblog.MaxSummaryPoints) + `a"]`
	for _, tt := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"EmptyPoint", `{"points":["ok",""],"version":2}`, 400, "points[1]"},
		{"TooMany", `{"points":` + tooMany + `,"version":2}`, 400, "points"},
		{"NoPoints", `{"version":2}`, 400, "points"},
		{"NullPoints", `{"points":null,"version":2}`, 400, "points"},
		{"NotStrings", `{"points":[1],"version":2}`, 400, "points[0]"},
		{"NoVersion", `{"points":[]}`, 428, "version"},
		{"Stale", `{"points":[],"version":1}`, 409, "version"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, store, ev.ID)
			wantProblem(t, send(t, ts, "PUT", path, token, tt.body), tt.status, tt.field)
			if after := snapshot(t, store, ev.ID); after != before {
				t.Errorf("refused write changed the store")
			}
		})
	}
	t.Run("Clear", func(t *testing.T) {
		res := send(t, ts, "PUT", path, token, `{"points":[]}`, "If-Match", `"2"`)
		if got := decode[liveblog.Event](t, res); res.status != 200 || len(got.Summary.Points) != 0 {
			t.Errorf("got %d %+v, want 200 and no points", res.status, got)
		}
	})
}

func TestPostsAPI(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	other := seedEvent(t, store, "storm")
	foreign := seedPosts(t, store, other, 1)[0]
	base := "/api/v1/events/budget/posts"
	ctx := context.Background()

	var post liveblog.Post
	t.Run("Create", func(t *testing.T) {
		res := send(t, ts, "POST", base, token, `{"headline":"Fuel duty frozen","blocks":[{"type":"paragraph","spans":[{"text":"Read the "},{"text":"statement","href":"https://www.gov.uk/"}]}],"contributors":[{"name":"Ann Reporter","role":"Political editor"}],"key_event":true}`)
		if res.status != http.StatusCreated {
			t.Fatalf("status = %d, want 201: %s", res.status, res.body)
		}
		post = decode[liveblog.Post](t, res)
		if post.Status != liveblog.StatusPublished || post.PublishedAt.IsZero() || !post.KeyEvent || post.EventID != ev.ID {
			t.Errorf("post = %+v, want published key event of budget", post)
		}
		if got, want := res.header.Get("Location"), fmt.Sprintf("%s/%d", base, post.ID); got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
		if got := res.header.Get("ETag"); got != `"1"` {
			t.Errorf("ETag = %q, want \"1\"", got)
		}
	})
	postPath := fmt.Sprintf("%s/%d", base, post.ID)

	var draft liveblog.Post
	t.Run("CreateDraft", func(t *testing.T) {
		res := send(t, ts, "POST", base, token, `{"headline":"Embargoed until 12:30","status":"draft"}`)
		draft = decode[liveblog.Post](t, res)
		if res.status != 201 || draft.Status != liveblog.StatusDraft || !draft.PublishedAt.IsZero() {
			t.Errorf("got %d %+v, want an unpublished draft", res.status, draft)
		}
	})
	t.Run("CreateScheduled", func(t *testing.T) {
		res := send(t, ts, "POST", base, token, `{"headline":"Later","status":"scheduled","scheduled_at":"2099-01-01T12:00:00+01:00"}`)
		if got := decode[liveblog.Post](t, res); res.status != 201 || got.Status != liveblog.StatusScheduled || got.ScheduledAt.Hour() != 11 {
			t.Errorf("got %d %+v, want scheduled at 11:00 UTC", res.status, got)
		}
	})
	t.Run("Get", func(t *testing.T) {
		res := send(t, ts, "GET", postPath, token, "")
		if got := decode[liveblog.Post](t, res); res.status != 200 || got.ID != post.ID || got.Headline != "Fuel duty frozen" {
			t.Errorf("got %d %+v", res.status, got)
		}
	})
	t.Run("ListPublished", func(t *testing.T) {
		res := send(t, ts, "GET", base, token, "")
		if list := decode[struct{ Posts []liveblog.Post }](t, res); len(list.Posts) != 1 || list.Posts[0].ID != post.ID {
			t.Errorf("posts = %+v, want only the published post", list.Posts)
		}
	})
	t.Run("ListByStatus", func(t *testing.T) {
		res := send(t, ts, "GET", base+"?status=draft,scheduled", token, "")
		if list := decode[struct{ Posts []liveblog.Post }](t, res); len(list.Posts) != 2 {
			t.Errorf("posts = %+v, want the draft and the scheduled post", list.Posts)
		}
	})
	for _, tt := range []struct{ name, query, field string }{
		{"BadStatus", "status=draft,lost", "status"},
		{"BadCursor", "before=yesterday", "before"},
		{"BadAfterCursor", "after=1-x", "after"},
		{"TwoCursors", "before=1-1&after=1-1", "after"},
		{"BadKey", "key=yes", "key"},
		{"BadOrder", "order=random", "order"},
		{"BadLimit", "limit=-1", "limit"},
	} {
		t.Run("List"+tt.name, func(t *testing.T) {
			wantProblem(t, send(t, ts, "GET", base+"?"+tt.query, token, ""), 400, tt.field)
		})
	}
	for _, tt := range []struct{ name, path string }{
		{"UnknownID", base + "/999999"},
		{"ForeignPost", fmt.Sprintf("%s/%d", base, foreign.ID)},
		{"NonNumericID", base + "/abc"},
		{"ZeroID", base + "/0"},
		{"LeadingZero", fmt.Sprintf("%s/0%d", base, post.ID)},
		{"Overflow", base + "/99999999999999999999"},
		{"UnknownSlug", fmt.Sprintf("/api/v1/events/missing/posts/%d", post.ID)},
	} {
		t.Run("Get"+tt.name, func(t *testing.T) {
			wantProblem(t, send(t, ts, "GET", tt.path, token, ""), 404, "")
		})
	}
	t.Run("Update", func(t *testing.T) {
		res := send(t, ts, "PATCH", postPath, token, `{"headline":"Fuel duty frozen again","correction_note":"Headline corrected."}`, "If-Match", `"1"`)
		got := decode[liveblog.Post](t, res)
		if res.status != 200 || got.Headline != "Fuel duty frozen again" || got.Version != 2 || got.EditedAt.IsZero() {
			t.Errorf("got %d %+v, want the edit at version 2", res.status, got)
		}
		if res.header.Get("ETag") != `"2"` {
			t.Errorf("ETag = %q, want \"2\"", res.header.Get("ETag"))
		}
	})
	for _, tt := range []struct {
		name, path, ifMatch, body string
		status                    int
		field                     string
	}{
		{"MissingVersion", postPath, "", `{"headline":"X"}`, 428, "version"},
		{"Stale", postPath, `"1"`, `{"headline":"X"}`, 409, "version"},
		{"JavascriptLink", postPath, `"2"`, `{"blocks":[{"type":"paragraph","spans":[{"text":"x","href":"javascript:alert(1)"}]}]}`, 400, "blocks[0].spans[0].href"},
		{"Unpublish", postPath, `"2"`, `{"status":"draft"}`, 400, "status"},
		{"UnknownField", postPath, `"2"`, `{"pinned":true}`, 400, "pinned"},
		{"ForeignPost", fmt.Sprintf("%s/%d", base, foreign.ID), `"1"`, `{"headline":"X"}`, 404, ""},
		{"NonNumericID", base + "/first", `"1"`, `{"headline":"X"}`, 404, ""},
	} {
		t.Run("Update"+tt.name, func(t *testing.T) {
			before, beforeOther := snapshot(t, store, ev.ID), snapshot(t, store, other.ID)
			p := wantProblem(t, send(t, ts, "PATCH", tt.path, token, tt.body, "If-Match", tt.ifMatch), tt.status, tt.field)
			if tt.status == 409 && p.CurrentVersion != 2 {
				t.Errorf("current_version = %d, want 2", p.CurrentVersion)
			}
			if snapshot(t, store, ev.ID) != before || snapshot(t, store, other.ID) != beforeOther {
				t.Errorf("refused write changed the store")
			}
		})
	}
	t.Run("PublishDraft", func(t *testing.T) {
		res := send(t, ts, "PATCH", fmt.Sprintf("%s/%d", base, draft.ID), token, `{"status":"published","version":1}`)
		if got := decode[liveblog.Post](t, res); res.status != 200 || got.Status != liveblog.StatusPublished {
			t.Errorf("got %d %+v, want published", res.status, got)
		}
	})
	t.Run("Pin", func(t *testing.T) {
		res := send(t, ts, "PUT", postPath+"/pin", token, `{"pinned":true,"version":2}`)
		if got := decode[liveblog.Post](t, res); res.status != 200 || !got.Pinned || got.Version != 3 {
			t.Errorf("got %d %+v, want pinned at version 3", res.status, got)
		}
	})
	for _, tt := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"NoPinned", `{"version":3}`, 400, "pinned"},
		{"NoVersion", `{"pinned":false}`, 428, "version"},
		{"Stale", `{"pinned":false,"version":2}`, 409, "version"},
		{"WrongType", `{"pinned":"no","version":3}`, 400, "pinned"},
	} {
		t.Run("Pin"+tt.name, func(t *testing.T) {
			before := snapshot(t, store, ev.ID)
			wantProblem(t, send(t, ts, "PUT", postPath+"/pin", token, tt.body), tt.status, tt.field)
			if snapshot(t, store, ev.ID) != before {
				t.Errorf("refused write changed the store")
			}
		})
	}
	t.Run("PinScheduled", func(t *testing.T) {
		res := send(t, ts, "POST", base, token, `{"headline":"Soon","status":"scheduled","scheduled_at":"2099-01-01T00:00:00Z"}`)
		p := decode[liveblog.Post](t, res)
		wantProblem(t, send(t, ts, "PUT", fmt.Sprintf("%s/%d/pin", base, p.ID), token, `{"pinned":true,"version":1}`), 400, "pinned")
	})
	t.Run("Unpin", func(t *testing.T) {
		res := send(t, ts, "PUT", postPath+"/pin", token, `{"pinned":false}`, "If-Match", `"3"`)
		if got := decode[liveblog.Post](t, res); res.status != 200 || got.Pinned {
			t.Errorf("got %d %+v, want unpinned", res.status, got)
		}
	})
	t.Run("DeleteWithoutVersion", func(t *testing.T) {
		wantProblem(t, send(t, ts, "DELETE", postPath, token, ""), 428, "version")
	})
	t.Run("DeleteStale", func(t *testing.T) {
		wantProblem(t, send(t, ts, "DELETE", postPath, token, "", "If-Match", `"1"`), 409, "version")
	})
	t.Run("DeleteForeign", func(t *testing.T) {
		wantProblem(t, send(t, ts, "DELETE", fmt.Sprintf("%s/%d", base, foreign.ID), token, "", "If-Match", `"1"`), 404, "")
		if p, _ := store.FindPostByID(ctx, foreign.ID); p.Status != liveblog.StatusPublished {
			t.Errorf("foreign post status = %s, want published", p.Status)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		res := send(t, ts, "DELETE", postPath, token, "", "If-Match", `"4"`)
		if got := decode[liveblog.Post](t, res); res.status != 200 || got.Status != liveblog.StatusDeleted || got.Version != 5 {
			t.Errorf("got %d %+v, want deleted at version 5", res.status, got)
		}
	})
	t.Run("DeleteAgain", func(t *testing.T) {
		wantProblem(t, send(t, ts, "DELETE", postPath, token, "", "If-Match", `"5"`), 410, "")
	})
	t.Run("RestoreWithoutVersion", func(t *testing.T) {
		wantProblem(t, send(t, ts, "POST", postPath+"/restore", token, "", "Content-Type", ""), 428, "version")
	})
	t.Run("Restore", func(t *testing.T) {
		res := send(t, ts, "POST", postPath+"/restore", token, `{"version":5}`)
		if got := decode[liveblog.Post](t, res); res.status != 200 || got.Status != liveblog.StatusPublished {
			t.Errorf("got %d %+v, want published again", res.status, got)
		}
	})
	t.Run("RestorePublished", func(t *testing.T) {
		wantProblem(t, send(t, ts, "POST", postPath+"/restore", token, "", "Content-Type", "", "If-Match", `"6"`), 400, "status")
	})
	t.Run("DeleteWithBody", func(t *testing.T) {
		if res := send(t, ts, "DELETE", postPath, token, `{"version":6}`); res.status != 200 {
			t.Errorf("status = %d, want 200: %s", res.status, res.body)
		}
	})
}

// TestListPostsPages walks the API listing by its next links.
func TestListPostsPages(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	seedPosts(t, store, ev, 25)
	for _, tt := range []struct {
		name, query string
		first, last string
	}{
		{"NewestFirst", "limit=10", "Post 25", "Post 1"},
		{"OldestFirst", "limit=10&order=oldest", "Post 1", "Post 25"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var headlines []string
			next := "/api/v1/events/budget/posts?" + tt.query
			for pages := 0; next != ""; pages++ {
				if pages > 5 {
					t.Fatal("next links do not end")
				}
				list := decode[struct {
					Posts []liveblog.Post
					Next  string
				}](t, send(t, ts, "GET", next, token, ""))
				for _, p := range list.Posts {
					headlines = append(headlines, p.Headline)
				}
				next = list.Next
			}
			if len(headlines) != 25 || headlines[0] != tt.first || headlines[24] != tt.last {
				t.Errorf("walked %d posts %v, want 25 from %s to %s", len(headlines), headlines, tt.first, tt.last)
			}
		})
	}
}

func TestListPostsAfterCursor(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	posts := seedPosts(t, store, ev, 25)
	// From post 5 towards newer posts: pages of ten, each newest first.
	next := "/api/v1/events/budget/posts?limit=10&after=" + liveblog.CursorOf(posts[4]).String()
	var pages [][]string
	for next != "" && len(pages) < 5 {
		list := decode[struct {
			Posts []liveblog.Post
			Next  string
		}](t, send(t, ts, "GET", next, token, ""))
		var page []string
		for _, p := range list.Posts {
			page = append(page, p.Headline)
		}
		pages = append(pages, page)
		next = list.Next
	}
	got := fmt.Sprint(pages)
	want := "[[Post 15 Post 14 Post 13 Post 12 Post 11 Post 10 Post 9 Post 8 Post 7 Post 6] " +
		"[Post 25 Post 24 Post 23 Post 22 Post 21 Post 20 Post 19 Post 18 Post 17 Post 16] []]"
	if got != want {
		t.Errorf("pages %s, want %s", got, want)
	}
}
