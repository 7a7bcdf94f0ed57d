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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// decodeBody decodes a complete JSON object into v.
func decodeBody(body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return liveblog.Errorf(liveblog.EINVALID, "The request body is empty; send a JSON object.")
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD; a post
	// must never be stored different from what the client sent.
	if !utf8.Valid(body) {
		return liveblog.Errorf(liveblog.EINVALID, "The request body is not valid UTF-8 (first bad byte at offset %d).", invalidUTF8Offset(body))
	}
	if trimmed[0] != '{' {
		return liveblog.Errorf(liveblog.EINVALID, "The request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(body, reflect.TypeOf(v), err)
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(body[end:], " \t\r\n"); len(rest) > 0 {
		return liveblog.Errorf(liveblog.EINVALID, "Unexpected data after the JSON object, at byte offset %d; send exactly one object.", len(body)-len(rest))
	}
	return nil
}

// decodeError turns an encoding/json error into one a client can act on,
// naming the field in the same path syntax as validation errors.
func decodeError(body []byte, t reflect.Type, err error) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return liveblog.Errorf(liveblog.EINVALID, "The request body is not valid JSON: %s (at byte offset %d).", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return liveblog.Errorf(liveblog.EINVALID, "The request body is not valid JSON: it ends before the object does (at byte offset %d).", len(body))
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		f := locate(body, t, faultType, "")
		field := te.Field
		if f != nil {
			field = f.path
		}
		return liveblog.FieldError(field, "Expected %s, got %s.", describeType(te.Type), describeValue(te.Value))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		field := name
		if f := locate(body, t, faultUnknown, name); f != nil {
			field = f.path
		}
		return liveblog.FieldError(field, "Unknown field %q.", name)
	}
	// What is left are errors from a type's own UnmarshalJSON, such as a
	// time that is not RFC 3339.
	f := locate(body, t, faultUnmarshal, "")
	if f == nil {
		return liveblog.Errorf(liveblog.EINVALID, "The request body does not fit this request.")
	}
	if f.typ == timeType {
		return liveblog.FieldError(f.path, "Expected a time in RFC 3339 format, such as 2026-02-13T09:45:00Z.")
	}
	return liveblog.FieldError(f.path, "This value is not valid here.")
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
	if t == nil {
		return "another type"
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

// describeValue phrases json.UnmarshalTypeError.Value ("number 1.5",
// "string", "array") for a message.
func describeValue(v string) string {
	switch {
	case v == "array", v == "object":
		return "an " + v
	case v == "":
		return "another type"
	}
	return "a " + v
}

// faultKind is what locate looks for: the first place where a body does not
// fit its type in the way encoding/json reported.
type faultKind int

const (
	faultType      faultKind = iota // a value of the wrong JSON type, or out of range
	faultUnknown                    // a key the struct has no field for
	faultUnmarshal                  // a value a type's UnmarshalJSON refuses
)

// fault is where a body went wrong: the path in the domain's syntax
// ("blocks[0].spans[1].href") and the Go type expected there.
type fault struct {
	path string
	typ  reflect.Type
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// locate walks body alongside t and returns the first fault of kind, or nil.
// encoding/json names a mistyped field without array indexes, and an
// unknown field without any path; a client editing block 37 of a post
// needs both.
func locate(body []byte, t reflect.Type, kind faultKind, name string) *fault {
	l := &locator{dec: json.NewDecoder(bytes.NewReader(body)), kind: kind, name: name}
	l.dec.UseNumber()
	f, _ := l.value(t, "")
	return f
}

type locator struct {
	dec  *json.Decoder
	kind faultKind
	name string
}

// value reads one value of type t at path. It returns the first fault of
// the wanted kind inside it; a read error just ends the search.
func (l *locator) value(t reflect.Type, path string) (*fault, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		var raw json.RawMessage
		if err := l.dec.Decode(&raw); err != nil {
			return nil, err
		}
		if l.kind == faultUnmarshal && json.Unmarshal(raw, reflect.New(t).Interface()) != nil {
			return &fault{path, t}, nil
		}
		return nil, nil
	}
	tok, err := l.dec.Token()
	if err != nil || tok == nil {
		return nil, err
	}
	mismatch := func() (*fault, error) {
		if l.kind == faultType {
			return &fault{path, t}, nil
		}
		return nil, l.skip(tok)
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return mismatch()
		}
		fields := jsonFields(t)
		for l.dec.More() {
			key, err := l.dec.Token()
			if err != nil {
				return nil, err
			}
			name, _ := key.(string)
			p := joinPath(path, name)
			ft, ok := fields[strings.ToLower(name)]
			if !ok {
				if l.kind == faultUnknown && name == l.name {
					return &fault{p, nil}, nil
				}
				if _, err := l.value(reflect.TypeFor[any](), p); err != nil {
					return nil, err
				}
				continue
			}
			if f, err := l.value(ft, p); f != nil || err != nil {
				return f, err
			}
		}
		_, err := l.dec.Token()
		return nil, err
	case reflect.Map:
		if tok != json.Delim('{') {
			return mismatch()
		}
		for l.dec.More() {
			key, err := l.dec.Token()
			if err != nil {
				return nil, err
			}
			name, _ := key.(string)
			if f, err := l.value(t.Elem(), joinPath(path, name)); f != nil || err != nil {
				return f, err
			}
		}
		_, err := l.dec.Token()
		return nil, err
	case reflect.Slice, reflect.Array:
		if tok != json.Delim('[') {
			return mismatch()
		}
		for i := 0; l.dec.More(); i++ {
			if f, err := l.value(t.Elem(), fmt.Sprintf("%s[%d]", path, i)); f != nil || err != nil {
				return f, err
			}
		}
		_, err := l.dec.Token()
		return nil, err
	case reflect.Interface:
		return nil, l.skip(tok)
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return mismatch()
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return mismatch()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		if i, err := strconv.ParseInt(string(n), 10, 64); err != nil || reflect.New(t).Elem().OverflowInt(i) {
			return mismatch()
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		if u, err := strconv.ParseUint(string(n), 10, 64); err != nil || reflect.New(t).Elem().OverflowUint(u) {
			return mismatch()
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		if f, err := strconv.ParseFloat(string(n), 64); err != nil || reflect.New(t).Elem().OverflowFloat(f) {
			return mismatch()
		}
	}
	return nil, nil
}

// skip consumes the rest of a value whose first token was tok.
func (l *locator) skip(tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := l.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// jsonFields returns the fields encoding/json decodes into for a struct,
// keyed by lower-cased name as it matches keys without regard to case. A
// field of the struct itself hides one promoted from an embedded struct.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[strings.ToLower(name)] = f.Type
	}
	for _, et := range embedded {
		for name, ft := range jsonFields(et) {
			if _, ok := fields[name]; !ok {
				fields[name] = ft
			}
		}
	}
	return fields
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
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
