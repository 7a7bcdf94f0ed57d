package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/argon2id"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/sqlite"
)

// deskPassword is every test user's password.
const deskPassword = "correct horse battery"

// cheapHash keeps sign-ins fast in tests; Verify reads the parameters from
// the hash, so the path is the one production takes.
var cheapHash = argon2id.HashWith(deskPassword, argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})

// deskEnv is a server with a newsroom: one user of each role.
type deskEnv struct {
	*testEnv
	admin, editor, reporter *liveblog.User
}

func newDeskEnv(t *testing.T, cfg lbhttp.Config) *deskEnv {
	t.Helper()
	if cfg.MediaDir == "" {
		cfg.MediaDir = t.TempDir()
	}
	env := &deskEnv{testEnv: newTestEnv(t, cfg)}
	t.Cleanup(func() {
		if n := env.errors.count(); n > 0 {
			t.Errorf("server logged %d errors; want none", n)
		}
	})
	env.admin = env.newUser(t, "admin@example.com", "Ada Admin", liveblog.RoleAdmin)
	env.editor = env.newUser(t, "editor@example.com", "Ed Editor", liveblog.RoleEditor)
	env.reporter = env.newUser(t, "reporter@example.com", "Rita Reporter", liveblog.RoleReporter)
	return env
}

