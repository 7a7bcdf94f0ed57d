package http_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/capture"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/netguard"
)

// TestCaptureAfterPublish publishes a post with an X embed through the API:
// the answer comes at once, with nothing captured, and the captured text
// reaches the reader page afterwards, through the change feed, from a local
// server playing the provider (on 127.0.0.2, the one address the test's
// guard allows).
// fakeX serves X's oEmbed answer for every question on 127.0.0.2, and
// returns a fetcher that asks it, through a guard that allows that one
// address. The answer for a status ending in 0 is a 404.
func fakeX(t *testing.T) *capture.Fetcher {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	provider := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Query().Get("url"), "0") {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"author_name":"The Agency","html":"<blockquote class=\"twitter-tweet\"><p>We will respect the result.</p></blockquote><script src=\"https://platform.twitter.com/widgets.js\"></script>"}`)
	}))
	provider.Listener.Close()
	provider.Listener = ln
	provider.Start()
	t.Cleanup(provider.Close)
	guard := &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}
	return &capture.Fetcher{Client: guard.Client(), Endpoints: map[string]string{"x": provider.URL}}
}

func TestCaptureAfterPublish(t *testing.T) {
	fetcher := fakeX(t)
	store := openStore(t, filepath.Join(t.TempDir(), "liveblog.db"))
	logger := slog.New(slog.DiscardHandler)
	worker := capture.NewWorker(fetcher, store, logger)
	srv, _ := newServer(t, lbhttp.Config{Captures: worker}, store, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	secret, hash := liveblog.NewTokenSecret()
	if err := store.CreateToken(context.Background(), liveblog.Write{}, &liveblog.Token{Name: "desk", Hash: hash}); err != nil {
		t.Fatal(err)
	}
	ev := seedEvent(t, store, "vote")

	res := send(t, ts, "POST", "/api/v1/events/vote/posts", secret,
		`{"headline":"The agency reacts","blocks":[{"type":"embed","url":"https://x.com/agency/status/1887503281937625469"}]}`)
	if res.status != http.StatusCreated {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	p := decode[liveblog.Post](t, res)
	if b := p.Blocks[0]; b.Provider != "x" || b.ProviderID != "1887503281937625469" || b.Text != "" {
		t.Fatalf("published block %+v", b)
	}
	if page := string(get(t, ts, "/live/vote").body); !strings.Contains(page, `data-provider="x"`) || strings.Contains(page, "respect the result") {
		t.Fatalf("the page before the capture lacks the facade or already has the text")
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { worker.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for {
		batch, err := store.FindChanges(context.Background(), liveblog.ChangeFilter{EventID: ev.ID})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(batch.Changes); n == 2 {
			if k := batch.Changes[1].Kind; k != liveblog.ChangePostUpdated {
				t.Fatalf("second change %s", k)
			}
			break
		}
		if err := ctx.Err(); err != nil {
			t.Fatal(err)
		}
	}
	page := string(get(t, ts, "/live/vote").body)
	for _, want := range []string{`<span class="facade-author">The Agency</span>`, "<p>We will respect the result.</p>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page after the capture lacks %s", want)
		}
	}
	if strings.Contains(page, "widgets.js") || strings.Contains(page, "post-updated") {
		t.Errorf("the page shows the provider's script or an Updated mark")
	}
}

// TestDeskCapture is the composer asking for the facade of a pasted address
// before publishing.
func TestDeskCapture(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{Captures: capture.NewWorker(fakeX(t), nil, slog.New(slog.DiscardHandler))})
	reporter := env.signIn(t, "reporter@example.com")
	t.Run("OK", func(t *testing.T) {
		res := reporter.postJSON(t, "POST", "/desk/capture", map[string]any{"url": "https://x.com/agency/status/1887503281937625469"})
		c := decodeJSON[liveblog.Capture](t, res)
		if res.status != http.StatusOK || c.Author != "The Agency" || c.Text != "We will respect the result." || c.URL != "https://x.com/agency/status/1887503281937625469" {
			t.Errorf("status %d, capture %+v", res.status, c)
		}
	})
	for _, tt := range []struct{ name, url string }{
		{"UnknownProvider", "https://example.com/story"},
		{"NotAURL", "javascript:alert(1)"},
		{"ProviderFails", "https://x.com/agency/status/1887503281937625460"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := reporter.postJSON(t, "POST", "/desk/capture", map[string]any{"url": tt.url})
			if p := decodeJSON[problemDoc](t, res); res.status != http.StatusBadRequest || p.Field != "url" {
				t.Errorf("status %d, problem %+v", res.status, p)
			}
		})
	}
}
