// Package importer turns coverage published elsewhere into liveblog posts.
//
// ParseText reads the plain-text dump of a live page, as a browser's "select
// all, copy" or a text-mode browser produces it: numbered posts, newest
// first, each headline run together with "published at 09:45 Greenwich Mean
// Time 13 February", then bylines, image descriptions, bullet lists and
// paragraphs. The format is not a format, so the parser guesses; it never
// drops text (what it cannot classify becomes a paragraph) and it reports
// every guess with the line it was made on, so that an editor can check a dry
// run before anything is written. Import then writes the result into a store.
package importer

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/liveblog/liveblog"
)

// MaxTextSize bounds the dump ParseText reads. The longest live pages run to a
// few thousand posts, a few megabytes of text; anything much larger is not a
// live page, and reading it whole would only tie up memory.
const MaxTextSize = 32 << 20

// MissingImageSrc is the src of imported images. A text dump keeps an image's
// description, caption and credit but not the picture. Dropping the image
// would lose those, and a paragraph would lose what they are; an image block
// keeps them where the photo was, so an editor can attach the real file later
// (the report lists every one). The block must still pass Validate, which
// wants a src, so it names a placeholder by its logical path among the web
// assets; the stored value stays stable whatever the asset's fingerprint.
const MissingImageSrc = "/static/missing-image.svg"

// TextOptions says what a dump does not: the year and the time zone of its
// "published at" times.
type TextOptions struct {
	// Year is the year of the newest post. Older posts roll back a year where
	// the dump goes back past 1 January. 0 means the current year in Zone.
	Year int
	// Zone is the zone the times are read in when a post names no zone the
	// importer knows ("09:45 13 February"), and the event's display zone on
	// import. Nil means liveblog.DefaultTimeZone.
	Zone *time.Location
}

// EventHeader is what the page header of a dump says about the event. Older
// pages open with the title, "Live Reporting", "Edited by NAME" and "All times
// stated are UK"; newer dumps often have none of it.
type EventHeader struct {
	Title    string
	EditedBy string
	// Notes are the header's other lines, in order.
	Notes []string
}

// Description is the event description an import gives a new event: the
// editor's credit and the header's other notes. "All times stated are ..."
// is left out because liveblog states the zone with every time.
func (h EventHeader) Description() string {
	var parts []string
	if h.EditedBy != "" {
		parts = append(parts, "Edited by "+h.EditedBy)
	}
	for _, n := range h.Notes {
		if !timesNotePattern.MatchString(n) {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "\n")
}

// Result is a parsed dump.
type Result struct {
	Event EventHeader
	// Summary holds the key points listed under the "Summary" heading before
	// the first post. It is not checked against the summary limits here:
	// Import refuses a summary liveblog cannot hold, before writing anything.
	Summary []string
	// Posts are in the order of the dump, newest first. Each passes
	// liveblog's Post.Validate.
	Posts []*liveblog.Post
	// Lines holds the line of the dump each post starts on, in the order of
	// Posts.
	Lines []int
	// Zone is the zone the times were read in.
	Zone *time.Location
	// Report lists every guess the parser made, in line order.
	Report []Note
}

// Note is one guess the parser made, for the editor to check. Line is the
// 1-based line of the dump it concerns, 0 for the dump as a whole; End, when
// after Line, the last line of the range it concerns.
type Note struct {
	Line    int
	End     int
	Message string
	// Unclassified marks text the parser could not classify with confidence
	// and kept as plain paragraphs: what an editor should look at first.
	Unclassified bool
}

// String formats the note as the report prints it.
func (n Note) String() string {
	switch {
	case n.Line == 0:
		return n.Message
	case n.End > n.Line:
		return fmt.Sprintf("lines %d-%d: %s", n.Line, n.End, n.Message)
	}
	return fmt.Sprintf("line %d: %s", n.Line, n.Message)
}

// ParseText reads a plain-text dump of a live page. It fails only when the
// input cannot be read, is larger than MaxTextSize, or holds no post at all
// (then it is not a live page, and importing it would be a mistake).
func ParseText(r io.Reader, opt TextOptions) (*Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxTextSize+1))
	if err != nil {
		return nil, fmt.Errorf("importer: read: %w", err)
	}
	if len(data) > MaxTextSize {
		return nil, liveblog.Errorf(liveblog.ETOOLARGE, "The text is larger than %d MiB; split it before importing.", MaxTextSize>>20)
	}
	p := newParser(opt)
	p.split(string(data))
	p.measureWrap()
	heads := p.findHeaders()
	if len(heads) == 0 {
		return nil, liveblog.Errorf(liveblog.EINVALID, "No posts found: a post starts with a numbered headline such as \"1. Headline\" or carries \"published at HH:MM\".")
	}
	res := &Result{Zone: p.zone}
	p.front(res, p.lines[:heads[0].first])
	drafts := make([]*draft, len(heads))
	for i, h := range heads {
		end := len(p.lines)
		if i+1 < len(heads) {
			end = heads[i+1].first
		}
		drafts[i] = p.post(h, p.lines[h.last+1:end])
	}
	p.resolveTimes(drafts)
	for _, d := range drafts {
		for _, post := range p.finish(d) {
			res.Posts = append(res.Posts, post)
			res.Lines = append(res.Lines, d.head.first+1)
		}
	}
	if len(res.Posts) == 0 {
		return nil, liveblog.Errorf(liveblog.EINVALID, "No posts found: every numbered headline was empty.")
	}
	res.Report = p.report()
	return res, nil
}

