package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) Quarantine(ctx context.Context, qs []store.QuarantineItem) error {
	for _, q := range qs {
		if err := driverutil.CheckQuarantine(q); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
	}
	err := t.each(ctx, `
		INSERT INTO quarantine (key, subject, event_id, stream_seq, deliveries, reason, payload, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO NOTHING`, len(qs), func(s *sql.Stmt, i int) error {
		q := qs[i]
		if _, err := s.ExecContext(ctx, driverutil.Clean(q.Key), driverutil.Clean(q.Subject), driverutil.Clean(q.EventID),
			int64(q.StreamSeq), q.Deliveries, driverutil.Clean(q.Reason), nonNil(q.Payload), formatTime(at(q.At))); err != nil {
			return fmt.Errorf("%s: %w", q.Key, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return nil
}

func (s *Store) ListQuarantine(ctx context.Context, limit int) ([]store.QuarantineItem, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.read.QueryContext(ctx, `
		SELECT id, key, subject, event_id, stream_seq, deliveries, reason, payload, at, resolved_at
		FROM quarantine ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	defer rows.Close()
	var items []store.QuarantineItem
	for rows.Next() {
		var (
			q   store.QuarantineItem
			seq int64
		)
		if err := rows.Scan(&q.ID, &q.Key, &q.Subject, &q.EventID, &seq, &q.Deliveries, &q.Reason, &q.Payload,
			timeColumn{&q.At}, nullTimeColumn{&q.ResolvedAt}); err != nil {
			return nil, fmt.Errorf("list quarantine: %w", err)
		}
		q.StreamSeq = uint64(seq)
		items = append(items, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return items, nil
}
