package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/liveblog/liveblog"
)

// Codes for failures that only exist at the HTTP layer. They travel as
// *liveblog.Error like the domain's codes, so kinds has the whole mapping.
const (
	codeUnsupportedMediaType = "unsupported_media_type"
	codePreconditionRequired = "precondition_required"
	codeMethodNotAllowed     = "method_not_allowed"
	codeUnavailable          = "unavailable"
	codeUnprocessable        = "unprocessable"
)

// kinds maps every error code to its HTTP status and the title of its
// problem type. It is the only place that does: handlers return errors,
// never statuses.
var kinds = map[string]struct {
	status int
	title  string // fixed per type; the detail member says what went wrong this time
}{
	liveblog.EINVALID:        {http.StatusBadRequest, "Invalid request"},
	liveblog.EUNAUTHORIZED:   {http.StatusUnauthorized, "Authentication required"},
	liveblog.EFORBIDDEN:      {http.StatusForbidden, "Forbidden"},
	liveblog.ENOTFOUND:       {http.StatusNotFound, "Not found"},
	codeMethodNotAllowed:     {http.StatusMethodNotAllowed, "Method not allowed"},
	liveblog.ECONFLICT:       {http.StatusConflict, "Conflict"},
	liveblog.EGONE:           {http.StatusGone, "Gone"},
	liveblog.ETOOLARGE:       {http.StatusRequestEntityTooLarge, "Content too large"},
	codeUnsupportedMediaType: {http.StatusUnsupportedMediaType, "Unsupported media type"},
	codeUnprocessable:        {http.StatusUnprocessableEntity, "Unprocessable content"},
	codePreconditionRequired: {http.StatusPreconditionRequired, "Precondition required"},
	liveblog.EINTERNAL:       {http.StatusInternalServerError, "Internal error"},
	codeUnavailable:          {http.StatusServiceUnavailable, "Service unavailable"},
	codeTooManyRequests:      {http.StatusTooManyRequests, "Too many requests"},
	codeMisdirected:          {http.StatusMisdirectedRequest, "Misdirected request"},
}

// ProblemTypeBase prefixes the code of an error to form the type member of a
// problem, e.g. "https://liveblog.dev/problems/invalid". The types are
// absolute so that a client can compare them as plain strings: a relative
// reference would resolve against each instance's own address. They are
// identifiers; docs/API.md lists them.
const ProblemTypeBase = "https://liveblog.dev/problems/"

// problem is an RFC 9457 problem details object.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Field names the input at fault, in the domain's path syntax
	// ("blocks[0].spans[0].href"), a query parameter, or a header.
	Field string `json:"field,omitempty"`
	// CurrentVersion tells an editor who lost a race which version to
	// reload.
	CurrentVersion int `json:"current_version,omitempty"`
	// RequestID lets a user quote the failure and an operator find it in
	// the logs.
	RequestID string `json:"request_id,omitempty"`
}

// newProblem describes err for a client. Internal errors get the domain's
// generic message, so nothing of the machine leaks.
func newProblem(err error, requestID string) *problem {
	code := liveblog.ErrorCode(err)
	kind, ok := kinds[code]
	if !ok {
		code, kind = liveblog.EINTERNAL, kinds[liveblog.EINTERNAL]
	}
	p := &problem{
		Type:      ProblemTypeBase + code,
		Title:     kind.title,
		Status:    kind.status,
		Detail:    liveblog.ErrorMessage(err),
		Field:     liveblog.ErrorField(err),
		RequestID: requestID,
	}
	if code == liveblog.EINTERNAL {
		p.Detail = "Something went wrong on our side. If it keeps happening, quote the request id to the site's operators."
	}
	var conflict *liveblog.ConflictError
	if errors.As(err, &conflict) {
		p.CurrentVersion = conflict.Current
		p.Field = "version"
	}
	return p
}

// errorFormat is how a failed request is answered: reader pages get an HTML
// page, everything else a problem document.
type errorFormat int

const (
	formatProblem errorFormat = iota
	formatPage
)

// handlerFunc is a handler that returns its failure instead of writing it,
// so that every error reaches the client through Server.fail, mapped and
// logged the same way.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts h to http.Handler, answering its errors in format.
func (s *Server) handle(format errorFormat, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoOf(r.Context()).format = format
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// page is for routes that readers open in a browser.
func (s *Server) page(h handlerFunc) http.Handler { return s.handle(formatPage, h) }

// public is for unauthenticated machine-readable routes.
func (s *Server) public(h handlerFunc) http.Handler { return s.handle(formatProblem, h) }

// api is for the authenticated JSON API. Its answers depend on the caller's
// credentials, so no cache may keep them. Its writes are apiWrite and
// apiKeyed.
func (s *Server) api(h handlerFunc) http.Handler {
	return s.handle(formatProblem, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		return s.authenticate(h)(w, r)
	})
}

// fail answers a failed request: the status from the error's code, a
// problem document or an error page, and a log line at error level for
// internal errors only (a client's mistake is not an operator's problem).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	info := infoOf(r.Context())
	code := liveblog.ErrorCode(err)
	if code == liveblog.EINTERNAL && errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client left; nobody is there to read an answer.
		s.logger.DebugContext(r.Context(), "request abandoned", "request_id", info.id, "err", err)
		return
	}
	if code == liveblog.EINTERNAL {
		s.logger.ErrorContext(r.Context(), "request failed",
			"request_id", info.id, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if rec, ok := w.(*responseRecorder); ok && rec.status != 0 {
		// Part of the answer is on the wire; a second status cannot follow.
		return
	}
	// Headers meant for a success must not describe the error.
	w.Header().Del("ETag")
	w.Header().Del("Location")
	s.answer(w, r, err)
}

// answer writes the response for err, as a problem or an error page.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, err error) {
	info := infoOf(r.Context())
	p := newProblem(err, info.id)
	h := w.Header()
	if p.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="liveblog"`)
	}
	// An error is about this request, not a resource a cache could reuse.
	h.Set("Cache-Control", "no-store")
	if info.format == formatPage {
		s.writeErrorPage(w, r, p)
		return
	}
	writeProblem(w, p)
}

// writeProblem writes p as application/problem+json.
func writeProblem(w http.ResponseWriter, p *problem) {
	writeProblemWith(w, p.Status, p) // a problem holds only strings and ints, so it always encodes
}

// pageMessage is what an error page says: the problem's detail, naming the
// query parameter when one was at fault.
func pageMessage(p *problem) string {
	if p.Field != "" && p.Status == http.StatusBadRequest {
		return fmt.Sprintf("The %q parameter is not valid: %s", p.Field, p.Detail)
	}
	return p.Detail
}
