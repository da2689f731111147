package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (s *Store) EventMessage(ctx context.Context, eventID string) (store.EventMessage, error) {
	var m store.EventMessage
	err := s.read.QueryRowContext(ctx, `
		SELECT m.id, m.event_id, m.domain, coalesce(c.ref, ''), m.stored_at
		FROM messages m LEFT JOIN cases c ON c.id = m.case_id
		WHERE m.event_id = ?`, eventID).Scan(&m.MessageID, &m.EventID, &m.Domain, &m.CaseRef, timeColumn{&m.StoredAt})
	if errors.Is(err, sql.ErrNoRows) {
		return m, errNotFound("message of event %s", eventID)
	}
	if err != nil {
		return m, fmt.Errorf("message of event %s: %w", eventID, err)
	}
	return m, nil
}

// quarantineEntryColumns are read by scanQuarantineEntry, payload last
// when it is loaded.
const quarantineEntryColumns = `id, key, subject, event_id, stream_seq, deliveries, reason, length(payload), at,
	resolved_at, resolution, resolved_by, resolution_note`

func scanQuarantineEntry(row interface{ Scan(...any) error }, payload bool) (store.QuarantineEntry, error) {
	var (
		q   store.QuarantineEntry
		seq int64
	)
	dest := []any{&q.ID, &q.Key, &q.Subject, &q.EventID, &seq, &q.Deliveries, &q.Reason, &q.PayloadSize,
		timeColumn{&q.At}, nullTimeColumn{&q.ResolvedAt}, &q.Resolution, &q.ResolvedBy, &q.Note}
	if payload {
		dest = append(dest, &q.Payload)
	}
	err := row.Scan(dest...)
	q.StreamSeq = uint64(seq)
	return q, err
}

func (s *Store) ListQuarantineEntries(ctx context.Context, f store.QuarantineFilter) ([]store.QuarantineEntry, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Open {
		where = append(where, "resolved_at IS NULL")
	}
	if f.Resolved {
		where = append(where, "resolved_at IS NOT NULL")
	}
	if f.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, `SELECT `+quarantineEntryColumns+` FROM quarantine
		WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	defer rows.Close()
	out := []store.QuarantineEntry{}
	for rows.Next() {
		q, err := scanQuarantineEntry(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list quarantine: %w", err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return out, nil
}

func (s *Store) GetQuarantineEntry(ctx context.Context, id int64) (store.QuarantineEntry, error) {
	return getQuarantineEntry(ctx, s.read, id)
}

func getQuarantineEntry(ctx context.Context, q querier, id int64) (store.QuarantineEntry, error) {
	e, err := scanQuarantineEntry(q.QueryRowContext(ctx, `SELECT `+quarantineEntryColumns+`, payload
		FROM quarantine WHERE id = ?`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return e, errNotFound("quarantined item %d", id)
	}
	if err != nil {
		return e, fmt.Errorf("quarantined item %d: %w", id, err)
	}
	return e, nil
}

func (s *Store) OpenQuarantineByEvent(ctx context.Context, eventID string) (store.QuarantineEntry, error) {
	e, err := scanQuarantineEntry(s.read.QueryRowContext(ctx, `SELECT `+quarantineEntryColumns+`, payload
		FROM quarantine WHERE event_id = ? AND event_id <> '' AND resolved_at IS NULL
		ORDER BY id DESC LIMIT 1`, eventID), true)
	if errors.Is(err, sql.ErrNoRows) {
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
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.QuarantineEntry{}, fmt.Errorf("resolve quarantined item %d: begin: %w", r.ID, err)
	}
	defer t.Rollback() //nolint:errcheck // no-op after commit
	res, err := t.ExecContext(ctx, `
		UPDATE quarantine SET resolved_at = ?, resolution = ?, resolved_by = ?, resolution_note = ?,
			key = CASE WHEN ? THEN key || ? || id ELSE key END
		WHERE id = ? AND resolved_at IS NULL`,
		formatTime(at(r.At)), r.Resolution, driverutil.Clean(r.Actor), driverutil.Clean(r.Note),
		r.Resolution == store.ResolutionRetried, store.RetriedKeySuffix, r.ID)
	if err != nil {
		return store.QuarantineEntry{}, fmt.Errorf("resolve quarantined item %d: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return store.QuarantineEntry{}, fmt.Errorf("resolve quarantined item %d: %w", r.ID, err)
	}
	e, err := getQuarantineEntry(ctx, t, r.ID)
	if err != nil {
		return e, fmt.Errorf("resolve: %w", err)
	}
	if n == 0 {
		return e, fmt.Errorf("resolve quarantined item %d: %w", r.ID, store.ErrResolved)
	}
	if err := t.Commit(); err != nil {
		return store.QuarantineEntry{}, fmt.Errorf("resolve quarantined item %d: commit: %w", r.ID, err)
	}
	return e, nil
}

func (s *Store) ReopenQuarantine(ctx context.Context, id int64) error {
	res, err := s.write.ExecContext(ctx, `
		UPDATE quarantine SET resolved_at = NULL, resolution = '', resolved_by = '', resolution_note = ''
		WHERE id = ? AND resolution = ?`, id, store.ResolutionRetried)
	if err != nil {
		return fmt.Errorf("reopen quarantined item %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("reopen quarantined item %d: %w", id, err)
	}
	if n == 0 {
		return errNotFound("retried quarantined item %d", id)
	}
	return nil
}
