// Package sources sums up the connectors' reports on their sources (a mail
// folder, a Facebook page, an e-loket form) for staff: whether each works,
// fails, waits for a person (a wrong password, an expired Facebook token),
// or has gone silent. The HTTP API and the web UI show the same summary.
//
// It holds no I/O; it must not import the bus (whose reports it mirrors),
// the HTTP API or the web UI.
package sources

import (
	"cmp"
	"slices"
	"time"
)

// Report is a connector's last report on one of its sources, as the
// connectors write it to the bus. Its fields are those of
// api.SourceReport, so that one converts to the other.
type Report struct {
	Connector, Channel, Source string
	LastSuccess                time.Time
	LastError                  string
	LastErrorAt                time.Time
	ConsecutiveFailures        int
	NeedsPerson, Stopped       bool
	// ReportedAt is the connector's clock, Received the bus's.
	ReportedAt, Received time.Time
	IntervalSeconds      int
}

// Statuses, worst first.
const (
	// NeedsPerson: it fails until a person acts (a wrong password, an
	// expired Facebook token).
	NeedsPerson = "needs_person"
	// Silent: the connector has not reported for a while; it may have
	// crashed or lost its connection to NATS.
	Silent = "silent"
	// Stopped: the connector was stopped.
	Stopped = "stopped"
	// Failing: the last attempt failed; the connector keeps trying.
	Failing = "failing"
	// Waiting: running, not synced yet.
	Waiting = "waiting"
	OK      = "ok"
)

// MinSilence is the least time without a report before a source counts as
// silent, however often its connector reports.
const MinSilence = 2 * time.Minute

// Summary is a report as it stands at a moment.
type Summary struct {
	Report
	// Status sums the rest up (NeedsPerson, Silent, ...).
	Status string
	// Silent: no report for three reporting intervals (at least
	// MinSilence), and the connector did not say it stopped.
	Silent bool
	// LastReport is when the connector last reported (the bus's clock
	// when known).
	LastReport time.Time
}

// Summarize sums r up as it stands at now.
func Summarize(r Report, now time.Time) Summary {
	last := r.Received
	if last.IsZero() {
		last = r.ReportedAt
	}
	silence := max(3*time.Duration(r.IntervalSeconds)*time.Second, MinSilence)
	s := Summary{Report: r, Silent: !r.Stopped && now.Sub(last) > silence, LastReport: last.UTC()}
	switch {
	case r.NeedsPerson:
		s.Status = NeedsPerson
	case s.Silent:
		s.Status = Silent
	case r.Stopped:
		s.Status = Stopped
	case r.ConsecutiveFailures > 0 || (!r.LastErrorAt.IsZero() && r.LastErrorAt.After(r.LastSuccess)):
		s.Status = Failing
	case r.LastSuccess.IsZero():
		s.Status = Waiting
	default:
		s.Status = OK
	}
	return s
}

// SummarizeAll sums every report up at now, sorted by connector and
// source.
func SummarizeAll(rs []Report, now time.Time) []Summary {
	out := make([]Summary, len(rs))
	for i, r := range rs {
		out[i] = Summarize(r, now)
	}
	slices.SortFunc(out, func(a, b Summary) int {
		return cmp.Or(cmp.Compare(a.Connector, b.Connector), cmp.Compare(a.Source, b.Source))
	})
	return out
}
