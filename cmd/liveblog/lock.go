package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// errLocked is what lockFile returns when another process holds the lock.
var errLocked = errors.New("locked")

// lockInstance takes the lock that the one process serving a SQLite database
// holds for its life, so that a second serve or demo on the same data
// directory refuses to start rather than run a second scheduler, webhook
// worker and demo newsroom beside the first: those rely on being alone on
// SQLite. (On PostgreSQL several nodes are the design, and row locks keep
// each scheduled post and webhook delivery to one node; nothing is taken.)
//
// The lock is an OS file lock (flock) on the file liveblog.db.lock beside the
// database, not a PID file: the kernel releases it when the process ends,
// however it ends, so a crash or kill -9 never leaves a stale lock for the
// next start to trip over, and no process id can be mistaken for another
// program's. The file itself stays; it holds the last holder's process id,
// for the message. The lock ends with release, or with the process.
func lockInstance(cfg Config) (release func(), err error) {
	if isPostgres(cfg.Database) {
		return func() {}, nil
	}
	path := cfg.DatabasePath() + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(f); errors.Is(err, errLocked) {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		holder := "another process"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil {
			holder = "process " + strconv.Itoa(pid)
		}
		return nil, fmt.Errorf("%s is in use by another liveblog serve or demo (%s, which holds %s). "+
			"Stop it first, or give this one a data directory of its own with --data; "+
			"several nodes on one instance share a PostgreSQL database (docs/DEPLOY.md)", cfg.DatabasePath(), holder, path)
	} else if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil
}
