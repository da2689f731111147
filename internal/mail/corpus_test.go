package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the parser's output")

// corpusOptions are the options the corpus and its golden files use.
func corpusOptions() Options {
	return Options{CaseRef: CaseRefPattern()}
}

func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestCorpus parses every message of testdata/corpus and compares the
// result with its golden file testdata/golden/<name>.json.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	if len(files) < 30 {
		t.Fatalf("corpus has %d messages, want at least 30", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, raw)
		})
	}
}

// TestGenerated does the same for messages too large to commit, built by
// the generators in generate_test.go.
func TestGenerated(t *testing.T) {
	for _, g := range generated {
		t.Run(g.name, func(t *testing.T) {
			checkGolden(t, g.name, g.build())
		})
	}
}

func checkGolden(t *testing.T, name string, raw []byte) {
	t.Helper()
	opts := corpusOptions()
	m, err := Parse(raw, opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkInvariants(t, m, opts)
	got := goldenJSON(t, m)
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/mail -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the parser's output (go test ./internal/mail -update rewrites it):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// checkInvariants checks what every parsed message must satisfy, whatever
// its input.
func checkInvariants(t testing.TB, m *Message, opts Options) {
	t.Helper()
	max := opts.maxBody()
	if len(m.Text) > max {
		t.Errorf("Text has %d bytes, over the cap of %d", len(m.Text), max)
	}
	if len(m.HTML) > max {
		t.Errorf("HTML has %d bytes, over the cap of %d", len(m.HTML), max)
	}
	if len(m.Attachments) > maxAttachments {
		t.Errorf("%d attachments, over the cap of %d", len(m.Attachments), maxAttachments)
	}
	for _, a := range m.Attachments {
		if a.Size != int64(len(a.Data)) {
			t.Errorf("attachment %q: Size %d, data %d bytes", a.Name, a.Size, len(a.Data))
		}
		sum := sha256.Sum256(a.Data)
		if a.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("attachment %q: SHA256 does not match its data", a.Name)
		}
		if a.Name == "" {
			t.Errorf("attachment without a name")
		}
	}
	walkStrings(reflect.ValueOf(m).Elem(), func(path, s string) {
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8: %q", path, s)
		}
		if strings.IndexByte(s, 0) >= 0 {
			t.Errorf("%s contains NUL: %q", path, s)
		}
	})
	if m.Date != nil && (m.Date.Year() < 1970 || m.Date.Year() > 9999) {
		t.Errorf("Date %v out of range", m.Date)
	}
	if _, err := json.Marshal(m); err != nil {
		t.Errorf("cannot marshal: %v", err)
	}
}

// walkStrings calls f for every string reachable from v.
func walkStrings(v reflect.Value, f func(path, s string)) {
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			f(path, v.String())
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return
			}
			for i := 0; i < v.Len(); i++ {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		case reflect.Pointer:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		}
	}
	walk("Message", v)
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w := strings.Split(want, "\n")
	g := strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			continue
		}
		fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		if shown++; shown == 10 {
			b.WriteString("  ...\n")
			break
		}
	}
	return b.String()
}

// TestHeadersMatchParse checks that Headers reads the header fields of
// every corpus message exactly as Parse does.
func TestHeadersMatchParse(t *testing.T) {
	for _, f := range corpusFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			full, err := Parse(raw, corpusOptions())
			if err != nil {
				t.Fatal(err)
			}
			h, err := Headers(raw, corpusOptions())
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, h, corpusOptions())
			if h.Text != "" || h.HTML != "" || len(h.Attachments) > 0 {
				t.Errorf("Headers returned a body")
			}
			// Only the parts of the message a header shows.
			full.Text, full.HTML, full.Attachments, full.Problems = "", "", nil, nil
			h.Problems = nil
			if full.AutoSubmitted != h.AutoSubmitted && (full.AutoSubmitted == AutoDeliveryReport || h.AutoSubmitted == AutoBounce) {
				// A delivery report's actions are only in its body.
				full.AutoSubmitted, h.AutoSubmitted = "", ""
			}
			a, b := goldenJSON(t, full), goldenJSON(t, h)
			if !bytes.Equal(a, b) {
				t.Errorf("Headers and Parse differ:\n%s", lineDiff(string(a), string(b)))
			}
		})
	}
}

// goldenJSON writes m as golden files hold it: indented, without HTML
// escaping, attachment data left out (Size and SHA256 stand for it).
func goldenJSON(t testing.TB, m *Message) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
