package http

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// showSearch is an event's search page, GET /live/{slug}/search?q=: the
// form, and the published posts that match (in the order of liveblog.Service.Search), linked to their
// permalinks. Each search is answered afresh rather than cached: the words
// are the reader's, and a cache keyed by them would be the reader's to fill.
// A search the domain refuses (empty, too long) is shown with its message
// beside the field, with status 400.
func (s *Server) showSearch(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.findEvent(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := render.SearchView{Event: ev, Query: q.Get(render.QuerySearch)}
	status := http.StatusOK
	if q.Has(render.QuerySearch) {
		v.Offset, err = intParam(q, render.QueryOffset, 0, 0, liveblog.MaxSearchOffset)
		if err == nil {
			v.Result, err = s.store.Search(r.Context(), liveblog.SearchFilter{EventID: ev.ID, Query: v.Query, Offset: v.Offset})
		}
		switch liveblog.ErrorCode(err) {
		case "":
		case liveblog.EINVALID:
			v.Message, status = liveblog.ErrorMessage(err), http.StatusBadRequest
		default:
			return err
		}
	}
	var buf bytes.Buffer
	if err := s.engine.Search(&buf, v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}

// deskSearch is the data of the desk's search page.
type deskSearch struct {
	Form    render.SearchForm
	Drafts  bool // whether drafts and scheduled posts were searched too
	Hits    []deskHit
	First   int    // the number of the first result shown
	More    string // the next page of results, "" on the last
	Checked bool   // whether a search ran
}

// deskHit is one post the desk's search found.
type deskHit struct {
	Post       *liveblog.Post
	Event      *liveblog.Event // its slug and title only
	Headline   []liveblog.Fragment
	Excerpt    []liveblog.Fragment
	Permalink  string
	Unreleased bool // a draft or a scheduled post, not on the reader page
}

// showDeskSearch searches every event's posts from the desk, GET
// /desk/search?q=: the newsroom's archive ("the minister's quote from last
// week"). Editors find drafts and scheduled posts too (ActionSearchDrafts);
// everyone finds what readers can.
func (s *Server) showDeskSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := deskSearch{Form: render.NewSearchForm("/desk/search", q.Get(render.QuerySearch), "")}
	d.Form.Label = "Search every event"
	f := liveblog.SearchFilter{Query: d.Form.Query}
	if d.Drafts = liveblog.Can(userOf(r.Context()), liveblog.ActionSearchDrafts, nil); d.Drafts {
		f.Statuses = []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusPublished}
	}
	status := http.StatusOK
	if q.Has(render.QuerySearch) {
		var err error
		var res *liveblog.SearchResult
		f.Offset, err = intParam(q, render.QueryOffset, 0, 0, liveblog.MaxSearchOffset)
		if err == nil {
			res, err = s.store.Search(r.Context(), f)
		}
		switch liveblog.ErrorCode(err) {
		case "":
			d.Checked, d.First = true, f.Offset+1
			for _, h := range res.Hits {
				ev := &liveblog.Event{Slug: h.EventSlug, Title: h.EventTitle}
				d.Hits = append(d.Hits, deskHit{Post: h.Post, Event: ev,
					Headline: res.Query.Highlight(h.Post.Headline), Excerpt: res.Query.Excerpt(h.Post.BodyText()),
					Permalink: render.Permalink(ev, h.Post.ID), Unreleased: h.Post.Status != liveblog.StatusPublished})
			}
			if next := f.Offset + len(res.Hits); res.More && next <= liveblog.MaxSearchOffset {
				d.More = "/desk/search?" + url.Values{render.QuerySearch: {f.Query}, render.QueryOffset: {strconv.Itoa(next)}}.Encode()
			}
		case liveblog.EINVALID:
			d.Form.Message, status = liveblog.ErrorMessage(err), http.StatusBadRequest
		default:
			return err
		}
	}
	return s.renderDesk(w, r, status, "desk_search", &deskView{Title: "Search", Data: d})
}
