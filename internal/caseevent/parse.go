package caseevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrMalformed is wrapped by the error Parse returns when the bytes are not a
// case event at all: too large, not UTF-8, not a JSON object, a field of the
// wrong type or null, a time not in RFC 3339 form, or a field name in the
// wrong case.
var ErrMalformed = errors.New("malformed case event")

// Parse decodes and validates one event as it travels on NATS. Fields it does
// not know are ignored, since the contract lets fields be added. An absent or
// empty datacontenttype becomes application/json.
//
// A decode problem returns an error wrapping ErrMalformed and a zero Event.
// An event that decodes but breaks the contract returns a *ValidationError
// together with the decoded event, so the caller can quarantine it by id.
func Parse(data []byte) (Event, error) {
	if len(data) > MaxEventSize {
		return Event{}, fmt.Errorf("%w: %d bytes, more than the limit of %d", ErrMalformed, len(data), MaxEventSize)
	}
	// RFC 8259 section 8.1: JSON exchanged between systems is UTF-8.
	// encoding/json would quietly turn bad bytes into U+FFFD.
	if !utf8.Valid(data) {
		return Event{}, fmt.Errorf("%w: not valid UTF-8", ErrMalformed)
	}
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, ok := tree.(map[string]any); !ok {
		return Event{}, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	if err := checkTree(tree, reflect.TypeFor[Event](), ""); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var e Event
	if err := json.Unmarshal(data, &e); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if e.DataContentType == "" {
		e.DataContentType = DataContentType
	}
	// The size limit was checked on the bytes as received, so the fields
	// are all that is left to check; encoding the event again to measure it
	// would double the cost of a parse.
	c := &checker{}
	c.envelope(e)
	c.message("data", e.Data)
	if len(c.problems) > 0 {
		sortProblems(c.problems)
		return e, &ValidationError{Problems: c.problems}
	}
	return e, nil
}

// Marshal validates e and returns its wire form: compact JSON, fields in the
// order of the Go types, '<', '>' and '&' not escaped, and datacontenttype
// application/json when e leaves it empty.
func (e Event) Marshal() ([]byte, error) {
	return e.encodeValid()
}

// encode writes e without validating it.
func encode(e Event) ([]byte, error) {
	if e.DataContentType == "" {
		e.DataContentType = DataContentType
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// HTML bodies are full of '<' and '>'; escaping them as \u003c would
	// make an event up to six times larger for nothing.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

var timeType = reflect.TypeFor[time.Time]()

// jsonFields are the JSON field names of one struct type.
type jsonFields struct {
	byName map[string]reflect.Type // exact name -> field type
	byFold map[string]string       // lower-case name -> exact name
}

// structFields indexes every struct type of the contract once, so that
// checkTree need not read struct tags for every key of every event. It is
// filled at start-up and only read afterwards.
var structFields = indexStructs(reflect.TypeFor[Event](), map[reflect.Type]jsonFields{})

func indexStructs(t reflect.Type, idx map[reflect.Type]jsonFields) map[reflect.Type]jsonFields {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType {
		return idx
	}
	if _, done := idx[t]; done {
		return idx
	}
	f := jsonFields{byName: map[string]reflect.Type{}, byFold: map[string]string{}}
	idx[t] = f
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		f.byName[name] = sf.Type
		f.byFold[strings.ToLower(name)] = name
		indexStructs(sf.Type, idx)
	}
	return idx
}

// checkTree walks the generic decoding v of a value of type t and
// rejects what encoding/json would silently accept but the JSON Schema does
// not: null where the contract has a value (encoding/json leaves the zero
// value), a known field name in the wrong case ("ID" for "id", which
// encoding/json matches case-insensitively), and a time that time.Time
// parses but RFC 3339 does not allow (a one-digit hour). Wrong types are left
// to the typed decode. Unknown fields are not looked into.
func checkTree(v any, t reflect.Type, path string) error {
	if v == nil {
		return fmt.Errorf("%s: must not be null; leave the field out instead", path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		if s, ok := v.(string); ok && !isRFC3339(s) {
			return fmt.Errorf("%s: must be an RFC 3339 date-time such as 2026-12-04T10:15:00Z", path)
		}
	case t.Kind() == reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		fields := structFields[t]
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			if ft, ok := fields.byName[key]; ok {
				if err := checkTree(obj[key], ft, joinPath(path, key)); err != nil {
					return err
				}
			} else if name, ok := fields.byFold[strings.ToLower(key)]; ok {
				return fmt.Errorf("%s: field names are case-sensitive; did you mean %q?", joinPath(path, key), name)
			}
		}
	case t.Kind() == reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, el := range arr {
			if err := checkTree(el, t.Elem(), index(path, i)); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			if err := checkTree(obj[key], t.Elem(), path+"["+strconv.Quote(key)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// isRFC3339 reports whether s has the form of an RFC 3339 date-time
// (section 5.6), written with upper-case T and Z:
// YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm). The ranges of the numbers
// are left to time.Time.
func isRFC3339(s string) bool {
	const shape = "0000-00-00T00:00:00"
	if len(s) < len(shape) {
		return false
	}
	for i := range len(shape) {
		if shape[i] == '0' && !isDigit(s[i]) || shape[i] != '0' && s[i] != shape[i] {
			return false
		}
	}
	s = s[len(shape):]
	if fraction, ok := strings.CutPrefix(s, "."); ok {
		n := len(digitRun(fraction))
		if n == 0 {
			return false
		}
		s = fraction[n:]
	}
	if s == "Z" {
		return true
	}
	return len(s) == 6 && (s[0] == '+' || s[0] == '-') &&
		isDigit(s[1]) && isDigit(s[2]) && s[3] == ':' && isDigit(s[4]) && isDigit(s[5])
}
