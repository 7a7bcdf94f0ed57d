package feed

import (
	"html/template"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// body is the HTML of an entry's content. It is simpler than the page's
// article (no labels, times or page hooks: the feed carries those as
// fields), and every URL in it is absolute, since a feed reader resolves
// relative ones inconsistently or not at all. html/template escapes every
// piece of text, and render.SafeURL drops any link or image a reader should
// not follow, exactly as on the page.
var body = template.Must(template.New("body").Funcs(template.FuncMap{
	"lines":      func(s string) []string { return strings.Split(s, "\n") },
	"paragraphs": render.Paragraphs,
}).Parse(`
{{- define "spans"}}{{range .}}{{if .Href}}<a href="{{.Href}}">{{end}}{{if .Bold}}<strong>{{end}}{{if .Italic}}<em>{{end}}
{{- range $i, $l := lines .Text}}{{if $i}}<br>{{end}}{{$l}}{{end}}
{{- if .Italic}}</em>{{end}}{{if .Bold}}</strong>{{end}}{{if .Href}}</a>{{end}}{{end}}{{end}}
{{- range .Bylines}}<p><strong>{{.Name}}</strong>{{with .Role}}, {{.}}{{end}}</p>{{end}}
{{- range .Blocks}}
{{- if eq .Type "paragraph"}}<p>{{template "spans" .Spans}}</p>
{{- else if eq .Type "list"}}<ul>{{range .Items}}<li>{{template "spans" .}}</li>{{end}}</ul>
{{- else if eq .Type "quote"}}<blockquote>{{range paragraphs .Text}}<p>{{.}}</p>{{end}}{{with .Attribution}}<p>– {{.}}</p>{{end}}</blockquote>
{{- else if eq .Type "image"}}{{if .Src}}<figure><img src="{{.Src}}" alt="{{.Alt}}"{{if and .Width .Height}} width="{{.Width}}" height="{{.Height}}"{{end}}>
{{- if or .Caption .Credit}}<figcaption>{{.Caption}}{{if .Credit}}{{if .Caption}} {{end}}(Image source: {{.Credit}}){{end}}</figcaption>{{end}}</figure>{{end}}
{{- else if eq .Type "embed"}}{{if or .Text .Author}}<blockquote>{{range paragraphs .Text}}<p>{{.}}</p>{{end}}{{with .Author}}<p>– {{.}}</p>{{end}}</blockquote>{{end}}
{{- if .URL}}<p><a href="{{.URL}}">{{or .Title .URL}}</a></p>{{else if .Title}}<p>{{.Title}}</p>{{end}}
{{- end}}
{{- end}}
{{- with .Correction}}<p><em>Correction: {{.}}</em></p>{{end}}`))

// bodyData is what the body template reads: the post's blocks with every
// URL checked and made absolute.
type bodyData struct {
	Bylines    []liveblog.Contributor
	Blocks     []liveblog.Block
	Correction string
}

// content returns the HTML of p's entry.
func (f *Feed) content(p *liveblog.Post) (string, error) {
	d := bodyData{Bylines: p.Contributors, Blocks: make([]liveblog.Block, len(p.Blocks)), Correction: p.CorrectionNote}
	for i, b := range p.Blocks {
		b.Src = f.safe(b.Src)
		b.URL = f.safe(b.URL)
		spans := func(in []liveblog.Span) []liveblog.Span {
			out := make([]liveblog.Span, len(in))
			for j, s := range in {
				s.Href = f.safe(s.Href)
				out[j] = s
			}
			return out
		}
		b.Spans = spans(b.Spans)
		items := make([][]liveblog.Span, len(b.Items))
		for j, item := range b.Items {
			items[j] = spans(item)
		}
		b.Items = items
		d.Blocks[i] = b
	}
	var out strings.Builder
	if err := body.Execute(&out, d); err != nil {
		return "", err
	}
	return out.String(), nil
}

// safe returns u when readers may follow it, absolute; "" otherwise.
func (f *Feed) safe(u string) string {
	if u = render.SafeURL(u); u == "" {
		return ""
	}
	return f.absolute(u)
}

// avatar returns the absolute URL of a byline's picture, "" when it has none
// a reader may load.
func (f *Feed) avatar(c liveblog.Contributor) string { return f.safe(c.Avatar) }

// image returns the absolute URL of a post's first image, "" when none.
func (f *Feed) image(p *liveblog.Post) string {
	if src := render.FirstImage(p); src != "" {
		return f.absolute(src)
	}
	return ""
}
