package liveblog

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// BlockType names the kind of a post body block.
type BlockType string

// Block types. Text is always stored as structured blocks, never as HTML.
const (
	BlockParagraph BlockType = "paragraph"
	BlockList      BlockType = "list"
	BlockQuote     BlockType = "quote"
	BlockImage     BlockType = "image"
	BlockEmbed     BlockType = "embed"
)

// Block is one typed piece of a post body. Which fields are used depends on
// Type:
//
//	paragraph: Spans (Text is accepted on input as a single plain span)
//	list:      Items, each a list of spans
//	quote:     Text, Attribution
//	image:     Src, Alt, Caption, Credit, Width, Height
//	embed:     URL, Title; Provider and ProviderID, which follow from URL
//	           (RecognizeEmbed); what was captured from the provider for the
//	           facade readers see before they consent: Author, Text,
//	           Thumbnail (an upload under /media/), PostedAt, and the frame's
//	           proportions, Width and Height. Without a provider it is a
//	           link card.
type Block struct {
	Type        BlockType `json:"type"`
	Spans       []Span    `json:"spans,omitempty"`
	Items       [][]Span  `json:"items,omitempty"`
	Text        string    `json:"text,omitempty"`
	Attribution string    `json:"attribution,omitempty"`
	Src         string    `json:"src,omitempty"`
	Alt         string    `json:"alt,omitempty"`
	Caption     string    `json:"caption,omitempty"`
	Credit      string    `json:"credit,omitempty"`
	Width       int       `json:"width,omitempty"`
	Height      int       `json:"height,omitempty"`
	URL         string    `json:"url,omitempty"`
	Title       string    `json:"title,omitempty"`
	Provider    string    `json:"provider,omitempty"`
	ProviderID  string    `json:"provider_id,omitempty"`
	Author      string    `json:"author,omitempty"`
	Thumbnail   string    `json:"thumbnail,omitempty"`
	PostedAt    time.Time `json:"posted_at,omitzero"`
}

// Span is a run of inline text: plain, bold, italic, or a link. These are the
// only inline forms a paragraph or list item can hold.
type Span struct {
	Text   string `json:"text"`
	Bold   bool   `json:"bold,omitempty"`
	Italic bool   `json:"italic,omitempty"`
	Href   string `json:"href,omitempty"`
}

// Limits on block content.
const (
	MaxParagraphLength = 5000
	MaxSpans           = 200
	MaxListItems       = 50
	MaxQuoteLength     = 2000
	MaxCaptionLength   = 500
	MaxURLLength       = 2048
	MaxImageDimension  = 20000
)

// Plain returns a paragraph block holding plain text.
func Plain(text string) Block {
	return Block{Type: BlockParagraph, Spans: []Span{{Text: text}}}
}

