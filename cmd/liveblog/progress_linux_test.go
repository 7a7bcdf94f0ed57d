package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal and returns its two ends: what a program
// writes to term, the terminal, the test reads from ctl.
func openPTY(t *testing.T) (ctl, term *os.File) {
	t.Helper()
	ctl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(ctl.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		ctl.Close()
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		ctl.Close()
		t.Fatal(err)
	}
	term, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		ctl.Close()
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(term.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 100}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close(); term.Close() })
	return ctl, term
}

// TestProgressTerminal runs long commands with standard error on a
// pseudo-terminal, as at a shell: they draw a progress line in place, with
// done of total, and take it off before their summary.
func TestProgressTerminal(t *testing.T) {
	src, _ := smallInstance(t)
	dump := textDump(t)
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"backup", []string{"backup", "--data", src, "--out", filepath.Join(t.TempDir(), "b.tar")},
			[]string{"\rbackup: copying the database", "\rbackup: writing  ", " of ", "(100%)"}},
		{"import text", []string{"import", "text", dump, "--event", "lifeboat", "--year", "2025", "--data", t.TempDir()},
			[]string{"\rimport: posts  ", " of 2 ", "(100%)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctl, term := openPTY(t)
			read := make(chan []byte)
			go func() {
				b, _ := io.ReadAll(ctl) // ends with EIO once term is closed
				read <- b
			}()
			var stdout bytes.Buffer
			err := run(context.Background(), c.args, nil, &stdout, term)
			term.Close()
			got := string(<-read)
			if err != nil {
				t.Fatalf("%v\n%q", err, got)
			}
			for _, want := range c.want {
				if !strings.Contains(got, want) {
					t.Errorf("the terminal shows %q, want %q in it", got, want)
				}
			}
			// The last progress line is erased before the command ends, so
			// the prompt (or the summary) starts on a clean line.
			if last := strings.LastIndex(got, "\r"); last < 0 || !strings.HasPrefix(got[last:], "\r\x1b[K") {
				t.Errorf("the terminal ends with %q, want the progress line erased", got[max(0, last):])
			}
			if !summaryLine.MatchString(stdout.String()) {
				t.Errorf("summary: got %q, want the time taken", stdout.String())
			}
		})
	}
}
