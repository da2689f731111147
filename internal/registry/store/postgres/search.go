package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Search runs on tables of migration 0009: message_search holds each
// message's words (a tsvector in the 'dutch' configuration, weighted by
// field) with what searches filter on, contact_search each contact's. Triggers
// only queue the ids of what changed (message_search_queue,
// contact_search_queue): computing the words of a 1.5 KB message costs
// PostgreSQL about 0.12 ms, as much as the rest of registering it, so
// registering does not wait for it. UpdateSearchIndex works the queues off,
// and every search calls it first, so a search sees what was committed
// before it (unless more than searchCatchUp changes wait; Pending says so).

// lockClassSearch ("mp" 4) serialises indexing the queues, per schema.
const lockClassSearch int32 = 0x6d700004

// searchCatchUp is how many queued changes a search indexes before it runs:
// about half a second of work after a burst, nothing in steady state.
const searchCatchUp = 4000

// searchTSQuery is the tsquery of a search text given as parameter $n.
func searchTSQuery(n string) string {
	return "websearch_to_tsquery('dutch', search_fold(" + n + "))"
}

// headlineOptions mark the matched words with store.MarkStart and
// store.MarkStop.
const (
	snippetOptions = "StartSel=" + store.MarkStart + ", StopSel=" + store.MarkStop +
		`, MaxWords=30, MinWords=12, ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "`
	subjectOptions = "StartSel=" + store.MarkStart + ", StopSel=" + store.MarkStop + ", HighlightAll=true"
)

// UpdateSearchIndex indexes up to max queued messages and contacts (each
// queue on its own) and reports how many remain queued. One indexer runs at
// a time per schema: when another holds the lock, it only counts.
func (s *Store) UpdateSearchIndex(ctx context.Context, max int) (int, error) {
	// Nothing queued, as usual when searching: one round trip.
	var queued bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM message_search_queue) OR EXISTS (SELECT FROM contact_search_queue)`).
		Scan(&queued); err != nil {
		return 0, fmt.Errorf("update search index: %w", err)
	}
	if !queued {
		return 0, nil
	}
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return 0, fmt.Errorf("update search index: begin: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit
	var locked bool
	if max > 0 {
		if err := t.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`,
			lockClassSearch).Scan(&locked); err != nil {
			return 0, fmt.Errorf("update search index: lock: %w", err)
		}
	}
	b := &pgx.Batch{}
	if locked {
		// A queued id whose message is gone matches nothing and is
		// dropped; one queued twice is indexed once.
		b.Queue(`
			WITH taken AS (
				DELETE FROM message_search_queue
				WHERE ctid = ANY (ARRAY(SELECT ctid FROM message_search_queue LIMIT $1))
				RETURNING message_id
			)
			INSERT INTO message_search AS s (message_id, domain, channel, event_time, case_id, doc)
			SELECT m.id, m.domain, m.channel, m.event_time, m.case_id,
				message_search_doc(m.subject, m.text, m.sender_name, m.sender_email, m.sender_phone, c.ref,
					(SELECT string_agg(a.name, ' ' ORDER BY a.position) FROM attachments a WHERE a.message_id = m.id))
			FROM messages m LEFT JOIN cases c ON c.id = m.case_id
			WHERE m.id IN (SELECT message_id FROM taken)
			ON CONFLICT (message_id) DO UPDATE SET case_id = EXCLUDED.case_id, doc = EXCLUDED.doc`, max)
		b.Queue(`
			WITH taken AS (
				DELETE FROM contact_search_queue
				WHERE ctid = ANY (ARRAY(SELECT ctid FROM contact_search_queue LIMIT $1))
				RETURNING contact_id
			)
			INSERT INTO contact_search AS s (contact_id, domain, doc)
			SELECT k.id, k.domain, contact_search_doc(k.name, k.email, k.phone, k.facebook_id)
			FROM contacts k
			WHERE k.id IN (SELECT contact_id FROM taken)
			ON CONFLICT (contact_id) DO UPDATE SET doc = EXCLUDED.doc`, max)
	}
	var pending int
	b.Queue(`SELECT (SELECT count(*) FROM message_search_queue) + (SELECT count(*) FROM contact_search_queue)`).
		QueryRow(func(row pgx.Row) error { return row.Scan(&pending) })
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return 0, fmt.Errorf("update search index: %w", err)
	}
	if err := t.Commit(ctx); err != nil {
		return 0, fmt.Errorf("update search index: commit: %w", err)
	}
	return pending, nil
}

