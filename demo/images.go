package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
)

// Image dimensions: 16:9 like the pictures on a news page, and small enough
// that every illustration stays well under 30 KB as a PNG.
const (
	imageWidth  = 640
	imageHeight = 360
)

// picture is one generated illustration.
type picture struct {
	name string // content-addressed file name
	data []byte
}

// Src is how posts refer to the picture.
func (p picture) Src() string { return "/media/" + p.name }

// Illustrations of the demo coverage, drawn in code so that the repository
// carries no binary assets and the demo works from a bare clone.
const (
	sceneHarbour  = "harbour"
	sceneTree     = "fallen-tree"
	sceneFlood    = "flood"
	scenePylons   = "pylons"
	sceneLifeboat = "lifeboat"
	sceneFinish   = "finish-line"
)

var scenes = []struct {
	name string
	draw func(*canvas)
}{
	{sceneHarbour, drawHarbour},
	{sceneTree, drawFallenTree},
	{sceneFlood, drawFlood},
	{scenePylons, drawPylons},
	{sceneLifeboat, drawLifeboat},
	{sceneFinish, drawFinishLine},
}

// pictures draws and encodes every illustration once per process: the seed,
// the newsroom and WriteImages all need the same bytes and names.
var pictures = sync.OnceValues(func() (map[string]picture, error) {
	m := make(map[string]picture, len(scenes))
	for _, s := range scenes {
		c := newCanvas(imageWidth, imageHeight)
		s.draw(c)
		var buf bytes.Buffer
		// The default level: best compression saves a few per cent and makes
		// `liveblog demo` start a second later.
		if err := png.Encode(&buf, c.img); err != nil {
			return nil, fmt.Errorf("demo: encode %s: %w", s.name, err)
		}
		sum := sha256.Sum256(buf.Bytes())
		m[s.name] = picture{
			name: "demo-" + s.name + "-" + hex.EncodeToString(sum[:6]) + ".png",
			data: buf.Bytes(),
		}
	}
	return m, nil
})

// WriteImages writes the demo's illustrations into dir, creating it if needed.
// File names carry a hash of their content, so a file that already exists is
// already right and is left alone, and the media handler may serve them as
// immutable.
func WriteImages(dir string) error {
	if dir == "" {
		return errors.New("demo: no media directory")
	}
	pics, err := pictures()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: media directory: %w", err)
	}
	for _, s := range scenes {
		if err := writeFileOnce(filepath.Join(dir, pics[s.name].name), pics[s.name].data); err != nil {
			return err
		}
	}
	return nil
}

// writeFileOnce writes through a temporary file and a rename, so a server
// reading the media directory never serves half an image.
func writeFileOnce(path string, data []byte) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("demo: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".demo-*.tmp")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("demo: write image: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("demo: write image: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// canvas is a tiny rasteriser: just enough shapes for flat illustrations.
type canvas struct {
	img *image.NRGBA
}

func newCanvas(w, h int) *canvas {
	return &canvas{img: image.NewNRGBA(image.Rect(0, 0, w, h))}
}

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{r, g, b, 255} }

// vgradient fills rows y0..y1 with a vertical blend. Rows of one colour are
// what keeps the PNGs small: the encoder's filters reduce them to zeros.
func (c *canvas) vgradient(y0, y1 int, top, bottom color.NRGBA) {
	w := c.img.Bounds().Dx()
	for y := y0; y < y1; y++ {
		t := float64(y-y0) / float64(max(1, y1-y0-1))
		col := mix(top, bottom, t)
		for x := 0; x < w; x++ {
			c.img.SetNRGBA(x, y, col)
		}
	}
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	l := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.NRGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), l(a.A, b.A)}
}

// fill paints col wherever inside holds within the box, sampling each pixel
// four times so that edges are smoothed rather than jagged.
func (c *canvas) fill(x0, y0, x1, y1 float64, col color.NRGBA, inside func(x, y float64) bool) {
	b := c.img.Bounds()
	minX, minY := max(b.Min.X, int(math.Floor(x0))), max(b.Min.Y, int(math.Floor(y0)))
	maxX, maxY := min(b.Max.X, int(math.Ceil(x1))+1), min(b.Max.Y, int(math.Ceil(y1))+1)
	offsets := [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}}
	for y := minY; y < maxY; y++ {
		for x := minX; x < maxX; x++ {
			n := 0
			for _, o := range offsets {
				if inside(float64(x)+o[0], float64(y)+o[1]) {
					n++
				}
			}
			if n == 0 {
				continue
			}
			a := float64(n) / 4 * float64(col.A) / 255
			dst := c.img.NRGBAAt(x, y)
			c.img.SetNRGBA(x, y, mix(dst, color.NRGBA{col.R, col.G, col.B, 255}, a))
		}
	}
}

