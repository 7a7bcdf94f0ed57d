package http

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/liveblog/liveblog"
)

// mediaCacheControl lets browsers and CDNs keep media for a year: media
// files are named by their content hash, so a name never points at other
// bytes.
const mediaCacheControl = "public, max-age=31536000, immutable"

// serveMedia serves one file from the media directory. Names are a single
// path element; anything else is not found rather than resolved.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if s.cfg.MediaDir == "" || name == "" || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, `/\`) || filepath.Base(name) != name {
		return liveblog.Errorf(liveblog.ENOTFOUND, "Media not found.")
	}
	f, err := os.Open(filepath.Join(s.cfg.MediaDir, name))
	if err != nil {
		return liveblog.Errorf(liveblog.ENOTFOUND, "Media not found.")
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return liveblog.Errorf(liveblog.ENOTFOUND, "Media not found.")
	}
	w.Header().Set("Cache-Control", mediaCacheControl)
	// Content types come from the extension of names the server itself
	// chose; nosniff (set by the middleware) keeps browsers to them.
	http.ServeContent(w, r, name, info.ModTime(), f)
	return nil
}
