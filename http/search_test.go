package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// searchPosts are an event's posts for the search tests: a published post
// whose body holds markup-like text, a draft and one taken down.
func searchPosts(t *testing.T, env *deskEnv, ev *liveblog.Event) (quote, draft, gone *liveblog.Post) {
	t.Helper()
	quote = env.newPost(t, ev, env.editor, func(p *liveblog.Post) {
		p.Headline = "Minister's quote on <b>ferries</b>"
		p.Blocks = []liveblog.Block{liveblog.Plain(`The minister said: "<script>alert(1)</script> ferries will sail & the harbour stays open."`)}
	})
	draft = env.newPost(t, ev, env.editor, func(p *liveblog.Post) {
		p.Headline, p.Status = "Draft about ferries", liveblog.StatusDraft
	})
	gone = env.newPost(t, ev, env.editor, func(p *liveblog.Post) { p.Headline = "Ferries libel" })
	if _, err := env.store.ChangePost(context.Background(), liveblog.Write{}, gone.ID, liveblog.DeletePost{Version: gone.Version}); err != nil {
		t.Fatal(err)
	}
	return quote, draft, gone
}

func TestSearchAPI(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ev := env.newEvent(t)
	quote, draft, _ := searchPosts(t, env, ev)
	path := "/api/v1/events/" + ev.Slug + "/posts?"
	ids := func(t *testing.T, res *response) []int64 {
		t.Helper()
		if res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200: %s", res.status, res.body)
		}
		var got []int64
		for _, p := range decode[struct{ Posts []liveblog.Post }](t, res).Posts {
			got = append(got, p.ID)
		}
		return got
	}
	t.Run("Published", func(t *testing.T) {
		if got := ids(t, send(t, env.ts, "GET", path+"q=harbour", env.token, "")); len(got) != 1 || got[0] != quote.ID {
			t.Fatalf("got posts %v, want [%d]", got, quote.ID)
		}
		if got := ids(t, send(t, env.ts, "GET", path+"q=ferries", env.token, "")); len(got) != 1 || got[0] != quote.ID {
			t.Fatalf("got posts %v, want only the published post %d", got, quote.ID)
		}
	})
	t.Run("Drafts", func(t *testing.T) {
		got := ids(t, send(t, env.ts, "GET", path+"q=ferries&status=draft,published", env.token, ""))
		if len(got) != 2 || got[0] != draft.ID {
			t.Fatalf("got posts %v, want the draft %d (headline) then %d", got, draft.ID, quote.ID)
		}
	})
	t.Run("Next", func(t *testing.T) {
		res := send(t, env.ts, "GET", path+"q=ferries&status=draft,published&limit=1", env.token, "")
		list := decode[struct {
			Posts []liveblog.Post
			Next  string
		}](t, res)
		if len(list.Posts) != 1 || !strings.Contains(list.Next, "offset=1") || !strings.Contains(list.Next, "q=ferries") {
			t.Fatalf("got %d posts, next %q; want 1 and a next page at offset 1", len(list.Posts), list.Next)
		}
		if got := ids(t, send(t, env.ts, "GET", list.Next, env.token, "")); len(got) != 1 || got[0] != quote.ID {
			t.Fatalf("next page: got %v, want [%d]", got, quote.ID)
		}
	})
	for _, tt := range []struct{ name, query, field string }{
		{"Empty", "q=", "q"},
		{"TooLong", "q=" + strings.Repeat("x", liveblog.MaxSearchLength+1), "q"},
		{"Cursor", "q=ferries&before=1-1", "before"},
		{"Deleted", "q=ferries&status=deleted", "status"},
		{"Offset", "q=ferries&offset=100000", "offset"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, send(t, env.ts, "GET", path+tt.query, env.token, ""), http.StatusBadRequest, tt.field)
		})
	}
	t.Run("NoToken", func(t *testing.T) {
		wantProblem(t, send(t, env.ts, "GET", path+"q=ferries", "", ""), http.StatusUnauthorized, "")
	})
}

