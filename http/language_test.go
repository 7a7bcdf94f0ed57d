package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// TestEventLanguage: an event's language, set through the API, is its
// page's lang and dir, its feeds' language and its embed's; without one, a
// new event takes the server's default; a tag that is not one is refused
// naming the field.
func TestEventLanguage(t *testing.T) {
	env := newTestEnv(t, lbhttp.Config{DefaultLanguage: "fr"})
	ts, token := env.ts, env.token

	res := send(t, ts, "POST", "/api/v1/events", token, `{"slug":"sommet","title":"Sommet de l'OTAN","state":"live"}`)
	if ev := decode[liveblog.Event](t, res); res.status != http.StatusCreated || ev.Language != "fr" {
		t.Fatalf("got %d, language %q; want 201 and the server's default, fr", res.status, ev.Language)
	}

	res = send(t, ts, "POST", "/api/v1/events", token, `{"slug":"qimma","title":"قمة وزراء الدفاع","language":"AR","state":"live"}`)
	if ev := decode[liveblog.Event](t, res); res.status != http.StatusCreated || ev.Language != "ar" {
		t.Fatalf("got %d, language %q; want 201 and ar", res.status, ev.Language)
	}
	for path, want := range map[string]string{
		"/live/qimma":       `<html lang="ar" dir="rtl">`,
		"/live/qimma/embed": `<html lang="ar" dir="rtl" class="embed">`,
		"/live/sommet":      `<html lang="fr" dir="ltr">`,
	} {
		if res := send(t, ts, "GET", path, "", ""); res.status != http.StatusOK || !strings.Contains(string(res.body), want) {
			t.Errorf("GET %s: status %d, want 200 and %s", path, res.status, want)
		}
	}
	for _, format := range []string{"rss", "atom", "json"} {
		res := send(t, ts, "GET", "/live/qimma/feed."+format, "", "")
		f, err := gofeed.NewParser().ParseString(string(res.body))
		if err != nil || f.Language != "ar" {
			t.Errorf("feed.%s: %v, language %v; want ar", format, err, f)
		}
	}

	res = send(t, ts, "PATCH", "/api/v1/events/sommet", token, `{"language":"fa","version":1}`)
	if ev := decode[liveblog.Event](t, res); res.status != http.StatusOK || ev.Language != "fa" {
		t.Fatalf("PATCH language: got %d, %q; want 200 and fa", res.status, ev.Language)
	}
	if res := send(t, ts, "GET", "/live/sommet", "", ""); !strings.Contains(string(res.body), `<html lang="fa" dir="rtl">`) {
		t.Errorf("page after the edit does not say fa, rtl")
	}

	wantProblem(t, send(t, ts, "POST", "/api/v1/events", token, `{"slug":"x","title":"X","language":"not a language"}`), 400, "language")
	// The stored-XSS corpus as a language: every payload is refused, so
	// the field that goes into every page's lang attribute holds a tag only.
	for i, p := range loadPayloads(t, false) {
		body, _ := json.Marshal(map[string]string{"slug": fmt.Sprintf("xss-%d", i), "title": "X", "language": p})
		wantProblem(t, send(t, ts, "POST", "/api/v1/events", token, string(body)), 400, "language")
	}
	wantProblem(t, send(t, ts, "PATCH", "/api/v1/events/sommet", token, `{"language":"","version":2}`), 400, "language")
}
