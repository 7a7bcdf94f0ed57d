// Package markup converts between the composer's inline markup and the
// domain's spans. A journalist types plain text with three forms:
//
//	**bold**   _italic_   [link text](https://example.com)
//
// and a backslash before * _ [ ] ( ) or \ makes it literal. Parse never
// fails: markup that does not close is text. Format writes spans back so
// that Parse(Format(spans)) gives the same spans, which is how a published
// post is loaded into the composer for an edit.
//
// Underscores only mark italics at word edges, so @some_handle, snake_case
// and URLs typed as plain text stay as they are.
package markup

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/liveblog/liveblog"
)

// style is the formatting in force while parsing.
type style struct {
	bold, italic bool
	href         string
}

type parser struct {
	src   string
	spans []liveblog.Span
}

// Parse returns the spans of one paragraph or list item. Adjacent runs with
// the same formatting are merged, and an empty input has no spans.
func Parse(src string) []liveblog.Span {
	p := &parser{src: src}
	p.run(0, len(src), style{}, false)
	return normalize(p.spans)
}

// normalize moves spaces at the edges of bold and italic runs out of them,
// and merges runs that end up alike. A bold space looks like any other, and
// markers can only sit against text, so this is the one form Format can
// write back exactly.
func normalize(spans []liveblog.Span) []liveblog.Span {
	var out []liveblog.Span
	add := func(s liveblog.Span) {
		if s.Text == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Bold == s.Bold && out[n-1].Italic == s.Italic && out[n-1].Href == s.Href {
			out[n-1].Text += s.Text
			return
		}
		out = append(out, s)
	}
	for _, s := range spans {
		if !s.Bold && !s.Italic {
			add(s)
			continue
		}
		core := strings.TrimSpace(s.Text)
		lead := s.Text[:strings.Index(s.Text, core)]
		trail := s.Text[len(lead)+len(core):]
		if core == "" {
			lead = s.Text
		}
		add(liveblog.Span{Text: lead, Href: s.Href})
		add(liveblog.Span{Text: core, Bold: s.Bold, Italic: s.Italic, Href: s.Href})
		add(liveblog.Span{Text: trail, Href: s.Href})
	}
	return out
}

// emit appends text in style st, merging it into the previous span when the
// formatting is the same.
func (p *parser) emit(text string, st style) {
	if text == "" {
		return
	}
	if n := len(p.spans); n > 0 {
		last := &p.spans[n-1]
		if last.Bold == st.bold && last.Italic == st.italic && last.Href == st.href {
			last.Text += text
			return
		}
	}
	p.spans = append(p.spans, liveblog.Span{Text: text, Bold: st.bold, Italic: st.italic, Href: st.href})
}

const escapable = `\*_[]()`

// run parses src[i:end] in style st. inLink is set inside a link's text,
// where another link cannot open.
func (p *parser) run(i, end int, st style, inLink bool) {
	var text strings.Builder
	flush := func() {
		p.emit(text.String(), st)
		text.Reset()
	}
	for i < end {
		c := p.src[i]
		switch {
		case c == '\\' && i+1 < end && strings.IndexByte(escapable, p.src[i+1]) >= 0:
			text.WriteByte(p.src[i+1])
			i += 2
			continue
		case c == '*' && !st.bold && strings.HasPrefix(p.src[i:end], "**"):
			if close := p.findBold(i+2, end); close > i+2 {
				flush()
				inner := st
				inner.bold = true
				p.run(i+2, close, inner, inLink)
				i = close + 2
				continue
			}
		case c == '_' && !st.italic && p.opensItalic(i, end):
			if close := p.findItalic(i+1, end); close > i+1 {
				flush()
				inner := st
				inner.italic = true
				p.run(i+1, close, inner, inLink)
				i = close + 1
				continue
			}
		case c == '[' && !inLink:
			if textEnd, urlStart, urlEnd, ok := p.findLink(i, end); ok {
				flush()
				inner := st
				inner.href = strings.TrimSpace(unescape(p.src[urlStart:urlEnd]))
				p.run(i+1, textEnd, inner, true)
				i = urlEnd + 1
				continue
			}
		}
		text.WriteByte(c)
		i++
	}
	flush()
}

// findBold returns the index of the ** that closes bold text starting at i,
// or -1. The bold text cannot be empty or start or end with a space, so
// "2 ** 3 ** 4" stays arithmetic.
func (p *parser) findBold(i, end int) int {
	if i >= end || isSpace(p.src, i) {
		return -1
	}
	for j := i; j+1 < end; j++ {
		switch {
		case p.src[j] == '\\' && j+1 < end && strings.IndexByte(escapable, p.src[j+1]) >= 0:
			j++
		case p.src[j] == '*' && p.src[j+1] == '*':
			if j > i && !isSpaceBefore(p.src, j) {
				return j
			}
			return -1
		}
	}
	return -1
}

