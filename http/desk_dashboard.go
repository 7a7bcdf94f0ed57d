package http

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/liveblog/liveblog"
)

// dashboard is the data of the desk's front page.
type dashboard struct {
	// Groups are the events by coverage state, live first.
	Groups []eventGroup
	// Form holds what was typed into the new event form when it was
	// refused.
	Form eventForm
}

type eventGroup struct {
	State  liveblog.CoverageState
	Events []*liveblog.Event
}

type eventForm struct {
	Slug, Title, Description, TimeZone, Language string
}

func (s *Server) showDashboard(w http.ResponseWriter, r *http.Request) error {
	return s.renderDashboard(w, r, http.StatusOK, eventForm{TimeZone: liveblog.DefaultTimeZone, Language: s.cfg.DefaultLanguage}, "")
}

func (s *Server) renderDashboard(w http.ResponseWriter, r *http.Request, status int, form eventForm, msg string) error {
	events, err := s.store.FindEvents(r.Context(), liveblog.EventFilter{Limit: liveblog.MaxPageSize})
	if err != nil {
		return err
	}
	d := dashboard{Form: form}
	for _, state := range []liveblog.CoverageState{liveblog.CoverageLive, liveblog.CoveragePaused, liveblog.CoverageScheduled, liveblog.CoverageEnded} {
		g := eventGroup{State: state}
		for _, ev := range events {
			if ev.State == state {
				g.Events = append(g.Events, ev)
			}
		}
		d.Groups = append(d.Groups, g)
	}
	return s.renderDesk(w, r, status, "desk_dashboard", &deskView{Title: "Desk", Error: msg, Data: d})
}

// createDeskEvent creates an event from the dashboard's form and opens its
// desk; a refused form comes back filled in, with the reason.
func (s *Server) createDeskEvent(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	if err := authorize(r, liveblog.ActionCreateEvent, nil); err != nil {
		return err
	}
	form := eventForm{
		Slug:        strings.TrimSpace(r.PostFormValue("slug")),
		Title:       strings.TrimSpace(r.PostFormValue("title")),
		Description: strings.TrimSpace(r.PostFormValue("description")),
		TimeZone:    strings.TrimSpace(r.PostFormValue("time_zone")),
		Language:    strings.TrimSpace(r.PostFormValue("language")),
	}
	ev := &liveblog.Event{Slug: form.Slug, Title: form.Title, Description: form.Description, TimeZone: form.TimeZone,
		Language: cmp.Or(form.Language, s.cfg.DefaultLanguage)}
	err := s.store.CreateEvent(r.Context(), write, ev)
	switch code := liveblog.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, deskEventPath(ev), http.StatusSeeOther)
		return nil
	case liveblog.EINVALID, liveblog.ECONFLICT:
		return s.renderDashboard(w, r, kinds[code].status, form, liveblog.ErrorMessage(err))
	}
	return err
}

// deskEventPath is the address of an event's desk.
func deskEventPath(ev *liveblog.Event) string { return "/desk/events/" + ev.Slug }
