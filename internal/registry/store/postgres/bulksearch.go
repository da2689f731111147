package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// SearchCorpus is a slice of generated history for the search benchmark
// (internal/registry/bench/search), with every id set by the caller.
// Contacts and cases come before the messages that name them, in this call
// or an earlier one.
type SearchCorpus struct {
	Contacts []CorpusContact
	Cases    []CorpusCase
	// Messages have ID, CaseID (0: none) and ContactID (0: none) set, and
	// their Attachments.
	Messages []*store.Message
}

// CorpusContact is a contact.
type CorpusContact struct {
	ID     int64
	Domain string
	store.Contact
	CreatedAt time.Time
}

// CorpusCase is a case: ID, Ref, Domain, Type, Status, Department,
// Subject, Channel, ContactID, OpenedAt, UpdatedAt and ClosedAt are
// written.
type CorpusCase = store.Case

// BulkLoadSearchCorpus writes c in one transaction by COPY into contacts,
// cases, messages and attachments, and moves the id sequences past what it
// wrote. It checks nothing the tables do not check themselves: it is for
// generated data sets, not imports. The search queues fill as usual; run
// RebuildSearchIndex after the last call.
func (s *Store) BulkLoadSearchCorpus(ctx context.Context, c SearchCorpus) error {
	msgs, err := driverutil.CleanMessages(c.Messages)
	if err != nil {
		return fmt.Errorf("bulk load search corpus: %w", err)
	}
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return fmt.Errorf("bulk load search corpus: begin: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit

	if _, err := t.CopyFrom(ctx, pgx.Identifier{"contacts"},
		[]string{"id", "domain", "name", "email", "email_norm", "phone", "phone_norm", "facebook_id", "address", "created_at", "updated_at"},
		pgx.CopyFromSlice(len(c.Contacts), func(i int) ([]any, error) {
			k := &c.Contacts[i]
			p := driverutil.CleanContact(k.Contact)
			return []any{k.ID, k.Domain, p.Name, p.Email, store.NormalizeEmail(p.Email), p.Phone,
				store.NormalizePhone(p.Phone), p.FacebookID, p.Address, at(k.CreatedAt), at(k.CreatedAt)}, nil
		})); err != nil {
		return fmt.Errorf("bulk load search corpus: copy contacts: %w", err)
	}
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"cases"},
		[]string{"id", "ref", "domain", "type", "status", "department", "subject", "channel", "contact_id",
			"opened_at", "updated_at", "closed_at", "answered_at"},
		pgx.CopyFromSlice(len(c.Cases), func(i int) ([]any, error) {
			k := &c.Cases[i]
			return []any{k.ID, k.Ref, k.Domain, k.Type, k.Status, k.Department, driverutil.Clean(k.Subject), k.Channel,
				nullID(k.ContactID), at(k.OpenedAt), at(k.UpdatedAt), utc(k.ClosedAt), utc(k.ClosedAt)}, nil
		})); err != nil {
		return fmt.Errorf("bulk load search corpus: copy cases: %w", err)
	}
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"messages"}, append([]string{"id"}, messageCopyColumns...),
		pgx.CopyFromSlice(len(msgs), func(i int) ([]any, error) { return messageRow(&msgs[i], msgs[i].ID) })); err != nil {
		return fmt.Errorf("bulk load search corpus: copy messages: %w", err)
	}
	type attachment struct {
		msg int64
		pos int
		store.Attachment
	}
	var atts []attachment
	for i := range msgs {
		for p, a := range msgs[i].Attachments {
			atts = append(atts, attachment{msgs[i].ID, p, a})
		}
	}
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"attachments"},
		[]string{"message_id", "position", "name", "content_type", "size", "sha256"},
		pgx.CopyFromSlice(len(atts), func(i int) ([]any, error) {
			a := &atts[i]
			return []any{a.msg, a.pos, a.Name, a.ContentType, a.Size, a.SHA256}, nil
		})); err != nil {
		return fmt.Errorf("bulk load search corpus: copy attachments: %w", err)
	}
	b := &pgx.Batch{}
	for _, seq := range []struct{ name, table string }{
		{"contacts_id_seq", "contacts"}, {"cases_id_seq", "cases"}, {"messages_id_seq", "messages"},
	} {
		b.Queue(`SELECT setval('` + seq.name + `', greatest((SELECT max(id) FROM ` + seq.table + `), 1))`)
	}
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("bulk load search corpus: sequences: %w", err)
	}
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("bulk load search corpus: commit: %w", err)
	}
	return nil
}

// RebuildSearchIndex indexes every message and contact anew, as migration
// 0009 does: it empties the search tables and their queues, drops their
// indexes, computes every document in one statement and builds the indexes
// again (far faster than updating them row by row), then has VACUUM
// ANALYZE give the planner its statistics. The index definitions are
// migration 0009's. Searches wait for it; nothing else does.
func (s *Store) RebuildSearchIndex(ctx context.Context) error {
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return fmt.Errorf("rebuild search index: begin: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit
	for _, q := range []string{
		`SELECT pg_advisory_xact_lock(` + fmt.Sprint(lockClassSearch) + `, hashtext(coalesce(current_schema(), '')))`,
		`SET LOCAL maintenance_work_mem = '512MB'`,
		`TRUNCATE message_search_queue, contact_search_queue, message_search, contact_search`,
		`DROP INDEX message_search_doc_idx, message_search_time_idx, contact_search_doc_idx`,
		`INSERT INTO message_search (message_id, domain, channel, event_time, case_id, doc)
		SELECT m.id, m.domain, m.channel, m.event_time, m.case_id,
			message_search_doc(m.subject, m.text, m.sender_name, m.sender_email, m.sender_phone, c.ref,
				(SELECT string_agg(a.name, ' ' ORDER BY a.position) FROM attachments a WHERE a.message_id = m.id),
					m.domain, m.channel, m.event_time)
		FROM messages m LEFT JOIN cases c ON c.id = m.case_id`,
		`INSERT INTO contact_search (contact_id, domain, doc)
		SELECT id, domain, contact_search_doc(name, email, phone, facebook_id) FROM contacts`,
		`CREATE INDEX message_search_doc_idx ON message_search USING gin (doc)`,
		`CREATE INDEX message_search_time_idx ON message_search (event_time, message_id)`,
		`CREATE INDEX contact_search_doc_idx ON contact_search USING gin (doc)`,
	} {
		if _, err := t.Exec(ctx, q); err != nil {
			return fmt.Errorf("rebuild search index: %w", err)
		}
	}
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("rebuild search index: commit: %w", err)
	}
	for _, table := range []string{"contacts", "cases", "messages", "attachments", "message_search", "contact_search"} {
		if _, err := s.pool.Exec(ctx, `VACUUM (ANALYZE) `+table); err != nil {
			return fmt.Errorf("rebuild search index: vacuum %s: %w", table, err)
		}
	}
	return nil
}
