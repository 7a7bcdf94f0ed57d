package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// plainFile is one file as the plain Go page server sends it.
type plainFile struct {
	plain, gzip  []byte
	etag         []string
	contentType  []string
	plainLength  []string
	gzipLength   []string
	varyEncoding []string
}

// runPlain is `liveblog-load plain`, the plain Go page server of S6
// (BENCHMARKS.md): every file of a directory in memory with its gzip copy and
// an ETag, and 304 for a matching If-None-Match; nothing else, to show what
// net/http itself allows.
func runPlain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plain", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	dir := fs.String("dir", "", "directory of the files to serve, each with its FILE.gz")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := loadPlainFiles(*dir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, ln.Addr().String())
	return http.Serve(ln, plainHandler(files))
}

func loadPlainFiles(dir string) (map[string]*plainFile, error) {
	if dir == "" {
		return nil, errors.New("plain: -dir is required")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string]*plainFile{}
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || strings.HasSuffix(name, ".gz") {
			continue
		}
		f := &plainFile{varyEncoding: []string{"Accept-Encoding"}}
		if f.plain, err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
		if f.gzip, err = os.ReadFile(filepath.Join(dir, name+".gz")); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(f.plain)
		f.etag = []string{`"` + hex.EncodeToString(sum[:8]) + `"`}
		f.contentType = []string{"text/html; charset=utf-8"}
		if strings.HasSuffix(name, ".json") {
			f.contentType = []string{"application/json"}
		}
		f.plainLength = []string{strconv.Itoa(len(f.plain))}
		f.gzipLength = []string{strconv.Itoa(len(f.gzip))}
		files["/"+name] = f
	}
	return files, nil
}

func plainHandler(files map[string]*plainFile) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h["Etag"] = f.etag
		h["Vary"] = f.varyEncoding
		if r.Header.Get("If-None-Match") == f.etag[0] {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h["Content-Type"] = f.contentType
		body := f.plain
		h["Content-Length"] = f.plainLength
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			body = f.gzip
			h["Content-Length"] = f.gzipLength
			h["Content-Encoding"] = []string{"gzip"}
		}
		w.Write(body)
	})
}

// startPlain starts the plain Go page server on the files of dir.
func (e *env) startPlain(dir string) (*server, error) {
	srv, in, _, err := e.startListener("plain Go page server", "plain", "-dir", dir)
	if err != nil {
		return nil, err
	}
	in.Close() // it reads nothing
	return srv, nil
}
