package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/liveblog/liveblog/demo"
)

// pageBudget is what a reader's phone may download, compressed, to show the
// first page of a busy event: HTML, stylesheet and script, not images (which
// load lazily) or the stream. A live page is opened on a train with one bar
// of signal; a news site's live page often weighs a megabyte.
const pageBudget = 40 << 10

var assetLink = regexp.MustCompile(`(?:href|src)="(/static/[^"]+\.(?:css|js))"`)

// TestPageWeight measures the demo's live page as a reader's browser first
// loads it and fails when it outgrows pageBudget.
func TestPageWeight(t *testing.T) {
	ts, store, _ := newTestServer(t)
	if _, err := demo.Seed(context.Background(), store, t.TempDir(), time.Now()); err != nil {
		t.Fatal(err)
	}
	page := get(t, ts, "/live/"+demo.Slug)
	if page.status != http.StatusOK {
		t.Fatalf("status %d", page.status)
	}
	sizes := map[string]int{"html": gzipSize(t, page.body)}
	for _, m := range assetLink.FindAllSubmatch(page.body, -1) {
		res := get(t, ts, string(m[1]), "Accept-Encoding", "gzip")
		n := len(res.body)
		if res.header.Get("Content-Encoding") != "gzip" {
			n = gzipSize(t, res.body)
		}
		sizes[string(m[1])] = n
	}
	total := 0
	for name, n := range sizes {
		total += n
		t.Logf("%-40s %6d bytes gzipped", name, n)
	}
	t.Logf("%-40s %6d bytes gzipped (HTML %d bytes raw, %d posts)", "total", total, len(page.body), len(postIDs(page.body)))
	// The demo's first page has provider embeds, so it also loads the
	// script that shows their frames on consent (facade.js).
	if len(sizes) != 4 {
		t.Errorf("page links %d assets besides itself, want the stylesheet, the reader script and facade.js", len(sizes)-1)
	}
	if total > pageBudget {
		t.Errorf("first page weighs %d bytes gzipped, over the budget of %d", total, pageBudget)
	}
}

func gzipSize(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	zw.Close()
	return buf.Len()
}
