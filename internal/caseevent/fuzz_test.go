package caseevent

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes, seeded with the golden files. Parse
// must never panic and must fail with either ErrMalformed or a
// *ValidationError. What it accepts must Marshal, parse again to the same
// event (the same wire bytes), and pass the JSON Schema: the schema is never
// stricter than Parse.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "{}", "null", "[]", `{"data":null}`, `{"ID":"x"}`, `{"time":"2026-12-04T10:15:00+25:00"}`} {
		f.Add([]byte(s))
	}
	sch := compileSchema(f)

	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data)
		if err != nil {
			var verr *ValidationError
			if errors.As(err, &verr) == errors.Is(err, ErrMalformed) {
				t.Fatalf("error is neither or both of ErrMalformed and *ValidationError: %v", err)
			}
			if verr != nil && len(verr.Problems) == 0 {
				t.Fatal("a *ValidationError without problems")
			}
			return
		}
		wire, err := e.Marshal()
		if err != nil {
			t.Fatalf("Parse accepted what Marshal rejects: %v", err)
		}
		again, err := Parse(wire)
		if err != nil {
			t.Fatalf("Parse rejects what Marshal wrote: %v\n%s", err, wire)
		}
		wire2, err := again.Marshal()
		if err != nil {
			t.Fatalf("second Marshal: %v", err)
		}
		if !bytes.Equal(wire, wire2) {
			t.Fatalf("round trip changed the event:\n%s\n%s", wire, wire2)
		}
		if err := validateSchema(t, sch, data); err != nil {
			t.Fatalf("Parse accepts what the schema rejects: %v\n%s", err, data)
		}
	})
}