// PlainText returns the spans' text without formatting.
func PlainText(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Validate checks the block and normalises paragraph shorthand (Text into
// Spans). field names the block in errors, e.g. "blocks[2]".
func (b *Block) Validate(field string) error {
	switch b.Type {
	case BlockParagraph:
		if b.Text != "" && len(b.Spans) == 0 {
			b.Spans = []Span{{Text: b.Text}}
			b.Text = ""
		}
		if b.Text != "" {
			return FieldError(field+".text", "A paragraph has either text or spans, not both.")
		}
		if err := b.onlyFields(field, "spans"); err != nil {
			return err
		}
		return validateSpans(field+".spans", b.Spans, MaxParagraphLength)
	case BlockList:
		if err := b.onlyFields(field, "items"); err != nil {
			return err
		}
		if len(b.Items) == 0 {
			return FieldError(field+".items", "A list needs at least one item.")
		} else if len(b.Items) > MaxListItems {
			return FieldError(field+".items", "A list has at most %d items.", MaxListItems)
		}
		for i, item := range b.Items {
			if err := validateSpans(indexField(field+".items", i), item, MaxParagraphLength); err != nil {
				return err
			}
		}
	case BlockQuote:
		if err := b.onlyFields(field, "text", "attribution"); err != nil {
			return err
		}
		if err := validateText(field+".text", b.Text, MaxQuoteLength, true); err != nil {
			return err
		}
		return validateText(field+".attribution", b.Attribution, MaxNameLength, false)
	case BlockImage:
		if err := b.onlyFields(field, "src", "alt", "caption", "credit", "width", "height"); err != nil {
			return err
		}
		if err := ValidateImageSource(field+".src", b.Src); err != nil {
			return err
		}
		if err := validateText(field+".alt", b.Alt, MaxCaptionLength, true); err != nil {
			return FieldError(field+".alt", "Describe the image for readers who cannot see it (alt text is required, at most %d characters).", MaxCaptionLength)
		}
		if err := validateText(field+".caption", b.Caption, MaxCaptionLength, false); err != nil {
			return err
		}
		if err := validateText(field+".credit", b.Credit, MaxNameLength, false); err != nil {
			return err
		}
		if b.Width < 0 || b.Height < 0 || b.Width > MaxImageDimension || b.Height > MaxImageDimension {
			return FieldError(field+".width", "Image dimensions must be between 0 and %d pixels.", MaxImageDimension)
		}
	case BlockEmbed:
		return b.validateEmbed(field)
	case "":
		return FieldError(field+".type", "A block needs a type: paragraph, list, quote, image or embed.")
	default:
		return FieldError(field+".type", "Unknown block type %q: use paragraph, list, quote, image or embed.", b.Type)
	}
	return nil
}

// onlyFields refuses fields that do not belong to the block's type, so a
// client that sends a caption on a quote learns it was not kept.
func (b *Block) onlyFields(field string, allowed ...string) error {
	set := map[string]bool{
		"spans":       len(b.Spans) > 0,
		"items":       len(b.Items) > 0,
		"text":        b.Text != "",
		"attribution": b.Attribution != "",
		"src":         b.Src != "",
		"alt":         b.Alt != "",
		"caption":     b.Caption != "",
		"credit":      b.Credit != "",
		"width":       b.Width != 0,
		"height":      b.Height != 0,
		"url":         b.URL != "",
		"title":       b.Title != "",
		"provider":    b.Provider != "",
		"provider_id": b.ProviderID != "",
		"author":      b.Author != "",
		"thumbnail":   b.Thumbnail != "",
		"posted_at":   !b.PostedAt.IsZero(),
	}
	for _, a := range allowed {
		delete(set, a)
	}
	for _, name := range []string{"spans", "items", "text", "attribution", "src", "alt", "caption", "credit", "width", "height", "url", "title",
		"provider", "provider_id", "author", "thumbnail", "posted_at"} {
		if set[name] {
			return FieldError(field+"."+name, "A %s block has no %s.", b.Type, name)
		}
	}
	return nil
}

func validateSpans(field string, spans []Span, max int) error {
	if len(spans) == 0 {
		return FieldError(field, "This cannot be empty.")
	}
	if len(spans) > MaxSpans {
		return FieldError(field, "At most %d spans.", MaxSpans)
	}
	total, blank := 0, true
	for i, s := range spans {
		f := indexField(field, i)
		if err := validateText(f+".text", s.Text, max, false); err != nil {
			return err
		}
		if s.Text == "" {
			return FieldError(f+".text", "A span cannot be empty.")
		}
		if strings.TrimSpace(s.Text) != "" {
			blank = false
		}
		total += utf8.RuneCountInString(s.Text)
		if s.Href != "" {
			if err := ValidateLink(f+".href", s.Href, true); err != nil {
				return err
			}
		}
	}
	if blank {
		return FieldError(field, "This cannot be empty.")
	}
	if total > max {
		return FieldError(field, "This is longer than %d characters.", max)
	}
	return nil
}

// ValidateLink checks a URL that readers will follow: absolute http or https,
// or mailto when allowMailto. Everything else (javascript:, data:, relative
// tricks) is refused, so rendering never has to guess.
func ValidateLink(field, raw string, allowMailto bool) error {
	if raw == "" {
		return FieldError(field, "A URL is required.")
	}
	if len(raw) > MaxURLLength || !utf8.ValidString(raw) || strings.ContainsFunc(raw, unsafeURLRune) {
		return FieldError(field, "Not a valid URL.")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return FieldError(field, "Not a valid URL.")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" || u.User != nil {
			return FieldError(field, "A link needs a host and no user name or password.")
		}
	case "mailto":
		if !allowMailto || u.Opaque == "" {
			return FieldError(field, "Only http and https links are allowed here.")
		}
	default:
		if allowMailto {
			return FieldError(field, "Links must start with http://, https:// or mailto:.")
		}
		return FieldError(field, "Links must start with http:// or https://.")
	}
	return nil
}

// ValidateImageSource checks an image reference: an uploaded file served by
// this instance ("/media/..."), or an absolute http(s) URL.
func ValidateImageSource(field, src string) error {
	if strings.HasPrefix(src, "/media/") {
		name := strings.TrimPrefix(src, "/media/")
		// Browsers read %2e as a dot in a path, so "/media/%2e%2e/x" would
		// leave /media/ as surely as "..".
		if name == "" || len(name) > 200 || !utf8.ValidString(name) || strings.Contains(name, "..") || strings.ContainsAny(name, "?#%") || strings.ContainsFunc(name, unsafeURLRune) {
			return FieldError(field, "Not a valid media reference.")
		}
		return nil
	}
	if strings.HasPrefix(src, "/static/") && !strings.Contains(src, "..") && len(src) < 200 && !strings.ContainsAny(src, "?#\\ \t\r\n\x00") {
		return nil
	}
	return ValidateLink(field, src, false)
}

// unsafeURLRune reports the characters no stored URL may hold: spaces and
// control characters, which browsers strip or split on ("java\tscript:"),
// and the backslash, which they read as a slash. render.SafeURL drops a URL
// holding one at render time; refusing it here tells the editor instead of
// silently losing the link.
func unsafeURLRune(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }
