package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The page scenario (S6) runs wrk against the reader page and the changes
// endpoint, and against nginx serving the very same bytes from files it
// compresses nothing for (gzip_static), in the same run, so that the ratio
// holds whatever else the machine is doing. The plain Go page server
// (plain.go) serves the same bytes too, for what net/http alone allows.

// wrkCase is one wrk run against liveblog, nginx and the plain Go server,
// which serves the same paths as nginx.
type wrkCase struct {
	name      string
	goPath    string
	nginxPath string
	headers   []string
	nginxHdrs []string
	plainHdrs []string
	status    int // the status all must answer
	target    string
	ok        func(ratio float64, p99 time.Duration) bool
}

type wrkResult struct {
	rps float64
	p50 time.Duration
	p99 time.Duration
	bad int // non-2xx/3xx responses and socket errors
}

func scenarioPages(e *env) error {
	if e.wrk == "" || e.nginx == "" {
		return errors.New("s6 needs wrk and nginx (apt-get install -y wrk nginx-light)")
	}
	s, err := e.startServer("s6", false)
	if err != nil {
		return err
	}
	defer s.stop()
	ps, cases, err := e.pageSetup(s, slugPage)
	if err != nil {
		return err
	}
	defer ps.stop()
	// Without a reader streaming the event, liveblog cannot know from
	// memory whether a cached page is current and asks the store each time.
	for _, c := range cases[1:3] {
		c.name += ", no stream open"
		c.ok = nil
		if err := e.compare("S6", s, ps, c); err != nil {
			return err
		}
	}
	// Every reader of a page opens its stream, so a page under load has
	// streams open; a hundred stand for them.
	rs, err := e.pageReaders(s, slugPage)
	if err != nil {
		return err
	}
	defer rs.close()
	for _, c := range cases {
		if err := e.compare("S6", s, ps, c); err != nil {
			return err
		}
	}
	return nil
}

// pageReaders opens the streams of a hundred readers of slug.
func (e *env) pageReaders(s *server, slug string) (*readers, error) {
	ev, err := s.event(slug)
	if err != nil {
		return nil, err
	}
	rs, _, err := e.connect(s, slug, ev.Head, 100, false)
	return rs, err
}

