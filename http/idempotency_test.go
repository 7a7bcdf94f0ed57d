package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/sqlite"
)

func TestIdempotency(t *testing.T) {
	ts, store, token := newTestServer(t)
	key := func(k string) []string { return []string{"Idempotency-Key", k} }

	t.Run("EveryWriteRoute", func(t *testing.T) {
		// Each write, sent twice: the second answer is the first one,
		// byte for byte, and changes nothing.
		var eventID, postID int64
		post := func() string { return fmt.Sprintf("/api/v1/events/replayed/posts/%d", postID) }
		for _, tt := range []struct {
			name, method string
			path         func() string
			body         string
			header       []string
			status       int
		}{
			{"CreateEvent", "POST", func() string { return "/api/v1/events" }, `{"slug":"replayed","title":"Replayed"}`, nil, 201},
			{"UpdateEvent", "PATCH", func() string { return "/api/v1/events/replayed" }, `{"title":"Replayed again"}`, []string{"If-Match", `"1"`}, 200},
			{"SetCoverage", "PUT", func() string { return "/api/v1/events/replayed/coverage" }, `{"state":"live","version":2}`, nil, 200},
			{"ReplaceSummary", "PUT", func() string { return "/api/v1/events/replayed/summary" }, `{"points":["Once"],"version":3}`, nil, 200},
			{"CreatePost", "POST", func() string { return "/api/v1/events/replayed/posts" }, `{"headline":"Said once"}`, nil, 201},
			{"UpdatePost", "PATCH", post, `{"headline":"Said once, edited once"}`, []string{"If-Match", `"1"`}, 200},
			{"PinPost", "PUT", func() string { return post() + "/pin" }, `{"pinned":true,"version":2}`, nil, 200},
			{"DeletePost", "DELETE", post, "", []string{"If-Match", `"3"`}, 200},
			{"RestorePost", "POST", func() string { return post() + "/restore" }, "", []string{"If-Match", `"4"`}, 200},
		} {
			t.Run(tt.name, func(t *testing.T) {
				header := append(key("every-"+tt.name), tt.header...)
				if tt.body == "" {
					header = append(header, "Content-Type", "")
				}
				first := send(t, ts, tt.method, tt.path(), token, tt.body, header...)
				if first.status != tt.status {
					t.Fatalf("status = %d, want %d: %s", first.status, tt.status, first.body)
				}
				if got := first.header.Get("Idempotent-Replayed"); got != "" {
					t.Errorf("first answer has Idempotent-Replayed: %q", got)
				}
				switch tt.name {
				case "CreateEvent":
					eventID = decode[liveblog.Event](t, first).ID
				case "CreatePost":
					postID = decode[liveblog.Post](t, first).ID
				}
				before := snapshot(t, store, eventID)
				again := send(t, ts, tt.method, tt.path(), token, tt.body, header...)
				if got := again.header.Get("Idempotent-Replayed"); got != "true" {
					t.Errorf("Idempotent-Replayed = %q, want true", got)
				}
				if again.status != first.status || string(again.body) != string(first.body) {
					t.Errorf("replayed %d %s\nwant %d %s", again.status, again.body, first.status, first.body)
				}
				for _, name := range []string{"Content-Type", "ETag", "Location", "Cache-Control"} {
					if got, want := again.header.Get(name), first.header.Get(name); got != want {
						t.Errorf("replayed %s = %q, want %q", name, got, want)
					}
				}
				if after := snapshot(t, store, eventID); after != before {
					t.Errorf("the replay changed the event:\n%s\nwant\n%s", after, before)
				}
			})
		}
	})

	ev := seedEvent(t, store, "keys")
	posts := "/api/v1/events/keys/posts"
	countPosts := func(t *testing.T) int {
		t.Helper()
		list, err := store.FindPosts(context.Background(), liveblog.PostFilter{EventID: ev.ID, Limit: liveblog.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}

	t.Run("DifferentRequest", func(t *testing.T) {
		first := send(t, ts, "POST", posts, token, `{"headline":"First use"}`, key("reused")...)
		if first.status != http.StatusCreated {
			t.Fatalf("status = %d: %s", first.status, first.body)
		}
		id := decode[liveblog.Post](t, first).ID
		path := fmt.Sprintf("%s/%d", posts, id)
		// A PATCH that has been made, to try other versions on.
		if res := send(t, ts, "PATCH", path, token, `{"headline":"Edited"}`, append(key("patched"), "If-Match", `"1"`)...); res.status != 200 {
			t.Fatalf("status = %d: %s", res.status, res.body)
		}
		before := snapshot(t, store, ev.ID)
		for _, tt := range []struct {
			name, method, path, body string
			header                   []string
		}{
			{"Body", "POST", posts, `{"headline":"Second use"}`, key("reused")},
			{"Path", "POST", "/api/v1/events/replayed/posts", `{"headline":"First use"}`, key("reused")},
			{"IfMatch", "PATCH", path, `{"headline":"Edited"}`, append(key("patched"), "If-Match", `"2"`)},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := send(t, ts, tt.method, tt.path, token, tt.body, tt.header...)
				p := wantProblem(t, res, http.StatusUnprocessableEntity, "Idempotency-Key")
				if got, want := p.Type, lbhttp.ProblemTypeBase+"unprocessable"; got != want {
					t.Errorf("type = %q, want %q", got, want)
				}
				if after := snapshot(t, store, ev.ID); after != before {
					t.Errorf("a refused reuse of a key changed the event")
				}
			})
		}
	})

	t.Run("KeysPerToken", func(t *testing.T) {
		secret, hash := liveblog.NewTokenSecret()
		if err := store.CreateToken(context.Background(), liveblog.Write{}, &liveblog.Token{Name: "second client", Hash: hash}); err != nil {
			t.Fatal(err)
		}
		n := countPosts(t)
		for _, tok := range []string{token, secret} {
			if res := send(t, ts, "POST", posts, tok, `{"headline":"Per client"}`, key("per-token")...); res.status != 201 || res.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("status = %d, replayed %q, want a new post: %s", res.status, res.header.Get("Idempotent-Replayed"), res.body)
			}
		}
		if got, want := countPosts(t), n+2; got != want {
			t.Errorf("posts = %d, want %d", got, want)
		}
	})

	t.Run("RefusedWriteNotKept", func(t *testing.T) {
		wantProblem(t, send(t, ts, "POST", posts, token, `{"headline":""}`, key("refused")...), http.StatusBadRequest, "blocks")
		res := send(t, ts, "POST", posts, token, `{"headline":"Fixed and resent"}`, key("refused")...)
		if res.status != http.StatusCreated || res.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("status = %d, replayed %q; want the corrected request to run", res.status, res.header.Get("Idempotent-Replayed"))
		}
	})

	t.Run("QuotedKey", func(t *testing.T) {
		first := send(t, ts, "POST", posts, token, `{"headline":"Quoted"}`, key(`"structured-field"`)...)
		again := send(t, ts, "POST", posts, token, `{"headline":"Quoted"}`, key("structured-field")...)
		if first.status != 201 || again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) {
			t.Errorf("bare key after quoted: %d %q, want the replay", again.status, again.header.Get("Idempotent-Replayed"))
		}
	})

	for _, tt := range []struct{ name, key string }{
		{"EmptyKey", `""`},
		{"LongKey", strings.Repeat("k", liveblog.MaxIdempotencyKeyLength+1)},
		{"SpaceInKey", "two words"},
		{"NonASCIIKey", "clé"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := countPosts(t)
			res := send(t, ts, "POST", posts, token, `{"headline":"Bad key"}`, key(tt.key)...)
			wantProblem(t, res, http.StatusBadRequest, "Idempotency-Key")
			if got := countPosts(t); got != n {
				t.Errorf("posts = %d, want %d", got, n)
			}
		})
	}

	t.Run("RouteWithoutSupport", func(t *testing.T) {
		// A write whose store does not record keys refuses one rather than
		// ignore it: a retry would write twice.
		before := snapshot(t, store, ev.ID)
		res := send(t, ts, "POST", "/api/v1/events/keys/webhooks", token, `{"url":"https://partner.example.com/hook"}`, key("hook")...)
		wantProblem(t, res, http.StatusBadRequest, "Idempotency-Key")
		if after := snapshot(t, store, ev.ID); after != before {
			t.Errorf("a refused key changed the event")
		}
	})

	t.Run("ReadIgnoresKey", func(t *testing.T) {
		for range 2 {
			res := send(t, ts, "GET", posts, token, "", key("read")...)
			if res.status != 200 || res.header.Get("Idempotent-Replayed") != "" {
				t.Errorf("GET with a key = %d, replayed %q; want an ordinary read", res.status, res.header.Get("Idempotent-Replayed"))
			}
		}
	})

	t.Run("ConcurrentDuplicates", func(t *testing.T) {
		// A client that retries before its first attempt has been
		// answered: one write, and every attempt gets its answer.
		n := countPosts(t)
		const attempts = 16
		res := make([]*response, attempts)
		var wg sync.WaitGroup
		for i := range attempts {
			wg.Go(func() { res[i] = send(t, ts, "POST", posts, token, `{"headline":"Sent in a hurry"}`, key("hurry")...) })
		}
		wg.Wait()
		replayed := 0
		for _, r := range res {
			if r.status != 201 || string(r.body) != string(res[0].body) {
				t.Errorf("attempt = %d %s, want 201 %s", r.status, r.body, res[0].body)
			}
			if r.header.Get("Idempotent-Replayed") == "true" {
				replayed++
			}
		}
		if replayed != attempts-1 {
			t.Errorf("%d replayed, want %d", replayed, attempts-1)
		}
		if got, want := countPosts(t), n+1; got != want {
			t.Errorf("posts = %d, want %d", got, want)
		}
	})
}

