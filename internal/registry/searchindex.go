package registry

import (
	"context"
	"log/slog"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// searchIndexChunk is how many stored changes one step of KeepSearchIndex
// indexes: small enough that a search waiting behind it is not held long.
const searchIndexChunk = 2000

// KeepSearchIndex indexes for search what the store has stored but not
// indexed yet (store.Search.UpdateSearchIndex), every `every` and, while
// changes remain, at once again, until ctx ends: searches then find a
// burst's messages without indexing them first, and an erased citizen's
// words leave the index at once. Stores that index as they store have
// nothing to do. Errors are logged and tried again at the next tick.
func KeepSearchIndex(ctx context.Context, st store.Search, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			pending, err := st.UpdateSearchIndex(ctx, searchIndexChunk)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("update the search index", "error", err)
				}
				break
			}
			if pending == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
