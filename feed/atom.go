package feed

import (
	"encoding/xml"
	"io"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// Atom (RFC 4287). Titles and summaries are type="text", so a headline is
// text whatever characters it holds; content is type="html", escaped once by
// the XML encoder.

type atomFeed struct {
	XMLName   xml.Name      `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string        `xml:"xml:lang,attr"`
	Title     atomText      `xml:"title"`
	Subtitle  *atomText     `xml:"subtitle,omitempty"`
	ID        string        `xml:"id"`
	Updated   string        `xml:"updated"`
	Links     []atomLink    `xml:"link"`
	Author    atomPerson    `xml:"author"`
	Generator atomGenerator `xml:"generator"`
	Entries   []atomEntry   `xml:"entry"`
}

type atomEntry struct {
	Title      atomText       `xml:"title"`
	ID         string         `xml:"id"`
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomGenerator struct {
	Version string `xml:"version,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func writeAtom(w io.Writer, f *Feed) error {
	doc := atomFeed{
		Lang:    f.language(),
		Title:   atomText{Type: "text", Text: f.title()},
		ID:      f.id(nil),
		Updated: atomTime(f.Updated()),
		Links: []atomLink{
			{Rel: "self", Type: Atom.MediaType(), Href: f.feedURL(Atom)},
			{Rel: "alternate", Type: "text/html", Href: f.pageURL()},
		},
		// Atom requires an author for every entry; a post without a
		// byline is the publisher's.
		Author:    atomPerson{Name: f.SiteName},
		Generator: atomGenerator{Version: liveblog.Version, Text: "liveblog"},
		Entries:   make([]atomEntry, 0, len(f.Posts)),
	}
	if d := f.Event.Description; d != "" {
		doc.Subtitle = &atomText{Type: "text", Text: d}
	}
	loc := f.Event.Location()
	for _, p := range f.Posts {
		content, err := f.content(p)
		if err != nil {
			return err
		}
		e := atomEntry{
			Title:     atomText{Type: "text", Text: title(p, loc)},
			ID:        f.id(p),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: f.postURL(p)}},
			Published: atomTime(p.PublishedAt),
			Updated:   atomTime(render.LastEdit(p)),
			Content:   atomText{Type: "html", Text: content},
		}
		for _, c := range p.Contributors {
			e.Authors = append(e.Authors, atomPerson{Name: c.Name, URI: render.SafeURL(c.URL)})
		}
		for _, l := range labels(p) {
			e.Categories = append(e.Categories, atomCategory{Term: l})
		}
		if s := summary(p); s != "" {
			e.Summary = &atomText{Type: "text", Text: s}
		}
		doc.Entries = append(doc.Entries, e)
	}
	return encodeXML(w, doc)
}

func encodeXML(w io.Writer, doc any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
