// Package registry owns the consume loop of the system of record: it takes
// case events from the JetStream consumer, deduplicates them, copies their
// objects into the store, attaches each message to a case, commits, and only
// then acknowledges. Events it cannot accept are quarantined, never dropped.
//
// It imports caseevent, bus and registry/store; it must not import the web
// or API packages, and it contains no SQL.
package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/deadline"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Config tunes the consume loop.
type Config struct {
	// CasePrefix starts every case reference (MP gives MP-2026-000123).
	CasePrefix string
	// CaseRef finds a case reference a citizen quotes in a subject or
	// text ("Re: [MP-2026-000123]", "mp - 2026 - 000123"); nil: the
	// pattern of CasePrefix.
	CaseRef *regexp.Regexp
	// Location decides the year of a case reference.
	Location *time.Location
	// BatchSize is the most events fetched and committed at once.
	BatchSize int
	// FetchWait is how long a fetch waits for the first event.
	FetchWait time.Duration
	// MaxDeliveries: an event delivered more often than this without being
	// committed is quarantined (it probably crashes or stalls the registry).
	MaxDeliveries int
	// MaxBatchBytes bounds the object bytes held in memory per commit.
	MaxBatchBytes int64
	// Routing gives a new case its department, type and priority; nil:
	// cases are not routed.
	Routing *routing.Rules
	// Deadlines gives a routed case its dates to acknowledge and answer.
	Deadlines *deadline.Policy
	// RepeatWindow: a citizen who writes about the same thing within this
	// period joins their open case as a repeat (default 60 days).
	RepeatWindow time.Duration
	// RelatedWindow: reports of different people about the same place and
	// category within this period are related cases (default 7 days).
	RelatedWindow time.Duration
	// ConversationWindow: a citizen's Facebook message joins the case of
	// their earlier message in the same conversation or under the same
	// post when that message is at most this old (default 3 days).
	ConversationWindow time.Duration
	// SuggestComplaintAfter: a repeat this long after its case was opened
	// suggests that the case may be a complaint (default 10 days).
	SuggestComplaintAfter time.Duration
}

// Objects is where raw originals and attachments are read from.
type Objects interface {
	GetObject(ctx context.Context, name string) ([]byte, error)
}

// Registry consumes case events into a store.
type Registry struct {
	st   store.Store
	objs Objects
	cfg  Config
	log  *slog.Logger
	m    *Metrics
	now  func() time.Time
}

// New returns a registry writing into st and reading objects from objs.
func New(st store.Store, objs Objects, cfg Config, m *Metrics, log *slog.Logger) *Registry {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 200
	}
	if cfg.FetchWait <= 0 {
		cfg.FetchWait = time.Second
	}
	if cfg.MaxDeliveries <= 0 {
		cfg.MaxDeliveries = 10
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = 64 << 20
	}
	if cfg.CasePrefix == "" {
		cfg.CasePrefix = "MP"
	}
	if cfg.RelatedWindow <= 0 {
		cfg.RelatedWindow = 7 * 24 * time.Hour
	}
	if cfg.RepeatWindow <= 0 {
		cfg.RepeatWindow = 60 * 24 * time.Hour
	}
	if cfg.ConversationWindow <= 0 {
		cfg.ConversationWindow = 3 * 24 * time.Hour
	}
	if cfg.SuggestComplaintAfter <= 0 {
		cfg.SuggestComplaintAfter = 10 * 24 * time.Hour
	}
	if cfg.CaseRef == nil {
		cfg.CaseRef = caseevent.CaseRefPattern(cfg.CasePrefix)
	}
	return &Registry{st: st, objs: objs, cfg: cfg, log: log, m: m, now: time.Now}
}

