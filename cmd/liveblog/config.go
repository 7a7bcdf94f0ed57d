package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/liveblog/liveblog"
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
}

// DatabasePath is the SQLite file of the instance.
func (c Config) DatabasePath() string { return filepath.Join(c.DataDir, "liveblog.db") }

// MediaDir is where uploaded and demo images are stored.
func (c Config) MediaDir() string { return filepath.Join(c.DataDir, "media") }

// newFlagSet returns a flag set for a subcommand with the --data flag (and
// --addr when serving), each defaulting to its LIVEBLOG_* variable.
func newFlagSet(name string, stderr io.Writer, cfg *Config, serving bool) *flag.FlagSet {
	fs := flag.NewFlagSet("liveblog "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", env("LIVEBLOG_DATA", DefaultData), "data directory (env LIVEBLOG_DATA)")
	if serving {
		fs.StringVar(&cfg.Addr, "addr", env("LIVEBLOG_ADDR", DefaultAddr), "address to listen on (env LIVEBLOG_ADDR)")
		fs.BoolVar(&cfg.Verbose, "verbose", env("LIVEBLOG_VERBOSE", "") != "", "log every request (env LIVEBLOG_VERBOSE)")
	}
	return fs
}

func env(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && strings.TrimSpace(v) != "" {
		return v
	}
	return fallback
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
