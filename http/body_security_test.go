package http_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"runtime"
	"testing"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// gzipBomb is a body that inflates to n MiB of zeros: one compressed MiB,
// repeated as the members of a multi-member gzip stream (RFC 1952), so the
// test builds 900 MiB of it in a millisecond.
func gzipBomb(t testing.TB, n int) []byte {
	t.Helper()
	var member bytes.Buffer
	z, err := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	z.Write(make([]byte, 1<<20))
	z.Close()
	return bytes.Repeat(member.Bytes(), n)
}

// TestEncodedBodyRefused: a request body with a Content-Encoding is refused
// with 415 naming the header, before a byte of it is inflated, on the API
// and on the desk; a 900 MiB gzip bomb costs next to nothing.
func TestEncodedBodyRefused(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ev := seedEvent(t, env.store, "budget")
	bomb := gzipBomb(t, 900)
	if len(bomb) >= lbhttp.DefaultMaxBodyBytes {
		t.Fatalf("the bomb is %d bytes, over the body limit", len(bomb))
	}
	var post bytes.Buffer
	z := gzip.NewWriter(&post)
	fmt.Fprint(z, `{"headline":"Compressed","blocks":[{"type":"paragraph","text":"a"}]}`)
	z.Close()

	wantRefused := func(t *testing.T, res *response) {
		t.Helper()
		wantProblem(t, res, http.StatusUnsupportedMediaType, "Content-Encoding")
		if got := res.header.Get("Accept-Encoding"); got != "identity" {
			t.Errorf("Accept-Encoding = %q, want identity", got)
		}
	}
	t.Run("API", func(t *testing.T) {
		for _, body := range [][]byte{post.Bytes(), bomb} {
			before := snapshot(t, env.store, ev.ID)
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			res := send(t, env.ts, "POST", "/api/v1/events/budget/posts", env.token, string(body), "Content-Encoding", "gzip")
			runtime.ReadMemStats(&m1)
			wantRefused(t, res)
			// The client's copy of the body and the server's read of it,
			// never the 900 MiB it would inflate to.
			if got := m1.TotalAlloc - m0.TotalAlloc; got > 16<<20 && !raceDetector {
				t.Errorf("a %d-byte gzip body allocated %d MiB", len(body), got>>20)
			}
			if after := snapshot(t, env.store, ev.ID); after != before {
				t.Errorf("refused request changed the store")
			}
		}
	})
	t.Run("Identity", func(t *testing.T) {
		res := send(t, env.ts, "POST", "/api/v1/events/budget/posts", env.token,
			`{"headline":"Plain","blocks":[{"type":"paragraph","text":"a"}]}`, "Content-Encoding", "identity")
		if res.status != http.StatusCreated {
			t.Errorf("status %d, want 201: %s", res.status, res.body)
		}
	})
	t.Run("Desk", func(t *testing.T) {
		c := env.signIn(t, "editor@example.com")
		wantRefused(t, c.do(t, "POST", "/desk/media", "image/png", string(bomb), "Content-Encoding", "gzip"))
		wantRefused(t, c.do(t, "POST", "/desk/events/budget/posts", "application/json", post.String(), "Content-Encoding", "gzip"))
	})
}

// TestEmptyBodyNeedsNoType: DELETE and restore take their version from
// If-Match; an empty body with Content-Type: application/json is no body,
// not an empty JSON document.
func TestEmptyBodyNeedsNoType(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	p := seedPosts(t, store, ev, 1)[0]
	path := fmt.Sprintf("/api/v1/events/budget/posts/%d", p.ID)
	res := send(t, ts, "DELETE", path, token, "", "Content-Type", "application/json", "If-Match", fmt.Sprintf(`"%d"`, p.Version))
	if res.status != http.StatusOK {
		t.Fatalf("DELETE with Content-Type and no body: status %d, want 200: %s", res.status, res.body)
	}
	res = send(t, ts, "POST", path+"/restore", token, "", "Content-Type", "application/json; charset=utf-8", "If-Match", fmt.Sprintf(`"%d"`, p.Version+1))
	if res.status != http.StatusOK {
		t.Fatalf("restore with Content-Type and no body: status %d, want 200: %s", res.status, res.body)
	}
	// A body that is there is still held to the rules.
	wantProblem(t, send(t, ts, "DELETE", path, token, `{"version":3}`, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType, "Content-Type")
	wantProblem(t, send(t, ts, "DELETE", path, token, `{"version":3,"version":3}`), http.StatusBadRequest, "version")
	got, err := store.FindPostByID(t.Context(), p.ID)
	if err != nil || got.Status != liveblog.StatusPublished {
		t.Errorf("post = %+v, %v; want it restored", got, err)
	}
}
