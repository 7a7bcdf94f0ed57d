package http_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// TestSignInDiskFill is an outside trial's attack on the sign-in form: an
// email of 921,600 characters, sent three times by a client nobody has
// signed in, then three times more once its address is throttled, with the
// database's size on disk measured around each step. It must grow by
// nothing: every value that reaches the store from an unauthenticated
// request has a length cap checked before any write, a throttled attempt
// stores nothing it typed, and failures from one address are one row's
// count, not a row each.
func TestSignInDiskFill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liveblog.db")
	env := &deskEnv{testEnv: newTestEnvWith(t, lbhttp.Config{BehindProxy: true}, openStore(t, path))}
	env.newUser(t, "editor@example.com", "Ed Editor", liveblog.RoleEditor)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// size is the database on disk once its write-ahead log is folded in.
	size := func() int64 {
		t.Helper()
		if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, p := range []string{path, path + "-wal"} {
			if fi, err := os.Stat(p); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	rows := func(table string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			return -1 // a table this version does not have
		}
		return n
	}
	huge := url.Values{"email": {strings.Repeat("A", 921_600) + "@x.test"}, "password": {"p"}}
	client := func(address string) *deskClient {
		c := env.browser(t)
		c.header.Set("X-Forwarded-For", address)
		return c
	}

	start, audit := size(), rows("audit_log")
	c := client("203.0.113.1")
	for i := range 3 {
		res := c.postForm(t, "/desk/login", huge)
		if res.status < 400 || res.status >= 500 {
			t.Errorf("huge email %d: status %d, want it refused", i+1, res.status)
		}
		if len(res.body) > 64<<10 {
			t.Errorf("huge email %d: a %d-byte answer; the email must not be echoed", i+1, len(res.body))
		}
	}
	afterHuge := size()
	t.Logf("3 sign-ins with a 921,600-character email: database %d → %d bytes (%+d)", start, afterHuge, afterHuge-start)

	// Throttle another address with ordinary failures (too long a password
	// is refused without hashing, and counts).
	c = client("203.0.113.2")
	guess := strings.Repeat("x", liveblog.MaxPasswordLength+1)
	for i := range lbhttp.MaxLoginFailuresPerAddress {
		if res := c.postForm(t, "/desk/login", url.Values{"email": {fmt.Sprintf("guess-%d@example.com", i)}, "password": {guess}}); res.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i+1, res.status)
		}
	}
	throttledAt, attempts := size(), rows("login_attempts")
	t.Logf("%d failures from one address: database %d → %d bytes (%+d), audit log %d → %d rows, sign-in failure rows %d",
		lbhttp.MaxLoginFailuresPerAddress, afterHuge, throttledAt, throttledAt-afterHuge, audit, rows("audit_log"), rows("signin_failures"))
	for i := range 3 {
		res := c.postForm(t, "/desk/login", huge)
		if res.status < 400 || res.status >= 500 {
			t.Errorf("huge email %d while throttled: status %d, want it refused", i+1, res.status)
		}
	}
	// Throttled attempts with emails of a length an account may have.
	for i := range 3 {
		email := fmt.Sprintf("%s%d@x.test", strings.Repeat("b", liveblog.MaxEmailLength-8), i)
		if res := c.postForm(t, "/desk/login", url.Values{"email": {email}, "password": {"p"}}); res.status != http.StatusTooManyRequests {
			t.Errorf("throttled attempt %d: status %d, want 429", i+1, res.status)
		}
	}
	end := size()
	t.Logf("3 huge and 3 throttled sign-ins while throttled: database %d → %d bytes (%+d), sign-in throttle %d → %d rows",
		throttledAt, end, end-throttledAt, attempts, rows("login_attempts"))

	if afterHuge != start {
		t.Errorf("the huge emails grew the database by %d bytes; want none", afterHuge-start)
	}
	if end != throttledAt {
		t.Errorf("attempts while throttled grew the database by %d bytes; want none", end-throttledAt)
	}
	if got := rows("login_attempts"); got != attempts {
		t.Errorf("throttled attempts stored %d throttle rows; want none", got-attempts)
	}
	if got := rows("audit_log"); got != audit {
		t.Errorf("failed sign-ins wrote %d audit rows; want a count per address instead", got-audit)
	}
	failures, err := env.store.FindSignInFailures(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failures) != 1 || failures[0].Address != "203.0.113.2" || failures[0].Failures != int64(lbhttp.MaxLoginFailuresPerAddress) ||
		failures[0].Throttled != 3 || strings.Contains(failures[0].LastEmail, "bbbb") {
		t.Errorf("sign-in failures = %+v; want one row for 203.0.113.2: %d failed, 3 throttled, no throttled email kept",
			failures, lbhttp.MaxLoginFailuresPerAddress)
	}
}
