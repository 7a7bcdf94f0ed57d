package importer

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/liveblog/liveblog"
)

// draft is a post as read, before the limits of liveblog are applied.
type draft struct {
	head         header
	stamp        *stamp
	contributors []liveblog.Contributor
	breaking     bool
	pieces       []piece
	at           time.Time
	timed        bool // at comes from the post's own stamp
}

// piece is a block with the line it came from and the text it was read from,
// so that a block liveblog would refuse can fall back to that text. A list
// keeps its items instead.
type piece struct {
	no     int
	last   int // the last line of a paragraph that wrapped, else no
	block  liveblog.Block
	source string
	items  []string
}

var (
	breakingPattern = regexp.MustCompile(`(?i)^breaking(?: news)?$`)
	imagePattern    = regexp.MustCompile(`^(.*?)\s*Image source\s*[,:]\s*(.*)$`)
	captionPattern  = regexp.MustCompile(`^Image caption\s*[,:]\s*(.*)$`)
	urlPattern      = regexp.MustCompile(`^https?://\S+$`)
	attribPattern   = regexp.MustCompile(`^[—–-]\s*(\S.*)$`)
)

// bullets are the list markers live pages print.
const bullets = "•●▪◦‣"

func isBullet(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune(bullets, r)
}

func (p *parser) post(h header, ls []line) *draft {
	d := &draft{head: h, stamp: h.stamp}
	body := make([]line, len(ls))
	copy(body, ls)
	for i, l := range body {
		if breakingPattern.MatchString(l.text) {
			d.breaking = true
			p.note(l.no, "marked breaking")
			body[i] = line{no: l.no}
		}
	}
	d.pieces, d.contributors = p.blocks(body, true)
	return d
}

// blocks classifies lines into blocks. With bylines, name and role lines
// before the first text of a post are read as its contributors.
func (p *parser) blocks(ls []line, bylines bool) ([]piece, []liveblog.Contributor) {
	var (
		out      []piece
		contribs []liveblog.Contributor
		list     = -1 // index in out of the list that bullets extend
		started  = false
	)
	for i := 0; i < len(ls); {
		l := ls[i]
		if l.blank() {
			i++
			continue
		}
		if bylines && !started && (i == 0 || ls[i-1].blank()) {
			if n, cs := p.byline(ls[i:], liveblog.MaxContributors-len(contribs)); n > 0 {
				contribs = append(contribs, cs...)
				i += n
				continue
			}
		}
		if isBullet(l.text) {
			words := []string{strings.TrimSpace(strings.TrimLeftFunc(l.text, func(r rune) bool { return strings.ContainsRune(bullets, r) }))}
			j := i + 1
			for j < len(ls) && p.continues(ls[j-1], ls[j]) {
				words = append(words, ls[j].text)
				j++
			}
			item := strings.TrimSpace(strings.Join(words, " "))
			if j > i+1 {
				p.note(l.no, "list item wrapped over lines %d-%d; joined", l.no, ls[j-1].no)
			}
			if item == "" {
				p.note(l.no, "empty list item left out")
			} else if list >= 0 {
				out[list].items = append(out[list].items, item)
			} else {
				list = len(out)
				out = append(out, piece{no: l.no, block: liveblog.Block{Type: liveblog.BlockList}, items: []string{item}})
			}
			started = true
			i = j
			continue
		}
		list = -1
		if pc, n := p.image(ls[i:]); n > 0 {
			out = append(out, pc)
			i += n
			continue
		}
		if urlPattern.MatchString(l.text) && liveblog.ValidateLink("url", l.text, false) == nil {
			out = append(out, piece{no: l.no, block: liveblog.Block{Type: liveblog.BlockEmbed, URL: l.text}, source: l.text})
			p.note(l.no, "link on a line of its own read as an embed")
			started = true
			i++
			continue
		}
		if pc, n := p.quote(ls[i:]); n > 0 {
			out = append(out, pc)
			started = true
			i += n
			continue
		}
		parts := []string{l.text}
		j := i + 1
		for j < len(ls) && p.continues(ls[j-1], ls[j]) {
			parts = append(parts, ls[j].text)
			j++
		}
		text := strings.Join(parts, " ")
		if j > i+1 {
			p.note(l.no, "paragraph wrapped over lines %d-%d; joined", l.no, ls[j-1].no)
		} else if looksLikeCaption(text) && !imagePattern.MatchString(text) {
			p.unclassified(l.no, l.no, "a short line without a full stop, kept as a paragraph: it may be an image description or a subheading")
		}
		out = append(out, piece{no: l.no, last: ls[j-1].no, block: liveblog.Plain(text), source: text})
		started = true
		i = j
	}
	p.introductions(out)
	return out, contribs
}

