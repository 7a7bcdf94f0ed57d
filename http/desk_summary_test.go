package http_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// TestDeskSummaryHistory restores earlier key points from the event's desk:
// the desk lists them (who replaced them, when, the points) with a Restore
// button for editors only; the restore is audited, kept in the history
// itself, and reaches an open reader page through the change feed.
func TestDeskSummaryHistory(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()
	editor := env.signIn(t, "editor@example.com")
	reporter := env.signIn(t, "reporter@example.com")

	t.Run("RestoreReachesReaders", func(t *testing.T) {
		f := env.roleFixture(t)
		ev := f.summaryEv
		// The editor replaces the key points too, so the history names them.
		res := editor.postForm(t, "/desk/events/"+ev.Slug+"/summary", url.Values{"version": {strconv.Itoa(ev.Version)}, "points": {"Third\nFourth"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("replace: status %d: %s", res.status, res.body)
		}
		ev, err := env.store.FindEventByID(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}

		desk := editor.do(t, "GET", "/desk/events/"+ev.Slug, "", "")
		body := string(desk.body)
		if desk.status != http.StatusOK || !strings.Contains(body, "Earlier key points") || !strings.Contains(body, "by Ed Editor") ||
			!strings.Contains(body, "<li>Second</li>") || !strings.Contains(body, "<li>First</li>") ||
			strings.Count(body, `action="/desk/events/`+ev.Slug+`/summary/restore"`) != 2 {
			t.Fatalf("editor's desk does not list both earlier key points with who replaced them and a Restore form each: %s", body)
		}
		if !strings.Contains(body, `name="csrf" value="`+editor.csrf+`"`) {
			t.Error("the restore forms carry no CSRF token")
		}
		history, err := env.store.FindSummaryHistory(ctx, ev.ID, 0)
		if err != nil || len(history) != 2 || history[0].UserName != "Ed Editor" || history[1].Points[0] != "First" {
			t.Fatalf("history = %+v, %v; want Second replaced by Ed Editor, then First", history, err)
		}

		// A reader's page is open, following the feed from the event's head.
		// A bounded wait: a restore that reaches no reader fails, not hangs.
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(sctx, "GET", env.ts.URL+"/live/"+ev.Slug+"/stream?after="+strconv.FormatInt(ev.Head, 10), nil)
		stream, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer stream.Body.Close()
		if stream.StatusCode != http.StatusOK {
			t.Fatalf("stream: status %d", stream.StatusCode)
		}

		res = editor.postForm(t, "/desk/events/"+ev.Slug+"/summary/restore", url.Values{"version": {strconv.Itoa(ev.Version)}, "id": {strconv.FormatInt(history[1].ID, 10)}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/desk/events/"+ev.Slug {
			t.Fatalf("restore: status %d to %q, want 303 back to the desk: %s", res.status, res.header.Get("Location"), res.body)
		}
		frame := readFrames(t, stream.Body, 1)[0]
		if !strings.HasPrefix(frame, "id: "+strconv.FormatInt(ev.Head+1, 10)+"\n") || !strings.Contains(frame, `"kind":"summary.updated"`) ||
			!strings.Contains(frame, "First") || strings.Contains(frame, "Fourth") {
			t.Errorf("frame after the restore = %q, want the summary change with the first key points", frame)
		}
		page := string(get(t, env.ts, "/live/"+ev.Slug).body)
		if !strings.Contains(page, "First") || strings.Contains(page, "Fourth") {
			t.Errorf("reader page does not show the restored key points")
		}
		entries, err := env.store.FindAudit(ctx, liveblog.AuditFilter{EventID: ev.ID, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Action != "event.summary.restore" || entries[0].UserID != env.editor.ID {
			t.Errorf("audit = %+v, want the editor's event.summary.restore", entries)
		}
		history, err = env.store.FindSummaryHistory(ctx, ev.ID, 0)
		if err != nil || len(history) != 3 || !slices.Equal(history[0].Points, []string{"Third", "Fourth"}) {
			t.Errorf("history after the restore = %+v, %v; want the replaced Third, Fourth first", history, err)
		}
	})

	t.Run("ReporterSeesNoRestore", func(t *testing.T) {
		f := env.roleFixture(t)
		desk := reporter.do(t, "GET", "/desk/events/"+f.summaryEv.Slug, "", "")
		if desk.status != http.StatusOK || strings.Contains(string(desk.body), "/summary/restore") {
			t.Errorf("reporter's desk: status %d, offers a restore: %v", desk.status, strings.Contains(string(desk.body), "/summary/restore"))
		}
	})

	for _, tt := range []struct {
		name, id, version string
		status            int
		field             string
	}{
		{"NoID", "", "2", http.StatusBadRequest, "id"},
		{"NoVersion", "RECORD", "", http.StatusBadRequest, "version"},
		{"UnknownRecord", "999999", "2", http.StatusNotFound, ""},
		{"StaleVersion", "RECORD", "1", http.StatusConflict, "version"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := env.roleFixture(t)
			path, _ := f.restoreForm()
			id := strings.ReplaceAll(tt.id, "RECORD", strconv.FormatInt(f.summaryRecord, 10))
			form := url.Values{"csrf": {editor.csrf}, "id": {id}, "version": {tt.version}}
			res := editor.do(t, "POST", path, "application/x-www-form-urlencoded", form.Encode())
			p := decodeJSON[struct{ Field string }](t, res)
			if res.status != tt.status || p.Field != tt.field {
				t.Errorf("status %d field %q, want %d naming %q: %s", res.status, p.Field, tt.status, tt.field, res.body)
			}
			if stored, err := env.store.FindEventByID(ctx, f.summaryEv.ID); err != nil || stored.Version != f.summaryEv.Version {
				t.Errorf("event after a refused restore: %+v, %v; want it unchanged", stored, err)
			}
		})
	}
}
