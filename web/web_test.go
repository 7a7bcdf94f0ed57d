package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/liveblog/liveblog/web"
)

func TestFS(t *testing.T) {
	for _, name := range []string{
		"templates/layout.html", "templates/index.html", "templates/live.html",
		"templates/post.html", "templates/summary.html", "templates/error.html",
		"static/style.css", "static/reader.js", "static/favicon.svg",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := fs.Stat(web.FS, name); err != nil {
				t.Errorf("not embedded: %v", err)
			}
		})
	}
}

func TestAssetPath(t *testing.T) {
	for _, tt := range []struct{ name, pattern string }{
		{"reader.js", `^/static/reader\.[0-9a-f]{8}\.js$`},
		{"style.css", `^/static/style\.[0-9a-f]{8}\.css$`},
		{"favicon.svg", `^/static/favicon\.[0-9a-f]{8}\.svg$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := web.AssetPath(tt.name); !regexp.MustCompile(tt.pattern).MatchString(got) {
				t.Errorf("AssetPath(%q) = %q, want a match for %s", tt.name, got, tt.pattern)
			}
		})
	}
	t.Run("Unknown", func(t *testing.T) {
		if got := web.AssetPath("nope.js"); got != "" {
			t.Errorf("AssetPath(nope.js) = %q, want empty", got)
		}
	})
	t.Run("Stable", func(t *testing.T) {
		if a, b := web.AssetPath("reader.js"), web.AssetPath("reader.js"); a != b {
			t.Errorf("two calls gave %q and %q", a, b)
		}
	})
}

func get(t *testing.T, h http.Handler, method, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStaticHandler(t *testing.T) {
	h := web.StaticHandler()
	js := web.AssetPath("reader.js")
	source, err := fs.ReadFile(web.FS, "static/reader.js")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		res := get(t, h, "GET", js, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status = %d, want 200", res.StatusCode)
		}
		for k, want := range map[string]string{
			"Content-Type":           "text/javascript; charset=utf-8",
			"Cache-Control":          "public, max-age=31536000, immutable",
			"Vary":                   "Accept-Encoding",
			"X-Content-Type-Options": "nosniff",
			"Content-Encoding":       "",
		} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if got := body(t, res); !bytes.Equal(got, source) {
			t.Errorf("body differs from static/reader.js")
		}
	})
	t.Run("ContentTypes", func(t *testing.T) {
		for name, want := range map[string]string{
			"style.css":   "text/css; charset=utf-8",
			"favicon.svg": "image/svg+xml",
		} {
			if got := get(t, h, "GET", web.AssetPath(name), nil).Header.Get("Content-Type"); got != want {
				t.Errorf("%s: Content-Type = %q, want %q", name, got, want)
			}
		}
	})
	t.Run("Gzip", func(t *testing.T) {
		res := get(t, h, "GET", js, http.Header{"Accept-Encoding": {"br, gzip, deflate"}})
		if got := res.Header.Get("Content-Encoding"); got != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", got)
		}
		if got := res.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Vary = %q, want Accept-Encoding", got)
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, source) {
			t.Errorf("gunzipped body differs from static/reader.js")
		}
		if plain := get(t, h, "GET", js, nil); plain.Header.Get("ETag") == res.Header.Get("ETag") {
			t.Errorf("gzip and identity copies share the ETag %s", res.Header.Get("ETag"))
		}
	})
	t.Run("GzipRefused", func(t *testing.T) {
		res := get(t, h, "GET", js, http.Header{"Accept-Encoding": {"gzip;q=0, identity"}})
		if got := res.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("Content-Encoding = %q, want none", got)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		res := get(t, h, "HEAD", js, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("status = %d, want 200", res.StatusCode)
		}
		if got := body(t, res); len(got) != 0 {
			t.Errorf("HEAD returned %d body bytes", len(got))
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		etag := get(t, h, "GET", js, nil).Header.Get("ETag")
		res := get(t, h, "GET", js, http.Header{"If-None-Match": {etag}})
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("status = %d, want 304", res.StatusCode)
		}
	})
	t.Run("StripPrefix", func(t *testing.T) {
		res := get(t, http.StripPrefix("/static/", h), "GET", js, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("status = %d, want 200", res.StatusCode)
		}
	})
	t.Run("MethodNotAllowed", func(t *testing.T) {
		res := get(t, h, "POST", js, nil)
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("status = %d, want 405", res.StatusCode)
		}
		if got := res.Header.Get("Allow"); got != "GET, HEAD" {
			t.Errorf("Allow = %q, want GET, HEAD", got)
		}
	})
	for _, target := range []string{
		"/static/reader.js",
		"/static/reader.00000000.js",
		"/static/nope.12345678.js",
		"/static/",
		"/static/../web.go",
		strings.Replace(js, "/static/", "/static/static/", 1),
	} {
		t.Run("NotFound"+target, func(t *testing.T) {
			if res := get(t, h, "GET", target, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status = %d, want 404", target, res.StatusCode)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	h := web.StaticHandler()
	js := web.AssetPath("reader.js")
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"br", false},
		{"identity", false},
	} {
		t.Run(tt.header, func(t *testing.T) {
			res := get(t, h, "GET", js, http.Header{"Accept-Encoding": {tt.header}})
			if got := res.Header.Get("Content-Encoding") == "gzip"; got != tt.want {
				t.Errorf("Accept-Encoding %q: gzip = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
