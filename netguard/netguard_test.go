package netguard_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/liveblog/liveblog/netguard"
)

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		addr    string
		refused bool
	}{
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"::1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"169.254.0.1", true},
		{"100.64.0.1", true}, // CGNAT
		{"100.127.255.255", true},
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"198.18.0.1", true},
		{"fc00::1", true},
		{"fd00:ec2::254", true}, // AWS metadata over IPv6
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"ff02::1", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped loopback
		{"::ffff:169.254.169.254", true},
		{"::127.0.0.1", true},        // IPv4-compatible
		{"64:ff9b::7f00:1", true},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", true}, // NAT64 of 169.254.169.254
		{"2002:7f00:1::", true},      // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", true},   // 6to4 of 192.168.1.1
		{"2001:db8::1", true},
		{"2001::1", true}, // Teredo
		{"93.184.215.14", false},
		{"1.1.1.1", false},
		{"172.32.0.1", false},
		{"100.128.0.1", false},
		{"2606:4700:4700::1111", false},
		{"64:ff9b::101:101", false}, // NAT64 of 1.1.1.1
		{"2002:101:101::", false},   // 6to4 of 1.1.1.1
	} {
		t.Run(tt.addr, func(t *testing.T) {
			err := netguard.Check(netip.MustParseAddr(tt.addr))
			if got := errors.Is(err, netguard.ErrForbidden); got != tt.refused {
				t.Errorf("Check(%s) = %v, refused %v, want %v", tt.addr, err, got, tt.refused)
			}
		})
	}
}

// TestDial connects to a server on loopback by address and by a name that
// resolves to it: both are refused at connect time, and the server never
// sees a connection. An explicit exception lets the same client through,
// which shows the refusal is the guard's, not a broken client's.
func TestDial(t *testing.T) {
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer ts.Close()
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())

	for _, target := range []string{ts.URL, "http://localhost:" + port, "http://[::ffff:127.0.0.1]:" + port} {
		t.Run(target, func(t *testing.T) {
			res, err := (&netguard.Guard{}).Client().Get(target)
			if err == nil {
				res.Body.Close()
				t.Fatalf("GET %s: status %d, want refused", target, res.StatusCode)
			}
			if !errors.Is(err, netguard.ErrForbidden) {
				t.Errorf("GET %s: %v, want ErrForbidden", target, err)
			}
		})
	}
	t.Run("RawDial", func(t *testing.T) {
		c, err := netguard.DialContext(context.Background(), "tcp", ts.Listener.Addr().String())
		if err == nil {
			c.Close()
			t.Fatal("dial to loopback succeeded")
		}
		if !errors.Is(err, netguard.ErrForbidden) {
			t.Errorf("dial: %v, want ErrForbidden", err)
		}
	})
	t.Run("UnixSocket", func(t *testing.T) {
		dir := t.TempDir()
		ln, err := net.Listen("unix", dir+"/s")
		if err != nil {
			t.Skip(err)
		}
		defer ln.Close()
		c, err := (&netguard.Guard{}).Dialer().Dial("unix", dir+"/s")
		if err == nil {
			c.Close()
			t.Fatal("dial to a unix socket succeeded")
		}
		if !errors.Is(err, netguard.ErrForbidden) {
			t.Errorf("dial unix: %v, want ErrForbidden", err)
		}
	})
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server saw %d requests through the guard", n)
	}

	t.Run("AllowedException", func(t *testing.T) {
		g := &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
		res, err := g.Client().Get(ts.URL)
		if err != nil {
			t.Fatalf("GET with loopback allowed: %v", err)
		}
		res.Body.Close()
		if hits.Load() != 1 {
			t.Errorf("hits = %d, want 1", hits.Load())
		}
	})
	t.Run("RedirectDialledAfresh", func(t *testing.T) {
		// A server the exception allows (127.0.0.1) redirects to one it
		// does not (127.0.0.2, also this host): the redirect is dialled
		// through the guard again and refused.
		ln, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Skipf("cannot listen on 127.0.0.2: %v", err)
		}
		var otherHits atomic.Int64
		other := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { otherHits.Add(1) }))
		other.Listener.Close()
		other.Listener = ln
		other.Start()
		defer other.Close()
		_, otherPort, _ := net.SplitHostPort(ln.Addr().String())
		redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.2:"+otherPort+"/", http.StatusFound)
		}))
		defer redirect.Close()
		g := &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
		res, err := g.Client().Get(redirect.URL)
		if err == nil {
			res.Body.Close()
			t.Fatalf("redirect to 127.0.0.2 followed: status %d", res.StatusCode)
		}
		if !errors.Is(err, netguard.ErrForbidden) {
			t.Errorf("GET: %v, want ErrForbidden", err)
		}
		if n := otherHits.Load(); n != 0 {
			t.Errorf("the redirect's target saw %d requests", n)
		}
	})
}
