package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// Quarantine inserts the items in the order given, so that their ids (and
// ListQuarantine) follow it.
func (t *tx) Quarantine(ctx context.Context, qs []store.QuarantineItem) error {
	if len(qs) == 0 {
		return nil
	}
	for _, q := range qs {
		if err := driverutil.CheckQuarantine(q); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
	}
	n := len(qs)
	keys, subjects, eventIDs, reasons := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	seqs, deliveries, payloads, ats := make([]int64, n), make([]int32, n), make([][]byte, n), make([]time.Time, n)
	for i, q := range qs {
		keys[i], subjects[i], eventIDs[i], reasons[i] = driverutil.Clean(q.Key), driverutil.Clean(q.Subject),
			driverutil.Clean(q.EventID), driverutil.Clean(q.Reason)
		seqs[i], deliveries[i], payloads[i], ats[i] = int64(q.StreamSeq), int32(q.Deliveries), nonNil(q.Payload), at(q.At)
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO quarantine (key, subject, event_id, stream_seq, deliveries, reason, payload, at)
		SELECT key, subject, event_id, stream_seq, deliveries, reason, payload, at
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::integer[], $6::text[], $7::bytea[],
			$8::timestamptz[]) WITH ORDINALITY AS q(key, subject, event_id, stream_seq, deliveries, reason, payload, at, n)
		ORDER BY n
		ON CONFLICT (key) DO NOTHING`,
		keys, subjects, eventIDs, seqs, deliveries, reasons, payloads, ats)
	if err != nil {
		return fmt.Errorf("quarantine %d items: %w", n, err)
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
