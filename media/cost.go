package media

import (
	"bytes"
	"image"
	"image/color"
)

// DecodeCost is the memory Save needs at most to store data: its pixels as
// the decoder holds them (width × height × bytes per pixel of the file's
// colour model), and the two copies at the stored size that resizing and
// turning upright make. It reads only the header; 0 means the header is
// not one Save would decode, and Save refuses the file without decoding.
//
// None of the decoders (image/jpeg, image/png, image/gif, x/image/webp) can
// decode at a reduced size, so a large image costs its full size here; the
// caller bounds how much of it runs at once.
func DecodeCost(data []byte) int64 {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return 0
	}
	w, h := fit(cfg.Width, cfg.Height, MaxStoredEdge)
	return int64(cfg.Width)*int64(cfg.Height)*bytesPerPixel(cfg.ColorModel) + 2*int64(w)*int64(h)*4
}

// bytesPerPixel is what a decoded image of model m holds per pixel.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.YCbCrModel:
		// JPEG's 4:4:4; the common 4:2:0 holds half of that.
		return 3
	case color.NYCbCrAModel:
		return 4
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, CMYK
}
