package http

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/liveblog/liveblog"
)

// versionETag is the entity tag of a versioned resource: its version, which
// a client sends back in If-Match to say which version it edited.
func versionETag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// digestETag derives an entity tag from the parts that determine a
// response, so that equal inputs give equal tags on every node.
func digestETag(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return `"` + hex.EncodeToString(h.Sum(nil))[:20] + `"`
}

// notModified reports whether the request's If-None-Match names one of
// etags (the tags of a response's encodings), with the weak comparison RFC
// 9110 prescribes for it.
func notModified(r *http.Request, etags ...string) bool {
	for _, header := range r.Header.Values("If-None-Match") {
		// Cut rather than Split: a revalidation is the commonest request a
		// cached page gets, and it should allocate nothing to be told 304.
		for header != "" {
			var tag string
			tag, header, _ = strings.Cut(header, ",")
			tag = strings.TrimSpace(tag)
			if tag == "*" {
				return true
			}
			tag = strings.TrimPrefix(tag, "W/")
			for _, etag := range etags {
				if tag == strings.TrimPrefix(etag, "W/") {
					return true
				}
			}
		}
	}
	return false
}

// editedVersion returns the version a write edits: from If-Match ("3", W/"3"
// or a bare 3), or else from the body's version field. A write that names
// neither is refused with 428: an edit that does not say what it edits would
// silently overwrite a colleague's.
func editedVersion(r *http.Request, body *int) (int, error) {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		if body == nil {
			return 0, &liveblog.Error{Code: codePreconditionRequired, Field: "version",
				Message: `Say which version you are editing, in an If-Match header ("3") or a "version" field.`}
		}
		if *body < 1 {
			return 0, liveblog.FieldError("version", "A version is a whole number from 1.")
		}
		return *body, nil
	}
	n, ok := parseVersionTag(strings.Join(values, ","))
	if !ok {
		return 0, liveblog.FieldError("If-Match", `If-Match must name exactly one version, such as "3".`)
	}
	if body != nil && *body != n {
		return 0, liveblog.FieldError("version", "If-Match names version %d but the body says %d.", n, *body)
	}
	return n, nil
}

func parseVersionTag(s string) (int, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}

// checkVersion refuses a stale edit before anything is written. The store
// checks again inside its transaction; this early check only spares a
// doomed write and answers it with the same 409.
func checkVersion(current, edited int) error {
	if current != edited {
		return &liveblog.ConflictError{Current: current, Got: edited}
	}
	return nil
}
