package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// composerResult is what the desk answers a composer save with.
type composerResult struct {
	Post struct {
		ID             int64                  `json:"id"`
		Headline       string                 `json:"headline"`
		Blocks         []map[string]any       `json:"blocks"`
		Contributors   []liveblog.Contributor `json:"contributors"`
		Status         liveblog.PostStatus    `json:"status"`
		Version        int                    `json:"version"`
		CorrectionNote string                 `json:"correction_note"`
	} `json:"post"`
	HTML     string `json:"html"`
	Editable bool   `json:"editable"`
}

type composerConflict struct {
	problemDoc
	Current     composerResultPost `json:"current"`
	CurrentHTML string             `json:"current_html"`
}

type composerResultPost struct {
	Headline string `json:"headline"`
	Version  int    `json:"version"`
}

func TestDeskComposer(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()
	ev := env.newEvent(t)
	base := "/desk/events/" + ev.Slug
	reporter := env.signIn(t, "reporter@example.com")
	editor := env.signIn(t, "editor@example.com")

	t.Run("DraftAutosaveThenPublish", func(t *testing.T) {
		draft := map[string]any{
			"headline": "Fuel duty frozen",
			"blocks": []map[string]any{
				{"type": "text", "text": "The chancellor **confirms** the _freeze_.\n\nSee [the statement](https://www.gov.uk/budget)."},
				{"type": "list", "text": "- Petrol\n- **Diesel** too\n\n"},
				{"type": "quote", "text": "We will not raise it.", "attribution": "The chancellor"},
				{"type": "embed", "url": "", "title": ""}, // added and left empty
			},
			"contributors": []map[string]string{{"name": "Rita Reporter", "role": "Political correspondent"}},
			"status":       "draft",
		}
		res := reporter.postJSON(t, "POST", base+"/posts", draft)
		if res.status != http.StatusCreated {
			t.Fatalf("create draft: status %d: %s", res.status, res.body)
		}
		saved := decodeJSON[composerResult](t, res)
		if saved.Post.Status != liveblog.StatusDraft || saved.Post.Version != 1 || !saved.Editable {
			t.Errorf("draft = %+v", saved.Post)
		}
		p, err := env.store.FindPostByID(ctx, saved.Post.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.AuthorID != env.reporter.ID || len(p.Blocks) != 4 {
			t.Fatalf("stored post: author %d, %d blocks; want the reporter and 4 blocks (2 paragraphs, list, quote)", p.AuthorID, len(p.Blocks))
		}
		want := []liveblog.Span{{Text: "The chancellor "}, {Text: "confirms", Bold: true}, {Text: " the "}, {Text: "freeze", Italic: true}, {Text: "."}}
		if got, _ := json.Marshal(p.Blocks[0].Spans); string(got) != mustJSON(t, want) {
			t.Errorf("first paragraph = %s, want %s", got, mustJSON(t, want))
		}
		if p.Blocks[1].Spans[1].Href != "https://www.gov.uk/budget" {
			t.Errorf("link = %+v", p.Blocks[1].Spans)
		}
		if got := len(p.Blocks[2].Items); got != 2 || !p.Blocks[2].Items[1][0].Bold {
			t.Errorf("list = %+v, want two items, the second bold", p.Blocks[2].Items)
		}
		if page := get(t, env.ts, "/live/"+ev.Slug); strings.Contains(string(page.body), "Fuel duty frozen") {
			t.Errorf("a draft is on the reader page")
		}

		draft["headline"] = "Fuel duty frozen again"
		draft["version"] = 1
		res = reporter.postJSON(t, "PUT", base+"/posts/"+strconv.FormatInt(saved.Post.ID, 10), draft)
		if saved = decodeJSON[composerResult](t, res); res.status != http.StatusOK || saved.Post.Version != 2 {
			t.Fatalf("autosave: status %d version %d: %s", res.status, saved.Post.Version, res.body)
		}

		draft["status"], draft["version"] = "published", 2
		res = reporter.postJSON(t, "PUT", base+"/posts/"+strconv.FormatInt(saved.Post.ID, 10), draft)
		if saved = decodeJSON[composerResult](t, res); res.status != http.StatusOK || saved.Post.Status != liveblog.StatusPublished {
			t.Fatalf("publish: status %d: %s", res.status, res.body)
		}
		page := string(get(t, env.ts, "/live/"+ev.Slug).body)
		for _, want := range []string{"Fuel duty frozen again", "<strong>confirms</strong>", "<em>freeze</em>", `href="https://www.gov.uk/budget"`, "We will not raise it."} {
			if !strings.Contains(page, want) {
				t.Errorf("reader page lacks %q", want)
			}
		}

		// Loaded back into the composer, the text is the markup typed.
		res = reporter.do(t, "GET", base+"/posts/"+strconv.FormatInt(saved.Post.ID, 10), "", "")
		loaded := decodeJSON[composerResult](t, res)
		if got, want := loaded.Post.Blocks[0]["text"], "The chancellor **confirms** the _freeze_."; got != want {
			t.Errorf("first block loaded as %q, want %q", got, want)
		}
		if got, want := loaded.Post.Blocks[2]["text"], "Petrol\n**Diesel** too"; got != want {
			t.Errorf("list loaded as %q, want %q", got, want)
		}
	})

	t.Run("StaleEditGetsCurrentText", func(t *testing.T) {
		p := env.newPost(t, ev, env.editor)
		path := base + "/posts/" + strconv.FormatInt(p.ID, 10)
		edit := func(c *deskClient, headline string, version int) *response {
			return c.postJSON(t, "PUT", path, map[string]any{"headline": headline, "blocks": []map[string]any{{"type": "text", "text": "Body."}},
				"contributors": []any{}, "status": "published", "version": version})
		}
		admin := env.signIn(t, "admin@example.com")
		if res := edit(admin, "The admin's headline", p.Version); res.status != http.StatusOK {
			t.Fatalf("first edit: status %d: %s", res.status, res.body)
		}
		res := edit(editor, "The editor's headline", p.Version)
		c := decodeJSON[composerConflict](t, res)
		if res.status != http.StatusConflict || c.CurrentVersion != p.Version+1 || c.Current.Headline != "The admin's headline" ||
			!strings.Contains(c.CurrentHTML, "The admin&#39;s headline") || !strings.Contains(c.Detail, "Someone else saved this post") {
			t.Errorf("status %d, conflict %+v", res.status, c)
		}
		if res := edit(editor, "The editor's headline", c.CurrentVersion); res.status != http.StatusOK {
			t.Errorf("saving over theirs with the current version: status %d", res.status)
		}
	})

	t.Run("EmbedCaptureKeptAndCorrected", func(t *testing.T) {
		// A post whose embed was captured, opened in the composer and
		// saved with the captured text corrected: the correction is
		// kept, and so is everything the form only carries.
		captured := liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://x.com/agency/status/1887503281937625469", Title: "A statement",
			Author: "The agency", Text: "We have no comment at this tme.", Thumbnail: "/media/0123456789abcdef0123456789abcdef-320.jpg",
			PostedAt: time.Date(2025, 2, 13, 8, 0, 0, 0, time.UTC), Width: 550, Height: 700}
		p := &liveblog.Post{EventID: ev.ID, Headline: "The agency answers", Blocks: []liveblog.Block{captured}}
		if err := env.store.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		path := base + "/posts/" + strconv.FormatInt(p.ID, 10)
		loaded := decodeJSON[composerResult](t, editor.do(t, "GET", path, "", ""))
		blocks := loaded.Post.Blocks
		if blocks[0]["author"] != "The agency" || blocks[0]["posted_at"] != "2025-02-13T08:00:00Z" {
			t.Fatalf("composer form of the embed: %v", blocks[0])
		}
		blocks[0]["text"] = "We have no comment at this time."
		res := editor.postJSON(t, "PUT", path, map[string]any{"headline": "The agency answers", "blocks": blocks,
			"contributors": []any{}, "status": "published", "version": p.Version})
		if res.status != http.StatusOK {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		got, err := env.store.FindPostByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := captured
		want.Text, want.Provider, want.ProviderID = "We have no comment at this time.", "x", "1887503281937625469"
		if g, w := mustJSON(t, got.Blocks), mustJSON(t, []liveblog.Block{want}); g != w {
			t.Errorf("stored %s\nwant   %s", g, w)
		}
	})

	t.Run("CorrectionNote", func(t *testing.T) {
		p := env.newPost(t, ev, env.editor)
		res := editor.postJSON(t, "PUT", base+"/posts/"+strconv.FormatInt(p.ID, 10), map[string]any{
			"headline": "Corrected headline", "blocks": []map[string]any{{"type": "text", "text": "Body."}}, "contributors": []any{},
			"status": "published", "version": p.Version, "correction_note": "An earlier version gave the wrong year."})
		if res.status != http.StatusOK {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		page := string(get(t, env.ts, "/live/"+ev.Slug).body)
		if !strings.Contains(page, "An earlier version gave the wrong year.") || !strings.Contains(page, "post-updated") {
			t.Errorf("reader page lacks the correction note")
		}
	})

	t.Run("ErrorNamesComposerBlock", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			blocks []map[string]any
			field  string
		}{
			{"ImageWithoutAlt", []map[string]any{{"type": "text", "text": "One.\n\nTwo.\n\nThree."}, {"type": "image", "src": "/media/x.jpg", "alt": ""}}, "blocks[1].alt"},
			{"JavascriptLink", []map[string]any{{"type": "quote", "text": "Q"}, {"type": "text", "text": "[x](javascript:alert(1))"}}, "blocks[1].spans[0].href"},
			{"UnknownType", []map[string]any{{"type": "video", "url": "https://example.com"}}, "blocks[0].type"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := editor.postJSON(t, "POST", base+"/posts", map[string]any{"headline": "H", "blocks": tt.blocks, "contributors": []any{}, "status": "published"})
				wantProblem(t, res, http.StatusBadRequest, tt.field)
			})
		}
	})

	t.Run("PreviewShowsFacade", func(t *testing.T) {
		// A pasted address of a provider previews as the facade readers
		// will see, with no frame: the desk asks the provider nothing.
		res := reporter.postJSON(t, "POST", base+"/preview", map[string]any{"headline": "The swell",
			"blocks": []map[string]any{{"type": "embed", "url": "https://youtu.be/StormElowen", "author": "Coastwatch", "text": "Waves at the harbour."}}, "contributors": []any{}})
		body := string(res.body)
		for _, want := range []string{`<figure class="facade" data-provider="youtube" data-frame="https://www.youtube-nocookie.com/embed/StormElowen"`,
			`<span class="facade-author">Coastwatch</span>`, "<p>Waves at the harbour.</p>", "Show content from YouTube"} {
			if !strings.Contains(body, want) {
				t.Errorf("preview lacks %s: %s", want, body)
			}
		}
		if strings.Contains(body, "<iframe") {
			t.Errorf("preview has a frame: %s", body)
		}
	})

	t.Run("PreviewEscapes", func(t *testing.T) {
		res := reporter.postJSON(t, "POST", base+"/preview", map[string]any{"headline": "<img src=x onerror=alert(1)>",
			"blocks": []map[string]any{{"type": "text", "text": "<script>alert(1)</script> and **bold**"}}, "contributors": []any{}})
		body := string(res.body)
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d type %q", res.status, res.header.Get("Content-Type"))
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "<img src=x") {
			t.Errorf("preview is not escaped: %s", body)
		}
		if !strings.Contains(body, "&lt;script&gt;") || !strings.Contains(body, "<strong>bold</strong>") {
			t.Errorf("preview = %s", body)
		}
	})

	t.Run("Schedule", func(t *testing.T) {
		at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		res := editor.postJSON(t, "POST", base+"/posts", map[string]any{"headline": "Later", "blocks": []any{}, "contributors": []any{},
			"status": "scheduled", "scheduled_at": at.Format(time.RFC3339)})
		saved := decodeJSON[composerResult](t, res)
		if res.status != http.StatusCreated || saved.Post.Status != liveblog.StatusScheduled {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		queue := string(editor.do(t, "GET", base+"/queue", "", "").body)
		if !strings.Contains(queue, "Later") || !strings.Contains(queue, `datetime="`+at.Format(time.RFC3339)+`"`) {
			t.Errorf("queue does not list the scheduled post: %s", queue)
		}
		published, err := env.store.PublishDuePosts(ctx, at.Add(time.Second))
		if err != nil || len(published) != 1 || published[0].ID != saved.Post.ID {
			t.Errorf("PublishDuePosts = %v, %v; want the scheduled post", published, err)
		}
	})
}

