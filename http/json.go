package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/liveblog/liveblog"
)

// decodeJSON reads the request body into v, which must point to a struct.
// Every way a body can be wrong ends here as a 4xx naming what is wrong, so
// that handlers only ever see a complete, well-typed value: the media type,
// the size limit, UTF-8, JSON syntax, unknown fields, value types and
// trailing data are all checked before a handler looks at the input.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeBody(body, v)
}

// readBody reads the whole request body, up to Config.MaxBodyBytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := refuseEncodedBody(w, r); err != nil {
		return nil, err
	}
	limit := s.cfg.MaxBodyBytes
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &liveblog.Error{Code: liveblog.ETOOLARGE,
				Message: fmt.Sprintf("The request body is larger than the limit of %s (%d bytes).", formatBytes(limit), limit)}
		}
		return nil, liveblog.Errorf(liveblog.EINVALID, "The request body could not be read.")
	}
	return body, nil
}

// refuseEncodedBody refuses a request body sent with a Content-Encoding
// (RFC 9110, 8.4): the server decompresses none, so a gzip bomb costs it
// nothing, and the client learns why instead of reading that its JSON is
// not valid UTF-8. The Accept-Encoding of the answer says what is taken.
func refuseEncodedBody(w http.ResponseWriter, r *http.Request) error {
	ce := strings.TrimSpace(r.Header.Get("Content-Encoding"))
	if ce == "" || strings.EqualFold(ce, "identity") || r.ContentLength == 0 {
		return nil
	}
	w.Header().Set("Accept-Encoding", "identity")
	return &liveblog.Error{Code: codeUnsupportedMediaType, Field: "Content-Encoding",
		Message: "Request bodies are taken uncompressed; send this one without Content-Encoding."}
}

// requireJSON refuses a body that is not declared as JSON. Browsers send
// forms as other types without a preflight, so this also keeps a page on
// another site from posting to the API with a reader's credentials.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		return &liveblog.Error{Code: codeUnsupportedMediaType, Field: "Content-Type",
			Message: "Send the body as JSON, with Content-Type: application/json."}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &liveblog.Error{Code: codeUnsupportedMediaType, Field: "Content-Type",
			Message: "JSON bodies must be UTF-8."}
	}
	return nil
}

// decodeBody decodes a complete JSON object into v, with the semantics of
// encoding/json/v2 (github.com/go-json-experiment/json, its prototype; see
// docs/ARCHITECTURE.md): keys match field names exactly, a key given twice
// and a key no field has are refused, and every error carries the JSON
// Pointer of the value at fault, which names the field.
func decodeBody(body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return liveblog.Errorf(liveblog.EINVALID, "The request body is empty; send a JSON object.")
	}
	// A post must never be stored different from what the client sent; the
	// decoder refuses invalid UTF-8 too, but this says where it is.
	if !utf8.Valid(body) {
		return liveblog.Errorf(liveblog.EINVALID, "The request body is not valid UTF-8 (first bad byte at offset %d).", invalidUTF8Offset(body))
	}
	if trimmed[0] != '{' {
		return liveblog.Errorf(liveblog.EINVALID, "The request body must be a JSON object.")
	}
	// A bytes.Buffer is parsed in place, not copied into the decoder's own.
	dec := jsontext.NewDecoder(bytes.NewBuffer(body))
	if err := jsonv2.UnmarshalDecode(dec, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return decodeError(body, err)
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return liveblog.Errorf(liveblog.EINVALID, "Unexpected data after the JSON object, at byte offset %d; send exactly one object.", len(body)-len(rest))
	}
	return nil
}

// decodeError turns a decoding error into one a client can act on, naming
// the field in the same path syntax as validation errors.
func decodeError(body []byte, err error) error {
	if se, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		switch {
		case se.Err == jsontext.ErrDuplicateName:
			path := fieldPath(se.JSONPointer, true)
			return liveblog.FieldError(path, "The key %q appears more than once; send each key once.", se.JSONPointer.LastToken())
		case errors.Is(se.Err, io.ErrUnexpectedEOF):
			return liveblog.Errorf(liveblog.EINVALID, "The request body is not valid JSON: it ends before the object does (at byte offset %d).", len(body))
		}
		return liveblog.Errorf(liveblog.EINVALID, "The request body is not valid JSON: %v (at byte offset %d).", se.Err, se.ByteOffset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return liveblog.Errorf(liveblog.EINVALID, "The request body is not valid JSON: it ends before the object does (at byte offset %d).", len(body))
	}
	e, ok := errors.AsType[*jsonv2.SemanticError](err)
	if !ok {
		return liveblog.Errorf(liveblog.EINVALID, "The request body does not fit this request.")
	}
	if e.Err == jsonv2.ErrUnknownName {
		return liveblog.FieldError(fieldPath(e.JSONPointer, true), "Unknown field %q.", e.JSONPointer.LastToken())
	}
	path := fieldPath(e.JSONPointer, false)
	switch {
	case e.GoType == timeType:
		return liveblog.FieldError(path, "Expected a time in RFC 3339 format, such as 2026-02-13T09:45:00Z.")
	case e.GoType != nil && e.JSONKind != 0:
		return liveblog.FieldError(path, "Expected %s, got %s.", describeType(e.GoType), describeKind(e.JSONKind))
	}
	return liveblog.FieldError(path, "This value is not valid here.")
}

var timeType = reflect.TypeFor[time.Time]()

// fieldPath writes a JSON Pointer ("/blocks/0/spans/1/href") in the
// domain's path syntax ("blocks[0].spans[1].href"). A number is an array
// index, as no request has an object with numeric keys; a pointer that ends
// at a key (an unknown or repeated one) ends with a name whatever it is.
func fieldPath(p jsontext.Pointer, endsWithName bool) string {
	var b strings.Builder
	tokens := slices.Collect(p.Tokens())
	for i, tok := range tokens {
		if _, err := strconv.ParseUint(tok, 10, 64); err == nil && !(endsWithName && i == len(tokens)-1) {
			fmt.Fprintf(&b, "[%s]", tok)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// formatBytes renders a limit as people say it ("1 MiB").
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}

// describeKind names a JSON kind for a message.
func describeKind(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "true or false"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "another type"
}

// writeJSON writes v with status. It encodes before writing anything, so a
// value that cannot be encoded becomes a clean 500, not half a document.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}

// writeResource writes a versioned resource with its version as the ETag,
// which is what a later If-Match names.
func writeResource(w http.ResponseWriter, status int, v any, version int) error {
	w.Header().Set("ETag", versionETag(version))
	return writeJSON(w, status, v)
}