// scenarioPagesUnderStreams runs S3 and, while its posts flow to 10,000
// readers, the reader page under wrk: the unchanging page, the live event's
// page that every post changes, and nginx.
func scenarioPagesUnderStreams(e *env) error {
	if e.wrk == "" || e.nginx == "" {
		return errors.New("s6s3 needs wrk and nginx (apt-get install -y wrk nginx-light)")
	}
	return sustained(e, "S6+S3", func(s *server) error {
		ps, cases, err := e.pageSetup(s, slugPage)
		if err != nil {
			return err
		}
		defer ps.stop()
		rs, err := e.pageReaders(s, slugPage)
		if err != nil {
			return err
		}
		defer rs.close()
		gz := cases[1]
		live := gz
		live.name = "live event's page (changes 5×/s), gzip"
		live.goPath = "/live/" + slugLive
		live.ok = nil
		for _, c := range []wrkCase{gz, live} {
			if err := e.compare("S6 during S3", s, ps, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// pageServers are the servers liveblog's pages are compared with.
type pageServers struct {
	nginx *nginx
	plain *server
}

func (ps *pageServers) stop() {
	ps.nginx.stop()
	ps.plain.stop()
}

// pageSetup fetches the page and a changes response from liveblog, writes
// the same bytes for nginx and the plain Go server (gzip as liveblog sends
// it, or compressed here if liveblog sends none), starts them and returns
// the cases to compare.
func (e *env) pageSetup(s *server, slug string) (*pageServers, []wrkCase, error) {
	www := filepath.Join(e.dir, "www")
	os.RemoveAll(www)
	if err := os.MkdirAll(www, 0o755); err != nil {
		return nil, nil, err
	}
	// nginx's workers run as nobody and must reach the files.
	os.Chmod(e.dir, 0o755)
	pagePath := "/live/" + slug
	changesPath := "/live/" + slug + "/changes?after=40"
	files := map[string]string{"page.html": pagePath, "changes.json": changesPath}
	etags := map[string]string{}
	for file, path := range files {
		plain, _, _, err := get(s, path, false)
		if err != nil {
			return nil, nil, err
		}
		gz, encoding, etag, err := get(s, path, true)
		if err != nil {
			return nil, nil, err
		}
		if encoding != "gzip" {
			e.logf("  %s: liveblog sends no gzip; nginx gets a copy compressed here", path)
			gz = gzipBytes(plain)
		}
		etags[file] = etag
		if err := os.WriteFile(filepath.Join(www, file), plain, 0o644); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(filepath.Join(www, file+".gz"), gz, 0o644); err != nil {
			return nil, nil, err
		}
		e.logf("  %s: %d bytes, %d gzipped (liveblog sends %q)", path, len(plain), len(gz), encoding)
	}
	ng, err := e.startNginx(www)
	if err != nil {
		return nil, nil, err
	}
	plain, err := e.startPlain(www)
	if err != nil {
		ng.stop()
		return nil, nil, err
	}
	ps := &pageServers{nginx: ng, plain: plain}
	ngEtag, plainEtag := map[string]string{}, map[string]string{}
	for file := range files {
		_, _, etag, err := getURL(ng.url("/"+file), true)
		if err != nil {
			ps.stop()
			return nil, nil, err
		}
		ngEtag[file] = etag
		if _, _, etag, err = getURL(plain.url("/"+file), true); err != nil {
			ps.stop()
			return nil, nil, err
		}
		plainEtag[file] = etag
	}
	gzip := "Accept-Encoding: gzip"
	pageOK := func(ratio float64, p99 time.Duration) bool { return ratio >= 0.55 && p99 <= 5*time.Millisecond }
	notModifiedOK := func(ratio float64, _ time.Duration) bool { return ratio >= 0.5 }
	cases := []wrkCase{
		{name: "reader page, identity", goPath: pagePath, nginxPath: "/page.html", status: 200},
		{name: "reader page, gzip", goPath: pagePath, nginxPath: "/page.html", headers: []string{gzip}, nginxHdrs: []string{gzip},
			plainHdrs: []string{gzip}, status: 200, target: "≥ 55% of nginx, p99 ≤ 5 ms", ok: pageOK},
		{name: "reader page, 304", goPath: pagePath, nginxPath: "/page.html",
			headers: []string{gzip, "If-None-Match: " + etags["page.html"]}, nginxHdrs: []string{gzip, "If-None-Match: " + ngEtag["page.html"]},
			plainHdrs: []string{gzip, "If-None-Match: " + plainEtag["page.html"]}, status: 304, target: "≥ 50% of nginx", ok: notModifiedOK},
		{name: "changes, gzip", goPath: changesPath, nginxPath: "/changes.json", headers: []string{gzip}, nginxHdrs: []string{gzip},
			plainHdrs: []string{gzip}, status: 200},
		{name: "changes, 304", goPath: changesPath, nginxPath: "/changes.json",
			headers: []string{gzip, "If-None-Match: " + etags["changes.json"]}, nginxHdrs: []string{gzip, "If-None-Match: " + ngEtag["changes.json"]},
			plainHdrs: []string{gzip, "If-None-Match: " + plainEtag["changes.json"]}, status: 304, target: "≥ 50% of nginx", ok: notModifiedOK},
	}
	return ps, cases, nil
}

// compare runs one case against liveblog, nginx and the plain Go server,
// taking turns for several rounds, and records the medians of the rounds'
// rates, latencies and ratios (BENCHMARKS.md, "Reading S6", has why).
func (e *env) compare(scenario string, s *server, ps *pageServers, c wrkCase) error {
	targets := []struct {
		url  string
		hdrs []string
		proc *server // whose CPU is measured; nginx's workers are not
	}{{s.url(c.goPath), c.headers, s}, {ps.nginx.url(c.nginxPath), c.nginxHdrs, nil}, {ps.plain.url(c.nginxPath), c.plainHdrs, ps.plain}}
	for _, u := range targets {
		if status, err := statusOf(u.url, u.hdrs); err != nil {
			return err
		} else if status != c.status {
			return fmt.Errorf("%s: %s answered %d, want %d", c.name, u.url, status, c.status)
		}
	}
	rounds := pick(e, 3, 1)
	d := pick(e, 4*time.Second, 3*time.Second)
	load := loadAvg()
	var (
		results [3][]wrkResult
		cpu     [3]time.Duration
		reqs    [3]float64
		bad     [3]int
		ratios  [2][]float64 // liveblog's and plain Go's to nginx, per round
	)
	for round := range rounds {
		for i, u := range targets {
			var cpu0 time.Duration
			if u.proc != nil {
				cpu0 = u.proc.cpu()
			}
			r, err := e.runWrk(u.url, u.hdrs, d)
			if err != nil {
				return err
			}
			if u.proc != nil {
				cpu[i] += u.proc.cpu() - cpu0
				reqs[i] += r.rps * d.Seconds()
			}
			results[i] = append(results[i], r)
			bad[i] += r.bad
		}
		ratios[0] = append(ratios[0], results[0][round].rps/results[1][round].rps)
		ratios[1] = append(ratios[1], results[2][round].rps/results[1][round].rps)
	}
	lb, ngr, plain := medianWrk(results[0]), medianWrk(results[1]), medianWrk(results[2])
	ratio, plainRatio := median(ratios[0]), median(ratios[1])
	v := ""
	if c.ok != nil {
		v = verdict(c.ok(ratio, lb.p99))
	}
	perReq := func(i int) float64 { return float64(cpu[i]) / reqs[i] / 1e3 }
	value := fmt.Sprintf("liveblog %.0f req/s (p50 %s, p99 %s, %.0f µs CPU/req) vs nginx %.0f req/s (p99 %s): %.0f%% (%s); "+
		"plain Go %.0f req/s (p99 %s, %.0f µs CPU/req): %.0f%% (%s)",
		lb.rps, ms(lb.p50), ms(lb.p99), perReq(0), ngr.rps, ms(ngr.p99), ratio*100, spread(ratios[0]),
		plain.rps, ms(plain.p99), perReq(2), plainRatio*100, spread(ratios[1]))
	if bad[0]+bad[1]+bad[2] > 0 {
		value += fmt.Sprintf("; errors %d / %d / %d", bad[0], bad[1], bad[2])
	}
	e.report.add(scenario, c.name, value, c.target, v, load)
	e.logf("  %s: %s = %s (load %s)", scenario, c.name, value, load)
	return nil
}

// medianWrk is the median rate, p50 and p99 of rs, each on its own.
func medianWrk(rs []wrkResult) wrkResult {
	var rps, p50, p99 []float64
	for _, r := range rs {
		rps = append(rps, r.rps)
		p50 = append(p50, float64(r.p50))
		p99 = append(p99, float64(r.p99))
	}
	return wrkResult{rps: median(rps), p50: time.Duration(median(p50)), p99: time.Duration(median(p99))}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread says over how many rounds a ratio was taken and between what.
func spread(ratios []float64) string {
	if len(ratios) == 1 {
		return "1 round"
	}
	return fmt.Sprintf("%.0f–%.0f%% over %d rounds", slices.Min(ratios)*100, slices.Max(ratios)*100, len(ratios))
}

// runWrk runs wrk with two threads and 64 connections, as the reference
// figures were taken.
func (e *env) runWrk(url string, headers []string, d time.Duration) (wrkResult, error) {
	args := []string{"-t2", "-c64", "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	args = append(args, url)
	out, err := exec.CommandContext(e.ctx, e.wrk, args...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	return parseWrk(string(out))
}

var (
	wrkRPS     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkPct     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	wrkNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSockErr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk: no Requests/sec in %q", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		r.bad, _ = strconv.Atoi(m[1])
	}
	if m := wrkSockErr.FindStringSubmatch(out); m != nil {
		for _, v := range m[1:] {
			n, _ := strconv.Atoi(v)
			r.bad += n
		}
	}
	return r, nil
}

// get fetches path from liveblog and returns the body as sent (compressed
// if it was), its Content-Encoding and ETag.
func get(s *server, path string, gz bool) ([]byte, string, string, error) {
	return getURL(s.url(path), gz)
}

func getURL(url string, gz bool) ([]byte, string, string, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	// A transport of its own, which leaves the body as it came.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		return nil, "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"), nil
}

func statusOf(url string, headers []string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// nginx is an nginx master process serving www on a free port.
type nginx struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

func (n *nginx) url(path string) string { return "http://" + n.addr + path }

// startNginx serves www as a static site would be served in production:
// sendfile, open file cache, pre-compressed files, and one worker per CPU as
// liveblog runs one thread per CPU. Neither writes a line per request:
// liveblog does so only with --verbose.
func (e *env) startNginx(www string) (*nginx, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	prefix := filepath.Join(e.dir, "nginx")
	os.MkdirAll(filepath.Join(prefix, "logs"), 0o755)
	conf := fmt.Sprintf(`worker_processes auto;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  open_file_cache max=100 inactive=60s;
  types { text/html html; application/json json; }
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen %[2]s;
    root %[3]s;
    gzip_static on;
    etag on;
  }
}
`, prefix, addr, www)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(e.nginx, "-p", prefix, "-c", confPath)
	cmd.Stdout, cmd.Stderr = e.log, e.log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &nginx{cmd: cmd, addr: addr, done: make(chan struct{})}
	go func() { cmd.Wait(); close(n.done) }()
	for i := 0; ; i++ {
		if _, err := statusOf(n.url("/page.html"), nil); err == nil {
			return n, nil
		}
		if i == 100 {
			n.stop()
			return nil, fmt.Errorf("nginx did not start; see %s/logs/error.log", prefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (n *nginx) stop() {
	n.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
	}
}
