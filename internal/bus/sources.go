package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Source reports: every connector keeps, per source, a report of its health
// in a KV bucket, so that the registry (which has no connection to the
// connector processes) can show staff which sources work.
const (
	SourceBucket = "meldpunt_sources"
	// SourceReportMaxAge is how long a report stays without being
	// refreshed: a source removed from a connector's configuration
	// disappears from the list after a week.
	SourceReportMaxAge = 7 * 24 * time.Hour
)

// SourceReport is a connector's report on one source (a mail folder, a
// Facebook page, an e-loket form), kept under SourceKey(Connector, Source).
// Its JSON is the value in the bucket.
type SourceReport struct {
	// Connector is the program: mail, facebook or eloket.
	Connector string `json:"connector"`
	// Channel is the caseevent channel of its events.
	Channel string `json:"channel"`
	// Source names the source within the connector (inbox/folder,
	// inbox/page id, inbox).
	Source      string    `json:"source"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// ConsecutiveFailures counts the failures since the last success.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// NeedsPerson: the source fails in a way that only a person can
	// mend (a wrong password, an expired token).
	NeedsPerson bool `json:"needs_person"`
	// Stopped: the connector shut down cleanly; nothing is reported until
	// it runs again.
	Stopped bool `json:"stopped,omitempty"`
	// ReportedAt is when the connector wrote the report, by its clock.
	ReportedAt time.Time `json:"reported_at"`
	// IntervalSeconds is how often the connector reports while it runs: a
	// report much older than that means the connector is gone.
	IntervalSeconds int `json:"interval_seconds"`
	// Received is when the NATS server stored the report; set by
	// SourceReports, not stored in the value.
	Received time.Time `json:"-"`
}

// SourceKey is the key of the report on source of connector.
func SourceKey(connector, source string) string { return CheckpointKey(connector, source) }

// EnsureSources creates the bucket of source reports, or brings its
// configuration in line. The registry calls it at start, with Ensure; the
// connectors only write to the bucket (their NATS users may not create it).
func (b *Bus) EnsureSources(ctx context.Context) error {
	// Like Ensure, it waits out a cluster that is still electing leaders.
	return b.retrySetup(ctx, b.ensureSources)
}

func (b *Bus) ensureSources(ctx context.Context) error {
	_, err := b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      SourceBucket,
		Description: "meldpunt connector source reports",
		History:     1,
		TTL:         SourceReportMaxAge,
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("ensure kv bucket %s: %w", SourceBucket, err)
	}
	return nil
}

// PutSourceReports stores reports, replacing earlier ones of the same
// sources. Before the registry created the bucket (EnsureSources), it fails
// with an error that wraps jetstream.ErrBucketNotFound.
func (b *Bus) PutSourceReports(ctx context.Context, reports []SourceReport) error {
	if len(reports) == 0 {
		return nil
	}
	kv, err := b.js.KeyValue(ctx, SourceBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return fmt.Errorf("put source reports: kv bucket %s (start the registry first): %w", SourceBucket, err)
	}
	if err != nil {
		return fmt.Errorf("put source reports: %w", err)
	}
	for _, r := range reports {
		value, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("put source report %s/%s: %w", r.Connector, r.Source, err)
		}
		if _, err := kv.Put(ctx, SourceKey(r.Connector, r.Source), value); err != nil {
			return fmt.Errorf("put source report %s/%s: %w", r.Connector, r.Source, err)
		}
	}
	return nil
}

// SourceReports returns the current report of every source, in no
// particular order; none when no connector has reported yet. A value that
// does not decode is skipped.
func (b *Bus) SourceReports(ctx context.Context) ([]SourceReport, error) {
	// Not cached: reports are read when staff look, and a bucket looked up
	// before EnsureSources would stay missing.
	kv, err := b.js.KeyValue(ctx, SourceBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read source reports: %w", err)
	}
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("read source reports: %w", err)
	}
	defer func() { _ = w.Stop() }() // a consumer that is gone already is fine
	var out []SourceReport
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("read source reports: %w", ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, errors.New("read source reports: watcher closed")
			}
			if e == nil { // every current value has been delivered
				return out, nil
			}
			var r SourceReport
			if err := json.Unmarshal(e.Value(), &r); err != nil {
				b.log.Warn("source report does not decode; skipped", "key", e.Key(), "error", err)
				continue
			}
			r.Received = e.Created().UTC()
			out = append(out, r)
		}
	}
}
