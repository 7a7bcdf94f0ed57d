package liveblog

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Provider is a site whose posts, videos, sounds or charts an embed block
// can show. Readers first see a facade built from what was captured when the
// post was published; the provider's frame loads only after they consent, so
// no request reaches a provider before that (SECURITY.md, "Embeds").
type Provider struct {
	// Name is the provider's key, stored in embed blocks: "youtube".
	Name string
	// Label is how readers know it: "YouTube".
	Label string
	// Privacy is the address of its privacy policy, linked beside the
	// consent button.
	Privacy string
	// FrameHost is the origin the frame loads from, the one entry the
	// Content-Security-Policy's frame-src gains for this provider; empty
	// for a provider without a frame at a fixed host (Mastodon, on any
	// instance), whose facade stays a card linking to the original.
	FrameHost string
	// Sandbox is the iframe's sandbox attribute: the fewest permissions the
	// provider's player works with. Every frame is cross-origin, so
	// allow-same-origin gives it its own origin back, never ours.
	Sandbox string
	// Allow is the iframe's permissions policy.
	Allow string
	// Width and Height are the frame's default proportions, used until a
	// capture brings the provider's own.
	Width, Height int
	// OEmbed is the provider's oEmbed endpoint, which a capture asks about
	// the address; "" for a provider read from its page's OpenGraph tags,
	// and a path ("/api/oembed") for one on the address's own host.
	OEmbed string

	// match returns the provider's id for u, "" when u is not one of its
	// addresses. u's host is lower case, without "www.".
	match func(u *url.URL, host string) string
	// frame returns the address of the frame showing id.
	frame func(id string) string
	// size returns the default proportions of id when they depend on it
	// (a YouTube Short is upright); nil means Width and Height.
	size func(id string) (int, int)
}

// Frame returns the address of the provider's frame for id, the privacy
// variant where there is one; "" for a provider without a frame.
func (p *Provider) Frame(id string) string {
	if p.frame == nil || p.FrameHost == "" {
		return ""
	}
	return p.frame(id)
}

// Size returns the default proportions of the frame showing id.
func (p *Provider) Size(id string) (width, height int) {
	if p.size != nil {
		return p.size(id)
	}
	return p.Width, p.Height
}

// The sandbox and permissions of the kinds of frames.
const (
	sandboxPlayer = "allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox"
	sandboxPost   = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
	allowVideo    = "encrypted-media; picture-in-picture; fullscreen"
	allowAudio    = "encrypted-media"
)

