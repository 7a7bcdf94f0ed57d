package http

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
)

// eventDesk is the data of an event's desk: the composer, the event's
// controls, the queue of unpublished posts, and the live view, which is the
// reader page's DOM driven by the reader's own script and stream, so the
// desk shows exactly what readers see, as they see it.
type eventDesk struct {
	Event       *liveblog.Event
	ReaderURL   string
	StreamURL   string
	Summary     template.HTML
	SummaryText string
	Pinned      template.HTML
	Posts       []template.HTML
	Queue       *queueView
	// Bylines are the newsroom's contributor profiles, for the byline
	// picker; Mine is the signed-in user's, which a new post starts with.
	// Guests are the other bylines of the event's recent posts: a stringer
	// or an agency credited once is offered again.
	Bylines []liveblog.Contributor
	Mine    liveblog.Contributor
	Guests  []liveblog.Contributor
	Moves   []coverageMove
	// History is the event's replaced key points, newest first, for the
	// editors who may restore one.
	History []*liveblog.SummaryRecord
}

// coverageMove is a coverage button: the state it moves to, and the states
// it is offered in.
type coverageMove struct {
	To     liveblog.CoverageState
	Label  string
	From   string // space-separated states
	Hidden bool
	from   []liveblog.CoverageState
}

func newCoverageMove(to liveblog.CoverageState, label string, from ...liveblog.CoverageState) coverageMove {
	names := make([]string, len(from))
	for i, st := range from {
		names[i] = string(st)
	}
	return coverageMove{To: to, Label: label, From: strings.Join(names, " "), from: from}
}

// coverageMoves are the coverage buttons, made once; each desk shows or
// hides them by the event's state.
var coverageMoves = []coverageMove{
	newCoverageMove(liveblog.CoverageLive, "Start coverage", liveblog.CoverageScheduled),
	newCoverageMove(liveblog.CoverageLive, "Resume", liveblog.CoveragePaused),
	newCoverageMove(liveblog.CoveragePaused, "Pause", liveblog.CoverageLive),
	newCoverageMove(liveblog.CoverageEnded, "End coverage…", liveblog.CoverageScheduled, liveblog.CoverageLive, liveblog.CoveragePaused),
}

// queueView is the list of an event's posts that readers do not see:
// drafts, scheduled posts and, for editors, deleted ones.
type queueView struct {
	Event *liveblog.Event
	Items []queueItem
	CSRF  string
}

type queueItem struct {
	Post       *liveblog.Post
	Title      string
	Author     string
	CanEdit    bool
	CanRestore bool
}

func (s *Server) showEventDesk(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := userOf(ctx)
	page, err := s.findPage(ctx, liveblog.PageFilter{Slug: r.PathValue("slug"), Limit: liveblog.DefaultPageSize})
	if err != nil {
		return err
	}
	ev := page.Event // read with the posts, so its head matches them
	users, err := s.store.FindUsers(ctx)
	if err != nil {
		return err
	}
	d := &eventDesk{
		Event:       ev,
		ReaderURL:   render.EventPath(ev),
		StreamURL:   render.EventPath(ev) + "/stream",
		SummaryText: strings.Join(ev.Summary.Points, "\n"),
		Mine:        u.Byline,
	}
	for _, other := range users {
		if !other.Disabled {
			d.Bylines = append(d.Bylines, other.Byline)
		}
	}
	var buf bytes.Buffer
	if err := s.engine.Summary(&buf, ev); err != nil {
		return err
	}
	d.Summary = template.HTML(buf.String()) // rendered, and escaped, by the reader's templates
	if page.Pinned != nil {
		html, err := s.postHTML(ev, page.Pinned)
		if err != nil {
			return err
		}
		d.Pinned = template.HTML(html)
	}
	for _, p := range page.Posts {
		if page.Pinned != nil && p.ID == page.Pinned.ID {
			continue
		}
		html, err := s.postHTML(ev, p)
		if err != nil {
			return err
		}
		d.Posts = append(d.Posts, template.HTML(html))
	}
	if d.Queue, err = s.queue(r, ev, users); err != nil {
		return err
	}
	if d.Guests, err = s.guestBylines(r, ev, d.Bylines); err != nil {
		return err
	}
	if liveblog.Can(u, liveblog.ActionEditSummary, nil) {
		if d.History, err = s.store.FindSummaryHistory(ctx, ev.ID, liveblog.MaxSummaryHistory); err != nil {
			return err
		}
	}
	for _, m := range coverageMoves {
		m.Hidden = !slices.Contains(m.from, ev.State)
		d.Moves = append(d.Moves, m)
	}
	return s.renderDesk(w, r, http.StatusOK, "desk_event", &deskView{Title: ev.Title, Reader: true, Data: d})
}

