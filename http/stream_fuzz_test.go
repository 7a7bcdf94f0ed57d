package http

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/liveblog/liveblog"
)

// FuzzPosition checks the stream's position parameters (Last-Event-ID and
// ?after=): any header or query either gives a position of 0 or more that
// reads back as the same number, or an invalid-input error naming the
// parameter, never a panic or a negative position.
//
//	go test ./http -run '^$' -fuzz FuzzPosition -fuzztime 5m
func FuzzPosition(f *testing.F) {
	for _, s := range []struct{ header, query string }{
		{"", "after=42"}, {"42", ""}, {"-1", ""}, {"", "after=-1"}, {"", "after=%2B1"}, {"9223372036854775808", ""},
		{"", "after=1&after=2"}, {" 1", ""}, {"", "after=1e3"}, {"0x10", ""}, {"", "after="}, {"", "after=%zz"},
		{"00042", ""}, {"", ";after=1"},
	} {
		f.Add(s.header, s.query)
	}
	f.Fuzz(func(t *testing.T, header, query string) {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{Path: "/live/x/stream", RawQuery: query}}
		if header != "" {
			r.Header.Set("Last-Event-ID", header)
		}
		pos, ok, err := streamPosition(r)
		if err != nil {
			if ok || liveblog.ErrorCode(err) != liveblog.EINVALID {
				t.Fatalf("streamPosition(%q, %q) = %v, %v: want an invalid-input error and not ok", header, query, ok, err)
			}
			if field := liveblog.ErrorField(err); field != "Last-Event-ID" && field != "after" {
				t.Fatalf("error names %q, want the parameter", field)
			}
			return
		}
		if !ok {
			if pos != 0 {
				t.Fatalf("no position but pos %d", pos)
			}
			return
		}
		if pos < 0 {
			t.Fatalf("streamPosition(%q, %q) = %d, a negative position", header, query, pos)
		}
		back := &http.Request{Header: http.Header{"Last-Event-Id": {strconv.FormatInt(pos, 10)}}, URL: &url.URL{}}
		if again, _, err := streamPosition(back); err != nil || again != pos {
			t.Fatalf("position %d does not read back: %d, %v", pos, again, err)
		}
	})
}
