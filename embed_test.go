package liveblog_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// TestRecognizeEmbed reads the addresses people copy from each provider's
// share menu and address bar.
func TestRecognizeEmbed(t *testing.T) {
	for _, tt := range []struct {
		url, provider, id, frame string
	}{
		// YouTube: watch pages, short links, Shorts, live streams, mobile.
		{"https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"},
		{"https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&list=PL1", "youtube", "dQw4w9WgXcQ", ""},
		{"https://youtu.be/dQw4w9WgXcQ?si=AbCdEf", "youtube", "dQw4w9WgXcQ", ""},
		{"https://m.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", ""},
		{"https://youtube.com/shorts/aqz-KE-bpKQ?feature=share", "youtube", "shorts/aqz-KE-bpKQ", "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"},
		{"https://www.youtube.com/live/jfKfPfyJRdk?si=x", "youtube", "jfKfPfyJRdk", ""},
		{"https://www.youtube.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", ""},
		{"http://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", ""},
		{"https://WWW.YouTube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", ""},
		// Vimeo.
		{"https://vimeo.com/76979871", "vimeo", "76979871", "https://player.vimeo.com/video/76979871?dnt=1"},
		{"https://vimeo.com/channels/staffpicks/76979871", "vimeo", "76979871", ""},
		{"https://player.vimeo.com/video/76979871", "vimeo", "76979871", ""},
		// X and Twitter.
		{"https://x.com/BBCBreaking/status/1887503281937625469", "x", "1887503281937625469", "https://platform.twitter.com/embed/Tweet.html?dnt=true&id=1887503281937625469"},
		{"https://twitter.com/BBCBreaking/status/1887503281937625469?s=20", "x", "1887503281937625469", ""},
		{"https://mobile.twitter.com/nasa/status/1234567890123456789/photo/1", "x", "1234567890123456789", ""},
		// Instagram posts and reels.
		{"https://www.instagram.com/p/C3xYz_AbCdE/", "instagram", "C3xYz_AbCdE", "https://www.instagram.com/p/C3xYz_AbCdE/embed/"},
		{"https://www.instagram.com/reel/C4aBcDeFgHi/?igsh=MWQ1", "instagram", "C4aBcDeFgHi", ""},
		{"https://www.instagram.com/natgeo/p/C3xYz_AbCdE/", "instagram", "C3xYz_AbCdE", ""},
		// TikTok.
		{"https://www.tiktok.com/@scout2015/video/6718335390845095173", "tiktok", "6718335390845095173", "https://www.tiktok.com/player/v1/6718335390845095173"},
		// Facebook posts and videos.
		{"https://www.facebook.com/bbcnews/posts/1122334455667788", "facebook", "bbcnews/posts/1122334455667788",
			"https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fbbcnews%2Fposts%2F1122334455667788"},
		{"https://www.facebook.com/bbcnews/videos/987654321012345/", "facebook", "bbcnews/videos/987654321012345",
			"https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fbbcnews%2Fvideos%2F987654321012345"},
		{"https://www.facebook.com/watch/?v=987654321012345", "facebook", "watch/987654321012345",
			"https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fwatch%2F%3Fv%3D987654321012345"},
		// Threads, on both of its domains.
		{"https://www.threads.net/@zuck/post/C8ZzYxWvUtS", "threads", "zuck/C8ZzYxWvUtS", "https://www.threads.com/@zuck/post/C8ZzYxWvUtS/embed"},
		{"https://www.threads.com/@bbcnews/post/DAbCdEfGhIj?xmt=1", "threads", "bbcnews/DAbCdEfGhIj", ""},
		// Bluesky, by handle and by DID.
		{"https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l", "bluesky", "bsky.app/3l6oveex3ii2l", "https://embed.bsky.app/embed/bsky.app/app.bsky.feed.post/3l6oveex3ii2l"},
		{"https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l", "bluesky", "did:plc:z72i7hdynmk6r22z27h6tvur/3l6oveex3ii2l", ""},
		// Mastodon on any instance; no frame host to allow.
		{"https://mastodon.social/@Gargron/113829937591183245", "mastodon", "mastodon.social/@Gargron/113829937591183245", ""},
		{"https://social.example.org/users/editor/statuses/113829937591183245", "mastodon", "social.example.org/@editor/113829937591183245", ""},
		// Telegram public channel posts.
		{"https://t.me/durov/342", "telegram", "durov/342", "https://t.me/durov/342?embed=1"},
		{"https://t.me/s/telegram/245", "telegram", "telegram/245", ""},
		// Spotify.
		{"https://open.spotify.com/track/4cOdK2wGLETKBW3PvgPWqT?si=abc", "spotify", "track/4cOdK2wGLETKBW3PvgPWqT", "https://open.spotify.com/embed/track/4cOdK2wGLETKBW3PvgPWqT"},
		{"https://open.spotify.com/intl-de/episode/512ojhOuo1ktJprKbVcKyQ", "spotify", "episode/512ojhOuo1ktJprKbVcKyQ", ""},
		// SoundCloud tracks and sets.
		{"https://soundcloud.com/forss/flickermood", "soundcloud", "forss/flickermood", "https://w.soundcloud.com/player/?visual=false&url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fflickermood"},
		{"https://soundcloud.com/forss/sets/soulhack", "soundcloud", "forss/sets/soulhack", ""},
		// Datawrapper charts, published and in the app.
		{"https://datawrapper.dwcdn.net/dZ5Vo/3/", "datawrapper", "dZ5Vo", "https://datawrapper.dwcdn.net/dZ5Vo/"},
		{"https://www.datawrapper.de/_/dZ5Vo/", "datawrapper", "dZ5Vo", ""},
		// Flourish.
		{"https://public.flourish.studio/visualisation/1234567/", "flourish", "visualisation/1234567", "https://flo.uri.sh/visualisation/1234567/embed"},
		{"https://flo.uri.sh/story/98765/embed", "flourish", "story/98765", ""},

		// Link cards: no provider, or not a post the provider can frame.
		{"https://www.bbc.co.uk/news/live/world-12345678", "", "", ""},
		{"https://www.youtube.com/@bbcnews", "", "", ""},
		{"https://www.youtube.com/watch?v=short", "", "", ""},
		{"https://www.youtube.com/watch?v=dQw4w9WgXcQ%22%3E%3Cscript%3E", "", "", ""},
		{"https://youtu.be.evil.example/dQw4w9WgXcQ", "", "", ""},
		{"https://evil.example/?u=https://youtu.be/dQw4w9WgXcQ", "", "", ""},
		{"https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ", "", "", ""},
		{"https://x.com/BBCBreaking", "", "", ""},
		{"https://x.com/BBCBreaking/status/notanumber", "", "", ""},
		{"https://www.instagram.com/natgeo/", "", "", ""},
		{"https://bsky.app/profile/bsky.app", "", "", ""},
		{"https://t.me/durov", "", "", ""},
		{"https://soundcloud.com/discover/sets", "", "", ""},
		{"https://medium.com/@someone/a-story-1a2b3c4d5e6f", "", "", ""},
		{"http://mastodon.social/@Gargron/113829937591183245", "", "", ""},
		{"https://user:pass@vimeo.com/76979871", "", "", ""},
		{"mailto:someone@example.com", "", "", ""},
	} {
		t.Run(tt.url, func(t *testing.T) {
			p, id := liveblog.RecognizeEmbed(tt.url)
			name := ""
			if p != nil {
				name = p.Name
			}
			if name != tt.provider || id != tt.id {
				t.Fatalf("got %q %q, want %q %q", name, id, tt.provider, tt.id)
			}
			if p == nil {
				return
			}
			frame := p.Frame(id)
			if tt.frame != "" && frame != tt.frame {
				t.Errorf("frame %q, want %q", frame, tt.frame)
			}
			if p.FrameHost == "" {
				if frame != "" {
					t.Errorf("frame %q for a provider without a frame host", frame)
				}
				return
			}
			// The frame loads from the one host the policy allows for it.
			if !strings.HasPrefix(frame, p.FrameHost+"/") {
				t.Errorf("frame %q is not on %s", frame, p.FrameHost)
			}
			if u, err := url.Parse(frame); err != nil || u.Scheme != "https" {
				t.Errorf("frame %q is not an https address", frame)
			}
		})
	}
}

