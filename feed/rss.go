package feed

import (
	"encoding/xml"
	"io"
	"time"

	"github.com/liveblog/liveblog/render"
)

// RSS 2.0. RSS has no field for an entry's last edit, so each item carries
// atom:updated as well, and its authors as dc:creator (the RSS author
// element must be an email address, which a byline is not).

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	DCNS    string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Generator     string    `xml:"generator"`
	Self          rssLink   `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type rssLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Updated     string   `xml:"atom:updated"`
	Creators    []string `xml:"dc:creator"`
	Categories  []string `xml:"category"`
	Description string   `xml:"description"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Text        string `xml:",chardata"`
}

func rssTime(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func writeRSS(w io.Writer, f *Feed) error {
	desc := f.Event.Description
	if desc == "" {
		// RSS requires a description; the title is better than nothing.
		desc = f.title()
	}
	doc := rssDoc{
		Version: "2.0",
		AtomNS:  "http://www.w3.org/2005/Atom",
		DCNS:    "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{
			Title:         f.title(),
			Link:          f.pageURL(),
			Description:   desc,
			Language:      f.language(),
			LastBuildDate: rssTime(f.Updated()),
			Generator:     "liveblog",
			Self:          rssLink{Rel: "self", Type: RSS.MediaType(), Href: f.feedURL(RSS)},
			Items:         make([]rssItem, 0, len(f.Posts)),
		},
	}
	loc := f.Event.Location()
	for _, p := range f.Posts {
		content, err := f.content(p)
		if err != nil {
			return err
		}
		id := f.id(p)
		item := rssItem{
			Title:       title(p, loc),
			Link:        f.postURL(p),
			GUID:        rssGUID{IsPermaLink: id == f.postURL(p), Text: id},
			PubDate:     rssTime(p.PublishedAt),
			Updated:     atomTime(render.LastEdit(p)),
			Categories:  labels(p),
			Description: content,
		}
		for _, c := range p.Contributors {
			item.Creators = append(item.Creators, c.Name)
		}
		doc.Channel.Items = append(doc.Channel.Items, item)
	}
	return encodeXML(w, doc)
}
