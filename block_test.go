package liveblog_test

import (
	"testing"

	"github.com/liveblog/liveblog"
)

// TestURLRefusals pins the URLs the domain refuses because a browser reads
// them otherwise than they look (found by render.FuzzSafeURL).
func TestURLRefusals(t *testing.T) {
	for _, tt := range []struct {
		name, url string
	}{
		// A browser reads %2e as a dot in a path, so this image would load
		// /desk/ rather than a file under /media/.
		{"MediaDotEncoded", "/media/%2e%2e/desk/"},
		{"MediaDotEncodedMixed", "/media/.%2E/x.jpg"},
		{"MediaInvalidUTF8", "/media/\xe5.jpg"},
		// Browsers read a backslash as a slash; SafeURL drops such a link at
		// render time, so accepting it would lose it silently.
		{"Backslash", "https://example.com/\\@evil.example"},
		{"ControlCharacter", "https://example.com/\x01"},
		{"Delete", "https://example.com/\x7f"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := liveblog.ValidateImageSource("src", tt.url); err == nil {
				t.Errorf("ValidateImageSource(%q) accepted", tt.url)
			}
			if tt.url[0] != '/' {
				if err := liveblog.ValidateLink("href", tt.url, true); err == nil {
					t.Errorf("ValidateLink(%q) accepted", tt.url)
				}
			}
		})
	}
	t.Run("MediaOK", func(t *testing.T) {
		if err := liveblog.ValidateImageSource("src", "/media/0123456789abcdef0123456789abcdef-640.jpg"); err != nil {
			t.Errorf("an upload's name refused: %v", err)
		}
	})
}