// maxGuestBylines bounds the guests offered: enough for an event's
// stringers and agencies, few enough to pick from at a glance.
const maxGuestBylines = 20

// guestBylines returns the bylines of the event's latest posts, newest
// first, that are not among accounts.
func (s *Server) guestBylines(r *http.Request, ev *liveblog.Event, accounts []liveblog.Contributor) ([]liveblog.Contributor, error) {
	posts, err := s.store.FindPosts(r.Context(), liveblog.PostFilter{EventID: ev.ID, Limit: liveblog.MaxPageSize,
		Statuses: []liveblog.PostStatus{liveblog.StatusPublished, liveblog.StatusScheduled, liveblog.StatusDraft}})
	if err != nil {
		return nil, err
	}
	var guests []liveblog.Contributor
	for _, p := range posts {
		for _, c := range p.Contributors {
			if len(guests) < maxGuestBylines && !slices.Contains(accounts, c) && !slices.Contains(guests, c) {
				guests = append(guests, c)
			}
		}
	}
	return guests, nil
}

// showQueue renders the queue alone, for the desk's script to refresh it
// after a save.
func (s *Server) showQueue(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.findEvent(r)
	if err != nil {
		return err
	}
	users, err := s.store.FindUsers(r.Context())
	if err != nil {
		return err
	}
	q, err := s.queue(r, ev, users)
	if err != nil {
		return err
	}
	return s.writeTemplate(w, http.StatusOK, deskTemplates["desk_event"], "desk_queue", q)
}

// queue lists the event's unpublished posts, most recently changed first.
func (s *Server) queue(r *http.Request, ev *liveblog.Event, users []*liveblog.User) (*queueView, error) {
	u := userOf(r.Context())
	statuses := []liveblog.PostStatus{liveblog.StatusDraft, liveblog.StatusScheduled}
	if liveblog.Can(u, liveblog.ActionRestorePost, nil) {
		statuses = append(statuses, liveblog.StatusDeleted)
	}
	posts, err := s.store.FindPosts(r.Context(), liveblog.PostFilter{EventID: ev.ID, Statuses: statuses, Limit: liveblog.MaxPageSize})
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, other := range users {
		names[other.ID] = other.Name
	}
	q := &queueView{Event: ev}
	if sess := sessionOf(r.Context()); sess != nil {
		q.CSRF = csrfToken(sess.secret)
	}
	for _, p := range posts {
		title := p.Headline
		if title == "" {
			title = render.Excerpt(p)
		}
		if title == "" {
			title = "Untitled post"
		}
		author := names[p.AuthorID]
		if author == "" {
			author = "the newsroom"
		}
		q.Items = append(q.Items, queueItem{Post: p, Title: title, Author: author,
			CanEdit:    p.Status != liveblog.StatusDeleted && liveblog.Can(u, liveblog.ActionEditPost, p),
			CanRestore: p.Status == liveblog.StatusDeleted && liveblog.Can(u, liveblog.ActionRestorePost, p)})
	}
	slices.SortStableFunc(q.Items, func(a, b queueItem) int { return b.Post.UpdatedAt.Compare(a.Post.UpdatedAt) })
	return q, nil
}

// eventResult answers the desk's script after an event change.
type eventResult struct {
	Event *liveblog.Event `json:"event"`
}

// setDeskCoverage moves coverage. The form says which state it saw the
// event in, so that two editors pressing "End" and "Pause" at once do not
// both succeed; no other version is needed for a state machine.
func (s *Server) setDeskCoverage(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, err := s.findEvent(r)
	if err != nil {
		return err
	}
	if err := authorize(r, liveblog.ActionSetCoverage, nil); err != nil {
		return err
	}
	from, to := liveblog.CoverageState(r.PostFormValue("from")), liveblog.CoverageState(r.PostFormValue("state"))
	if !to.Valid() {
		return liveblog.FieldError("state", "Coverage state must be live, paused or ended.")
	}
	if from != ev.State {
		return liveblog.Errorf(liveblog.ECONFLICT, "Coverage is already %s: someone else changed it. The desk now shows the current state.", stateLabel(ev.State))
	}
	if !ev.State.CanMoveTo(to) {
		return liveblog.FieldError("state", "Coverage cannot go from %s to %s.", ev.State, to)
	}
	if ev, err = s.store.ChangeEvent(r.Context(), write, ev.ID, liveblog.SetCoverage{State: to, Version: ev.Version}); err != nil {
		return err
	}
	return s.deskDone(w, r, ev)
}