func (c *canvas) rect(x0, y0, x1, y1 float64, col color.NRGBA) {
	c.fill(x0, y0, x1, y1, col, func(x, y float64) bool { return x >= x0 && x < x1 && y >= y0 && y < y1 })
}

func (c *canvas) circle(cx, cy, r float64, col color.NRGBA) {
	c.fill(cx-r, cy-r, cx+r, cy+r, col, func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r })
}

// line draws a stroke of the given width with rounded ends.
func (c *canvas) line(x0, y0, x1, y1, width float64, col color.NRGBA) {
	h := width / 2
	dx, dy := x1-x0, y1-y0
	l2 := dx*dx + dy*dy
	c.fill(min(x0, x1)-h, min(y0, y1)-h, max(x0, x1)+h, max(y0, y1)+h, col, func(x, y float64) bool {
		t := 0.0
		if l2 > 0 {
			t = math.Max(0, math.Min(1, ((x-x0)*dx+(y-y0)*dy)/l2))
		}
		px, py := x0+t*dx-x, y0+t*dy-y
		return px*px+py*py <= h*h
	})
}

// polygon fills the polygon with vertices (x0, y0, x1, y1, ...), even-odd.
func (c *canvas) polygon(col color.NRGBA, xy ...float64) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := 0; i < len(xy); i += 2 {
		minX, maxX = math.Min(minX, xy[i]), math.Max(maxX, xy[i])
		minY, maxY = math.Min(minY, xy[i+1]), math.Max(maxY, xy[i+1])
	}
	n := len(xy) / 2
	c.fill(minX, minY, maxX, maxY, col, func(x, y float64) bool {
		in := false
		for i, j := 0, n-1; i < n; j, i = i, i+1 {
			xi, yi, xj, yj := xy[2*i], xy[2*i+1], xy[2*j], xy[2*j+1]
			if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
				in = !in
			}
		}
		return in
	})
}

// wave fills everything below a sine curve around base.
func (c *canvas) wave(base, amp, wavelength, phase float64, col color.NRGBA) {
	w, h := float64(c.img.Bounds().Dx()), float64(c.img.Bounds().Dy())
	c.fill(0, base-amp, w, h, col, func(x, y float64) bool {
		return y >= base+amp*math.Sin(2*math.Pi*x/wavelength+phase)
	})
}

// rain draws slanting streaks in a fixed pattern, so every run draws the same
// picture and the file name stays the same.
func (c *canvas) rain(y1 float64, col color.NRGBA) {
	for i := 0; i < 70; i++ {
		x := float64((i * 97) % 680)
		y := float64((i * 53) % int(y1))
		c.line(x, y, x-14, y+30, 1.2, col)
	}
}

func stormSky(c *canvas, horizon int) {
	c.vgradient(0, horizon, rgb(46, 54, 66), rgb(128, 139, 150))
	c.circle(120, 40, 70, color.NRGBA{30, 36, 44, 150})
	c.circle(220, 30, 80, color.NRGBA{30, 36, 44, 150})
	c.circle(470, 50, 90, color.NRGBA{34, 40, 50, 140})
	c.circle(600, 20, 70, color.NRGBA{30, 36, 44, 150})
}

func drawHarbour(c *canvas) {
	stormSky(c, 230)
	c.vgradient(230, imageHeight, rgb(52, 78, 92), rgb(22, 40, 52))
	c.wave(238, 8, 90, 0, rgb(44, 70, 84))
	c.wave(262, 10, 130, 1.3, rgb(36, 60, 74))
	// Harbour wall and lighthouse.
	c.polygon(rgb(92, 88, 82), 360, 250, 640, 226, 640, 300, 360, 300)
	c.rect(560, 120, 590, 232, rgb(232, 228, 218))
	c.rect(560, 150, 590, 164, rgb(196, 48, 40))
	c.rect(560, 186, 590, 200, rgb(196, 48, 40))
	c.polygon(rgb(60, 60, 60), 552, 120, 598, 120, 575, 96)
	c.rect(566, 104, 584, 120, rgb(250, 226, 120))
	// Spray breaking over the wall.
	for i, r := range []float64{34, 44, 30, 26, 38} {
		c.circle(400+float64(i)*34, 222-float64(i%2)*16, r, color.NRGBA{230, 236, 240, 170})
	}
	c.wave(300, 12, 110, 2.1, rgb(28, 48, 62))
	c.rain(300, color.NRGBA{210, 220, 230, 110})
}

