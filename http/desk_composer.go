package http

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/markup"
)

// composerPost is a post as the desk's composer edits it. Text blocks hold
// the composer's markup (see package markup), and a text block may hold
// several paragraphs separated by blank lines; a list holds one item per
// line. The server turns it into domain blocks, so the composer's script
// never builds spans and the markup has one parser, tested in Go.
type composerPost struct {
	ID             int64                  `json:"id,omitempty"`
	Headline       string                 `json:"headline"`
	Blocks         []composerBlock        `json:"blocks"`
	Contributors   []liveblog.Contributor `json:"contributors"`
	Breaking       bool                   `json:"breaking"`
	KeyEvent       bool                   `json:"key_event"`
	Pinned         bool                   `json:"pinned"`
	Status         liveblog.PostStatus    `json:"status"`
	ScheduledAt    time.Time              `json:"scheduled_at,omitzero"`
	CorrectionNote string                 `json:"correction_note"`
	Version        int                    `json:"version,omitempty"`
	AuthorID       int64                  `json:"author_id,omitempty"`
	UpdatedAt      time.Time              `json:"updated_at,omitzero"`
}

// composerBlock is one block of the composer. Type is text, list, quote,
// image or embed.
type composerBlock struct {
	Type        string `json:"type"`
	Text        string `json:"text,omitempty"`
	Attribution string `json:"attribution,omitempty"`
	Src         string `json:"src,omitempty"`
	Alt         string `json:"alt,omitempty"`
	Caption     string `json:"caption,omitempty"`
	Credit      string `json:"credit,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	URL         string `json:"url,omitempty"`
	Title       string `json:"title,omitempty"`
	// An embed's capture (liveblog.Block): the journalist may correct the
	// author and the text; the rest travels through the form unchanged.
	Author    string `json:"author,omitempty"`
	Thumbnail string `json:"thumbnail,omitempty"`
	PostedAt  string `json:"posted_at,omitempty"`
}

// blank reports whether a block holds nothing a journalist typed: a block
// just added and left empty is not content, and must not stop a draft from
// saving.
func (b composerBlock) blank() bool {
	return strings.TrimSpace(b.Text+b.Attribution+b.Src+b.Alt+b.Caption+b.Credit+b.URL+b.Title+b.Author+b.Thumbnail) == ""
}

// toBlocks turns composer blocks into domain blocks. origin[i] is the
// composer block that domain block i came from, so that an error about a
// domain block can name the block the journalist sees.
func toBlocks(in []composerBlock) (out []liveblog.Block, origin []int, err error) {
	for i, b := range in {
		if b.blank() {
			continue
		}
		add := func(block liveblog.Block) {
			out = append(out, block)
			origin = append(origin, i)
		}
		switch b.Type {
		case "text":
			for _, para := range paragraphsOf(b.Text) {
				add(liveblog.Block{Type: liveblog.BlockParagraph, Spans: markup.Parse(para)})
			}
		case "list":
			var items [][]liveblog.Span
			for line := range strings.Lines(b.Text) {
				line = strings.TrimSpace(line)
				// Bullets typed out of habit, or pasted with the list.
				for _, bullet := range []string{"- ", "• ", "* "} {
					line = strings.TrimPrefix(line, bullet)
				}
				line = strings.TrimSpace(line)
				if line != "" {
					items = append(items, markup.Parse(line))
				}
			}
			add(liveblog.Block{Type: liveblog.BlockList, Items: items})
		case "quote":
			add(liveblog.Block{Type: liveblog.BlockQuote, Text: strings.TrimSpace(b.Text), Attribution: strings.TrimSpace(b.Attribution)})
		case "image":
			add(liveblog.Block{Type: liveblog.BlockImage, Src: b.Src, Alt: strings.TrimSpace(b.Alt),
				Caption: strings.TrimSpace(b.Caption), Credit: strings.TrimSpace(b.Credit), Width: b.Width, Height: b.Height})
		case "embed":
			var posted time.Time
			if b.PostedAt != "" {
				if posted, err = time.Parse(time.RFC3339, b.PostedAt); err != nil {
					return nil, nil, liveblog.FieldError(fmt.Sprintf("blocks[%d].posted_at", i), "Not a date and time.")
				}
			}
			add(liveblog.Block{Type: liveblog.BlockEmbed, URL: strings.TrimSpace(b.URL), Title: strings.TrimSpace(b.Title),
				Author: strings.TrimSpace(b.Author), Text: strings.TrimSpace(b.Text), Thumbnail: b.Thumbnail, PostedAt: posted,
				Width: b.Width, Height: b.Height})
		default:
			return nil, nil, liveblog.FieldError(fmt.Sprintf("blocks[%d].type", i), "Unknown block type %q.", b.Type)
		}
	}
	return out, origin, nil
}

// paragraphsOf splits text at blank lines. A single line break stays inside
// its paragraph, where readers see it as a line break.
func paragraphsOf(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var paras []string
	var cur []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(cur, "\n")); p != "" {
			paras = append(paras, p)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRight(line, " \t"))
	}
	flush()
	return paras
}

// fromBlocks turns domain blocks into composer blocks, one for one.
func fromBlocks(in []liveblog.Block) []composerBlock {
	out := make([]composerBlock, 0, len(in))
	for _, b := range in {
		switch b.Type {
		case liveblog.BlockParagraph:
			out = append(out, composerBlock{Type: "text", Text: markup.Format(b.Spans)})
		case liveblog.BlockList:
			items := make([]string, len(b.Items))
			for i, item := range b.Items {
				// A line break inside an item would split it in two.
				items[i] = strings.ReplaceAll(markup.Format(item), "\n", " ")
			}
			out = append(out, composerBlock{Type: "list", Text: strings.Join(items, "\n")})
		case liveblog.BlockQuote:
			out = append(out, composerBlock{Type: "quote", Text: b.Text, Attribution: b.Attribution})
		case liveblog.BlockImage:
			out = append(out, composerBlock{Type: "image", Src: b.Src, Alt: b.Alt, Caption: b.Caption, Credit: b.Credit, Width: b.Width, Height: b.Height})
		case liveblog.BlockEmbed:
			cb := composerBlock{Type: "embed", URL: b.URL, Title: b.Title, Author: b.Author, Text: b.Text,
				Thumbnail: b.Thumbnail, Width: b.Width, Height: b.Height}
			if !b.PostedAt.IsZero() {
				cb.PostedAt = b.PostedAt.Format(time.RFC3339)
			}
			out = append(out, cb)
		}
	}
	return out
}

// composerOf returns the composer's form of p.
func composerOf(p *liveblog.Post) *composerPost {
	contributors := p.Contributors
	if contributors == nil {
		contributors = []liveblog.Contributor{}
	}
	return &composerPost{
		ID:             p.ID,
		Headline:       p.Headline,
		Blocks:         fromBlocks(p.Blocks),
		Contributors:   contributors,
		Breaking:       p.Breaking,
		KeyEvent:       p.KeyEvent,
		Pinned:         p.Pinned,
		Status:         p.Status,
		ScheduledAt:    p.ScheduledAt,
		CorrectionNote: p.CorrectionNote,
		Version:        p.Version,
		AuthorID:       p.AuthorID,
		UpdatedAt:      p.UpdatedAt,
	}
}

// post returns the domain post the composer describes, validated, with
// errors naming the composer's blocks.
func (c *composerPost) post(eventID int64) (*liveblog.Post, error) {
	blocks, origin, err := toBlocks(c.Blocks)
	if err != nil {
		return nil, err
	}
	p := &liveblog.Post{
		EventID:        eventID,
		Headline:       strings.TrimSpace(c.Headline),
		Blocks:         blocks,
		Contributors:   c.Contributors,
		Breaking:       c.Breaking,
		KeyEvent:       c.KeyEvent,
		Pinned:         c.Pinned,
		Status:         c.Status,
		ScheduledAt:    c.ScheduledAt.UTC(),
		CorrectionNote: strings.TrimSpace(c.CorrectionNote),
	}
	if p.Status != liveblog.StatusScheduled {
		p.ScheduledAt = time.Time{}
	}
	if err := p.Validate(); err != nil {
		return nil, composerField(err, origin)
	}
	return p, nil
}

// composerField rewrites "blocks[k]..." in err to the composer block that
// domain block k came from.
func composerField(err error, origin []int) error {
	field := liveblog.ErrorField(err)
	rest, ok := strings.CutPrefix(field, "blocks[")
	if !ok {
		return err
	}
	num, tail, ok := strings.Cut(rest, "]")
	k, convErr := strconv.Atoi(num)
	if !ok || convErr != nil || k < 0 || k >= len(origin) {
		return err
	}
	return &liveblog.Error{Code: liveblog.ErrorCode(err), Message: liveblog.ErrorMessage(err),
		Field: fmt.Sprintf("blocks[%d]%s", origin[k], tail)}
}
