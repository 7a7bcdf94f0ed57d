package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/nats"
)

// Defaults. The address is loopback so that a first run never exposes an
// instance to the network by accident; operators set --addr to publish it.
const (
	DefaultAddr = "127.0.0.1:8080"
	DefaultData = "data"
)

// Config is everything a command needs to find and serve an instance.
type Config struct {
	Addr    string
	DataDir string
	Verbose bool
	// BehindProxy trusts a reverse proxy's X-Forwarded-For (sign-in
	// throttling) and X-Forwarded-Proto (Secure cookies); see
	// lbhttp.Config.BehindProxy.
	BehindProxy bool
	// Origin is the public origin readers reach the instance at
	// ("https://live.example.com"); canonical, social-card, feed and oEmbed
	// links are absolute with it. See lbhttp.Config.Origin.
	Origin string
	// WorkMemoryMiB is the memory image decodes and password hashes may
	// hold at once; see lbhttp.Config.WorkMemory.
	WorkMemoryMiB int
	// Language is the language of an event created without one; see
	// lbhttp.Config.DefaultLanguage.
	Language string

	// Database is where the record is kept: empty for the SQLite file in
	// DataDir, "sqlite:PATH" for another SQLite file, or a postgres:// URL
	// for the database that every node of a multi-node instance shares.
	Database string
	// NATS is the URL (or comma-separated URLs) of the NATS cluster that
	// carries announcements between nodes; empty for a single process.
	NATS string
	// NATSSubject is the prefix of the announcement subjects; instances
	// that share a NATS cluster each need their own.
	NATSSubject string

	// envErr is a setting's *_FILE that could not be read, reported when
	// the store or broker is opened: falling back to the default would
	// start a node of a cluster on a SQLite file of its own.
	envErr error
}

// DatabasePath is the SQLite file of the instance: the one Database names,
// else liveblog.db in the data directory.
func (c Config) DatabasePath() string {
	if path, ok := strings.CutPrefix(c.Database, sqliteScheme); ok {
		return path
	}
	return filepath.Join(c.DataDir, "liveblog.db")
}

// MediaDir is where uploaded and demo images are stored.
func (c Config) MediaDir() string { return filepath.Join(c.DataDir, "media") }

// newFlagSet returns a flag set for a subcommand with the --data flag (and
// --addr when serving), each defaulting to its LIVEBLOG_* variable.
func newFlagSet(name string, stderr io.Writer, cfg *Config, serving bool) *flag.FlagSet {
	fs := flag.NewFlagSet("liveblog "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", env("LIVEBLOG_DATA", DefaultData), "data directory (env LIVEBLOG_DATA)")
	fs.StringVar(&cfg.Database, "database", envOrFile("LIVEBLOG_DATABASE", &cfg.envErr),
		"database: empty for SQLite in --data, sqlite:PATH, or postgres://user:pass@host/db (env LIVEBLOG_DATABASE or LIVEBLOG_DATABASE_FILE)")
	if serving {
		fs.StringVar(&cfg.Addr, "addr", env("LIVEBLOG_ADDR", DefaultAddr), "address to listen on (env LIVEBLOG_ADDR)")
		fs.BoolVar(&cfg.Verbose, "verbose", env("LIVEBLOG_VERBOSE", "") != "", "log every request (env LIVEBLOG_VERBOSE)")
		fs.BoolVar(&cfg.BehindProxy, "behind-proxy", env("LIVEBLOG_BEHIND_PROXY", "") != "",
			"a reverse proxy terminates connections: trust its X-Forwarded-For and X-Forwarded-Proto (env LIVEBLOG_BEHIND_PROXY)")
		fs.StringVar(&cfg.Origin, "origin", env("LIVEBLOG_ORIGIN", ""),
			"public origin readers reach the site at, e.g. https://live.example.com; links in pages, feeds and oEmbed are built on it; required unless --addr is loopback (env LIVEBLOG_ORIGIN; the demo defaults to its own address)")
		fs.IntVar(&cfg.WorkMemoryMiB, "work-memory", envInt("LIVEBLOG_WORK_MEMORY", lbhttp.DefaultWorkMemory>>20),
			"MiB that image uploads being decoded and password hashes may hold at once; a larger image waits for room (env LIVEBLOG_WORK_MEMORY)")
		fs.StringVar(&cfg.Language, "language", env("LIVEBLOG_LANGUAGE", liveblog.DefaultLanguage),
			"BCP 47 language of an event created without one, e.g. en, ar or pt-BR (env LIVEBLOG_LANGUAGE)")
		fs.StringVar(&cfg.NATS, "nats", envOrFile("LIVEBLOG_NATS", &cfg.envErr),
			"NATS URL(s) that carry announcements between nodes; empty for one process (env LIVEBLOG_NATS or LIVEBLOG_NATS_FILE)")
		fs.StringVar(&cfg.NATSSubject, "nats-subject", env("LIVEBLOG_NATS_SUBJECT", nats.DefaultSubject),
			"subject prefix of the announcements; one per instance sharing a NATS cluster (env LIVEBLOG_NATS_SUBJECT)")
	}
	return fs
}

// checkOrigin returns origin without a trailing slash, or an error saying
// what is wrong with it: links built on it go into every cached page.
func checkOrigin(origin string) (string, error) {
	if origin == "" {
		return "", nil
	}
	u, err := url.Parse(origin)
	switch {
	case err != nil:
		return "", fmt.Errorf("--origin: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("--origin %q: want http:// or https://", origin)
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("--origin %q: want a scheme and host only, like https://live.example.com", origin)
	}
	return u.Scheme + "://" + u.Host, nil
}

// needsNoOrigin refuses to serve without --origin where the server cannot
// know the address readers use. On loopback it is the listening address,
// and the server answers for that alone (421 for any other Host); beyond
// it, or behind a proxy, links in feeds, oEmbed and cached pages would be
// built on whatever Host a client sent.
func needsNoOrigin(addr string, behindProxy bool) error {
	const example = "such as --origin https://live.example.com (env LIVEBLOG_ORIGIN)"
	if behindProxy {
		return fmt.Errorf("--behind-proxy needs --origin: readers reach the site through the proxy, at an address this server cannot know; give it, %s", example)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if ip, err := netip.ParseAddr(host); strings.EqualFold(host, "localhost") || err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %s listens beyond this machine, so it needs --origin, the address readers use, %s", addr, example)
}

// envInt is env for a whole number; one that is not becomes -1, which the
// command refuses rather than quietly taking the default.
func envInt(name string, fallback int) int {
	v := env(name, "")
	if v == "" {
		return fallback
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return -1
	}
	return n
}

func env(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && strings.TrimSpace(v) != "" {
		return v
	}
	return fallback
}

// envOrFile returns the variable name, or else the trimmed content of the
// file that name_FILE points at: URLs that carry a password are better kept
// in a secret file than in the environment, which every child process and
// /proc/PID/environ shows. A file that cannot be read is recorded in *errp.
func envOrFile(name string, errp *error) string {
	if v := env(name, ""); v != "" {
		return v
	}
	path := env(name+"_FILE", "")
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		*errp = errors.Join(*errp, fmt.Errorf("%s_FILE: %w", name, err))
		return ""
	}
	return strings.TrimSpace(string(b))
}

func versionString() string {
	v := liveblog.Version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = "dev-" + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("liveblog %s", v)
}
