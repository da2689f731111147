package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) Quarantine(ctx context.Context, q store.QuarantineItem) error {
	if err := driverutil.CheckQuarantine(q); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO quarantine (key, subject, event_id, stream_seq, deliveries, reason, payload, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (key) DO NOTHING`,
		driverutil.Clean(q.Key), driverutil.Clean(q.Subject), driverutil.Clean(q.EventID), int64(q.StreamSeq),
		q.Deliveries, driverutil.Clean(q.Reason), nonNil(q.Payload), at(q.At))
	if err != nil {
		return fmt.Errorf("quarantine %s: %w", q.Key, err)
	}
	return nil
}

func (s *Store) ListQuarantine(ctx context.Context, limit int) ([]store.QuarantineItem, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `
		SELECT id, key, subject, event_id, stream_seq, deliveries, reason, payload, at, resolved_at
		FROM quarantine ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.QuarantineItem, error) {
		var (
			q   store.QuarantineItem
			seq int64
		)
		err := row.Scan(&q.ID, &q.Key, &q.Subject, &q.EventID, &seq, &q.Deliveries, &q.Reason, &q.Payload, &q.At, &q.ResolvedAt)
		q.StreamSeq, q.At, q.ResolvedAt = uint64(seq), q.At.UTC(), utc(q.ResolvedAt)
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return items, nil
}
