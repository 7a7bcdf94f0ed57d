package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lbhttp "github.com/liveblog/liveblog/http"
)

// These tests hold a real `liveblog serve` child process under connections
// that never finish a request, and check that a live page keeps updating
// for everyone else: a reader connected before keeps receiving frames with
// the latency it had before, a reader arriving during it gets the page and
// the stream, and the server sheds the idle connections by its own
// timeouts. The long versions (10,000 idle connections; slowhttptest's
// slowloris, slow-body and slow-read attacks for 30 s) run with
//
//	LIVEBLOG_SECURITY_LONG=1 go test ./cmd/liveblog -run 'TestIdleConnections|TestSlowHTTP' -v -timeout 10m
//
// and need slowhttptest (Debian: apt-get install slowhttptest).

func securityLong() bool { return os.Getenv("LIVEBLOG_SECURITY_LONG") == "1" }

// liveProbe publishes posts to an event through the API and times each
// from the request to the frame's arrival at a reader that stays connected
// the whole time.
type liveProbe struct {
	t     *testing.T
	base  string
	token string
	slug  string
	head  int64
	// arrived receives the sequence of each change frame the reader gets.
	arrived chan arrival
	client  *http.Client
}

type arrival struct {
	seq int64
	at  time.Time
}

func startProbe(t *testing.T, base, token string) *liveProbe {
	t.Helper()
	p := &liveProbe{t: t, base: base, token: token, slug: "under-attack", arrived: make(chan arrival, 1024),
		client: &http.Client{Timeout: e2eTimeout}}
	var ev struct{ Head int64 }
	p.api("POST", "/api/v1/events", `{"slug":"under-attack","title":"Under attack","state":"live"}`, &ev)
	p.head = ev.Head
	p.openStream(p.arrived)
	return p
}

func (p *liveProbe) api(method, path, body string, v any) time.Duration {
	p.t.Helper()
	req, err := http.NewRequest(method, p.base+path, strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	res, err := p.client.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		p.t.Fatalf("%s %s: status %d: %s", method, path, res.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			p.t.Fatal(err)
		}
	}
	return time.Since(start)
}

// openStream connects a reader at the current head and sends the sequence
// of each frame it receives to out, until the test ends.
func (p *liveProbe) openStream(out chan<- arrival) {
	p.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", p.base+"/live/"+p.slug+"/stream", nil)
	req.Header.Set("Last-Event-ID", strconv.FormatInt(p.head, 10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("stream: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		p.t.Fatalf("stream: status %d", res.StatusCode)
	}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				if n, err := strconv.ParseInt(id, 10, 64); err == nil {
					select {
					case out <- arrival{n, time.Now()}:
					default:
					}
				}
			}
		}
	}()
}

// publish publishes n posts one after another and returns, for each, the
// time from sending it to the reader's receiving its frame.
func (p *liveProbe) publish(n int, label string) []time.Duration {
	p.t.Helper()
	var out []time.Duration
	for i := range n {
		start := time.Now()
		var post struct{ ID int64 }
		p.api("POST", "/api/v1/events/"+p.slug+"/posts", fmt.Sprintf(`{"headline":"%s %d"}`, label, i), &post)
		p.head++
		if err := p.await(p.arrived, p.head); err != nil {
			p.t.Fatalf("%s post %d: %v", label, i, err)
		}
		out = append(out, time.Since(start))
	}
	return out
}

func (p *liveProbe) await(ch <-chan arrival, seq int64) error {
	deadline := time.After(e2eTimeout)
	for {
		select {
		case a := <-ch:
			if a.seq == seq {
				return nil
			}
			if a.seq > seq {
				return fmt.Errorf("frame %d arrived before %d", a.seq, seq)
			}
		case <-deadline:
			return fmt.Errorf("frame %d did not arrive within %v", seq, e2eTimeout)
		}
	}
}

