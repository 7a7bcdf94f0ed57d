package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadme follows the README as a newcomer on a fresh machine does: the
// commands of "Running it for real" and "Publishing through the API", read
// from README.md and run one by one with the real binary, built by the test,
// on a data directory that does not exist yet. It signs in at /desk/ with the
// account the README creates, publishes with the token it creates, and finds
// the post on the reader page and in the stream. Only what a machine cannot
// type is changed: the data directory is under a temporary directory, the
// server listens on a free port, and the password comes from
// LIVEBLOG_PASSWORD, which the README names.
func TestReadme(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server; not in -short")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	r := &readmeRunner{
		t:    t,
		bin:  buildLiveblog(t),
		work: t.TempDir(),
		vars: map[string]string{},
	}
	// A data directory whose parent does not exist either.
	r.data = filepath.Join(r.work, "srv", "liveblog")
	r.password = "a newcomer's long password"
	for _, section := range []string{"Running it for real", "Publishing through the API"} {
		script := shellBlock(t, string(readme), section)
		for _, cmd := range shellCommands(script) {
			r.run(cmd)
		}
	}

	if r.serve == nil {
		t.Fatal("the README never starts serve")
	}
	if r.user.email == "" || len(r.posted) == 0 || !r.streamed {
		t.Fatalf("the README created user %q, published %q and followed the stream: %v; want all three", r.user.email, r.posted, r.streamed)
	}
	t.Run("PostOnReaderPage", func(t *testing.T) {
		for slug, headline := range r.posted {
			if page := get(t, r.base+"/live/"+slug); !strings.Contains(page, htmlEscape(headline)) {
				t.Errorf("/live/%s does not show %q", slug, headline)
			}
		}
	})
	t.Run("SecondServeRefused", func(t *testing.T) {
		var stderr bytes.Buffer
		cmd := exec.Command(r.bin, "serve", "--data", r.data, "--addr", "127.0.0.1:0")
		cmd.Stderr = &stderr
		err := cmd.Run()
		if exit := (*exec.ExitError)(nil); !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("second serve: got %v, want exit status 1\n%s", err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "in use by another liveblog serve") {
			t.Errorf("second serve said %q, want that the data directory is in use", stderr.String())
		}
	})
	r.stopServe()
}

// readmeRunner runs the README's commands.
type readmeRunner struct {
	t        *testing.T
	bin      string // the binary the test built
	work     string // the directory the commands run in
	data     string // stands for the README's /srv/liveblog
	password string
	vars     map[string]string

	path  string // where make build writes the binary, as make says
	serve *exec.Cmd
	logs  *lineWatch // serve's standard error
	addr  string     // host:port serve listens on
	base  string     // http://addr

	user     struct{ email, name string }
	posted   map[string]string    // slug -> headline of the posts published
	publish  func() *http.Request // the README's last publishing request, to send again
	streamed bool
}

func (r *readmeRunner) run(cmd string) {
	t := r.t
	t.Helper()
	if name, value, ok := assignment(cmd); ok {
		words := r.words(value)
		if len(words) != 1 {
			t.Fatalf("README: %s: want one value, got %q", cmd, words)
		}
		r.vars[name] = words[0]
		return
	}
	words := r.words(cmd)
	if len(words) == 0 {
		return
	}
	switch {
	case words[0] == "make":
		r.make(words)
	case r.path != "" && words[0] == r.path:
		r.liveblog(words[1:], nil)
	case words[0] == "curl":
		r.curl(words[1:])
	default:
		t.Fatalf("README runs %q: the test knows make build, %s and curl (did the binary's path change?)", cmd, cmp.Or(r.path, "the binary make build writes"))
	}
}

// make runs make build as the test's build: make itself is asked (make -n)
// what the build writes, so the README and the Makefile must agree on the
// binary's path for the commands after it to run.
func (r *readmeRunner) make(words []string) {
	t := r.t
	if len(words) != 2 || words[1] != "build" {
		t.Fatalf("README runs %q; the test knows make build", strings.Join(words, " "))
	}
	makeTool, err := exec.LookPath("make")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("make is needed to follow the README: %v", err)
		}
		t.Skipf("make is needed to follow the README: %v", err)
	}
	out, err := exec.Command(makeTool, "-n", "-C", filepath.Join("..", ".."), "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`go build .*-o (\S+) \./cmd/liveblog`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("make -n build does not build ./cmd/liveblog with -o:\n%s", out)
	}
	r.path = string(m[1])
	dest := filepath.Join(r.work, r.path)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(r.bin, dest); err != nil {
		t.Fatal(err)
	}
}