// Patterns of providers' ids.
var (
	youTubeID       = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)
	digits          = regexp.MustCompile(`^[0-9]{1,20}$`)
	shortCode       = regexp.MustCompile(`^[A-Za-z0-9_-]{5,40}$`)
	userName        = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	bskyActor       = regexp.MustCompile(`^(did:plc:[a-z2-7]{24}|did:web:[a-z0-9.-]{1,253}|[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+)$`)
	bskyRecord      = regexp.MustCompile(`^[a-z2-7]{13}$`)
	telegramChannel = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{3,31}$`)
	spotifyID       = regexp.MustCompile(`^[A-Za-z0-9]{22}$`)
	soundSlug       = regexp.MustCompile(`^[a-z0-9_-]{1,100}$`)
	chartID         = regexp.MustCompile(`^[A-Za-z0-9]{5}$`)
	mastodonUser    = regexp.MustCompile(`^@[A-Za-z0-9_]{1,30}$`)
)

// segments returns the non-empty parts of u's path.
func segments(u *url.URL) []string {
	return strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
}

// oneOf reports whether s is one of list.
func oneOf(s string, list ...string) bool { return slices.Contains(list, s) }

// Providers is the table of every provider an embed block recognises, in
// the order URLs are tried: the fixed hosts first, Mastodon (any host) last.
var Providers = []*Provider{
	{
		Name: "youtube", Label: "YouTube", Privacy: "https://policies.google.com/privacy", OEmbed: "https://www.youtube.com/oembed",
		FrameHost: "https://www.youtube-nocookie.com", Sandbox: sandboxPlayer, Allow: allowVideo, Width: 16, Height: 9,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			var id string
			switch {
			case host == "youtu.be" && len(s) == 1:
				id = s[0]
			case !oneOf(host, "youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"):
				return ""
			case len(s) == 1 && s[0] == "watch":
				id = u.Query().Get("v")
			case len(s) == 2 && s[0] == "shorts":
				if youTubeID.MatchString(s[1]) {
					return "shorts/" + s[1]
				}
			case len(s) == 2 && (s[0] == "live" || s[0] == "embed"):
				id = s[1]
			}
			if youTubeID.MatchString(id) {
				return id
			}
			return ""
		},
		frame: func(id string) string {
			return "https://www.youtube-nocookie.com/embed/" + strings.TrimPrefix(id, "shorts/")
		},
		size: func(id string) (int, int) {
			if strings.HasPrefix(id, "shorts/") {
				return 9, 16
			}
			return 16, 9
		},
	},
	{
		Name: "vimeo", Label: "Vimeo", Privacy: "https://vimeo.com/privacy", OEmbed: "https://vimeo.com/api/oembed.json",
		FrameHost: "https://player.vimeo.com", Sandbox: sandboxPlayer, Allow: allowVideo, Width: 16, Height: 9,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			switch {
			case host == "vimeo.com" && len(s) == 1 && digits.MatchString(s[0]):
				return s[0]
			case host == "vimeo.com" && len(s) == 3 && s[0] == "channels" && digits.MatchString(s[2]):
				return s[2]
			case host == "player.vimeo.com" && len(s) == 2 && s[0] == "video" && digits.MatchString(s[1]):
				return s[1]
			}
			return ""
		},
		// dnt=1: the player sets no cookie and sends no analytics.
		frame: func(id string) string { return "https://player.vimeo.com/video/" + id + "?dnt=1" },
	},
	{
		Name: "x", Label: "X", Privacy: "https://x.com/privacy", OEmbed: "https://publish.twitter.com/oembed",
		FrameHost: "https://platform.twitter.com", Sandbox: sandboxPost, Width: 550, Height: 600,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if oneOf(host, "x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com") && len(s) >= 3 &&
				userName.MatchString(s[0]) && (s[1] == "status" || s[1] == "statuses") && digits.MatchString(s[2]) {
				return s[2]
			}
			return ""
		},
		// dnt=true: the frame does not personalise or track.
		frame: func(id string) string { return "https://platform.twitter.com/embed/Tweet.html?dnt=true&id=" + id },
	},
	{
		Name: "instagram", Label: "Instagram", Privacy: "https://privacycenter.instagram.com/policy",
		FrameHost: "https://www.instagram.com", Sandbox: sandboxPost, Width: 540, Height: 700,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if host != "instagram.com" {
				return ""
			}
			if len(s) >= 3 && userName.MatchString(s[0]) {
				s = s[1:] // instagram.com/{user}/p/{code}/
			}
			if len(s) >= 2 && oneOf(s[0], "p", "reel", "reels", "tv") && shortCode.MatchString(s[1]) {
				return s[1]
			}
			return ""
		},
		frame: func(id string) string { return "https://www.instagram.com/p/" + id + "/embed/" },
	},
	{
		Name: "tiktok", Label: "TikTok", Privacy: "https://www.tiktok.com/legal/page/eea/privacy-policy/en", OEmbed: "https://www.tiktok.com/oembed",
		FrameHost: "https://www.tiktok.com", Sandbox: sandboxPlayer, Allow: allowVideo, Width: 9, Height: 16,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if oneOf(host, "tiktok.com", "m.tiktok.com") && len(s) >= 3 && strings.HasPrefix(s[0], "@") &&
				s[1] == "video" && digits.MatchString(s[2]) {
				return s[2]
			}
			return ""
		},
		frame: func(id string) string { return "https://www.tiktok.com/player/v1/" + id },
	},
	{
		Name: "facebook", Label: "Facebook", Privacy: "https://www.facebook.com/privacy/policy/",
		FrameHost: "https://www.facebook.com", Sandbox: sandboxPost, Allow: allowVideo, Width: 500, Height: 600,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if !oneOf(host, "facebook.com", "m.facebook.com", "web.facebook.com") {
				return ""
			}
			switch {
			case len(s) == 3 && userName.MatchString(s[0]) && (s[1] == "posts" || s[1] == "videos") && shortCode.MatchString(s[2]):
				return s[0] + "/" + s[1] + "/" + s[2]
			case len(s) == 1 && s[0] == "watch" && digits.MatchString(u.Query().Get("v")):
				return "watch/" + u.Query().Get("v")
			case len(s) == 2 && s[0] == "reel" && digits.MatchString(s[1]):
				return "reel/" + s[1]
			}
			return ""
		},
		frame: func(id string) string {
			page := "https://www.facebook.com/" + id
			plugin := "post"
			if kind, v, _ := strings.Cut(id, "/"); kind == "watch" || kind == "reel" {
				page, plugin = "https://www.facebook.com/watch/?v="+v, "video"
			} else if strings.Contains(id, "/videos/") {
				plugin = "video"
			}
			return "https://www.facebook.com/plugins/" + plugin + ".php?href=" + url.QueryEscape(page)
		},
		size: func(id string) (int, int) {
			if kind, _, _ := strings.Cut(id, "/"); kind == "watch" || kind == "reel" || strings.Contains(id, "/videos/") {
				return 16, 9
			}
			return 500, 600
		},
	},
	{
		Name: "threads", Label: "Threads", Privacy: "https://help.instagram.com/515230437301944",
		FrameHost: "https://www.threads.com", Sandbox: sandboxPost, Width: 540, Height: 700,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if oneOf(host, "threads.net", "threads.com") && len(s) >= 3 && strings.HasPrefix(s[0], "@") &&
				userName.MatchString(s[0][1:]) && s[1] == "post" && shortCode.MatchString(s[2]) {
				return s[0][1:] + "/" + s[2]
			}
			return ""
		},
		frame: func(id string) string {
			user, code, _ := strings.Cut(id, "/")
			return "https://www.threads.com/@" + user + "/post/" + code + "/embed"
		},
	},
	{
		Name: "bluesky", Label: "Bluesky", Privacy: "https://bsky.social/about/support/privacy-policy", OEmbed: "https://embed.bsky.app/oembed",
		FrameHost: "https://embed.bsky.app", Sandbox: sandboxPost, Width: 550, Height: 600,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if host == "bsky.app" && len(s) == 4 && s[0] == "profile" && s[2] == "post" &&
				bskyActor.MatchString(s[1]) && bskyRecord.MatchString(s[3]) {
				return s[1] + "/" + s[3]
			}
			return ""
		},
		// The frame takes the account as it is in the address, a DID or a
		// handle, as an at:// URI does.
		frame: func(id string) string {
			actor, record, _ := strings.Cut(id, "/")
			return "https://embed.bsky.app/embed/" + actor + "/app.bsky.feed.post/" + record
		},
	},
	{
		Name: "telegram", Label: "Telegram", Privacy: "https://telegram.org/privacy",
		FrameHost: "https://t.me", Sandbox: sandboxPost, Width: 500, Height: 500,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if !oneOf(host, "t.me", "telegram.me") {
				return ""
			}
			if len(s) == 3 && s[0] == "s" {
				s = s[1:]
			}
			if len(s) == 2 && telegramChannel.MatchString(s[0]) && digits.MatchString(s[1]) {
				return s[0] + "/" + s[1]
			}
			return ""
		},
		frame: func(id string) string { return "https://t.me/" + id + "?embed=1" },
	},
	{
		Name: "spotify", Label: "Spotify", Privacy: "https://www.spotify.com/legal/privacy-policy/", OEmbed: "https://open.spotify.com/oembed",
		FrameHost: "https://open.spotify.com", Sandbox: sandboxPlayer, Allow: allowAudio, Width: 600, Height: 352,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if host != "open.spotify.com" {
				return ""
			}
			if len(s) == 3 && strings.HasPrefix(s[0], "intl-") {
				s = s[1:]
			}
			if len(s) == 2 && oneOf(s[0], "track", "album", "playlist", "episode", "show", "artist") && spotifyID.MatchString(s[1]) {
				return s[0] + "/" + s[1]
			}
			return ""
		},
		frame: func(id string) string { return "https://open.spotify.com/embed/" + id },
		size: func(id string) (int, int) {
			if kind, _, _ := strings.Cut(id, "/"); kind == "track" || kind == "episode" {
				return 600, 152
			}
			return 600, 352
		},
	},
	{
		Name: "soundcloud", Label: "SoundCloud", Privacy: "https://soundcloud.com/pages/privacy", OEmbed: "https://soundcloud.com/oembed",
		FrameHost: "https://w.soundcloud.com", Sandbox: sandboxPlayer, Allow: allowAudio, Width: 600, Height: 166,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if !oneOf(host, "soundcloud.com", "m.soundcloud.com") {
				return ""
			}
			switch {
			case len(s) == 2 && soundSlug.MatchString(s[0]) && soundSlug.MatchString(s[1]) &&
				!oneOf(s[0], "discover", "search", "stream", "upload", "you", "pages", "charts", "settings"):
				return s[0] + "/" + s[1]
			case len(s) == 3 && s[1] == "sets" && soundSlug.MatchString(s[0]) && soundSlug.MatchString(s[2]):
				return s[0] + "/sets/" + s[2]
			}
			return ""
		},
		frame: func(id string) string {
			return "https://w.soundcloud.com/player/?visual=false&url=" + url.QueryEscape("https://soundcloud.com/"+id)
		},
		size: func(id string) (int, int) {
			if strings.Contains(id, "/sets/") {
				return 600, 450
			}
			return 600, 166
		},
	},
	{
		Name: "datawrapper", Label: "Datawrapper", Privacy: "https://www.datawrapper.de/privacy", OEmbed: "https://api.datawrapper.de/v3/oembed",
		FrameHost: "https://datawrapper.dwcdn.net", Sandbox: sandboxPost, Width: 600, Height: 400,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			switch {
			case host == "datawrapper.dwcdn.net" && len(s) >= 1 && len(s) <= 2 && chartID.MatchString(s[0]):
				return s[0]
			case host == "datawrapper.de" && len(s) == 2 && s[0] == "_" && chartID.MatchString(s[1]):
				return s[1]
			case host == "app.datawrapper.de" && len(s) >= 2 && s[0] == "chart" && chartID.MatchString(s[1]):
				return s[1]
			}
			return ""
		},
		frame: func(id string) string { return "https://datawrapper.dwcdn.net/" + id + "/" },
	},
	{
		Name: "flourish", Label: "Flourish", Privacy: "https://flourish.studio/privacy/", OEmbed: "https://app.flourish.studio/api/v1/oembed",
		FrameHost: "https://flo.uri.sh", Sandbox: sandboxPost, Width: 720, Height: 540,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			if oneOf(host, "public.flourish.studio", "flo.uri.sh") && len(s) >= 2 &&
				(s[0] == "visualisation" || s[0] == "story") && digits.MatchString(s[1]) {
				return s[0] + "/" + s[1]
			}
			return ""
		},
		frame: func(id string) string { return "https://flo.uri.sh/" + id + "/embed" },
	},
	{
		// Mastodon runs on any host, so its posts are known by the shape of
		// their address alone; with no fixed frame host for the
		// Content-Security-Policy, the facade is the whole embed.
		Name: "mastodon", Label: "Mastodon", Privacy: "https://joinmastodon.org/privacy-policy", OEmbed: "/api/oembed",
		Width: 550, Height: 400,
		match: func(u *url.URL, host string) string {
			s := segments(u)
			switch {
			case u.Scheme == "https" && len(s) == 2 && mastodonUser.MatchString(s[0]) && digits.MatchString(s[1]):
				return host + "/" + s[0] + "/" + s[1]
			case u.Scheme == "https" && len(s) == 4 && s[0] == "users" && s[2] == "statuses" && digits.MatchString(s[3]) && mastodonUser.MatchString("@"+s[1]):
				return host + "/@" + s[1] + "/" + s[3]
			}
			return ""
		},
	},
}

// ProviderByName returns the provider named name, nil for none.
func ProviderByName(name string) *Provider {
	for _, p := range Providers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// RecognizeEmbed returns the provider of the address raw and its id there;
// nil and "" for an address no provider knows, which stays a link card.
func RecognizeEmbed(raw string) (*Provider, string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Port() != "" {
		return nil, ""
	}
	host := strings.TrimPrefix(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), "www.")
	if host == "" {
		return nil, ""
	}
	for _, p := range Providers {
		if id := p.match(u, host); id != "" {
			return p, id
		}
	}
	return nil, ""
}

// FrameHosts returns the origins of every provider's frame, the whole of
// the Content-Security-Policy's frame-src beside 'self'.
func FrameHosts() []string {
	var out []string
	for _, p := range Providers {
		if p.FrameHost != "" && !slices.Contains(out, p.FrameHost) {
			out = append(out, p.FrameHost)
		}
	}
	return out
}

// MaxEmbedTextLength bounds the text captured from a provider: a post on a
// social network is far shorter, and a description longer than this is not
// what a facade shows.
const MaxEmbedTextLength = 2000

// validateEmbed checks an embed block and sets its provider and id from its
// URL, so that they can never disagree with it: what a client sends in
// provider and provider_id is replaced.
func (b *Block) validateEmbed(field string) error {
	if err := b.onlyFields(field, "url", "title", "provider", "provider_id", "author", "text", "thumbnail", "posted_at", "width", "height"); err != nil {
		return err
	}
	if err := ValidateLink(field+".url", b.URL, false); err != nil {
		return err
	}
	if err := validateText(field+".title", b.Title, MaxTitleLength, false); err != nil {
		return err
	}
	if err := validateText(field+".author", b.Author, MaxNameLength, false); err != nil {
		return err
	}
	if err := validateText(field+".text", b.Text, MaxEmbedTextLength, false); err != nil {
		return err
	}
	// Readers' browsers load the thumbnail, so it must be a copy on this
	// instance: one on the provider's host would tell it who reads.
	if b.Thumbnail != "" {
		if !strings.HasPrefix(b.Thumbnail, "/media/") {
			return FieldError(field+".thumbnail", "A thumbnail is an upload of this site (/media/...).")
		}
		if err := ValidateImageSource(field+".thumbnail", b.Thumbnail); err != nil {
			return err
		}
	}
	if b.Width < 0 || b.Height < 0 || b.Width > MaxImageDimension || b.Height > MaxImageDimension || (b.Width == 0) != (b.Height == 0) {
		return FieldError(field+".width", "A frame's width and height are both between 1 and %d pixels, or both absent.", MaxImageDimension)
	}
	b.PostedAt = utc(b.PostedAt)
	// A client that sends the block back after changing its URL sends the
	// old provider with it: what the URL says wins.
	b.Provider, b.ProviderID = "", ""
	if p, id := RecognizeEmbed(b.URL); p != nil {
		b.Provider, b.ProviderID = p.Name, id
	}
	return nil
}

// Capture is what a provider said about an embedded address when it was
// fetched (package capture): what the facade shows before the reader
// consents. Thumbnail is the copy on this site, never the provider's
// address.
type Capture struct {
	URL       string    `json:"url"`
	Title     string    `json:"title,omitempty"`
	Author    string    `json:"author,omitempty"`
	Text      string    `json:"text,omitempty"`
	Thumbnail string    `json:"thumbnail,omitempty"`
	PostedAt  time.Time `json:"posted_at,omitzero"`
	Width     int       `json:"width,omitempty"`
	Height    int       `json:"height,omitempty"`
}

// Block returns the capture as the embed block it fills, for validation.
func (c Capture) Block() Block {
	return Block{Type: BlockEmbed, URL: c.URL, Title: c.Title, Author: c.Author, Text: c.Text,
		Thumbnail: c.Thumbnail, PostedAt: c.PostedAt, Width: c.Width, Height: c.Height}
}

// CaptureEmbed upgrades a post's embed blocks of one address with what was
// captured, after the post went out without it (a fetch never holds up
// publishing). What the journalist wrote or corrected wins: only empty
// fields are filled, and a block whose address changed meanwhile is not
// touched, so the transition needs no version. Readers see a post.updated
// without the "Updated" mark: nothing the newsroom said has changed.
type CaptureEmbed struct{ Capture Capture }

// Check validates the capture as the block it fills.
func (c CaptureEmbed) Check() error {
	b := c.Capture.Block()
	return b.Validate("capture")
}

// Apply fills the empty captured fields of p's embed blocks of the
// capture's address.
func (c CaptureEmbed) Apply(p *Post, now time.Time) (ChangeKind, error) {
	if p.Status == StatusDeleted {
		return "", ErrNoPost
	}
	cp := c.Capture
	changed := false
	fill := func(dst *string, v string) {
		if *dst == "" && v != "" {
			*dst, changed = v, true
		}
	}
	for i := range p.Blocks {
		b := &p.Blocks[i]
		if b.Type != BlockEmbed || b.URL != cp.URL {
			continue
		}
		fill(&b.Title, cp.Title)
		fill(&b.Author, cp.Author)
		fill(&b.Text, cp.Text)
		fill(&b.Thumbnail, cp.Thumbnail)
		if b.PostedAt.IsZero() && !cp.PostedAt.IsZero() {
			b.PostedAt, changed = utc(cp.PostedAt), true
		}
		if b.Width == 0 && b.Height == 0 && cp.Width > 0 && cp.Height > 0 {
			b.Width, b.Height, changed = cp.Width, cp.Height, true
		}
	}
	if !changed {
		return "", nil
	}
	p.touch(now)
	if p.Status == StatusPublished {
		return ChangePostUpdated, nil
	}
	return "", nil
}

// Uncaptured returns the addresses of p's embed blocks of a known provider
// that have nothing captured yet: what a capture should fetch after p is
// saved.
func Uncaptured(p *Post) []string {
	var out []string
	for _, b := range p.Blocks {
		if b.Type != BlockEmbed || b.Provider == "" || b.Text != "" || b.Author != "" || b.Thumbnail != "" {
			continue
		}
		if !slices.Contains(out, b.URL) {
			out = append(out, b.URL)
		}
	}
	return out
}
