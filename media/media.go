// Package media checks uploaded images and stores them for the reader pages:
// re-encoded (which leaves behind EXIF, GPS positions and anything else the
// file carried besides pixels), named by the hash of the upload, and in the
// widths that srcset offers readers' screens.
//
// An upload is checked in order of cost: its size in bytes, then its header
// (image.DecodeConfig reads only the dimensions, so a 30000×30000 PNG bomb is
// refused before a byte of it is decompressed), then the pixels. JPEG, PNG,
// GIF and WebP are accepted; Go has no WebP encoder, so a WebP upload is
// stored as JPEG, or as PNG when it has transparency.
package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/image/webp"

	"github.com/liveblog/liveblog"
)

// Limits on uploads.
const (
	// MaxBytes (15 MiB) takes a full-size photo from any current camera
	// or phone, and no more than a poor uplink sends in a minute or two.
	MaxBytes = 15 << 20
	// MaxPixels (40 megapixels) is above what phones save by default;
	// decoding that many takes about 160 MB, which bounds what one upload
	// can ask of the server.
	MaxPixels = 40_000_000
	// MaxStoredEdge caps the long edge of the stored image. Readers'
	// largest screens use 1600 pixels; beyond twice that, a file only
	// costs bandwidth.
	MaxStoredEdge = 3200
)

// Widths are the responsive sizes made of every upload (those narrower
// than it), for srcset.
var Widths = []int{320, 640, 1024, 1600}

// Quality of the JPEG encoder: 85 is where artefacts stop being visible in
// news photos and the files are a third of quality 100.
const jpegQuality = 85

// Image is a stored upload.
type Image struct {
	// Src is its address on the reader pages: /media/NAME.
	Src    string `json:"src"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// Library keeps images in a directory.
type Library struct {
	Dir string
}

var (
	errTooLarge = &liveblog.Error{Code: liveblog.ETOOLARGE, Field: "image",
		Message: fmt.Sprintf("The image is larger than %d MiB; export it smaller and upload again.", MaxBytes>>20)}
	errFormat = liveblog.FieldError("image",
		"This is not a JPEG, PNG, GIF or WebP image: the file's contents say otherwise, whatever its name.")
	errDamaged = liveblog.FieldError("image", "The image is damaged or cut short; save it again and upload the new file.")
)

// Save checks an upload and stores it, with its smaller widths, unless the
// same bytes were stored before.
func (l *Library) Save(data []byte) (*Image, error) {
	if len(data) > MaxBytes {
		return nil, errTooLarge
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return nil, errFormat
	} else if err != nil {
		return nil, errDamaged
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errDamaged
	}
	if cfg.Width > liveblog.MaxImageDimension || cfg.Height > liveblog.MaxImageDimension || cfg.Width*cfg.Height > MaxPixels {
		return nil, liveblog.FieldError("image", "The image is %d×%d pixels; the limit is %d megapixels. Make it smaller and upload again.",
			cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}

	sum := sha256.Sum256(data)
	base := hex.EncodeToString(sum[:16])
	ext := ".jpg"
	if format == "png" || format == "gif" {
		// PNG keeps transparency and sharp edges; a GIF becomes its first
		// frame as a PNG.
		ext = ".png"
	}
	if format != "webp" {
		if img, err := l.existing(base + ext); err == nil {
			return img, nil
		}
	}

	var src image.Image
	switch format {
	case "jpeg":
		src, err = jpeg.Decode(bytes.NewReader(data))
	case "png":
		src, err = png.Decode(bytes.NewReader(data))
	case "gif":
		// The first frame only: decoding every frame of an animation
		// could take far more memory than its header admits.
		src, err = gif.Decode(bytes.NewReader(data))
	case "webp":
		src, err = webp.Decode(bytes.NewReader(data))
	default:
		return nil, errFormat
	}
	if err != nil {
		return nil, errDamaged
	}
	if format == "webp" {
		// Whether a WebP keeps its transparency as PNG or becomes a JPEG
		// photo is only known from its pixels.
		if !opaque(src) {
			ext = ".png"
		}
		if img, err := l.existing(base + ext); err == nil {
			return img, nil
		}
	}

	w, h := fit(src.Bounds().Dx(), src.Bounds().Dy(), MaxStoredEdge)
	pix := resize(src, w, h)
	if format == "jpeg" {
		pix = orient(pix, jpegOrientation(data))
	}
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	// The smaller widths are written first: once the full-size file
	// exists, every width of it does.
	for _, width := range Widths {
		if width >= pix.Bounds().Dx() {
			break
		}
		vw, vh := width, max(1, (pix.Bounds().Dy()*width+pix.Bounds().Dx()/2)/pix.Bounds().Dx())
		if err := l.write(variantName(base, width, ext), resize(pix, vw, vh), ext); err != nil {
			return nil, err
		}
	}
	if err := l.write(base+ext, pix, ext); err != nil {
		return nil, err
	}
	return &Image{Src: "/media/" + base + ext, Width: pix.Bounds().Dx(), Height: pix.Bounds().Dy()}, nil
}

// existing describes a stored image.
func (l *Library) existing(name string) (*Image, error) {
	f, err := os.Open(filepath.Join(l.Dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, err
	}
	return &Image{Src: "/media/" + name, Width: cfg.Width, Height: cfg.Height}, nil
}

// write encodes img into a temporary file and renames it into place, so a
// reader never gets half an image.
func (l *Library) write(name string, img image.Image, ext string) error {
	var buf bytes.Buffer
	var err error
	if ext == ".jpg" {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img)
	}
	if err != nil {
		return fmt.Errorf("media: encode %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(l.Dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("media: write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("media: write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("media: write %s: %w", name, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	return os.Rename(tmp.Name(), filepath.Join(l.Dir, name))
}

func variantName(base string, width int, ext string) string {
	return base + "-" + strconv.Itoa(width) + ext
}

// fit scales w×h down so that neither edge exceeds edge.
func fit(w, h, edge int) (int, int) {
	if w <= edge && h <= edge {
		return w, h
	}
	if w >= h {
		return edge, max(1, (h*edge+w/2)/w)
	}
	return max(1, (w*edge+h/2)/h), edge
}

// uploadName matches the names Save gives full-size images.
var uploadName = regexp.MustCompile(`^/media/([0-9a-f]{32})(\.jpg|\.png)$`)

// Variant is one width of an uploaded image.
type Variant struct {
	Src   string
	Width int
}

// Variants returns the widths stored of the uploaded image src, whose
// full width is width, narrowest first and the full size last; nil for any
// image Save did not store (a demo image, an agency URL) or of unknown width.
func Variants(src string, width int) []Variant {
	m := uploadName.FindStringSubmatch(src)
	if m == nil || width <= 0 {
		return nil
	}
	var out []Variant
	for _, w := range Widths {
		if w >= width {
			break
		}
		out = append(out, Variant{Src: "/media/" + variantName(m[1], w, m[2]), Width: w})
	}
	return append(out, Variant{Src: src, Width: width})
}

// SrcSet returns the srcset attribute value for the uploaded image src of
// the given width ("/media/x-320.jpg 320w, ..."), or "" when there is only
// the one size.
func SrcSet(src string, width int) string {
	vs := Variants(src, width)
	if len(vs) < 2 {
		return ""
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Src + " " + strconv.Itoa(v.Width) + "w"
	}
	return strings.Join(parts, ", ")
}

// opaque reports whether every pixel of img is fully opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}