// opensItalic reports whether the _ at i can open italics: it follows the
// start, a space or punctuation, and text follows it.
func (p *parser) opensItalic(i, end int) bool {
	if i+1 >= end || isSpace(p.src, i+1) || p.src[i+1] == '_' {
		return false
	}
	return i == 0 || !isWordBefore(p.src, i)
}

// findItalic returns the index of the _ that closes italics starting at i:
// one preceded by text and not followed by a letter or digit.
func (p *parser) findItalic(i, end int) int {
	for j := i; j < end; j++ {
		switch {
		case p.src[j] == '\\' && j+1 < end && strings.IndexByte(escapable, p.src[j+1]) >= 0:
			j++
		case p.src[j] == '_':
			if j > i && !isSpaceBefore(p.src, j) && (j+1 >= end || !isWordAt(p.src, j+1)) {
				return j
			}
		}
	}
	return -1
}

// findLink matches [text](url) at i. The text may hold bold and italics;
// the url ends at the ) that balances its parentheses, so Wikipedia's
// /wiki/Foo_(bar) addresses work.
func (p *parser) findLink(i, end int) (textEnd, urlStart, urlEnd int, ok bool) {
	depth := 0
	j := i + 1
	for ; j < end; j++ {
		c := p.src[j]
		if c == '\\' && j+1 < end && strings.IndexByte(escapable, p.src[j+1]) >= 0 {
			j++
			continue
		}
		if c == '[' {
			depth++
		} else if c == ']' {
			if depth == 0 {
				break
			}
			depth--
		}
	}
	if j >= end || j == i+1 || j+1 >= end || p.src[j+1] != '(' {
		return 0, 0, 0, false
	}
	textEnd, urlStart = j, j+2
	depth = 0
	for k := urlStart; k < end; k++ {
		switch c := p.src[k]; {
		case c == '\\' && k+1 < end && strings.IndexByte(escapable, p.src[k+1]) >= 0:
			k++
		case c == ' ' || c == '\n' || c == '\t':
			return 0, 0, 0, false
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				if k == urlStart {
					return 0, 0, 0, false
				}
				return textEnd, urlStart, k, true
			}
			depth--
		}
	}
	return 0, 0, 0, false
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(escapable, s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isSpace(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

func isSpaceBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r)
}

func isWordAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isWordBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Format writes spans as markup. Every character that could be read as
// markup is escaped, so Parse gives the spans back. Two things the markup
// cannot say are written as near as it can, never losing text: italics
// inside a word (the underscore would read as part of the word) lose their
// italics, and a space at the edge of bold or italic text moves outside the
// markers.
func Format(spans []liveblog.Span) string {
	var b strings.Builder
	for i := 0; i < len(spans); {
		// A link spans the runs that share its href.
		j := i + 1
		if href := spans[i].Href; href != "" {
			for j < len(spans) && spans[j].Href == href {
				j++
			}
			b.WriteByte('[')
		}
		for k := i; k < j; k++ {
			// An underscore marker beside a letter would read as part of
			// a word. Before it is what has been written; after it, the
			// next run of the same link (or of no link) when that starts
			// with a letter and no marker of its own.
			out := b.String()
			wordBefore := out != "" && isWordBefore(out, len(out))
			wordAfter := false
			if k+1 < len(spans) && spans[k+1].Href == spans[k].Href && spans[k+1].Text != "" {
				next := spans[k+1]
				wordAfter = isWordAt(next.Text, 0) && !next.Bold && !next.Italic
			}
			b.WriteString(styled(spans[k], wordBefore, wordAfter))
		}
		if href := spans[i].Href; href != "" {
			b.WriteString("](")
			b.WriteString(escapeURL(href))
			b.WriteByte(')')
		}
		i = j
	}
	return b.String()
}

// styled writes one run with its bold and italic markers, told whether a
// letter or digit comes right before and after it.
func styled(s liveblog.Span, wordBefore, wordAfter bool) string {
	text := escapeText(s.Text)
	core := strings.TrimSpace(text)
	if !s.Bold && !s.Italic || core == "" {
		return text
	}
	lead := text[:strings.Index(text, core)]
	trail := text[len(lead)+len(core):]
	// Inside bold markers, an italic marker meets an asterisk, never a
	// letter.
	italic := s.Italic && (s.Bold || !(lead == "" && wordBefore) && !(trail == "" && wordAfter))
	if italic {
		core = "_" + core + "_"
	}
	if s.Bold {
		core = "**" + core + "**"
	}
	return lead + core + trail
}

func escapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '*', '[', ']':
			b.WriteByte('\\')
		case '_':
			// Inside a word an underscore is only an underscore.
			if i == 0 || i+1 >= len(s) || !isWordBefore(s, i) || !isWordAt(s, i+1) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// escapeURL escapes what would end a link early: a backslash, and any
// parenthesis without its partner.
func escapeURL(s string) string {
	unmatched := map[int]bool{}
	var open []int
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			open = append(open, i)
		case ')':
			if len(open) == 0 {
				unmatched[i] = true
			} else {
				open = open[:len(open)-1]
			}
		}
	}
	for _, i := range open {
		unmatched[i] = true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || unmatched[i] {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
