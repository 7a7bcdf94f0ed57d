package liveblog

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a member of the newsroom may do, on the desk and through the
// API tokens that belong to them (see Can).
type Role string

// Roles, from most to least trusted.
const (
	// RoleAdmin may do everything, including managing users and tokens.
	RoleAdmin Role = "admin"
	// RoleEditor runs events: any post, pins, flags, key points, coverage,
	// deletion and restoring.
	RoleEditor Role = "editor"
	// RoleReporter writes: creates and publishes posts, edits and deletes
	// their own, and changes nothing about the event itself.
	RoleReporter Role = "reporter"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleEditor, RoleReporter:
		return true
	}
	return false
}

// User is a member of the newsroom who signs in to the desk.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	// Name is how colleagues know the user on the desk; Byline is how
	// readers see them on a post.
	Name string `json:"name"`
	// PasswordHash is an encoded password hash (see package argon2id); the
	// domain never sees a password.
	PasswordHash string `json:"-"`
	Role         Role   `json:"role"`
	// Byline is the contributor profile the composer puts on a new post by
	// default: display name, role line ("Political editor"), avatar.
	Byline Contributor `json:"byline"`
	// Disabled users cannot sign in; disabling one ends their sessions and
	// stops their API tokens at once.
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// MaxEmailLength is the longest address SMTP can carry (RFC 5321 path limit).
const MaxEmailLength = 254

// NormalizeEmail returns the form an address is stored and looked up in:
// trimmed and lowercased, so that "Ann@Example.com" signs in as
// "ann@example.com". Mailbox names are case-sensitive in theory and never in
// a newsroom's practice.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate checks a user before it is stored, normalising the email and
// giving an empty byline the user's name.
func (u *User) Validate() error {
	u.Email = NormalizeEmail(u.Email)
	if err := ValidateEmail(u.Email); err != nil {
		return err
	}
	if err := validateText("name", u.Name, MaxNameLength, true); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return FieldError("role", "Role must be admin, editor or reporter.")
	}
	if u.Byline.Name == "" {
		u.Byline.Name = u.Name
	}
	if err := u.Byline.Validate("byline"); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return FieldError("password", "A user needs a password.")
	}
	return nil
}

// ValidateEmail checks the shape of an address: something, an @, a domain
// with a dot. Whether it receives mail is not the desk's business.
func ValidateEmail(email string) error {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "@") ||
		len(email) > MaxEmailLength || !utf8.ValidString(email) || strings.ContainsFunc(email, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return FieldError("email", "Enter an email address such as ann@example.com.")
	}
	return nil
}

// MinPasswordLength is the shortest password accepted. Length is what makes
// a password hard to guess; rules about digits and symbols only make it hard
// to remember (NIST SP 800-63B).
const MinPasswordLength = 10

// MaxPasswordLength bounds the work one sign-in asks of the hash.
const MaxPasswordLength = 1024

// ValidatePassword checks a new password.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return FieldError("password", "A password needs at least %d characters.", MinPasswordLength)
	}
	if len(password) > MaxPasswordLength {
		return FieldError("password", "A password has at most %d bytes.", MaxPasswordLength)
	}
	return nil
}

// UserUpdate is an edit of a user; nil fields are left as they are. Version
// is the version being edited.
type UserUpdate struct {
	Name     *string      `json:"name"`
	Role     *Role        `json:"role"`
	Byline   *Contributor `json:"byline"`
	Disabled *bool        `json:"disabled"`
	Version  int          `json:"version"`
}

// Apply returns a copy of u with the update applied, validated.
func (upd *UserUpdate) Apply(u *User) (*User, error) {
	next := *u
	if upd.Name != nil {
		next.Name = *upd.Name
	}
	if upd.Role != nil {
		next.Role = *upd.Role
	}
	if upd.Byline != nil {
		next.Byline = *upd.Byline
	}
	if upd.Disabled != nil {
		next.Disabled = *upd.Disabled
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	return &next, nil
}

// Session is a signed-in browser. The cookie holds a random secret; the
// store keeps only its hash, so a copy of the database signs nobody in.
type Session struct {
	Hash      string    `json:"-"`
	UserID    int64     `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is the end of the session however busy it is; LastSeenAt
	// is when it was last used, to the minute (see SessionIdleTimeout).
	ExpiresAt  time.Time `json:"expires_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	// User is the signed-in user, read with the session.
	User *User `json:"-"`
}

// Session lifetimes.
const (
	// SessionLifetime is how long a sign-in lasts at most: a week of
	// shifts on one laptop without typing the password at every start.
	SessionLifetime = 7 * 24 * time.Hour
	// SessionIdleTimeout ends a session unused for longer than a shift and
	// its breaks, so a desk left open on a shared machine overnight asks
	// for the password in the morning.
	SessionIdleTimeout = 12 * time.Hour
	// SessionSeenResolution is how stale LastSeenAt may get before a use
	// rewrites it: a write per minute, not per request.
	SessionSeenResolution = time.Minute
)

// Expired reports whether the session has ended at now, by its lifetime or
// by idleness.
func (s *Session) Expired(now time.Time) bool {
	return !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) > SessionIdleTimeout
}

