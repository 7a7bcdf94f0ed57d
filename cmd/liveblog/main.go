// Command liveblog runs a live-coverage newsroom: the reader pages, the live
// stream, the newsroom API and the tools that manage an instance's data.
//
//	liveblog demo      serve a demo newsroom that keeps publishing
//	liveblog serve     serve for real
//	liveblog token     create, list and revoke API tokens
//	liveblog user      create and manage newsroom accounts
//	liveblog import    import a text dump of a live page, or an exported event
//	liveblog export    write an event as a lossless JSON document
//	liveblog archive   write an event as a static site
//	liveblog backup    make a consistent online backup
//	liveblog restore   restore a backup into a data directory
//	liveblog migrate   copy an instance from SQLite to PostgreSQL
//	liveblog version   print the version (also liveblog --version)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	var ue usageError
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.As(err, &ue) {
		fmt.Fprintln(os.Stderr, "liveblog:", err)
	}
	os.Exit(exitStatus(err))
}

// run dispatches a subcommand. It takes its streams as arguments so the
// end-to-end tests run the real command in process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("want a command")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr, false)
	case "demo":
		return runServe(ctx, rest, stdout, stderr, true)
	case "token":
		return runToken(ctx, rest, stdout, stderr)
	case "user":
		return runUser(ctx, rest, stdin, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdout, stderr)
	case "archive":
		return runArchive(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, versionString())
		return nil
	}
	if isHelp(cmd) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}
