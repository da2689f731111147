package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// History is a slice of a store's past, with every id set by the caller:
// what BulkLoad writes. Contacts and cases come before the messages and
// timeline entries that name them, in this call or an earlier one.
type History struct {
	Contacts []HistoryContact
	Cases    []HistoryCase
	// Messages have ID, CaseID (0: none) and ContactID (0: none) set.
	Messages []*store.Message
	Timeline []HistoryEntry
}

// HistoryContact is a contact as it stands after all its messages.
type HistoryContact struct {
	ID     int64
	Domain string
	store.Contact
	CreatedAt, UpdatedAt time.Time
}

// HistoryCase is a case as it stands now. MessageCount is ignored.
type HistoryCase struct {
	store.Case
	Place, Category string
}

// HistoryEntry is a timeline entry of a case; its ID is ignored.
type HistoryEntry struct {
	CaseID int64
	store.TimelineEntry
}

// BulkLoad writes history into an empty or earlier bulk-loaded store, in
// one transaction, by COPY into each table, and moves the id sequences and
// the reference counters past what it wrote, so that the registry can go on
// from there. It checks nothing the tables do not check themselves: it is
// for loading generated data sets (internal/registry/bench/grouping), not
// for imports. Run BulkLoadDone after the last call.
func (s *Store) BulkLoad(ctx context.Context, h History) error {
	msgs, err := driverutil.CleanMessages(h.Messages)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return fmt.Errorf("bulk load: begin: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit

	// COPY writes the given values into identity columns, as INSERT does
	// with OVERRIDING SYSTEM VALUE.
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"contacts"},
		[]string{"id", "domain", "name", "email", "email_norm", "phone", "phone_norm", "facebook_id", "address", "name_key",
			"created_at", "updated_at"},
		pgx.CopyFromSlice(len(h.Contacts), func(i int) ([]any, error) {
			c := &h.Contacts[i]
			p := driverutil.CleanContact(c.Contact)
			return []any{c.ID, driverutil.Clean(c.Domain), p.Name, p.Email, store.NormalizeEmail(p.Email), p.Phone,
				store.NormalizePhone(p.Phone), p.FacebookID, p.Address, store.NameKey(p.Name), at(c.CreatedAt), at(c.UpdatedAt)}, nil
		})); err != nil {
		return fmt.Errorf("bulk load: copy contacts: %w", err)
	}
	refs := make([]string, len(h.Cases))
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"cases"},
		[]string{"id", "ref", "domain", "type", "status", "department", "priority", "assignee", "subject", "channel",
			"contact_id", "opened_at", "updated_at", "ack_due", "answer_due", "closed_at", "repeat_count",
			"related_case_id", "answered_at", "admissible", "inadmissible_reason", "place", "category"},
		pgx.CopyFromSlice(len(h.Cases), func(i int) ([]any, error) {
			c := &h.Cases[i]
			refs[i] = c.Ref
			return []any{c.ID, c.Ref, driverutil.Clean(c.Domain), driverutil.Clean(c.Type), c.Status,
				driverutil.Clean(c.Department), driverutil.Clean(c.Priority), driverutil.Clean(c.Assignee),
				driverutil.Clean(c.Subject), driverutil.Clean(c.Channel), nullID(c.ContactID), at(c.OpenedAt),
				at(c.UpdatedAt), utc(c.AckDue), utc(c.AnswerDue), utc(c.ClosedAt), c.RepeatCount,
				nullID(c.RelatedCaseID), utc(c.AnsweredAt), c.Admissible, driverutil.Clean(c.InadmissibleReason),
				driverutil.Clean(c.Place), driverutil.Clean(c.Category)}, nil
		})); err != nil {
		return fmt.Errorf("bulk load: copy cases: %w", err)
	}
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"messages"}, append([]string{"id"}, messageCopyColumns...),
		pgx.CopyFromSlice(len(msgs), func(i int) ([]any, error) { return messageRow(&msgs[i], msgs[i].ID) })); err != nil {
		return fmt.Errorf("bulk load: copy messages: %w", err)
	}
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"case_timeline"},
		[]string{"case_id", "at", "kind", "actor", "message_id", "detail"},
		pgx.CopyFromSlice(len(h.Timeline), func(i int) ([]any, error) {
			e := &h.Timeline[i]
			return []any{e.CaseID, at(e.At), e.Kind, driverutil.Clean(e.Actor), nullID(e.MessageID), driverutil.Clean(e.Detail)}, nil
		})); err != nil {
		return fmt.Errorf("bulk load: copy timeline: %w", err)
	}

	b := &pgx.Batch{}
	for _, seq := range []struct{ name, table string }{
		{"contacts_id_seq", "contacts"}, {"cases_id_seq", "cases"}, {"messages_id_seq", "messages"},
	} {
		// A table's largest id is the last entry of its primary key.
		b.Queue(`SELECT setval('` + seq.name + `', greatest((SELECT max(id) FROM ` + seq.table + `), 1))`)
	}
	if len(refs) > 0 {
		// References are PREFIX-YYYY-NNNNNN and a prefix has no dash
		// (driverutil.CheckNewCase).
		b.Queue(`
			INSERT INTO case_counters AS c (prefix, year, last)
			SELECT split_part(ref, '-', 1), split_part(ref, '-', 2)::integer, max(split_part(ref, '-', 3)::bigint)
			FROM unnest($1::text[]) AS ref
			GROUP BY 1, 2
			ON CONFLICT (prefix, year) DO UPDATE SET last = greatest(c.last, EXCLUDED.last)`, refs)
	}
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("bulk load: sequences and counters: %w", err)
	}
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("bulk load: commit: %w", err)
	}
	return nil
}

// BulkLoadDone makes a bulk-loaded store look like one that grew over
// time: VACUUM sets the visibility map and hint bits that autovacuum
// would have set, ANALYZE gives the planner its statistics.
func (s *Store) BulkLoadDone(ctx context.Context) error {
	for _, table := range []string{"contacts", "cases", "messages", "case_timeline", "case_counters"} {
		if _, err := s.pool.Exec(ctx, `VACUUM (ANALYZE) `+table); err != nil {
			return fmt.Errorf("bulk load: vacuum %s: %w", table, err)
		}
	}
	return nil
}
