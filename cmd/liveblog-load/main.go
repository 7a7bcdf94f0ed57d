// Command liveblog-load measures a liveblog server from the outside: it seeds
// a data directory, starts `liveblog serve` on it as a separate process,
// opens thousands of live streams from helper processes, publishes posts
// through the real API, and reports what readers saw and what the server
// spent. BENCHMARKS.md describes the scenarios and records their results.
//
//	liveblog-load seed   --data DIR                 build a data directory to serve
//	liveblog-load run    --bin bin/liveblog [-quick] [-scenarios s1,s2,...]
//	liveblog-load worker                            (started by run) a process of stream readers
//	liveblog-load floor                             (started by run) bare writes to streams, the floor S2 is read against
//	liveblog-load plain                             (started by run) plain Go serving S6's pages from memory
//
// Readers are spread over several worker processes because one process may
// hold at most 20,000 open files here, and over the source addresses
// 127.0.0.1 to 127.0.0.8 so that 19,000 connections and their TIME_WAIT
// remnants do not exhaust one address's ephemeral ports.
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
			fmt.Fprintln(os.Stderr, "liveblog-load:", err)
		}
		os.Exit(1)
	}
}

const usage = `liveblog-load measures a liveblog server under load (see BENCHMARKS.md).

Usage:
  liveblog-load seed --data DIR
  liveblog-load run --bin PATH [-quick] [-scenarios s1,s2,s3,s4,s5,s6,s7]
  liveblog-load worker   (started by run)
  liveblog-load floor    (started by run)
  liveblog-load plain    (started by run)
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "seed":
		return runSeed(ctx, args[1:], stderr)
	case "run":
		return runScenarios(ctx, args[1:], stdout, stderr)
	case "worker":
		return runWorker(stdin, stdout)
	case "floor":
		return runFloor(args[1:], stdin, stdout)
	case "plain":
		return runPlain(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