// liveblog runs a command of the binary to its end, or starts serve; it
// returns what the command printed on standard output.
func (r *readmeRunner) liveblog(args []string, stdout io.Writer) {
	t := r.t
	t.Helper()
	cmd := exec.Command(filepath.Join(r.work, r.path), args...)
	cmd.Dir = r.work
	cmd.Env = append(os.Environ(), "LIVEBLOG_PASSWORD="+r.password)
	if len(args) > 0 && args[0] == "serve" {
		r.startServe(cmd)
		return
	}
	if len(args) > 1 && args[0] == "user" && args[1] == "create" {
		r.user.email, r.user.name = flagValue(args, "--email"), flagValue(args, "--name")
		if _, err := os.Stat(r.data); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the data directory exists before the README's first command: %v", err)
		}
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("README: liveblog %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
}

var servingURL = regexp.MustCompile(`msg=serving url=http://(\S+)`)

// startServe starts serve, waits until it serves, and signs in at /desk/
// as the README tells the newcomer to.
func (r *readmeRunner) startServe(cmd *exec.Cmd) {
	t := r.t
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.serve = cmd
	t.Cleanup(r.stopServe)
	r.logs = watchLines(stderr, servingURL)
	select {
	case m := <-r.logs.found:
		r.addr = m[1]
	case <-r.logs.ended:
		t.Fatalf("serve ended before serving\n%s", r.logs.log.String())
	case <-time.After(e2eTimeout):
		t.Fatalf("serve did not start within %v\n%s", e2eTimeout, r.logs.log.String())
	}
	r.base = "http://" + r.addr
	r.signIn()
}

// stopServe stops serve as an operator does, with SIGTERM, and expects a
// clean exit.
func (r *readmeRunner) stopServe() {
	if r.serve == nil {
		return
	}
	cmd := r.serve
	r.serve = nil
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		r.t.Errorf("serve did not stop cleanly: %v\n%s", err, r.logs.log.String())
	}
}

// signIn signs in at /desk/ with the account the README created.
func (r *readmeRunner) signIn() {
	t := r.t
	if r.user.email == "" {
		t.Fatal("the README starts serve before it creates an account")
	}
	if desk, ok := deskSignIn(t, r.base, r.user.email, r.password); !ok {
		t.Fatalf("could not sign in as %s\n%s", r.user.email, desk)
	} else if !strings.Contains(desk, htmlEscape(r.user.name)) {
		t.Errorf("the desk does not greet %q", r.user.name)
	}
}

// curl does what the README's curl commands ask: -X, -H and -d, and -N to
// follow a stream, which it reads until a post is published on it.
func (r *readmeRunner) curl(args []string) {
	t := r.t
	t.Helper()
	method, target, body, stream := "", "", "", false
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-s":
		case "-N":
			stream = true
		case "-X", "-H", "-d":
			if i+1 == len(args) {
				t.Fatalf("README: curl %s without its value", a)
			}
			i++
			switch a {
			case "-X":
				method = args[i]
			case "-H":
				k, v, _ := strings.Cut(args[i], ":")
				header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			case "-d":
				body = args[i]
			}
		default:
			if strings.HasPrefix(a, "-") || target != "" {
				t.Fatalf("README: curl %q: the test does not know %q", strings.Join(args, " "), a)
			}
			target = a
		}
	}
	if method == "" {
		method = http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	request := func(ctx context.Context) *http.Request {
		req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
		if err != nil {
			t.Fatalf("README: curl %s: %v", target, err)
		}
		req.Header = header.Clone()
		return req
	}
	req := request(ctx)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("README: curl %s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("README: curl -X %s %s: status %d\n%s", method, target, resp.StatusCode, b)
	}
	if stream {
		r.followStream(resp.Body, target)
		return
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost && strings.HasSuffix(target, "/posts") {
		var sent, got struct {
			Headline string `json:"headline"`
			ID       int64  `json:"id"`
		}
		if err := json.Unmarshal([]byte(body), &sent); err != nil {
			t.Fatalf("README: the post it publishes is not JSON: %v", err)
		}
		if err := json.Unmarshal(b, &got); err != nil || got.ID == 0 || got.Headline != sent.Headline {
			t.Fatalf("README: publishing answered %s (%v), want the post %q", b, err, sent.Headline)
		}
		slug := strings.TrimSuffix(strings.TrimPrefix(req.URL.Path, "/api/v1/events/"), "/posts")
		if r.posted == nil {
			r.posted = map[string]string{}
		}
		r.posted[slug] = sent.Headline
		r.publish = func() *http.Request { return request(context.Background()) }
	}
	if req.URL.Path != "" && strings.HasSuffix(req.URL.Path, "/changes") {
		for slug, headline := range r.posted {
			if strings.Contains(req.URL.Path, "/"+slug+"/") && !strings.Contains(string(b), headline) {
				t.Errorf("%s does not hold the post %q:\n%s", target, headline, b)
			}
		}
	}
}

// followStream follows a stream the README opens. A stream starts with the
// changes after it opened, so the README's last publishing command is run
// again, as from another terminal, and its post must arrive.
func (r *readmeRunner) followStream(body io.Reader, target string) {
	t := r.t
	if r.publish == nil {
		t.Fatalf("README: follows %s before it publishes", target)
	}
	resp, err := (&http.Client{Timeout: e2eTimeout}).Do(r.publish())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("publishing again: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), `"kind":"post.published"`) {
			for _, headline := range r.posted {
				if strings.Contains(sc.Text(), htmlEscape(headline)) {
					r.streamed = true
					return
				}
			}
		}
	}
	t.Fatalf("README: the stream %s ended without the post published (%v)", target, sc.Err())
}

