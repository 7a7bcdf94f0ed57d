package render

import (
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // event zones must work on machines without a zone database
	"unicode/utf8"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/web"
)

// FormatTime formats t in loc the way live pages show a post's time:
// "09:45 GMT 13 February", with the year ("09:45 GMT 13 February 2025") when
// it is not the current year in loc. The zone abbreviation is the one in
// force at that instant, so a London event reads GMT in winter and BST in
// summer. A nil loc means UTC.
func FormatTime(t time.Time, loc *time.Location) string {
	t = inZone(t, loc)
	if t.Year() != inZone(time.Now(), loc).Year() {
		return t.Format("15:04 MST 2 January 2006")
	}
	return t.Format("15:04 MST 2 January")
}

// FormatClock formats the time of day only, for "Updated 09:45 GMT" marks.
func FormatClock(t time.Time, loc *time.Location) string {
	return inZone(t, loc).Format("15:04 MST")
}

func inZone(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc)
}

// rfc3339 formats a machine-readable time for datetime attributes. UTC keeps
// it independent of the display zone.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// SafeURL returns raw when it may be put in an href or src: an absolute http,
// https or mailto URL, or a path under /media/ or /static/ on this instance.
// Anything else returns "", and templates then render no link and no image.
// The domain validates URLs on input; this check runs again at render time so
// that a row written by an older version, an import or a bug cannot put a
// javascript: link in front of readers.
func SafeURL(raw string) string {
	if raw == "" || len(raw) > liveblog.MaxURLLength || !utf8.ValidString(raw) {
		return ""
	}
	for _, r := range raw {
		// Browsers strip tabs and newlines inside URLs and treat a backslash
		// as a slash, which is how "java\tscript:" and "/\evil" get through
		// naive checks.
		if r <= ' ' || r == 0x7f || r == '\\' {
			return ""
		}
	}
	if strings.HasPrefix(raw, "/media/") {
		// A browser reads %2e as a dot in a path: "/media/%2e%2e/desk/"
		// is /desk/. Media names never hold a %.
		if strings.Contains(raw, "..") || strings.Contains(raw, "%") {
			return ""
		}
		return raw
	}
	if name, ok := strings.CutPrefix(raw, "/static/"); ok {
		// Static files are only served under their fingerprinted names, so a
		// reference to one (an imported image's placeholder) is resolved here.
		return web.AssetPath(name)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" || u.User != nil {
			return ""
		}
	case "mailto":
		if u.Opaque == "" {
			return ""
		}
	default:
		return ""
	}
	return raw
}

// host returns the host name of a link for an embed card, without a leading
// "www.".
func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// lines splits text at newlines, which the templates render as <br>: a
// paragraph typed with line breaks keeps them.
func lines(s string) []string {
	if !strings.Contains(s, "\n") {
		return []string{s}
	}
	return strings.Split(s, "\n")
}

// Paragraphs splits a quote into its paragraphs, dropping blank lines, as
// the page shows them; feeds split quotes the same way.
func Paragraphs(s string) []string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// StateLabel is the text of the coverage badge readers see; the desk's
// live view shows the same.
func StateLabel(s liveblog.CoverageState) string {
	switch s {
	case liveblog.CoverageLive:
		return "LIVE"
	case liveblog.CoveragePaused:
		return "Paused"
	case liveblog.CoverageEnded:
		return "Coverage ended"
	}
	return "Starting soon"
}

// stateNote is the sentence under the title for states where readers should
// not expect new posts right now; "" for live and scheduled coverage.
func stateNote(s liveblog.CoverageState) string {
	switch s {
	case liveblog.CoveragePaused:
		return "Coverage is paused. New posts will appear here when it resumes."
	case liveblog.CoverageEnded:
		return "Coverage has ended."
	}
	return ""
}

// Excerpt returns a short plain-text description of a post for link
// previews, feeds and structured data: the first line of its first text
// block, cut at a word boundary; "" when it has no text.
func Excerpt(p *liveblog.Post) string {
	const max = 200
	var text string
	for _, b := range p.Blocks {
		switch b.Type {
		case liveblog.BlockParagraph:
			text = liveblog.PlainText(b.Spans)
		case liveblog.BlockList:
			if len(b.Items) > 0 {
				text = liveblog.PlainText(b.Items[0])
			}
		case liveblog.BlockQuote:
			text = b.Text
		}
		if text = strings.TrimSpace(text); text != "" {
			break
		}
	}
	text, _, _ = strings.Cut(text, "\n")
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	cut := string([]rune(text)[:max])
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:-–") + "…"
}

// FirstImage returns the source of a post's first displayable image, a path
// on this instance or an absolute URL; "" when it has none.
func FirstImage(p *liveblog.Post) string {
	for _, b := range p.Blocks {
		if b.Type == liveblog.BlockImage {
			if src := SafeURL(b.Src); src != "" {
				return src
			}
		}
	}
	return ""
}

// Title returns what a post is called where a title is required (feed
// entries, structured data): its headline, else its excerpt, else its time,
// as "Update at 09:45 GMT".
func Title(p *liveblog.Post, loc *time.Location) string {
	if p.Headline != "" {
		return p.Headline
	}
	if line := Excerpt(p); line != "" {
		return line
	}
	return "Update at " + FormatClock(p.PublishedAt, loc)
}
