package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	lbhttp "github.com/liveblog/liveblog/http"
)

// TestDecodeRefusals sends every kind of bad body to the post-creating
// route and checks that each is refused with the right status and field,
// and that nothing was written.
func TestDecodeRefusals(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	path := "/api/v1/events/budget/posts"
	huge := `{"headline":"` + strings.Repeat("a", lbhttp.DefaultMaxBodyBytes) + `"}`

	for _, tt := range []struct {
		name        string
		body        string
		contentType string // "" keeps application/json; "-" sends none
		status      int
		field       string
		detail      string // a part of the detail the client needs
	}{
		{name: "MalformedJSON", body: `{"headline": }`, status: 400, detail: "byte offset 13"},
		{name: "Truncated", body: `{"headline": "Strike"`, status: 400, detail: "ends before"},
		{name: "UnknownField", body: `{"headline":"x","colour":"red"}`, status: 400, field: "colour"},
		{name: "UnknownNestedField", body: `{"blocks":[{"type":"paragraph","text":"a"},{"type":"quote","text":"b","colour":1}]}`, status: 400, field: "blocks[1].colour"},
		// Two parsers that disagree on a repeated or differently cased key
		// are how a body smuggles past a proxy that checked it.
		{name: "DuplicateKey", body: `{"headline":"a","headline":"b"}`, status: 400, field: "headline", detail: "more than once"},
		{name: "DuplicateNestedKey", body: `{"blocks":[{"type":"paragraph","text":"a","text":"b"}]}`, status: 400, field: "blocks[0].text", detail: "more than once"},
		{name: "CaseVariantKey", body: `{"HEADLINE":"x"}`, status: 400, field: "HEADLINE", detail: "Unknown field"},
		{name: "CaseVariantBesideKey", body: `{"headline":"a","Headline":"b"}`, status: 400, field: "Headline", detail: "Unknown field"},
		{name: "NumericUnknownKey", body: `{"blocks":[{"type":"paragraph","text":"a","7":1}]}`, status: 400, field: "blocks[0].7", detail: "Unknown field"},
		{name: "WrongType", body: `{"headline":42}`, status: 400, field: "headline", detail: "Expected a string"},
		{name: "WrongNestedType", body: `{"blocks":[{"type":"paragraph","spans":[{"text":"a"},{"text":"b","href":5}]}]}`, status: 400, field: "blocks[0].spans[1].href"},
		{name: "WrongTypeBool", body: `{"headline":"x","breaking":"yes"}`, status: 400, field: "breaking"},
		{name: "WrongTypeArray", body: `{"blocks":{"type":"paragraph"}}`, status: 400, field: "blocks"},
		{name: "NumberOutOfRange", body: `{"blocks":[{"type":"image","src":"https://example.com/a.jpg","alt":"a","width":1e40}]}`, status: 400, field: "blocks[0].width"},
		{name: "BadTime", body: `{"headline":"x","status":"scheduled","scheduled_at":"tomorrow"}`, status: 400, field: "scheduled_at", detail: "RFC 3339"},
		{name: "OversizedBody", body: huge, status: 413, detail: "1 MiB"},
		{name: "InvalidUTF8", body: "{\"headline\":\"caf\xe9\"}", status: 400, detail: "UTF-8"},
		{name: "WrongContentType", body: `{"headline":"x"}`, contentType: "text/plain", status: 415, field: "Content-Type"},
		{name: "FormContentType", body: `headline=x`, contentType: "application/x-www-form-urlencoded", status: 415, field: "Content-Type"},
		{name: "NoContentType", body: `{"headline":"x"}`, contentType: "-", status: 415, field: "Content-Type"},
		{name: "NotUTF8Charset", body: `{"headline":"x"}`, contentType: "application/json; charset=latin1", status: 415, field: "Content-Type"},
		{name: "EmptyBody", body: ``, status: 400, detail: "empty"},
		{name: "BlankBody", body: " \n\t", status: 400, detail: "empty"},
		{name: "TrailingData", body: `{"headline":"x"} {"headline":"y"}`, status: 400, detail: "byte offset 17"},
		{name: "TrailingGarbage", body: `{"headline":"x"}garbage`, status: 400, detail: "after the JSON object"},
		{name: "Array", body: `[{"headline":"x"}]`, status: 400, detail: "JSON object"},
		{name: "Null", body: `null`, status: 400, detail: "JSON object"},
		{name: "JavascriptLink", body: `{"blocks":[{"type":"paragraph","spans":[{"text":"click","href":"javascript:alert(1)"}]}]}`, status: 400, field: "blocks[0].spans[0].href"},
		{name: "NoContent", body: `{}`, status: 400, field: "blocks"},
		{name: "DeletedStatus", body: `{"headline":"x","status":"deleted"}`, status: 400, field: "status"},
		{name: "ScheduledWithoutTime", body: `{"headline":"x","status":"scheduled"}`, status: 400, field: "scheduled_at"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, store, ev.ID)
			header := []string{}
			switch tt.contentType {
			case "":
				header = append(header, "Content-Type", "application/json")
			case "-":
				header = append(header, "Content-Type", "")
			default:
				header = append(header, "Content-Type", tt.contentType)
			}
			res := send(t, ts, "POST", path, token, tt.body, header...)
			p := wantProblem(t, res, tt.status, tt.field)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail = %q, want it to say %q", p.Detail, tt.detail)
			}
			if after := snapshot(t, store, ev.ID); after != before {
				t.Errorf("refused request changed the store:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestDecodeFieldPaths(t *testing.T) {
	ts, store, token := newTestServer(t)
	seedEvent(t, store, "budget")
	// Each body is wrong at exactly one place, deep in the post.
	for i, tt := range []struct {
		body, field string
	}{
		{`{"blocks":[{"type":"list","items":[[{"text":"a"}],[{"text":"b","bold":"yes"}]]}]}`, "blocks[0].items[1][0].bold"},
		{`{"contributors":[{"name":"A"},{"name":"B","avatar":7}]}`, "contributors[1].avatar"},
		{`{"contributors":[{"name":"A","twitter":"@a"}]}`, "contributors[0].twitter"},
		{`{"headline":"x","blocks":[{"type":"paragraph","text":"a","Extra":1}]}`, "blocks[0].Extra"},
		{`{"blocks":[{"type":"list","items":[[{"text":"a"}],[{"text":"b","Bold":true}]]}]}`, "blocks[0].items[1][0].Bold"},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			wantProblem(t, send(t, ts, "POST", "/api/v1/events/budget/posts", token, tt.body), http.StatusBadRequest, tt.field)
		})
	}
}