// TestProviders checks the table itself: every provider the issue names is
// there, each with what its facade and frame need.
func TestProviders(t *testing.T) {
	want := []string{"x", "youtube", "vimeo", "instagram", "tiktok", "facebook", "threads", "bluesky",
		"mastodon", "telegram", "spotify", "soundcloud", "datawrapper", "flourish"}
	for _, name := range want {
		if liveblog.ProviderByName(name) == nil {
			t.Errorf("no provider %q", name)
		}
	}
	hosts := map[string]bool{}
	for _, p := range liveblog.Providers {
		if p.Label == "" || !strings.HasPrefix(p.Privacy, "https://") || p.Width <= 0 || p.Height <= 0 {
			t.Errorf("%s: label %q, privacy %q, size %dx%d", p.Name, p.Label, p.Privacy, p.Width, p.Height)
		}
		if p.FrameHost != "" {
			if !strings.HasPrefix(p.FrameHost, "https://") || strings.Count(p.FrameHost, "/") != 2 {
				t.Errorf("%s: frame host %q is not an https origin", p.Name, p.FrameHost)
			}
			if !strings.Contains(p.Sandbox, "allow-scripts") || strings.Contains(p.Sandbox, "allow-top-navigation") || strings.Contains(p.Sandbox, "allow-forms") {
				t.Errorf("%s: sandbox %q", p.Name, p.Sandbox)
			}
			hosts[p.FrameHost] = true
		}
	}
	if got := liveblog.FrameHosts(); len(got) != len(hosts) {
		t.Errorf("FrameHosts() = %v, want the %d distinct hosts of the table", got, len(hosts))
	}
}

