package http_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/media"
)

// TestUploadMemoryBudget: uploads decode within the memory budget, not one
// per core. Four PNGs, each needing about 72 MB to decode and store, are
// sent at once to a server whose budget is one of them; the heap must stay
// within it, where a decode per core (two on a two-core machine) would hold
// about 105 MB.
func TestUploadMemoryBudget(t *testing.T) {
	const n = 4
	var uploads [n][]byte
	for i := range uploads {
		img := image.NewNRGBA(image.Rect(0, 0, 3000, 2000))
		for y := range 2000 {
			c := color.NRGBA{uint8(i * 60), uint8(y), 90, 255}
			for x := range 3000 {
				img.SetNRGBA(x, y, c)
			}
		}
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		uploads[i] = buf.Bytes()
	}
	cost := media.DecodeCost(uploads[0])
	env := newDeskEnv(t, lbhttp.Config{WorkMemory: cost})
	c := env.signIn(t, "reporter@example.com")

	// A low GC target keeps the heap close to what is live, so the peak
	// measures what runs at once rather than garbage not yet collected.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() { statuses[i] = c.do(t, "POST", "/desk/media", "image/png", string(uploads[i])).status })
	}
	wg.Wait()
	close(stop)
	<-sampled
	for i, st := range statuses {
		if st != http.StatusCreated {
			t.Errorf("upload %d: status %d, want 201", i, st)
		}
	}
	grew := int64(peak) - int64(base.HeapAlloc)
	t.Logf("%d uploads of %d-byte PNGs (3000×2000, cost %d MB each) at once: heap peak %d MB above the start", n, len(uploads[0]), cost/1e6, grew/1e6)
	if grew > cost && !raceDetector {
		t.Errorf("the heap grew by %d MB at peak, over the budget of %d MB: more decodes ran at once than it holds", grew/1e6, cost/1e6)
	}
}
