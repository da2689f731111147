package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	st := store.Stats{ByChannel: map[string]int64{}}
	err := s.readTx(ctx, func(q *sql.Tx) error {
		err := q.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM messages),
			(SELECT count(*) FROM cases),
			(SELECT count(*) FROM quarantine WHERE resolved_at IS NULL),
			(SELECT count(*) FROM blobs)`).Scan(&st.Messages, &st.Cases, &st.Quarantined, &st.Blobs)
		if err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT channel, count(*) FROM messages GROUP BY channel`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				channel string
				n       int64
			)
			if err := rows.Scan(&channel, &n); err != nil {
				return err
			}
			st.ByChannel[channel] = n
		}
		return rows.Err()
	})
	if err != nil {
		return store.Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}
