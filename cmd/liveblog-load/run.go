package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/liveblog/liveblog"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
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

// server is a `liveblog serve` process on a copy of the seeded data.
type server struct {
	cmd     *exec.Cmd
	pid     int
	addr    string
	logPath string
	token   string
	client  *http.Client
	done    chan struct{}
}

// startServer starts the binary under test on a fresh copy of the seeded
// data, on a free port, and waits until it answers.
func (e *env) startServer(name string, verbose bool) (*server, error) {
	data := filepath.Join(e.dir, name+"-data")
	os.RemoveAll(data)
	if err := copyDir(e.seedDir, data); err != nil {
		return nil, err
	}
	token, err := os.ReadFile(filepath.Join(data, tokenFile))
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(e.dir, name+"-server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--data", data, "--addr", addr}
	if verbose {
		args = append(args, "--verbose")
	}
	cmd := exec.Command(e.bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The server must not inherit LIVEBLOG_* settings of the shell that ran
	// the benchmark (a database URL would send it elsewhere).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LIVEBLOG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, addr: addr, logPath: logPath, token: strings.TrimSpace(string(token)),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}},
		done:   make(chan struct{})}
	go func() { cmd.Wait(); logFile.Close(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := s.client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server did not answer within 30s; see %s", logPath)
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited; see %s", logPath)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return s, nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

// rss is the server's resident set in bytes, as /proc/PID/status reports it.
func (s *server) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpu is the server's user plus system time so far, from /proc/PID/stat.
func (s *server) cpu() time.Duration { return procCPU(s.pid) }

// cpu is the load processes' user plus system time so far.
func (rs *readers) cpu() time.Duration {
	var total time.Duration
	for _, w := range rs.workers {
		total += procCPU(w.cmd.Process.Pid)
	}
	return total
}

func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it do not.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	// utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * clockTick
}

// countLog returns how many lines of the server's log contain substr, and
// the times of those lines.
func (s *server) countLog(substr string) (int, []time.Time) {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return 0, nil
	}
	var times []time.Time
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, substr) {
			continue
		}
		n++
		if v, ok := strings.CutPrefix(line, "time="); ok {
			if t, err := time.Parse(time.RFC3339Nano, strings.Fields(v)[0]); err == nil {
				times = append(times, t)
			}
		}
	}
	return n, times
}

// sendQueued is the data the kernel holds in the send queues of the
// server's connections, from /proc/net/tcp: memory a stalled reader costs
// that the server's RSS does not show.
func (s *server) sendQueued() int64 {
	_, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	local := fmt.Sprintf(":%04X", p)
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	var total int64
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.HasSuffix(f[1], local) {
			continue
		}
		tx, _, _ := strings.Cut(f[4], ":")
		n, _ := strconv.ParseInt(tx, 16, 64)
		total += n
	}
	return total
}

type eventInfo struct {
	ID   int64 `json:"id"`
	Head int64 `json:"head"`
}

func (s *server) event(slug string) (eventInfo, error) {
	req, _ := http.NewRequest(http.MethodGet, s.url("/api/v1/events/"+slug), nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		return eventInfo{}, err
	}
	defer resp.Body.Close()
	var ev eventInfo
	if resp.StatusCode != http.StatusOK {
		return ev, fmt.Errorf("GET event %s: %s", slug, resp.Status)
	}
	return ev, json.NewDecoder(resp.Body).Decode(&ev)
}

// publish creates a published post through the API, which returns once the
// post is durably committed.
func (s *server) publish(slug string, n int) error {
	p := samplePost(n)
	p.Headline = fmt.Sprintf("Breaking %d: a statement from the summit", n)
	return s.publishPost(slug, p)
}

// publishFlash publishes a one-line breaking flash, the post a crowd
// arrives for, whose frame is about the size of the change the reference
// hubs were measured with.
func (s *server) publishFlash(slug string, n int) error {
	return s.publishPost(slug, &liveblog.Post{
		Headline: fmt.Sprintf("Breaking %d: ceasefire agreed", n),
		Blocks:   []liveblog.Block{liveblog.Plain("Both sides have signed, officials say.")},
	})
}

func (s *server) publishPost(slug string, p *liveblog.Post) error {
	body, _ := json.Marshal(map[string]any{
		"headline": p.Headline, "blocks": p.Blocks, "contributors": p.Contributors, "status": "published",
	})
	req, _ := http.NewRequest(http.MethodPost, s.url("/api/v1/events/"+slug+"/posts"), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("publish: %s", resp.Status)
	}
	return nil
}

// readers are the worker processes holding one scenario's streams.
type readers struct {
	workers []*workerProc
}

type workerProc struct {
	cmd  *exec.Cmd
	enc  *gob.Encoder
	dec  *gob.Decoder
	in   io.WriteCloser
	mu   sync.Mutex
	size int
}

