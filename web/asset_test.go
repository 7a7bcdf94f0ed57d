package web_test

import (
	"net/http"
	"testing"

	"github.com/liveblog/liveblog/web"
)

func TestAssetHandler(t *testing.T) {
	const cache = "public, max-age=3600"
	h := web.AssetHandler("embed.js", cache)
	t.Run("Serves", func(t *testing.T) {
		res := get(t, h, http.MethodGet, "/embed.js", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status = %d, want 200", res.StatusCode)
		}
		for name, want := range map[string]string{
			"Content-Type":  "text/javascript; charset=utf-8",
			"Cache-Control": cache,
		} {
			if got := res.Header.Get(name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if res := get(t, h, http.MethodGet, "/embed.js", http.Header{"If-None-Match": {etag}}); res.StatusCode != http.StatusNotModified {
			t.Errorf("revalidation: status = %d, want 304", res.StatusCode)
		}
	})
	t.Run("SameFileAsFingerprinted", func(t *testing.T) {
		stable := get(t, h, http.MethodGet, "/embed.js", nil)
		fingerprinted := get(t, web.StaticHandler(), http.MethodGet, web.AssetPath("embed.js"), nil)
		if a, b := stable.Header.Get("ETag"), fingerprinted.Header.Get("ETag"); a != b {
			t.Errorf("ETags %s and %s: the two addresses serve different files", a, b)
		}
	})
	t.Run("MethodNotAllowed", func(t *testing.T) {
		if res := get(t, h, http.MethodPost, "/embed.js", nil); res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("status = %d, want 405", res.StatusCode)
		}
	})
	t.Run("UnknownPanics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Errorf("AssetHandler of a missing file did not panic")
			}
		}()
		web.AssetHandler("no-such.js", cache)
	})
}
