// Package netguard makes outbound connections that cannot reach the
// server's own network, for code that fetches a URL a user supplied.
//
// Webhook deliveries (package webhook) and embed captures (package
// capture) are the fetches in liveblog: images are loaded by readers'
// browsers, and this site's oEmbed is only answered (SECURITY.md, section 5;
// http's TestNoServerSideFetch proves it). Any fetcher added later (a link
// preview, an image import) uses this package too.
//
// The check runs in the dialer's Control hook, which the net package calls
// with the literal IP address it is about to connect to, after DNS
// resolution, for every address it tries. Checking a host name before
// resolving it would be undone by DNS rebinding (a name that resolves to a
// public address for the check and to 127.0.0.1 for the connection) and by
// redirects; checking at connect time covers both, and every address of a
// name with several.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbidden is returned (wrapped) for a connection to an address that is
// not on the public internet.
var ErrForbidden = errors.New("netguard: address not allowed")

// blocked are the ranges no user-supplied URL may reach: this host, private
// networks, link-local (where cloud metadata services answer, at
// 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, and the ranges
// that are not unicast destinations on the internet at all.
var blocked = mustPrefixes(
	// IPv4
	"0.0.0.0/8",       // "this network"; 0.0.0.0 reaches the local host on Linux
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // carrier-grade NAT (shared address space)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation
	"192.88.99.0/24",  // 6to4 relay anycast
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
	// IPv6
	"::/96",          // unspecified, loopback and IPv4-compatible (deprecated)
	"::ffff:0:0/96",  // IPv4-mapped (unmapped and checked as IPv4 first)
	"64:ff9b:1::/48", // local-use NAT64
	"100::/64",       // discard
	"2001::/23",      // IETF protocol assignments, Teredo included
	"2001:db8::/32",  // documentation
	"fc00::/7",       // unique local (ULA), AWS's fd00:ec2::254 included
	"fe80::/10",      // link-local
	"fec0::/10",      // site-local (deprecated, still routed by some)
	"ff00::/8",       // multicast
)

// Embedding ranges: an IPv6 address that carries an IPv4 one a gateway
// will connect to. The embedded address is checked too.
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Check returns an error wrapping ErrForbidden when addr is not a public
// unicast address, nil when it is.
func Check(addr netip.Addr) error {
	if !addr.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrForbidden)
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range blocked {
		if p.Contains(addr) {
			return fmt.Errorf("%w: %s is in %s", ErrForbidden, addr, p)
		}
	}
	var v4 netip.Addr
	switch {
	case nat64.Contains(addr):
		b := addr.As16()
		v4 = netip.AddrFrom4([4]byte(b[12:16]))
	case sixTo4.Contains(addr):
		b := addr.As16()
		v4 = netip.AddrFrom4([4]byte(b[2:6]))
	}
	if v4.IsValid() {
		if err := Check(v4); err != nil {
			return fmt.Errorf("%w: %s embeds %s", ErrForbidden, addr, v4)
		}
	}
	return nil
}

// Guard decides which addresses a connection may reach.
type Guard struct {
	// Allow lists ranges reachable despite the rules, such as a partner's
	// service on a private network. Empty allows nothing more.
	Allow []netip.Prefix
}

// Check is netguard.Check with g's exceptions.
func (g *Guard) Check(addr netip.Addr) error {
	for _, p := range g.Allow {
		if p.Contains(addr.Unmap().WithZone("")) {
			return nil
		}
	}
	return Check(addr)
}

// control is a net.Dialer Control function: it refuses the connection
// before it is made when the address it is about to reach is refused.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return fmt.Errorf("%w: network %s", ErrForbidden, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrForbidden, err)
	}
	return g.Check(ap.Addr())
}

// Dialer returns a dialer whose every connection is checked at connect
// time, after DNS resolution.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second, Control: g.control}
}

// Defaults of the client Guard.Client returns.
const (
	// DefaultDialTimeout bounds a connection attempt: a host that does
	// not answer in this long is not worth waiting for in a request.
	DefaultDialTimeout = 5 * time.Second
	// DefaultTimeout bounds a whole fetch, body included, so that a slow
	// server cannot hold the fetching request for long.
	DefaultTimeout = 10 * time.Second
	// MaxRedirects is how many redirects a fetch follows; each one is
	// dialled, and so checked, afresh.
	MaxRedirects = 5
)

// Transport returns an HTTP transport that dials through g and never uses
// a proxy from the environment (the proxy would make the connection on its
// own network, unchecked).
func (g *Guard) Transport() *http.Transport {
	d := g.Dialer()
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           10,
		IdleConnTimeout:        30 * time.Second,
		TLSHandshakeTimeout:    DefaultDialTimeout,
		ResponseHeaderTimeout:  DefaultTimeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// Client returns an HTTP client for user-supplied URLs: guarded transport,
// a timeout on the whole fetch, at most MaxRedirects redirects and only to
// http and https.
func (g *Guard) Client() *http.Client {
	return &http.Client{
		Transport: g.Transport(),
		Timeout:   DefaultTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= MaxRedirects {
				return fmt.Errorf("netguard: more than %d redirects", MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("%w: redirect to %s", ErrForbidden, req.URL.Scheme)
			}
			return nil
		},
	}
}

// DialContext dials through a Guard with no exceptions.
func DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return (&Guard{}).Dialer().DialContext(ctx, network, address)
}
