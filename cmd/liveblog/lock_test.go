package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestServeLock starts a second server on a data directory that one is
// serving: it refuses, naming the process that holds the directory, and
// starts once that one has stopped. On PostgreSQL, where nodes share the
// database, a second node starts.
func TestServeLock(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		dir := t.TempDir()
		first := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}})
		second := &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}}
		err := second.Open(context.Background())
		if err == nil {
			second.close()
			t.Fatal("a second server opened a data directory in use")
		}
		for _, want := range []string{"in use by another liveblog serve or demo", "process " + strconv.Itoa(os.Getpid()), "--data"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if err := first.stop(); err != nil {
			t.Fatal(err)
		}
		startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}})
	})

	t.Run("DemoOnServedDirectory", func(t *testing.T) {
		dir := t.TempDir()
		startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}})
		_, stderr, err := command(t, "demo", "--addr", "127.0.0.1:0", "--data", dir)
		if err == nil || !strings.Contains(err.Error(), "in use") {
			t.Errorf("demo on a served directory: got %v, want a refusal\n%s", err, stderr)
		}
	})

	t.Run("PostgreSQL", func(t *testing.T) {
		dsn := freshDatabase(t)
		dir := t.TempDir()
		a := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir, Database: dsn}})
		b := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir, Database: dsn}})
		for _, in := range []*instance{a, b} {
			if body := get(t, in.url+"/healthz"); body == "" {
				t.Errorf("%s/healthz answered nothing", in.url)
			}
		}
	})
}
