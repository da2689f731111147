package privacy_test

import (
	"context"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestNextRun(t *testing.T) {
	t.Parallel()
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		now  time.Time
		hour int
		want time.Time
	}{
		{"later today", time.Date(2026, 12, 4, 1, 0, 0, 0, brussels), 3, time.Date(2026, 12, 4, 3, 0, 0, 0, brussels)},
		{"tomorrow", time.Date(2026, 12, 4, 3, 0, 0, 0, brussels), 3, time.Date(2026, 12, 5, 3, 0, 0, 0, brussels)},
		{"now in UTC", time.Date(2026, 12, 4, 23, 30, 0, 0, time.UTC), 3, time.Date(2026, 12, 5, 3, 0, 0, 0, brussels)},
		{"over the end of summer time", time.Date(2026, 10, 24, 4, 0, 0, 0, brussels), 3, time.Date(2026, 10, 25, 3, 0, 0, 0, brussels)},
		{"end of the year", time.Date(2026, 12, 31, 23, 0, 0, 0, brussels), 0, time.Date(2027, 1, 1, 0, 0, 0, 0, brussels)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := privacy.NextRun(tc.now, tc.hour, brussels); !got.Equal(tc.want) {
				t.Errorf("NextRun(%v, %d) = %v, want %v", tc.now, tc.hour, got, tc.want)
			}
		})
	}
}

func TestRetentionJob(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := openStore(t)
	now := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	closedAt := func(years int) time.Time { return now.AddDate(-years, 0, -1) }
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var cases []store.NewCase
	for _, d := range []string{"gemeente", "gemeente", "sociaalhuis"} {
		cases = append(cases, store.NewCase{Prefix: "MP", Year: 2019, Domain: d, Subject: "Oud dossier", OpenedAt: closedAt(8)})
	}
	refs, err := tx.CreateCases(ctx, cases)
	if err != nil {
		t.Fatal(err)
	}
	var ms []*store.Message
	for i, r := range refs {
		ms = append(ms, &store.Message{EventID: r.Ref, CaseID: r.ID, Channel: "email", Domain: cases[i].Domain,
			SenderName: "Oscar", Text: "oud", EventTime: closedAt(8), StoredAt: closedAt(8), Event: []byte(`{}`)})
	}
	if err := tx.InsertMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}
	// Closed 6 and 4 years ago in the gemeente (5 years), 6 years ago in
	// the sociaalhuis (10 years).
	if err := tx.SetStatuses(ctx, []store.StatusChange{
		{CaseID: refs[0].ID, Status: store.StatusClosed, At: closedAt(6)},
		{CaseID: refs[1].ID, Status: store.StatusClosed, At: closedAt(4)},
		{CaseID: refs[2].ID, Status: store.StatusClosed, At: closedAt(6)},
	}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	job := privacy.NewJob(st, privacy.Retention{Years: map[string]int{"gemeente": 5, "sociaalhuis": 10}, Hour: 3},
		nil, func() time.Time { return now })
	if got, want := job.Cutoff("gemeente", now), now.AddDate(-5, 0, 0); !got.Equal(want) {
		t.Errorf("Cutoff = %v, want %v", got, want)
	}
	for _, dry := range []bool{true, false} {
		reports, err := job.Once(ctx, dry)
		if err != nil {
			t.Fatal(err)
		}
		if len(reports) != 2 || reports[0].Domain != "gemeente" || reports[0].Result.Cases != 1 || reports[0].Result.Messages != 1 ||
			reports[0].DryRun != dry || !reports[0].Before.Equal(now.AddDate(-5, 0, 0)) ||
			reports[1].Domain != "sociaalhuis" || !reports[1].Result.Empty() {
			t.Errorf("Once(dry run %v) = %+v", dry, reports)
		}
	}
	for i, want := range []string{store.Erased, "Oud dossier", "Oud dossier"} {
		d, err := st.GetCase(ctx, refs[i].Ref)
		if err != nil {
			t.Fatal(err)
		}
		if d.Subject != want {
			t.Errorf("case %s (%s, closed %v): subject %q, want %q", d.Ref, d.Domain, d.ClosedAt, d.Subject, want)
		}
	}
	log, err := st.ListAccess(ctx, store.AccessFilter{Action: store.AccessPurge})
	if err != nil || len(log) != 1 || log[0].Actor != privacy.Actor || log[0].Domain != "gemeente" {
		t.Errorf("access log = %+v, %v", log, err)
	}
	if reports, err := job.Once(ctx, false); err != nil || !reports[0].Result.Empty() {
		t.Errorf("second run = %+v, %v; want nothing", reports, err)
	}
}

func TestRetentionRunStops(t *testing.T) {
	t.Parallel()
	job := privacy.NewJob(openStore(t), privacy.Retention{Years: map[string]int{"gemeente": 5}, Hour: 3}, nil, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		job.Run(ctx)
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}
