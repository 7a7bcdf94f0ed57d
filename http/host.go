package http

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/liveblog/liveblog"
)

// codeMisdirected is the code of a request for a host this server does not
// answer for (RFC 9110, 15.5.20).
const codeMisdirected = "misdirected_request"

var errMisdirected = liveblog.Errorf(codeMisdirected,
	"This server answers only for the address it listens on. A site served under another name needs its public origin configured.")

// ownHost reports whether the request's Host names the address its
// connection was accepted on: that IP address, or localhost when it is a
// loopback one, and the same port. Without a configured origin, links that
// leave a page (feeds, oEmbed) are built on the Host, so only these names
// may be answered: any other would let a client choose the origin an answer
// points to (a shared cache that ignores Host would then keep it for
// everyone), and refusing them also keeps a DNS-rebinding page from reading
// a server on loopback.
func ownHost(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		// Not from a listener: a program calling the handler itself.
		return true
	}
	tcp, ok := local.(*net.TCPAddr)
	if !ok {
		return false
	}
	host, port := r.Host, ""
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		host, port = h, p
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	want := 80
	if r.TLS != nil {
		want = 443
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil {
			return false
		}
		want = n
	}
	if want != tcp.Port {
		return false
	}
	localIP, ok := netip.AddrFromSlice(tcp.IP)
	if !ok {
		return false
	}
	localIP = localIP.Unmap()
	if strings.EqualFold(host, "localhost") {
		return localIP.IsLoopback()
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap() == localIP
}

// origin returns the public origin links leaving the site need (feeds,
// embeds): the configured one or, when none is configured, the one this
// request was addressed to, which ownHost has held to the server's own
// names.
func (s *Server) origin(r *http.Request) string {
	if s.cfg.Origin != "" {
		return strings.TrimSuffix(s.cfg.Origin, "/")
	}
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// originCacheControl is how an answer built on origin may be kept: as
// given (public) when the origin is configured, and only by the client when
// it was read from the request, so that no shared cache serves it to a
// request addressed otherwise.
func (s *Server) originCacheControl(public string) string {
	if s.cfg.Origin != "" {
		return public
	}
	return strings.Replace(public, "public", "private", 1)
}
