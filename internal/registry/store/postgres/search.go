package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Search runs on the tables of migration 0009: message_search holds each
// message's words (a tsvector in the 'dutch' configuration, weighted by
// field) with what searches filter on, contact_search each contact's.
// Triggers only queue the ids of what changed (message_search_queue,
// contact_search_queue): computing the words of a 1.5 KB message costs
// PostgreSQL about 0.12 ms, about as much as the rest of registering it, so
// registering does not wait for it. UpdateSearchIndex works the queues off,
// and every search calls it first, so a search sees what was committed
// before it (unless more than searchCatchUp changes wait: Pending says so).

// lockClassSearch ("mp" 4) serialises indexing the queues, per schema.
const lockClassSearch int32 = 0x6d700004

// searchCatchUp is how many queued changes a search indexes before it runs:
// about half a second of work after a burst, nothing in steady state.
const searchCatchUp = 4000

// searchTSQuery is the tsquery of a search text given as parameter $n.
func searchTSQuery(n string) string {
	return "websearch_to_tsquery('dutch', search_fold(" + n + "))"
}

// snippetOptions and subjectOptions have ts_headline mark the matched words
// with store.MarkStart and store.MarkStop.
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
					(SELECT string_agg(a.name, ' ' ORDER BY a.position) FROM attachments a WHERE a.message_id = m.id),
					m.domain, m.channel, m.event_time)
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

