package jsonapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden maps every testdata/payloads/NAME.json with
// testdata/NAME.toml (or mapping.toml) and compares with
// testdata/golden/NAME.json.
func TestGolden(t *testing.T) {
	payloads, err := filepath.Glob("testdata/payloads/*.json")
	if err != nil || len(payloads) == 0 {
		t.Fatalf("no payloads: %v", err)
	}
	for _, p := range payloads {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		t.Run(name, func(t *testing.T) {
			mfile := filepath.Join("testdata", name+".toml")
			if _, err := os.Stat(mfile); err != nil {
				mfile = filepath.Join("testdata", "mapping.toml")
			}
			var m Mapping
			md, err := toml.DecodeFile(mfile, &m)
			if err != nil {
				t.Fatal(err)
			}
			if un := md.Undecoded(); len(un) > 0 {
				t.Fatalf("unknown settings in %s: %v", mfile, un)
			}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			items, err := m.Items(body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(items, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("mapping of %s differs from %s (run with -update and review the diff):\n%s", p, golden, got)
			}
		})
	}
}