// pageLoad times a fresh reader's GET of the event page.
func (p *liveProbe) pageLoad() time.Duration {
	p.t.Helper()
	start := time.Now()
	res, err := p.client.Get(p.base + "/live/" + p.slug)
	if err != nil {
		p.t.Fatalf("page: %v", err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		p.t.Fatalf("page: status %d", res.StatusCode)
	}
	return time.Since(start)
}

type latencies []time.Duration

func (l latencies) summary() string {
	s := slices.Clone(l)
	slices.Sort(s)
	if len(s) == 0 {
		return "none"
	}
	return fmt.Sprintf("p50 %v, max %v (n=%d)", s[len(s)/2].Round(time.Microsecond), s[len(s)-1].Round(time.Microsecond), len(s))
}

func (l latencies) max() time.Duration { return slices.Max(l) }

// serveChild builds liveblog, makes an API token and serves on loopback.
func serveChild(t *testing.T) (base, token string) {
	t.Helper()
	bin := buildLiveblog(t)
	dir := t.TempDir()
	token = strings.TrimSpace(runLiveblog(t, bin, "token", "create", "--name", "security", "--data", dir))
	sup := &supervisor{t: t, bin: bin, dir: dir}
	sup.start()
	t.Cleanup(sup.stop)
	return sup.current().url, token
}

// normal is the latency a frame or page may have under attack: well above
// what a loaded CI machine shows without one, far below what a reader
// would notice as a stalled page.
const normal = time.Second

// TestIdleConnections opens 2,000 TCP connections (10,000 in the long
// version) that send nothing, and 100 that send half a request line, and
// keeps publishing: the reader's frames and a new reader's page must come
// as fast as before, and the server must close every idle connection
// itself, by ReadHeaderTimeout.
func TestIdleConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("serves a child process; not in -short")
	}
	idle, partial := 2000, 100
	if securityLong() {
		idle = 10000
	}
	base, token := serveChild(t)
	p := startProbe(t, base, token)
	baseline := latencies(p.publish(5, "before"))
	pageBefore := p.pageLoad()

	addr := strings.TrimPrefix(base, "http://")
	opened := time.Now()
	conns := dialMany(t, addr, idle)
	for range partial {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET /live/under-attack HTTP/1.1\r\nHost: x\r\nX-Slow: "))
		conns = append(conns, c)
	}
	t.Logf("opened %d idle and %d half-request connections in %v", idle, partial, time.Since(opened).Round(time.Millisecond))

	// A reader who arrives now gets the page and the stream.
	late := make(chan arrival, 64)
	pageDuring := p.pageLoad()
	p.openStream(late)
	during := latencies(p.publish(10, "during"))
	if err := p.await(late, p.head); err != nil {
		t.Errorf("a reader arriving during the flood: %v", err)
	}
	t.Logf("frame latency before: %s; with %d idle connections: %s", baseline.summary(), idle+partial, during.summary())
	t.Logf("page load before: %v; during: %v", pageBefore.Round(time.Microsecond), pageDuring.Round(time.Microsecond))
	if during.max() > normal || pageDuring > normal {
		t.Errorf("with %d idle connections a frame took up to %v and a page %v, want under %v", idle+partial, during.max(), pageDuring, normal)
	}

	// The server closes them all, by ReadHeaderTimeout.
	closed := shedTimes(conns, opened, lbhttp.DefaultReadHeaderTimeout+5*time.Second)
	if len(closed) != len(conns) {
		t.Errorf("the server closed %d of %d idle connections within %v", len(closed), len(conns), lbhttp.DefaultReadHeaderTimeout+5*time.Second)
	}
	if len(closed) > 0 {
		t.Logf("server closed idle connections after %s (ReadHeaderTimeout %v)", latencies(closed).summary(), lbhttp.DefaultReadHeaderTimeout)
		if m := latencies(closed).max(); m > lbhttp.DefaultReadHeaderTimeout+3*time.Second {
			t.Errorf("an idle connection lasted %v, want about ReadHeaderTimeout (%v)", m, lbhttp.DefaultReadHeaderTimeout)
		}
	}
	after := latencies(p.publish(3, "after"))
	t.Logf("frame latency after: %s", after.summary())
}

// dialMany opens n connections to addr, 64 at a time.
func dialMany(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := net.DialTimeout("tcp", addr, e2eTimeout)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		t.Fatalf("%d of %d connections failed: %v", f, n, firstErr.Load())
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	return conns
}