func (e *deskEnv) newUser(t *testing.T, email, name string, role liveblog.Role) *liveblog.User {
	t.Helper()
	u := &liveblog.User{Email: email, Name: name, Role: role, PasswordHash: cheapHash,
		Byline: liveblog.Contributor{Role: string(role) + " correspondent"}}
	if err := e.store.CreateUser(context.Background(), liveblog.Write{}, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// deskClient is one browser: a cookie jar and the CSRF token of its session.
type deskClient struct {
	ts     string
	client *http.Client
	csrf   string
	// header is sent with every request, e.g. X-Forwarded-For.
	header http.Header
}

func (e *deskEnv) browser(t *testing.T) *deskClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &deskClient{ts: e.ts.URL, header: http.Header{}, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signIn signs in as email and reads the session's CSRF token off a page.
func (e *deskEnv) signIn(t *testing.T, email string) *deskClient {
	t.Helper()
	c := e.browser(t)
	res := c.postForm(t, "/desk/login", url.Values{"email": {email}, "password": {deskPassword}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d, want 303: %s", email, res.status, res.body)
	}
	c.readCSRF(t)
	return c
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([0-9a-f]+)">`)

func (c *deskClient) readCSRF(t *testing.T) {
	t.Helper()
	res := c.do(t, "GET", "/desk/", "", "", "Accept", "text/html")
	m := csrfMeta.FindSubmatch(res.body)
	if m == nil {
		t.Fatalf("no CSRF token on the desk (status %d)", res.status)
	}
	c.csrf = string(m[1])
}

// do makes a request as the desk's script does: same-origin, with the
// CSRF token, asking for JSON. header pairs override (an empty value
// removes).
func (c *deskClient) do(t *testing.T, method, path, contentType, body string, header ...string) *response {
	t.Helper()
	req, err := http.NewRequest(method, c.ts+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept", "application/json")
	if c.csrf != "" {
		req.Header.Set(lbhttp.CSRFHeader, c.csrf)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	res, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode >= 500 {
		t.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, b)
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

// postForm sends an HTML form as a browser without the desk's script does:
// the token in a field, a page wanted back.
func (c *deskClient) postForm(t *testing.T, path string, form url.Values, header ...string) *response {
	t.Helper()
	if c.csrf != "" && form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	return c.do(t, "POST", path, "application/x-www-form-urlencoded", form.Encode(),
		append([]string{lbhttp.CSRFHeader, "", "Accept", "text/html"}, header...)...)
}

func (c *deskClient) postJSON(t *testing.T, method, path string, v any) *response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return c.do(t, method, path, "application/json", string(b))
}

func (c *deskClient) cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.ts + "/desk/")
	for _, ck := range c.client.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

var slugCount atomic.Int64

// newEvent creates a live event with a unique slug.
func (e *deskEnv) newEvent(t *testing.T) *liveblog.Event {
	t.Helper()
	ev := &liveblog.Event{Slug: fmt.Sprintf("desk-event-%d", slugCount.Add(1)), Title: "Desk event", State: liveblog.CoverageLive}
	if err := e.store.CreateEvent(context.Background(), liveblog.Write{}, ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// newPost creates a post by author in ev.
func (e *deskEnv) newPost(t *testing.T, ev *liveblog.Event, author *liveblog.User, edit ...func(*liveblog.Post)) *liveblog.Post {
	t.Helper()
	p := &liveblog.Post{EventID: ev.ID, Headline: "A post by " + author.Name, AuthorID: author.ID,
		Blocks: []liveblog.Block{liveblog.Plain("Body.")}}
	for _, f := range edit {
		f(p)
	}
	if err := e.store.CreatePost(context.Background(), liveblog.Write{}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func decodeJSON[T any](t *testing.T, res *response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatalf("decode %s: %v", res.body, err)
	}
	return v
}

func TestDeskSignIn(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ctx := context.Background()

	t.Run("FormShown", func(t *testing.T) {
		res := env.browser(t).do(t, "GET", "/desk/login", "", "", "Accept", "text/html")
		if res.status != http.StatusOK || !strings.Contains(string(res.body), `name="password"`) {
			t.Errorf("status %d, body without a password field", res.status)
		}
		if got := res.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
	})
	t.Run("PagesNeedSignIn", func(t *testing.T) {
		res := env.browser(t).do(t, "GET", "/desk/", "", "", "Accept", "text/html")
		if got, want := res.header.Get("Location"), "/desk/login?next=%2Fdesk%2F"; res.status != http.StatusSeeOther || got != want {
			t.Errorf("status %d Location %q, want 303 to %s", res.status, got, want)
		}
	})
	t.Run("ScriptRequestsNeedSignIn", func(t *testing.T) {
		res := env.browser(t).do(t, "GET", "/desk/", "", "")
		wantProblem(t, res, http.StatusUnauthorized, "")
	})
	for _, tt := range []struct{ name, email, password string }{
		{"WrongPassword", "editor@example.com", "not the password"},
		{"UnknownEmail", "nobody@example.com", deskPassword},
		{"EmptyPassword", "editor@example.com", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := env.browser(t)
			res := c.postForm(t, "/desk/login", url.Values{"email": {tt.email}, "password": {tt.password}})
			if res.status != http.StatusUnauthorized || !strings.Contains(string(res.body), "Wrong email or password.") {
				t.Errorf("status %d, want 401 with the generic message: %s", res.status, res.body)
			}
			if c.cookie(lbhttp.SessionCookie) != nil {
				t.Errorf("a failed sign-in set a session cookie")
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		c := env.browser(t)
		res := c.postForm(t, "/desk/login", url.Values{"email": {"Editor@Example.com"}, "password": {deskPassword}, "next": {"/desk/password"}})
		if got := res.header.Get("Location"); res.status != http.StatusSeeOther || got != "/desk/password" {
			t.Fatalf("status %d Location %q, want 303 to /desk/password", res.status, got)
		}
		set := res.header.Get("Set-Cookie")
		for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/desk", "Expires="} {
			if !strings.Contains(set, attr) {
				t.Errorf("Set-Cookie %q lacks %s", set, attr)
			}
		}
		if strings.Contains(set, "Secure") {
			t.Errorf("Set-Cookie %q is Secure on plain HTTP, which the browser would not send back", set)
		}
		secret := c.cookie(lbhttp.SessionCookie).Value
		sess, err := env.store.FindSessionByHash(ctx, liveblog.HashToken(secret))
		if err != nil || sess.UserID != env.editor.ID {
			t.Errorf("session of the cookie = %+v, %v; want the editor's", sess, err)
		}
		if _, err := env.store.FindSessionByHash(ctx, secret); err == nil {
			t.Errorf("the store keeps the cookie's secret itself, not its hash")
		}
	})
	t.Run("OpenRedirectRefused", func(t *testing.T) {
		for _, next := range []string{"//evil.example/desk/", "https://evil.example/", "/live/x", `/desk/\evil`} {
			res := env.browser(t).postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}, "next": {next}})
			if got := res.header.Get("Location"); got != "/desk/" {
				t.Errorf("next=%q: Location %q, want /desk/", next, got)
			}
		}
	})
	t.Run("DisabledUser", func(t *testing.T) {
		u := env.newUser(t, "gone@example.com", "Gone", liveblog.RoleEditor)
		if _, err := env.store.UpdateUser(ctx, liveblog.Write{}, u.ID, liveblog.UserUpdate{Disabled: new(true), Version: u.Version}); err != nil {
			t.Fatal(err)
		}
		res := env.browser(t).postForm(t, "/desk/login", url.Values{"email": {"gone@example.com"}, "password": {deskPassword}})
		if res.status != http.StatusUnauthorized || !strings.Contains(string(res.body), "Wrong email or password.") {
			t.Errorf("status %d, want 401 with the generic message", res.status)
		}
	})
	t.Run("DisablingEndsSession", func(t *testing.T) {
		u := env.newUser(t, "leaving@example.com", "Leaving", liveblog.RoleEditor)
		c := env.signIn(t, "leaving@example.com")
		if _, err := env.store.UpdateUser(ctx, liveblog.Write{}, u.ID, liveblog.UserUpdate{Disabled: new(true), Version: u.Version}); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, c.do(t, "GET", "/desk/", "", ""), http.StatusUnauthorized, "")
	})
	t.Run("SignOut", func(t *testing.T) {
		c := env.signIn(t, "editor@example.com")
		secret := c.cookie(lbhttp.SessionCookie).Value
		res := c.postForm(t, "/desk/logout", url.Values{})
		if got := res.header.Get("Location"); res.status != http.StatusSeeOther || got != "/desk/login" {
			t.Errorf("status %d Location %q, want 303 to /desk/login", res.status, got)
		}
		if c.cookie(lbhttp.SessionCookie) != nil {
			t.Errorf("the cookie survived signing out")
		}
		if _, err := env.store.FindSessionByHash(ctx, liveblog.HashToken(secret)); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Errorf("the session survived signing out: %v", err)
		}
	})
	t.Run("NewSessionEachSignIn", func(t *testing.T) {
		c := env.signIn(t, "editor@example.com")
		first := c.cookie(lbhttp.SessionCookie).Value
		c.postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}})
		if second := c.cookie(lbhttp.SessionCookie).Value; second == first {
			t.Errorf("signing in again kept the session id")
		}
		if _, err := env.store.FindSessionByHash(ctx, liveblog.HashToken(first)); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Errorf("the earlier session survived a new sign-in: %v", err)
		}
	})
}

