package http

import (
	"reflect"
	"testing"

	"github.com/liveblog/liveblog"
)

// FuzzDecodeBody checks that no body, however broken, makes decoding panic
// or fail with anything but an invalid-input error a client can act on.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"headline":"x","blocks":[{"type":"paragraph","spans":[{"text":"a","href":"https://example.com"}]}]}`,
		`{"blocks":[{"type":"list","items":[[{"text":"a","bold":"yes"}]]}]}`,
		`{"headline":1}`, `{"scheduled_at":"soon"}`, `{"contributors":[{"name":"A","x":1}]}`,
		`{"blocks":[{"width":1e400}]}`, `{} {}`, `[`, "{\"headline\":\"\xff\"}", `{"Headline":"x","HEADLINE":2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&postRequest{}, &postUpdateRequest{}, &eventRequest{}, &summaryRequest{}} {
			err := decodeBody(body, v)
			if err != nil && liveblog.ErrorCode(err) != liveblog.EINVALID {
				t.Fatalf("decode %q into %s: %v, want an invalid-input error", body, reflect.TypeOf(v).Elem(), err)
			}
		}
	})
}
