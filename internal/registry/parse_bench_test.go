package registry_test

import (
	"encoding/json"
	"testing"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/testutil/eventgen"
)

func BenchmarkParseEvent(b *testing.B) {
	ev := eventgen.New(eventgen.Options{Seed: 1, TextSize: 1500}).Event(1)
	data, _ := json.Marshal(ev)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := caseevent.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
