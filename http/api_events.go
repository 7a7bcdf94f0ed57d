package http

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/liveblog/liveblog"
)

// eventRequest is the body of POST /api/v1/events: the fields an editor
// sets. Ids, versions, heads and timestamps belong to the store.
type eventRequest struct {
	Slug        string                 `json:"slug"`
	Title       string                 `json:"title"`
	Description string                 `json:"description"`
	TimeZone    string                 `json:"time_zone"`
	Language    string                 `json:"language"`
	State       liveblog.CoverageState `json:"state"`
	Summary     struct {
		Points []string `json:"points"`
	} `json:"summary"`
}

// eventUpdateRequest is the body of PATCH /api/v1/events/{slug}. Its own
// Version hides the embedded one, so that a missing version can be told from
// version 0.
type eventUpdateRequest struct {
	liveblog.EventUpdate
	Version *int `json:"version"`
}

type coverageRequest struct {
	State   liveblog.CoverageState `json:"state"`
	Version *int                   `json:"version"`
}

type summaryRequest struct {
	Points  *[]string `json:"points"`
	Version *int      `json:"version"`
}

// eventList is the body of GET /api/v1/events.
type eventList struct {
	Events []*liveblog.Event `json:"events"`
	// Next is the URL of the following page, absent on the last one.
	Next string `json:"next,omitempty"`
}

func eventPath(slug string) string { return "/api/v1/events/" + url.PathEscape(slug) }

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	filter := liveblog.EventFilter{State: liveblog.CoverageState(q.Get("state"))}
	if filter.State != "" && !filter.State.Valid() {
		return liveblog.FieldError("state", "Coverage state must be scheduled, live, paused or ended.")
	}
	var err error
	if filter.Limit, err = intParam(q, "limit", liveblog.DefaultPageSize, 1, liveblog.MaxPageSize); err != nil {
		return err
	}
	if filter.Offset, err = intParam(q, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	events, err := s.store.FindEvents(r.Context(), filter)
	if err != nil {
		return err
	}
	list := eventList{Events: events}
	if list.Events == nil {
		list.Events = []*liveblog.Event{}
	}
	if len(events) == filter.Limit {
		next := url.Values{}
		if filter.State != "" {
			next.Set("state", string(filter.State))
		}
		next.Set("limit", strconv.Itoa(filter.Limit))
		next.Set("offset", strconv.Itoa(filter.Offset+filter.Limit))
		list.Next = "/api/v1/events?" + next.Encode()
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	if err := authorize(r, liveblog.ActionCreateEvent, nil); err != nil {
		return answer{}, err
	}
	var req eventRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return answer{}, err
	}
	ev := &liveblog.Event{
		Slug:        req.Slug,
		Title:       req.Title,
		Description: req.Description,
		TimeZone:    req.TimeZone,
		Language:    cmp.Or(req.Language, s.cfg.DefaultLanguage),
		State:       req.State,
		Summary:     liveblog.Summary{Points: req.Summary.Points},
	}
	if err := ev.Validate(); err != nil {
		return answer{}, err
	}
	if err := s.store.CreateEvent(r.Context(), write, ev); err != nil {
		return answer{}, err
	}
	return answer{event: ev}, nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.findEvent(r)
	if err != nil {
		return err
	}
	return writeResource(w, http.StatusOK, ev, ev.Version)
}

func (s *Server) updateEvent(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	ev, err := s.findEvent(r)
	if err != nil {
		return answer{}, err
	}
	if err := authorize(r, liveblog.ActionEditEvent, nil); err != nil {
		return answer{}, err
	}
	var req eventUpdateRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return answer{}, err
	}
	upd := req.EventUpdate
	if upd.Version, err = editedVersion(r, req.Version); err != nil {
		return answer{}, err
	}
	if err := upd.Validate(); err != nil {
		return answer{}, err
	}
	if err := checkVersion(ev.Version, upd.Version); err != nil {
		return answer{}, err
	}
	if ev, err = s.store.ChangeEvent(r.Context(), write, ev.ID, &upd); err != nil {
		return answer{}, err
	}
	return answer{event: ev}, nil
}

