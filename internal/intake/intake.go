// Package intake connects the registry's staff API to the intake path on
// the bus: Bus gives the API what it needs of NATS — publishing front-desk
// registrations (package frontdesk), sending a quarantined payload to the
// intake stream again, and reading the connectors' source reports — through
// the API's small interfaces, so the API itself never imports the bus.
//
// It imports bus, caseevent and the API's types; the API must not import
// it.
package intake

import (
	"context"
	"fmt"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/api"
)

// Bus adapts a *bus.Bus to api.IntakePublisher, api.Republisher and
// api.SourceLister.
type Bus struct {
	b *bus.Bus
}

// New returns the adapter over b.
func New(b *bus.Bus) *Bus { return &Bus{b: b} }

var (
	_ api.IntakePublisher = (*Bus)(nil)
	_ api.Republisher     = (*Bus)(nil)
	_ api.SourceLister    = (*Bus)(nil)
)

// PutObject stores data in the object store under its SHA-256.
func (a *Bus) PutObject(ctx context.Context, data []byte, contentType string) (caseevent.ObjectRef, error) {
	return a.b.PutObject(ctx, data, contentType)
}

// PublishEvent publishes ev with its id as Nats-Msg-Id, as the connectors
// do.
func (a *Bus) PublishEvent(ctx context.Context, ev caseevent.Event) (bool, error) {
	res, err := a.b.PublishEvent(ctx, ev)
	return res.Duplicate, err
}

// Republish publishes payload on subject without a Nats-Msg-Id: the
// stream would drop a copy of an event it saw within its duplicate window,
// and the registry deduplicates stored events by their id anyway. Without
// the header the publish is not retried, so an error may hide a publish
// that went through; sending again is harmless for the same reason.
func (a *Bus) Republish(ctx context.Context, subject string, payload []byte) error {
	if _, err := a.b.PublishRaw(ctx, subject, "", payload); err != nil {
		return fmt.Errorf("republish: %w", err)
	}
	return nil
}

// SourceReports reads the source bucket.
func (a *Bus) SourceReports(ctx context.Context) ([]api.SourceReport, error) {
	rs, err := a.b.SourceReports(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]api.SourceReport, len(rs))
	for i, r := range rs {
		out[i] = api.SourceReport{
			Connector: r.Connector, Channel: r.Channel, Source: r.Source,
			LastSuccess: r.LastSuccess, LastError: r.LastError, LastErrorAt: r.LastErrorAt,
			ConsecutiveFailures: r.ConsecutiveFailures, NeedsPerson: r.NeedsPerson, Stopped: r.Stopped,
			ReportedAt: r.ReportedAt, Received: r.Received, IntervalSeconds: r.IntervalSeconds,
		}
	}
	return out, nil
}