// introductions reports the paragraphs that follow one ending with a colon
// ("Here's that statement in full:"): what it introduces is a statement, a
// quotation or a list the dump printed as plain text, and which of them the
// parser cannot tell. A list or a quote it recognised needs no word; an
// introduction with nothing after it lost what it introduced.
func (p *parser) introductions(out []piece) {
	for i, pc := range out {
		if pc.block.Type != liveblog.BlockParagraph || !strings.HasSuffix(strings.TrimSpace(pc.source), ":") {
			continue
		}
		j := i + 1
		for j < len(out) && out[j].block.Type == liveblog.BlockParagraph {
			j++
		}
		switch {
		case j > i+1:
			n := j - i - 1
			p.unclassified(out[i+1].no, out[j-1].last, "%s after the introduction on line %d (%q), kept as plain paragraphs: "+
				"it may be a statement or quotation to set as a quote, or a list", plural(n, "paragraph"), pc.no, lastSentence(pc.source, 60))
		case j == len(out):
			p.unclassified(pc.no, pc.last, "the post ends with an introduction (%q) and nothing after it: what it introduced is not in the text", lastSentence(pc.source, 60))
		}
	}
}

// lastSentence is the last sentence of s, the one that introduces what
// follows, cut to its last n runes for a report.
func lastSentence(s string, n int) string {
	s = strings.TrimSpace(s)
	for _, sep := range []string{". ", "! ", "? "} {
		if i := strings.LastIndex(s, sep); i >= 0 {
			s = s[i+len(sep):]
		}
	}
	if r := []rune(s); len(r) > n {
		return "…" + string(r[len(r)-n+1:])
	}
	return s
}

// plural is "1 paragraph" or "5 paragraphs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// continues reports whether b goes on with the text of a (wrapped) rather
// than starting a block of its own.
func (p *parser) continues(a, b line) bool {
	if b.blank() || isBullet(b.text) || imagePattern.MatchString(b.text) || captionPattern.MatchString(b.text) || urlPattern.MatchString(b.text) {
		return false
	}
	return p.joins(a, b)
}

// image reads "ALT TEXTImage source, AGENCY", optionally followed by an
// "Image caption, ..." line, or an older dump's lone "Image caption: ...".
// It returns how many lines it used, 0 when ls does not start with an image.
func (p *parser) image(ls []line) (piece, int) {
	l := ls[0]
	caption, n := "", 0
	if m := imagePattern.FindStringSubmatch(l.text); m != nil {
		alt, credit := strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		n = 1
		if len(ls) > 1 {
			if c := captionPattern.FindStringSubmatch(ls[1].text); c != nil {
				caption, n = strings.TrimSpace(c[1]), 2
			}
		}
		if alt == "" && caption != "" {
			alt = caption
			p.note(l.no, "image has no description; its caption is used as alt text")
		}
		b := liveblog.Block{Type: liveblog.BlockImage, Src: MissingImageSrc, Alt: alt, Caption: caption, Credit: credit}
		if alt == "" || b.Validate("image") != nil {
			p.unclassified(l.no, l.no, "an image line kept as text: its description is missing or too long for alt text")
			return piece{}, 0
		}
		p.note(l.no, "image credited %q has no file; it points at the placeholder %s until one is attached", credit, MissingImageSrc)
		return piece{no: l.no, block: b, source: strings.Join(texts(ls[:n]), "\n")}, n
	}
	if m := captionPattern.FindStringSubmatch(l.text); m != nil {
		caption = strings.TrimSpace(m[1])
		b := liveblog.Block{Type: liveblog.BlockImage, Src: MissingImageSrc, Alt: caption, Caption: caption}
		if caption == "" || b.Validate("image") != nil {
			return piece{}, 0
		}
		p.note(l.no, "image known only by its caption, used as alt text too; it points at the placeholder %s until one is attached", MissingImageSrc)
		return piece{no: l.no, block: b, source: l.text}, 1
	}
	return piece{}, 0
}

