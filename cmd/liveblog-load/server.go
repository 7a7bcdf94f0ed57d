package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/liveblog/liveblog"
)

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
