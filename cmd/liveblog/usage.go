package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

const usage = `liveblog runs live coverage pages.

Usage:
  liveblog <command> [flags]

Commands:
  demo      serve a demo newsroom that keeps publishing (for a first look)
  serve     serve the newsroom and its reader pages
  token     manage API tokens: token create --name NAME [--user EMAIL] | token list | token revoke ID
  user      manage newsroom accounts: user create --admin|--editor|--reporter --email E --name N | list | ...
  import    import coverage: import text FILE --event SLUG [--title T] [--state S] [--dry-run] ...
            | import json FILE [--slug NEW] [--media-dir DIR]
  export    write an event as a JSON document: export SLUG [--media-dir DIR] > event.json
  archive   write an event as a static site: archive SLUG --out DIR [--site-name NAME]
  backup    write a consistent online backup of the database and media: backup --out FILE.tar
  restore   restore a backup: restore --from FILE.tar --data DIR [--force]
  migrate   copy an instance from SQLite to PostgreSQL: migrate --to postgres://... [--from sqlite:PATH]
  version   print the version (also --version)

Every command that touches an instance's data takes --data DIR (env LIVEBLOG_DATA);
serve, token and user also take --database postgres://... (env LIVEBLOG_DATABASE)
for an instance of several nodes, and serve takes --nats URL (env LIVEBLOG_NATS).
Commands that add to an instance (serve, demo, user create, token create, import,
restore) create the data directory when it does not exist.
Run "liveblog <command> -h" for its flags.
`

// usageError is a command line that is not one. What is wrong has been
// printed with the usage already, so main only sets the exit status: 2, as
// for the flag package's own programs.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitStatus is the status the process ends with after run returned err:
// 0 for a usage asked for with -h.
func exitStatus(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// setUsage gives a subcommand's flag set the usage -h prints: how the command
// is called, what it does, then its flags.
func setUsage(fs *flag.FlagSet, synopsis, about string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s\n\n", synopsis)
		if about != "" {
			fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(about))
		}
		fmt.Fprintln(w, "Flags:")
		fs.PrintDefaults()
	}
}

// parseFlags parses a subcommand's flags. Usage asked for with -h goes to
// standard output and returns flag.ErrHelp (exit status 0); a mistake goes to
// the flag set's output, standard error, with the usage (exit status 2).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	stderr := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		stdout.Write(buf.Bytes())
		return flag.ErrHelp
	case err != nil:
		stderr.Write(buf.Bytes())
		return usageError{err}
	}
	return nil
}

// parseWithArg parses flags given before, after or on both sides of one
// positional argument (a file, a slug), and returns that argument. The flag
// package stops at the first argument that is not a flag; parsing resumes
// after it.
func parseWithArg(fs *flag.FlagSet, args []string, stdout io.Writer) (string, error) {
	var arg string
	for {
		if err := parseFlags(fs, args, stdout); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			return arg, nil
		}
		if arg != "" {
			err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
			fmt.Fprintf(fs.Output(), "%s: %v\n", fs.Name(), err)
			fs.Usage()
			return "", usageError{err}
		}
		arg, args = fs.Arg(0), fs.Args()[1:]
	}
}

// isHelp reports whether arg asks for help, as a command group's first
// argument (liveblog token -h).
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// groupUsage answers a command group (token, user, import) called without a
// subcommand or with -h: its usage on standard output when asked for, on
// standard error as a usage error when the subcommand is missing or unknown.
func groupUsage(text string, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, text)
		return flag.ErrHelp
	}
	err := errors.New("want a subcommand")
	if len(args) > 0 {
		err = fmt.Errorf("unknown subcommand %q", args[0])
	}
	fmt.Fprintf(stderr, "%v\n\n%s", err, text)
	return usageError{err}
}