func TestDeskHistory(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()
	ev := env.newEvent(t)
	editor := env.signIn(t, "editor@example.com")
	p := env.newPost(t, ev, env.editor, func(p *liveblog.Post) { p.Headline = "First" })
	other := env.newPost(t, ev, env.editor, func(p *liveblog.Post) { p.Headline = "Another post" })
	for i, h := range []string{"Second", "Third"} {
		if _, err := env.store.ChangePost(ctx, liveblog.Write{}, p.ID, &liveblog.PostUpdate{Headline: &h, Version: i + 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.store.ChangePost(ctx, liveblog.Write{}, other.ID, &liveblog.PostUpdate{Headline: new("Another, edited"), Version: 1}); err != nil {
		t.Fatal(err)
	}
	type history struct {
		Revisions []struct {
			Kind liveblog.ChangeKind `json:"kind"`
			Post composerResultPost  `json:"post"`
			HTML string              `json:"html"`
		} `json:"revisions"`
	}
	path := "/desk/events/" + ev.Slug + "/posts/" + strconv.FormatInt(p.ID, 10) + "/history"
	res := editor.do(t, "GET", path, "", "")
	h := decodeJSON[history](t, res)
	var got []string
	for _, r := range h.Revisions {
		got = append(got, string(r.Kind)+" "+r.Post.Headline)
		if !strings.Contains(r.HTML, r.Post.Headline) {
			t.Errorf("revision %q: html without its headline", r.Post.Headline)
		}
	}
	if want := "post.updated Third,post.updated Second,post.published First"; strings.Join(got, ",") != want {
		t.Errorf("history = %s, want %s", strings.Join(got, ","), want)
	}

	t.Run("DeletedPostKeepsNone", func(t *testing.T) {
		cur, _ := env.store.FindPostByID(ctx, p.ID)
		if _, err := env.store.ChangePost(ctx, liveblog.Write{}, p.ID, liveblog.DeletePost{Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
		if h := decodeJSON[history](t, editor.do(t, "GET", path, "", "")); len(h.Revisions) != 0 {
			t.Errorf("a deleted post's history lists %d revisions; its text must have left the feed", len(h.Revisions))
		}
	})
	t.Run("NotSignedIn", func(t *testing.T) {
		wantProblem(t, env.browser(t).do(t, "GET", path, "", ""), http.StatusUnauthorized, "")
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDeskPages(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ev := env.newEvent(t)
	p := env.newPost(t, ev, env.editor)
	editor := env.signIn(t, "editor@example.com")
	reporter := env.signIn(t, "reporter@example.com")

	t.Run("Dashboard", func(t *testing.T) {
		body := string(editor.do(t, "GET", "/desk/", "", "", "Accept", "text/html").body)
		for _, want := range []string{`href="/desk/events/` + ev.Slug + `"`, `action="/desk/events"`, "Ed Editor"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		if body := string(reporter.do(t, "GET", "/desk/", "", "", "Accept", "text/html").body); strings.Contains(body, `action="/desk/events"`) {
			t.Errorf("a reporter is offered the new event form")
		}
	})
	t.Run("CreateEventRefusedKeepsForm", func(t *testing.T) {
		res := editor.postForm(t, "/desk/events", map[string][]string{"slug": {"Not A Slug"}, "title": {"Kept <title>"}, "time_zone": {"Europe/London"}})
		body := string(res.body)
		if res.status != http.StatusBadRequest || !strings.Contains(body, "Kept &lt;title&gt;") || !strings.Contains(body, "lowercase letters") {
			t.Errorf("status %d; want 400 with the form kept and the reason", res.status)
		}
	})
	t.Run("CreateEventLanguage", func(t *testing.T) {
		if body := string(editor.do(t, "GET", "/desk/", "", "", "Accept", "text/html").body); !strings.Contains(body, `name="language" required maxlength="35" autocomplete="off" spellcheck="false" value="en"`) {
			t.Errorf("the new event form offers no language, or not the default")
		}
		res := editor.postForm(t, "/desk/events", map[string][]string{"slug": {"kept-language"}, "title": {"Kept"}, "time_zone": {"Europe/London"}, "language": {"Arabic please"}})
		if body := string(res.body); res.status != http.StatusBadRequest || !strings.Contains(body, "not a language tag") || !strings.Contains(body, `value="Arabic please"`) {
			t.Errorf("status %d; want 400 with the language kept and the reason", res.status)
		}
		res = editor.postForm(t, "/desk/events", map[string][]string{"slug": {"bil-arabiya"}, "title": {"بالعربية"}, "time_zone": {"Asia/Beirut"}, "language": {"ar"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", res.status)
		}
		if got, err := env.store.FindEventBySlug(context.Background(), "bil-arabiya"); err != nil || got.Language != "ar" {
			t.Errorf("stored event: %v, %v; want language ar", got, err)
		}
	})
	t.Run("EventDesk", func(t *testing.T) {
		body := string(editor.do(t, "GET", "/desk/events/"+ev.Slug, "", "", "Accept", "text/html").body)
		for _, want := range []string{`id="composer"`, `id="live"`, `data-head="`, `id="post-` + strconv.FormatInt(p.ID, 10) + `"`,
			`id="coverage"`, `id="summary-form"`, `id="flag-breaking"`, "reader.", "desk.", `data-mine`} {
			if !strings.Contains(body, want) {
				t.Errorf("event desk lacks %q", want)
			}
		}
	})
	t.Run("EventDeskForReporter", func(t *testing.T) {
		body := string(reporter.do(t, "GET", "/desk/events/"+ev.Slug, "", "", "Accept", "text/html").body)
		for _, absent := range []string{`id="coverage"`, `id="summary-form"`, `id="flag-breaking"`} {
			if strings.Contains(body, absent) {
				t.Errorf("a reporter's desk has %q", absent)
			}
		}
	})
	t.Run("NoScriptOrStyleInline", func(t *testing.T) {
		body := string(editor.do(t, "GET", "/desk/events/"+ev.Slug, "", "", "Accept", "text/html").body)
		if strings.Contains(body, "<script>") || strings.Contains(body, "style=") || strings.Contains(body, "onclick") {
			t.Errorf("the desk has inline script or style, which its policy refuses")
		}
	})
	t.Run("CoverageFromStaleState", func(t *testing.T) {
		res := editor.do(t, "POST", "/desk/events/"+ev.Slug+"/coverage", "application/x-www-form-urlencoded", "from=scheduled&state=paused")
		wantProblem(t, res, http.StatusConflict, "")
		res = editor.do(t, "POST", "/desk/events/"+ev.Slug+"/coverage", "application/x-www-form-urlencoded", "from=live&state=paused")
		if got := decodeJSON[struct{ Event liveblog.Event }](t, res); res.status != http.StatusOK || got.Event.State != liveblog.CoveragePaused {
			t.Errorf("status %d, state %s; want paused", res.status, got.Event.State)
		}
	})
	t.Run("SummaryConflict", func(t *testing.T) {
		cur, _ := env.store.FindEventByID(context.Background(), ev.ID)
		if _, err := env.store.ChangeEvent(context.Background(), liveblog.Write{}, ev.ID, liveblog.ReplaceSummary{Points: []string{"Theirs"}, Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
		res := editor.do(t, "POST", "/desk/events/"+ev.Slug+"/summary", "application/x-www-form-urlencoded",
			"version="+strconv.Itoa(cur.Version)+"&points=Mine")
		var c struct {
			Status         int      `json:"status"`
			CurrentVersion int      `json:"current_version"`
			CurrentPoints  []string `json:"current_points"`
		}
		if err := json.Unmarshal(res.body, &c); err != nil {
			t.Fatal(err)
		}
		if res.status != http.StatusConflict || c.CurrentVersion != cur.Version+1 || strings.Join(c.CurrentPoints, ",") != "Theirs" {
			t.Errorf("status %d, %+v; want 409 with their points", res.status, c)
		}
	})
}
