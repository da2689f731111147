package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	st := store.Stats{ByChannel: map[string]int64{}}
	err := s.readTx(ctx, func(q pgx.Tx) error {
		err := q.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM messages),
			(SELECT count(*) FROM cases),
			(SELECT count(*) FROM quarantine WHERE resolved_at IS NULL),
			(SELECT count(*) FROM blobs)`).Scan(&st.Messages, &st.Cases, &st.Quarantined, &st.Blobs)
		if err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT channel, count(*) FROM messages GROUP BY channel`)
		if err != nil {
			return err
		}
		var (
			channel string
			n       int64
		)
		_, err = pgx.ForEachRow(rows, []any{&channel, &n}, func() error {
			st.ByChannel[channel] = n
			return nil
		})
		return err
	})
	if err != nil {
		return store.Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}
