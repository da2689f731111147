package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) InsertMessage(ctx context.Context, m0 *store.Message) (int64, bool, error) {
	if err := driverutil.CheckMessage(m0); err != nil {
		return 0, false, fmt.Errorf("insert message: %w", err)
	}
	m := driverutil.CleanMessage(m0)
	refs, err := json.Marshal(m.References)
	if err != nil {
		return 0, false, fmt.Errorf("insert message %s: encode references: %w", m.EventID, err)
	}
	var msgID int64
	err = t.tx.QueryRow(ctx, `
		INSERT INTO messages (event_id, case_id, channel, direction, inbox, domain, external_id,
			in_reply_to, refs, conversation_id, case_ref_hint, sender_name, sender_email,
			sender_phone, sender_facebook_id, sender_address, contact_id, subject, text, html,
			sent_at, received_at, event_time, auto_submitted, parse_error, raw_sha256,
			raw_content_type, raw_size, event, stored_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
			$19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)
		ON CONFLICT (event_id) DO NOTHING
		RETURNING id`,
		m.EventID, nullID(m.CaseID), m.Channel, m.Direction, m.Inbox, m.Domain, m.ExternalID,
		m.InReplyTo, string(refs), m.ConversationID, m.CaseRefHint, m.SenderName, m.SenderEmail,
		m.SenderPhone, m.SenderFacebookID, m.SenderAddress, nullID(m.ContactID), m.Subject, m.Text, m.HTML,
		nullTime(m.SentAt), nullTime(m.ReceivedAt), m.EventTime, m.AutoSubmitted, m.ParseError, m.RawSHA256,
		m.RawContentType, m.RawSize, nonNil(m.Event), m.StoredAt,
	).Scan(&msgID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil // a message with this event id is stored already
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert message %s: %w", m.EventID, err)
	}
	for i, a := range m.Attachments {
		if _, err := t.tx.Exec(ctx, `
			INSERT INTO attachments (message_id, position, name, content_type, size, sha256)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			msgID, i, a.Name, a.ContentType, a.Size, a.SHA256); err != nil {
			return 0, false, fmt.Errorf("insert message %s: attachment %d: %w", m.EventID, i, err)
		}
	}
	return msgID, true, nil
}

func (t *tx) FindCaseByExternalIDs(ctx context.Context, domain string, ids []string) (int64, error) {
	var want []string
	for _, id := range ids {
		if id != "" {
			want = append(want, driverutil.Clean(id))
		}
	}
	if len(want) == 0 {
		return 0, errNotFound("case by external ids in %s", domain)
	}
	var caseID int64
	err := t.tx.QueryRow(ctx, `
		SELECT case_id FROM messages
		WHERE domain = $1 AND external_id = ANY($2) AND case_id IS NOT NULL
		ORDER BY id DESC
		LIMIT 1`, domain, want).Scan(&caseID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errNotFound("case by external ids in %s", domain)
	}
	if err != nil {
		return 0, fmt.Errorf("find case by external ids: %w", err)
	}
	return caseID, nil
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
