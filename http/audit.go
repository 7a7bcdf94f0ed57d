package http

import (
	"context"

	"github.com/liveblog/liveblog"
)

// recordAudit writes an entry on its own, for an action that wrote nothing
// else to the store: a sign-in attempt, an image saved to disk. It is
// written just after the action, so a crash between the two loses the line;
// failing the request for it would not undo the action.
func (s *Server) recordAudit(ctx context.Context, a *liveblog.AuditEntry) {
	if a.Action == "" {
		return
	}
	if err := s.store.RecordAudit(context.WithoutCancel(ctx), a); err != nil {
		s.logger.ErrorContext(ctx, "audit log write failed", "action", a.Action, "user", a.UserID, "err", err)
	}
}
