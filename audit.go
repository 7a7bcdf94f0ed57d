package liveblog

import (
	"context"
	"time"
)

// AuditEntry is one line of the audit log: who did what, when, to which
// event or post, and from which address. The log answers the questions an
// editor-in-chief asks after a post went out wrong ("who published this, and
// from where?"), so it is written in the transaction of the action itself
// wherever the store allows (see Write): an action that happened is always
// logged, and a logged action always happened.
type AuditEntry struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	// UserID is 0 for a failed sign-in and for tokens that belong to no
	// user; UserName is kept as it was, so the log still reads after a
	// user is renamed.
	UserID   int64  `json:"user_id"`
	UserName string `json:"user_name"`
	// Action names what was done, such as "post.update" or
	// "signin.failure" (see the AuditAction* constants).
	Action string `json:"action"`
	// EventID and PostID are what was acted on, 0 for neither.
	EventID int64 `json:"event_id"`
	PostID  int64 `json:"post_id"`
	// Address is the client's IP address, or "cli" for the command line.
	Address string `json:"address"`
	// Detail says more where the action alone does not: the user or token
	// acted on.
	Detail string `json:"detail"`
}

// Audit actions that are not Actions judged by Can.
const (
	AuditSignIn        = "signin.success"
	AuditSignInFailure = "signin.failure" // in logs from before failures were counted per address (SignInFailures)
	AuditPassword      = "password.change"
	AuditUserCreate    = "user.create"
	AuditUserUpdate    = "user.update"
	AuditTokenCreate   = "token.create"
	AuditTokenRevoke   = "token.revoke"
)

// DefaultAuditLimit is how many entries a page of the log shows: a busy
// hour of a big story.
const DefaultAuditLimit = 50

// AuditFilter selects entries of the log, newest first.
type AuditFilter struct {
	// UserID and EventID, when not 0, keep the entries of that user or
	// event.
	UserID  int64
	EventID int64
	// Before, when not 0, keeps entries older than the entry with this id:
	// the cursor of the next page.
	Before int64
	// Limit is at most DefaultAuditLimit*4; 0 means DefaultAuditLimit.
	Limit int
}

// AuditStore keeps the audit log. Besides the entries RecordAudit writes,
// each mutation writes the one its Write carries, in its own transaction.
type AuditStore interface {
	// RecordAudit writes an entry on its own, for actions that change
	// nothing else in the store (a failed sign-in) or that the store cannot
	// join (an image written to disk).
	RecordAudit(ctx context.Context, a *AuditEntry) error
	// FindAudit returns entries newest first.
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
}

// AuditLimit turns a requested page size into the one served.
func AuditLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultAuditLimit
	case limit > DefaultAuditLimit*4:
		return DefaultAuditLimit * 4
	}
	return limit
}
