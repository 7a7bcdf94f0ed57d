package livetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// OpenUserStore returns a fresh, empty user store that reads the time from
// now, and closes it with t.Cleanup.
type OpenUserStore func(t *testing.T, now func() time.Time) liveblog.UserStore

// TestUserStore runs the contract every liveblog.UserStore must meet.
func TestUserStore(t *testing.T, open OpenUserStore) {
	t.Run("User", func(t *testing.T) { testUsers(t, open) })
	t.Run("Session", func(t *testing.T) { testSessions(t, open) })
	t.Run("LoginAttempt", func(t *testing.T) { testLoginAttempts(t, open) })
	t.Run("SignInFailures", func(t *testing.T) { testSignInFailures(t, open) })
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 2, 13, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testHash is a stand-in password hash: the store keeps whatever it is given.
const testHash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

func newUser(t *testing.T, s liveblog.UserStore, email string, role liveblog.Role) *liveblog.User {
	t.Helper()
	u := &liveblog.User{Email: email, Name: "User " + email, Role: role, PasswordHash: testHash}
	if err := s.CreateUser(context.Background(), liveblog.Write{}, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func newSession(t *testing.T, s liveblog.UserStore, userID int64) *liveblog.Session {
	t.Helper()
	_, hash := liveblog.NewSessionSecret()
	sess := &liveblog.Session{Hash: hash, UserID: userID}
	if err := s.CreateSession(context.Background(), sess); err != nil {
		t.Fatal(err)
	}
	return sess
}

func testUsers(t *testing.T, open OpenUserStore) {
	ctx := context.Background()
	t.Run("Create", func(t *testing.T) {
		s := open(t, newClock().now)
		u := &liveblog.User{Email: "  Ann@Example.COM ", Name: "Ann Reporter", Role: liveblog.RoleReporter, PasswordHash: testHash,
			Byline: liveblog.Contributor{Role: "Political correspondent"}}
		if err := s.CreateUser(ctx, liveblog.Write{}, u); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Version != 1 || u.CreatedAt.IsZero() || u.Email != "ann@example.com" {
			t.Errorf("created user = %+v, want an id, version 1, a time and the normalised email", u)
		}
		if got, want := u.Byline, (liveblog.Contributor{Name: "Ann Reporter", Role: "Political correspondent"}); got != want {
			t.Errorf("byline = %+v, want %+v", got, want)
		}
		got, err := s.FindUserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "user", got, u)
		if got.PasswordHash != testHash {
			t.Errorf("password hash = %q, want it kept", got.PasswordHash)
		}
	})
	t.Run("ErrEmailInUse", func(t *testing.T) {
		s := open(t, newClock().now)
		newUser(t, s, "ann@example.com", liveblog.RoleReporter)
		err := s.CreateUser(ctx, liveblog.Write{}, &liveblog.User{Email: "ANN@example.com", Name: "Other Ann", Role: liveblog.RoleEditor, PasswordHash: testHash})
		wantError(t, err, liveblog.ECONFLICT, "email")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		s := open(t, newClock().now)
		for _, tt := range []struct {
			name, field string
			user        liveblog.User
		}{
			{"Email", "email", liveblog.User{Email: "ann", Name: "Ann", Role: liveblog.RoleAdmin, PasswordHash: testHash}},
			{"Role", "role", liveblog.User{Email: "ann@example.com", Name: "Ann", Role: "owner", PasswordHash: testHash}},
			{"Name", "name", liveblog.User{Email: "ann@example.com", Name: " ", Role: liveblog.RoleAdmin, PasswordHash: testHash}},
			{"Password", "password", liveblog.User{Email: "ann@example.com", Name: "Ann", Role: liveblog.RoleAdmin}},
			{"Avatar", "byline.avatar", liveblog.User{Email: "ann@example.com", Name: "Ann", Role: liveblog.RoleAdmin, PasswordHash: testHash,
				Byline: liveblog.Contributor{Avatar: "javascript:alert(1)"}}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				u := tt.user
				wantError(t, s.CreateUser(ctx, liveblog.Write{}, &u), liveblog.EINVALID, tt.field)
			})
		}
		if users, err := s.FindUsers(ctx); err != nil || len(users) != 0 {
			t.Errorf("FindUsers = %d users, %v; want none stored", len(users), err)
		}
	})
	t.Run("FindUserByEmail", func(t *testing.T) {
		s := open(t, newClock().now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleReporter)
		got, err := s.FindUserByEmail(ctx, " ANN@example.com")
		if err != nil || got.ID != u.ID {
			t.Errorf("FindUserByEmail = %+v, %v; want user %d", got, err, u.ID)
		}
		_, err = s.FindUserByEmail(ctx, "bob@example.com")
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, err = s.FindUserByID(ctx, u.ID+100)
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
	t.Run("FindUsers", func(t *testing.T) {
		s := open(t, newClock().now)
		for _, name := range []string{"Zoe", "ann", "Bob"} {
			if err := s.CreateUser(ctx, liveblog.Write{}, &liveblog.User{Email: name + "@example.com", Name: name, Role: liveblog.RoleReporter, PasswordHash: testHash}); err != nil {
				t.Fatal(err)
			}
		}
		users, err := s.FindUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range users {
			names = append(names, u.Name)
		}
		sameJSON(t, "names", names, []string{"ann", "Bob", "Zoe"})
	})
	t.Run("Update", func(t *testing.T) {
		s := open(t, newClock().now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleReporter)
		got, err := s.UpdateUser(ctx, liveblog.Write{}, u.ID, liveblog.UserUpdate{Role: ptr(liveblog.RoleEditor),
			Byline: &liveblog.Contributor{Name: "Ann R.", Role: "Desk editor"}, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got.Role != liveblog.RoleEditor || got.Byline.Name != "Ann R." || got.Version != 2 || got.Name != u.Name {
			t.Errorf("updated user = %+v", got)
		}
		_, err = s.UpdateUser(ctx, liveblog.Write{}, u.ID, liveblog.UserUpdate{Name: ptr("Stale"), Version: 1})
		wantConflict(t, err, 2, 1)
		_, err = s.UpdateUser(ctx, liveblog.Write{}, u.ID, liveblog.UserUpdate{Role: ptr(liveblog.Role("owner")), Version: 2})
		wantError(t, err, liveblog.EINVALID, "role")
		_, err = s.UpdateUser(ctx, liveblog.Write{}, u.ID+100, liveblog.UserUpdate{Version: 1})
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
	t.Run("DisableEndsSessions", func(t *testing.T) {
		s := open(t, newClock().now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleReporter)
		other := newUser(t, s, "bob@example.com", liveblog.RoleReporter)
		sess, keep := newSession(t, s, u.ID), newSession(t, s, other.ID)
		if _, err := s.UpdateUser(ctx, liveblog.Write{}, u.ID, liveblog.UserUpdate{Disabled: ptr(true), Version: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindSessionByHash(ctx, sess.Hash)
		wantError(t, err, liveblog.ENOTFOUND, "")
		if _, err := s.FindSessionByHash(ctx, keep.Hash); err != nil {
			t.Errorf("another user's session: %v", err)
		}
		_, hash := liveblog.NewSessionSecret()
		wantError(t, s.CreateSession(ctx, &liveblog.Session{Hash: hash, UserID: u.ID}), liveblog.EFORBIDDEN, "")
		// Enabling the account again does not bring the old session back.
		if _, err := s.UpdateUser(ctx, liveblog.Write{}, u.ID, liveblog.UserUpdate{Disabled: ptr(false), Version: 2}); err != nil {
			t.Fatal(err)
		}
		_, err = s.FindSessionByHash(ctx, sess.Hash)
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
	t.Run("SetPassword", func(t *testing.T) {
		s := open(t, newClock().now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleReporter)
		here, elsewhere := newSession(t, s, u.ID), newSession(t, s, u.ID)
		if err := s.SetPassword(ctx, liveblog.Write{}, u.ID, "$argon2id$new", here.Hash); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindUserByID(ctx, u.ID)
		if err != nil || got.PasswordHash != "$argon2id$new" || got.Version != 2 {
			t.Errorf("user = %+v, %v; want the new hash at version 2", got, err)
		}
		if _, err := s.FindSessionByHash(ctx, here.Hash); err != nil {
			t.Errorf("the session that changed the password: %v", err)
		}
		_, err = s.FindSessionByHash(ctx, elsewhere.Hash)
		wantError(t, err, liveblog.ENOTFOUND, "")
		wantError(t, s.SetPassword(ctx, liveblog.Write{}, u.ID+100, "$argon2id$x", ""), liveblog.ENOTFOUND, "")
	})
}

func testSessions(t *testing.T, open OpenUserStore) {
	ctx := context.Background()
	t.Run("Create", func(t *testing.T) {
		clock := newClock()
		s := open(t, clock.now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleEditor)
		sess := newSession(t, s, u.ID)
		if !sess.CreatedAt.Equal(clock.now()) || !sess.ExpiresAt.Equal(clock.now().Add(liveblog.SessionLifetime)) || !sess.LastSeenAt.Equal(clock.now()) {
			t.Errorf("session times = %v %v %v", sess.CreatedAt, sess.ExpiresAt, sess.LastSeenAt)
		}
		got, err := s.FindSessionByHash(ctx, sess.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != u.ID || got.User == nil || got.User.Email != "ann@example.com" || got.User.Role != liveblog.RoleEditor {
			t.Errorf("session = %+v with user %+v", got, got.User)
		}
		_, err = s.FindSessionByHash(ctx, liveblog.HashToken("unknown"))
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, hash := liveblog.NewSessionSecret()
		wantError(t, s.CreateSession(ctx, &liveblog.Session{Hash: hash, UserID: u.ID + 100}), liveblog.ENOTFOUND, "")
	})
	t.Run("LastSeen", func(t *testing.T) {
		clock := newClock()
		s := open(t, clock.now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleEditor)
		sess := newSession(t, s, u.ID)
		clock.advance(liveblog.SessionSeenResolution / 2)
		if got, err := s.FindSessionByHash(ctx, sess.Hash); err != nil || !got.LastSeenAt.Equal(sess.LastSeenAt) {
			t.Errorf("last seen within the resolution = %v, %v; want unchanged %v", got.LastSeenAt, err, sess.LastSeenAt)
		}
		clock.advance(liveblog.SessionSeenResolution)
		if got, err := s.FindSessionByHash(ctx, sess.Hash); err != nil || !got.LastSeenAt.Equal(clock.now()) {
			t.Errorf("last seen = %v, %v; want %v", got.LastSeenAt, err, clock.now())
		}
	})
	t.Run("IdleTimeout", func(t *testing.T) {
		clock := newClock()
		s := open(t, clock.now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleEditor)
		sess := newSession(t, s, u.ID)
		clock.advance(liveblog.SessionIdleTimeout - time.Minute)
		if _, err := s.FindSessionByHash(ctx, sess.Hash); err != nil {
			t.Fatalf("a session used within the idle timeout: %v", err)
		}
		clock.advance(liveblog.SessionIdleTimeout - time.Minute)
		if _, err := s.FindSessionByHash(ctx, sess.Hash); err != nil {
			t.Fatalf("a session kept busy: %v", err)
		}
		clock.advance(liveblog.SessionIdleTimeout + time.Second)
		_, err := s.FindSessionByHash(ctx, sess.Hash)
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
	t.Run("Lifetime", func(t *testing.T) {
		clock := newClock()
		s := open(t, clock.now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleEditor)
		sess := newSession(t, s, u.ID)
		// Busy all week: the session still ends.
		for clock.now().Before(sess.ExpiresAt.Add(-liveblog.SessionIdleTimeout)) {
			clock.advance(liveblog.SessionIdleTimeout / 2)
			if _, err := s.FindSessionByHash(ctx, sess.Hash); err != nil {
				t.Fatalf("at %v: %v", clock.now(), err)
			}
		}
		clock.advance(liveblog.SessionIdleTimeout)
		_, err := s.FindSessionByHash(ctx, sess.Hash)
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
	t.Run("Delete", func(t *testing.T) {
		s := open(t, newClock().now)
		u := newUser(t, s, "ann@example.com", liveblog.RoleEditor)
		sess, other := newSession(t, s, u.ID), newSession(t, s, u.ID)
		if err := s.DeleteSession(ctx, liveblog.Write{}, sess.Hash); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindSessionByHash(ctx, sess.Hash)
		wantError(t, err, liveblog.ENOTFOUND, "")
		if _, err := s.FindSessionByHash(ctx, other.Hash); err != nil {
			t.Errorf("the user's other session: %v", err)
		}
		if err := s.DeleteSession(ctx, liveblog.Write{}, sess.Hash); err != nil {
			t.Errorf("deleting a deleted session: %v", err)
		}
	})
}

func testLoginAttempts(t *testing.T, open OpenUserStore) {
	ctx := context.Background()
	clock := newClock()
	s := open(t, clock.now)
	window := 15 * time.Minute
	record := func(attempt string, keys ...string) []int {
		t.Helper()
		counts, err := s.RecordLoginAttempt(ctx, attempt, keys, clock.now().Add(-window))
		if err != nil {
			t.Fatal(err)
		}
		return counts
	}
	sameJSON(t, "first attempt", record("a1", "account:ann", "address:1"), []int{1, 1})
	clock.advance(time.Minute)
	sameJSON(t, "second attempt", record("a2", "account:ann", "address:1"), []int{2, 2})
	sameJSON(t, "another account", record("a3", "account:bob", "address:1"), []int{1, 3})
	if err := s.ForgetLoginAttempt(ctx, "a3"); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "after a success", record("a4", "account:bob", "address:1"), []int{1, 3})
	clock.advance(window)
	// a1 has left the window; a2 is at its edge and still counts.
	sameJSON(t, "a window later", record("a5", "account:ann", "address:2"), []int{2, 1})
	clock.advance(window + time.Minute)
	sameJSON(t, "two windows later", record("a6", "account:ann", "address:1"), []int{1, 1})
}