// line is one line of the dump. text is trimmed; indent counts leading
// spaces (a tab as four); width is the printed length, which is what a
// hard-wrapping tool measured.
type line struct {
	no     int
	text   string
	indent int
	width  int
}

func (l line) blank() bool { return l.text == "" }

type parser struct {
	zone  *time.Location
	year  int
	lines []line
	// wrap is the width the dump was hard-wrapped at, 0 when it was not.
	wrap int

	notes  []Note
	once   map[string]int // key -> index in notes of the first such note
	repeat map[string]int // key -> how many more times it happened
}

func newParser(opt TextOptions) *parser {
	p := &parser{zone: opt.Zone, year: opt.Year, once: map[string]int{}, repeat: map[string]int{}}
	if p.zone == nil {
		loc, err := time.LoadLocation(liveblog.DefaultTimeZone)
		if err != nil {
			// A machine without zone data still parses; the report says so.
			loc = time.UTC
			p.note(0, "time zone data for %s is missing on this machine; times read as UTC", liveblog.DefaultTimeZone)
		}
		p.zone = loc
	}
	if p.year == 0 {
		p.year = liveblog.Now().In(p.zone).Year()
		p.note(0, "no year given; the newest post is taken to be from %d", p.year)
	}
	return p
}

func (p *parser) note(no int, format string, args ...any) {
	p.notes = append(p.notes, Note{Line: no, Message: fmt.Sprintf(format, args...)})
}

// unclassified reports lines first to last as text the parser could not
// classify.
func (p *parser) unclassified(first, last int, format string, args ...any) {
	p.notes = append(p.notes, Note{Line: first, End: last, Message: fmt.Sprintf(format, args...), Unclassified: true})
}

// noteOnce reports a guess that tends to repeat on every post (a zone
// mismatch, say) once, with a count, so the report stays readable.
func (p *parser) noteOnce(key string, no int, format string, args ...any) {
	if _, ok := p.once[key]; ok {
		p.repeat[key]++
		return
	}
	p.once[key] = len(p.notes)
	p.note(no, format, args...)
}

func (p *parser) report() []Note {
	for key, i := range p.once {
		if n := p.repeat[key]; n == 1 {
			p.notes[i].Message += " (and on 1 more line)"
		} else if n > 1 {
			p.notes[i].Message += fmt.Sprintf(" (and on %d more lines)", n)
		}
	}
	// Stable, so notes on the same line keep the order they were made in.
	sort.SliceStable(p.notes, func(i, j int) bool { return p.notes[i].Line < p.notes[j].Line })
	return p.notes
}

// split cuts the dump into lines and makes every line valid liveblog text:
// valid UTF-8 and no control characters, which Validate would refuse.
func (p *parser) split(s string) {
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	for i, raw := range strings.Split(s, "\n") {
		no := i + 1
		if !utf8.ValidString(raw) {
			raw = strings.ToValidUTF8(raw, "\uFFFD")
			p.note(no, "bytes that are not UTF-8 replaced with \uFFFD")
		}
		var b strings.Builder
		indent, width, leading, controls := 0, 0, true, false
		for _, r := range raw {
			switch {
			case r == '\t':
				if leading {
					indent += 4
				}
				width += 4
				b.WriteRune(' ')
				continue
			case r < 0x20 || r == 0x7f:
				controls = true
				r = ' '
			}
			if leading && unicode.IsSpace(r) {
				indent++
			} else {
				leading = false
			}
			width++
			b.WriteRune(r)
		}
		if controls {
			p.note(no, "control characters replaced with spaces")
		}
		p.lines = append(p.lines, line{no: no, text: strings.TrimSpace(b.String()), indent: indent, width: width})
	}
	// A trailing newline is not a line.
	if n := len(p.lines); n > 1 && p.lines[n-1].blank() && p.lines[n-1].width == 0 {
		p.lines = p.lines[:n-1]
	}
}