// TestEmbedBlock checks what an embed block keeps: the provider from its
// URL, never from the client, and captured fields within their limits.
func TestEmbedBlock(t *testing.T) {
	valid := func(b liveblog.Block) error { return b.Validate("blocks[0]") }
	t.Run("ProviderFromURL", func(t *testing.T) {
		b := liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://youtu.be/dQw4w9WgXcQ", Provider: "vimeo", ProviderID: "<script>"}
		if err := b.Validate("blocks[0]"); err != nil {
			t.Fatal(err)
		}
		if b.Provider != "youtube" || b.ProviderID != "dQw4w9WgXcQ" {
			t.Errorf("got %q %q", b.Provider, b.ProviderID)
		}
	})
	t.Run("UnknownStaysCard", func(t *testing.T) {
		b := liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://example.com/story", Provider: "youtube", ProviderID: "dQw4w9WgXcQ"}
		if err := b.Validate("blocks[0]"); err != nil {
			t.Fatal(err)
		}
		if b.Provider != "" || b.ProviderID != "" {
			t.Errorf("got %q %q", b.Provider, b.ProviderID)
		}
	})
	t.Run("Captured", func(t *testing.T) {
		b := liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://x.com/a/status/1", Author: "A reporter", Text: "Line one\nline two",
			Thumbnail: "/media/0123456789abcdef0123456789abcdef-640.jpg", PostedAt: time.Date(2025, 2, 13, 9, 0, 0, 0, time.FixedZone("", 3600)), Width: 550, Height: 700}
		if err := b.Validate("blocks[0]"); err != nil {
			t.Fatal(err)
		}
		if b.PostedAt.Location() != time.UTC {
			t.Errorf("posted_at kept in %v", b.PostedAt.Location())
		}
	})
	for _, tt := range []struct {
		name, field string
		block       liveblog.Block
	}{
		{"ThumbnailElsewhere", "blocks[0].thumbnail", liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://x.com/a/status/1", Thumbnail: "https://pbs.twimg.com/media/x.jpg"}},
		{"ThumbnailEscapes", "blocks[0].thumbnail", liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://x.com/a/status/1", Thumbnail: "/media/%2e%2e/desk/"}},
		{"TextTooLong", "blocks[0].text", liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://x.com/a/status/1", Text: strings.Repeat("x", liveblog.MaxEmbedTextLength+1)}},
		{"AuthorControl", "blocks[0].author", liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://x.com/a/status/1", Author: "a\x00b"}},
		{"HalfSize", "blocks[0].width", liveblog.Block{Type: liveblog.BlockEmbed, URL: "https://x.com/a/status/1", Width: 300}},
		{"AuthorOnQuote", "blocks[0].author", liveblog.Block{Type: liveblog.BlockQuote, Text: "Quoted", Author: "Someone"}},
		{"ProviderOnImage", "blocks[0].provider", liveblog.Block{Type: liveblog.BlockImage, Src: "/media/a.jpg", Alt: "a", Provider: "youtube"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := valid(tt.block)
			var fe *liveblog.Error
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("got %v, want an error on %s", err, tt.field)
			}
		})
	}
}

// BenchmarkRecognizeEmbed is what rendering an embed adds to a page: the
// facade reads the provider from the URL each time (render/facade.go).
func BenchmarkRecognizeEmbed(b *testing.B) {
	urls := []string{
		"https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
		"https://x.com/BBCBreaking/status/1887503281937625469",
		"https://mastodon.social/@Gargron/113829937591183245",
		"https://www.bbc.co.uk/news/live/world-12345678",
	}
	for b.Loop() {
		for _, u := range urls {
			liveblog.RecognizeEmbed(u)
		}
	}
}
