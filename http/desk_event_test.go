package http_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// TestDeskEditEvent edits an event's title, description and time zone from
// its desk: the change is saved, audited and in the feed readers follow;
// bad input names its field and changes nothing; a stale form is refused.
func TestDeskEditEvent(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()
	editor := env.signIn(t, "editor@example.com")
	edit := func(t *testing.T, ev *liveblog.Event, title, description, zone string, version int) *response {
		t.Helper()
		form := url.Values{"version": {strconv.Itoa(version)}, "title": {title}, "description": {description}, "time_zone": {zone}}
		form.Set("csrf", editor.csrf)
		return editor.do(t, "POST", "/desk/events/"+ev.Slug, "application/x-www-form-urlencoded", form.Encode())
	}

	t.Run("OK", func(t *testing.T) {
		f := env.roleFixture(t)
		before, err := env.store.FindEventByID(ctx, f.ev.ID) // its posts moved the head
		if err != nil {
			t.Fatal(err)
		}
		res := edit(t, f.ev, "  Storm: the morning after ", "Clean-up across the city.", "America/New_York", f.ev.Version)
		if res.status != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", res.status, res.body)
		}
		got := decodeJSON[struct{ Event liveblog.Event }](t, res).Event
		if got.Title != "Storm: the morning after" || got.Description != "Clean-up across the city." || got.TimeZone != "America/New_York" || got.Version != f.ev.Version+1 {
			t.Errorf("answer = %q %q %q version %d, want the edit at version %d", got.Title, got.Description, got.TimeZone, got.Version, f.ev.Version+1)
		}
		stored, err := env.store.FindEventByID(ctx, f.ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Title != got.Title || stored.TimeZone != "America/New_York" {
			t.Errorf("stored event = %q in %s, want the edit", stored.Title, stored.TimeZone)
		}
		// Readers' pages hear of it through the feed.
		batch, err := env.store.FindChanges(ctx, liveblog.ChangeFilter{EventID: f.ev.ID, After: before.Head})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(batch.Changes); n != 1 || batch.Changes[0].Kind != liveblog.ChangeEvent || batch.Changes[0].Event.Title != got.Title {
			t.Errorf("feed after the edit = %d changes %+v, want one event.updated with the new title", n, batch.Changes)
		}
		entries, err := env.store.FindAudit(ctx, liveblog.AuditFilter{EventID: f.ev.ID, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Action != "event.update" || entries[0].UserID != env.editor.ID {
			t.Errorf("audit = %+v, want the editor's event.update", entries)
		}
		// The reader page shows the new title.
		page := get(t, env.ts, "/live/"+f.ev.Slug)
		if !strings.Contains(string(page.body), "Storm: the morning after") {
			t.Errorf("reader page does not show the new title")
		}
	})

	for _, tt := range []struct {
		name, title, description, zone, field string
	}{
		{"NoTitle", " ", "", "Europe/London", "title"},
		{"LongTitle", strings.Repeat("x", liveblog.MaxTitleLength+1), "", "Europe/London", "title"},
		{"LongDescription", "Title", strings.Repeat("x", liveblog.MaxDescriptionLength+1), "Europe/London", "description"},
		{"UnknownZone", "Title", "", "Mars/Olympus_Mons", "time_zone"},
		{"NoZone", "Title", "", "", "time_zone"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := env.roleFixture(t)
			res := edit(t, f.ev, tt.title, tt.description, tt.zone, f.ev.Version)
			p := decodeJSON[struct{ Field, Detail string }](t, res)
			if res.status != http.StatusBadRequest || p.Field != tt.field || p.Detail == "" {
				t.Errorf("status %d field %q detail %q, want 400 naming %s", res.status, p.Field, p.Detail, tt.field)
			}
			if stored, err := env.store.FindEventByID(ctx, f.ev.ID); err != nil || stored.Version != f.ev.Version {
				t.Errorf("event after a refused edit: %+v, %v; want it unchanged", stored, err)
			}
		})
	}

	t.Run("StaleVersion", func(t *testing.T) {
		f := env.roleFixture(t)
		if res := edit(t, f.ev, "First", "", "Europe/London", f.ev.Version); res.status != http.StatusOK {
			t.Fatalf("first edit: status %d: %s", res.status, res.body)
		}
		res := edit(t, f.ev, "Second", "", "Europe/London", f.ev.Version)
		if res.status != http.StatusConflict {
			t.Errorf("edit of a stale version: status %d, want 409: %s", res.status, res.body)
		}
		if stored, err := env.store.FindEventByID(ctx, f.ev.ID); err != nil || stored.Title != "First" {
			t.Errorf("event = %+v, %v; want the first edit kept", stored, err)
		}
	})

	t.Run("FormWithoutScript", func(t *testing.T) {
		f := env.roleFixture(t)
		res := editor.postForm(t, "/desk/events/"+f.ev.Slug, url.Values{"version": {strconv.Itoa(f.ev.Version)},
			"title": {"Plain form"}, "description": {""}, "time_zone": {"Europe/Paris"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/desk/events/"+f.ev.Slug {
			t.Errorf("status %d to %q, want 303 back to the desk", res.status, res.header.Get("Location"))
		}
	})
}

// TestDeskGuestBylines credits a guest from the composer: the byline is
// free text with a profile link, checked like every byline, and the desk
// offers the event's earlier guests again, apart from the accounts'.
func TestDeskGuestBylines(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()
	editor := env.signIn(t, "editor@example.com")
	f := env.roleFixture(t)
	guest := `{"name":"Olena K.","role":"Our correspondent in Kyiv","url":"https://example.org/olena"}`

	t.Run("Saved", func(t *testing.T) {
		res := editor.do(t, "POST", "/desk/events/"+f.ev.Slug+"/posts", "application/json",
			`{"headline":"Shelling reported","blocks":[],"contributors":[`+guest+`,{"name":"Reuters"}],"status":"published"}`)
		if res.status != http.StatusCreated {
			t.Fatalf("status %d, want 201: %s", res.status, res.body)
		}
		id := decodeJSON[struct{ Post struct{ ID int64 } }](t, res).Post.ID
		p, err := env.store.FindPostByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := []liveblog.Contributor{{Name: "Olena K.", Role: "Our correspondent in Kyiv", URL: "https://example.org/olena"}, {Name: "Reuters"}}
		if !slices.Equal(p.Contributors, want) {
			t.Errorf("bylines = %+v, want %+v", p.Contributors, want)
		}
		page := get(t, env.ts, "/live/"+f.ev.Slug)
		if !strings.Contains(string(page.body), `<a class="byline-name" href="https://example.org/olena" rel="author">Olena K.</a>`) {
			t.Errorf("the reader page does not link the guest's byline")
		}
	})
	for _, tt := range []struct{ name, byline, field string }{
		{"ScriptLink", `{"name":"A","url":"javascript:alert(1)"}`, "contributors[0].url"},
		{"NoName", `{"name":"","role":"Stringer"}`, "contributors[0].name"},
		{"ScriptAvatar", `{"name":"A","avatar":"javascript:alert(1)"}`, "contributors[0].avatar"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := editor.do(t, "POST", "/desk/events/"+f.ev.Slug+"/posts", "application/json",
				`{"headline":"Refused","blocks":[],"contributors":[`+tt.byline+`],"status":"published"}`)
			if p := decodeJSON[struct{ Field string }](t, res); res.status != http.StatusBadRequest || p.Field != tt.field {
				t.Errorf("status %d field %q, want 400 naming %s", res.status, p.Field, tt.field)
			}
		})
	}
	t.Run("OfferedAgain", func(t *testing.T) {
		// A second post by the same guest, and one by an account.
		editor.do(t, "POST", "/desk/events/"+f.ev.Slug+"/posts", "application/json",
			`{"headline":"Again","blocks":[],"contributors":[`+guest+`],"status":"draft"}`)
		res := editor.do(t, "GET", "/desk/events/"+f.ev.Slug, "", "", "Accept", "text/html")
		body := string(res.body)
		if n := strings.Count(body, `data-name="Olena K."`); n != 1 {
			t.Errorf("the guest is offered %d times, want once", n)
		}
		if !strings.Contains(body, `data-name="Olena K." data-role="Our correspondent in Kyiv" data-avatar="" data-url="https://example.org/olena" data-guest>`) {
			t.Errorf("the guest's byline is not offered whole")
		}
		if n := strings.Count(body, `data-name="Reuters"`); n != 1 {
			t.Errorf("the agency is offered %d times, want once", n)
		}
	})
}