// SearchMessages indexes what is queued, then searches: with words
// (searchWords) by month windows, newest first; without, by walking
// message_search_time_idx backwards (searchRecent).
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
	err = s.readTx(ctx, func(t pgx.Tx) error {
		// JIT compiling would cost more than any of these queries: its
		// cost estimates grow with the table, not with what they read.
		// The matches of a window, with their documents, stay in memory.
		if _, err := t.Exec(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '32MB'`); err != nil {
			return fmt.Errorf("search messages: %w", err)
		}
		var err error
		if q.Text == "" && q.Channel == "" && q.Status == "" && q.Department == "" && q.Type == "" {
			// The newest of one or both domains: the first rows of
			// message_search_time_idx, nearly all of them wanted.
			err = searchRecent(ctx, t, q, &res)
		} else {
			err = searchWindows(ctx, t, q, &res)
		}
		if err != nil {
			return fmt.Errorf("search messages: %w", err)
		}
		return hitAttachments(ctx, t, res.Hits)
	})
	if err != nil {
		return store.SearchResult{}, err
	}
	if res.Total > store.SearchMaxMatches {
		res.Total, res.TotalCapped = store.SearchMaxMatches, true
	}
	if res.Hits == nil {
		res.Hits = []store.SearchHit{}
	}
	return res, nil
}

// searchFilter is the WHERE of a search on message_search s (and, for case
// filters, cases c), with its parameters.
type searchFilter struct {
	from  string // message_search s, or joined with cases c
	where []string
	args  []any
}

func (f *searchFilter) arg(v any) string {
	f.args = append(f.args, v)
	return "$" + strconv.Itoa(len(f.args))
}

func newSearchFilter(q store.SearchQuery) *searchFilter {
	f := &searchFilter{from: "message_search s"}
	f.where = append(f.where, "s.domain = ANY("+f.arg(q.Domains)+")")
	if q.Channel != "" {
		f.where = append(f.where, "s.channel = "+f.arg(q.Channel))
	}
	if !q.From.IsZero() {
		f.where = append(f.where, "s.event_time >= "+f.arg(q.From))
	}
	if !q.To.IsZero() {
		f.where = append(f.where, "s.event_time < "+f.arg(q.To))
	}
	if q.Status != "" || q.Department != "" || q.Type != "" {
		f.from += " JOIN cases c ON c.id = s.case_id"
		for _, c := range []struct{ column, value string }{
			{"status", q.Status}, {"department", q.Department}, {"type", q.Type},
		} {
			if c.value != "" {
				f.where = append(f.where, "c."+c.column+" = "+f.arg(c.value))
			}
		}
	}
	return f
}

// searchRecent lists the newest messages that pass q's filters, walking
// message_search_time_idx backwards.
func searchRecent(ctx context.Context, t pgx.Tx, q store.SearchQuery, res *store.SearchResult) error {
	f := newSearchFilter(q)
	newest := `
		WITH newest AS (
			SELECT s.message_id, s.event_time FROM ` + f.from + `
			WHERE ` + strings.Join(f.where, " AND ") + `
			ORDER BY s.event_time DESC, s.message_id DESC
			LIMIT ` + strconv.Itoa(store.SearchMaxMatches+1) + `
		)`
	if err := t.QueryRow(ctx, newest+` SELECT count(*) FROM newest`, f.args...).Scan(&res.Total); err != nil {
		return fmt.Errorf("count: %w", err)
	}
	if q.Offset >= min(res.Total, store.SearchMaxMatches) {
		return nil
	}
	rows, err := t.Query(ctx, newest+`
		SELECT 0, 0::real, `+hitColumns+`, left(m.text, 400), m.subject
		FROM (SELECT message_id, event_time FROM newest
			ORDER BY event_time DESC, message_id DESC
			LIMIT `+f.arg(min(q.Limit, store.SearchMaxMatches-q.Offset))+` OFFSET `+f.arg(q.Offset)+`) p
		JOIN messages m ON m.id = p.message_id LEFT JOIN cases c ON c.id = m.case_id
		ORDER BY p.event_time DESC, p.message_id DESC`, f.args...)
	if err != nil {
		return err
	}
	res.Hits, _, err = scanHits(rows, true)
	return err
}

// searchWindows finds the newest store.SearchMaxMatches messages that match
// q's words (or, without words, only its filters) and ranks them by
// ts_rank_cd (without words: newest first). The GIN index does the work:
// the domains, the channel and the months of the event time are lexemes of
// the documents (message_search_doc), ANDed to the words, so that it hands
// out only the matches of the domains, channel and months asked for, and
// each is read once. It looks through month windows, newest first: the
// newest month, then windows three times longer until the matches so far
// say how many a month holds, then each as long as should hold a quarter
// more than the matches still needed, until it has them. A word many
// messages hold is done in a month or two; a rare one in a few cheap
// windows. A window collects its matches through the index and sorts them
// (MATERIALIZED), never walks message_search_time_idx testing rows: how
// many rows words match in a domain and month is beyond the planner's
// statistics. Ranking happens on the rows the windows read; then one
// statement reads one page with messages, cases and headlines.
func searchWindows(ctx context.Context, t pgx.Tx, q store.SearchQuery, res *store.SearchResult) error {
	text := q.Text
	if phone, ok := store.PhoneQuery(text); ok {
		text = phone // as the documents hold it (search_phone)
	}
	lexemes := lexemeQuery("§d:", q.Domains)
	if q.Channel != "" {
		lexemes = "(" + lexemes + ") & " + lexemeQuery("§c:", []string{q.Channel})
	}
	var (
		newest, oldest *time.Time
		words          int
	)
	if err := t.QueryRow(ctx, `
		SELECT max(event_time), min(event_time), numnode(`+searchTSQuery("$2")+`)
		FROM message_search WHERE domain = ANY($1)`, q.Domains, text).Scan(&newest, &oldest, &words); err != nil {
		return fmt.Errorf("bounds: %w", err)
	}
	if newest == nil || (words == 0 && text != "") { // nothing stored, or only stop words to look for
		return nil
	}
	last, first := monthOf(newest.UTC()), monthOf(oldest.UTC())
	if !q.To.IsZero() {
		last = min(last, monthOf(q.To.UTC().Add(-time.Microsecond)))
	}
	if !q.From.IsZero() {
		first = max(first, monthOf(q.From.UTC()))
	}

	type match struct {
		id   int64
		rank float32
	}
	var (
		found []match
		days  float64 // how long the windows so far were
		span  int
	)
	want := store.SearchMaxMatches + 1 // one more tells that there are more
	const (
		month  = 30.44 // days
		sample = 50    // matches that tell how many a month holds
	)
	for end := last + 1; end > first && len(found) < want; {
		switch {
		case span == 0:
			span = 1
		case len(found) < sample:
			span *= 3
		default:
			perDay := float64(len(found)) / days
			span = int(math.Ceil(float64(want-len(found)) * 1.25 / perDay / month))
		}
		f := newSearchFilter(q)
		tsq, rank := "", "0::real"
		if text != "" {
			words := searchTSQuery(f.arg(text))
			tsq, rank = words+" && ", "ts_rank_cd(doc, "+words+")"
		}
		cond := "s.doc @@ (" + tsq + f.arg(lexemes) + "::tsquery"
		windowEnd := monthStart(end)
		if newest.Before(windowEnd) {
			windowEnd = *newest
		}
		if end-span <= first {
			// The rest at once. (The month lexemes bound the other
			// windows; a bound on event_time too would only have the
			// planner AND in message_search_time_idx.)
			f.where = append(f.where, "s.event_time < "+f.arg(monthStart(end)))
			end = first
			days += windowEnd.Sub(*oldest).Hours() / 24
		} else {
			months := make([]string, 0, span)
			for m := end - span; m < end; m++ {
				months = append(months, monthLexeme(m))
			}
			cond += " && " + f.arg(lexemeQuery("", months)) + "::tsquery"
			end -= span
			days += max(windowEnd.Sub(monthStart(end)).Hours()/24, 1)
		}
		rows, err := t.Query(ctx, `
			WITH w AS MATERIALIZED (
				SELECT s.message_id, s.event_time, s.doc FROM `+f.from+`
				WHERE `+cond+`) AND `+strings.Join(f.where, " AND ")+`
			)
			SELECT message_id, `+rank+` FROM (
				SELECT * FROM w ORDER BY event_time DESC, message_id DESC LIMIT `+f.arg(want-len(found))+`) n
			ORDER BY event_time DESC, message_id DESC`,
			append([]any{pgx.QueryExecModeCacheDescribe}, f.args...)...)
		if err != nil {
			return fmt.Errorf("matches: %w", err)
		}
		var m match
		if _, err := pgx.ForEachRow(rows, []any{&m.id, &m.rank}, func() error {
			found = append(found, m)
			return nil
		}); err != nil {
			return fmt.Errorf("matches: %w", err)
		}
	}
	res.Total = len(found)
	found = found[:min(len(found), store.SearchMaxMatches)] // the newest
	if text != "" {
		slices.SortFunc(found, func(a, b match) int {
			if c := cmp.Compare(b.rank, a.rank); c != 0 {
				return c
			}
			return cmp.Compare(b.id, a.id)
		})
	}
	if q.Offset >= len(found) {
		return nil
	}
	page := found[q.Offset:min(len(found), q.Offset+q.Limit)]
	ids, ranks := make([]int64, len(page)), make([]float32, len(page))
	for i, m := range page {
		ids[i], ranks[i] = m.id, m.rank
	}
	snippet, subject := "left(m.text, 400)", "m.subject"
	args := []any{ids, ranks}
	if text != "" {
		snippet = `ts_headline('dutch', replace(replace(left(CASE WHEN m.text <> '' THEN m.text ELSE m.subject END, 20000),
			E'\x02', ''), E'\x03', ''), ` + searchTSQuery("$3") + `, $4)`
		subject = `ts_headline('dutch', replace(replace(m.subject, E'\x02', ''), E'\x03', ''), ` + searchTSQuery("$3") + `, $5)`
		args = append(args, text, snippetOptions, subjectOptions)
	}
	rows, err := t.Query(ctx, `
		SELECT 0, r.rank, `+hitColumns+`, `+snippet+`, `+subject+`
		FROM unnest($1::bigint[], $2::real[]) WITH ORDINALITY AS r(message_id, rank, n)
		JOIN messages m ON m.id = r.message_id LEFT JOIN cases c ON c.id = m.case_id
		ORDER BY r.n`, args...)
	if err != nil {
		return fmt.Errorf("page: %w", err)
	}
	res.Hits, _, err = scanHits(rows, text == "")
	return err
}

// monthOf is t's month as months since year 0.
func monthOf(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

func monthStart(m int) time.Time { return time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC) }

// monthLexeme is the lexeme of month m in the documents (message_search_doc).
func monthLexeme(m int) string { return fmt.Sprintf("§m:%04d%02d", m/12, m%12+1) }

// lexemeQuery is a tsquery matching any of prefix+v: each quoted, so that
// nothing in v is tsquery syntax.
func lexemeQuery(prefix string, vs []string) string {
	quoted := make([]string, len(vs))
	for i, v := range vs {
		quoted[i] = "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(prefix+v) + "'"
	}
	return strings.Join(quoted, " | ")
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
