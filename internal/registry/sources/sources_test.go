package sources_test

import (
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/sources"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := []struct {
		name   string
		r      sources.Report
		status string
		silent bool
	}{
		{"synced, reported just now", sources.Report{LastSuccess: ago(time.Minute), Received: ago(time.Second), IntervalSeconds: 30}, sources.OK, false},
		{"not synced yet", sources.Report{Received: ago(time.Second), IntervalSeconds: 30}, sources.Waiting, false},
		{"last attempt failed", sources.Report{LastSuccess: ago(time.Hour), LastErrorAt: ago(time.Minute), ConsecutiveFailures: 2, Received: ago(time.Second), IntervalSeconds: 30}, sources.Failing, false},
		{"failed before the last success", sources.Report{LastSuccess: ago(time.Minute), LastErrorAt: ago(time.Hour), Received: ago(time.Second), IntervalSeconds: 30}, sources.OK, false},
		{"expired token", sources.Report{LastErrorAt: ago(time.Minute), NeedsPerson: true, ConsecutiveFailures: 1, Received: ago(time.Second), IntervalSeconds: 30}, sources.NeedsPerson, false},
		{"expired token, connector gone", sources.Report{NeedsPerson: true, Received: ago(time.Hour), IntervalSeconds: 30}, sources.NeedsPerson, true},
		{"no report for 3 intervals", sources.Report{LastSuccess: ago(time.Hour), Received: ago(2*time.Minute + time.Second), IntervalSeconds: 30}, sources.Silent, true},
		{"a slow reporter is not silent early", sources.Report{LastSuccess: ago(time.Hour), Received: ago(5 * time.Minute), IntervalSeconds: 120}, sources.OK, false},
		{"stopped long ago is stopped, not silent", sources.Report{LastSuccess: ago(time.Hour), Stopped: true, Received: ago(time.Hour), IntervalSeconds: 30}, sources.Stopped, false},
		{"no server time: the connector's", sources.Report{LastSuccess: ago(time.Hour), ReportedAt: ago(time.Hour), IntervalSeconds: 30}, sources.Silent, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := sources.Summarize(tc.r, now)
			if s.Status != tc.status || s.Silent != tc.silent {
				t.Errorf("status %s, silent %v; want %s, %v", s.Status, s.Silent, tc.status, tc.silent)
			}
		})
	}
}

func TestSummarizeAllSorts(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	got := sources.SummarizeAll([]sources.Report{
		{Connector: "mail", Source: "b/INBOX"}, {Connector: "facebook", Source: "gemeente/1"}, {Connector: "mail", Source: "a/INBOX"},
	}, now)
	var order []string
	for _, s := range got {
		order = append(order, s.Connector+" "+s.Source)
	}
	if want := "facebook gemeente/1,mail a/INBOX,mail b/INBOX"; strings.Join(order, ",") != want {
		t.Errorf("order %s, want %s", strings.Join(order, ","), want)
	}
}