func TestSearchPage(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ev := env.newEvent(t)
	quote, _, _ := searchPosts(t, env, ev)
	page := "/live/" + ev.Slug + "/search?q="

	t.Run("FormOnEventPage", func(t *testing.T) {
		res := send(t, env.ts, "GET", "/live/"+ev.Slug, "", "")
		if !strings.Contains(string(res.body), `<form class="search-form" role="search" action="/live/`+ev.Slug+`/search" method="get">`) {
			t.Fatalf("the event page has no search form:\n%s", res.body)
		}
	})
	t.Run("Found", func(t *testing.T) {
		res := send(t, env.ts, "GET", page+url.QueryEscape("harbour"), "", "")
		body := string(res.body)
		if res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200", res.status)
		}
		for _, want := range []string{
			// The headline's markup is text, escaped, and the match is
			// marked after escaping.
			`<a href="/live/` + ev.Slug + `/posts/` + itoa(quote.ID) + `">Minister&#39;s quote on &lt;b&gt;ferries&lt;/b&gt;</a>`,
			`&lt;script&gt;alert(1)&lt;/script&gt; ferries will sail &amp; the <mark>harbour</mark> stays open.`,
			`value="harbour"`,
			`<meta name="robots" content="noindex">`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the results page lacks %s:\n%s", want, body)
			}
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("the post's text reached the page unescaped")
		}
	})
	t.Run("PublishedOnly", func(t *testing.T) {
		body := string(send(t, env.ts, "GET", page+"ferries", "", "").body)
		if strings.Contains(body, "Draft about") || strings.Contains(body, "libel") {
			t.Errorf("a reader found a draft or a deleted post:\n%s", body)
		}
		if !strings.Contains(body, "<mark>ferries</mark>") {
			t.Errorf("no marked match:\n%s", body)
		}
	})
	t.Run("NoMatch", func(t *testing.T) {
		res := send(t, env.ts, "GET", page+"zeppelin", "", "")
		if res.status != http.StatusOK || !strings.Contains(string(res.body), "No posts match “zeppelin”") {
			t.Errorf("status %d, want 200 and a no-match message:\n%s", res.status, res.body)
		}
	})
	for _, tt := range []struct{ name, q, message string }{
		{"Empty", "", "Type a word to search for."},
		{"TooLong", strings.Repeat("x", liveblog.MaxSearchLength+1), "A search is at most 200 characters."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, env.ts, "GET", page+url.QueryEscape(tt.q), "", "")
			body := string(res.body)
			if res.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", res.status)
			}
			if !strings.Contains(body, `aria-invalid="true" aria-describedby="search-error"`) ||
				!strings.Contains(body, `<p id="search-error" class="field-error" role="alert">`+tt.message+`</p>`) {
				t.Errorf("no message beside the field:\n%s", body)
			}
		})
	}
	t.Run("NoEvent", func(t *testing.T) {
		if res := send(t, env.ts, "GET", "/live/no-such-event/search?q=x", "", ""); res.status != http.StatusNotFound {
			t.Errorf("status = %d, want 404", res.status)
		}
	})
}

func TestDeskSearch(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ev := env.newEvent(t)
	other := env.newEvent(t)
	quote, draft, gone := searchPosts(t, env, ev)
	elsewhere := env.newPost(t, other, env.reporter, func(p *liveblog.Post) { p.Headline = "Ferries at the other event" })

	hits := func(t *testing.T, c *deskClient, q string) string {
		t.Helper()
		res := c.do(t, "GET", "/desk/search?q="+url.QueryEscape(q), "", "")
		if res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200: %s", res.status, res.body)
		}
		return string(res.body)
	}
	has := func(body string, p *liveblog.Post) bool { return strings.Contains(body, `data-post="`+itoa(p.ID)+`"`) }

	t.Run("Editor", func(t *testing.T) {
		body := hits(t, env.signIn(t, env.editor.Email), "ferries")
		if !has(body, quote) || !has(body, draft) || !has(body, elsewhere) || has(body, gone) {
			t.Fatalf("an editor's search: want the published post, the draft and the other event's post, not the deleted one:\n%s", body)
		}
		if !strings.Contains(body, `<span class="status-badge">draft</span>`) {
			t.Errorf("the draft is not marked as one:\n%s", body)
		}
	})
	t.Run("Reporter", func(t *testing.T) {
		body := hits(t, env.signIn(t, env.reporter.Email), "ferries")
		if !has(body, quote) || has(body, draft) || !has(body, elsewhere) {
			t.Fatalf("a reporter's search: want published posts of every event only:\n%s", body)
		}
	})
	t.Run("TooLong", func(t *testing.T) {
		res := env.signIn(t, env.editor.Email).do(t, "GET", "/desk/search?q="+strings.Repeat("x", 300), "", "")
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `class="field-error" role="alert">A search is at most`) {
			t.Errorf("status %d, want 400 and the message beside the field:\n%s", res.status, res.body)
		}
	})
	t.Run("SignedOut", func(t *testing.T) {
		res := env.browser(t).do(t, "GET", "/desk/search?q=ferries", "", "")
		if res.status == http.StatusOK {
			t.Fatalf("a signed-out browser searched the desk: %s", res.body)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
