package liveblog

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to exactly one HTTP status in the http package.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOLARGE     = "too_large"
	EGONE         = "gone"
)

// Error is a domain error a user can act on. Message is safe to show; Field,
// when set, names the input that caused it (a JSON pointer-like path such as
// "blocks[2].url").
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("liveblog: %s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("liveblog: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an invalid-input error that names the offending field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic text so that no detail of the machine leaks to a reader.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ConflictError reports a stale version: the caller edited version Got while
// the record is at Current. The http package returns it as 409 with both.
type ConflictError struct {
	Current int
	Got     int
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("liveblog: conflict: edited version %d but the current version is %d", e.Got, e.Current)
}

// Unwrap lets ErrorCode see a conflict.
func (e *ConflictError) Unwrap() error {
	return &Error{Code: ECONFLICT, Message: fmt.Sprintf("This was changed by someone else: you edited version %d, the current version is %d. Reload to see their change.", e.Got, e.Current)}
}

// Errors the stores return for a record that is not there, or whose key is
// taken.
var (
	ErrNoEvent   = Errorf(ENOTFOUND, "Event not found.")
	ErrNoPost    = Errorf(ENOTFOUND, "Post not found.")
	ErrNoUser    = Errorf(ENOTFOUND, "User not found.")
	ErrNoSession = Errorf(ENOTFOUND, "Session not found.")
	ErrNoToken   = Errorf(ENOTFOUND, "Token not found.")
	ErrNoWebhook = Errorf(ENOTFOUND, "Webhook not found.")
	ErrNoKey     = Errorf(ENOTFOUND, "No request with this Idempotency-Key.")

	ErrSlugTaken  = &Error{Code: ECONFLICT, Field: "slug", Message: "Another event already uses this slug."}
	ErrEmailTaken = &Error{Code: ECONFLICT, Field: "email", Message: "A user with this email address already exists."}
	ErrTokenTaken = &Error{Code: ECONFLICT, Field: "hash", Message: "A token with this secret already exists."}
	ErrKeyTaken   = &Error{Code: ECONFLICT, Field: "Idempotency-Key",
		Message: "A request with this Idempotency-Key was made at the same time; repeat it to get its response."}
)

// checkVersion refuses an edit of a version other than the current one.
func checkVersion(current, got int) error {
	if current != got {
		return &ConflictError{Current: current, Got: got}
	}
	return nil
}

// utc is how a time is stored: UTC, to the microsecond, so that what is read
// back is exactly what was written.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}
