package webtest

import (
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

// UnsafeMarkup lists what in an HTML document or fragment could run script
// or take a reader elsewhere unasked: a script element other than the
// page's own module and its JSON-LD block (which must be valid JSON), an
// event handler attribute (on*=), a URL attribute whose scheme is not
// http, https or mailto (javascript:, data:, vbscript:, as a browser reads
// it, tabs, newlines and leading control characters removed), inline style,
// elements that load or frame other documents, a <base href> and a meta
// refresh. It reads the markup with the HTML5 tokenizer, as a browser does,
// so text that is merely about "<script" (escaped) is not flagged. An empty
// result means the markup is inert.
//
// Tests use it on every rendering of hostile input: pages, stream frames,
// feed content and archives.
func UnsafeMarkup(doc string) []string {
	var problems []string
	z := html.NewTokenizer(strings.NewReader(doc))
	inJSONLD := false
	var jsonld strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return problems
		case html.TextToken:
			if inJSONLD {
				jsonld.Write(z.Text())
			}
			continue
		case html.EndTagToken:
			name, _ := z.TagName()
			if string(name) == "script" && inJSONLD {
				if !json.Valid([]byte(jsonld.String())) {
					problems = append(problems, fmt.Sprintf("JSON-LD block is not valid JSON (broken out of?): %.200q", jsonld.String()))
				}
				inJSONLD = false
				jsonld.Reset()
			}
			continue
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		tok := z.Token()
		attr := func(name string) (string, bool) {
			for _, a := range tok.Attr {
				if a.Namespace == "" && a.Key == name {
					return a.Val, true
				}
			}
			return "", false
		}
		switch tok.Data {
		case "script":
			typ, _ := attr("type")
			src, hasSrc := attr("src")
			switch {
			case typ == "application/ld+json" && !hasSrc:
				inJSONLD = true
			case typ == "module" && hasSrc && localPath(src):
			default:
				problems = append(problems, "script element: "+tok.String())
			}
		case "iframe", "frame", "frameset", "object", "embed", "applet", "style", "svg", "math", "portal":
			problems = append(problems, tok.Data+" element: "+tok.String())
		case "base":
			if _, ok := attr("href"); ok {
				problems = append(problems, "base href: "+tok.String())
			}
		case "meta":
			if v, _ := attr("http-equiv"); strings.EqualFold(strings.TrimSpace(v), "refresh") {
				problems = append(problems, "meta refresh: "+tok.String())
			}
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"):
				problems = append(problems, "event handler attribute "+a.Key+": "+tok.String())
			case key == "style":
				problems = append(problems, "style attribute: "+tok.String())
			case key == "srcset":
				for cand := range strings.SplitSeq(a.Val, ",") {
					if u, _, _ := strings.Cut(strings.TrimSpace(cand), " "); u != "" && !SafeScheme(u) {
						problems = append(problems, "srcset URL "+u+": "+tok.String())
					}
				}
			case urlAttrs[key]:
				if !SafeScheme(a.Val) {
					problems = append(problems, "URL attribute "+a.Key+": "+tok.String())
				}
			}
		}
	}
}

// urlAttrs are the attributes a browser follows or loads as a URL.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "poster": true,
	"data": true, "background": true, "cite": true, "longdesc": true, "manifest": true,
	"xlink:href": true, "ping": true,
}

// SafeScheme reports whether a URL, read as a browser reads it, is
// relative (a path on the same site) or has the scheme http, https or
// mailto.
func SafeScheme(u string) bool {
	// Browsers drop leading and trailing C0 controls and spaces, and every
	// tab and newline anywhere, before they look for the scheme.
	u = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	u = strings.TrimLeft(u, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	i := strings.IndexAny(u, ":/?#")
	if i < 0 || u[i] != ':' {
		return true
	}
	switch strings.ToLower(u[:i]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

func localPath(u string) bool {
	return strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") || strings.HasPrefix(u, "static/") || strings.HasPrefix(u, "../")
}