func (s *Server) setCoverage(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	ev, err := s.findEvent(r)
	if err != nil {
		return answer{}, err
	}
	if err := authorize(r, liveblog.ActionSetCoverage, nil); err != nil {
		return answer{}, err
	}
	var req coverageRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return answer{}, err
	}
	version, err := editedVersion(r, req.Version)
	if err != nil {
		return answer{}, err
	}
	switch {
	case req.State == "":
		return answer{}, liveblog.FieldError("state", "Say which state coverage moves to: live, paused or ended.")
	case !req.State.Valid():
		return answer{}, liveblog.FieldError("state", "Coverage state must be scheduled, live, paused or ended.")
	}
	if err := checkVersion(ev.Version, version); err != nil {
		return answer{}, err
	}
	if !ev.State.CanMoveTo(req.State) {
		return answer{}, liveblog.FieldError("state", "Coverage cannot go from %s to %s.", ev.State, req.State)
	}
	if ev, err = s.store.ChangeEvent(r.Context(), write, ev.ID, liveblog.SetCoverage{State: req.State, Version: version}); err != nil {
		return answer{}, err
	}
	return answer{event: ev}, nil
}

func (s *Server) replaceSummary(w http.ResponseWriter, r *http.Request, write liveblog.Write) (answer, error) {
	ev, err := s.findEvent(r)
	if err != nil {
		return answer{}, err
	}
	if err := authorize(r, liveblog.ActionEditSummary, nil); err != nil {
		return answer{}, err
	}
	var req summaryRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return answer{}, err
	}
	version, err := editedVersion(r, req.Version)
	if err != nil {
		return answer{}, err
	}
	if req.Points == nil {
		return answer{}, liveblog.FieldError("points", `Send the key points as "points": [...]; an empty list clears them.`)
	}
	points := *req.Points
	if points == nil {
		points = []string{}
	}
	if err := liveblog.ValidateSummary(points); err != nil {
		return answer{}, renameField(err, "summary.points", "points")
	}
	if err := checkVersion(ev.Version, version); err != nil {
		return answer{}, err
	}
	if ev, err = s.store.ChangeEvent(r.Context(), write, ev.ID, liveblog.ReplaceSummary{Points: points, Version: version}); err != nil {
		return answer{}, err
	}
	return answer{event: ev}, nil
}

// findEvent returns the event named by the {slug} of the route.
func (s *Server) findEvent(r *http.Request) (*liveblog.Event, error) {
	return s.eventBySlug(r.Context(), r.PathValue("slug"))
}

// eventBySlug returns the event slug names, or errNoEvent.
func (s *Server) eventBySlug(ctx context.Context, slug string) (*liveblog.Event, error) {
	if !validSlug(slug) {
		return nil, errNoEvent
	}
	ev, err := s.store.FindEventBySlug(ctx, slug)
	if liveblog.ErrorCode(err) == liveblog.ENOTFOUND {
		return nil, errNoEvent
	}
	return ev, err
}

// findPage reads the page f asks for, with errNoEvent when f.Slug names no
// event.
func (s *Server) findPage(ctx context.Context, f liveblog.PageFilter) (*liveblog.Page, error) {
	if !validSlug(f.Slug) {
		return nil, errNoEvent
	}
	page, err := s.store.FindPage(ctx, f)
	if liveblog.ErrorCode(err) == liveblog.ENOTFOUND {
		return nil, errNoEvent
	}
	return page, err
}

// validSlug screens a slug before it reaches the store, so a path that
// could never name an event costs no query.
func validSlug(slug string) bool {
	if slug == "" || len(slug) > liveblog.MaxSlugLength {
		return false
	}
	for _, c := range slug {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// renameField rewrites the field an error names when the request calls it
// something else than the domain does.
func renameField(err error, from, to string) error {
	field := liveblog.ErrorField(err)
	if rest, ok := strings.CutPrefix(field, from); ok {
		return &liveblog.Error{Code: liveblog.ErrorCode(err), Field: to + rest, Message: liveblog.ErrorMessage(err)}
	}
	return err
}

// intParam reads an optional integer query parameter within [min, max].
func intParam(q url.Values, name string, def, min, max int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, liveblog.FieldError(name, "Expected a whole number from %d to %d.", min, max)
	}
	return n, nil
}
