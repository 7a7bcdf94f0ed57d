package http

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/liveblog/liveblog"
)

// auditPage is the data of the audit log page.
type auditPage struct {
	Entries []auditRow
	Users   []*liveblog.User
	// UserID and Event are the filter in force (0 and "" for none).
	UserID int64
	Event  string
	// Next is the address of the page of older entries, "" on the last.
	Next string
	// Failures are the failed sign-ins by address, on the unfiltered
	// first page.
	Failures []*liveblog.SignInFailures
}

// auditRow is an entry with the slug of its event, for a link.
type auditRow struct {
	*liveblog.AuditEntry
	Slug string
}

// showAudit lists the audit log for administrators, newest first, a page at
// a time, filtered by user (?user=id) and event (?event=slug).
func (s *Server) showAudit(w http.ResponseWriter, r *http.Request) error {
	if err := authorize(r, liveblog.ActionManageUsers, nil); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	page := auditPage{Event: q.Get("event")}
	f := liveblog.AuditFilter{Limit: liveblog.DefaultAuditLimit}
	var err error
	if v := q.Get("user"); v != "" {
		if page.UserID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return liveblog.FieldError("user", "Choose a user from the list.")
		}
		f.UserID = page.UserID
	}
	if v := q.Get("before"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil {
			return liveblog.FieldError("before", "The page is not one this log gave.")
		}
	}
	if page.Event != "" {
		ev, err := s.eventBySlug(ctx, page.Event)
		if err != nil {
			return err
		}
		f.EventID = ev.ID
	}
	entries, err := s.store.FindAudit(ctx, f)
	if err != nil {
		return err
	}
	if page.Users, err = s.store.FindUsers(ctx); err != nil {
		return err
	}
	// Entries name events by id; the page shows the slug, looked up once
	// per event shown. An event that is gone keeps its id.
	slugs := map[int64]string{}
	for _, a := range entries {
		slug, seen := slugs[a.EventID]
		if !seen && a.EventID != 0 {
			if ev, err := s.store.FindEventByID(ctx, a.EventID); err == nil {
				slug = ev.Slug
			}
			slugs[a.EventID] = slug
		}
		page.Entries = append(page.Entries, auditRow{AuditEntry: a, Slug: slug})
	}
	if f.UserID == 0 && f.EventID == 0 && f.Before == 0 {
		if page.Failures, err = s.store.FindSignInFailures(ctx, liveblog.DefaultAuditLimit); err != nil {
			return err
		}
	}
	if len(entries) == f.Limit {
		next := url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].ID, 10)}}
		if page.UserID != 0 {
			next.Set("user", strconv.FormatInt(page.UserID, 10))
		}
		if page.Event != "" {
			next.Set("event", page.Event)
		}
		page.Next = "/desk/audit?" + next.Encode()
	}
	return s.renderDesk(w, r, http.StatusOK, "desk_audit", &deskView{Title: "Audit log", Data: page})
}
