package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testStats(t *testing.T, s store.Store) {
	diff(t, "empty", stats(t, s), store.Stats{ByChannel: map[string]int64{}})
	var ms []*store.Message
	for i, channel := range []string{"email", "email", "facebook", "eloket", "email"} {
		m := message(fmt.Sprint("ev-stats-", i), "gemeente")
		m.Channel = channel
		ms = append(ms, m)
	}
	insert(t, s, ms...)
	newCase(t, s, "gemeente")
	newCase(t, s, "sociaalhuis")
	inTx(t, s, func(tx store.Tx) {
		if err := tx.PutBlobs(ctx(t), []store.Blob{{SHA256: sum([]byte("x")), Data: []byte("x")}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Quarantine(ctx(t), []store.QuarantineItem{{Key: "k"}}); err != nil {
			t.Fatal(err)
		}
	})
	diff(t, "stats", stats(t, s), store.Stats{
		Messages: 5, Cases: 2, Quarantined: 1, Blobs: 1,
		ByChannel: map[string]int64{"email": 3, "facebook": 1, "eloket": 1},
	})
}

func testIsTransient(t *testing.T, s store.Store) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{store.ErrNotFound, false},
		{fmt.Errorf("get case: %w", store.ErrNotFound), false},
		{errors.New("message without event id"), false},
		{context.Canceled, true},
		{fmt.Errorf("insert: %w", context.DeadlineExceeded), true},
	} {
		if got := s.IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
