package main

import (
	"bytes"
	"errors"
	"flag"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitStatus runs the built binary as a shell does and checks what it
// prints and its exit status: 0 for help that was asked for and for the
// version, 2 for a command line that is not one.
func TestExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; not in -short")
	}
	bin := buildLiveblog(t)
	for _, c := range []struct {
		args           []string
		status         int
		stdout, stderr string
	}{
		{[]string{"--version"}, 0, "liveblog ", ""},
		{[]string{"-version"}, 0, "liveblog ", ""},
		{[]string{"version"}, 0, "liveblog ", ""},
		{[]string{"-h"}, 0, "Commands:", ""},
		{[]string{"serve", "-h"}, 0, "Usage: liveblog serve", ""},
		{[]string{"demo", "--help"}, 0, "Usage: liveblog demo", ""},
		{[]string{"token", "create", "-h"}, 0, "Usage: liveblog token create", ""},
		{[]string{"user", "-h"}, 0, "user create", ""},
		{[]string{"import", "text", "-h"}, 0, "-title", ""},
		{[]string{"migrate", "-h"}, 0, "--to", ""},
		{nil, 2, "", "Commands:"},
		{[]string{"serve", "--no-such-flag"}, 2, "", "flag provided but not defined: -no-such-flag"},
		{[]string{"nonsense"}, 2, "", `unknown command "nonsense"`},
		{[]string{"token"}, 2, "", "want a subcommand"},
		{[]string{"export", "a", "b"}, 2, "", `unexpected argument "b"`},
		{[]string{"token", "list", "--data", filepath.Join(t.TempDir(), "missing")}, 1, "", "does not exist"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, c.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			status := 0
			if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
				status = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != c.status {
				t.Errorf("exit status: got %d, want %d\nstdout: %s\nstderr: %s", status, c.status, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) || c.stdout == "" && stdout.Len() > 0 {
				t.Errorf("stdout: got %q, want %q", stdout.String(), c.stdout)
			}
			if !strings.Contains(stderr.String(), c.stderr) || c.stderr == "" && stderr.Len() > 0 {
				t.Errorf("stderr: got %q, want %q", stderr.String(), c.stderr)
			}
		})
	}
}

// TestHelp asks every command for its usage with -h: it is printed on
// standard output, says how the command is called, and is not an error.
func TestHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "Usage: liveblog serve [flags]"},
		{[]string{"demo"}, "Usage: liveblog demo [flags]"},
		{[]string{"token"}, "token create --name NAME"},
		{[]string{"token", "create"}, "Usage: liveblog token create --name NAME"},
		{[]string{"token", "list"}, "Usage: liveblog token list"},
		{[]string{"token", "revoke"}, "Usage: liveblog token revoke ID"},
		{[]string{"user"}, "user create --admin|--editor|--reporter"},
		{[]string{"user", "create"}, "-byline-role"},
		{[]string{"user", "list"}, "Usage: liveblog user list"},
		{[]string{"user", "password"}, "Usage: liveblog user password"},
		{[]string{"import"}, "import text FILE --event SLUG"},
		{[]string{"import", "text"}, "-description"},
		{[]string{"import", "json"}, "Usage: liveblog import json FILE"},
		{[]string{"export"}, "Usage: liveblog export SLUG"},
		{[]string{"archive"}, "Usage: liveblog archive SLUG --out DIR"},
		{[]string{"backup"}, "Usage: liveblog backup --out FILE"},
		{[]string{"restore"}, "Usage: liveblog restore --from FILE"},
		{[]string{"migrate"}, "liveblog migrate copies an instance"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, stderr, err := command(t, append(c.args, "-h")...)
			if !errors.Is(err, flag.ErrHelp) || exitStatus(err) != 0 {
				t.Errorf("error: got %v (exit status %d), want flag.ErrHelp (0)", err, exitStatus(err))
			}
			if !strings.Contains(stdout, c.want) {
				t.Errorf("stdout: got %q, want %q", stdout, c.want)
			}
			if stderr != "" {
				t.Errorf("stderr: got %q, want nothing", stderr)
			}
		})
	}
}