// hitColumns are the columns a search hit reads, in order: the message
// without html and event, then its case.
const hitColumns = `m.id, m.event_id, m.case_id, m.channel, m.direction, m.inbox, m.domain, m.external_id,
	m.in_reply_to, m.refs, m.conversation_id, m.case_ref_hint, m.sender_name, m.sender_email, m.sender_phone,
	m.sender_facebook_id, m.sender_address, m.contact_id, m.subject, m.text, m.sent_at, m.received_at,
	m.event_time, m.auto_submitted, m.parse_error, m.raw_sha256, m.raw_content_type, m.raw_size, m.stored_at,
	coalesce(c.ref, ''), coalesce(c.status, ''), coalesce(c.type, ''), coalesce(c.department, '')`

// SearchMessages indexes what is queued, then finds the matches in one
// statement: the matching rows of message_search (through its GIN index,
// filtered on its own columns and, for case filters, the case), the newest
// store.SearchMaxMatches of them ranked by ts_rank_cd, one page of those
// with their messages, cases and headlines, and the count.
func (s *Store) SearchMessages(ctx context.Context, q store.SearchQuery) (store.SearchResult, error) {
	q, err := q.Normalized()
	if err != nil {
		return store.SearchResult{}, fmt.Errorf("search messages: %w", err)
	}
	pending, err := s.UpdateSearchIndex(ctx, searchCatchUp)
	if err != nil {
		return store.SearchResult{}, fmt.Errorf("search messages: %w", err)
	}
	res := store.SearchResult{Pending: pending, Hits: []store.SearchHit{}}

	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"s.domain = ANY(" + arg(q.Domains) + ")"}
	if q.Channel != "" {
		where = append(where, "s.channel = "+arg(q.Channel))
	}
	if !q.From.IsZero() {
		where = append(where, "s.event_time >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "s.event_time < "+arg(q.To))
	}
	from := "message_search s"
	if q.Status != "" || q.Department != "" || q.Type != "" {
		from += " JOIN cases c ON c.id = s.case_id"
		for _, f := range []struct{ column, value string }{
			{"status", q.Status}, {"department", q.Department}, {"type", q.Type},
		} {
			if f.value != "" {
				where = append(where, "c."+f.column+" = "+arg(f.value))
			}
		}
	}
	capped := arg(store.SearchMaxMatches + 1) // one more tells that there are more
	text := q.Text
	if phone, ok := store.PhoneQuery(text); ok {
		text = phone // as the documents hold it (search_phone)
	}

	// newest: the newest matches, at most capped; page: one page of the
	// first SearchMaxMatches of them, ranked. PostgreSQL finds the newest
	// matches of a word that many messages hold by walking
	// message_search_time_idx backwards and testing each row, and those of
	// a rarer word through the GIN index, sorting them: the statistics of
	// doc tell it which (see docs/benchmarks.md).
	var ctes, page, rank, snippet, subject, order string
	match := ""
	tsq := ""
	if q.Text != "" {
		tsq = searchTSQuery(arg(text))
		match = "s.doc @@ " + tsq + " AND "
	}
	ctes = `
		WITH newest AS (
			SELECT s.message_id, s.event_time FROM ` + from + `
			WHERE ` + match + strings.Join(where, " AND ") + `
			ORDER BY s.event_time DESC, s.message_id DESC
			LIMIT ` + capped + `
		)`
	countArgs := len(args) // the parameters of ctes
	first := `(SELECT message_id, event_time FROM newest ORDER BY event_time DESC, message_id DESC LIMIT ` + capped + ` - 1) n`
	if q.Text == "" {
		page = `
			SELECT message_id, event_time FROM ` + first + `
			ORDER BY event_time DESC, message_id DESC
			LIMIT ` + arg(q.Limit) + ` OFFSET ` + arg(q.Offset)
		rank, snippet, subject = "0::real", "left(m.text, 400)", "m.subject"
		order = "p.event_time DESC, p.message_id DESC"
	} else {
		// The document of each of the newest matches, by its key: a
		// join could read every row of message_search in key order.
		page = `
			SELECT n.message_id,
				ts_rank_cd((SELECT d.doc FROM message_search d WHERE d.message_id = n.message_id), ` + tsq + `) AS rank
			FROM ` + first + `
			ORDER BY rank DESC, n.message_id DESC
			LIMIT ` + arg(q.Limit) + ` OFFSET ` + arg(q.Offset)
		rank = "p.rank"
		// The marks are control characters that stored text may hold.
		snippet = `ts_headline('dutch', replace(replace(left(CASE WHEN m.text <> '' THEN m.text ELSE m.subject END, 20000),
			E'\x02', ''), E'\x03', ''), ` + tsq + `, ` + arg(snippetOptions) + `)`
		subject = `ts_headline('dutch', replace(replace(m.subject, E'\x02', ''), E'\x03', ''), ` + tsq + `, ` + arg(subjectOptions) + `)`
		order = "p.rank DESC, p.message_id DESC"
	}
	sql := ctes + `, page AS (` + page + `)
		SELECT (SELECT count(*) FROM newest), ` + rank + `, ` + hitColumns + `, ` + snippet + `, ` + subject + `
		FROM page p JOIN messages m ON m.id = p.message_id LEFT JOIN cases c ON c.id = m.case_id
		ORDER BY ` + order
	// An unnamed statement is planned for its parameters each time: how
	// many rows the words match decides the plan.
	args = append([]any{pgx.QueryExecModeCacheDescribe}, args...)
	err = s.readTx(ctx, func(t pgx.Tx) error {
		// JIT compiling would cost more than the query: its cost
		// estimate grows with the table, not with what it reads.
		if _, err := t.Exec(ctx, `SET LOCAL jit = off`); err != nil {
			return fmt.Errorf("search messages: %w", err)
		}
		rows, err := t.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("search messages: %w", err)
		}
		hits, total, err := scanHits(rows, q.Text == "")
		if err != nil {
			return fmt.Errorf("search messages: %w", err)
		}
		res.Hits, res.Total = append(res.Hits, hits...), total
		if len(hits) == 0 && q.Offset > 0 { // past the last page: count alone
			if err := t.QueryRow(ctx, ctes+` SELECT count(*) FROM newest`, args[:1+countArgs]...).Scan(&res.Total); err != nil {
				return fmt.Errorf("search messages: count: %w", err)
			}
		}
		return hitAttachments(ctx, t, res.Hits)
	})
	if err != nil {
		return store.SearchResult{}, err
	}
	if res.Total > store.SearchMaxMatches {
		res.Total, res.TotalCapped = store.SearchMaxMatches, true
	}
	return res, nil
}

