package importer

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// header is where a post starts: its headline line, possibly wrapped over
// several lines (first and last index into parser.lines).
type header struct {
	first, last int
	num         int // the post's number on the page, 0 when unnumbered
	headline    string
	stamp       *stamp
	above       bool // the headline is the line above a stamp of its own
}

var numPattern = regexp.MustCompile(`^(\d{1,5})\.\s+(.*)$`)

// maxHeadlineLines bounds how far a wrapped headline is followed: a headline
// of a few hundred characters wraps over three or four lines at most.
const maxHeadlineLines = 4

// findHeaders finds where posts start. A line carrying a "published at" stamp
// starts a post when it is numbered ("3. Headline…"), when the stamp is run
// together with the headline ("Headlinepublished at"), as the dumps print it,
// or when the stamp stands alone under its headline. A numbered line without
// a stamp (a post whose time was lost) starts a post only when its number is
// the next in the page's numbering, so that a numbered list inside a post is
// not taken for a run of posts.
func (p *parser) findHeaders() []header {
	var stamped, unstamped []header
	last := -1 // last line index taken by a header
	for i := 0; i < len(p.lines); i++ {
		l := p.lines[i]
		if l.blank() {
			continue
		}
		if m := numPattern.FindStringSubmatch(l.text); m != nil {
			num, _ := strconv.Atoi(m[1])
			if h, ok := p.wrappedHeader(i, m[2]); ok {
				h.num = num
				stamped = append(stamped, h)
				i, last = h.last, h.last
			} else {
				unstamped = append(unstamped, header{first: i, last: i, num: num, headline: m[2]})
			}
			continue
		}
		headline, st := parseStamp(l.text)
		if st == nil || !(st.runTogether || headline == "") {
			continue
		}
		h := header{first: i, last: i, headline: headline, stamp: st}
		if st.day == 0 {
			// The date may have wrapped onto the next line.
			if w, ok := p.wrappedHeader(i, l.text); ok && w.stamp.day != 0 {
				h = w
			}
		}
		if headline == "" && i-1 > last && headlineLike(p.lines[i-1].text) {
			h.first, h.headline, h.above = i-1, p.lines[i-1].text, true
			p.note(p.lines[i-1].no, "headline taken from the line above its time")
		}
		stamped = append(stamped, h)
		i, last = h.last, h.last
	}

	heads := append([]header(nil), stamped...)
	heads = append(heads, p.numbered(stamped, unstamped)...)
	sort.Slice(heads, func(a, b int) bool { return heads[a].first < heads[b].first })
	for _, h := range heads {
		if h.last > h.first && !h.above {
			p.note(p.lines[h.first].no, "headline wrapped over lines %d-%d; joined", p.lines[h.first].no, p.lines[h.last].no)
		}
	}
	return heads
}

// wrappedHeader looks for a stamp at the end of text, the headline of line i,
// joined with up to three lines that follow it without a break. A stamp with
// a date wins over one without, since a wrapped line can cut "13 February" off.
func (p *parser) wrappedHeader(i int, text string) (header, bool) {
	var best header
	found := false
	joined := text
	for k := 0; k < maxHeadlineLines && i+k < len(p.lines); k++ {
		if k > 0 {
			next := p.lines[i+k]
			if next.blank() || isBullet(next.text) || numPattern.MatchString(next.text) {
				break
			}
			joined += " " + next.text
		}
		headline, st := parseStamp(joined)
		if st == nil {
			continue
		}
		h := header{first: i, last: i + k, headline: headline, stamp: st}
		if st.day != 0 {
			return h, true
		}
		if !found {
			best, found = h, true
		}
	}
	return best, found
}

// numbered accepts the unstamped numbered lines that continue the page's
// numbering between stamped headers, or, on a page with no stamp at all, the
// run 1, 2, 3... A post's own numbered list restarts at 1 and sits deeper
// than the headlines, so both the number and the indent must fit.
func (p *parser) numbered(stamped, unstamped []header) []header {
	var out []header
	if len(stamped) == 0 {
		expect := 1
		for _, c := range unstamped {
			if c.num == expect {
				out = append(out, c)
				expect++
			}
		}
		return out
	}
	indent := -1
	for _, h := range stamped {
		if h.num > 0 && (indent < 0 || p.lines[h.first].indent < indent) {
			indent = p.lines[h.first].indent
		}
	}
	fits := func(c header) bool { return indent < 0 || p.lines[c.first].indent <= indent }

	si, expect := 0, 0
	var prev *header // the last numbered line inside a post, not a header
	for k, c := range unstamped {
		for si < len(stamped) && stamped[si].first < c.first {
			expect, prev = 0, nil
			if stamped[si].num > 0 {
				expect = stamped[si].num + 1
			}
			si++
		}
		if si == 0 {
			continue
		}
		next := 0
		if si < len(stamped) {
			next = stamped[si].num
		}
		// "1. …" then "2. …" inside a post is the post's own list, even
		// when 2 happens to be the next post's number.
		inList := prev != nil && c.num == prev.num+1
		if expect > 0 && c.num == expect && (next == 0 || c.num < next) && fits(c) && !inList {
			out = append(out, c)
			expect, prev = expect+1, nil
			continue
		}
		prev = &unstamped[k]
	}
	// Before the first stamped post, count down from its number.
	if expect := stamped[0].num - 1; stamped[0].num > 0 {
		for k := len(unstamped) - 1; k >= 0 && expect > 0; k-- {
			c := unstamped[k]
			if c.first < stamped[0].first && c.num == expect && fits(c) {
				out = append(out, c)
				expect--
			}
		}
	}
	return out
}

// headlineLike reports whether a line can be the headline printed above a
// stamp that stands on its own line.
func headlineLike(s string) bool {
	return s != "" && len(s) <= 1000 && !isBullet(s) && !imagePattern.MatchString(s) && !captionPattern.MatchString(s) && !strings.HasPrefix(s, "http")
}
