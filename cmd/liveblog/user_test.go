package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/argon2id"
	"github.com/liveblog/liveblog/sqlite"
)

// runCLI runs the command in process against the data directory dir.
func runCLI(t *testing.T, dir string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args[:len(args):len(args)], "--data", dir)
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// newDataDir returns a data directory with an initialised database.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	return dir
}

func findUser(t *testing.T, dir, email string) *liveblog.User {
	t.Helper()
	u, err := openData(t, dir).FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUserCreate(t *testing.T) {
	t.Run("PasswordFromEnv", func(t *testing.T) {
		dir := newDataDir(t)
		t.Setenv("LIVEBLOG_PASSWORD", "correct horse battery")
		out, _, err := runCLI(t, dir, "", "user", "create", "--editor", "--email", "Ann@Example.com", "--name", "Ann Editor", "--byline-role", "Live editor")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Created editor Ann Editor (ann@example.com)") {
			t.Errorf("stdout = %q", out)
		}
		u := findUser(t, dir, "ann@example.com")
		if u.Role != liveblog.RoleEditor || u.Byline != (liveblog.Contributor{Name: "Ann Editor", Role: "Live editor"}) {
			t.Errorf("user = %+v", u)
		}
		if ok, err := argon2id.Verify(u.PasswordHash, "correct horse battery"); !ok || err != nil {
			t.Errorf("password does not verify: %v %v", ok, err)
		}
	})
	t.Run("PasswordFile", func(t *testing.T) {
		dir := newDataDir(t)
		t.Setenv("LIVEBLOG_PASSWORD", "")
		file := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(file, []byte("from a file, long enough\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := runCLI(t, dir, "", "user", "create", "--reporter", "--email", "bob@example.com", "--name", "Bob", "--password-file", file); err != nil {
			t.Fatal(err)
		}
		if ok, _ := argon2id.Verify(findUser(t, dir, "bob@example.com").PasswordHash, "from a file, long enough"); !ok {
			t.Errorf("the file's password (without its newline) does not verify")
		}
	})
	t.Run("PasswordPiped", func(t *testing.T) {
		dir := newDataDir(t)
		t.Setenv("LIVEBLOG_PASSWORD", "")
		if _, _, err := runCLI(t, dir, "piped password line\n", "user", "create", "--admin", "--email", "cat@example.com", "--name", "Cat"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := argon2id.Verify(findUser(t, dir, "cat@example.com").PasswordHash, "piped password line"); !ok {
			t.Errorf("the piped password does not verify")
		}
	})
	t.Run("Refused", func(t *testing.T) {
		dir := newDataDir(t)
		t.Setenv("LIVEBLOG_PASSWORD", "correct horse battery")
		for _, tt := range []struct {
			name string
			args []string
			want string
		}{
			{"NoRole", []string{"--email", "a@example.com", "--name", "A"}, "exactly one of"},
			{"TwoRoles", []string{"--admin", "--editor", "--email", "a@example.com", "--name", "A"}, "exactly one of"},
			{"NoEmail", []string{"--admin", "--name", "A"}, "--email is required"},
			{"NoName", []string{"--admin", "--email", "a@example.com"}, "--name is required"},
			{"PasswordArgument", []string{"--admin", "--email", "a@example.com", "--name", "A", "hunter2hunter2"}, "never a flag"},
			{"PasswordFlag", []string{"--admin", "--email", "a@example.com", "--name", "A", "--password", "x"}, "not defined"},
			{"BadEmail", []string{"--admin", "--email", "nobody", "--name", "A"}, "email"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, stderr, err := runCLI(t, dir, "", append([]string{"user", "create"}, tt.args...)...)
				if err == nil || !strings.Contains(err.Error()+stderr, tt.want) {
					t.Errorf("err = %v (stderr %q), want one saying %q", err, stderr, tt.want)
				}
			})
		}
	})
	t.Run("ShortPassword", func(t *testing.T) {
		dir := newDataDir(t)
		t.Setenv("LIVEBLOG_PASSWORD", "short")
		_, _, err := runCLI(t, dir, "", "user", "create", "--admin", "--email", "a@example.com", "--name", "A")
		if err == nil || !strings.Contains(err.Error(), "at least 10") {
			t.Errorf("err = %v, want the length rule", err)
		}
	})
	t.Run("Duplicate", func(t *testing.T) {
		dir := newDataDir(t)
		t.Setenv("LIVEBLOG_PASSWORD", "correct horse battery")
		args := []string{"user", "create", "--admin", "--email", "a@example.com", "--name", "A"}
		if _, _, err := runCLI(t, dir, "", args...); err != nil {
			t.Fatal(err)
		}
		if _, _, err := runCLI(t, dir, "", args...); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("err = %v, want already exists", err)
		}
	})
}

func TestUserDisable(t *testing.T) {
	dir := newDataDir(t)
	t.Setenv("LIVEBLOG_PASSWORD", "correct horse battery")
	if _, _, err := runCLI(t, dir, "", "user", "create", "--reporter", "--email", "ann@example.com", "--name", "Ann"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, dir, "", "user", "disable", "--email", "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	if u := findUser(t, dir, "ann@example.com"); !u.Disabled {
		t.Errorf("user is not disabled")
	}
	out, _, err := runCLI(t, dir, "", "user", "list")
	if err != nil || !strings.Contains(out, "ann@example.com") || !strings.Contains(out, "disabled") {
		t.Errorf("list = %q, %v", out, err)
	}
	if _, _, err := runCLI(t, dir, "", "user", "enable", "--email", "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	if u := findUser(t, dir, "ann@example.com"); u.Disabled {
		t.Errorf("user is still disabled")
	}
	t.Setenv("LIVEBLOG_PASSWORD", "a brand new password")
	if _, _, err := runCLI(t, dir, "", "user", "password", "--email", "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := argon2id.Verify(findUser(t, dir, "ann@example.com").PasswordHash, "a brand new password"); !ok {
		t.Errorf("the new password does not verify")
	}
	out, _, err = runCLI(t, dir, "", "token", "create", "--name", "ann's script", "--user", "ann@example.com")
	if err != nil || !strings.HasPrefix(out, liveblog.TokenPrefix) {
		t.Errorf("token create --user = %q, %v", out, err)
	}
	if _, _, err := runCLI(t, dir, "", "token", "create", "--name", "x", "--user", "nobody@example.com"); err == nil {
		t.Errorf("token create for an unknown user succeeded")
	}
}