func TestDeskSecureCookie(t *testing.T) {
	for _, tt := range []struct {
		name   string
		proxy  bool
		proto  string
		secure bool
	}{
		{"DirectHTTP", false, "", false},
		{"ProxyHeaderIgnoredWithoutFlag", false, "https", false},
		{"BehindTLSProxy", true, "https", true},
		{"BehindPlainProxy", true, "http", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newDeskEnv(t, lbhttp.Config{BehindProxy: tt.proxy})
			c := env.browser(t)
			res := c.postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}},
				"X-Forwarded-Proto", tt.proto)
			if got := strings.Contains(res.header.Get("Set-Cookie"), "Secure"); got != tt.secure {
				t.Errorf("Set-Cookie %q: Secure %v, want %v", res.header.Get("Set-Cookie"), got, tt.secure)
			}
		})
	}
}

func TestDeskCSRF(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	ev := env.newEvent(t)
	editor := env.signIn(t, "editor@example.com")
	other := env.signIn(t, "admin@example.com")
	path := "/desk/events/" + ev.Slug + "/summary"
	form := func() string { return url.Values{"version": {"1"}, "points": {"Forged point"}}.Encode() }
	const formType = "application/x-www-form-urlencoded"

	for _, tt := range []struct {
		name   string
		header []string
	}{
		{"CrossSiteFetch", []string{"Sec-Fetch-Site", "cross-site"}},
		{"OtherOrigin", []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
		{"NoToken", []string{lbhttp.CSRFHeader, ""}},
		{"WrongToken", []string{lbhttp.CSRFHeader, strings.Repeat("0", 64)}},
		{"AnotherSessionsToken", []string{lbhttp.CSRFHeader, other.csrf}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, editor.do(t, "POST", path, formType, form(), tt.header...), http.StatusForbidden, "")
		})
	}
	t.Run("TokenInForm", func(t *testing.T) {
		res := editor.postForm(t, path, url.Values{"version": {"1"}, "points": {"Real point"}})
		if res.status != http.StatusSeeOther {
			t.Errorf("status %d, want 303: %s", res.status, res.body)
		}
	})
	t.Run("CrossSiteSignIn", func(t *testing.T) {
		res := env.browser(t).postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}},
			"Sec-Fetch-Site", "cross-site")
		if res.status != http.StatusForbidden {
			t.Errorf("status %d, want 403", res.status)
		}
	})
	got, err := env.store.FindEventByID(context.Background(), ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Summary.Points, ",") != "Real point" {
		t.Errorf("key points = %q; a refused request changed them", got.Summary.Points)
	}
}