// NewSessionSecret returns a fresh random session secret for the cookie and
// the hash the store keeps.
func NewSessionSecret() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// UserStore keeps users, their sessions and the record of sign-in attempts
// (part of Database).
type UserStore interface {
	// CreateUser stores a new user; an email in use is a conflict naming
	// "email".
	CreateUser(ctx context.Context, w Write, u *User) error
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByEmail looks the address up in its normalised form.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// FindUsers lists every user, disabled ones included, by name.
	FindUsers(ctx context.Context) ([]*User, error)
	// UpdateUser edits a user, checking the version. Disabling a user
	// deletes their sessions in the same transaction.
	UpdateUser(ctx context.Context, w Write, id int64, upd UserUpdate) (*User, error)
	// SetPassword replaces a user's password hash and ends every session
	// of theirs except keepSession (a session hash, or "" for none): after
	// a password change, other browsers must sign in again.
	SetPassword(ctx context.Context, w Write, id int64, hash, keepSession string) error

	// CreateSession stores a new session, stamping its times, and drops
	// sessions that have expired.
	CreateSession(ctx context.Context, s *Session) error
	// FindSessionByHash returns a live session with its user and records
	// its use. An expired session, or one of a disabled user, is not found.
	FindSessionByHash(ctx context.Context, hash string) (*Session, error)
	// DeleteSession ends a session; ending one that is gone is no error.
	DeleteSession(ctx context.Context, w Write, hash string) error

	// RecordLoginAttempt counts a sign-in attempt, identified by attempt,
	// against each key (an account, a client address), drops attempts
	// older than since, and returns how many attempts each key has had
	// since then, this one included. Counting before the password is
	// checked keeps parallel guesses from racing past a limit, and keeping
	// the count in the database makes a limit hold across nodes.
	RecordLoginAttempt(ctx context.Context, attempt string, keys []string, since time.Time) ([]int, error)
	// ForgetLoginAttempt takes back an attempt that succeeded, so that only
	// failures count against a limit.
	ForgetLoginAttempt(ctx context.Context, attempt string) error
	// CountLoginAttempts returns how many attempts each key has had since
	// since, writing nothing: a client already over a limit is refused
	// before anything it typed is stored.
	CountLoginAttempts(ctx context.Context, keys []string, since time.Time) ([]int, error)

	// RecordSignInFailure adds a failed sign-in to its address's counts,
	// and drops addresses quiet for longer than SignInFailureRetention.
	RecordSignInFailure(ctx context.Context, f SignInFailure) error
	// FindSignInFailures returns the addresses with failures, the most
	// recent first, at most limit.
	FindSignInFailures(ctx context.Context, limit int) ([]*SignInFailures, error)
}

// Action is something a user may or may not do; see Can.
type Action string

// Actions, as Can judges them.
const (
	ActionCreateEvent Action = "event.create"
	// ActionEditEvent is a change of an event's title, description or zone.
	ActionEditEvent   Action = "event.edit"
	ActionSetCoverage Action = "event.coverage"
	ActionEditSummary Action = "event.summary"
	ActionCreatePost  Action = "post.create"
	// ActionEditPost is an edit of a post's text, bylines, status (publish,
	// schedule) or correction note.
	ActionEditPost Action = "post.edit"
	// ActionFlagPost is marking a post breaking or a key event, or
	// unmarking it.
	ActionFlagPost    Action = "post.flag"
	ActionPinPost     Action = "post.pin"
	ActionDeletePost  Action = "post.delete"
	ActionRestorePost Action = "post.restore"
	ActionUploadMedia Action = "media.upload"
	ActionManageUsers Action = "users.manage"
	// ActionManageTokens is creating and revoking API tokens.
	ActionManageTokens Action = "tokens.manage"
	// ActionManageWebhooks is adding and removing an event's syndication
	// webhooks and reading their delivery log.
	ActionManageWebhooks Action = "event.webhooks"
	// ActionSearchDrafts is finding drafts and scheduled posts in a
	// search of the desk, besides the published ones everyone finds.
	ActionSearchDrafts Action = "post.search_drafts"
)

// Can reports whether u may do a. p is the post acted on, nil for actions on
// an event or the instance; a reporter's rights over a post depend on
// whether they wrote it (Post.AuthorID). A nil or disabled user may do
// nothing.
//
//   - admin: everything.
//   - editor: everything on events and posts; not users or tokens.
//   - reporter: create posts and upload images; edit, publish and delete
//     their own posts; no flags, pins or restoring, nothing on the event.
func Can(u *User, a Action, p *Post) bool {
	if u == nil || u.Disabled {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleEditor:
		return a != ActionManageUsers && a != ActionManageTokens
	case RoleReporter:
		switch a {
		case ActionCreatePost, ActionUploadMedia:
			return true
		case ActionEditPost, ActionDeletePost:
			return p != nil && p.AuthorID != 0 && p.AuthorID == u.ID
		}
	}
	return false
}
