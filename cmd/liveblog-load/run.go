package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Limits of the machine the scenarios are written for.
const (
	// streamsPerWorker stays well below the 20,000 open files a process may
	// hold, leaving room for the worker's own files and a storm's overlap.
	streamsPerWorker = 6500

	// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ,
	// 100 on every Linux architecture Go supports).
	clockTick = 10 * time.Millisecond
)

// sources spread the readers' connections over loopback addresses: each
// source address has its own ephemeral ports.
var sources = []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8"}

// env is one run of scenarios.
type env struct {
	ctx     context.Context
	bin     string // the liveblog binary under test
	self    string // this binary, for workers
	dir     string // scratch: seeded data, copies per server, logs
	seedDir string
	quick   bool
	wrk     string
	nginx   string
	out     io.Writer
	log     io.Writer
	report  *report
}

func runScenarios(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("liveblog-load run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "bin/liveblog", "the liveblog binary to measure")
	quick := fs.Bool("quick", false, "1,000 readers and short runs: a smoke check, not a measurement")
	list := fs.String("scenarios", "s1,s2,s3,s4,s5,s6,s7", "comma-separated scenarios to run (s6s3: pages while S3 runs)")
	dir := fs.String("dir", "", "scratch directory (default: a new temporary one, removed at the end)")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	binPath, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(binPath); err != nil {
		return fmt.Errorf("run: the server binary: %w (make build, or pass --bin)", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	scratch := *dir
	if scratch == "" {
		if scratch, err = os.MkdirTemp("", "liveblog-load-"); err != nil {
			return err
		}
		defer os.RemoveAll(scratch)
	}
	e := &env{ctx: ctx, bin: binPath, self: self, dir: scratch, quick: *quick, out: stdout, log: stderr,
		seedDir: filepath.Join(scratch, "seed"), report: &report{}}
	e.wrk, _ = exec.LookPath("wrk")
	if e.nginx, err = exec.LookPath("nginx"); err != nil {
		e.nginx, _ = exec.LookPath("/usr/sbin/nginx")
	}
	if err := seed(ctx, e.seedDir); err != nil {
		return err
	}
	e.report.machine = machine(binPath)
	fmt.Fprintln(stdout, e.report.machine)

	var failed []string
	for _, name := range strings.Split(*list, ",") {
		name = strings.TrimSpace(name)
		fn, ok := scenarios[name]
		if !ok {
			return fmt.Errorf("run: unknown scenario %q", name)
		}
		if ctx.Err() != nil {
			break
		}
		e.logf("== %s (load %s)", name, loadAvg())
		start := time.Now()
		if err := fn(e); err != nil {
			e.logf("%s failed: %v", name, err)
			failed = append(failed, name)
			e.report.add(name, "error", err.Error(), "", "", loadAvg())
		}
		e.logf("== %s took %v", name, time.Since(start).Round(time.Second))
	}
	e.report.print(stdout)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(e.report, "", "  ")
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("scenarios failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

var scenarios = map[string]func(*env) error{
	"s1":   scenarioIdleMemory,
	"s2":   scenarioFanout,
	"s3":   scenarioSustained,
	"s4":   scenarioReconnectStorm,
	"s5":   scenarioSlowReaders,
	"s6":   scenarioPages,
	"s6s3": scenarioPagesUnderStreams,
	"s7":   scenarioLongEvents,
}

func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// pick returns quick in quick mode, else full.
func pick[T any](e *env, full, quick T) T {
	if e.quick {
		return quick
	}
	return full
}

// loadAvg is the 1, 5 and 15-minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

// machine describes where the figures were measured.
func machine(bin string) string {
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	kernel := "?"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if v, ok := strings.CutPrefix(strings.Split(string(b), "\n")[0], "MemTotal:"); ok {
			mem = strings.TrimSpace(v)
		}
	}
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	version := "?"
	if out, err := exec.Command(bin, "version").Output(); err == nil {
		version = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("machine: %d CPUs (%s), %s memory, kernel %s, %s, open files %d, server %s",
		runtime.NumCPU(), model, mem, kernel, runtime.Version(), lim.Cur, version)
}
