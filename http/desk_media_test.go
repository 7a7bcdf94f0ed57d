package http_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"
	"time"

	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/media"
)

func testJPEG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.White)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// bombPNG is the header of a PNG claiming to be w×h pixels.
func bombPNG(w, h uint32) string {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	pngChunk(&b, "IHDR", ihdr)
	return b.String()
}

func TestDeskUpload(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	c := env.signIn(t, "reporter@example.com")
	upload := func(t *testing.T, contentType, body string) *response {
		t.Helper()
		return c.do(t, "POST", "/desk/media", contentType, body)
	}

	t.Run("OK", func(t *testing.T) {
		res := upload(t, "image/jpeg", testJPEG(t, 1200, 800))
		img := decodeJSON[media.Image](t, res)
		if res.status != http.StatusCreated || img.Width != 1200 || img.Height != 800 || !strings.HasPrefix(img.Src, "/media/") {
			t.Fatalf("status %d, image %+v: %s", res.status, img, res.body)
		}
		served := get(t, env.ts, img.Src)
		if served.status != http.StatusOK || served.header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("GET %s: status %d type %q", img.Src, served.status, served.header.Get("Content-Type"))
		}

		// A post with the image offers readers its sizes.
		ev := env.newEvent(t)
		res = c.postJSON(t, "POST", "/desk/events/"+ev.Slug+"/posts", map[string]any{
			"headline": "With a photo", "status": "published", "contributors": []any{},
			"blocks": []map[string]any{{"type": "image", "src": img.Src, "width": img.Width, "height": img.Height, "alt": "A crowd", "credit": "Desk photo"}},
		})
		if res.status != http.StatusCreated {
			t.Fatalf("post: status %d: %s", res.status, res.body)
		}
		page := string(get(t, env.ts, "/live/"+ev.Slug).body)
		base := strings.TrimSuffix(img.Src, ".jpg")
		if want := fmt.Sprintf(`srcset="%s-320.jpg 320w, %s-640.jpg 640w, %s-1024.jpg 1024w, %s 1200w"`, base, base, base, img.Src); !strings.Contains(page, want) {
			t.Errorf("reader page lacks %s", want)
		}
		if !strings.Contains(page, "Image source, Desk photo") {
			t.Errorf("reader page lacks the credit")
		}
	})
	for _, tt := range []struct {
		name, contentType, body string
		status                  int
	}{
		{"Truncated", "image/jpeg", testJPEG(t, 400, 300)[:600], http.StatusBadRequest},
		{"PDFNamedJPEG", "image/jpeg", "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", http.StatusBadRequest},
		{"SVGNamedPNG", "image/png", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, http.StatusBadRequest},
		{"HTMLNamedPNG", "image/png", `<!doctype html><script>alert(document.cookie)</script>`, http.StatusBadRequest},
		{"Empty", "image/png", "", http.StatusBadRequest},
		{"TooLarge", "image/jpeg", strings.Repeat("x", media.MaxBytes+1), http.StatusRequestEntityTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, upload(t, tt.contentType, tt.body), tt.status, "image")
		})
	}
	t.Run("DecompressionBomb", func(t *testing.T) {
		start := time.Now()
		p := wantProblem(t, upload(t, "image/png", bombPNG(30000, 30000)), http.StatusBadRequest, "image")
		if !strings.Contains(p.Detail, "30000×30000") {
			t.Errorf("detail = %q, want the dimensions named", p.Detail)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("refusing the bomb took %v", d)
		}
	})
}
