package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// ClaimEvents takes the schema's transaction-scoped ingest lock, so that
// the transactions that register events run one after another, and then
// looks up which ids are stored. The lookup runs after the lock is granted
// and, under READ COMMITTED, takes its snapshot then: it sees what the
// previous holder committed. Both statements go in one round trip.
//
// One lock per batch rather than one per event id: registries creating
// cases queue on the per-year counter row anyway, and one lock keeps the
// server's lock table (max_locks_per_transaction × max_connections entries
// for all sessions, 6400 by default) free whatever the batch size.
func (t *tx) ClaimEvents(ctx context.Context, eventIDs []string) (map[string]bool, error) {
	stored := make(map[string]bool, len(eventIDs))
	if len(eventIDs) == 0 {
		return stored, nil
	}
	// A stored event id is cleaned; the caller knows it as given.
	given := make(map[string][]string, len(eventIDs))
	ids := make([]string, 0, len(eventIDs))
	for _, id := range eventIDs {
		c := driverutil.Clean(id)
		if _, ok := given[c]; !ok {
			ids = append(ids, c)
		}
		given[c] = append(given[c], id)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, lockClassIngest)
	b.Queue(`SELECT event_id FROM messages WHERE event_id = ANY($1)`, ids).Query(func(rows pgx.Rows) error {
		var id string
		_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			for _, g := range given[id] {
				stored[g] = true
			}
			return nil
		})
		return err
	})
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("claim %d events: %w", len(ids), err)
	}
	return stored, nil
}

// messageCopyColumns are the columns messageRow fills, in order.
var messageCopyColumns = []string{"event_id", "case_id", "channel", "direction", "inbox", "domain",
	"external_id", "in_reply_to", "refs", "conversation_id", "case_ref_hint", "sender_name", "sender_email",
	"sender_phone", "sender_facebook_id", "sender_address", "contact_id", "subject", "text", "html",
	"sent_at", "received_at", "event_time", "auto_submitted", "parse_error", "raw_sha256",
	"raw_content_type", "raw_size", "event", "stored_at"}

// messageRow is m, cleaned (driverutil.CleanMessage), as values of
// messageCopyColumns, with room for extra values in front.
func messageRow(m *store.Message, extra ...any) ([]any, error) {
	refs, err := json.Marshal(m.References)
	if err != nil {
		return nil, fmt.Errorf("message %s: encode references: %w", m.EventID, err)
	}
	return append(extra,
		m.EventID, nullID(m.CaseID), m.Channel, m.Direction, m.Inbox, m.Domain,
		m.ExternalID, m.InReplyTo, json.RawMessage(refs), m.ConversationID, m.CaseRefHint, m.SenderName, m.SenderEmail,
		m.SenderPhone, m.SenderFacebookID, m.SenderAddress, nullID(m.ContactID), m.Subject, m.Text, m.HTML,
		nullTime(m.SentAt), nullTime(m.ReceivedAt), m.EventTime, m.AutoSubmitted, m.ParseError, m.RawSHA256,
		m.RawContentType, m.RawSize, nonNil(m.Event), m.StoredAt,
	), nil
}

