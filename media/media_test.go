package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// photo returns a w×h JPEG with a gradient, so resizing has something to
// average.
func photo(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withExif inserts an APP1 EXIF segment after the JPEG's start marker: an
// orientation tag and a GPS-like string that must not survive.
func withExif(jpg []byte, orientation uint16, secret string) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("MM")
	binary.Write(&tiff, binary.BigEndian, uint16(42))
	binary.Write(&tiff, binary.BigEndian, uint32(8))
	binary.Write(&tiff, binary.BigEndian, uint16(1)) // one entry
	binary.Write(&tiff, binary.BigEndian, uint16(0x0112))
	binary.Write(&tiff, binary.BigEndian, uint16(3)) // SHORT
	binary.Write(&tiff, binary.BigEndian, uint32(1))
	binary.Write(&tiff, binary.BigEndian, orientation)
	binary.Write(&tiff, binary.BigEndian, uint16(0))
	binary.Write(&tiff, binary.BigEndian, uint32(0)) // no next IFD
	tiff.WriteString(secret)
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// pngHeader returns the start of a PNG that claims to be w×h: a valid
// signature and IHDR, and a tiny IDAT. Nothing past the header is needed
// to refuse it.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestSave(t *testing.T) {
	t.Run("JPEGWithSizes", func(t *testing.T) {
		lib := &Library{Dir: t.TempDir()}
		img, err := lib.Save(photo(t, 2000, 1000))
		if err != nil {
			t.Fatal(err)
		}
		if img.Width != 2000 || img.Height != 1000 || !strings.HasPrefix(img.Src, "/media/") || !strings.HasSuffix(img.Src, ".jpg") {
			t.Errorf("image = %+v", img)
		}
		base := strings.TrimSuffix(strings.TrimPrefix(img.Src, "/media/"), ".jpg")
		for _, w := range Widths {
			got := decodeFile(t, filepath.Join(lib.Dir, base+"-"+strconv.Itoa(w)+".jpg"))
			if got.Width != w || got.Height != w/2 {
				t.Errorf("width %d: stored %d×%d, want %d×%d", w, got.Width, got.Height, w, w/2)
			}
		}
		if got, want := SrcSet(img.Src, img.Width), "/media/"+base+"-320.jpg 320w, /media/"+base+"-640.jpg 640w, /media/"+base+"-1024.jpg 1024w, /media/"+base+"-1600.jpg 1600w, "+img.Src+" 2000w"; got != want {
			t.Errorf("SrcSet = %q\nwant %q", got, want)
		}
	})
	t.Run("SmallImageNoSizes", func(t *testing.T) {
		lib := &Library{Dir: t.TempDir()}
		img, err := lib.Save(photo(t, 300, 200))
		if err != nil {
			t.Fatal(err)
		}
		if got := SrcSet(img.Src, img.Width); got != "" {
			t.Errorf("SrcSet = %q, want none for an image narrower than every size", got)
		}
		entries, _ := os.ReadDir(lib.Dir)
		if len(entries) != 1 {
			t.Errorf("%d files stored, want 1", len(entries))
		}
	})
	t.Run("HugeImageCapped", func(t *testing.T) {
		lib := &Library{Dir: t.TempDir()}
		img, err := lib.Save(photo(t, 4000, 1000))
		if err != nil {
			t.Fatal(err)
		}
		if img.Width != MaxStoredEdge || img.Height != 800 {
			t.Errorf("stored %d×%d, want %d×800", img.Width, img.Height, MaxStoredEdge)
		}
	})
	t.Run("MetadataStripped", func(t *testing.T) {
		lib := &Library{Dir: t.TempDir()}
		const secret = "GPS 51.5007N 0.1246W"
		img, err := lib.Save(withExif(photo(t, 800, 400), 1, secret))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{strings.TrimPrefix(img.Src, "/media/"), strings.Replace(strings.TrimPrefix(img.Src, "/media/"), ".jpg", "-320.jpg", 1)} {
			b, err := os.ReadFile(filepath.Join(lib.Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("Exif")) {
				t.Errorf("%s keeps the upload's EXIF data", name)
			}
		}
	})
	t.Run("OrientationApplied", func(t *testing.T) {
		lib := &Library{Dir: t.TempDir()}
		// Stored on its side, to be turned clockwise: 800×400 becomes
		// 400×800.
		img, err := lib.Save(withExif(photo(t, 800, 400), 6, ""))
		if err != nil {
			t.Fatal(err)
		}
		if img.Width != 400 || img.Height != 800 {
			t.Errorf("stored %d×%d, want 400×800", img.Width, img.Height)
		}
	})
	t.Run("PNGKeepsTransparency", func(t *testing.T) {
		src := image.NewNRGBA(image.Rect(0, 0, 700, 10))
		src.Set(0, 0, color.NRGBA{255, 0, 0, 255})
		var buf bytes.Buffer
		png.Encode(&buf, src)
		lib := &Library{Dir: t.TempDir()}
		img, err := lib.Save(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(filepath.Join(lib.Dir, strings.TrimPrefix(img.Src, "/media/")))
		defer f.Close()
		out, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, a := out.At(5, 5).RGBA(); a != 0 {
			t.Errorf("a transparent pixel has alpha %d", a)
		}
	})
	t.Run("GIFFirstFrame", func(t *testing.T) {
		var buf bytes.Buffer
		pal := image.NewPaletted(image.Rect(0, 0, 50, 40), color.Palette{color.Black, color.White})
		gif.Encode(&buf, pal, nil)
		img, err := (&Library{Dir: t.TempDir()}).Save(buf.Bytes())
		if err != nil || !strings.HasSuffix(img.Src, ".png") || img.Width != 50 {
			t.Errorf("Save(gif) = %+v, %v; want a 50px PNG", img, err)
		}
	})
	t.Run("SameBytesStoredOnce", func(t *testing.T) {
		lib := &Library{Dir: t.TempDir()}
		data := photo(t, 700, 300)
		a, err := lib.Save(data)
		if err != nil {
			t.Fatal(err)
		}
		stat := func() time.Time {
			info, err := os.Stat(filepath.Join(lib.Dir, strings.TrimPrefix(a.Src, "/media/")))
			if err != nil {
				t.Fatal(err)
			}
			return info.ModTime()
		}
		before := stat()
		b, err := lib.Save(data)
		if err != nil || *b != *a {
			t.Errorf("second Save = %+v, %v; want %+v", b, err, a)
		}
		if !stat().Equal(before) {
			t.Errorf("the file was written again")
		}
	})
}

func TestSaveRefused(t *testing.T) {
	jpg := photo(t, 200, 100)
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 100, 100)))
	for _, tt := range []struct {
		name string
		data []byte
		code string
		says string
	}{
		{"TruncatedJPEG", jpg[:len(jpg)/2], liveblog.EINVALID, "damaged"},
		{"TruncatedPNG", pngBuf.Bytes()[:pngBuf.Len()-30], liveblog.EINVALID, "damaged"},
		{"HeaderOnly", jpg[:20], liveblog.EINVALID, "damaged"},
		{"PDF", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"), liveblog.EINVALID, "not a JPEG, PNG, GIF or WebP"},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`), liveblog.EINVALID, "not a JPEG, PNG, GIF or WebP"},
		{"HTML", []byte("<!doctype html><html><script>alert(document.cookie)</script></html>"), liveblog.EINVALID, "not a JPEG, PNG, GIF or WebP"},
		{"TruncatedWebP", []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), liveblog.EINVALID, "damaged"},
		{"Empty", nil, liveblog.EINVALID, "not a JPEG, PNG, GIF or WebP"},
		{"Bomb", pngHeader(30000, 30000), liveblog.EINVALID, "limit is 40 megapixels"},
		{"TooWide", pngHeader(liveblog.MaxImageDimension+1, 10), liveblog.EINVALID, "limit is 40 megapixels"},
		{"TooManyBytes", make([]byte, MaxBytes+1), liveblog.ETOOLARGE, "larger than 15 MiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := (&Library{Dir: dir}).Save(tt.data)
			if liveblog.ErrorCode(err) != tt.code || !strings.Contains(liveblog.ErrorMessage(err), tt.says) {
				t.Errorf("Save = %v, want %s saying %q", err, tt.code, tt.says)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused upload left %d files", len(entries))
			}
		})
	}
}

