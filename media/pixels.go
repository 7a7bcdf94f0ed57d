package media

import (
	"encoding/binary"
	"image"
	"image/color"
)

// resize scales src to w×h by averaging the source pixels that fall in each
// destination pixel (a box filter), in premultiplied RGBA so that
// transparent pixels do not darken their neighbours. It only ever shrinks
// or copies; every upload goes through it, so what is stored is pixels this
// package wrote and nothing else of the file.
func resize(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// column[sx] is the destination column source column sx falls in.
	column := make([]int, sw)
	for sx := range column {
		column[sx] = min(w-1, sx*w/sw)
	}
	sums := make([]uint64, w*4)
	counts := make([]uint64, w)
	row := make([]uint8, sw*4)
	read := rowReader(src)
	sy := 0
	for dy := range h {
		clear(sums)
		clear(counts)
		end := max(sy+1, min(sh, (dy+1)*sh/h))
		for ; sy < end; sy++ {
			read(b.Min.Y+sy, row)
			for sx, dx := range column {
				o := sx * 4
				sums[dx*4] += uint64(row[o])
				sums[dx*4+1] += uint64(row[o+1])
				sums[dx*4+2] += uint64(row[o+2])
				sums[dx*4+3] += uint64(row[o+3])
				counts[dx]++
			}
		}
		out := dst.Pix[dy*dst.Stride:]
		for dx := range w {
			n := max(counts[dx], 1)
			for c := range 4 {
				out[dx*4+c] = uint8((sums[dx*4+c] + n/2) / n)
			}
		}
	}
	return dst
}

// rowReader returns a function that reads row y of src as premultiplied
// 8-bit RGBA. The common decoded types are read straight from their
// buffers; anything else through At, which is slower but the same.
func rowReader(src image.Image) func(y int, row []uint8) {
	b := src.Bounds()
	switch img := src.(type) {
	case *image.RGBA:
		return func(y int, row []uint8) {
			i := img.PixOffset(b.Min.X, y)
			copy(row, img.Pix[i:i+b.Dx()*4])
		}
	case *image.YCbCr:
		return func(y int, row []uint8) {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := img.YOffset(x, y), img.COffset(x, y)
				r, g, bl := color.YCbCrToRGB(img.Y[yi], img.Cb[ci], img.Cr[ci])
				o := (x - b.Min.X) * 4
				row[o], row[o+1], row[o+2], row[o+3] = r, g, bl, 0xff
			}
		}
	case *image.NRGBA:
		return func(y int, row []uint8) {
			i := img.PixOffset(b.Min.X, y)
			for x := range b.Dx() {
				p := img.Pix[i+x*4 : i+x*4+4]
				a := uint16(p[3])
				o := x * 4
				row[o] = uint8((uint16(p[0])*a + 127) / 255)
				row[o+1] = uint8((uint16(p[1])*a + 127) / 255)
				row[o+2] = uint8((uint16(p[2])*a + 127) / 255)
				row[o+3] = p[3]
			}
		}
	case *image.Paletted:
		palette := make([][4]uint8, len(img.Palette))
		for i, c := range img.Palette {
			r, g, bl, a := c.RGBA()
			palette[i] = [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
		}
		return func(y int, row []uint8) {
			i := img.PixOffset(b.Min.X, y)
			for x := range b.Dx() {
				var p [4]uint8
				if idx := int(img.Pix[i+x]); idx < len(palette) {
					p = palette[idx]
				}
				copy(row[x*4:], p[:])
			}
		}
	}
	return func(y int, row []uint8) {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := src.At(x, y).RGBA()
			o := (x - b.Min.X) * 4
			row[o], row[o+1], row[o+2], row[o+3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), uint8(a>>8)
		}
	}
}

// orient turns img upright according to an EXIF orientation (1–8). The
// orientation tag goes with the rest of the metadata when the image is
// re-encoded, so the pixels must be turned instead, or a phone photo taken
// upright would stand on its side.
func orient(img *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored, upside down
				dx, dy = x, h-1-y
			case 5: // mirrored, turned
				dx, dy = y, x
			case 6: // turned clockwise to be upright
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8: // turned anticlockwise to be upright
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dst.PixOffset(dx, dy):dst.PixOffset(dx, dy)+4], img.Pix[img.PixOffset(x, y):img.PixOffset(x, y)+4])
		}
	}
	return dst
}

// jpegOrientation returns the EXIF orientation of a JPEG file, 1 (upright)
// when it has none or it cannot be read.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return 1
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return 1
		}
		marker := data[i+1]
		if marker == 0xda || marker == 0xd9 { // image data, or the end: no EXIF before it
			return 1
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+size]
		if marker == 0xe1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from the first IFD of a TIFF header.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(order.Uint16(t[ifd:]))
	for i := range n {
		e := ifd + 2 + i*12
		if e+12 > len(t) {
			return 1
		}
		if order.Uint16(t[e:]) == 0x0112 {
			if v := int(order.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
