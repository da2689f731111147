package openapigen

import (
	"fmt"
	"path"
	"reflect"
	"slices"
	"strings"
	"time"
)

// direction says whether a type is sent by the API (a response) or by its
// clients (a request): it decides what "required" means.
type direction int

const (
	// response: a field is required when encoding/json always writes it
	// (no omitempty); a pointer written always may be null.
	response direction = iota
	// request: a field is required when the handler refuses the request
	// without it (note.required); encoding/json requires nothing.
	request
)

// note adds what reflection cannot see to a field's schema. Notes are
// keyed by "pkg.Type.json_name" of the struct that declares the field.
type note struct {
	description string
	enum        []string
	format      string
	example     any
	minimum     *int
	maxLength   int
	// required: a request field without which the handler refuses the
	// request.
	required bool
	// nullable: a field that is written always and may be null although
	// its Go type is a slice (a nil slice).
	nullable bool
}

// schemas turns Go types into JSON Schema (2020-12, as OpenAPI 3.1 uses
// it), one component per named struct type.
type schemas struct {
	components map[string]map[string]any
	names      map[reflect.Type]string // component name of each built type
	dirs       map[reflect.Type]direction
	rename     map[reflect.Type]string // component names other than the Go name
	typeDocs   map[string]string       // "pkg.Type" → description
	notes      map[string]note         // "pkg.Type.field" → note
	usedNotes  map[string]bool
	err        []string
}

func newSchemas(rename map[reflect.Type]string, typeDocs map[string]string, notes map[string]note) *schemas {
	return &schemas{
		components: map[string]map[string]any{}, names: map[reflect.Type]string{}, dirs: map[reflect.Type]direction{},
		rename: rename, typeDocs: typeDocs, notes: notes, usedNotes: map[string]bool{},
	}
}

// goName is "pkg.Type", the key of notes and type docs.
func goName(t reflect.Type) string { return path.Base(t.PkgPath()) + "." + t.Name() }

var timeType = reflect.TypeFor[time.Time]()

// of is the schema of a value of type t: a $ref for a named struct type,
// inline otherwise.
func (s *schemas) of(t reflect.Type, d direction) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		return s.of(t.Elem(), d)
	case t.Kind() == reflect.Struct && t.Name() != "":
		return map[string]any{"$ref": "#/components/schemas/" + s.component(t, d)}
	case t.Kind() == reflect.Struct:
		return s.object(t, d, "")
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return map[string]any{"type": "string", "contentEncoding": "base64"}
	case t.Kind() == reflect.Slice:
		return map[string]any{"type": "array", "items": s.of(t.Elem(), d)}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return map[string]any{"type": "object", "additionalProperties": s.of(t.Elem(), d)}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return map[string]any{"type": "integer", "format": intFormat(t)}
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	}
	s.err = append(s.err, fmt.Sprintf("no schema for Go type %s", t))
	return map[string]any{}
}

func intFormat(t reflect.Type) string {
	if t.Bits() <= 32 {
		return "int32"
	}
	return "int64"
}

// component builds the component of the named struct type t once and
// returns its name.
func (s *schemas) component(t reflect.Type, d direction) string {
	if name, ok := s.names[t]; ok {
		if s.dirs[t] != d {
			s.err = append(s.err, fmt.Sprintf("%s is both a request and a response: give each its own type", goName(t)))
		}
		return name
	}
	name := t.Name()
	if n, ok := s.rename[t]; ok {
		name = n
	}
	if _, taken := s.components[name]; taken || name == "" || strings.ToUpper(name[:1]) != name[:1] {
		s.err = append(s.err, fmt.Sprintf("%s: component name %q is taken or not exported: rename it", goName(t), name))
	}
	s.names[t], s.dirs[t] = name, d
	s.components[name] = nil // taken, for recursive types
	s.components[name] = s.object(t, d, s.typeDocs[goName(t)])
	return name
}

// object is the schema of struct type t: its fields as encoding/json writes
// and reads them (embedded structs flattened), closed to others (the
// handlers refuse unknown fields; the answers have no others).
func (s *schemas) object(t reflect.Type, d direction, doc string) map[string]any {
	props := map[string]any{}
	var required []string
	s.fields(t, d, props, &required)
	obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		slices.Sort(required)
		obj["required"] = required
	}
	if doc != "" {
		obj["description"] = doc
	}
	return obj
}

func (s *schemas) fields(t reflect.Type, d direction, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && !hasTag && f.Type.Kind() == reflect.Struct {
			s.fields(f.Type, d, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		omitempty := strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
		key := goName(t) + "." + name
		n, noted := s.notes[key]
		s.usedNotes[key] = noted
		fs := s.of(f.Type, d)
		if noted {
			fs = n.apply(fs)
		}
		nullable := d == response && !omitempty && (f.Type.Kind() == reflect.Pointer || (noted && n.nullable))
		if nullable {
			fs = orNull(fs)
		}
		if (d == response && !omitempty) || (d == request && n.required) {
			*required = append(*required, name)
		}
		props[name] = fs
	}
}

// apply adds the note to schema fs.
func (n note) apply(fs map[string]any) map[string]any {
	target := fs
	if fs["type"] == "array" {
		target = fs["items"].(map[string]any) // enums and formats are of the items
	}
	if len(n.enum) > 0 {
		target["enum"] = n.enum
	}
	if n.format != "" {
		target["format"] = n.format
	}
	if n.maxLength > 0 {
		target["maxLength"] = n.maxLength
	}
	if n.minimum != nil {
		target["minimum"] = *n.minimum
	}
	if n.description != "" {
		fs["description"] = n.description
	}
	if n.example != nil {
		fs["examples"] = []any{n.example}
	}
	return fs
}

// orNull lets fs be null too.
func orNull(fs map[string]any) map[string]any {
	if ref, ok := fs["$ref"]; ok {
		out := map[string]any{"anyOf": []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}}
		if desc, ok := fs["description"]; ok {
			out["description"] = desc
		}
		return out
	}
	fs["type"] = []any{fs["type"], "null"}
	if enum, ok := fs["enum"].([]string); ok {
		vals := make([]any, 0, len(enum)+1)
		for _, v := range enum {
			vals = append(vals, v)
		}
		fs["enum"] = append(vals, nil)
	}
	return fs
}

// check reports types without a schema, name clashes, and notes that
// name no field (a field renamed since).
func (s *schemas) check() error {
	problems := slices.Clone(s.err)
	for key := range s.notes {
		if !s.usedNotes[key] {
			problems = append(problems, "note for "+key+": no such field")
		}
	}
	built := map[string]bool{}
	for t := range s.names {
		built[goName(t)] = true
	}
	for key := range s.typeDocs {
		if !built[key] {
			problems = append(problems, "description of "+key+": no such component")
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("schemas: %s", strings.Join(problems, "; "))
	}
	return nil
}
