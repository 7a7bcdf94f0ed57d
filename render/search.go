package render

import (
	"errors"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/liveblog/liveblog"
)

// QuerySearch is the parameter of a search: the words a reader typed.
const (
	QuerySearch = "q"
	QueryOffset = "offset"
)

// SearchForm is the data of the search box (the "search-form" template),
// on reader pages and the desk.
type SearchForm struct {
	Action, Label, Query string
	// Message says why the search in Query was refused, beside the field.
	Message   string
	MaxLength int
}

// NewSearchForm returns the search box that sends its words to action,
// showing query and the message of its refusal, if any.
func NewSearchForm(action, query, message string) SearchForm {
	return SearchForm{Action: action, Label: "Search this coverage", Query: query, Message: message, MaxLength: liveblog.MaxSearchLength}
}

// SearchPath returns the path of an event's search page.
func SearchPath(ev *liveblog.Event) string { return EventPath(ev) + "/search" }

// SearchView is an event's search page: the form, and what the search found
// or why it was refused.
type SearchView struct {
	Event *liveblog.Event
	// Query is what the reader typed, shown back in the form.
	Query string
	// Result is nil when there is nothing to show: no search yet, or one
	// refused (Message says why).
	Result  *liveblog.SearchResult
	Message string
	Offset  int
}

// searchView is the data of the search page template.
type searchView struct {
	Event    *liveblog.Event
	Query    string
	Message  string
	Action   string
	EventURL string
	Searched bool
	Hits     []hitView
	First    int // the number of the first result shown
	Older    string
	Newer    string
}

// hitView is one result: the headline and an excerpt of the body, their
// matching words marked, linked to the post's permalink.
type hitView struct {
	Headline    []liveblog.Fragment
	Excerpt     []liveblog.Fragment
	Permalink   string
	PublishedAt time.Time
	Loc         *time.Location
}

// Search renders an event's search page.
func (e *Engine) Search(w io.Writer, v SearchView) error {
	if v.Event == nil {
		return errors.New("render: search without an event")
	}
	ev := v.Event
	loc := ev.Location()
	sv := searchView{Event: ev, Query: v.Query, Message: v.Message,
		Action: SearchPath(ev), EventURL: EventPath(ev), Searched: v.Result != nil, First: v.Offset + 1}
	if r := v.Result; r != nil {
		for _, h := range r.Hits {
			p := h.Post
			sv.Hits = append(sv.Hits, hitView{Headline: r.Query.Highlight(p.Headline), Excerpt: r.Query.Excerpt(p.BodyText()),
				Permalink: Permalink(ev, p.ID), PublishedAt: p.PublishedAt, Loc: loc})
		}
		page := func(offset int) string {
			q := url.Values{QuerySearch: {v.Query}}
			if offset > 0 {
				q.Set(QueryOffset, strconv.Itoa(offset))
			}
			return SearchPath(ev) + "?" + q.Encode()
		}
		if next := v.Offset + len(r.Hits); r.More && next <= liveblog.MaxSearchOffset {
			sv.Older = page(next)
		}
		if v.Offset > 0 {
			sv.Newer = page(max(0, v.Offset-liveblog.DefaultSearchSize))
		}
	}
	return e.execute(w, e.pages["search.html"], "layout", sv)
}