const maxQuoteLines = 40

// quote reads a block that is clearly a quotation: text wholly in quotation
// marks, then a line "— Name". A quoted statement inside a sentence, or one
// without attribution, stays a paragraph, as the page showed it.
func (p *parser) quote(ls []line) (piece, int) {
	if r, _ := utf8.DecodeRuneInString(ls[0].text); !strings.ContainsRune("\"“‘'", r) {
		return piece{}, 0
	}
	// A quote block holds at most MaxQuoteLength characters, a couple of
	// dozen lines however they are wrapped; looking further is wasted work.
	end := 0
	for end < len(ls) && end <= maxQuoteLines && !ls[end].blank() {
		end++
	}
	if end < 2 || end > maxQuoteLines {
		return piece{}, 0
	}
	m := attribPattern.FindStringSubmatch(ls[end-1].text)
	if m == nil || utf8.RuneCountInString(m[1]) > liveblog.MaxNameLength {
		return piece{}, 0
	}
	text := ls[0].text
	for k := 1; k < end-1; k++ {
		sep := "\n"
		if p.joins(ls[k-1], ls[k]) {
			sep = " "
		}
		text += sep + ls[k].text
	}
	trimmed := strings.TrimRight(text, ".,")
	open, size := utf8.DecodeRuneInString(trimmed)
	close, csize := utf8.DecodeLastRuneInString(trimmed)
	if !strings.ContainsRune("\"“‘'", open) || !strings.ContainsRune("\"”’'", close) || len(trimmed) < size+csize {
		return piece{}, 0
	}
	inner := strings.TrimSpace(trimmed[size : len(trimmed)-csize])
	if inner == "" || strings.ContainsAny(inner, "\"“”") || utf8.RuneCountInString(inner) > liveblog.MaxQuoteLength {
		return piece{}, 0
	}
	p.note(ls[0].no, "quotation attributed to %s read as a quote", m[1])
	return piece{no: ls[0].no, block: liveblog.Block{Type: liveblog.BlockQuote, Text: inner, Attribution: m[1]}, source: strings.Join(texts(ls[:end]), "\n")}, end
}

func texts(ls []line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}

// looksLikeCaption spots a short line with no closing punctuation: on live
// pages that is usually an image description whose "Image source" was lost,
// or a subheading, and the editor may want to fix it by hand.
func looksLikeCaption(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) && !endsSentence(s) && utf8.RuneCountInString(s) <= 100 && len(strings.Fields(s)) >= 3
}

// byline reads a post's bylines at the start of ls: a name line, then a role
// line, as many pairs as follow each other (at most room). A name and a role
// separated by a blank line are accepted only when the role names a job.
// It returns how many lines it used.
func (p *parser) byline(ls []line, room int) (int, []liveblog.Contributor) {
	var cs []liveblog.Contributor
	i := 0
	for len(cs) < room && i+1 < len(ls) && !ls[i].blank() && nameLike(ls[i].text) {
		name, role := ls[i], ls[i+1]
		skip := 1
		if role.blank() {
			// Name and role as separate paragraphs: only on a clear role,
			// alone in its paragraph.
			j := i + 1
			for j < len(ls) && ls[j].blank() {
				j++
			}
			if j >= len(ls) || (j+1 < len(ls) && !ls[j+1].blank()) || !roleLike(ls[j].text, true) || len(cs) > 0 {
				break
			}
			role, skip = ls[j], j-i
		} else {
			// Two short lines side by side: the role must at least look like
			// one, and the pair must stand apart from any paragraph text.
			after := i + 2
			alone := after >= len(ls) || ls[after].blank() || (after+1 < len(ls) && nameLike(ls[after].text) && roleLike(ls[after+1].text, false))
			if !roleLike(role.text, !alone) || after < len(ls) && p.joins(role, ls[after]) {
				break
			}
		}
		cs = append(cs, liveblog.Contributor{Name: name.text, Role: role.text})
		p.note(name.no, "byline %q, %q", name.text, role.text)
		i += skip + 1
	}
	return i, cs
}

