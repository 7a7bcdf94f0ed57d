package http_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	lbhttp "github.com/liveblog/liveblog/http"
)

// TestHostHeader: without a configured origin the server answers only for
// its own address, by IP or as localhost, and never lets a shared cache
// keep an answer built on the request's Host; with one, every link is
// built on it whatever Host says.
func TestHostHeader(t *testing.T) {
	request := func(t *testing.T, base, host, path string) *response {
		t.Helper()
		req, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return &response{status: res.StatusCode, header: res.Header, body: body}
	}
	oembed := func(page string) string { return "/oembed?url=" + url.QueryEscape(page) }

	t.Run("NoOrigin", func(t *testing.T) {
		env := newTestEnv(t, lbhttp.Config{})
		seedEvent(t, env.store, "budget")
		u, _ := url.Parse(env.ts.URL)
		port := u.Port()
		for _, host := range []string{"evil.example", "evil.example:" + port, "127.0.0.1:1", "localhost.evil.example:" + port, "10.0.0.1:" + port} {
			for _, path := range []string{oembed("http://" + host + "/live/budget"), "/live/budget/feed.atom", "/live/budget", "/api/v1/events"} {
				if res := request(t, env.ts.URL, host, path); res.status != http.StatusMisdirectedRequest {
					t.Errorf("Host %s, %s: status %d, want 421", host, path, res.status)
				}
			}
		}
		for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port} {
			res := request(t, env.ts.URL, host, oembed("http://"+host+"/live/budget"))
			if res.status != http.StatusOK || !strings.Contains(string(res.body), `http://`+host+`/embed.js`) {
				t.Errorf("Host %s: status %d, %s; want the embed on this host", host, res.status, res.body)
			}
			if cc := res.header.Get("Cache-Control"); strings.Contains(cc, "public") || !strings.Contains(cc, "private") {
				t.Errorf("Host %s: oEmbed Cache-Control %q; an answer built on Host must be private", host, cc)
			}
			if cc := request(t, env.ts.URL, host, "/live/budget/feed.atom").header.Get("Cache-Control"); strings.Contains(cc, "public") {
				t.Errorf("Host %s: feed Cache-Control %q; an answer built on Host must be private", host, cc)
			}
		}
	})
	t.Run("Origin", func(t *testing.T) {
		env := newTestEnv(t, lbhttp.Config{Origin: "https://live.example.com"})
		seedEvent(t, env.store, "budget")
		res := request(t, env.ts.URL, "evil.example", oembed("https://live.example.com/live/budget"))
		if res.status != http.StatusOK || strings.Contains(string(res.body), "evil.example") ||
			!strings.Contains(string(res.body), `https://live.example.com/embed.js`) {
			t.Errorf("status %d, %s; want the embed on the configured origin", res.status, res.body)
		}
		if cc := res.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
			t.Errorf("Cache-Control %q, want public", cc)
		}
	})
}
