package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// Publish publishes the events of source and waits for every
// acknowledgement, counting new and duplicate ones on m. What was built is
// published even when ctx ends meanwhile (a shutdown finishes it).
func Publish(ctx context.Context, b *bus.Bus, m *Metrics, source string, evs []caseevent.Event) error {
	if len(evs) == 0 {
		return nil
	}
	res, err := b.PublishEvents(context.WithoutCancel(ctx), evs)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	for _, r := range res {
		result := "new"
		if r.Duplicate {
			result = "duplicate"
		}
		m.Published.WithLabelValues(source, result).Inc()
	}
	return nil
}

// BuildAll runs build for 0..n-1 on up to workers goroutines and returns
// the results in order, or the errors joined. Building an event costs round
// trips (attachments, raw originals into the object store), so connectors
// build many at once.
func BuildAll(n, workers int, build func(i int) (caseevent.Event, error)) ([]caseevent.Event, []error) {
	evs := make([]caseevent.Event, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(workers, 1))
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			evs[i], errs[i] = build(i)
		})
	}
	wg.Wait()
	return evs, errs
}

// Backoff is the wait before retry number attempt (from 1): doubling from
// base, at most limit, with jitter so that restarted connectors do not
// retry in step.
func Backoff(attempt int, base, limit time.Duration) time.Duration {
	d := base << min(attempt, 16)
	if d <= 0 || d > limit {
		d = limit
	}
	return d/2 + rand.N(d/2)
}

// Sleep waits for d and reports false when ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
