package importer

import (
	"strings"
	"unicode/utf8"

	"github.com/liveblog/liveblog"
)

// finish turns a draft into posts that pass Validate. Text that is too long
// for one field is split, never cut: a long headline opens the post in full,
// long paragraphs and lists are split, and a post with more blocks than a
// post may hold continues in a post of its own, just below it.
func (p *parser) finish(d *draft) []*liveblog.Post {
	no := p.lines[d.head.first].no
	headline := d.head.headline
	var blocks []liveblog.Block
	if utf8.RuneCountInString(headline) > liveblog.MaxHeadlineLength {
		blocks = append(blocks, paragraphs(headline)...)
		headline = shorten(headline, liveblog.MaxHeadlineLength)
		p.note(no, "headline longer than %d characters shortened; the full text opens the post", liveblog.MaxHeadlineLength)
	}
	for _, pc := range d.pieces {
		switch pc.block.Type {
		case liveblog.BlockParagraph:
			ps := paragraphs(pc.source)
			if len(ps) > 1 {
				p.note(pc.no, "paragraph longer than %d characters split in %d", liveblog.MaxParagraphLength, len(ps))
			}
			blocks = append(blocks, ps...)
		case liveblog.BlockList:
			var items [][]liveblog.Span
			for _, item := range pc.items {
				for _, b := range paragraphs(item) {
					items = append(items, b.Spans)
				}
			}
			for len(items) > 0 {
				n := min(len(items), liveblog.MaxListItems)
				blocks = append(blocks, liveblog.Block{Type: liveblog.BlockList, Items: items[:n]})
				items = items[n:]
				if len(items) > 0 {
					p.note(pc.no, "list longer than %d items split", liveblog.MaxListItems)
				}
			}
		default:
			b := pc.block
			if err := b.Validate("block"); err != nil {
				p.unclassified(pc.no, pc.no, "%s kept as text: %s", b.Type, liveblog.ErrorMessage(err))
				blocks = append(blocks, paragraphs(pc.source)...)
				continue
			}
			blocks = append(blocks, b)
		}
	}
	if strings.TrimSpace(headline) == "" && len(blocks) == 0 {
		p.note(no, "post with neither headline nor text left out")
		return nil
	}

	var posts []*liveblog.Post
	for first := true; first || len(blocks) > 0; first = false {
		n := min(len(blocks), liveblog.MaxBlocks)
		post := &liveblog.Post{
			Headline:     headline,
			Blocks:       blocks[:n:n],
			Contributors: d.contributors,
			Breaking:     d.breaking,
			Status:       liveblog.StatusPublished,
		}
		if !d.at.IsZero() {
			post.PublishedAt = d.at.UTC()
		}
		if !first {
			post.Headline, post.Breaking = "", false
			p.note(no, "post longer than %d blocks continued in another post", liveblog.MaxBlocks)
		}
		blocks = blocks[n:]
		if err := post.Validate(); err != nil {
			// Everything above is meant to make this impossible; if it
			// happens the editor must hear of it rather than get a post the
			// store refuses halfway through an import.
			p.note(no, "post left out, it is not valid: %s", err)
			continue
		}
		posts = append(posts, post)
	}
	return posts
}

// paragraphs splits text into paragraphs no longer than a paragraph may be,
// at a sentence end if there is one in the second half of the allowance, else
// at a space, else anywhere.
func paragraphs(text string) []liveblog.Block {
	var out []liveblog.Block
	for {
		text = strings.TrimSpace(text)
		if text == "" {
			return out
		}
		if utf8.RuneCountInString(text) <= liveblog.MaxParagraphLength {
			return append(out, liveblog.Plain(text))
		}
		head := prefixRunes(text, liveblog.MaxParagraphLength)
		cut := strings.LastIndex(head, ". ") + 1
		if cut < len(head)/2 {
			cut = strings.LastIndex(head, " ")
		}
		if cut <= 0 {
			cut = len(head)
		}
		out = append(out, liveblog.Plain(strings.TrimSpace(text[:cut])))
		text = text[cut:]
	}
}

// shorten cuts s to at most n runes at a word boundary, marking the cut.
func shorten(s string, n int) string {
	head := prefixRunes(s, n-1)
	if i := strings.LastIndex(head, " "); i > len(head)/2 {
		head = head[:i]
	}
	return strings.TrimSpace(head) + "…"
}

// prefixRunes returns the first n runes of s.
func prefixRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}
