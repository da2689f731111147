package privacy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestRecord(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	for _, tc := range []struct {
		name    string
		domain  string
		reason  string
		always  bool
		wantErr error
	}{
		{name: "gemeente without a reason", domain: "gemeente"},
		{name: "gemeente with a reason", domain: "gemeente", reason: " opvolging "},
		{name: "sociaalhuis without a reason", domain: "sociaalhuis", wantErr: privacy.ErrReasonRequired},
		{name: "sociaalhuis with a blank reason", domain: "sociaalhuis", reason: " \t", wantErr: privacy.ErrReasonRequired},
		{name: "sociaalhuis with a reason", domain: "sociaalhuis", reason: "budgetbegeleiding"},
		{name: "always, without a reason", domain: "gemeente", always: true, wantErr: privacy.ErrReasonRequired},
		{name: "too long", domain: "gemeente", reason: strings.Repeat("é", privacy.MaxReason+1), wantErr: privacy.ErrReasonTooLong},
		{name: "just long enough", domain: "sociaalhuis", reason: strings.Repeat("é", privacy.MaxReason)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := st.ListAccess(t.Context(), store.AccessFilter{})
			if err != nil {
				t.Fatal(err)
			}
			err = privacy.Record(t.Context(), st, store.AccessEntry{Actor: "els", Action: store.AccessViewCase,
				CaseRef: "MP-2026-000001", Domain: tc.domain, Reason: tc.reason}, tc.always)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Record = %v, want %v", err, tc.wantErr)
			}
			after, err := st.ListAccess(t.Context(), store.AccessFilter{})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.wantErr != nil && len(after) != len(before):
				t.Errorf("a refused view was logged: %+v", after[0])
			case tc.wantErr == nil && (len(after) != len(before)+1 || after[0].Reason != strings.TrimSpace(tc.reason)):
				t.Errorf("logged %+v", after)
			}
		})
	}
}

type brokenLog struct{ store.Privacy }

func (brokenLog) LogAccess(context.Context, []store.AccessEntry) error {
	return errors.New("disk full")
}

func TestRecordFailsWithTheLog(t *testing.T) {
	t.Parallel()
	err := privacy.Record(t.Context(), brokenLog{}, store.AccessEntry{Actor: "els", Action: store.AccessSearch, Domain: "gemeente"}, false)
	if err == nil || errors.Is(err, privacy.ErrReasonRequired) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Record = %v, want the log's error", err)
	}
}
