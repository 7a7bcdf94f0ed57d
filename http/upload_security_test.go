package http_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/media"
)

// These tests add to TestDeskUpload (http) and TestSave, TestSaveRefused and
// TestBombRefusedCheaply (media) what an attacker with a reporter's account
// would try: a bomb with real compressed data behind its header, files that
// are two formats at once, and a phone photo's location.

// pngChunk appends one PNG chunk with its CRC.
func pngChunk(b *bytes.Buffer, typ string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// realBombPNG is a PNG that says it is w×h 8-bit RGB and carries rows of
// zeros compressed about a thousand to one: a few tens of KB that would
// inflate to rows×(3w+1) bytes, and to 4wh bytes once decoded.
func realBombPNG(t *testing.T, w, h uint32, rows int) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(bombPNG(w, h))
	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]byte, 3*int(w)+1)
	for range rows {
		zw.Write(row)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	pngChunk(&b, "IDAT", idat.Bytes())
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

// TestUploadBomb sends a 50,000×50,000 PNG (10 GB of pixels once decoded)
// through the desk's upload route and checks that it is refused from its
// header: in well under a second, allocating next to nothing beyond the
// upload itself, and leaving no file behind.
func TestUploadBomb(t *testing.T) {
	mediaDir := t.TempDir()
	env := newDeskEnv(t, lbhttp.Config{MediaDir: mediaDir})
	c := env.signIn(t, "reporter@example.com")
	bomb := realBombPNG(t, 50000, 50000, 400)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	res := c.do(t, "POST", "/desk/media", "image/png", string(bomb))
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	p := wantProblem(t, res, http.StatusBadRequest, "image")
	if !strings.Contains(p.Detail, "50000×50000") {
		t.Errorf("detail = %q, want the dimensions named", p.Detail)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("bomb: %d-byte PNG claiming 50000×50000 (%d MB inflated rows shipped, 10000 MB decoded) refused in %v, %d KiB allocated by client and server together",
		len(bomb), 400*(3*50000+1)/1_000_000, elapsed.Round(time.Microsecond), allocated>>10)
	// The upload is read into memory whole (bounded by media.MaxBytes), sent
	// by the client and read by the server: a few copies of it, and nothing
	// that grows with the pixels it claims.
	if limit := uint64(8*len(bomb)) + 4<<20; allocated > limit {
		t.Errorf("refusing the bomb allocated %d bytes, want under %d", allocated, limit)
	}
	if elapsed > time.Second {
		t.Errorf("refusing the bomb took %v, want well under a second", elapsed)
	}
	if entries, _ := os.ReadDir(mediaDir); len(entries) != 0 {
		t.Errorf("a refused upload left %d files in the media directory", len(entries))
	}
}

// exifGPS is an APP1 segment with a real EXIF structure: IFD0 with the
// camera's make and a GPSInfo pointer, and a GPS IFD with latitude and
// longitude as rationals, which is what phones write.
func exifGPS() []byte {
	var tiff bytes.Buffer
	be := binary.BigEndian
	w := func(v any) { binary.Write(&tiff, be, v) }
	tiff.WriteString("MM")
	w(uint16(42))
	w(uint32(8))
	// IFD0 at 8: Make (ASCII, offset), GPSInfo (LONG, offset of the GPS IFD).
	const ifd0 = 8
	const gpsIFD = ifd0 + 2 + 2*12 + 4
	const makeOff = gpsIFD + 2 + 4*12 + 4
	const latOff = makeOff + 16
	const lonOff = latOff + 24
	w(uint16(2))
	w(uint16(0x010f))
	w(uint16(2))
	w(uint32(16))
	w(uint32(makeOff))
	w(uint16(0x8825))
	w(uint16(4))
	w(uint32(1))
	w(uint32(gpsIFD))
	w(uint32(0))
	// GPS IFD: LatitudeRef N, Latitude, LongitudeRef W, Longitude.
	w(uint16(4))
	w(uint16(1))
	w(uint16(2))
	w(uint32(2))
	tiff.WriteString("N\x00\x00\x00")
	w(uint16(2))
	w(uint16(5))
	w(uint32(3))
	w(uint32(latOff))
	w(uint16(3))
	w(uint16(2))
	w(uint32(2))
	tiff.WriteString("W\x00\x00\x00")
	w(uint16(4))
	w(uint16(5))
	w(uint32(3))
	w(uint32(lonOff))
	w(uint32(0))
	tiff.WriteString("SecretPhone 12\x00\x00")
	for _, r := range [][2]uint32{{51, 1}, {30, 1}, {26_4237, 10_000}, {0, 1}, {7, 1}, {39_1848, 10_000}} {
		w(r[0])
		w(r[1])
	}
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// xmpGPS is an APP1 XMP packet with the same position, as photo editors
// write it.
func xmpGPS() []byte {
	payload := []byte("http://ns.adobe.com/xap/1.0/\x00" +
		`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.264237N" exif:GPSLongitude="0,7.391848W"/>` +
		`</rdf:RDF></x:xmpmeta>`)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// comment is a JPEG COM segment.
func comment(text string) []byte {
	seg := []byte{0xff, 0xfe, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(text)+2))
	return append(seg, text...)
}

// afterSOI inserts segments right after a JPEG's start-of-image marker.
func afterSOI(jpg string, segs ...[]byte) string {
	out := []byte(jpg[:2])
	for _, s := range segs {
		out = append(out, s...)
	}
	return string(append(out, jpg[2:]...))
}

// TestUploadMetadataStripped uploads a phone photo with its position in
// EXIF and XMP, and a PNG with position and text chunks, and reads back
// every file a reader can download: none keeps any of it.
func TestUploadMetadataStripped(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	c := env.signIn(t, "reporter@example.com")
	// Traces of the metadata: the EXIF and XMP signatures, the TIFF header,
	// the phone's name, and the latitude's seconds as a rational.
	var rational [8]byte
	binary.BigEndian.PutUint32(rational[:], 26_4237)
	binary.BigEndian.PutUint32(rational[4:], 10_000)
	traces := []string{"Exif\x00\x00", "MM\x00\x2a", "SecretPhone", "ns.adobe.com/xap", "GPSLatitude", string(rational[:]), "eXIf", "tEXt", "iTXt", "51.5045"}

	var pngMeta bytes.Buffer
	{
		var plain bytes.Buffer
		img := image.NewNRGBA(image.Rect(0, 0, 700, 500))
		for i := range img.Pix {
			img.Pix[i] = uint8(i * 7)
		}
		if err := png.Encode(&plain, img); err != nil {
			t.Fatal(err)
		}
		b := plain.Bytes()
		// Chunks go after IHDR (signature 8 + IHDR 25 bytes).
		pngMeta.Write(b[:33])
		pngChunk(&pngMeta, "eXIf", exifGPS()[4+6:])
		pngChunk(&pngMeta, "tEXt", []byte("Comment\x00GPS 51.5045N 0.1232W"))
		pngChunk(&pngMeta, "iTXt", append([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), xmpGPS()[4+29:]...))
		pngMeta.Write(b[33:])
	}

	for _, tt := range []struct {
		name, contentType, body string
	}{
		{"JPEGWithEXIFAndXMP", "image/jpeg", afterSOI(testJPEG(t, 1200, 900), exifGPS(), xmpGPS(), comment("GPS 51.5045N"))},
		{"PNGWithMetadataChunks", "image/png", pngMeta.String()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeAny(tt.body); err != nil {
				t.Fatalf("the test's own upload does not decode: %v", err)
			}
			if !strings.Contains(tt.body, "GPS") {
				t.Fatal("the test's upload carries no position")
			}
			res := c.do(t, "POST", "/desk/media", tt.contentType, tt.body)
			img := decodeJSON[media.Image](t, res)
			if res.status != http.StatusCreated {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			files := []string{img.Src}
			for _, v := range media.Variants(img.Src, img.Width) {
				files = append(files, v.Src)
			}
			for _, src := range files {
				served := get(t, env.ts, src)
				if served.status != http.StatusOK {
					t.Fatalf("GET %s: status %d", src, served.status)
				}
				for _, trace := range traces {
					if bytes.Contains(served.body, []byte(trace)) {
						t.Errorf("%s keeps %q from the upload", src, trace)
					}
				}
			}
		})
	}
}

func decodeAny(s string) (image.Image, error) {
	img, _, err := image.Decode(strings.NewReader(s))
	return img, err
}

// TestUploadDisguised sends files that are not images, or not only images,
// as the desk's script sends a file picked from disk: the body is the file,
// its type the one the browser guessed from its .png or .jpg name. What is
// not a JPEG, PNG or GIF by its contents is refused; a file that is a valid
// image and something else as well (a polyglot) is stored as the image
// alone, re-encoded, so what it carried besides pixels never reaches a
// reader, and it is served with its image type and nosniff.
func TestUploadDisguised(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	c := env.signIn(t, "reporter@example.com")
	const script = "<script>alert(document.domain)</script>"
	png := tinyPNG(t)
	jpg := testJPEG(t, 64, 48)

	for _, tt := range []struct {
		name, contentType, body string
	}{
		{"SVGNamedJPG", "image/jpeg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`},
		{"SVGAsSVG", "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`},
		{"SVGZ", "image/svg+xml", "\x1f\x8b\x08\x00\x00\x00\x00\x00"},
		{"HTMLNamedJPG", "image/jpeg", "<html><body>" + script},
		{"HTMLBehindPNGSignature", "image/png", "\x89PNG\r\n\x1a\n<html>" + script},
		{"HTMLBehindJPEGMarker", "image/jpeg", "\xff\xd8\xff\xe0<html>" + script},
		{"HTMLBehindGIFHeader", "image/gif", "GIF89a<html>" + script},
		{"XHTML", "image/png", `<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>`},
		{"JavaScript", "image/png", "alert(document.cookie)"},
		{"ZipNamedPNG", "image/png", "PK\x03\x04\x14\x00\x00\x00\x08\x00" + script},
		{"TruncatedWebP", "image/webp", "RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"},
		{"BMP", "image/bmp", "BM\x3e\x00\x00\x00\x00\x00\x00\x00\x3e\x00\x00\x00\x28\x00"},
		{"TIFF", "image/tiff", "MM\x00\x2a\x00\x00\x00\x08"},
		{"ICO", "image/x-icon", "\x00\x00\x01\x00\x01\x00\x10\x10"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, c.do(t, "POST", "/desk/media", tt.contentType, tt.body), http.StatusBadRequest, "image")
		})
	}

	for _, tt := range []struct {
		name, contentType, body, payload string
	}{
		{"PNGThenHTML", "image/png", png + "<html>" + script, script},
		{"PNGWithScriptChunk", "image/png", png[:33] + string(chunkBytes("tEXt", []byte("x\x00"+script))) + png[33:], script},
		{"JPEGWithScriptComment", "image/jpeg", afterSOI(jpg, comment(script)), script},
		{"JPEGThenHTML", "image/jpeg", jpg + script, script},
		{"GIFThenScript", "image/gif", gifWith(t, script), script},
		{"GIFScriptPolyglot", "image/gif", gifScript(t), "=alert(1)//"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeAny(tt.body); err != nil {
				t.Fatalf("the test's polyglot is not a valid image: %v", err)
			}
			res := c.do(t, "POST", "/desk/media", tt.contentType, tt.body)
			if res.status != http.StatusCreated {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			img := decodeJSON[media.Image](t, res)
			served := get(t, env.ts, img.Src)
			if bytes.Contains(served.body, []byte(tt.payload)) {
				t.Errorf("%s keeps the payload %q", img.Src, tt.payload)
			}
			if ct := served.header.Get("Content-Type"); ct != "image/jpeg" && ct != "image/png" {
				t.Errorf("served as %q, want an image type", ct)
			}
			if served.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("served without nosniff")
			}
		})
	}
}

func chunkBytes(typ string, data []byte) []byte {
	var b bytes.Buffer
	pngChunk(&b, typ, data)
	return b.Bytes()
}

// gifWith is a small GIF with a comment extension holding text and the
// same text after its trailer.
func gifWith(t *testing.T, text string) string {
	t.Helper()
	var b bytes.Buffer
	img := image.NewPaletted(image.Rect(0, 0, 8, 8), []color.Color{color.Black, color.White})
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	g := b.Bytes()
	// A comment extension (0x21 0xfe) after the header and logical screen
	// descriptor with its global colour table (13 + 6 bytes).
	ext := []byte{0x21, 0xfe, byte(len(text))}
	ext = append(ext, text...)
	ext = append(ext, 0)
	out := append([]byte{}, g[:19]...)
	out = append(out, ext...)
	out = append(out, g[19:]...)
	return string(out) + text
}

// gifScript is the classic GIF/JavaScript polyglot: "GIF89a" followed by a
// logical screen width of 0x2a2f ("/*"), so that read as script the file
// opens a comment that a later "*/" closes before "=alert(1)//". Served as
// an image it must be re-encoded into bytes that are not that script.
func gifScript(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("GIF89a")
	binary.Write(&b, binary.LittleEndian, uint16(0x2a2f)) // width "/*"
	binary.Write(&b, binary.LittleEndian, uint16(1))      // height
	b.Write([]byte{0x80, 0, 0})                           // global table of 2 colours
	b.Write([]byte{0, 0, 0, 0xff, 0xff, 0xff})
	text := "*/=alert(1)//"
	b.Write([]byte{0x21, 0xfe, byte(len(text))})
	b.WriteString(text)
	b.WriteByte(0)
	// One image of 1×1 at the origin, LZW minimum code size 2: clear, 0, end.
	b.Write([]byte{0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0})
	b.Write([]byte{2, 2, 0x44, 0x01, 0})
	b.WriteByte(0x3b)
	s := b.String()
	if !strings.HasPrefix(s, "GIF89a/*") {
		t.Fatalf("polyglot starts %q", s[:8])
	}
	return s
}
