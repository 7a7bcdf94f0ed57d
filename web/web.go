// Package web holds the reader-facing templates, stylesheet and script,
// embedded in the binary so that a deployment is one file and no build step
// stands between a clone and `go test`.
//
// Static assets are fingerprinted once, when the package is initialised: each
// file is served under a name that carries a hash of its content
// ("/static/reader.3f2a9c1b.js"), so browsers may cache it forever and a new
// release is picked up the moment a page links to the new name.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// FS holds templates/*.html and static/*.
//
//go:embed templates static
var FS embed.FS

// StaticPrefix is the URL path under which StaticHandler serves assets.
const StaticPrefix = "/static/"

// hashLength is how many hex digits of the content hash go into a name: enough
// that two releases of one file never share a name, short enough to read.
const hashLength = 8

// minGzipSize is the size below which a gzip copy is not worth the Vary
// bookkeeping: headers would outweigh the saving.
const minGzipSize = 512

// asset is one static file, prepared once.
type asset struct {
	path        string // fingerprinted URL path, e.g. /static/reader.3f2a9c1b.js
	contentType string
	etag        string
	body        []byte
	gzipped     []byte // nil when compressing does not pay
}

// assets maps a source name ("reader.js") to its asset; byPath maps the
// fingerprinted file name ("reader.3f2a9c1b.js") to the same asset.
var assets, byPath = mustLoadAssets()

// contentTypes pins the types of the files we ship, so that a machine's
// /etc/mime.types cannot change what browsers are told (a module script
// served as anything but JavaScript is refused).
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".json":  "application/json",
	".txt":   "text/plain; charset=utf-8",
}

// mustLoadAssets reads and fingerprints every file under static/. The files
// are compiled into the binary, so a failure here is a build defect, not a
// run-time condition: it panics.
func mustLoadAssets() (map[string]*asset, map[string]*asset) {
	bySource, byName := map[string]*asset{}, map[string]*asset{}
	err := fs.WalkDir(FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := FS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:hashLength]
		ext := path.Ext(name)
		fingerprinted := strings.TrimSuffix(name, ext) + "." + hash + ext
		a := &asset{
			path:        StaticPrefix + fingerprinted,
			contentType: typeOf(ext, body),
			etag:        `"` + hash + `"`,
			body:        body,
		}
		if compressible(a.contentType) && len(body) >= minGzipSize {
			a.gzipped = gzipBytes(body)
			if len(a.gzipped) >= len(body) {
				a.gzipped = nil
			}
		}
		bySource[name] = a
		byName[fingerprinted] = a
		return nil
	})
	if err != nil {
		panic("web: reading embedded assets: " + err.Error())
	}
	return bySource, byName
}

func typeOf(ext string, body []byte) string {
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return http.DetectContentType(body)
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") ||
		strings.HasPrefix(contentType, "image/svg+xml") ||
		strings.HasPrefix(contentType, "application/json")
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// AssetPath returns the fingerprinted URL path of the static file name (a path
// relative to static/, e.g. "reader.js"), or "" when there is no such file.
func AssetPath(name string) string {
	if a, ok := assets[name]; ok {
		return a.path
	}
	return ""
}

// StaticHandler serves the fingerprinted assets. Mount it at StaticPrefix,
// with or without http.StripPrefix. Names are immutable, so responses may be
// cached for a year; a name that is not the current fingerprint of a file is
// not found, never an older or newer copy.
func StaticHandler() http.Handler { return http.HandlerFunc(serveStatic) }

func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"), strings.TrimPrefix(StaticPrefix, "/"))
	a, ok := byPath[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	serveAsset(w, r, a, "public, max-age=31536000, immutable")
}

// AssetHandler serves the static file name (e.g. "embed.js") at an address
// that does not change between releases, for the few files other sites link
// to and so cannot follow a fingerprint. cacheControl says how long a copy
// may be used: a release reaches those sites only as their copies expire.
// It panics when there is no such file, which is a build defect.
func AssetHandler(name, cacheControl string) http.Handler {
	a, ok := assets[name]
	if !ok {
		panic("web: no asset static/" + name)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveAsset(w, r, a, cacheControl) })
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset, cacheControl string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := a.body, a.etag
	if a.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body, etag = a.gzipped, `"`+strings.Trim(a.etag, `"`)+`-gz"`
		}
	}
	h.Set("ETag", etag)
	// A zero modification time keeps ServeContent from sending Last-Modified:
	// the ETag is exact, and the embed FS has no meaningful file times.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip: listed
// (or covered by "*") with a non-zero quality.
func acceptsGzip(headers []string) bool {
	gz, star := -1.0, -1.0
	for _, header := range headers {
		for _, part := range strings.Split(header, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
						q = f
					} else {
						q = 0
					}
				}
			}
			switch c := strings.ToLower(strings.TrimSpace(coding)); c {
			case "gzip", "x-gzip":
				gz = q
			case "*":
				star = q
			}
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}