// Run fetches and processes batches until ctx ends. A batch that has started
// is finished (committed and acknowledged) or abandoned unacknowledged, so
// it is redelivered; nothing is acknowledged that was not committed.
//
// Three stages overlap: while one batch is being committed, the next is
// fetched and parsed, and the one before is being acknowledged.
func (r *Registry) Run(ctx context.Context, c *bus.Consumer) error {
	go r.watchBacklog(ctx, c)
	prepared := make(chan []*item, 1)
	go r.fetchLoop(ctx, c, prepared)
	acks := make(chan []*item, 2)
	acked := make(chan struct{})
	go func() {
		defer close(acked)
		for items := range acks {
			// Acknowledging outlives ctx: what was committed is
			// acknowledged even during a shutdown.
			r.ack(context.WithoutCancel(ctx), items)
		}
	}()
	defer func() {
		close(acks)
		<-acked
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case items := <-prepared:
			start := r.now()
			for len(items) > 0 {
				n := r.runWithRetry(ctx, items)
				if n == 0 {
					return nil // ctx ended: the rest is redelivered later
				}
				acks <- items[:n]
				items = items[n:]
			}
			r.m.BatchSeconds.Observe(r.now().Sub(start).Seconds())
		}
	}
}

// fetchLoop fetches and parses batches ahead of the committer.
func (r *Registry) fetchLoop(ctx context.Context, c *bus.Consumer, out chan<- []*item) {
	fails := 0
	for {
		ds, err := c.Fetch(ctx, r.cfg.BatchSize, r.cfg.FetchWait)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			fails++
			r.log.Warn("fetch from consumer failed, retrying", "error", err)
			if !sleep(ctx, backoff(fails)) {
				return
			}
			continue
		}
		fails = 0
		if len(ds) == 0 {
			continue
		}
		items := make([]*item, len(ds))
		for i, d := range ds {
			items[i] = r.prepare(d)
		}
		select {
		case out <- items:
		case <-ctx.Done():
			return
		}
	}
}

