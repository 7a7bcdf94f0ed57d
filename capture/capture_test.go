package capture_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/capture"
	"github.com/liveblog/liveblog/media"
	"github.com/liveblog/liveblog/netguard"
	"github.com/liveblog/liveblog/sqlite"
)

// Recorded answers of the providers' oEmbed endpoints (trimmed to the
// fields a facade reads, as the providers send them).
const (
	tweetAnswer = `{"url":"https://twitter.com/agency/status/1887503281937625469","author_name":"The Agency","author_url":"https://twitter.com/agency",
"html":"<blockquote class=\"twitter-tweet\"><p lang=\"en\" dir=\"ltr\">Statement on the vote:<br>we will respect the result. <a href=\"https://t.co/x\">pic.twitter.com/x</a></p>&mdash; The Agency (@agency) <a href=\"https://twitter.com/agency/status/1887503281937625469\">February 13, 2025</a></blockquote>\n<script async src=\"https://platform.twitter.com/widgets.js\" charset=\"utf-8\"></script>\n",
"width":550,"height":null,"type":"rich","cache_age":"3153600000","provider_name":"Twitter","provider_url":"https://twitter.com","version":"1.0"}`
	youTubeAnswer = `{"title":"Minister's statement in full","author_name":"Government Channel","author_url":"https://www.youtube.com/@gov","type":"video","height":113,"width":200,"version":"1.0","provider_name":"YouTube","provider_url":"https://www.youtube.com/","thumbnail_height":360,"thumbnail_width":480,"thumbnail_url":"THUMB","html":"\u003ciframe width=\"200\" height=\"113\" src=\"https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed\"\u003e\u003c/iframe\u003e"}`
	telegramPage  = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Telegram: Contact @durov</title>
<meta property="og:title" content="Pavel Durov">
<meta property="og:image" content="THUMB">
<meta property="og:description" content="A post on the channel.&#10;Second line.">
</head><body><script>alert(1)</script></body></html>`
)

// fakeProvider serves recorded answers on 127.0.0.2, which the test's
// guard allows; everything else on this machine (127.0.0.1 included)
// stays refused.
type fakeProvider struct {
	*httptest.Server
	guard *netguard.Guard
}

func newFake(t *testing.T, h http.Handler) *fakeProvider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return &fakeProvider{Server: ts, guard: &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}}
}

func thumbnailPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 480, 360))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCapture(t *testing.T) {
	thumb := thumbnailPNG(t)
	var fake *fakeProvider
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/oembed", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("url") != "https://x.com/agency/status/1887503281937625469" || r.URL.Query().Get("format") != "json" {
			http.Error(w, "wrong question", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, tweetAnswer)
	})
	mux.HandleFunc("GET /youtube/oembed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Replace(youTubeAnswer, "THUMB", fake.URL+"/vi/dQw4w9WgXcQ/hqdefault.jpg", 1))
	})
	mux.HandleFunc("GET /vi/dQw4w9WgXcQ/hqdefault.jpg", func(w http.ResponseWriter, r *http.Request) { w.Write(thumb) })
	mux.HandleFunc("GET /durov/342", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, strings.Replace(telegramPage, "THUMB", fake.URL+"/vi/dQw4w9WgXcQ/hqdefault.jpg", 1))
	})
	// Hostile answers.
	mux.HandleFunc("GET /script/oembed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"title":"<script>alert(1)</script>Title","author_name":"<img src=x onerror=alert(1)>","html":"<blockquote><p><script>alert(2)</script>Text <b onclick=alert(3)>bold</b></p></blockquote>","width":"100%","height":"400"}`)
	})
	mux.HandleFunc("GET /huge/oembed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"title":%q}`, strings.Repeat("x", capture.MaxAnswer))
	})
	mux.HandleFunc("GET /long/oembed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"title":%q,"author_name":%q,"html":"<blockquote><p>%s</p></blockquote>"}`, strings.Repeat("t", 1000), strings.Repeat("a", 1000), strings.Repeat("w ", 5000))
	})
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"title":"from inside"}`) }))
	t.Cleanup(local.Close)
	mux.HandleFunc("GET /redirect/oembed", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, local.URL+"/oembed", http.StatusFound) // 127.0.0.1: this machine
	})
	mux.HandleFunc("GET /drip/oembed", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"title":"`))
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
			}
		}
	})
	fake = newFake(t, mux)
	mediaDir := t.TempDir()
	fetcher := func(endpoints map[string]string) *capture.Fetcher {
		return &capture.Fetcher{Client: fake.guard.Client(), Media: &media.Library{Dir: mediaDir}, Endpoints: endpoints, Timeout: 2 * time.Second}
	}
	ctx := context.Background()

	t.Run("XText", func(t *testing.T) {
		c, err := fetcher(map[string]string{"x": fake.URL + "/x/oembed"}).Capture(ctx, "https://x.com/agency/status/1887503281937625469")
		if err != nil {
			t.Fatal(err)
		}
		if c.Author != "The Agency" || c.Text != "Statement on the vote:\nwe will respect the result. pic.twitter.com/x" || c.Width != 0 {
			t.Errorf("capture %+v", c)
		}
	})
	t.Run("YouTubeThumbnailCopied", func(t *testing.T) {
		c, err := fetcher(map[string]string{"youtube": fake.URL + "/youtube/oembed"}).Capture(ctx, "https://youtu.be/dQw4w9WgXcQ")
		if err != nil {
			t.Fatal(err)
		}
		if c.Title != "Minister's statement in full" || c.Author != "Government Channel" || c.Width != 200 || c.Height != 113 {
			t.Errorf("capture %+v", c)
		}
		if !strings.HasPrefix(c.Thumbnail, "/media/") || !strings.HasSuffix(c.Thumbnail, "-320.png") {
			t.Fatalf("thumbnail %q, want a copy in media at 320 pixels", c.Thumbnail)
		}
		if _, err := filepath.Glob(filepath.Join(mediaDir, strings.TrimPrefix(c.Thumbnail, "/media/"))); err != nil {
			t.Error(err)
		}
	})
	t.Run("TelegramOpenGraph", func(t *testing.T) {
		c, err := fetcher(map[string]string{"telegram": fake.URL}).Capture(ctx, "https://t.me/durov/342")
		if err != nil {
			t.Fatal(err)
		}
		if c.Title != "Pavel Durov" || c.Text != "A post on the channel.\nSecond line." || c.Thumbnail == "" {
			t.Errorf("capture %+v", c)
		}
	})
	t.Run("ScriptKeptAsText", func(t *testing.T) {
		c, err := fetcher(map[string]string{"youtube": fake.URL + "/script/oembed"}).Capture(ctx, "https://youtu.be/dQw4w9WgXcQ")
		if err != nil {
			t.Fatal(err)
		}
		// Title and author are text, escaped wherever they are shown;
		// the html's script and handlers are gone, its words kept.
		if c.Text != "Text bold" || c.Width != 0 || c.Height != 0 {
			t.Errorf("capture %+v", c)
		}
	})
	t.Run("LongFieldsClipped", func(t *testing.T) {
		c, err := fetcher(map[string]string{"x": fake.URL + "/long/oembed"}).Capture(ctx, "https://x.com/agency/status/1")
		if err != nil {
			t.Fatal(err)
		}
		b := c.Block()
		if err := b.Validate("b"); err != nil || len([]rune(c.Text)) != liveblog.MaxEmbedTextLength {
			t.Errorf("clipped capture does not fit a block: %v (text %d runes)", err, len([]rune(c.Text)))
		}
	})
	for _, tt := range []struct{ name, path string }{
		{"HugeRefused", "/huge/oembed"},
		{"RedirectToLocalRefused", "/redirect/oembed"},
		{"SlowDripRefused", "/drip/oembed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := fetcher(map[string]string{"youtube": fake.URL + tt.path})
			f.Timeout = 500 * time.Millisecond
			start := time.Now()
			_, err := f.Capture(ctx, "https://youtu.be/dQw4w9WgXcQ")
			if err == nil {
				t.Fatal("captured")
			}
			if tt.name == "RedirectToLocalRefused" && !errors.Is(err, netguard.ErrForbidden) {
				t.Errorf("err = %v, want netguard's refusal", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	t.Run("UnknownNotFetched", func(t *testing.T) {
		if _, err := fetcher(nil).Capture(ctx, "https://example.com/story"); !errors.Is(err, capture.ErrNoProvider) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestWorker publishes a post with an embed that went out without a
// capture and follows the capture into the change feed: a post.updated
// whose post carries the captured text, without an "Updated" mark.
func TestWorker(t *testing.T) {
	fake := newFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tweetAnswer) }))
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ev := &liveblog.Event{Slug: "vote", Title: "The vote"}
	if err := store.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	p := &liveblog.Post{EventID: ev.ID, Headline: "The agency reacts", Blocks: []liveblog.Block{
		{Type: liveblog.BlockEmbed, URL: "https://x.com/agency/status/1887503281937625469"},
		{Type: liveblog.BlockEmbed, URL: "https://x.com/agency/status/1887503281937625469", Text: "Typed by the journalist."},
	}}
	if err := store.CreatePost(ctx, liveblog.Write{}, p); err != nil {
		t.Fatal(err)
	}
	w := capture.NewWorker(&capture.Fetcher{Client: fake.guard.Client(), Endpoints: map[string]string{"x": fake.URL}}, store, slog.New(slog.DiscardHandler))
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	w.Enqueue(p)

	var changes []*liveblog.Change
	for len(changes) < 2 {
		batch, err := store.FindChanges(ctx, liveblog.ChangeFilter{EventID: ev.ID})
		if err != nil {
			t.Fatal(err)
		}
		changes = batch.Changes
		select {
		case <-ctx.Done():
			t.Fatal("no capture")
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
	c := changes[1]
	if c.Kind != liveblog.ChangePostUpdated || c.Post == nil {
		t.Fatalf("change %+v", c)
	}
	got := c.Post
	if got.Blocks[0].Author != "The Agency" || !strings.HasPrefix(got.Blocks[0].Text, "Statement on the vote") {
		t.Errorf("captured block %+v", got.Blocks[0])
	}
	if got.Blocks[1].Text != "Typed by the journalist." || got.Blocks[1].Author != "The Agency" {
		t.Errorf("the journalist's text was not kept: %+v", got.Blocks[1])
	}
	if !got.EditedAt.IsZero() {
		t.Errorf("a capture marked the post updated at %v", got.EditedAt)
	}
}