// updateDeskEvent edits the event's title, description and time zone. The
// change reaches open reader pages through the feed (event.updated), as an
// edit through the API does.
func (s *Server) updateDeskEvent(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, version, err := s.deskEventForm(r, liveblog.ActionEditEvent, "The form does not say which version of the event it edits; reload the desk.")
	if err != nil {
		return err
	}
	title := strings.TrimSpace(r.PostFormValue("title"))
	description := strings.TrimSpace(r.PostFormValue("description"))
	zone := strings.TrimSpace(r.PostFormValue("time_zone"))
	upd := &liveblog.EventUpdate{Title: &title, Description: &description, TimeZone: &zone, Version: version}
	if ev, err = s.store.ChangeEvent(r.Context(), write, ev.ID, upd); err != nil {
		return err
	}
	return s.deskDone(w, r, ev)
}

// summaryConflict answers an edit of key points that a colleague changed
// first, with their points, so the editor can merge instead of guessing.
type summaryConflict struct {
	*problem
	CurrentPoints []string `json:"current_points"`
}

func (s *Server) replaceDeskSummary(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, version, err := s.deskEventForm(r, liveblog.ActionEditSummary, "The form does not say which version of the key points it edits; reload the desk.")
	if err != nil {
		return err
	}
	var points []string
	for line := range strings.Lines(r.PostFormValue("points")) {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		if line != "" {
			points = append(points, line)
		}
	}
	if points == nil {
		points = []string{}
	}
	if err := liveblog.ValidateSummary(points); err != nil {
		return renameField(err, "summary.points", "points")
	}
	updated, err := s.store.ChangeEvent(r.Context(), write, ev.ID, liveblog.ReplaceSummary{Points: points, Version: version})
	if liveblog.ErrorCode(err) == liveblog.ECONFLICT && wantsJSON(r) {
		current, ferr := s.store.FindEventByID(r.Context(), ev.ID)
		if ferr != nil {
			return ferr
		}
		p := newProblem(err, infoOf(r.Context()).id)
		p.Detail = "Someone else changed the key points while you were editing. Theirs are below; merge yours in and save again."
		p.CurrentVersion = current.Version
		return writeProblemWith(w, p.Status, summaryConflict{problem: p, CurrentPoints: current.Summary.Points})
	} else if err != nil {
		return err
	}
	return s.deskDone(w, r, updated)
}

// restoreDeskSummary makes earlier key points of the event's history the
// current ones: a change of the key points like any other, which readers
// get through the change feed.
func (s *Server) restoreDeskSummary(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	ev, version, err := s.deskEventForm(r, liveblog.ActionEditSummary, "The form does not say which version of the key points it replaces; reload the desk.")
	if err != nil {
		return err
	}
	id, ok := parseID(r.PostFormValue("id"))
	if !ok {
		return liveblog.FieldError("id", "The form does not say which earlier key points to restore; reload the desk.")
	}
	updated, err := s.store.RestoreSummary(r.Context(), write, ev.ID, id, version)
	if err != nil {
		return err
	}
	return s.deskDone(w, r, updated)
}

// deskEventForm reads what every event form of the desk starts with: the
// event named in the path, the user's right to action on it, and the
// version the form edits (missingVersion is the message when it has none).
func (s *Server) deskEventForm(r *http.Request, action liveblog.Action, missingVersion string) (*liveblog.Event, int, error) {
	ev, err := s.findEvent(r)
	if err != nil {
		return nil, 0, err
	}
	if err := authorize(r, action, nil); err != nil {
		return nil, 0, err
	}
	version, ok := parseID(r.PostFormValue("version"))
	if !ok {
		return nil, 0, liveblog.FieldError("version", "%s", missingVersion)
	}
	return ev, int(version), nil
}

// deskDone answers a successful event change: the event for the script,
// or back to the desk for a form sent without it.
func (s *Server) deskDone(w http.ResponseWriter, r *http.Request, ev *liveblog.Event) error {
	if wantsJSON(r) {
		return writeJSON(w, http.StatusOK, eventResult{Event: ev})
	}
	http.Redirect(w, r, deskEventPath(ev), http.StatusSeeOther)
	return nil
}
