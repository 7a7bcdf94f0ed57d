package render

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/liveblog/liveblog"
)

// maxStructuredUpdates bounds the posts listed in a page's structured data.
// Search engines show a handful of the latest updates; listing a whole page
// would add weight to every reader's first load for no one's benefit.
const maxStructuredUpdates = 10

// maxStructuredHeadline is the longest headline search engines accept in
// article structured data.
const maxStructuredHeadline = 110

// liveBlogPosting is schema.org's LiveBlogPosting: what search engines read
// to show a page as live coverage, with its latest updates.
type liveBlogPosting struct {
	Context           string        `json:"@context"`
	Type              string        `json:"@type"`
	Headline          string        `json:"headline"`
	Description       string        `json:"description,omitempty"`
	URL               string        `json:"url"`
	InLanguage        string        `json:"inLanguage,omitempty"`
	DatePublished     string        `json:"datePublished,omitempty"`
	DateModified      string        `json:"dateModified,omitempty"`
	CoverageStartTime string        `json:"coverageStartTime,omitempty"`
	CoverageEndTime   string        `json:"coverageEndTime,omitempty"`
	Publisher         organization  `json:"publisher"`
	LiveBlogUpdate    []blogPosting `json:"liveBlogUpdate,omitempty"`
}

type blogPosting struct {
	Type          string   `json:"@type"`
	Headline      string   `json:"headline"`
	URL           string   `json:"url"`
	DatePublished string   `json:"datePublished"`
	DateModified  string   `json:"dateModified"`
	Author        []person `json:"author,omitempty"`
	Image         string   `json:"image,omitempty"`
}

type person struct {
	Type     string `json:"@type"`
	Name     string `json:"name"`
	JobTitle string `json:"jobTitle,omitempty"`
	URL      string `json:"url,omitempty"`
}

type organization struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

// structuredData returns the JSON-LD of an event page, ready to sit inside
// <script type="application/ld+json">. json.Marshal escapes <, > and & (as
// \u003c and so on), and U+2028 and U+2029, so no text in it, whatever an
// editor typed, can close the element or open a comment: the block stays
// data, and the Content-Security-Policy, which runs no inline script, has
// nothing to refuse.
func (e *Engine) structuredData(ev *liveblog.Event, posts []*liveblog.Post, pinned *liveblog.Post, origin string) (template.JS, error) {
	loc := ev.Location()
	latest := slices.Clone(posts)
	if pinned != nil {
		latest = append(latest, pinned)
	}
	slices.SortFunc(latest, func(a, b *liveblog.Post) int {
		return cmp.Or(b.PublishedAt.Compare(a.PublishedAt), cmp.Compare(b.ID, a.ID))
	})
	latest = latest[:min(len(latest), maxStructuredUpdates)]

	d := liveBlogPosting{
		Context:     "https://schema.org",
		Type:        "LiveBlogPosting",
		Headline:    clip(ev.Title, maxStructuredHeadline),
		Description: ev.Description,
		URL:         origin + e.local(EventPath(ev)),
		InLanguage:  ev.Language,
		Publisher:   organization{Type: "Organization", Name: e.SiteName},
	}
	published := ev.CoverageStartedAt
	if published.IsZero() {
		published = ev.CreatedAt
	}
	d.DatePublished = isoTime(published)
	modified := ev.UpdatedAt
	for _, p := range latest {
		if u := LastEdit(p); u.After(modified) {
			modified = u
		}
	}
	d.DateModified = isoTime(modified)
	d.CoverageStartTime = isoTime(ev.CoverageStartedAt)
	if ev.State == liveblog.CoverageEnded {
		d.CoverageEndTime = isoTime(ev.CoverageEndedAt)
	}
	for _, p := range latest {
		u := blogPosting{
			Type:          "BlogPosting",
			Headline:      clip(Title(p, loc), maxStructuredHeadline),
			URL:           origin + e.local(Permalink(ev, p.ID)),
			DatePublished: isoTime(p.PublishedAt),
			DateModified:  isoTime(LastEdit(p)),
		}
		for _, c := range p.Contributors {
			u.Author = append(u.Author, person{Type: "Person", Name: c.Name, JobTitle: c.Role, URL: SafeURL(c.URL)})
		}
		if img := FirstImage(p); img != "" {
			u.Image = absolute(origin, e.local(img))
		}
		d.LiveBlogUpdate = append(d.LiveBlogUpdate, u)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("render: structured data: %w", err)
	}
	return template.JS(b), nil
}

// LastEdit is when a post last changed as readers see it: an edit moves
// it, so readers and feeds that track updates show the correction.
func LastEdit(p *liveblog.Post) time.Time {
	if p.EditedAt.After(p.PublishedAt) {
		return p.EditedAt
	}
	return p.PublishedAt
}

// isoTime formats a time for structured data; "" for the zero time, which
// the encoder then leaves out.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// clip cuts s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// absolute makes a path on this instance absolute under origin.
func absolute(origin, u string) string {
	if len(u) > 0 && u[0] == '/' && (len(u) == 1 || u[1] != '/') {
		return origin + u
	}
	return u
}
