package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/sqlite"
)

// TestCrash publishes through the API while the server is killed with
// SIGKILL at random moments, and checks that a client which retries every
// unanswered request with the same Idempotency-Key ends up with every post
// exactly once and a gapless feed.
//
// The server is the real binary, built by the test and run as a child
// process on a data directory of its own; nothing in this process shares
// its memory. The kill moments come from a seeded generator: the seed is
// logged, and LIVEBLOG_CRASH_SEED=N runs the same schedule again (the same
// kill points, counted in acknowledged posts; the instant within a request
// still depends on the machine).
//
// The quick version (100 posts, 5 kills) runs in the normal suite. The long
// one, 2000 posts and 50 kills:
//
//	LIVEBLOG_CRASH_LONG=1 go test ./cmd/liveblog -run TestCrash -v -timeout 30m
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server; not in -short")
	}
	posts, kills, workers := 100, 5, 8
	if os.Getenv("LIVEBLOG_CRASH_LONG") == "1" {
		posts, kills = 2000, 50
	}
	seed := testSeed(t, "LIVEBLOG_CRASH_SEED")
	t.Logf("crash: seed %d (LIVEBLOG_CRASH_SEED=%d repeats the schedule)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))

	bin := buildLiveblog(t)
	dir := t.TempDir()
	token := strings.TrimSpace(runLiveblog(t, bin, "token", "create", "--name", "crash", "--data", dir))
	sup := &supervisor{t: t, bin: bin, dir: dir}
	sup.start()
	t.Cleanup(sup.stop)

	c := &crashClient{http: &http.Client{Timeout: e2eTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}, token: token, sup: sup}
	var ev liveblog.Event
	if _, err := c.write("POST", "/api/v1/events", "crash-event",
		`{"slug":"crash","title":"Crash test","state":"live"}`, &ev); err != nil {
		t.Fatal(err)
	}

	// The kills happen when given numbers of posts have been acknowledged,
	// each a random few hundred microseconds later, so that they fall while
	// requests of the other workers are anywhere between sent and answered.
	killAt := make([]int, kills)
	for i := range killAt {
		killAt[i] = 1 + rng.IntN(posts-1)
	}
	slices.Sort(killAt)
	delays := make([]time.Duration, kills)
	for i := range delays {
		delays[i] = time.Duration(rng.IntN(1000)) * time.Microsecond
	}

	acked := make([]int64, posts) // the id each post was acknowledged with
	ackc := make(chan struct{}, posts)
	var replayed, retried atomic.Int64
	work := make(chan int)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range work {
				var p liveblog.Post
				r, err := c.write("POST", "/api/v1/events/crash/posts", crashKey(i), crashBody(i), &p)
				if err != nil {
					errc <- err
					return
				}
				replayed.Add(r.replayed)
				retried.Add(r.retries)
				acked[i] = p.ID
				ackc <- struct{}{}
			}
		})
	}
	go func() {
		defer close(work)
		for i := range posts {
			select {
			case work <- i:
			case <-t.Context().Done():
				return
			}
		}
	}()

	done := 0
	for k := range kills {
		for done < killAt[k] {
			select {
			case <-ackc:
				done++
			case err := <-errc:
				t.Fatal(err)
			case <-time.After(e2eTimeout):
				t.Fatalf("no post acknowledged within %v (%d so far)", e2eTimeout, done)
			}
		}
		time.Sleep(delays[k]) // picks the instant of the kill, not a synchronisation
		sup.kill()
		sup.start()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}

	// Count what the restarted server serves: the posts by headline, and the
	// feed from 1 to its head.
	seen := map[string][]int64{}
	for _, p := range c.listPosts(t) {
		seen[p.Headline] = append(seen[p.Headline], p.ID)
	}
	lost, duplicated := 0, 0
	for i, id := range acked {
		ids := seen[crashHeadline(i)]
		if !slices.Contains(ids, id) {
			lost++
			t.Errorf("post %d: acknowledged as %d, stored as %v", i, id, ids)
		}
		if len(ids) > 1 {
			duplicated += len(ids) - 1
			t.Errorf("post %d stored %d times: %v", i, len(ids), ids)
		}
		delete(seen, crashHeadline(i))
	}
	for headline, ids := range seen {
		duplicated += len(ids)
		t.Errorf("unexpected post %q: %v", headline, ids)
	}
	head, published := c.checkFeed(t, "crash")
	if published != posts {
		t.Errorf("feed publishes %d posts, want %d", published, posts)
	}

	// Every write left its key, with the answer the client got.
	sup.stop()
	store, err := sqlite.Open(t.Context(), filepath.Join(dir, "liveblog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	toks, err := store.FindTokens(t.Context())
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens: %v, %v", toks, err)
	}
	for i, id := range acked {
		rec, err := store.FindIdempotencyRecord(t.Context(), toks[0].ID, crashKey(i))
		if err != nil {
			t.Errorf("post %d: %v", i, err)
			continue
		}
		if rec.PostID != id {
			t.Errorf("post %d: key answers post %d, acknowledged as %d", i, rec.PostID, id)
		}
	}

	t.Logf("crash: M=%d kills=%d lost=%d duplicated=%d (replayed=%d retried=%d feed head=%d gapless)",
		posts, kills, lost, duplicated, replayed.Load(), retried.Load(), head)
}

