package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/argon2id"
)

const userUsage = `liveblog user manages the newsroom's accounts.

  user create --admin|--editor|--reporter --email E --name N [--byline-role R] [--avatar URL]
                                   (creates the data directory when it does not exist)
  user list
  user password --email E          set a new password (ends the user's sessions)
  user disable --email E           stop the user signing in (ends their sessions and tokens)
  user enable --email E

The password is read from LIVEBLOG_PASSWORD, from --password-file (env
LIVEBLOG_PASSWORD_FILE), or asked for at the terminal; never from a flag, which
would leave it in the shell history and the process list.
`

func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		return groupUsage(userUsage, args, stdout, stderr)
	}
	var cfg Config
	sub := args[0]
	switch sub {
	case "create", "password", "disable", "enable", "list":
	default:
		return groupUsage(userUsage, args, stdout, stderr)
	}
	fs := newFlagSet("user "+sub, stderr, &cfg, false)
	setUsage(fs, "liveblog user "+sub+" [flags]", userUsage)
	email := fs.String("email", "", "the user's email address, which they sign in with")
	passwordFile := fs.String("password-file", env("LIVEBLOG_PASSWORD_FILE", ""), "read the password from this file (env LIVEBLOG_PASSWORD_FILE)")
	var name, bylineRole, avatar string
	var admin, editor, reporter bool
	if sub == "create" {
		fs.StringVar(&name, "name", "", "the user's full name, also their byline (required)")
		fs.StringVar(&bylineRole, "byline-role", "", `the role line of their byline, e.g. "Political editor"`)
		fs.StringVar(&avatar, "avatar", "", "the address of their byline photo (https://... or /media/...)")
		fs.BoolVar(&admin, "admin", false, "administrator: everything, including users and tokens")
		fs.BoolVar(&editor, "editor", false, "editor: runs events, any post, pins, flags, key points, coverage")
		fs.BoolVar(&reporter, "reporter", false, "reporter: creates and publishes posts, edits their own")
	}
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("user %s: unexpected argument %q (a password is never a flag or argument)", sub, fs.Arg(0))
	}
	if sub != "list" && *email == "" {
		return fmt.Errorf("user %s: --email is required", sub)
	}

	var role liveblog.Role
	if sub == "create" {
		n := 0
		for _, r := range []struct {
			set  bool
			role liveblog.Role
		}{{admin, liveblog.RoleAdmin}, {editor, liveblog.RoleEditor}, {reporter, liveblog.RoleReporter}} {
			if r.set {
				n, role = n+1, r.role
			}
		}
		if n != 1 {
			return errors.New("user create: give exactly one of --admin, --editor, --reporter")
		}
		if strings.TrimSpace(name) == "" {
			return errors.New("user create: --name is required")
		}
	}

	open := openInstance
	if sub == "create" {
		open = createInstance
	}
	store, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()

	switch sub {
	case "create":
		password, err := readPassword(ctx, stdin, stderr, *passwordFile, true)
		if err != nil {
			return fmt.Errorf("user create: %w", err)
		}
		u := &liveblog.User{Email: *email, Name: name, Role: role, Byline: liveblog.Contributor{Role: bylineRole, Avatar: avatar},
			PasswordHash: argon2id.Hash(password)}
		if err := store.CreateUser(ctx, cliWrite(liveblog.AuditUserCreate, u.Email), u); err != nil {
			return fmt.Errorf("user create: %s", describe(err))
		}
		fmt.Fprintf(stdout, "Created %s %s (%s), user %d.\n", u.Role, u.Name, u.Email, u.ID)
		return nil
	case "list":
		users, err := store.FindUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tBYLINE\tSTATUS")
		for _, u := range users {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			byline := u.Byline.Name
			if u.Byline.Role != "" {
				byline += ", " + u.Byline.Role
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, byline, status)
		}
		return tw.Flush()
	}

	u, err := store.FindUserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("user %s: %s", sub, describe(err))
	}
	switch sub {
	case "password":
		password, err := readPassword(ctx, stdin, stderr, *passwordFile, true)
		if err != nil {
			return fmt.Errorf("user password: %w", err)
		}
		if err := store.SetPassword(ctx, cliWrite(liveblog.AuditPassword, u.Email), u.ID, argon2id.Hash(password), ""); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Set a new password for %s; their sessions have ended.\n", u.Email)
	case "disable", "enable":
		disabled := sub == "disable"
		if _, err := store.UpdateUser(ctx, cliWrite(liveblog.AuditUserUpdate, sub+" "+u.Email), u.ID, liveblog.UserUpdate{Disabled: &disabled, Version: u.Version}); err != nil {
			return fmt.Errorf("user %s: %s", sub, describe(err))
		}
		fmt.Fprintf(stdout, "%s is now %sd.\n", u.Email, sub)
	}
	return nil
}

// readPassword reads a new password from LIVEBLOG_PASSWORD, a file, or the
// terminal (twice, without echo), and checks it.
func readPassword(ctx context.Context, stdin io.Reader, stderr io.Writer, file string, confirm bool) (string, error) {
	var password string
	switch {
	case os.Getenv("LIVEBLOG_PASSWORD") != "":
		password = os.Getenv("LIVEBLOG_PASSWORD")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		// Editors and `echo` end files with a newline that is not part of
		// the password.
		password = strings.TrimRight(string(b), "\r\n")
	default:
		f, isFile := stdin.(*os.File)
		if !isFile || !isTerminal(f) {
			// Piped in: one line, as `printf '%s\n' "$PW" | liveblog user ...`.
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return "", errors.New("no password: set LIVEBLOG_PASSWORD, use --password-file, or run at a terminal")
			}
			password = strings.TrimRight(line, "\r\n")
			break
		}
		var err error
		if password, err = prompt(ctx, f, stderr, "Password: "); err != nil {
			return "", err
		}
		if confirm {
			again, err := prompt(ctx, f, stderr, "Again: ")
			if err != nil {
				return "", err
			}
			if again != password {
				return "", errors.New("the two passwords differ")
			}
		}
	}
	if err := liveblog.ValidatePassword(password); err != nil {
		return "", errors.New(liveblog.ErrorMessage(err))
	}
	return password, nil
}

// prompt asks for a line at the terminal without echoing it where the
// platform allows (see password_*.go). Ctrl+C (which ends ctx) gives the
// terminal its echo back before the command stops, rather than leaving the
// shell typing blind.
func prompt(ctx context.Context, f *os.File, stderr io.Writer, label string) (string, error) {
	fmt.Fprint(stderr, label)
	restore, hidden := hideInput(f)
	defer restore()
	if !hidden {
		fmt.Fprint(stderr, "(input is shown on this platform) ")
	}
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(f).ReadString('\n')
		done <- result{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(stderr)
		return "", ctx.Err()
	case r := <-done:
		if hidden {
			fmt.Fprintln(stderr)
		}
		if r.err != nil && r.line == "" {
			return "", fmt.Errorf("reading the password: %w", r.err)
		}
		return strings.TrimRight(r.line, "\r\n"), nil
	}
}