// scanHits reads the rows of SearchMessages: the count, the rank,
// hitColumns, the snippet and the subject. plain: the snippet is the
// text's beginning, unmarked.
func scanHits(rows pgx.Rows, plain bool) ([]store.SearchHit, int, error) {
	var (
		hits  []store.SearchHit
		total int
	)
	for rows.Next() {
		var (
			hit               store.SearchHit
			m                 = &hit.Message
			rank              float32
			caseID, contactID *int64
			refs              []byte
			snippet, subject  string
		)
		err := rows.Scan(&total, &rank, &m.ID, &m.EventID, &caseID, &m.Channel, &m.Direction, &m.Inbox, &m.Domain,
			&m.ExternalID, &m.InReplyTo, &refs, &m.ConversationID, &m.CaseRefHint, &m.SenderName, &m.SenderEmail,
			&m.SenderPhone, &m.SenderFacebookID, &m.SenderAddress, &contactID, &m.Subject, &m.Text, &m.SentAt,
			&m.ReceivedAt, &m.EventTime, &m.AutoSubmitted, &m.ParseError, &m.RawSHA256, &m.RawContentType,
			&m.RawSize, &m.StoredAt, &hit.CaseRef, &hit.CaseStatus, &hit.CaseType, &hit.CaseDepartment,
			&snippet, &subject)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		if err := json.Unmarshal(refs, &m.References); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("message %d: decode references: %w", m.ID, err)
		}
		if len(m.References) == 0 {
			m.References = nil
		}
		m.CaseID, m.ContactID = id(caseID), id(contactID)
		m.SentAt, m.ReceivedAt = utc(m.SentAt), utc(m.ReceivedAt)
		m.EventTime, m.StoredAt = m.EventTime.UTC(), m.StoredAt.UTC()
		hit.Rank = float64(rank)
		if plain {
			snippet = store.LeadingWords(snippet, 200)
		}
		hit.Snippet, hit.Subject = store.SplitMarked(snippet), store.SplitMarked(subject)
		hits = append(hits, hit)
	}
	return hits, total, rows.Err()
}

