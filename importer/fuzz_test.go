package importer_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/importer"
)

// FuzzParseText holds the parser to its promises on any input: it does not
// panic, and whatever it returns can be imported, since every post passes
// Validate. The seeds are the synthetic dumps in testdata and the committed
// corpus in testdata/fuzz/FuzzParseText.
func FuzzParseText(f *testing.F) {
	dumps, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range dumps {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	zone, err := time.LoadLocation("Europe/London")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		res, err := importer.ParseText(strings.NewReader(text), importer.TextOptions{Year: 2025, Zone: zone})
		if err != nil {
			if code := liveblog.ErrorCode(err); code != liveblog.EINVALID {
				t.Fatalf("error code: got %q (%v), want %q", code, err, liveblog.EINVALID)
			}
			return
		}
		if len(res.Posts) == 0 {
			t.Fatal("no error and no posts")
		}
		if got, want := len(res.Lines), len(res.Posts); got != want {
			t.Fatalf("lines: got %d, want %d", got, want)
		}
		lines := strings.Count(text, "\n") + strings.Count(text, "\r") + 1
		for _, n := range res.Report {
			if n.Line < 0 || n.Line > lines {
				t.Errorf("note on line %d of %d: %s", n.Line, lines, n.Message)
			}
		}
		for i, p := range res.Posts {
			if err := p.Validate(); err != nil {
				t.Errorf("post %d (line %d) does not validate: %v\n%+v", i, res.Lines[i], err, p)
			}
		}
		if err := res.WriteReport(io.Discard); err != nil {
			t.Fatal(err)
		}
		// Parsing is a function of the input: the same text, the same posts.
		again, err := importer.ParseText(strings.NewReader(text), importer.TextOptions{Year: 2025, Zone: zone})
		if err != nil {
			t.Fatalf("second parse: %v", err)
		}
		var a, b bytes.Buffer
		res.WriteReport(&a)
		again.WriteReport(&b)
		if a.String() != b.String() {
			t.Errorf("two parses of the same text differ:\n%s\n---\n%s", a.String(), b.String())
		}
	})
}
