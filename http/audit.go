package http

import (
	"context"
	"net/http"

	"github.com/liveblog/liveblog"
)

// auditActions names, in the audit log, what each writing route does. A
// route missing here is logged under its pattern, so that a new route is
// never left out of the log, only less readable in it.
var auditActions = map[string]string{
	"POST /api/v1/events":                           "event.create",
	"PATCH /api/v1/events/{slug}":                   "event.update",
	"PUT /api/v1/events/{slug}/coverage":            "event.coverage",
	"PUT /api/v1/events/{slug}/summary":             "event.summary",
	"POST /api/v1/events/{slug}/posts":              "post.create",
	"PATCH /api/v1/events/{slug}/posts/{id}":        "post.update",
	"DELETE /api/v1/events/{slug}/posts/{id}":       "post.delete",
	"PUT /api/v1/events/{slug}/posts/{id}/pin":      "post.pin",
	"POST /api/v1/events/{slug}/posts/{id}/restore": "post.restore",
	"POST /desk/logout":                             "signout",
	"POST /desk/password":                           liveblog.AuditPassword,
	"POST /desk/profile":                            "profile.update",
	"POST /desk/events":                             "event.create",
	"POST /desk/events/{slug}/coverage":             "event.coverage",
	"POST /desk/events/{slug}/summary":              "event.summary",
	"POST /desk/events/{slug}/posts":                "post.create",
	"PUT /desk/events/{slug}/posts/{id}":            "post.update",
	"POST /desk/events/{slug}/posts/{id}/delete":    "post.delete",
	"POST /desk/events/{slug}/posts/{id}/restore":   "post.restore",
	"POST /desk/media":                              "media.upload",
	"POST /desk/users":                              liveblog.AuditUserCreate,
	"POST /desk/users/{id}":                         liveblog.AuditUserUpdate,
	"POST /desk/users/{id}/tokens":                  liveblog.AuditTokenCreate,
	"POST /desk/users/{id}/tokens/{token}/revoke":   liveblog.AuditTokenRevoke,
}

// auditEntry is the audit line of a writing request by u: its route's action,
// who, and from where. The store fills in the event and post the write acted
// on.
func (s *Server) auditEntry(r *http.Request, u *liveblog.User) liveblog.AuditEntry {
	a := liveblog.AuditEntry{Action: auditActions[r.Pattern], Address: s.clientAddress(r)}
	if a.Action == "" {
		a.Action = r.Pattern
	}
	if u != nil {
		a.UserID, a.UserName = u.ID, u.Name
	}
	// On the user routes {id} is the user acted on.
	if a.Action == liveblog.AuditUserUpdate || a.Action == liveblog.AuditTokenCreate || a.Action == liveblog.AuditTokenRevoke {
		a.Detail = "user " + r.PathValue("id")
		if t := r.PathValue("token"); t != "" {
			a.Detail += ", token " + t
		}
	}
	return a
}

// withAudit gives a writing request the Write its mutation takes, with its
// audit line; reads go unchanged.
func (s *Server) withAudit(r *http.Request, u *liveblog.User) *http.Request {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r
	}
	return withWrite(r, liveblog.Write{Audit: s.auditEntry(r, u)})
}

// recordAudit writes an entry on its own, for an action that wrote nothing
// else to the store: a sign-in attempt, an image saved to disk. It is
// written just after the action, so a crash between the two loses the line;
// failing the request for it would not undo the action.
func (s *Server) recordAudit(ctx context.Context, a *liveblog.AuditEntry) {
	as, ok := s.store.(liveblog.AuditStore)
	if !ok || a.Action == "" {
		return
	}
	if err := as.RecordAudit(context.WithoutCancel(ctx), a); err != nil {
		s.logger.ErrorContext(ctx, "audit log write failed", "action", a.Action, "user", a.UserID, "err", err)
	}
}