func drawFallenTree(c *canvas) {
	stormSky(c, 210)
	c.vgradient(210, imageHeight, rgb(70, 98, 60), rgb(48, 72, 44))
	// Road narrowing to the horizon.
	c.polygon(rgb(64, 66, 70), 250, 210, 390, 210, 600, 360, 40, 360)
	for i := 0; i < 5; i++ {
		y := 230 + float64(i*28)
		c.rect(316, y, 324, y+14+float64(i*2), rgb(230, 226, 200))
	}
	// The trunk across the road, its roots and crown.
	c.line(90, 300, 560, 250, 22, rgb(92, 64, 40))
	c.circle(80, 300, 34, rgb(104, 78, 52))
	for i, r := range []float64{40, 52, 46, 38} {
		c.circle(540+float64(i%2)*40, 210+float64(i)*22, r, rgb(46, 92, 48))
	}
	c.line(380, 268, 420, 220, 7, rgb(92, 64, 40))
	c.circle(424, 214, 22, rgb(56, 104, 54))
	// Police cone.
	c.polygon(rgb(236, 110, 30), 180, 340, 204, 340, 192, 300)
	c.rect(184, 318, 200, 324, rgb(245, 245, 245))
	c.rain(230, color.NRGBA{210, 220, 230, 100})
}

func drawFlood(c *canvas) {
	stormSky(c, 200)
	c.vgradient(200, imageHeight, rgb(96, 98, 100), rgb(70, 72, 76))
	// A terrace of houses with pitched roofs.
	fronts := []color.NRGBA{rgb(214, 196, 170), rgb(186, 204, 214), rgb(226, 214, 160), rgb(200, 170, 168), rgb(214, 196, 170)}
	for i, col := range fronts {
		x := 20 + float64(i)*122
		c.rect(x, 110, x+118, 290, col)
		c.polygon(rgb(76, 70, 74), x-6, 112, x+124, 112, x+59, 62)
		c.rect(x+18, 140, x+48, 176, rgb(60, 76, 96))
		c.rect(x+70, 140, x+100, 176, rgb(60, 76, 96))
		c.rect(x+44, 214, x+74, 290, rgb(90, 60, 50))
	}
	// Flood water up to the doorsteps, with ripples.
	c.rect(0, 252, imageWidth, imageHeight, color.NRGBA{98, 86, 62, 230})
	for i := 0; i < 9; i++ {
		y := 268 + float64(i*10)
		x := float64((i * 131) % 520)
		c.line(x, y, x+60, y, 2, color.NRGBA{170, 160, 130, 160})
	}
	// A sandbag wall.
	for i := 0; i < 6; i++ {
		c.circle(420+float64(i)*26, 262, 14, rgb(170, 150, 104))
	}
	c.rain(250, color.NRGBA{210, 220, 230, 100})
}