// hitAttachments adds their attachments to hits.
func hitAttachments(ctx context.Context, q querier, hits []store.SearchHit) error {
	if len(hits) == 0 {
		return nil
	}
	index := make(map[int64]int, len(hits))
	ids := make([]int64, len(hits))
	for i, h := range hits {
		index[h.Message.ID], ids[i] = i, h.Message.ID
	}
	rows, err := q.Query(ctx, `
		SELECT message_id, name, content_type, size, sha256 FROM attachments
		WHERE message_id = ANY($1) ORDER BY message_id, position`, ids)
	if err != nil {
		return fmt.Errorf("search messages: attachments: %w", err)
	}
	var (
		msgID int64
		a     store.Attachment
	)
	_, err = pgx.ForEachRow(rows, []any{&msgID, &a.Name, &a.ContentType, &a.Size, &a.SHA256}, func() error {
		m := &hits[index[msgID]].Message
		m.Attachments = append(m.Attachments, a)
		return nil
	})
	if err != nil {
		return fmt.Errorf("search messages: attachments: %w", err)
	}
	return nil
}

// contactColumns are what scanContact reads; k is the contacts table. A
// contact's cases are those opened for it and those holding its messages.
const contactColumns = `k.id, k.domain, k.name, k.email, k.phone, k.facebook_id, k.address, k.created_at, k.updated_at,
	(SELECT count(*) FROM (
		SELECT id FROM cases WHERE contact_id = k.id
		UNION SELECT case_id FROM messages WHERE contact_id = k.id AND case_id IS NOT NULL) AS kc),
	(SELECT max(event_time) FROM messages WHERE contact_id = k.id)`

func scanContact(row pgx.CollectableRow) (store.ContactSummary, error) {
	var c store.ContactSummary
	err := row.Scan(&c.ID, &c.Domain, &c.Name, &c.Email, &c.Phone, &c.FacebookID, &c.Address, &c.CreatedAt,
		&c.UpdatedAt, &c.CaseCount, &c.LastContactAt)
	c.CreatedAt, c.UpdatedAt, c.LastContactAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), utc(c.LastContactAt)
	return c, err
}

// contactCandidates is how many of the newest matching contacts
// ListContacts orders by their last contact.
const contactCandidates = 200

// ListContacts indexes what is queued, then finds the contacts through
// contact_search's GIN index: every word as a prefix. Of the newest
// contactCandidates matches, the most recently in contact come first.
func (s *Store) ListContacts(ctx context.Context, q store.ContactQuery) ([]store.ContactSummary, error) {
	q, err := q.Normalized()
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	tsq := contactTSQuery(q.Text)
	if tsq == "" {
		return []store.ContactSummary{}, nil
	}
	if _, err := s.UpdateSearchIndex(ctx, searchCatchUp); err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+contactColumns+` FROM contacts k
		WHERE k.id IN (
			SELECT contact_id FROM contact_search
			WHERE doc @@ to_tsquery('simple', search_fold($1)) AND domain = ANY($2)
			ORDER BY contact_id DESC
			LIMIT $3)
		ORDER BY 11 DESC NULLS LAST, k.id DESC
		LIMIT $4`, pgx.QueryExecModeCacheDescribe, tsq, q.Domains, contactCandidates, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	cs, err := pgx.CollectRows(rows, scanContact)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	return cs, nil
}

// contactTSQuery is text as a tsquery in which every word is a prefix
// (jan:* & peet:*), or a phone number's digits as one; "" when text has no
// word. Words are letters and digits only, so nothing in them is tsquery
// syntax.
func contactTSQuery(text string) string {
	if phone, ok := store.PhoneQuery(text); ok {
		return phone + ":*"
	}
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range words {
		words[i] = w + ":*"
	}
	return strings.Join(words, " & ")
}

func (s *Store) GetContact(ctx context.Context, contactID int64) (store.ContactSummary, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+contactColumns+` FROM contacts k WHERE k.id = $1`, contactID)
	if err != nil {
		return store.ContactSummary{}, fmt.Errorf("get contact %d: %w", contactID, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanContact)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errNotFound("contact %d", contactID)
	}
	if err != nil {
		return c, fmt.Errorf("get contact %d: %w", contactID, err)
	}
	return c, nil
}

func (s *Store) ListCasesByContact(ctx context.Context, contactID int64) ([]store.Case, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+caseColumns+` FROM cases c
		WHERE c.id IN (
			SELECT id FROM cases WHERE contact_id = $1
			UNION SELECT case_id FROM messages WHERE contact_id = $1 AND case_id IS NOT NULL)
		ORDER BY c.updated_at DESC, c.id DESC`, contactID)
	if err != nil {
		return nil, fmt.Errorf("list cases of contact %d: %w", contactID, err)
	}
	cases, err := pgx.CollectRows(rows, scanCase)
	if err != nil {
		return nil, fmt.Errorf("list cases of contact %d: %w", contactID, err)
	}
	return cases, nil
}