func (r *Registry) watchBacklog(ctx context.Context, c *bus.Consumer) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		pending, ackPending, err := c.Backlog(ctx)
		if err == nil {
			r.m.Backlog.Set(float64(pending))
			r.m.AckPending.Set(float64(ackPending))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// item is one delivery on its way into the store.
type item struct {
	d  *bus.Delivery
	ev *caseevent.Event
	q  *store.QuarantineItem
	// blobs holds the objects fetched for ev, by SHA-256.
	blobs map[string]store.Blob
	// outcome is set by a successful commit.
	outcome string
}

// prepare parses a delivery; whatever cannot be accepted becomes a
// quarantine item.
func (r *Registry) prepare(d *bus.Delivery) *item {
	it := &item{d: d}
	quarantine := func(reason string) *item {
		it.q = r.quarantineItem(d, reason)
		return it
	}
	if d.NumDelivered > uint64(r.cfg.MaxDeliveries) {
		return quarantine(fmt.Sprintf("delivered %d times without being stored (limit %d); the event may crash or stall the registry", d.NumDelivered, r.cfg.MaxDeliveries))
	}
	ev, err := caseevent.Parse(d.Data)
	if err != nil {
		return quarantine(err.Error())
	}
	if want := caseevent.Subject(ev.Data.Channel, ev.Data.Inbox); d.Subject != want {
		return quarantine(fmt.Sprintf("published on subject %q but its channel and inbox belong on %q", d.Subject, want))
	}
	if d.MsgID != "" && d.MsgID != ev.ID {
		r.log.Warn("Nats-Msg-Id header differs from the event id; deduplicating on the event id", "event_id", ev.ID)
	}
	it.ev = &ev
	return it
}

func (r *Registry) quarantineItem(d *bus.Delivery, reason string) *store.QuarantineItem {
	return &store.QuarantineItem{
		Key:        quarantineKey(d),
		Subject:    d.Subject,
		EventID:    d.MsgID,
		StreamSeq:  d.StreamSeq,
		Deliveries: int(d.NumDelivered),
		Reason:     reason,
		Payload:    d.Data,
		At:         r.now().UTC(),
	}
}

// runWithRetry commits a prefix of items, retrying
// transient failures with backoff. It returns how many items were done, or
// 0 when ctx ended first.
func (r *Registry) runWithRetry(ctx context.Context, items []*item) int {
	for attempt := 1; ; attempt++ {
		n, err := r.runOnce(ctx, items)
		if err == nil {
			return n
		}
		if ctx.Err() != nil {
			return 0
		}
		r.m.Retries.Inc()
		r.log.Warn("batch not stored, will retry", "error", err, "attempt", attempt, "events", len(items))
		// Keep the deliveries ours while we wait, so they are not handed to
		// another registry (which would only find the same failure).
		for _, it := range items {
			_ = it.d.InProgress()
		}
		if !sleep(ctx, backoff(attempt)) {
			return 0
		}
	}
}

// runOnce fetches the objects of a prefix of items and commits it. An
// error means nothing of this attempt was committed and it is worth a retry.
func (r *Registry) runOnce(ctx context.Context, items []*item) (int, error) {
	// The batch has started: let it finish even if a shutdown begins, but
	// never for longer than a consumer's ack wait would allow.
	work := context.WithoutCancel(ctx)
	n, err := r.fetchObjects(work, items)
	if err != nil {
		return 0, err
	}
	chunk := items[:n]
	err = r.commit(work, chunk)
	if err == nil {
		return n, nil
	}
	if r.transient(err) {
		return 0, err
	}
	// Something in the chunk is refused by the store for good (for example
	// text the database cannot hold). Store the events one by one so that
	// only the guilty one is quarantined.
	r.log.Warn("batch refused by the store, storing events one by one", "error", err)
	for _, it := range chunk {
		it.outcome = ""
		err := r.commit(work, []*item{it})
		if err == nil {
			continue
		}
		if r.transient(err) {
			return 0, err
		}
		it.q = r.quarantineItem(it.d, fmt.Sprintf("the store refused the event: %v", err))
		it.ev = nil
		if err := r.commit(work, []*item{it}); err != nil {
			return 0, fmt.Errorf("quarantine event %s: %w", it.d.MsgID, err)
		}
	}
	return n, nil
}

// transient reports whether err is worth a retry: anything but a refusal
// by the store of the data itself.
func (r *Registry) transient(err error) bool {
	return r.st.IsTransient(err) || !isStoreRefusal(err)
}

// storeRefusal marks an error returned by the store while writing an event.
type storeRefusal struct{ err error }

func (e *storeRefusal) Error() string { return e.err.Error() }
func (e *storeRefusal) Unwrap() error { return e.err }

func isStoreRefusal(err error) bool {
	var sr *storeRefusal
	return errors.As(err, &sr)
}

// ackWorkers is how many acknowledgements are in flight at once; each waits
// for the server's confirmation.
const ackWorkers = 32

func (r *Registry) ack(ctx context.Context, items []*item) {
	now := r.now()
	work := make(chan *item)
	var wg sync.WaitGroup
	for range min(ackWorkers, len(items)) {
		wg.Go(func() {
			for it := range work {
				if err := it.d.Ack(ctx); err != nil {
					r.m.AckErrors.Inc()
					r.log.Warn("acknowledge after commit failed; the event will be redelivered and skipped", "error", err, "event_id", it.d.MsgID)
				}
			}
		})
	}
	for _, it := range items {
		work <- it
	}
	close(work)
	wg.Wait()
	for _, it := range items {
		r.m.Events.WithLabelValues(it.outcome).Inc()
		if !it.d.Timestamp.IsZero() {
			r.m.EventLatency.Observe(now.Sub(it.d.Timestamp).Seconds())
		}
	}
	r.m.LastCommitUnix.Set(float64(now.Unix()))
}

func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 9) // up to ~51 s
	if d > 30*time.Second {
		d = 30 * time.Second
	}
	return d/2 + rand.N(d/2)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
