package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeMeter is a meter drawing as on a terminal of width columns, on a clock
// the test moves.
func fakeMeter(width int) (*meter, *bytes.Buffer, *time.Time) {
	var out bytes.Buffer
	now := time.Date(2026, 2, 13, 9, 0, 0, 0, time.UTC)
	m := &meter{w: &out, live: true, width: width, name: "backup", now: func() time.Time { return now }}
	m.start = now
	return m, &out, &now
}

func TestMeter(t *testing.T) {
	t.Run("Line", func(t *testing.T) {
		m, out, now := fakeMeter(120)
		m.Stage("writing", 3_400_000_000, true)
		*now = now.Add(10 * time.Second)
		m.Set(1_200_000_000)
		want := "\rbackup: writing  1.2 GB of 3.4 GB (35%)  120.0 MB/s  18 s left\x1b[K"
		if got := out.String(); !strings.HasSuffix(got, want) {
			t.Errorf("got %q, want it to end with %q", got, want)
		}
		out.Reset()
		m.Clear()
		if got, want := out.String(), "\r\x1b[K"; got != want {
			t.Errorf("clear: got %q, want %q", got, want)
		}
	})
	t.Run("Things", func(t *testing.T) {
		m, out, now := fakeMeter(120)
		m.Report("posts", 0, 12000)
		*now = now.Add(4 * time.Second)
		m.Report("posts", 3000, 12000)
		if want := "posts  3,000 of 12,000 (25%)  750/s  12 s left"; !strings.Contains(out.String(), want) {
			t.Errorf("got %q, want %q", out.String(), want)
		}
	})
	t.Run("TotalUnknown", func(t *testing.T) {
		m, out, now := fakeMeter(120)
		m.Report("posts", 0, 0)
		if want := "backup: posts  0.0 s\x1b[K"; !strings.HasSuffix(out.String(), want) {
			t.Errorf("got %q, want %q", out.String(), want)
		}
		*now = now.Add(2 * time.Second)
		m.Report("posts", 5000, 0)
		if want := "backup: posts  5,000  2,500/s\x1b[K"; !strings.HasSuffix(out.String(), want) {
			t.Errorf("got %q, want %q", out.String(), want)
		}
	})
	t.Run("Throttled", func(t *testing.T) {
		m, out, now := fakeMeter(120)
		m.Stage("writing", 1000, false)
		draws := func() int { return strings.Count(out.String(), "\r") }
		for i := range 50 {
			*now = now.Add(time.Millisecond)
			m.Set(int64(i))
		}
		if got := draws(); got != 1 {
			t.Errorf("50 updates within 50 ms drew %d lines, want 1 (the stage's)", got)
		}
		*now = now.Add(redrawEvery)
		m.Set(60)
		m.Set(1000) // done: always drawn
		if got := draws(); got != 3 {
			t.Errorf("got %d draws, want 3", got)
		}
	})
	t.Run("FitsTheTerminal", func(t *testing.T) {
		m, out, _ := fakeMeter(30)
		m.Stage("a stage with a long name that goes on", 10, false)
		line := strings.TrimSuffix(strings.TrimPrefix(out.String(), "\r"), "\x1b[K")
		if n := len([]rune(line)); n >= 30 {
			t.Errorf("line of %d columns on a terminal of 30: %q", n, line)
		}
	})
	t.Run("NotATerminal", func(t *testing.T) {
		var out bytes.Buffer
		m := newMeter(&out, "backup")
		m.Stage("writing", 100, true)
		m.Set(100)
		m.Clear()
		if out.Len() > 0 {
			t.Errorf("wrote %q to a buffer, want nothing", out.String())
		}
	})
}

func TestSizesAndTimes(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{size(999), "999 B"}, {size(1500), "1.5 kB"}, {size(3_400_000_000), "3.4 GB"},
		{count(7), "7"}, {count(1234567), "1,234,567"},
		{duration(1500 * time.Millisecond), "1.5 s"}, {duration(42 * time.Second), "42 s"},
		{duration(200 * time.Second), "3 min 20 s"}, {duration(125 * time.Minute), "2 h 5 min"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// summaryLine is the last line of a long command: what it did and how long
// it took.
var summaryLine = regexp.MustCompile(` in \d+(\.\d)? (s|min)`)

// TestProgressNotTerminal runs every long command with its output in a
// buffer, as under cron or systemd: no progress line, no control
// characters, and one summary line with the time taken.
func TestProgressNotTerminal(t *testing.T) {
	src, _ := smallInstance(t)
	work := t.TempDir()
	tarFile := filepath.Join(work, "b.tar")
	doc := filepath.Join(work, "busy-0.json")
	dump := textDump(t)
	for _, c := range []struct {
		name   string
		args   []string
		stdout bool // the summary is on standard output; export's is on standard error
		want   string
	}{
		{"backup", []string{"backup", "--data", src, "--out", tarFile}, true, "backup written to "},
		{"restore", []string{"restore", "--from", tarFile, "--data", filepath.Join(work, "restored")}, true, "restored "},
		{"export", []string{"export", "busy-0", "--data", src}, false, "exported busy-0: "},
		{"archive", []string{"archive", "busy-0", "--data", src, "--out", filepath.Join(work, "site")}, true, "archived busy-0 into "},
		{"import json", []string{"import", "json", doc, "--data", filepath.Join(work, "moved")}, true, "imported /live/busy-0: "},
		{"import text", []string{"import", "text", dump, "--event", "lifeboat", "--year", "2025", "--data", filepath.Join(work, "moved")}, true, "imported "},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, err := command(t, c.args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			if c.name == "export" {
				if err := os.WriteFile(doc, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if strings.ContainsAny(stderr, "\r\x1b") {
				t.Errorf("standard error holds control characters: %q", stderr)
			}
			summary := stdout
			if !c.stdout {
				summary = stderr
			}
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(summary), "\n") {
				if strings.HasPrefix(l, c.want) {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 || !summaryLine.MatchString(lines[0]) {
				t.Errorf("want one summary line %q... with the time taken, got:\n%s", c.want, summary)
			}
		})
	}
}
