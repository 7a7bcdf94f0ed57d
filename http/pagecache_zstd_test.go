package http_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestZstd checks the negotiation between the encodings kept for reader
// pages and the changes endpoint: zstd when the reader lists it at least as
// high as gzip, gzip otherwise, each with its own tag and Vary.
func TestZstd(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ev := seedEvent(t, store, "zstd")
	seedPosts(t, store, ev, 3)

	for _, path := range []string{"/live/zstd", "/live/zstd/changes?after=0"} {
		plain := get(t, ts, path, "Accept-Encoding", "identity")
		if plain.status != 200 || plain.header.Get("Content-Encoding") != "" {
			t.Fatalf("%s: got %d %q, want 200 unencoded", path, plain.status, plain.header.Get("Content-Encoding"))
		}
		for _, tc := range []struct {
			name, accept, want string
		}{
			{"Zstd", "zstd", "zstd"},
			{"BrowserList", "gzip, deflate, br, zstd", "zstd"},
			{"GzipPreferred", "zstd;q=0.5, gzip", "gzip"},
			{"ZstdRefused", "zstd;q=0, gzip", "gzip"},
			{"Star", "*", "gzip"},
			{"Identity", "identity", ""},
		} {
			t.Run(strings.TrimPrefix(path, "/live/zstd")+tc.name, func(t *testing.T) {
				res := get(t, ts, path, "Accept-Encoding", tc.accept)
				if got := res.header.Get("Content-Encoding"); got != tc.want {
					t.Fatalf("got Content-Encoding %q, want %q", got, tc.want)
				}
				if !strings.Contains(strings.Join(res.header.Values("Vary"), ","), "Accept-Encoding") {
					t.Errorf("got Vary %q, want Accept-Encoding in it", res.header.Values("Vary"))
				}
				body := decodeBody(t, tc.want, res.body)
				if !bytes.Equal(body, plain.body) {
					t.Errorf("got a body that decodes to %d bytes, want the %d of the plain one", len(body), len(plain.body))
				}
				etag := res.header.Get("ETag")
				if tc.want != "" && etag == plain.header.Get("ETag") {
					t.Errorf("got the plain representation's tag %s for %s", etag, tc.want)
				}
				if res := get(t, ts, path, "Accept-Encoding", tc.accept, "If-None-Match", etag); res.status != 304 || res.header.Get("ETag") != etag {
					t.Errorf("revalidating: got %d with %s, want 304 with %s", res.status, res.header.Get("ETag"), etag)
				}
			})
		}
	}
}

func decodeBody(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(b)
	switch coding {
	case "zstd":
		d, err := zstd.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		r = d
	case "gzip":
		z, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = z
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", coding, err)
	}
	return out
}
