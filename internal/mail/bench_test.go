package mail

import (
	"os"
	"testing"
)

// BenchmarkParseCorpus parses every message of the corpus once per
// iteration.
func BenchmarkParseCorpus(b *testing.B) {
	var raws [][]byte
	for _, f := range corpusFiles(b) {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
	}
	opts := Options{CaseRef: CaseRefPattern()}
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range raws {
			if _, err := Parse(raw, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
}
