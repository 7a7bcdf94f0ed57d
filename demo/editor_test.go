package demo_test

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/argon2id"
	"github.com/liveblog/liveblog/demo"
	"github.com/liveblog/liveblog/sqlite"
)

func TestSeedEditor(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	password, err := demo.SeedEditor(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z2-9]{4}(-[a-z2-9]{4}){3}$`).MatchString(password) || liveblog.ValidatePassword(password) != nil {
		t.Errorf("password %q: want four groups of four letters and digits", password)
	}
	u, err := s.FindUserByEmail(ctx, demo.EditorEmail)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := argon2id.Verify(u.PasswordHash, password); !ok || err != nil {
		t.Errorf("the account does not take the password it was given: %v", err)
	}
	if u.Role != liveblog.RoleEditor || u.Name != demo.EditorName {
		t.Errorf("account: got %s %q, want editor %q", u.Role, u.Name, demo.EditorName)
	}

	// A second start finds the account and leaves its password alone.
	again, err := demo.SeedEditor(ctx, s)
	if err != nil || again != "" {
		t.Fatalf("second seed: got %q, %v; want no new password", again, err)
	}
	if u2, err := s.FindUserByEmail(ctx, demo.EditorEmail); err != nil || u2.PasswordHash != u.PasswordHash {
		t.Errorf("second seed changed the account: %v", err)
	}
}