func drawPylons(c *canvas) {
	c.vgradient(0, 250, rgb(36, 40, 58), rgb(104, 100, 118))
	c.vgradient(250, imageHeight, rgb(62, 80, 58), rgb(40, 54, 40))
	pylon := func(x, base, h float64) {
		col := rgb(40, 42, 46)
		c.line(x-h*0.18, base, x, base-h, 3, col)
		c.line(x+h*0.18, base, x, base-h, 3, col)
		c.line(x-h*0.22, base-h*0.7, x+h*0.22, base-h*0.7, 3, col)
		c.line(x-h*0.16, base-h*0.5, x+h*0.16, base-h*0.5, 3, col)
		c.line(x-h*0.12, base, x+h*0.08, base-h*0.5, 2, col)
		c.line(x+h*0.12, base, x-h*0.08, base-h*0.5, 2, col)
	}
	pylon(140, 300, 200)
	pylon(470, 270, 140)
	// Sagging cables between the arms, and one snapped and hanging.
	cable := func(x0, y0, x1, y1 float64) {
		const steps = 32
		for i := 0; i < steps; i++ {
			t0, t1 := float64(i)/steps, float64(i+1)/steps
			y := func(t float64) float64 { return y0 + (y1-y0)*t + 26*math.Sin(math.Pi*t) }
			c.line(x0+(x1-x0)*t0, y(t0), x0+(x1-x0)*t1, y(t1), 1.5, rgb(20, 20, 24))
		}
	}
	cable(96, 160, 439, 172)
	cable(184, 160, 501, 172)
	cable(108, 200, 448, 200)
	c.line(501, 172, 560, 250, 1.5, rgb(20, 20, 24))
	c.line(560, 250, 566, 300, 1.5, rgb(20, 20, 24))
	// Lightning over the hills.
	c.polygon(rgb(250, 240, 170), 330, 0, 350, 0, 322, 60, 340, 60, 300, 130, 314, 72, 296, 72)
	// An engineers' van with its amber beacon.
	c.rect(40, 300, 130, 336, rgb(236, 236, 230))
	c.rect(100, 306, 124, 320, rgb(70, 90, 110))
	c.circle(62, 338, 9, rgb(24, 24, 24))
	c.circle(112, 338, 9, rgb(24, 24, 24))
	c.circle(86, 296, 6, rgb(250, 170, 30))
}

func drawLifeboat(c *canvas) {
	stormSky(c, 190)
	c.vgradient(190, imageHeight, rgb(48, 74, 90), rgb(20, 36, 48))
	c.wave(200, 10, 120, 0.4, rgb(42, 66, 82))
	// Hull, wheelhouse and the lifeboat's blue and orange.
	c.polygon(rgb(30, 52, 110), 170, 250, 470, 250, 440, 292, 200, 292)
	c.polygon(rgb(238, 112, 36), 240, 250, 400, 250, 390, 206, 260, 206)
	c.rect(276, 216, 300, 234, rgb(60, 80, 100))
	c.rect(310, 216, 334, 234, rgb(60, 80, 100))
	c.rect(344, 216, 368, 234, rgb(60, 80, 100))
	c.line(330, 206, 330, 160, 4, rgb(220, 220, 220))
	c.circle(330, 158, 5, rgb(80, 160, 250))
	// Bow wave and the swell in front of the boat.
	c.circle(470, 272, 26, color.NRGBA{230, 236, 240, 190})
	c.circle(496, 282, 18, color.NRGBA{230, 236, 240, 170})
	c.wave(284, 14, 150, 1.9, rgb(30, 52, 66))
	c.wave(318, 10, 90, 0.7, rgb(22, 40, 54))
	c.rain(280, color.NRGBA{210, 220, 230, 100})
}

func drawFinishLine(c *canvas) {
	c.vgradient(0, 230, rgb(120, 176, 226), rgb(206, 228, 244))
	c.circle(560, 60, 30, rgb(255, 240, 190))
	c.vgradient(230, imageHeight, rgb(120, 124, 130), rgb(90, 94, 100))
	// Crowd barriers either side of the road.
	for x := 0.0; x < imageWidth; x += 22 {
		c.rect(x, 222, x+16, 240, rgb(60, 100, 170))
	}
	// The finish gantry.
	c.rect(80, 70, 100, 240, rgb(40, 40, 44))
	c.rect(540, 70, 560, 240, rgb(40, 40, 44))
	c.rect(80, 70, 560, 112, rgb(210, 40, 60))
	for x := 110.0; x < 530; x += 40 {
		c.rect(x, 82, x+24, 100, rgb(250, 250, 250))
	}
	c.rect(90, 300, 550, 306, rgb(245, 245, 245))
	// Runners: a head, a body and a stride each.
	for i, x := range []float64{250, 330, 420} {
		top := 180 + float64(i%2)*12
		vest := []color.NRGBA{rgb(250, 200, 40), rgb(40, 160, 110), rgb(230, 90, 120)}[i]
		c.circle(x, top, 11, rgb(120, 84, 60))
		c.rect(x-10, top+12, x+10, top+50, vest)
		c.line(x-4, top+50, x-18, top+90, 6, rgb(40, 40, 50))
		c.line(x+4, top+50, x+16, top+88, 6, rgb(40, 40, 50))
		c.line(x-10, top+18, x-24, top+40, 5, rgb(120, 84, 60))
		c.line(x+10, top+18, x+22, top+4, 5, rgb(120, 84, 60))
	}
}