// TestBombRefusedCheaply checks that a PNG claiming 30000×30000 pixels (3.6
// GB decoded) is refused from its header: quickly, and allocating next to
// nothing.
func TestBombRefusedCheaply(t *testing.T) {
	bomb := pngHeader(30000, 30000)
	lib := &Library{Dir: t.TempDir()}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	if _, err := lib.Save(bomb); err == nil {
		t.Fatal("the bomb was accepted")
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("refusing the bomb allocated %d bytes, want under 1 MiB", got)
	}
	if elapsed > time.Second {
		t.Errorf("refusing the bomb took %v", elapsed)
	}
}

func TestVariants(t *testing.T) {
	const src = "/media/0123456789abcdef0123456789abcdef.jpg"
	for _, tt := range []struct {
		name, src string
		width     int
		want      string
	}{
		{"Upload", src, 1100, "/media/0123456789abcdef0123456789abcdef-320.jpg 320w, /media/0123456789abcdef0123456789abcdef-640.jpg 640w, /media/0123456789abcdef0123456789abcdef-1024.jpg 1024w, " + src + " 1100w"},
		{"UnknownWidth", src, 0, ""},
		{"DemoImage", "/media/demo-crowd.svg", 1200, ""},
		{"Agency", "https://images.example.com/x.jpg", 1200, ""},
		{"NotOurName", "/media/0123456789abcdef0123456789abcdef-320.jpg", 320, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := SrcSet(tt.src, tt.width); got != tt.want {
				t.Errorf("SrcSet = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJPEGOrientation(t *testing.T) {
	jpg := photo(t, 10, 10)
	for _, tt := range []struct {
		name string
		data []byte
		want int
	}{
		{"None", jpg, 1},
		{"Six", withExif(jpg, 6, ""), 6},
		{"OutOfRange", withExif(jpg, 9, ""), 1},
		{"TruncatedSegment", withExif(jpg, 6, "")[:12], 1},
		{"NotAJPEG", []byte("GIF89a"), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegOrientation(tt.data); got != tt.want {
				t.Errorf("orientation = %d, want %d", got, tt.want)
			}
		})
	}
}

func decodeFile(t *testing.T, path string) image.Config {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestSaveWebP(t *testing.T) {
	for _, tt := range []struct {
		file, ext string
		w, h      int
	}{
		// testdata/photo.webp is lossy and opaque, alpha.webp lossless with
		// a transparent background; both were made with cwebp from images
		// drawn for these tests.
		{"photo.webp", ".jpg", 64, 40},
		{"alpha.webp", ".png", 32, 32},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			img, err := (&Library{Dir: dir}).Save(data)
			if err != nil {
				t.Fatalf("Save: %v", err)
			}
			if !strings.HasSuffix(img.Src, tt.ext) {
				t.Errorf("Src = %q, want a %s file", img.Src, tt.ext)
			}
			if img.Width != tt.w || img.Height != tt.h {
				t.Errorf("size = %d×%d, want %d×%d", img.Width, img.Height, tt.w, tt.h)
			}
			stored, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(img.Src, "/media/")))
			if err != nil {
				t.Fatal(err)
			}
			if _, format, err := image.DecodeConfig(bytes.NewReader(stored)); err != nil || "."+map[string]string{"jpeg": "jpg"}[format] != tt.ext && "."+format != tt.ext {
				t.Errorf("stored file decodes as %q (%v), want %s", format, err, tt.ext)
			}
			again, err := (&Library{Dir: dir}).Save(data)
			if err != nil || again.Src != img.Src {
				t.Errorf("second Save = %v, %v; want the same file %q", again, err, img.Src)
			}
		})
	}
}
