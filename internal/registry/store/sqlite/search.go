package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Search runs on the FTS5 tables of migration 0009 (message_fts,
// contact_fts), which triggers keep in step with what is stored: nothing
// waits to be indexed.

// UpdateSearchIndex has nothing to do: the triggers index as the store
// writes.
func (s *Store) UpdateSearchIndex(ctx context.Context, max int) (int, error) { return 0, nil }

// messageFTSWeights are bm25's weights of message_fts's columns: subject,
// text, sender, ref, names (as the PostgreSQL driver's A, D, B, A, C).
const messageFTSWeights = "10.0, 1.0, 4.0, 10.0, 2.0"

// SearchMessages finds the newest store.SearchMaxMatches matches in
// message_fts that pass the filters, ranks them by bm25 and reads one page
// of them with their snippets, messages, cases and attachments.
func (s *Store) SearchMessages(ctx context.Context, q store.SearchQuery) (store.SearchResult, error) {
	q, err := q.Normalized()
	if err != nil {
		return store.SearchResult{}, fmt.Errorf("search messages: %w", err)
	}
	res := store.SearchResult{Hits: []store.SearchHit{}}
	match := ftsQuery(q.Text)
	if q.Text != "" && match == "" { // nothing to look for: no word in it
		return res, nil
	}

	where := []string{"m.domain IN (?" + strings.Repeat(", ?", len(q.Domains)-1) + ")"}
	var args []any
	for _, d := range q.Domains {
		args = append(args, d)
	}
	if q.Channel != "" {
		where, args = append(where, "m.channel = ?"), append(args, q.Channel)
	}
	if !q.From.IsZero() {
		where, args = append(where, "m.event_time >= ?"), append(args, formatTime(q.From))
	}
	if !q.To.IsZero() {
		where, args = append(where, "m.event_time < ?"), append(args, formatTime(q.To))
	}
	for _, f := range []struct{ column, value string }{
		{"status", q.Status}, {"department", q.Department}, {"type", q.Type},
	} {
		if f.value != "" {
			where, args = append(where, "c."+f.column+" = ?"), append(args, f.value)
		}
	}
	// newest: the newest matches, one more than counted to tell that
	// there are more.
	newest := `
		WITH newest AS (
			SELECT m.id, m.event_time, 0.0 AS score
			FROM messages m LEFT JOIN cases c ON c.id = m.case_id
			WHERE ` + strings.Join(where, " AND ") + `
			ORDER BY m.event_time DESC, m.id DESC
			LIMIT ` + fmt.Sprint(store.SearchMaxMatches+1) + `)`
	order := "event_time DESC, id DESC"
	if match != "" {
		newest = `
			WITH newest AS (
				SELECT m.id, m.event_time, bm25(message_fts, ` + messageFTSWeights + `) AS score
				FROM message_fts JOIN messages m ON m.id = message_fts.rowid LEFT JOIN cases c ON c.id = m.case_id
				WHERE message_fts MATCH ? AND ` + strings.Join(where, " AND ") + `
				ORDER BY m.event_time DESC, m.id DESC
				LIMIT ` + fmt.Sprint(store.SearchMaxMatches+1) + `)`
		args = append([]any{match}, args...)
		order = "score, id DESC" // bm25: lower is better
	}
	err = s.readTx(ctx, func(t *sql.Tx) error {
		if err := t.QueryRowContext(ctx, newest+` SELECT count(*) FROM newest`, args...).Scan(&res.Total); err != nil {
			return fmt.Errorf("search messages: count: %w", err)
		}
		rows, err := t.QueryContext(ctx, newest+`
			SELECT id, score FROM (
				SELECT * FROM newest ORDER BY event_time DESC, id DESC LIMIT `+fmt.Sprint(store.SearchMaxMatches)+`)
			ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
		if err != nil {
			return fmt.Errorf("search messages: %w", err)
		}
		defer rows.Close()
		var (
			ids   []int64
			ranks = map[int64]float64{}
		)
		for rows.Next() {
			var (
				id    int64
				score float64
			)
			if err := rows.Scan(&id, &score); err != nil {
				return fmt.Errorf("search messages: %w", err)
			}
			ids, ranks[id] = append(ids, id), -score
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("search messages: %w", err)
		}
		rows.Close()
		if res.Hits, err = readHits(ctx, t, ids, match); err != nil {
			return err
		}
		for i := range res.Hits {
			res.Hits[i].Rank = ranks[res.Hits[i].Message.ID]
		}
		return nil
	})
	if err != nil {
		return store.SearchResult{}, err
	}
	if res.Total > store.SearchMaxMatches {
		res.Total, res.TotalCapped = store.SearchMaxMatches, true
	}
	return res, nil
}

// hitColumns are the columns readHits reads, in order: the message without
// html and event, then its case.
const hitColumns = `m.id, m.event_id, m.case_id, m.channel, m.direction, m.inbox, m.domain, m.external_id,
	m.in_reply_to, m.refs, m.conversation_id, m.case_ref_hint, m.sender_name, m.sender_email, m.sender_phone,
	m.sender_facebook_id, m.sender_address, m.contact_id, m.subject, m.text, m.sent_at, m.received_at,
	m.event_time, m.auto_submitted, m.parse_error, m.raw_sha256, m.raw_content_type, m.raw_size, m.stored_at,
	coalesce(c.ref, ''), coalesce(c.status, ''), coalesce(c.type, ''), coalesce(c.department, '')`

// readHits reads the messages ids (in that order) with their cases and
// attachments, and, when match is not empty, marks what matched in their
// text and subject.
func readHits(ctx context.Context, t *sql.Tx, ids []int64, match string) ([]store.SearchHit, error) {
	hits := make([]store.SearchHit, 0, len(ids))
	if len(ids) == 0 {
		return hits, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("search messages: %w", err)
	}
	index := make(map[int64]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	hits = hits[:len(ids)]
	rows, err := t.QueryContext(ctx, `
		SELECT `+hitColumns+` FROM messages m LEFT JOIN cases c ON c.id = m.case_id
		WHERE m.id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("search messages: read messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			hit  store.SearchHit
			m    = &hit.Message
			refs string
		)
		err := rows.Scan(&m.ID, &m.EventID, nullIDColumn{&m.CaseID}, &m.Channel, &m.Direction, &m.Inbox, &m.Domain,
			&m.ExternalID, &m.InReplyTo, &refs, &m.ConversationID, &m.CaseRefHint, &m.SenderName, &m.SenderEmail,
			&m.SenderPhone, &m.SenderFacebookID, &m.SenderAddress, nullIDColumn{&m.ContactID}, &m.Subject, &m.Text,
			nullTimeColumn{&m.SentAt}, nullTimeColumn{&m.ReceivedAt}, timeColumn{&m.EventTime}, &m.AutoSubmitted,
			&m.ParseError, &m.RawSHA256, &m.RawContentType, &m.RawSize, timeColumn{&m.StoredAt},
			&hit.CaseRef, &hit.CaseStatus, &hit.CaseType, &hit.CaseDepartment)
		if err != nil {
			return nil, fmt.Errorf("search messages: read messages: %w", err)
		}
		if err := json.Unmarshal([]byte(refs), &m.References); err != nil {
			return nil, fmt.Errorf("message %d: decode references: %w", m.ID, err)
		}
		if len(m.References) == 0 {
			m.References = nil
		}
		hit.Snippet = store.SplitMarked(store.LeadingWords(strings.NewReplacer(store.MarkStart, "", store.MarkStop, "").Replace(m.Text), 200))
		hit.Subject = store.SplitMarked(strings.NewReplacer(store.MarkStart, "", store.MarkStop, "").Replace(m.Subject))
		hits[index[m.ID]] = hit
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search messages: read messages: %w", err)
	}
	rows.Close()

	if match != "" {
		// The view the index reads its text from has the marks removed
		// from the text (migration 0009).
		rows, err := t.QueryContext(ctx, `
			SELECT rowid, snippet(message_fts, 1, char(2), char(3), ' … ', 24), highlight(message_fts, 0, char(2), char(3))
			FROM message_fts WHERE message_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))`, match, string(list))
		if err != nil {
			return nil, fmt.Errorf("search messages: snippets: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id               int64
				snippet, subject string
			)
			if err := rows.Scan(&id, &snippet, &subject); err != nil {
				return nil, fmt.Errorf("search messages: snippets: %w", err)
			}
			if snippet == "" { // no text: the subject is the snippet
				snippet = subject
			}
			h := &hits[index[id]]
			h.Snippet, h.Subject = store.SplitMarked(snippet), store.SplitMarked(subject)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("search messages: snippets: %w", err)
		}
		rows.Close()
	}

	rows, err = t.QueryContext(ctx, `
		SELECT message_id, name, content_type, size, sha256 FROM attachments
		WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, position`, string(list))
	if err != nil {
		return nil, fmt.Errorf("search messages: attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			msgID int64
			a     store.Attachment
		)
		if err := rows.Scan(&msgID, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, fmt.Errorf("search messages: attachments: %w", err)
		}
		m := &hits[index[msgID]].Message
		m.Attachments = append(m.Attachments, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search messages: attachments: %w", err)
	}
	return hits, nil
}

// contactColumns are what scanContact reads; k is the contacts table. A
// contact's cases are those opened for it and those holding its messages.
const contactColumns = `k.id, k.domain, k.name, k.email, k.phone, k.facebook_id, k.address, k.created_at, k.updated_at,
	(SELECT count(*) FROM (
		SELECT id FROM cases WHERE contact_id = k.id
		UNION SELECT case_id FROM messages WHERE contact_id = k.id AND case_id IS NOT NULL)),
	(SELECT max(event_time) FROM messages WHERE contact_id = k.id)`

func scanContact(row interface{ Scan(...any) error }) (store.ContactSummary, error) {
	var c store.ContactSummary
	err := row.Scan(&c.ID, &c.Domain, &c.Name, &c.Email, &c.Phone, &c.FacebookID, &c.Address, timeColumn{&c.CreatedAt},
		timeColumn{&c.UpdatedAt}, &c.CaseCount, nullTimeColumn{&c.LastContactAt})
	return c, err
}

// contactCandidates is how many of the newest matching contacts
// ListContacts orders by their last contact.
const contactCandidates = 200

// ListContacts finds contacts in contact_fts, every word as a prefix. Of
// the newest contactCandidates matches, the most recently in contact come
// first.
func (s *Store) ListContacts(ctx context.Context, q store.ContactQuery) ([]store.ContactSummary, error) {
	q, err := q.Normalized()
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	cs := []store.ContactSummary{}
	match := contactFTSQuery(q.Text)
	if match == "" {
		return cs, nil
	}
	args := []any{match}
	for _, d := range q.Domains {
		args = append(args, d)
	}
	rows, err := s.read.QueryContext(ctx, `
		SELECT `+contactColumns+` FROM contacts k
		WHERE k.id IN (
			SELECT f.rowid FROM contact_fts f JOIN contacts d ON d.id = f.rowid
			WHERE contact_fts MATCH ? AND d.domain IN (?`+strings.Repeat(", ?", len(q.Domains)-1)+`)
			ORDER BY f.rowid DESC
			LIMIT ?)
		ORDER BY 11 DESC NULLS LAST, k.id DESC
		LIMIT ?`, append(args, contactCandidates, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("list contacts: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	return cs, nil
}

func (s *Store) GetContact(ctx context.Context, contactID int64) (store.ContactSummary, error) {
	c, err := scanContact(s.read.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts k WHERE k.id = ?`, contactID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNotFound("contact %d", contactID)
	}
	if err != nil {
		return c, fmt.Errorf("get contact %d: %w", contactID, err)
	}
	return c, nil
}

func (s *Store) ListCasesByContact(ctx context.Context, contactID int64) ([]store.Case, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT `+caseColumns+` FROM cases c
		WHERE c.id IN (
			SELECT id FROM cases WHERE contact_id = ?1
			UNION SELECT case_id FROM messages WHERE contact_id = ?1 AND case_id IS NOT NULL)
		ORDER BY c.updated_at DESC, c.id DESC`, contactID)
	if err != nil {
		return nil, fmt.Errorf("list cases of contact %d: %w", contactID, err)
	}
	defer rows.Close()
	cases := []store.Case{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("list cases of contact %d: %w", contactID, err)
		}
		cases = append(cases, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cases of contact %d: %w", contactID, err)
	}
	return cases, nil
}

// ftsQuery turns a search text in web-search syntax (see
// store.Search.SearchMessages) into an FTS5 query, "" when it holds no
// word. A word becomes its stem as a prefix ("straatlampen":
// "straatlamp"*), so that the forms of a Dutch word find each other as
// PostgreSQL's stemmer makes them; a word of several parts (an e-mail
// address, a reference, a file name) and a quoted phrase must match as a
// phrase. Every word must match; "or" between words allows either (binding
// loosest, as in PostgreSQL's websearch_to_tsquery); -word excludes. The
// query holds only quoted strings of letters and digits and FTS5's
// operators, so nothing the user types is FTS5 syntax.
func ftsQuery(text string) string {
	if phone, ok := store.PhoneQuery(text); ok {
		return `"` + phone + `"*`
	}
	var (
		alternatives []string
		pos, neg     []string
	)
	flush := func() {
		if len(pos) > 0 {
			a := "(" + strings.Join(pos, " AND ") + ")"
			if len(neg) > 0 {
				a += " NOT (" + strings.Join(neg, " OR ") + ")"
			}
			alternatives = append(alternatives, a)
		}
		pos, neg = nil, nil
	}
	for _, term := range splitTerms(text) {
		switch {
		case !term.quoted && strings.EqualFold(term.text, "or"):
			flush()
		default:
			words := ftsWords(term.text)
			if len(words) == 0 {
				continue
			}
			var s string
			if len(words) == 1 && !term.quoted {
				s = `"` + dutchStem(words[0]) + `"*`
			} else {
				s = `"` + strings.Join(words, " ") + `"`
			}
			if term.negated {
				neg = append(neg, s)
			} else {
				pos = append(pos, s)
			}
		}
	}
	flush()
	return strings.Join(alternatives, " OR ")
}

// contactFTSQuery is text as an FTS5 query in which every word is a prefix,
// or a phone number's digits as one; "" when text has no word.
func contactFTSQuery(text string) string {
	if phone, ok := store.PhoneQuery(text); ok {
		return `"` + phone + `"*`
	}
	words := ftsWords(text)
	for i, w := range words {
		words[i] = `"` + w + `"*`
	}
	return strings.Join(words, " AND ")
}

// term is a word or a quoted phrase of a search text.
type term struct {
	text            string
	quoted, negated bool
}

// splitTerms cuts text into words and "quoted phrases", a leading - on
// either excluding it. An unclosed quote runs to the end.
func splitTerms(text string) []term {
	var terms []term
	for i := 0; i < len(text); {
		c := text[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		negated := false
		if c == '-' && i+1 < len(text) && text[i+1] != ' ' {
			negated = true
			i++
			c = text[i]
		}
		if c == '"' {
			end := strings.IndexByte(text[i+1:], '"')
			if end < 0 {
				end = len(text) - i - 1
			}
			terms = append(terms, term{text: text[i+1 : i+1+end], quoted: true, negated: negated})
			i += end + 2
			continue
		}
		end := strings.IndexAny(text[i:], " \t\n\r\"")
		if end < 0 {
			end = len(text) - i
		}
		terms = append(terms, term{text: text[i : i+end], negated: negated})
		i += end
	}
	return terms
}

// ftsWords are the runs of letters and digits of s, lower case: the
// tokens unicode61 makes of it.
func ftsWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// dutchStem is w (lower case) without the ending its Dutch inflections add
// most often — plural -en and -s, -e of adjectives — and with a doubled
// last consonant made single (kapotte: kapot, bussen: bus), so that as a
// prefix it finds the word's forms. Accents are removed first. Short
// words stay whole.
func dutchStem(w string) string {
	w = foldAccents(w)
	stem := w
	switch {
	case len(w) > 5 && strings.HasSuffix(w, "en"):
		stem = w[:len(w)-2]
	case len(w) > 4 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		stem = w[:len(w)-1]
	case len(w) > 4 && strings.HasSuffix(w, "e"):
		stem = w[:len(w)-1]
	}
	if n := len(stem); stem != w && n >= 2 && stem[n-1] == stem[n-2] && !strings.ContainsRune("aeiouy", rune(stem[n-1])) {
		stem = stem[:n-1]
	}
	return stem
}

// accents maps the accented Latin letters to their base letters, as
// PostgreSQL's search_fold and unicode61's remove_diacritics do.
var accents = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ã", "a", "ä", "a", "å", "a",
	"è", "e", "é", "e", "ê", "e", "ë", "e",
	"ì", "i", "í", "i", "î", "i", "ï", "i",
	"ò", "o", "ó", "o", "ô", "o", "õ", "o", "ö", "o", "ø", "o",
	"ù", "u", "ú", "u", "û", "u", "ü", "u",
	"ý", "y", "ÿ", "y", "ç", "c", "ñ", "n", "š", "s", "ž", "z",
)

func foldAccents(w string) string { return accents.Replace(w) }