func TestDeskThrottle(t *testing.T) {
	t.Run("PerAccount", func(t *testing.T) {
		env := newDeskEnv(t, lbhttp.Config{BehindProxy: true})
		// Each guess from another address, so only the account's limit
		// applies.
		for i := range lbhttp.MaxLoginFailuresPerAccount {
			c := env.browser(t)
			c.header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i+1))
			if res := c.postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {"guess"}}); res.status != http.StatusUnauthorized {
				t.Fatalf("guess %d: status %d, want 401", i+1, res.status)
			}
		}
		c := env.browser(t)
		c.header.Set("X-Forwarded-For", "198.51.100.1")
		res := c.postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}})
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" || !strings.Contains(string(res.body), "Too many failed sign-ins") {
			t.Errorf("right password after %d failures: status %d, Retry-After %q; want 429 with Retry-After",
				lbhttp.MaxLoginFailuresPerAccount, res.status, res.header.Get("Retry-After"))
		}
		if c.cookie(lbhttp.SessionCookie) != nil {
			t.Errorf("a throttled sign-in set a session cookie")
		}
		// Another account is not held back by the guesses.
		c = env.browser(t)
		c.header.Set("X-Forwarded-For", "198.51.100.1")
		if res := c.postForm(t, "/desk/login", url.Values{"email": {"reporter@example.com"}, "password": {deskPassword}}); res.status != http.StatusSeeOther {
			t.Errorf("another account: status %d, want 303", res.status)
		}
	})
	t.Run("PerAddress", func(t *testing.T) {
		env := newDeskEnv(t, lbhttp.Config{BehindProxy: true})
		c := env.browser(t)
		c.header.Set("X-Forwarded-For", "203.0.113.9")
		for i := range lbhttp.MaxLoginFailuresPerAddress {
			// A password too long to be anyone's is refused without
			// hashing, which keeps this loop fast; it still counts.
			email := fmt.Sprintf("guess-%d@example.com", i)
			guess := strings.Repeat("x", liveblog.MaxPasswordLength+1)
			if res := c.postForm(t, "/desk/login", url.Values{"email": {email}, "password": {guess}}); res.status != http.StatusUnauthorized {
				t.Fatalf("guess %d: status %d, want 401", i+1, res.status)
			}
		}
		if res := c.postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}}); res.status != http.StatusTooManyRequests {
			t.Errorf("from the guessing address: status %d, want 429", res.status)
		}
		// The proxy appends the client's address; what the client wrote
		// before it does not change who it is.
		c.header.Set("X-Forwarded-For", "192.0.2.77, 203.0.113.9")
		if res := c.postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}}); res.status != http.StatusTooManyRequests {
			t.Errorf("with a forged earlier hop: status %d, want 429", res.status)
		}
		c.header.Set("X-Forwarded-For", "203.0.113.10")
		if res := c.postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}}); res.status != http.StatusSeeOther {
			t.Errorf("from another address: status %d, want 303", res.status)
		}
	})
	t.Run("AcrossNodes", func(t *testing.T) {
		// Two servers on one database, as two nodes behind a balancer:
		// failures on one count on the other.
		dir := t.TempDir()
		open := func() *deskEnv {
			return &deskEnv{testEnv: newTestEnvWith(t, lbhttp.Config{}, openStore(t, filepath.Join(dir, "liveblog.db")))}
		}
		a, b := open(), open()
		a.newUser(t, "editor@example.com", "Ed", liveblog.RoleEditor)
		for i := range lbhttp.MaxLoginFailuresPerAccount {
			node := a
			if i%2 == 1 {
				node = b
			}
			node.browser(t).postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {"guess"}})
		}
		for name, node := range map[string]*deskEnv{"A": a, "B": b} {
			res := node.browser(t).postForm(t, "/desk/login", url.Values{"email": {"editor@example.com"}, "password": {deskPassword}})
			if res.status != http.StatusTooManyRequests {
				t.Errorf("node %s: status %d, want 429", name, res.status)
			}
		}
	})
	t.Run("SuccessNotCounted", func(t *testing.T) {
		env := newDeskEnv(t, lbhttp.Config{})
		for range lbhttp.MaxLoginFailuresPerAccount + 2 {
			env.signIn(t, "editor@example.com")
		}
	})
}