// words expands one command line: quotes, $VAR and $(command), and the
// README's own data directory and address.
func (r *readmeRunner) words(line string) []string {
	t := r.t
	t.Helper()
	words, err := shellWords(line, func(name string) string { return r.vars[name] }, func(inner string) (string, error) {
		ws := r.words(inner)
		if len(ws) == 0 || ws[0] != r.path {
			return "", fmt.Errorf("$(%s): the test runs only the binary in a command substitution", inner)
		}
		var out bytes.Buffer
		r.liveblog(ws[1:], &out)
		return strings.TrimSpace(out.String()), nil
	})
	if err != nil {
		t.Fatalf("README: %s: %v", line, err)
	}
	addr := "127.0.0.1:0" // for serve, before it says where it listens
	if r.addr != "" {
		addr = r.addr
	}
	for i, w := range words {
		w = strings.ReplaceAll(w, "/srv/liveblog", r.data)
		words[i] = strings.ReplaceAll(w, "127.0.0.1:8080", addr)
	}
	return words
}

// assignment splits NAME=VALUE.
func assignment(cmd string) (name, value string, ok bool) {
	m := regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)=(.*)$`).FindStringSubmatch(cmd)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// shellBlock returns the first ```sh block after the heading "## section".
func shellBlock(t *testing.T, doc, section string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n## "+section+"\n")
	if !ok {
		t.Fatalf("README has no section %q", section)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatalf("README section %q has no sh block", section)
	}
	return block
}

// shellCommands splits a shell script of simple commands into commands:
// newlines end them, except inside quotes or after a backslash, and
// comments are dropped.
func shellCommands(script string) []string {
	var cmds []string
	var b strings.Builder
	quote := rune(0)
	comment := false
	rs := []rune(script)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case comment:
			if c == '\n' {
				comment = false
				i--
			}
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteRune(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteRune(c)
		case c == '\\' && i+1 < len(rs) && rs[i+1] == '\n':
			i++
			b.WriteRune(' ')
		case c == '#' && (b.Len() == 0 || strings.HasSuffix(b.String(), " ")):
			comment = true
		case c == '\n':
			if s := strings.TrimSpace(b.String()); s != "" {
				cmds = append(cmds, s)
			}
			b.Reset()
		default:
			b.WriteRune(c)
		}
	}
	if s := strings.TrimSpace(b.String()); s != "" {
		cmds = append(cmds, s)
	}
	return cmds
}

// shellWords splits a command into words as a POSIX shell does for the
// README's commands: '...' literally, "..." and bare words with $NAME
// expanded, and $(...) replaced with what sub returns.
func shellWords(line string, vars func(string) string, sub func(string) (string, error)) ([]string, error) {
	var words []string
	var b strings.Builder
	inWord := false
	rs := []rune(line)
	name := func(i int) (string, int) {
		j := i
		for j < len(rs) && (rs[j] == '_' || rs[j] >= 'A' && rs[j] <= 'Z' || rs[j] >= 'a' && rs[j] <= 'z' || rs[j] >= '0' && rs[j] <= '9') {
			j++
		}
		return string(rs[i:j]), j
	}
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		case c == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j == len(rs) {
				return nil, errors.New("unclosed '")
			}
			b.WriteString(string(rs[i+1 : j]))
			i = j
			inWord = true
		case c == '"':
			i++
			for ; i < len(rs) && rs[i] != '"'; i++ {
				if rs[i] == '$' {
					n, j := name(i + 1)
					b.WriteString(vars(n))
					i = j - 1
					continue
				}
				b.WriteRune(rs[i])
			}
			if i == len(rs) {
				return nil, errors.New(`unclosed "`)
			}
			inWord = true
		case c == '$' && i+1 < len(rs) && rs[i+1] == '(':
			j := i + 2
			for j < len(rs) && rs[j] != ')' {
				j++
			}
			if j == len(rs) {
				return nil, errors.New("unclosed $(")
			}
			out, err := sub(string(rs[i+2 : j]))
			if err != nil {
				return nil, err
			}
			b.WriteString(out)
			i = j
			inWord = true
		case c == '$':
			n, j := name(i + 1)
			b.WriteString(vars(n))
			i = j - 1
			inWord = true
		default:
			b.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, b.String())
	}
	return words, nil
}