// notNames are capitalised words that start headings and labels, not names.
var notNames = map[string]bool{
	"the": true, "a": true, "an": true, "breaking": true, "news": true, "live": true, "latest": true,
	"key": true, "summary": true, "image": true, "watch": true, "listen": true, "read": true,
	"more": true, "update": true, "updates": true, "what": true, "why": true, "how": true,
	"who": true, "when": true, "where": true, "here": true, "this": true, "that": true,
	"we": true, "our": true, "it": true, "in": true, "on": true, "at": true, "for": true,
	"from": true, "and": true, "but": true, "or": true, "if": true, "as": true, "to": true,
	"analysis": true, "reporting": true, "correspondent": true, "editor": true, "reporter": true,
}

// nameParticles may stand in lower case inside a name.
var nameParticles = map[string]bool{
	"de": true, "da": true, "del": true, "della": true, "der": true, "den": true, "di": true,
	"du": true, "dos": true, "das": true, "van": true, "von": true, "bin": true, "bint": true,
	"al": true, "el": true, "la": true, "le": true, "ter": true, "ten": true, "y": true,
}

// nameLike reports whether s reads as a person's name: two to five words,
// each capitalised (or a particle such as "van"), letters and name
// punctuation only, no closing punctuation.
func nameLike(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 5 || utf8.RuneCountInString(s) > 60 {
		return false
	}
	for i, w := range words {
		if notNames[strings.ToLower(w)] && (i == 0 || !nameParticles[strings.ToLower(w)]) {
			return false
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && !strings.ContainsRune("-'’.", r) {
				return false
			}
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && (i == 0 || i == len(words)-1 || !nameParticles[strings.ToLower(w)]) {
			return false
		}
	}
	return !strings.HasSuffix(s, ".") || strings.HasSuffix(words[len(words)-1], "Jr.")
}

// notRoles are words that start sentences and headings, not roles.
var notRoles = map[string]bool{
	"the": true, "a": true, "an": true, "what": true, "why": true, "how": true, "who": true,
	"when": true, "where": true, "here": true, "this": true, "that": true, "we": true,
	"our": true, "it": true, "if": true, "but": true, "and": true, "or": true, "as": true,
	"to": true, "more": true, "watch": true, "listen": true, "read": true, "breaking": true,
}

// roleWords are the words a byline's role line almost always contains.
var roleWords = []string{
	"correspondent", "editor", "reporter", "reporting", "journalist", "producer",
	"presenter", "analyst", "writer", "columnist", "contributor", "photographer",
	"photojournalist", "host", "anchor", "commentator", "chief", "team", "staff",
	"desk", "bbc", "news", "verify", "bureau", "researcher", "specialist", "economist",
	"expert", "broadcaster",
}

// roleLike reports whether s reads as a byline's role: short, capitalised,
// not a sentence. strict also asks for a job word such as "correspondent".
func roleLike(s string, strict bool) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 8 || utf8.RuneCountInString(s) > 80 || endsSentence(s) || strings.ContainsAny(s, "\"“”") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) || notRoles[strings.ToLower(words[0])] {
		return false
	}
	for _, w := range words {
		w = strings.ToLower(strings.Trim(w, ",()"))
		for _, k := range roleWords {
			if w == k || strings.HasPrefix(w, k) {
				return true
			}
		}
	}
	return !strict && len(words) <= 5
}
