package api

import (
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/sources"
)

func TestToSourceStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := []struct {
		name   string
		r      SourceReport
		status string
		silent bool
	}{
		{"synced, reported just now", SourceReport{LastSuccess: ago(time.Minute), Received: ago(time.Second), IntervalSeconds: 30}, SourceOK, false},
		{"not synced yet", SourceReport{Received: ago(time.Second), IntervalSeconds: 30}, SourceWaiting, false},
		{"last attempt failed", SourceReport{LastSuccess: ago(time.Hour), LastErrorAt: ago(time.Minute), ConsecutiveFailures: 2, Received: ago(time.Second), IntervalSeconds: 30}, SourceFailing, false},
		{"failed before the last success", SourceReport{LastSuccess: ago(time.Minute), LastErrorAt: ago(time.Hour), Received: ago(time.Second), IntervalSeconds: 30}, SourceOK, false},
		{"expired token", SourceReport{LastErrorAt: ago(time.Minute), NeedsPerson: true, ConsecutiveFailures: 1, Received: ago(time.Second), IntervalSeconds: 30}, SourceNeedsPerson, false},
		{"expired token, connector gone", SourceReport{NeedsPerson: true, Received: ago(time.Hour), IntervalSeconds: 30}, SourceNeedsPerson, true},
		{"no report for 3 intervals", SourceReport{LastSuccess: ago(time.Hour), Received: ago(2*time.Minute + time.Second), IntervalSeconds: 30}, SourceSilent, true},
		{"a slow reporter is not silent early", SourceReport{LastSuccess: ago(time.Hour), Received: ago(5 * time.Minute), IntervalSeconds: 120}, SourceOK, false},
		{"stopped long ago is stopped, not silent", SourceReport{LastSuccess: ago(time.Hour), Stopped: true, Received: ago(time.Hour), IntervalSeconds: 30}, SourceStopped, false},
		{"no server time: the connector's", SourceReport{LastSuccess: ago(time.Hour), ReportedAt: ago(time.Hour), IntervalSeconds: 30}, SourceSilent, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := toSource(sources.Summarize(tc.r, now))
			if s.Status != tc.status || s.Silent != tc.silent {
				t.Errorf("status %s, silent %v; want %s, %v", s.Status, s.Silent, tc.status, tc.silent)
			}
		})
	}
}
