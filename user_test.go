package liveblog_test

import (
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

func TestCan(t *testing.T) {
	admin := &liveblog.User{ID: 1, Role: liveblog.RoleAdmin}
	editor := &liveblog.User{ID: 2, Role: liveblog.RoleEditor}
	reporter := &liveblog.User{ID: 3, Role: liveblog.RoleReporter}
	disabled := &liveblog.User{ID: 4, Role: liveblog.RoleAdmin, Disabled: true}
	own := &liveblog.Post{AuthorID: 3}
	others := &liveblog.Post{AuthorID: 2}
	imported := &liveblog.Post{AuthorID: 0}

	for _, tt := range []struct {
		name   string
		user   *liveblog.User
		action liveblog.Action
		post   *liveblog.Post
		want   bool
	}{
		{"AdminManagesUsers", admin, liveblog.ActionManageUsers, nil, true},
		{"AdminManagesTokens", admin, liveblog.ActionManageTokens, nil, true},
		{"AdminDeletesAnyPost", admin, liveblog.ActionDeletePost, others, true},
		{"EditorNoUsers", editor, liveblog.ActionManageUsers, nil, false},
		{"EditorNoTokens", editor, liveblog.ActionManageTokens, nil, false},
		{"EditorCreatesEvent", editor, liveblog.ActionCreateEvent, nil, true},
		{"EditorCoverage", editor, liveblog.ActionSetCoverage, nil, true},
		{"EditorSummary", editor, liveblog.ActionEditSummary, nil, true},
		{"EditorEditsAnyPost", editor, liveblog.ActionEditPost, own, true},
		{"EditorPins", editor, liveblog.ActionPinPost, own, true},
		{"EditorFlags", editor, liveblog.ActionFlagPost, own, true},
		{"EditorDeletesAnyPost", editor, liveblog.ActionDeletePost, own, true},
		{"EditorRestores", editor, liveblog.ActionRestorePost, own, true},
		{"ReporterCreatesPost", reporter, liveblog.ActionCreatePost, nil, true},
		{"ReporterUploads", reporter, liveblog.ActionUploadMedia, nil, true},
		{"ReporterEditsOwn", reporter, liveblog.ActionEditPost, own, true},
		{"ReporterDeletesOwn", reporter, liveblog.ActionDeletePost, own, true},
		{"ReporterNotOthers", reporter, liveblog.ActionEditPost, others, false},
		{"ReporterNoDeleteOfOthers", reporter, liveblog.ActionDeletePost, others, false},
		{"ReporterNotImported", reporter, liveblog.ActionEditPost, imported, false},
		{"ReporterNoPostGiven", reporter, liveblog.ActionEditPost, nil, false},
		{"ReporterNoFlags", reporter, liveblog.ActionFlagPost, own, false},
		{"ReporterNoPins", reporter, liveblog.ActionPinPost, own, false},
		{"ReporterNoRestore", reporter, liveblog.ActionRestorePost, own, false},
		{"ReporterNoEventCreate", reporter, liveblog.ActionCreateEvent, nil, false},
		{"ReporterNoEventEdit", reporter, liveblog.ActionEditEvent, nil, false},
		{"ReporterNoCoverage", reporter, liveblog.ActionSetCoverage, nil, false},
		{"ReporterNoSummary", reporter, liveblog.ActionEditSummary, nil, false},
		{"ReporterNoUsers", reporter, liveblog.ActionManageUsers, nil, false},
		{"Disabled", disabled, liveblog.ActionCreatePost, nil, false},
		{"Nobody", nil, liveblog.ActionCreatePost, nil, false},
		{"UnknownRole", &liveblog.User{ID: 5, Role: "owner"}, liveblog.ActionCreatePost, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := liveblog.Can(tt.user, tt.action, tt.post); got != tt.want {
				t.Errorf("Can(%v, %s) = %v, want %v", tt.user, tt.action, got, tt.want)
			}
		})
	}
}

func TestValidateEmail(t *testing.T) {
	for _, tt := range []struct {
		email string
		ok    bool
	}{
		{"ann@example.com", true},
		{"ann.reporter+desk@news.example.co.uk", true},
		{"ann", false},
		{"@example.com", false},
		{"ann@example", false},
		{"ann@.example.com", false},
		{"ann@example.com.", false},
		{"ann @example.com", false},
		{"ann@ex@ample.com", false},
	} {
		t.Run(tt.email, func(t *testing.T) {
			if err := liveblog.ValidateEmail(tt.email); (err == nil) != tt.ok {
				t.Errorf("ValidateEmail(%q) = %v, want ok %v", tt.email, err, tt.ok)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tt := range []struct {
		name, password string
		ok             bool
	}{
		{"Long", "correct horse battery staple", true},
		{"TenRunes", "éééééééééé", true},
		{"Short", "hunter2", false},
		{"Huge", string(make([]byte, liveblog.MaxPasswordLength+1)), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := liveblog.ValidatePassword(tt.password); (err == nil) != tt.ok {
				t.Errorf("ValidatePassword = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestSessionExpired(t *testing.T) {
	start := time.Date(2026, 2, 13, 9, 0, 0, 0, time.UTC)
	s := &liveblog.Session{CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(liveblog.SessionLifetime)}
	for _, tt := range []struct {
		name     string
		lastSeen time.Time
		now      time.Time
		want     bool
	}{
		{"Fresh", start, start.Add(time.Minute), false},
		{"Idle", start, start.Add(liveblog.SessionIdleTimeout + time.Second), true},
		{"BusyButOld", start.Add(liveblog.SessionLifetime - time.Hour), start.Add(liveblog.SessionLifetime), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s.LastSeenAt = tt.lastSeen
			if got := s.Expired(tt.now); got != tt.want {
				t.Errorf("Expired = %v, want %v", got, tt.want)
			}
		})
	}
}