// connect opens n streams of slug from position after, spread over as many
// worker processes as the open-file limit needs.
func (e *env) connect(s *server, slug string, after int64, n int, reconnect bool) (*readers, time.Duration, error) {
	k := (n + streamsPerWorker - 1) / streamsPerWorker
	rs := &readers{}
	for i := range k {
		size := n / k
		if i < n%k {
			size++
		}
		w, err := e.startWorker(size)
		if err != nil {
			rs.close()
			return nil, 0, err
		}
		rs.workers = append(rs.workers, w)
	}
	start := time.Now()
	reps := rs.callEach(func(w *workerProc) command {
		return command{Op: opConnect, Addr: s.addr, Path: fmt.Sprintf("/live/%s/stream?after=%d", slug, after), After: after,
			Sources: sources, Count: w.size, Parallel: 100, Reconnect: reconnect, ReconnectDelay: time.Second}
	})
	elapsed := time.Since(start)
	for _, r := range reps {
		if r.Err != "" {
			rs.close()
			return nil, 0, errors.New(r.Err)
		}
	}
	return rs, elapsed, nil
}

func (e *env) startWorker(size int) (*workerProc, error) {
	cmd, in, out, err := e.startHelper("worker")
	if err != nil {
		return nil, err
	}
	return &workerProc{cmd: cmd, enc: gob.NewEncoder(in), dec: gob.NewDecoder(out), in: in, size: size}, nil
}

// startHelper starts this binary with args, driven over its stdin and
// stdout, its stderr going to the log.
func (e *env) startHelper(args ...string) (*exec.Cmd, io.WriteCloser, io.ReadCloser, error) {
	cmd := exec.Command(e.self, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	cmd.Stderr = e.log
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	return cmd, in, out, nil
}

// startListener starts a helper that listens and says its address on its
// first line of output (the floor, the naive hub, the plain Go page server),
// and returns it as a server with the helper's stdin and the rest of its
// output.
func (e *env) startListener(what string, args ...string) (*server, io.WriteCloser, *bufio.Scanner, error) {
	cmd, in, out, err := e.startHelper(args...)
	if err != nil {
		return nil, nil, nil, err
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, nil, nil, errors.New(what + ": did not start")
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, addr: lines.Text(), done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	return s, in, lines, nil
}

func (w *workerProc) call(cmd command) reply {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.enc.Encode(cmd); err != nil {
		return reply{Err: err.Error()}
	}
	var rep reply
	if err := w.dec.Decode(&rep); err != nil {
		return reply{Err: err.Error()}
	}
	return rep
}

// callEach sends each worker its command at once and collects the replies.
func (rs *readers) callEach(cmd func(*workerProc) command) []reply {
	reps := make([]reply, len(rs.workers))
	var wg sync.WaitGroup
	for i, w := range rs.workers {
		wg.Go(func() { reps[i] = w.call(cmd(w)) })
	}
	wg.Wait()
	return reps
}

func (rs *readers) callAll(cmd command) []reply {
	return rs.callEach(func(*workerProc) command { return cmd })
}

// waitFor waits until every stream that is not stalled has frame seq, and
// returns how many have it.
func (rs *readers) waitFor(seq int64, timeout time.Duration) (reached, streams int) {
	for _, r := range rs.callAll(command{Op: opWait, Seq: seq, Timeout: timeout}) {
		reached += r.Reached
		streams += r.Streams
	}
	return reached, streams
}

// times returns, per frame from..to, every stream's receive time.
func (rs *readers) times(from, to int64) [][]int64 {
	out := make([][]int64, to-from+1)
	for _, r := range rs.callAll(command{Op: opTimes, From: from, To: to}) {
		for i := range r.Times {
			out[i] = append(out[i], r.Times[i]...)
		}
	}
	return out
}

func (rs *readers) stats() workerStats {
	var st workerStats
	for _, r := range rs.callAll(command{Op: opStats}) {
		st.add(r.Stats)
	}
	return st
}

func (st *workerStats) add(o workerStats) {
	st.Open += o.Open
	st.Frames += o.Frames
	st.Gaps += o.Gaps
	st.Duplicates += o.Duplicates
	st.Resets += o.Resets
	st.Heartbeats += o.Heartbeats
	st.Disconnects += o.Disconnects
	st.Reconnects += o.Reconnects
	st.DialErrors += o.DialErrors
	st.Stalled += o.Stalled
}

func (rs *readers) close() {
	if rs == nil {
		return
	}
	var wg sync.WaitGroup
	for _, w := range rs.workers {
		wg.Go(func() {
			w.call(command{Op: opQuit})
			w.in.Close()
			done := make(chan struct{})
			go func() { w.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				w.cmd.Process.Kill()
				<-done
			}
		})
	}
	wg.Wait()
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func copyDir(from, to string) error {
	return filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, info.Mode())
	})
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