// InsertMessages writes in three round trips whatever the number of
// messages: the new cases, ids from the sequence and the other cases,
// locked; the messages by COPY; then attachments, timeline and the other
// cases' updated_at.
func (t *tx) InsertMessages(ctx context.Context, ms []*store.Message) error {
	if len(ms) == 0 {
		return nil
	}
	clean, err := driverutil.CleanMessages(ms)
	if err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}
	latest := map[int64]time.Time{} // case id: latest StoredAt of its messages
	for _, m := range clean {
		if l, ok := latest[m.CaseID]; m.CaseID != 0 && (!ok || m.StoredAt.After(l)) {
			latest[m.CaseID] = m.StoredAt
		}
	}
	caseDomain := make(map[int64]string, len(latest))
	for _, c := range t.newCases {
		caseDomain[c.id] = c.domain
	}
	var stored []int64 // cases written before this call, in id order
	for id := range latest {
		if _, ok := caseDomain[id]; !ok {
			stored = append(stored, id)
		}
	}
	slices.Sort(stored)

	b := &pgx.Batch{}
	t.queueNewCases(b, latest) // with their final updated_at
	// The ids are taken first so that attachment and timeline rows can
	// name their message without reading anything back. (An identity's
	// sequence is named table_column_seq; asking pg_get_serial_sequence
	// for it on every row costs ten times as much.)
	var ids []int64
	b.Queue(`SELECT nextval('messages_id_seq') FROM generate_series(1, $1)`, len(clean)).
		Query(func(rows pgx.Rows) error {
			var err error
			ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
	if len(stored) > 0 {
		// Locking the cases now, in id order, keeps two transactions that
		// add messages to the same cases from deadlocking in the UPDATE
		// below. NO KEY: other transactions may still insert rows that
		// refer to these cases.
		b.Queue(`SELECT id, domain FROM cases WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, stored).
			Query(func(rows pgx.Rows) error {
				var (
					id     int64
					domain string
				)
				_, err := pgx.ForEachRow(rows, []any{&id, &domain}, func() error {
					caseDomain[id] = domain
					return nil
				})
				return err
			})
	}
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("insert messages: new cases and ids: %w", err)
	}
	if len(ids) != len(clean) {
		return fmt.Errorf("insert messages: allocated %d ids for %d messages", len(ids), len(clean))
	}
	slices.Sort(ids) // so that ids grow in the order of ms
	for _, m := range clean {
		// The domain check keeps a bug elsewhere from leaking a message
		// into a case that other staff may see.
		if d, ok := caseDomain[m.CaseID]; m.CaseID != 0 && (!ok || d != m.Domain) {
			return errNotFound("insert messages: event %s: case %d in domain %s", m.EventID, m.CaseID, m.Domain)
		}
	}

	_, err = t.tx.CopyFrom(ctx, pgx.Identifier{"messages"}, append([]string{"id"}, messageCopyColumns...),
		pgx.CopyFromSlice(len(clean), func(i int) ([]any, error) { return messageRow(&clean[i], ids[i]) }))
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "messages_event_id_key" {
			return fmt.Errorf("insert messages: %s: %w: %w", pgErr.Detail, store.ErrDuplicateEvent, err)
		}
		return fmt.Errorf("insert messages: %w", err)
	}

	var (
		att struct {
			msg, size      []int64
			pos            []int32
			name, typ, sha []string
		}
		line struct {
			caseID, msg []int64
			at          []time.Time
		}
	)
	for i := range clean {
		m := &clean[i]
		for p, a := range m.Attachments {
			att.msg, att.pos, att.size = append(att.msg, ids[i]), append(att.pos, int32(p)), append(att.size, a.Size)
			att.name, att.typ, att.sha = append(att.name, a.Name), append(att.typ, a.ContentType), append(att.sha, a.SHA256)
		}
		if m.CaseID != 0 {
			line.caseID, line.msg, line.at = append(line.caseID, m.CaseID), append(line.msg, ids[i]), append(line.at, m.StoredAt)
		}
	}
	b = &pgx.Batch{}
	if len(att.msg) > 0 {
		b.Queue(`
			INSERT INTO attachments (message_id, position, name, content_type, size, sha256)
			SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::bigint[], $6::text[])`,
			att.msg, att.pos, att.name, att.typ, att.size, att.sha)
	}
	if len(line.msg) > 0 {
		b.Queue(`
			INSERT INTO case_timeline (case_id, at, kind, message_id)
			SELECT case_id, at, 'message', message_id
			FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[]) AS u(case_id, at, message_id)`,
			line.caseID, line.at, line.msg)
	}
	if len(stored) > 0 {
		ats := make([]time.Time, len(stored))
		for i, id := range stored {
			ats[i] = latest[id]
		}
		b.Queue(`
			UPDATE cases AS c SET updated_at = u.at
			FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, at)
			WHERE c.id = u.id AND c.updated_at < u.at`, stored, ats)
	}
	if b.Len() > 0 {
		if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("insert messages: attachments and timeline: %w", err)
		}
	}
	for i, m := range ms {
		m.ID = ids[i]
	}
	return nil
}

// FindCasesByExternalID looks all keys up in one query, each through the
// (domain, external_id) index.
func (t *tx) FindCasesByExternalID(ctx context.Context, keys []store.DomainKey) (map[store.DomainKey]int64, error) {
	return t.findCasesBy(ctx, "external_id", keys)
}

// findCasesBy finds, per key, the case of the newest message in the key's
// domain whose column (a constant of this package) has the key's value.
func (t *tx) findCasesBy(ctx context.Context, column string, keys []store.DomainKey) (map[store.DomainKey]int64, error) {
	found := make(map[store.DomainKey]int64, len(keys))
	domains, values, index := domainKeyArrays(keys)
	if len(index) == 0 {
		return found, nil
	}
	rows, err := t.tx.Query(ctx, `
		SELECT k.n, m.case_id
		FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(domain, value, n)
		CROSS JOIN LATERAL (
			SELECT case_id FROM messages
			WHERE domain = k.domain AND `+column+` = k.value AND case_id IS NOT NULL
			ORDER BY id DESC
			LIMIT 1
		) AS m`, domains, values)
	if err != nil {
		return nil, fmt.Errorf("find cases by %s: %w", column, err)
	}
	var n, caseID int64
	if _, err := pgx.ForEachRow(rows, []any{&n, &caseID}, func() error {
		found[index[n-1]] = caseID
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find cases by %s: %w", column, err)
	}
	return found, nil
}

// domainKeyArrays are keys, cleaned as stored, as two arrays for unnest,
// without keys with an empty value (which match nothing); index[i] is the
// key given for element i.
func domainKeyArrays(keys []store.DomainKey) (domains, values []string, index []store.DomainKey) {
	for _, k := range keys {
		if k.Value == "" {
			continue
		}
		domains = append(domains, driverutil.Clean(k.Domain))
		values = append(values, driverutil.Clean(k.Value))
		index = append(index, k)
	}
	return domains, values, index
}

// messageColumns are the columns scanMessage reads, in order.
const messageColumns = `id, event_id, case_id, channel, direction, inbox, domain, external_id,
	in_reply_to, refs, conversation_id, case_ref_hint, sender_name, sender_email, sender_phone,
	sender_facebook_id, sender_address, contact_id, subject, text, html, sent_at, received_at,
	event_time, auto_submitted, parse_error, raw_sha256, raw_content_type, raw_size, event, stored_at`

func scanMessage(row pgx.CollectableRow) (store.Message, error) {
	var (
		m                 store.Message
		caseID, contactID *int64
		refs              []byte
	)
	err := row.Scan(&m.ID, &m.EventID, &caseID, &m.Channel, &m.Direction, &m.Inbox, &m.Domain, &m.ExternalID,
		&m.InReplyTo, &refs, &m.ConversationID, &m.CaseRefHint, &m.SenderName, &m.SenderEmail, &m.SenderPhone,
		&m.SenderFacebookID, &m.SenderAddress, &contactID, &m.Subject, &m.Text, &m.HTML, &m.SentAt, &m.ReceivedAt,
		&m.EventTime, &m.AutoSubmitted, &m.ParseError, &m.RawSHA256, &m.RawContentType, &m.RawSize, &m.Event, &m.StoredAt)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(refs, &m.References); err != nil {
		return m, fmt.Errorf("message %d: decode references: %w", m.ID, err)
	}
	if len(m.References) == 0 {
		m.References = nil
	}
	m.CaseID, m.ContactID = id(caseID), id(contactID)
	m.SentAt, m.ReceivedAt = utc(m.SentAt), utc(m.ReceivedAt)
	m.EventTime, m.StoredAt = m.EventTime.UTC(), m.StoredAt.UTC()
	return m, nil
}

// caseMessages returns the messages of a case, oldest first, with their
// attachments.
func caseMessages(ctx context.Context, q querier, caseID int64) ([]store.Message, error) {
	rows, err := q.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE case_id = $1 ORDER BY event_time, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("list messages of case %d: %w", caseID, err)
	}
	msgs, err := pgx.CollectRows(rows, scanMessage)
	if err != nil {
		return nil, fmt.Errorf("list messages of case %d: %w", caseID, err)
	}
	index := make(map[int64]int, len(msgs))
	for i, m := range msgs {
		index[m.ID] = i
	}
	rows, err = q.Query(ctx, `
		SELECT a.message_id, a.name, a.content_type, a.size, a.sha256
		FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE m.case_id = $1
		ORDER BY a.message_id, a.position`, caseID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of case %d: %w", caseID, err)
	}
	var (
		msgID int64
		a     store.Attachment
	)
	_, err = pgx.ForEachRow(rows, []any{&msgID, &a.Name, &a.ContentType, &a.Size, &a.SHA256}, func() error {
		if i, ok := index[msgID]; ok {
			msgs[i].Attachments = append(msgs[i].Attachments, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list attachments of case %d: %w", caseID, err)
	}
	return msgs, nil
}

// at is t in UTC truncated as stored, or now for a zero t.
func at(t time.Time) time.Time { return driverutil.TimeOrNow(t) }

func (s *Store) ListUnassigned(ctx context.Context, domains []string, limit int) ([]store.Message, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + messageColumns + ` FROM messages WHERE case_id IS NULL`
	args := []any{limit}
	if len(domains) > 0 {
		q += ` AND domain = ANY($2)`
		args = append(args, domains)
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages without a case: %w", err)
	}
	msgs, err := pgx.CollectRows(rows, scanMessage)
	if err != nil {
		return nil, fmt.Errorf("list messages without a case: %w", err)
	}
	return msgs, nil
}
