package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"golang.org/x/image/draw"
)

// BenchmarkResize compares the box filter every upload goes through with
// golang.org/x/image/draw's scalers on the two resizes Save makes: a
// 12-megapixel phone photo (decoded JPEG, YCbCr 4:2:0) down to the stored
// 3200 pixels, and the stored RGBA image down to a 640-pixel width.
func BenchmarkResize(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*7919 + i/4096)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	photo, err := jpeg.Decode(&buf)
	if err != nil {
		b.Fatal(err)
	}
	stored := resize(photo, 3200, 2400)
	for _, c := range []struct {
		name string
		src  image.Image
		w, h int
	}{{"PhotoToStored", photo, 3200, 2400}, {"StoredTo640", stored, 640, 480}} {
		b.Run(c.name+"/Box", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got := resize(c.src, c.w, c.h).Bounds(); got.Dx() != c.w || got.Dy() != c.h {
					b.Fatalf("size %v", got)
				}
			}
		})
		for _, s := range []struct {
			name string
			s    draw.Scaler
		}{{"XDrawApproxBiLinear", draw.ApproxBiLinear}, {"XDrawBiLinear", draw.BiLinear}, {"XDrawCatmullRom", draw.CatmullRom}} {
			b.Run(c.name+"/"+s.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					dst := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
					s.s.Scale(dst, dst.Bounds(), c.src, c.src.Bounds(), draw.Src, nil)
				}
			})
		}
	}
}