func crashKey(i int) string      { return fmt.Sprintf("crash-post-%05d", i) }
func crashHeadline(i int) string { return fmt.Sprintf("Crash post %05d", i) }
func crashBody(i int) string {
	return fmt.Sprintf(`{"headline":%q,"blocks":[{"type":"paragraph","text":"Written once, whatever happens to the server."}]}`, crashHeadline(i))
}

// buildLiveblog builds this command into a temporary directory.
func buildLiveblog(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go tool is needed to build the server: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "liveblog")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runLiveblog runs a command of the binary to completion and returns its
// standard output.
func runLiveblog(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("liveblog %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

var servingLine = regexp.MustCompile(`msg=serving url=(http://\S+)`)

// supervisor runs `liveblog serve` as a child process and kills and
// restarts it. Clients find the current server through it: each run is a
// generation, with a channel closed when it serves and one closed when it
// has been killed.
type supervisor struct {
	t        *testing.T
	bin, dir string

	mu   sync.Mutex
	cmd  *exec.Cmd
	gen  *generation
	logs syncBuffer
}

type generation struct {
	url  string        // set before up is closed
	up   chan struct{} // closed when the server serves
	down chan struct{} // closed when it has been killed
}

func newGeneration() *generation {
	return &generation{up: make(chan struct{}), down: make(chan struct{})}
}

// start starts a server and waits until it serves.
func (s *supervisor) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve", "--addr", "127.0.0.1:0", "--data", s.dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.logs.WriteString(sc.Text() + "\n")
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case url := <-found:
		s.mu.Lock()
		if s.gen == nil {
			s.gen = newGeneration()
		}
		s.cmd, s.gen.url = cmd, url
		close(s.gen.up)
		s.mu.Unlock()
	case <-time.After(e2eTimeout):
		cmd.Process.Kill()
		cmd.Wait()
		s.t.Fatalf("server did not start within %v\n%s", e2eTimeout, s.logs.String())
	}
}

// current returns the generation serving now, or the next one while the
// server is down.
func (s *supervisor) current() *generation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// kill kills the server with SIGKILL: no shutdown, no flush, no deferred
// function runs.
func (s *supervisor) kill() {
	s.t.Helper()
	s.mu.Lock()
	cmd, gen := s.cmd, s.gen
	s.cmd, s.gen = nil, newGeneration()
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	cmd.Wait()
	close(gen.down)
}