func TestDeskPassword(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	c := env.signIn(t, "reporter@example.com")
	elsewhere := env.signIn(t, "reporter@example.com")
	for _, tt := range []struct {
		name, current, next, again string
		status                     int
		says                       string
	}{
		{"WrongCurrent", "wrong one", "a new long password", "a new long password", http.StatusUnauthorized, "current password is not right"},
		{"TooShort", deskPassword, "short", "short", http.StatusBadRequest, "at least 10"},
		{"Mismatch", deskPassword, "a new long password", "another long password", http.StatusBadRequest, "differ"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := c.postForm(t, "/desk/password", url.Values{"current": {tt.current}, "password": {tt.next}, "again": {tt.again}})
			if res.status != tt.status || !strings.Contains(string(res.body), tt.says) {
				t.Errorf("status %d, want %d saying %q", res.status, tt.status, tt.says)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		res := c.postForm(t, "/desk/password", url.Values{"current": {deskPassword}, "password": {"a new long password"}, "again": {"a new long password"}})
		if res.status != http.StatusOK || !strings.Contains(string(res.body), "Your password has changed") {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		u, err := env.store.FindUserByID(context.Background(), env.reporter.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := argon2id.Verify(u.PasswordHash, "a new long password"); !ok {
			t.Errorf("the new password does not verify")
		}
		if res := c.do(t, "GET", "/desk/", "", ""); res.status != http.StatusOK {
			t.Errorf("the session that changed the password: status %d, want 200", res.status)
		}
		wantProblem(t, elsewhere.do(t, "GET", "/desk/", "", ""), http.StatusUnauthorized, "")
	})
}

// newTestEnvWith wires a server to store as newTestEnv does, for tests that
// run several servers on one database.
func newTestEnvWith(t *testing.T, cfg lbhttp.Config, store *sqlite.Store) *testEnv {
	t.Helper()
	errs := &errorLog{}
	t.Cleanup(func() {
		if n := errs.count(); n > 0 {
			t.Errorf("server logged %d errors; want none", n)
		}
	})
	logger := slog.New(errs.wrap(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	srv, _ := newServer(t, cfg, store, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testEnv{ts: ts, srv: srv, store: store, errors: errs}
}

func TestDeskProfile(t *testing.T) {
	env := newDeskEnv(t, lbhttp.Config{})
	c := env.signIn(t, "reporter@example.com")
	t.Run("OK", func(t *testing.T) {
		res := c.postForm(t, "/desk/profile", url.Values{"version": {"1"}, "byline_name": {"Rita R."}, "byline_role": {"Transport correspondent"}, "byline_avatar": {"https://images.example.com/rita.jpg"}})
		if res.status != http.StatusOK || !strings.Contains(string(res.body), "Your byline has changed") {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		u, err := env.store.FindUserByID(context.Background(), env.reporter.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (liveblog.Contributor{Name: "Rita R.", Role: "Transport correspondent", Avatar: "https://images.example.com/rita.jpg"}); u.Byline != want {
			t.Errorf("byline = %+v, want %+v", u.Byline, want)
		}
		ev := env.newEvent(t)
		body := string(c.do(t, "GET", "/desk/events/"+ev.Slug, "", "", "Accept", "text/html").body)
		if !strings.Contains(body, `data-name="Rita R." data-role="Transport correspondent"`) {
			t.Errorf("the composer does not offer the new byline")
		}
	})
	t.Run("Stale", func(t *testing.T) {
		res := c.postForm(t, "/desk/profile", url.Values{"version": {"1"}, "byline_name": {"Old"}})
		if res.status != http.StatusConflict {
			t.Errorf("status %d, want 409", res.status)
		}
	})
	t.Run("JavascriptAvatar", func(t *testing.T) {
		res := c.postForm(t, "/desk/profile", url.Values{"version": {"2"}, "byline_name": {"Rita"}, "byline_avatar": {"javascript:alert(1)"}})
		if res.status != http.StatusBadRequest {
			t.Errorf("status %d, want 400", res.status)
		}
	})
	t.Run("NotSignedIn", func(t *testing.T) {
		wantProblem(t, env.browser(t).do(t, "POST", "/desk/profile", "application/x-www-form-urlencoded", "version=1&byline_name=X"), http.StatusUnauthorized, "")
	})
}