// measureWrap decides whether the dump was hard-wrapped, and at what width.
// A wrapped dump has many lines close to one maximum width; an unwrapped one
// has a paragraph per line and widths all over the place. Knowing the width
// lets the parser tell a wrapped line (full: the next word would not have
// fitted) from a line that really ended.
func (p *parser) measureWrap() {
	widest := 0
	for _, l := range p.lines {
		widest = max(widest, l.width)
	}
	if widest == 0 || widest > 200 {
		return
	}
	near, continued := 0, 0
	for i, l := range p.lines {
		if !l.blank() && l.width >= widest-12 {
			near++
			if i+1 < len(p.lines) && !p.lines[i+1].blank() {
				continued++
			}
		}
	}
	if near >= 3 && continued >= 2 {
		p.wrap = widest
		p.note(0, "the text looks hard-wrapped at %d columns; wrapped lines are joined", widest)
	}
}

// joins reports whether b continues the text of a rather than starting a new
// block: a was full when it was wrapped, or a stops mid-sentence and b goes on
// in lower case.
func (p *parser) joins(a, b line) bool {
	if a.blank() || b.blank() {
		return false
	}
	first, _, _ := strings.Cut(b.text, " ")
	if p.wrap > 0 && a.width+1+utf8.RuneCountInString(first) > p.wrap {
		return true
	}
	r, _ := utf8.DecodeRuneInString(b.text)
	return !endsSentence(a.text) && unicode.IsLower(r)
}

// endsSentence reports whether s ends the way a sentence, a heading with a
// colon, or a quotation does.
func endsSentence(s string) bool {
	s = strings.TrimRightFunc(s, func(r rune) bool { return strings.ContainsRune("\"'”’)]", r) })
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?:;…", r)
}

var (
	livePattern      = regexp.MustCompile(`(?i)^live reporting$`)
	editedByPattern  = regexp.MustCompile(`(?i)^edited by\s+(.+)$`)
	timesNotePattern = regexp.MustCompile(`(?i)^all times (?:are )?stated (?:are |in )?(.+)$`)
	summaryPattern   = regexp.MustCompile(`(?i)^(?:summary|key points)$`)
)

// front reads what comes before the first post: the page header of older
// dumps, then the "Summary" heading and its points.
func (p *parser) front(res *Result, ls []line) {
	head, points := ls, []line(nil)
	for i, l := range ls {
		if summaryPattern.MatchString(l.text) {
			head, points = ls[:i], ls[i+1:]
			break
		}
	}
	other := false
	for _, l := range head {
		switch m := editedByPattern.FindStringSubmatch(l.text); {
		case l.blank():
		case livePattern.MatchString(l.text):
			p.note(l.no, "page header of an older live page")
		case m != nil && res.Event.EditedBy == "":
			res.Event.EditedBy = m[1]
			p.note(l.no, "edited by %s", m[1])
		case timesNotePattern.MatchString(l.text):
			res.Event.Notes = append(res.Event.Notes, l.text)
			if !strings.EqualFold(strings.TrimSuffix(timesNotePattern.FindStringSubmatch(l.text)[1], "."), "UK") || p.zone.String() != "Europe/London" {
				p.note(l.no, "the page says %q; times are read in %s", l.text, p.zone)
			}
		case res.Event.Title == "" && !other && utf8.RuneCountInString(l.text) <= liveblog.MaxTitleLength:
			res.Event.Title = l.text
			p.note(l.no, "event title %q", l.text)
		default:
			other = true
			res.Event.Notes = append(res.Event.Notes, l.text)
			p.note(l.no, "kept as a note of the page header")
		}
	}
	if len(head) < len(ls) {
		heading := ls[len(head)].no
		res.Summary = p.summary(points)
		if n := len(res.Summary); n > 0 {
			p.note(heading, "%d summary points", n)
		} else {
			p.note(heading, "\"Summary\" heading with no points under it; the event gets no summary")
		}
		if err := liveblog.ValidateSummary(res.Summary); err != nil {
			p.note(heading, "the summary cannot be imported as it is: %s", liveblog.ErrorMessage(err))
		}
	}
}

// summary reads key points: one per bullet or per paragraph, wrapped lines
// joined.
func (p *parser) summary(ls []line) []string {
	var points [][]string
	for i, l := range ls {
		switch {
		case l.blank():
		case isBullet(l.text):
			if item := strings.TrimSpace(strings.TrimLeftFunc(l.text, func(r rune) bool { return strings.ContainsRune(bullets, r) })); item != "" {
				points = append(points, []string{item})
			}
		case i > 0 && len(points) > 0 && p.continues(ls[i-1], l):
			points[len(points)-1] = append(points[len(points)-1], l.text)
		default:
			points = append(points, []string{l.text})
		}
	}
	out := make([]string, len(points))
	for i, words := range points {
		out[i] = strings.Join(words, " ")
	}
	return out
}
