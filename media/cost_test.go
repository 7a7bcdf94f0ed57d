package media

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

func TestDecodeCost(t *testing.T) {
	encode := func(t *testing.T, img image.Image, format string) []byte {
		t.Helper()
		var buf bytes.Buffer
		var err error
		switch format {
		case "png":
			err = png.Encode(&buf, img)
		case "jpeg":
			err = jpeg.Encode(&buf, img, nil)
		case "gif":
			err = gif.Encode(&buf, img, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	r := image.Rect(0, 0, 4000, 1000) // stored at 3200×800
	stored := int64(2 * 3200 * 800 * 4)
	for _, tt := range []struct {
		name string
		data []byte
		want int64
	}{
		{"RGBAPNG", encode(t, image.NewNRGBA(r), "png"), 4000*1000*4 + stored},
		{"Gray16PNG", encode(t, image.NewGray16(r), "png"), 4000*1000*2 + stored},
		{"RGBA64PNG", encode(t, image.NewNRGBA64(r), "png"), 4000*1000*8 + stored},
		{"JPEG", encode(t, image.NewRGBA(r), "jpeg"), 4000*1000*3 + stored},
		{"GIF", encode(t, image.NewPaletted(r, color.Palette{color.Black, color.White}), "gif"), 4000*1000 + stored},
		{"Small", encode(t, image.NewNRGBA(image.Rect(0, 0, 100, 50)), "png"), 100*50*4 + 2*100*50*4},
		{"NotAnImage", []byte("<svg/>"), 0},
		{"Bomb", pngHeader(50000, 50000), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecodeCost(tt.data); got != tt.want {
				t.Errorf("DecodeCost = %d, want %d", got, tt.want)
			}
		})
	}
}
