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
//	liveblog version   print the version
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
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "liveblog:", err)
		}
		os.Exit(1)
	}
}

const usage = `liveblog runs live coverage pages.

Usage:
  liveblog <command> [flags]

Commands:
  demo      serve a demo newsroom that keeps publishing (for a first look)
  serve     serve the newsroom and its reader pages
  token     manage API tokens: token create --name NAME [--user EMAIL] | token list | token revoke ID
  user      manage newsroom accounts: user create --admin|--editor|--reporter --email E --name N | list | ...
  import    import coverage: import text FILE --event SLUG [--year Y] [--zone Z] [--dry-run]
            | import json FILE [--slug NEW] [--media-dir DIR]
  export    write an event as a JSON document: export SLUG [--media-dir DIR] > event.json
  archive   write an event as a static site: archive SLUG --out DIR [--site-name NAME]
  backup    write a consistent online backup of the database and media: backup --out FILE.tar
  restore   restore a backup: restore --from FILE.tar --data DIR [--force]
  migrate   copy an instance from SQLite to PostgreSQL: migrate --to postgres://... [--from sqlite:PATH]
  version   print the version

Every command that touches an instance's data takes --data DIR (env LIVEBLOG_DATA);
serve, token and user also take --database postgres://... (env LIVEBLOG_DATABASE)
for an instance of several nodes, and serve takes --nats URL (env LIVEBLOG_NATS).
Run "liveblog <command> -h" for its flags.
`

// run dispatches a subcommand. It takes its streams as arguments so the
// end-to-end tests run the real command in process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stderr, false)
	case "demo":
		return runServe(ctx, rest, stderr, true)
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
	case "version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
