package caseevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type golden struct {
	name  string
	event Event
}

// validGoldens become testdata/<name>.json.
func validGoldens() []golden {
	return []golden{
		{"email", emailEvent()},
		{"facebook", facebookEvent()},
		{"eloket", eloketEvent()},
		{"minimal", minimalEvent()},
	}
}

// invalidGoldens become testdata/<name>.json with the problems Parse finds
// in testdata/<name>.txt, one a line.
func invalidGoldens() []golden {
	return []golden{
		{"invalid-envelope", invalidEnvelopeEvent()},
		{"invalid-data", invalidDataEvent()},
		{"invalid-attachments", invalidAttachmentsEvent()},
	}
}

// The golden files hold the wire form indented for reading. json.Indent only
// adds whitespace, so comparing them byte for byte pins everything else of
// the wire format: field names and order, omitted fields, string escapes,
// number and time formats.
func TestGoldenValid(t *testing.T) {
	for _, g := range validGoldens() {
		t.Run(g.name, func(t *testing.T) {
			wire, err := g.event.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			checkGolden(t, g.name+".json", indentJSON(t, wire))

			data := readFile(t, g.name+".json")
			e, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			again, err := e.Marshal()
			if err != nil {
				t.Fatalf("Marshal after Parse: %v", err)
			}
			if !bytes.Equal(again, wire) {
				t.Errorf("Parse then Marshal changed the event:\n got %s\nwant %s", again, wire)
			}
		})
	}
}

func TestGoldenInvalid(t *testing.T) {
	for _, g := range invalidGoldens() {
		t.Run(g.name, func(t *testing.T) {
			if err := g.event.Validate(); err == nil {
				t.Fatal("Validate accepted the event")
			}
			if _, err := g.event.Marshal(); err == nil {
				t.Fatal("Marshal accepted the event")
			}
			wire, err := encode(g.event)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			checkGolden(t, g.name+".json", indentJSON(t, wire))

			_, err = Parse(readFile(t, g.name+".json"))
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse: got %v, want a *ValidationError", err)
			}
			var lines strings.Builder
			for _, p := range verr.Problems {
				lines.WriteString(p.String() + "\n")
			}
			checkGolden(t, g.name+".txt", []byte(lines.String()))
		})
	}
}

// TestGoldenFilesKnown fails on a file in testdata that no test writes, so a
// renamed case cannot leave a stale file that the schema test still reads.
func TestGoldenFilesKnown(t *testing.T) {
	var want []string
	for _, g := range validGoldens() {
		want = append(want, g.name+".json")
	}
	for _, g := range invalidGoldens() {
		want = append(want, g.name+".json", g.name+".txt")
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		if !entry.IsDir() && !slices.Contains(want, entry.Name()) {
			t.Errorf("testdata/%s is not written by any golden test", entry.Name())
		}
	}
}

func indentJSON(t *testing.T, wire []byte) []byte {
	t.Helper()
	var compact bytes.Buffer
	if err := json.Compact(&compact, wire); err != nil {
		t.Fatalf("wire form is not JSON: %v", err)
	}
	if !bytes.Equal(compact.Bytes(), wire) {
		t.Fatalf("wire form is not compact JSON: %s", wire)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, wire, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%v (run go test -update to write the golden files)", err)
	}
	return b
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", name), got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readFile(t, name)
	if !bytes.Equal(got, want) {
		t.Errorf("testdata/%s differs (run go test -update if the change is intended):\n%s", name, firstDiff(got, want))
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return "(no line differs)"
}
