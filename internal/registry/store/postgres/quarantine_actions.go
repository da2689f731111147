package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (s *Store) EventMessage(ctx context.Context, eventID string) (store.EventMessage, error) {
	var m store.EventMessage
	err := s.pool.QueryRow(ctx, `
		SELECT m.id, m.event_id, m.domain, coalesce(c.ref, ''), m.stored_at
		FROM messages m LEFT JOIN cases c ON c.id = m.case_id
		WHERE m.event_id = $1`, eventID).Scan(&m.MessageID, &m.EventID, &m.Domain, &m.CaseRef, &m.StoredAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, errNotFound("message of event %s", eventID)
	}
	if err != nil {
		return m, fmt.Errorf("message of event %s: %w", eventID, err)
	}
	m.StoredAt = m.StoredAt.UTC()
	return m, nil
}

// quarantineEntryColumns are read by scanQuarantineEntry, payload last
// when it is loaded.
const quarantineEntryColumns = `id, key, subject, event_id, stream_seq, deliveries, reason, octet_length(payload), at,
	resolved_at, resolution, resolved_by, resolution_note`

func scanQuarantineEntry(row pgx.Row, payload bool) (store.QuarantineEntry, error) {
	var (
		q   store.QuarantineEntry
		seq int64
	)
	dest := []any{&q.ID, &q.Key, &q.Subject, &q.EventID, &seq, &q.Deliveries, &q.Reason, &q.PayloadSize,
		&q.At, &q.ResolvedAt, &q.Resolution, &q.ResolvedBy, &q.Note}
	if payload {
		dest = append(dest, &q.Payload)
	}
	err := row.Scan(dest...)
	q.StreamSeq, q.At, q.ResolvedAt = uint64(seq), q.At.UTC(), utc(q.ResolvedAt)
	return q, err
}

func (s *Store) ListQuarantineEntries(ctx context.Context, f store.QuarantineFilter) ([]store.QuarantineEntry, error) {
	where, args := []string{"true"}, []any{}
	if f.Open {
		where = append(where, "resolved_at IS NULL")
	}
	if f.Resolved {
		where = append(where, "resolved_at IS NOT NULL")
	}
	if f.BeforeID > 0 {
		args = append(args, f.BeforeID)
		where = append(where, fmt.Sprintf("id < $%d", len(args)))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := s.pool.Query(ctx, `SELECT `+quarantineEntryColumns+` FROM quarantine
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.QuarantineEntry, error) {
		return scanQuarantineEntry(row, false)
	})
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	if out == nil {
		out = []store.QuarantineEntry{}
	}
	return out, nil
}

func (s *Store) GetQuarantineEntry(ctx context.Context, id int64) (store.QuarantineEntry, error) {
	return getQuarantineEntry(ctx, s.pool, id)
}

func getQuarantineEntry(ctx context.Context, q querier, id int64) (store.QuarantineEntry, error) {
	e, err := scanQuarantineEntry(q.QueryRow(ctx, `SELECT `+quarantineEntryColumns+`, payload
		FROM quarantine WHERE id = $1`, id), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, errNotFound("quarantined item %d", id)
	}
	if err != nil {
		return e, fmt.Errorf("quarantined item %d: %w", id, err)
	}
	return e, nil
}

func (s *Store) OpenQuarantineByEvent(ctx context.Context, eventID string) (store.QuarantineEntry, error) {
	e, err := scanQuarantineEntry(s.pool.QueryRow(ctx, `SELECT `+quarantineEntryColumns+`, payload
		FROM quarantine WHERE event_id = $1 AND event_id <> '' AND resolved_at IS NULL
		ORDER BY id DESC LIMIT 1`, eventID), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, errNotFound("quarantined event %s", eventID)
	}
	if err != nil {
		return e, fmt.Errorf("quarantined event %s: %w", eventID, err)
	}
	return e, nil
}

func (s *Store) ResolveQuarantine(ctx context.Context, r store.QuarantineResolution) (store.QuarantineEntry, error) {
	if err := r.Check(); err != nil {
		return store.QuarantineEntry{}, err
	}
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return store.QuarantineEntry{}, fmt.Errorf("resolve quarantined item %d: begin: %w", r.ID, err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit
	tag, err := t.Exec(ctx, `
		UPDATE quarantine SET resolved_at = $1, resolution = $2, resolved_by = $3, resolution_note = $4,
			key = CASE WHEN $5 THEN key || $6 || id::text ELSE key END
		WHERE id = $7 AND resolved_at IS NULL`,
		driverutil.Time(at(r.At)), r.Resolution, driverutil.Clean(r.Actor), driverutil.Clean(r.Note),
		r.Resolution == store.ResolutionRetried, store.RetriedKeySuffix, r.ID)
	if err != nil {
		return store.QuarantineEntry{}, fmt.Errorf("resolve quarantined item %d: %w", r.ID, err)
	}
	e, err := getQuarantineEntry(ctx, t, r.ID)
	if err != nil {
		return e, fmt.Errorf("resolve: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return e, fmt.Errorf("resolve quarantined item %d: %w", r.ID, store.ErrResolved)
	}
	if err := t.Commit(ctx); err != nil {
		return store.QuarantineEntry{}, fmt.Errorf("resolve quarantined item %d: commit: %w", r.ID, err)
	}
	return e, nil
}

func (s *Store) ReopenQuarantine(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE quarantine SET resolved_at = NULL, resolution = '', resolved_by = '', resolution_note = ''
		WHERE id = $1 AND resolution = $2`, id, store.ResolutionRetried)
	if err != nil {
		return fmt.Errorf("reopen quarantined item %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return errNotFound("retried quarantined item %d", id)
	}
	return nil
}
