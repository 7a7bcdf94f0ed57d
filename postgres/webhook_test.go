package postgres

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/webhook"
)

// Two nodes' workers on one database, each with several requests in
// flight, must send every change once and in order.
func TestWebhookExactlyOnce(t *testing.T) {
	database(t)
	ctx := context.Background()
	var mu sync.Mutex
	var seqs []int64
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p struct {
			Seq int64 `json:"seq"`
		}
		json.Unmarshal(body, &p)
		mu.Lock()
		seqs = append(seqs, p.Seq)
		mu.Unlock()
	}))
	defer rc.Close()

	dsn := freshSchema(t)
	a, b := mustOpen(t, dsn), mustOpen(t, dsn)
	ev := &liveblog.Event{Slug: "budget", Title: "Budget day"}
	if err := a.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	hook := &liveblog.Webhook{EventID: ev.ID, URL: rc.URL, Secret: "s", Active: true}
	if err := a.CreateWebhook(ctx, liveblog.Write{}, hook); err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := range n {
		if err := a.CreatePost(ctx, liveblog.Write{}, &liveblog.Post{EventID: ev.ID, Headline: "Line " + string(rune('A'+i%26))}); err != nil {
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	for _, s := range []*Store{a, b, a, b} {
		w := webhook.NewWorker(s, webhook.Config{AllowPrivateNetworks: true})
		wg.Go(func() {
			for {
				ok, err := w.Step(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
			}
		})
	}
	wg.Wait()

	if len(seqs) != n {
		t.Fatalf("got %d requests, want %d", len(seqs), n)
	}
	for i, seq := range seqs {
		if want := hook.NextSeq + int64(i); seq != want {
			t.Fatalf("request %d: got seq %d, want %d (got %v)", i, seq, want, seqs)
		}
	}
}
