package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/liveblog/liveblog/demo"
)

var (
	deskLine     = regexp.MustCompile(`desk is at (http://\S+)/desk/`)
	passwordLine = regexp.MustCompile(`Sign in as (\S+) with the password (\S+)\n`)
)

// lineWatch follows the output of a command: it copies the lines into log,
// sends the submatches of the first line that matches a pattern on found,
// and closes ended when the output ends.
type lineWatch struct {
	log   syncBuffer
	found chan []string
	ended chan struct{}
}

func watchLines(r io.Reader, re *regexp.Regexp) *lineWatch {
	w := &lineWatch{found: make(chan []string, 1), ended: make(chan struct{})}
	go func() {
		defer close(w.ended)
		sc := bufio.NewScanner(r)
		matched := false
		for sc.Scan() {
			w.log.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil && !matched {
				matched = true
				w.found <- m
			}
		}
	}()
	return w
}

// runDemo runs the demo command in process on dir until it has said how to
// sign in, and returns the address it serves at and what it printed; stop
// ends it as Ctrl+C does.
func runDemo(t *testing.T, dir string) (base, said string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--data", dir}, nil, io.Discard, pw)
		pw.Close()
	}()
	w := watchLines(pr, regexp.MustCompile(`To set a new one:`))
	out := &w.log
	select {
	case <-w.found:
	case err := <-done:
		cancel()
		t.Fatalf("demo returned before serving: %v\n%s", err, out.String())
	case <-time.After(e2eTimeout):
		cancel()
		t.Fatalf("demo did not say how to sign in\n%s", out.String())
	}
	m := deskLine.FindStringSubmatch(out.String())
	if m == nil {
		cancel()
		t.Fatalf("demo does not say where the desk is:\n%s", out.String())
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo: %v", err)
			}
		case <-time.After(ShutdownTimeout + e2eTimeout):
			t.Error("demo did not stop")
		}
	}
	t.Cleanup(stop)
	return m[1], out.String(), stop
}

// TestDemoEditor signs in to the demo's desk as the demo says to: with the
// password the first start prints, once. A second start on the same data
// says the account exists and how to set a new password, and the first
// password still works.
func TestDemoEditor(t *testing.T) {
	dir := t.TempDir()
	base, said, stop := runDemo(t, dir)
	m := passwordLine.FindStringSubmatch(said)
	if m == nil {
		t.Fatalf("the first start gives no password:\n%s", said)
	}
	email, password := m[1], m[2]
	if email != demo.EditorEmail {
		t.Errorf("account: got %s, want %s", email, demo.EditorEmail)
	}
	if page, ok := deskSignIn(t, base, email, password); !ok {
		t.Fatalf("signing in with the printed password failed:\n%s", page)
	} else if !strings.Contains(page, htmlEscape(demo.EditorName)) {
		t.Errorf("the desk does not greet %s", demo.EditorName)
	}
	if _, ok := deskSignIn(t, base, email, password+"x"); ok {
		t.Error("a wrong password signed in")
	}
	stop()

	base, said, _ = runDemo(t, dir)
	if strings.Contains(said, password) || passwordLine.MatchString(said) {
		t.Errorf("a second start shows a password again:\n%s", said)
	}
	for _, want := range []string{"with the password shown when " + dir + " was created", "user password --email " + demo.EditorEmail + " --data " + dir} {
		if !strings.Contains(said, want) {
			t.Errorf("a second start does not say %q:\n%s", want, said)
		}
	}
	if page, ok := deskSignIn(t, base, email, password); !ok {
		t.Fatalf("after a restart, the first password no longer signs in:\n%s", page)
	}
}

// deskSignIn opens /desk/ at base, which leads to the sign-in page, and signs
// in as a browser's form post does. It reports whether that opened the desk,
// and returns the page it ended on.
func deskSignIn(t *testing.T, base, email, password string) (page string, ok bool) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: e2eTimeout}
	resp, err := client.Get(base + "/desk/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Request.URL.Path; got != "/desk/login" {
		t.Fatalf("/desk/ before signing in led to %s, want the sign-in page", got)
	}
	resp, err = client.PostForm(base+"/desk/login", url.Values{"email": {email}, "password": {password}, "next": {"/desk/"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(body), resp.StatusCode == http.StatusOK && resp.Request.URL.Path == "/desk/"
}

// htmlEscape is s as html/template writes it in a page.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
