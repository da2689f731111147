package ingest

import (
	"context"
	"log/slog"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// Defaults of ReportConfig.
const (
	DefaultReportEvery = 30 * time.Second
	// reportPoll is how often the reporter looks at the Health: a change
	// is reported within this time, and failures further apart are each
	// counted.
	reportPoll = 250 * time.Millisecond
	// reportRetry is the wait after a report that could not be written.
	reportRetry = 5 * time.Second
	// finalReportTimeout bounds the last report, written while the
	// connector stops.
	finalReportTimeout = 5 * time.Second
)

// ReportConfig says what a Reporter reports on.
type ReportConfig struct {
	// Connector names the program: mail, facebook or eloket.
	Connector string
	// Channel is the channel of its events.
	Channel caseevent.Channel
	// Every is how often every source is reported even when nothing
	// changed, so the registry can tell a silent connector from a quiet
	// one; default DefaultReportEvery.
	Every time.Duration
}

// Reporter writes the Health of a connector's sources to the bus's source
// bucket (bus.PutSourceReports): at once when something changes, and every
// ReportConfig.Every otherwise; when it stops, a last report says so.
//
// It counts consecutive failures itself by watching the Health: failures
// less than a quarter second apart count once.
type Reporter struct {
	b   *bus.Bus
	cfg ReportConfig
	h   *Health
	log *slog.Logger
	now func() time.Time

	seen map[string]*sourceSeen
}

// sourceSeen is what the reporter saw of one source.
type sourceSeen struct {
	lastSuccess, lastErrorAt time.Time
	failures                 int
}

// NewReporter returns a reporter on h through b.
func NewReporter(b *bus.Bus, cfg ReportConfig, h *Health, log *slog.Logger) *Reporter {
	if cfg.Every <= 0 {
		cfg.Every = DefaultReportEvery
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reporter{b: b, cfg: cfg, h: h, log: log, now: time.Now, seen: map[string]*sourceSeen{}}
}

// Run reports until ctx ends, then writes a last report with Stopped set.
// Failing to write is logged (once until it works again), never fatal: the
// reports are for people, the connector's work goes on.
func (r *Reporter) Run(ctx context.Context) {
	t := time.NewTicker(reportPoll)
	defer t.Stop()
	var (
		published []bus.SourceReport
		due       time.Time // zero: report at once
		failing   bool
	)
	for {
		reports := r.reports(false)
		now := r.now()
		if !sameReports(reports, published) || !now.Before(due) {
			err := r.b.PutSourceReports(ctx, reports)
			switch {
			case err == nil:
				published, due = reports, now.Add(r.cfg.Every)
				if failing {
					r.log.Info("source reports written again")
					failing = false
				}
			case ctx.Err() != nil:
			default:
				if !failing {
					r.log.Warn("cannot write source reports; will retry", "error", err)
					failing = true
				}
				due = now.Add(min(reportRetry, r.cfg.Every))
				published = reports // not again before due
			}
		}
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalReportTimeout)
			defer cancel()
			if err := r.b.PutSourceReports(final, r.reports(true)); err != nil {
				r.log.Warn("cannot write the last source reports", "error", err)
			}
			return
		case <-t.C:
		}
	}
}

// reports turns the Health into reports, counting failures on the way.
func (r *Reporter) reports(stopped bool) []bus.SourceReport {
	snap := r.h.Snapshot()
	now := r.now().UTC()
	out := make([]bus.SourceReport, 0, len(snap))
	for _, s := range snap {
		seen := r.seen[s.Source]
		if seen == nil {
			seen = &sourceSeen{}
			r.seen[s.Source] = seen
		}
		seen.observe(s)
		out = append(out, bus.SourceReport{
			Connector:           r.cfg.Connector,
			Channel:             string(r.cfg.Channel),
			Source:              s.Source,
			LastSuccess:         s.LastSuccess,
			LastError:           s.LastError,
			LastErrorAt:         s.LastErrorAt,
			ConsecutiveFailures: seen.failures,
			NeedsPerson:         !s.Healthy,
			Stopped:             stopped,
			ReportedAt:          now,
			IntervalSeconds:     int(r.cfg.Every / time.Second),
		})
	}
	return out
}

// observe counts the failures in s since it was last observed.
func (seen *sourceSeen) observe(s SourceHealth) {
	failed := s.LastErrorAt.After(seen.lastErrorAt)
	succeeded := s.LastSuccess.After(seen.lastSuccess)
	switch {
	case succeeded && !s.LastSuccess.Before(s.LastErrorAt):
		seen.failures = 0 // the success came last
	case succeeded && failed:
		seen.failures = 1 // a success, then a failure
	case failed:
		seen.failures++
	}
	seen.lastSuccess, seen.lastErrorAt = s.LastSuccess, s.LastErrorAt
}

// sameReports reports whether a and b say the same, apart from when they
// were written.
func sameReports(a, b []bus.SourceReport) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.ReportedAt, y.ReportedAt = time.Time{}, time.Time{}
		if x != y {
			return false
		}
	}
	return true
}