// shedTimes waits for the server to close each connection and returns how
// long after opened each was closed; connections still open at the limit
// are left out.
func shedTimes(conns []net.Conn, opened time.Time, limit time.Duration) []time.Duration {
	var mu sync.Mutex
	var out []time.Duration
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(opened.Add(limit))
			_, err := io.Copy(io.Discard, c)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
			mu.Lock()
			out = append(out, time.Since(opened))
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// serviceAvailable is slowhttptest's verdict line for each second.
var serviceAvailable = regexp.MustCompile(`service available:\s+(\w+)`)

// TestSlowHTTP runs Debian's slowhttptest against the server for 30 s in
// its three slow modes at once (slowloris: headers a few bytes every two
// seconds; R-U-Dead-Yet: a form body likewise, to the sign-in route; slow
// read: responses read a few bytes a second through a tiny window) while
// posts are published every half second, and checks that the reader's
// frames and new readers' pages keep their normal latency and that
// slowhttptest's own probe never finds the service unavailable. Long
// version only.
func TestSlowHTTP(t *testing.T) {
	if !securityLong() {
		t.Skip("runs for about 40 s: LIVEBLOG_SECURITY_LONG=1 runs it")
	}
	bin, err := exec.LookPath("slowhttptest")
	if err != nil {
		t.Skip("slowhttptest is not installed (apt-get install slowhttptest)")
	}
	base, token := serveChild(t)
	p := startProbe(t, base, token)
	baseline := latencies(p.publish(5, "before"))
	const seconds = 30

	attacks := []struct {
		name string
		args []string
	}{
		{"slowloris", []string{"-H", "-c", "3000", "-r", "500", "-i", "2", "-x", "10", "-u", base + "/live/" + p.slug}},
		{"slow-body", []string{"-B", "-c", "1000", "-r", "200", "-i", "2", "-x", "10", "-s", "8192", "-u", base + "/desk/login"}},
		{"slow-read", []string{"-X", "-c", "500", "-r", "200", "-k", "5", "-n", "1", "-w", "1", "-y", "64", "-z", "8", "-u", base + "/live/" + p.slug}},
	}
	outputs := make([]*bytes.Buffer, len(attacks))
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), (seconds+30)*time.Second)
	defer cancel()
	for i, a := range attacks {
		outputs[i] = new(bytes.Buffer)
		cmd := exec.CommandContext(ctx, bin, append(a.args, "-l", strconv.Itoa(seconds), "-p", "3")...)
		cmd.Stdout, cmd.Stderr = outputs[i], outputs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { cmd.Wait() })
	}

	var during, pages latencies
	stop := time.Now().Add(seconds * time.Second)
	for time.Now().Before(stop) {
		during = append(during, p.publish(1, "during")...)
		pages = append(pages, p.pageLoad())
		// Pacing of the publisher, not synchronisation: a newsroom
		// publishes every few seconds at most; twice a second is plenty.
		time.Sleep(500 * time.Millisecond)
	}
	wg.Wait()

	t.Logf("frame latency before: %s; during the attacks: %s; page loads during: %s", baseline.summary(), during.summary(), pages.summary())
	for i, a := range attacks {
		out := outputs[i].String()
		no := 0
		for _, m := range serviceAvailable.FindAllStringSubmatch(out, -1) {
			if m[1] != "YES" {
				no++
			}
		}
		t.Logf("%s: %d seconds reported unavailable; last report:\n%s", a.name, no, lastReport(out))
		if no > 0 {
			t.Errorf("%s: slowhttptest found the service unavailable for %d seconds", a.name, no)
		}
	}
	if during.max() > normal || pages.max() > normal {
		t.Errorf("under attack a frame took up to %v and a page up to %v, want under %v", during.max(), pages.max(), normal)
	}
}

// lastReport is slowhttptest's final block of statistics.
func lastReport(out string) string {
	out = strings.TrimSpace(regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`).ReplaceAllString(out, ""))
	if i := strings.LastIndex(out, "slow HTTP test status on"); i >= 0 {
		out = out[i:]
	}
	return out
}
