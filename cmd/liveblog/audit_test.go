package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
)

// TestCLIAudit runs the account and token commands an operator runs and
// checks that each is in the audit log, as done from the command line.
func TestCLIAudit(t *testing.T) {
	dir := newDataDir(t)
	t.Setenv("LIVEBLOG_PASSWORD", "correct horse battery")
	for _, args := range [][]string{
		{"user", "create", "--reporter", "--email", "ana@example.com", "--name", "Ana Reyes"},
		{"user", "disable", "--email", "ana@example.com"},
		{"token", "create", "--name", "wire"},
	} {
		if _, stderr, err := runCLI(t, dir, "", args...); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
	}
	// The token's id comes after the flags, which runCLI appends.
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"token", "revoke", "--data", dir, "1"}, nil, &out, &errOut); err != nil {
		t.Fatalf("token revoke: %v\n%s", err, errOut.String())
	}
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, err := s.FindAudit(context.Background(), liveblog.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range entries {
		if a.Address != "cli" || !strings.HasPrefix(a.UserName, "command line") {
			t.Errorf("entry %+v is not marked as from the command line", a)
		}
		got = append(got, a.Action)
	}
	want := []string{liveblog.AuditTokenRevoke, liveblog.AuditTokenCreate, liveblog.AuditUserUpdate, liveblog.AuditUserCreate}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("actions = %v, want %v", got, want)
	}
}
