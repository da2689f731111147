package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// BulkInsertMessages stores message rows the fastest way pgx knows, in one
// transaction: COPY into a temporary table, then one INSERT ... ON CONFLICT
// (event_id) DO NOTHING into messages. It writes the rows only: no
// attachments, timeline or case changes, and it sets no m.ID. It returns how
// many rows were new. Text is cleaned as InsertMessages cleans it, so both
// store identical rows.
//
// It is the ceiling the registry's throughput is measured against
// (internal/registry/bench, docs/benchmarks.md), and it can serve bulk
// imports of messages that need no case.
func (s *Store) BulkInsertMessages(ctx context.Context, ms []*store.Message) (int64, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	clean, err := driverutil.CleanMessages(ms)
	if err != nil {
		return 0, fmt.Errorf("bulk insert messages: %w", err)
	}
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return 0, fmt.Errorf("bulk insert messages: begin: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit

	// LIKE copies the NOT NULL of the identity column but not the identity,
	// so the id column goes: the rows get their ids in messages.
	if _, err := t.Exec(ctx, `
		CREATE TEMP TABLE bulk_messages (LIKE messages INCLUDING DEFAULTS) ON COMMIT DROP;
		ALTER TABLE bulk_messages DROP COLUMN id`); err != nil {
		return 0, fmt.Errorf("bulk insert messages: create temporary table: %w", err)
	}
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"bulk_messages"}, messageCopyColumns,
		pgx.CopyFromSlice(len(clean), func(i int) ([]any, error) { return messageRow(&clean[i]) })); err != nil {
		return 0, fmt.Errorf("bulk insert messages: copy: %w", err)
	}
	columns := strings.Join(messageCopyColumns, ", ")
	tag, err := t.Exec(ctx, `INSERT INTO messages (`+columns+`) SELECT `+columns+` FROM bulk_messages
		ON CONFLICT (event_id) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("bulk insert messages: insert: %w", err)
	}
	if err := t.Commit(ctx); err != nil {
		return 0, fmt.Errorf("bulk insert messages: commit: %w", err)
	}
	return tag.RowsAffected(), nil
}

// BulkInsertCaseRows writes, for each message, every row the registry
// writes for a new citizen's new question — a contact, a case with the next
// reference of prefix and year, the message, and its timeline entry — the
// fastest way pgx knows, in one transaction: ids taken from the sequences
// up front, COPY for the messages, one INSERT ... SELECT FROM unnest for
// each other table. It skips everything the registry decides (claims,
// lookups, routing, repeats): it is the ceiling of the registry's
// throughput with the same rows (internal/registry/bench).
func (s *Store) BulkInsertCaseRows(ctx context.Context, ms []*store.Message, prefix string, year int) (int64, error) {
	n := len(ms)
	if n == 0 {
		return 0, nil
	}
	clean, err := driverutil.CleanMessages(ms)
	if err != nil {
		return 0, fmt.Errorf("bulk insert case rows: %w", err)
	}
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return 0, fmt.Errorf("bulk insert case rows: begin: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit

	var contactIDs, caseIDs, messageIDs []int64
	var last int64
	b := &pgx.Batch{}
	for _, q := range []struct {
		seq string
		out *[]int64
	}{{"contacts_id_seq", &contactIDs}, {"cases_id_seq", &caseIDs}, {"messages_id_seq", &messageIDs}} {
		b.Queue(`SELECT nextval('`+q.seq+`') FROM generate_series(1, $1)`, n).Query(func(rows pgx.Rows) error {
			var err error
			*q.out, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
	}
	b.Queue(`INSERT INTO case_counters AS c (prefix, year, last) VALUES ($1, $2, $3)
		ON CONFLICT (prefix, year) DO UPDATE SET last = c.last + EXCLUDED.last RETURNING last`, prefix, year, n).
		QueryRow(func(row pgx.Row) error { return row.Scan(&last) })
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return 0, fmt.Errorf("bulk insert case rows: ids: %w", err)
	}

	domains, names, emails, emailNorms, phones, phoneNorms, fbIDs, addresses := make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	refs, subjects, channels := make([]string, n), make([]string, n), make([]string, n)
	opened, stored := make([]time.Time, n), make([]time.Time, n)
	for i := range clean {
		m := &clean[i]
		m.ID, m.CaseID, m.ContactID = messageIDs[i], caseIDs[i], contactIDs[i]
		domains[i], names[i], emails[i], phones[i], fbIDs[i], addresses[i] = m.Domain, m.SenderName, m.SenderEmail, m.SenderPhone, m.SenderFacebookID, m.SenderAddress
		emailNorms[i], phoneNorms[i] = store.NormalizeEmail(m.SenderEmail), store.NormalizePhone(m.SenderPhone)
		refs[i] = driverutil.FormatRef(prefix, year, last-int64(n)+int64(i)+1)
		subjects[i], channels[i] = m.Subject, m.Channel
		opened[i], stored[i] = at(m.EventTime), at(m.StoredAt)
	}
	b = &pgx.Batch{}
	b.Queue(`INSERT INTO contacts (id, domain, name, email, email_norm, phone, phone_norm, facebook_id, address, created_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT id, domain, name, email, email_norm, phone, phone_norm, facebook_id, address, at, at
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
			AS c(id, domain, name, email, email_norm, phone, phone_norm, facebook_id, address, at)`,
		contactIDs, domains, names, emails, emailNorms, phones, phoneNorms, fbIDs, addresses, opened)
	b.Queue(`INSERT INTO cases (id, ref, domain, subject, channel, contact_id, opened_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT id, ref, domain, subject, channel, contact_id, opened_at, updated_at
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::timestamptz[])
			AS c(id, ref, domain, subject, channel, contact_id, opened_at, updated_at)`,
		caseIDs, refs, domains, subjects, channels, contactIDs, opened, stored)
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return 0, fmt.Errorf("bulk insert case rows: contacts and cases: %w", err)
	}
	columns := append([]string{"id"}, messageCopyColumns...)
	copied, err := t.CopyFrom(ctx, pgx.Identifier{"messages"}, columns,
		pgx.CopyFromSlice(n, func(i int) ([]any, error) { return messageRow(&clean[i], clean[i].ID) }))
	if err != nil {
		return 0, fmt.Errorf("bulk insert case rows: copy messages: %w", err)
	}
	if _, err := t.Exec(ctx, `INSERT INTO case_timeline (case_id, at, kind, message_id)
		SELECT case_id, at, 'message', message_id FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[]) AS t(case_id, at, message_id)`,
		caseIDs, stored, messageIDs); err != nil {
		return 0, fmt.Errorf("bulk insert case rows: timeline: %w", err)
	}
	if err := t.Commit(ctx); err != nil {
		return 0, fmt.Errorf("bulk insert case rows: commit: %w", err)
	}
	return copied, nil
}
