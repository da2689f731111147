package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// ClaimEvents needs no locks: the transaction holds the database's write
// lock (BEGIN IMMEDIATE), so no other writer runs until it ends.
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
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("claim events: %w", err)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT event_id FROM messages WHERE event_id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("claim %d events: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("claim %d events: %w", len(ids), err)
		}
		for _, g := range given[id] {
			stored[g] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim %d events: %w", len(ids), err)
	}
	return stored, nil
}

func (t *tx) InsertMessages(ctx context.Context, ms []*store.Message) error {
	if len(ms) == 0 {
		return nil
	}
	clean, err := driverutil.CleanMessages(ms)
	if err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}
	latest := map[int64]time.Time{} // case id: latest StoredAt of its messages
	var caseIDs []int64
	for _, m := range clean {
		l, ok := latest[m.CaseID]
		if m.CaseID == 0 || ok && !m.StoredAt.After(l) {
			continue
		}
		if !ok {
			caseIDs = append(caseIDs, m.CaseID)
		}
		latest[m.CaseID] = m.StoredAt
	}
	// The domain check keeps a bug elsewhere from leaking a message into a
	// case that other staff may see.
	caseDomain := make(map[int64]string, len(caseIDs))
	if err := t.each(ctx, `SELECT domain FROM cases WHERE id = ?`, len(caseIDs), func(s *sql.Stmt, i int) error {
		var d string
		err := s.QueryRowContext(ctx, caseIDs[i]).Scan(&d)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		caseDomain[caseIDs[i]] = d
		return err
	}); err != nil {
		return fmt.Errorf("insert messages: read cases: %w", err)
	}
	for _, m := range clean {
		if d, ok := caseDomain[m.CaseID]; m.CaseID != 0 && (!ok || d != m.Domain) {
			return errNotFound("insert messages: event %s: case %d in domain %s", m.EventID, m.CaseID, m.Domain)
		}
	}

	ids := make([]int64, len(clean))
	err = t.each(ctx, `
		INSERT INTO messages (event_id, case_id, channel, direction, inbox, domain, external_id,
			in_reply_to, refs, conversation_id, case_ref_hint, sender_name, sender_email,
			sender_phone, sender_facebook_id, sender_address, contact_id, subject, text, html,
			sent_at, received_at, event_time, auto_submitted, parse_error, raw_sha256,
			raw_content_type, raw_size, event, stored_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (event_id) DO NOTHING
		RETURNING id`, len(clean), func(s *sql.Stmt, i int) error {
		m := &clean[i]
		refs, err := json.Marshal(m.References)
		if err != nil {
			return fmt.Errorf("event %s: encode references: %w", m.EventID, err)
		}
		err = s.QueryRowContext(ctx,
			m.EventID, nullID(m.CaseID), m.Channel, m.Direction, m.Inbox, m.Domain, m.ExternalID,
			m.InReplyTo, string(refs), m.ConversationID, m.CaseRefHint, m.SenderName, m.SenderEmail,
			m.SenderPhone, m.SenderFacebookID, m.SenderAddress, nullID(m.ContactID), m.Subject, m.Text, m.HTML,
			nullTime(m.SentAt), nullTime(m.ReceivedAt), formatTime(m.EventTime), m.AutoSubmitted, m.ParseError, m.RawSHA256,
			m.RawContentType, m.RawSize, nonNil(m.Event), formatTime(m.StoredAt),
		).Scan(&ids[i])
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("event %s: %w", m.EventID, store.ErrDuplicateEvent)
		}
		if err != nil {
			return fmt.Errorf("event %s: %w", m.EventID, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}

	type attachment struct {
		msg int64
		pos int
		store.Attachment
	}
	var atts []attachment
	for i, m := range clean {
		for p, a := range m.Attachments {
			atts = append(atts, attachment{ids[i], p, a})
		}
	}
	if err := t.each(ctx, `
		INSERT INTO attachments (message_id, position, name, content_type, size, sha256) VALUES (?, ?, ?, ?, ?, ?)`,
		len(atts), func(s *sql.Stmt, i int) error {
			a := atts[i]
			_, err := s.ExecContext(ctx, a.msg, a.pos, a.Name, a.ContentType, a.Size, a.SHA256)
			return err
		}); err != nil {
		return fmt.Errorf("insert messages: attachments: %w", err)
	}
	if err := t.each(ctx, `INSERT INTO case_timeline (case_id, at, kind, message_id) VALUES (?, ?, 'message', ?)`,
		len(clean), func(s *sql.Stmt, i int) error {
			m := &clean[i]
			if m.CaseID == 0 {
				return nil
			}
			_, err := s.ExecContext(ctx, m.CaseID, formatTime(m.StoredAt), ids[i])
			return err
		}); err != nil {
		return fmt.Errorf("insert messages: timeline: %w", err)
	}
	if err := t.each(ctx, `UPDATE cases SET updated_at = max(updated_at, ?) WHERE id = ?`,
		len(caseIDs), func(s *sql.Stmt, i int) error {
			_, err := s.ExecContext(ctx, formatTime(latest[caseIDs[i]]), caseIDs[i])
			return err
		}); err != nil {
		return fmt.Errorf("insert messages: update cases: %w", err)
	}
	for i, m := range ms {
		m.ID = ids[i]
	}
	return nil
}

func (t *tx) FindCasesByExternalID(ctx context.Context, keys []store.DomainKey) (map[store.DomainKey]int64, error) {
	return t.findCasesBy(ctx, "external_id", keys)
}

// findCasesBy finds, per key, the case of the newest message in the key's
// domain whose column (a constant of this package) has the key's value.
func (t *tx) findCasesBy(ctx context.Context, column string, keys []store.DomainKey) (map[store.DomainKey]int64, error) {
	found := make(map[store.DomainKey]int64, len(keys))
	err := t.each(ctx, `
		SELECT case_id FROM messages
		WHERE domain = ? AND `+column+` = ? AND case_id IS NOT NULL
		ORDER BY id DESC
		LIMIT 1`, len(keys), func(s *sql.Stmt, i int) error {
		k := keys[i]
		if k.Value == "" {
			return nil // would match every message without one
		}
		var caseID int64
		err := s.QueryRowContext(ctx, driverutil.Clean(k.Domain), driverutil.Clean(k.Value)).Scan(&caseID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		found[k] = caseID
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find cases by %s: %w", column, err)
	}
	return found, nil
}

// messageColumns are the columns scanMessage reads, in order.
const messageColumns = `id, event_id, case_id, channel, direction, inbox, domain, external_id,
	in_reply_to, refs, conversation_id, case_ref_hint, sender_name, sender_email, sender_phone,
	sender_facebook_id, sender_address, contact_id, subject, text, html, sent_at, received_at,
	event_time, auto_submitted, parse_error, raw_sha256, raw_content_type, raw_size, event, stored_at`

func scanMessage(rows *sql.Rows) (store.Message, error) {
	var (
		m    store.Message
		refs string
	)
	err := rows.Scan(&m.ID, &m.EventID, nullIDColumn{&m.CaseID}, &m.Channel, &m.Direction, &m.Inbox, &m.Domain, &m.ExternalID,
		&m.InReplyTo, &refs, &m.ConversationID, &m.CaseRefHint, &m.SenderName, &m.SenderEmail, &m.SenderPhone,
		&m.SenderFacebookID, &m.SenderAddress, nullIDColumn{&m.ContactID}, &m.Subject, &m.Text, &m.HTML,
		nullTimeColumn{&m.SentAt}, nullTimeColumn{&m.ReceivedAt}, timeColumn{&m.EventTime}, &m.AutoSubmitted,
		&m.ParseError, &m.RawSHA256, &m.RawContentType, &m.RawSize, &m.Event, timeColumn{&m.StoredAt})
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(refs), &m.References); err != nil {
		return m, fmt.Errorf("message %d: decode references: %w", m.ID, err)
	}
	if len(m.References) == 0 {
		m.References = nil
	}
	return m, nil
}

// caseMessages returns the messages of a case, oldest first, with their
// attachments.
func caseMessages(ctx context.Context, q querier, caseID int64) ([]store.Message, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE case_id = ? ORDER BY event_time, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("list messages of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var msgs []store.Message
	index := map[int64]int{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list messages of case %d: %w", caseID, err)
		}
		index[m.ID] = len(msgs)
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages of case %d: %w", caseID, err)
	}
	rows.Close()

	rows, err = q.QueryContext(ctx, `
		SELECT a.message_id, a.name, a.content_type, a.size, a.sha256
		FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE m.case_id = ?
		ORDER BY a.message_id, a.position`, caseID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of case %d: %w", caseID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			msgID int64
			a     store.Attachment
		)
		if err := rows.Scan(&msgID, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, fmt.Errorf("list attachments of case %d: %w", caseID, err)
		}
		if i, ok := index[msgID]; ok {
			msgs[i].Attachments = append(msgs[i].Attachments, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attachments of case %d: %w", caseID, err)
	}
	return msgs, nil
}

func (s *Store) ListUnassigned(ctx context.Context, domains []string, limit int) ([]store.Message, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + messageColumns + ` FROM messages WHERE case_id IS NULL`
	var args []any
	if len(domains) > 0 {
		q += ` AND domain IN (?` + strings.Repeat(", ?", len(domains)-1) + `)`
		for _, d := range domains {
			args = append(args, d)
		}
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list messages without a case: %w", err)
	}
	defer rows.Close()
	var msgs []store.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list messages without a case: %w", err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages without a case: %w", err)
	}
	return msgs, nil
}