// stop stops the server gracefully, as an operator would.
func (s *supervisor) stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		s.t.Errorf("server did not stop cleanly: %v\n%s", err, s.logs.String())
	}
}

// crashClient is an API client that retries a write until it is answered,
// with the same Idempotency-Key, across server restarts.
type crashClient struct {
	http  *http.Client
	token string
	sup   *supervisor
}

type writeResult struct {
	retries, replayed int64
}

// write sends a write until a server answers it, and decodes the answer
// into out. An answer other than success is an error: a retry of a write
// that went through must be given its first answer.
func (c *crashClient) write(method, path, key, body string, out any) (writeResult, error) {
	var res writeResult
	for {
		gen := c.sup.current()
		select {
		case <-gen.up:
		case <-time.After(e2eTimeout):
			return res, fmt.Errorf("%s %s (key %s): no server up within %v", method, path, key, e2eTimeout)
		}
		status, b, replayed, err := c.send(gen.url, method, path, key, body)
		if err == nil {
			if status/100 != 2 {
				return res, fmt.Errorf("%s %s (key %s): %d %s", method, path, key, status, b)
			}
			if replayed {
				res.replayed++
			}
			return res, json.Unmarshal(b, out)
		}
		// No answer: the server died under the request, or before it. Wait
		// for the next one and send the same request again.
		res.retries++
		select {
		case <-gen.down:
		case <-time.After(e2eTimeout):
			return res, fmt.Errorf("%s %s (key %s): %v, and the server is still up", method, path, key, err)
		}
	}
}

func (c *crashClient) send(base, method, path, key, body string) (status int, b []byte, replayed bool, err error) {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, false, err
	}
	defer resp.Body.Close()
	if b, err = io.ReadAll(resp.Body); err != nil {
		return 0, nil, false, err
	}
	return resp.StatusCode, b, resp.Header.Get("Idempotent-Replayed") == "true", nil
}

// get reads an API or public JSON URL of the current server.
func (c *crashClient) get(t *testing.T, path string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", c.sup.current().url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s = %d: %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// listPosts pages through every published post of the crash event.
func (c *crashClient) listPosts(t *testing.T) []*liveblog.Post {
	t.Helper()
	var all []*liveblog.Post
	next := "/api/v1/events/crash/posts?limit=100"
	for next != "" {
		var list struct {
			Posts []*liveblog.Post `json:"posts"`
			Next  string           `json:"next"`
		}
		c.get(t, next, &list)
		all = append(all, list.Posts...)
		next = list.Next
	}
	return all
}

// checkFeed reads an event's feed through the polling endpoint and checks
// that it runs from 1 to the head without a gap or a repeat, and that each
// post is published in it once. It returns the head and the number of posts
// published.
func (c *crashClient) checkFeed(t *testing.T, slug string) (head int64, published int) {
	t.Helper()
	var after int64
	posts := map[int64]int{}
	for {
		var list struct {
			Head    int64              `json:"head"`
			Floor   int64              `json:"floor"`
			Reset   bool               `json:"reset"`
			Changes []*liveblog.Change `json:"changes"`
		}
		c.get(t, fmt.Sprintf("/live/%s/changes?after=%d", slug, after), &list)
		if list.Reset || list.Floor != 0 {
			t.Fatalf("changes after %d: reset %v, floor %d; want the whole feed", after, list.Reset, list.Floor)
		}
		for _, ch := range list.Changes {
			if ch.Seq != after+1 {
				t.Fatalf("feed: change %d follows %d", ch.Seq, after)
			}
			after = ch.Seq
			if ch.Kind == liveblog.ChangePostPublished {
				posts[ch.PostID]++
			}
		}
		if len(list.Changes) == 0 {
			if after != list.Head {
				t.Fatalf("feed ends at %d, head is %d", after, list.Head)
			}
			break
		}
	}
	for id, n := range posts {
		if n != 1 {
			t.Errorf("post %d published %d times in the feed", id, n)
		}
	}
	return after, len(posts)
}
