package main

import (
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRunInterrupt runs `make run` as a newcomer does and presses
// Ctrl+C: the demo stops cleanly and make reports no error. It runs the
// repository's Makefile on a directory of its own, with the binary the test
// built standing in for `make build` (GO=true makes the build step a no-op),
// so the repository is left as it is.
func TestMakeRunInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs make; not in -short")
	}
	makeTool, err := exec.LookPath("make")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("make is needed for this test: %v", err)
		}
		t.Skipf("make is needed for this test: %v", err)
	}
	makefile, err := filepath.Abs(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	if err := os.Mkdir(filepath.Join(work, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(buildLiveblog(t), filepath.Join(work, "bin", "liveblog")); err != nil {
		t.Fatal(err)
	}

	// A shell started in the background ignores SIGINT, and its children
	// inherit that; a handler here makes the child start with the default,
	// as a terminal's foreground job does.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)

	cmd := exec.Command(makeTool, "-f", makefile, "-C", work, "run", "GO=true", "DATA="+filepath.Join(work, "data"), "ADDR=127.0.0.1:0")
	// Its own process group: Ctrl+C signals the terminal's foreground
	// group, make and the demo together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := watchLines(out, regexp.MustCompile(`msg=serving`))
	said, ended := &w.log, w.ended
	select {
	case <-w.found:
	case <-ended:
		cmd.Wait()
		t.Fatalf("make run ended before serving:\n%s", said.String())
	case <-time.After(e2eTimeout):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		t.Fatalf("make run did not serve within %v:\n%s", e2eTimeout, said.String())
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(ShutdownTimeout + e2eTimeout):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("make run did not end after Ctrl+C:\n%s", said.String())
	}
	err = cmd.Wait()
	// make ends itself with the signal it got, as a program stopped by
	// Ctrl+C does; what must not happen is an error of its recipe.
	if exit, ok := err.(*exec.ExitError); err != nil && (!ok || exit.ExitCode() != -1) {
		t.Errorf("make run: %v, want it ended by the interrupt or exit status 0", err)
	}
	if strings.Contains(said.String(), "make: ***") || strings.Contains(said.String(), "liveblog:") {
		t.Errorf("Ctrl+C on make run printed an error:\n%s", said.String())
	}
	if !strings.Contains(said.String(), "shutting down") {
		t.Errorf("the demo did not shut down gracefully:\n%s", said.String())
	}
}