// TestIdempotencyExpiry checks that a key is kept for IdempotencyTTL and no
// longer: after it, the same request is a new write.
func TestIdempotencyExpiry(t *testing.T) {
	env := newTestEnv(t, lbhttp.Config{})
	now := time.Date(2026, 2, 13, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	env.store.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	seedEvent(t, env.store, "expiry")
	post := func() *response {
		return send(t, env.ts, "POST", "/api/v1/events/expiry/posts", env.token, `{"headline":"Daily"}`, "Idempotency-Key", "daily")
	}
	first := post()
	advance(liveblog.IdempotencyTTL)
	t.Run("WithinTTL", func(t *testing.T) {
		if res := post(); res.header.Get("Idempotent-Replayed") != "true" || string(res.body) != string(first.body) {
			t.Errorf("after exactly the TTL: %d replayed %q, want the replay", res.status, res.header.Get("Idempotent-Replayed"))
		}
	})
	advance(time.Second)
	t.Run("AfterTTL", func(t *testing.T) {
		res := post()
		if res.status != 201 || res.header.Get("Idempotent-Replayed") != "" || string(res.body) == string(first.body) {
			t.Errorf("after the TTL: %d replayed %q, want a new post", res.status, res.header.Get("Idempotent-Replayed"))
		}
	})
}

// TestIdempotencyAcrossNodes sends the same write with the same key to two
// servers on one database at once. Neither node knows of the other's
// request, so it is the database (the key is stored in the write's
// transaction) that lets exactly one write happen; the other node answers
// with its response.
func TestIdempotencyAcrossNodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liveblog.db")
	var urls []string
	var token string
	var first *sqlite.Store
	for range 2 {
		store := openStore(t, path)
		srv, _ := newServer(t, lbhttp.Config{}, store, nil)
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		urls = append(urls, ts.URL)
		if first == nil {
			first = store
			var hash string
			token, hash = liveblog.NewTokenSecret()
			if err := store.CreateToken(context.Background(), liveblog.Write{}, &liveblog.Token{Name: "nodes", Hash: hash}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ev := seedEvent(t, first, "nodes")
	const rounds = 20
	for i := range rounds {
		var wg sync.WaitGroup
		bodies := make([]string, 2)
		for n, base := range urls {
			wg.Go(func() {
				req, err := http.NewRequest("POST", base+"/api/v1/events/nodes/posts", strings.NewReader(`{"headline":"Both nodes"}`))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("round-%d", i))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				if err != nil {
					t.Error(err)
					return
				}
				bodies[n] = fmt.Sprintf("%d %s", res.StatusCode, b)
			})
		}
		wg.Wait()
		if bodies[0] != bodies[1] || !strings.HasPrefix(bodies[0], "201 ") {
			t.Fatalf("round %d: the nodes answered\n%s\n%s\nwant the same 201", i, bodies[0], bodies[1])
		}
	}
	list, err := first.FindPosts(context.Background(), liveblog.PostFilter{EventID: ev.ID, Limit: liveblog.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(list); got != rounds {
		t.Errorf("posts = %d, want %d (one per key)", got, rounds)
	}
}
