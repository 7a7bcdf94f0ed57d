package http_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	lbhttp "github.com/liveblog/liveblog/http"
)

func TestMedia(t *testing.T) {
	dir := t.TempDir()
	png := []byte("\x89PNG\r\n\x1a\nfake-but-served-as-is")
	if err := os.WriteFile(filepath.Join(dir, "abc123.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.txt"), []byte("no"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := newTestEnv(t, lbhttp.Config{MediaDir: dir}).ts.URL

	t.Run("OK", func(t *testing.T) {
		resp, err := http.Get(ts + "/media/abc123.png")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		if got, want := resp.Header.Get("Content-Type"), "image/png"; got != want {
			t.Errorf("Content-Type = %q, want %q", got, want)
		}
		if got, want := resp.Header.Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
			t.Errorf("Cache-Control = %q, want %q", got, want)
		}
	})
	for name, path := range map[string]string{
		"ErrNotFound":  "/media/missing.png",
		"ErrTraversal": "/media/..%2fsecret.txt",
		"ErrDotFile":   "/media/.hidden",
		"ErrNested":    "/media/a/b.png",
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := http.Get(ts + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got, want := resp.StatusCode, http.StatusNotFound; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
		})
	}
}
