package feed

import (
	"encoding/json"
	"io"
	"time"

	"github.com/liveblog/liveblog/render"
)

// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).

type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url"`
	FeedURL     string       `json:"feed_url"`
	Description string       `json:"description,omitempty"`
	Language    string       `json:"language"`
	Authors     []jsonAuthor `json:"authors"`
	Items       []jsonItem   `json:"items"`
}

type jsonItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url"`
	Title         string       `json:"title"`
	ContentHTML   string       `json:"content_html"`
	Summary       string       `json:"summary,omitempty"`
	Image         string       `json:"image,omitempty"`
	DatePublished string       `json:"date_published"`
	DateModified  string       `json:"date_modified"`
	Authors       []jsonAuthor `json:"authors,omitempty"`
	Tags          []string     `json:"tags,omitempty"`
}

type jsonAuthor struct {
	Name   string `json:"name"`
	URL    string `json:"url,omitempty"`
	Avatar string `json:"avatar,omitempty"`
}

func writeJSON(w io.Writer, f *Feed) error {
	doc := jsonFeed{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       f.title(),
		HomePageURL: f.pageURL(),
		FeedURL:     f.feedURL(JSON),
		Description: f.Event.Description,
		Language:    f.language(),
		Authors:     []jsonAuthor{{Name: f.SiteName}},
		Items:       make([]jsonItem, 0, len(f.Posts)),
	}
	loc := f.Event.Location()
	for _, p := range f.Posts {
		content, err := f.content(p)
		if err != nil {
			return err
		}
		item := jsonItem{
			ID:            f.id(p),
			URL:           f.postURL(p),
			Title:         title(p, loc),
			ContentHTML:   content,
			Summary:       summary(p),
			Image:         f.image(p),
			DatePublished: p.PublishedAt.UTC().Format(time.RFC3339),
			DateModified:  render.LastEdit(p).UTC().Format(time.RFC3339),
			Tags:          labels(p),
		}
		for _, c := range p.Contributors {
			item.Authors = append(item.Authors, jsonAuthor{Name: c.Name, URL: render.SafeURL(c.URL), Avatar: f.avatar(c)})
		}
		doc.Items = append(doc.Items, item)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// A feed is never read inside HTML, so escaping <, > and & as \u003c
	// would only make content_html larger and harder to read.
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
