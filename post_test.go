package liveblog_test

import (
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
)

// TestContributorValidate checks free-text bylines: a guest's or an
// agency's name, role, avatar and profile link, each refused by field.
func TestContributorValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     liveblog.Contributor
		field string // "" when valid
	}{
		{"Agency", liveblog.Contributor{Name: "Reuters"}, ""},
		{"Guest", liveblog.Contributor{Name: "Olena K.", Role: "Our correspondent in Kyiv",
			Avatar: "https://photos.example/olena.jpg", URL: "https://example.org/olena"}, ""},
		{"NoName", liveblog.Contributor{Role: "Stringer"}, "contributors[0].name"},
		{"LongName", liveblog.Contributor{Name: strings.Repeat("n", liveblog.MaxNameLength+1)}, "contributors[0].name"},
		{"LongRole", liveblog.Contributor{Name: "A", Role: strings.Repeat("r", liveblog.MaxNameLength+1)}, "contributors[0].role"},
		{"ScriptAvatar", liveblog.Contributor{Name: "A", Avatar: "javascript:alert(1)"}, "contributors[0].avatar"},
		{"ScriptLink", liveblog.Contributor{Name: "A", URL: "javascript:alert(1)"}, "contributors[0].url"},
		{"DataLink", liveblog.Contributor{Name: "A", URL: "data:text/html,<script>alert(1)</script>"}, "contributors[0].url"},
		{"RelativeLink", liveblog.Contributor{Name: "A", URL: "/desk/users"}, "contributors[0].url"},
		{"TabInLink", liveblog.Contributor{Name: "A", URL: "https://exa\tmple.org/"}, "contributors[0].url"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &liveblog.Post{Headline: "Byline", Contributors: []liveblog.Contributor{tt.c}}
			err := p.Validate()
			if got := liveblog.ErrorField(err); got != tt.field || (tt.field != "" && err == nil) {
				t.Errorf("Validate() = %v (field %q), want field %q", err, got, tt.field)
			}
		})
	}
}
