package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (s *Store) LogAccess(ctx context.Context, es []store.AccessEntry) error {
	if len(es) == 0 {
		return nil
	}
	for i, e := range es {
		if e.Actor == "" || e.Action == "" {
			return fmt.Errorf("log access: entry %d without actor or action", i)
		}
	}
	// One statement: all entries or none.
	if err := logAccess(ctx, s.pool, es); err != nil {
		return fmt.Errorf("log access: %w", err)
	}
	return nil
}

func logAccess(ctx context.Context, q querier, es []store.AccessEntry) error {
	n := len(es)
	ats, contacts := make([]time.Time, n), make([]int64, n)
	actors, actions, refs, domains, reasons, details := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n)
	for i, e := range es {
		ats[i], contacts[i] = at(e.At), e.ContactID
		actors[i], actions[i], refs[i] = driverutil.Clean(e.Actor), driverutil.Clean(e.Action), driverutil.Clean(e.CaseRef)
		domains[i], reasons[i], details[i] = driverutil.Clean(e.Domain), driverutil.Clean(e.Reason), driverutil.Clean(e.Detail)
	}
	_, err := q.Exec(ctx, `
		INSERT INTO access_log (at, actor, action, case_ref, contact_id, domain, reason, detail)
		SELECT at, actor, action, case_ref, nullif(contact_id, 0), domain, reason, detail
		FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[])
			WITH ORDINALITY AS e(at, actor, action, case_ref, contact_id, domain, reason, detail, n)
		ORDER BY n`, ats, actors, actions, refs, contacts, domains, reasons, details)
	return err
}

func (s *Store) ListAccess(ctx context.Context, f store.AccessFilter) ([]store.AccessEntry, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if f.CaseRef != "" {
		where = append(where, "case_ref = "+arg(f.CaseRef))
	}
	if f.ContactID != 0 {
		where = append(where, "contact_id = "+arg(f.ContactID))
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(f.To))
	}
	if len(f.Domains) > 0 {
		where = append(where, "(domain = '' OR domain = ANY("+arg(f.Domains)+"))")
	}
	if f.BeforeID > 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT id, at, actor, action, case_ref, coalesce(contact_id, 0), domain, reason, detail FROM access_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list access log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AccessEntry, error) {
		var e store.AccessEntry
		err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.CaseRef, &e.ContactID, &e.Domain, &e.Reason, &e.Detail)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("list access log: %w", err)
	}
	return out, nil
}

// getContact reads one contact (locking it with FOR UPDATE when lock is
// set); ErrNotFound when there is none.
func getContact(ctx context.Context, q querier, contactID int64, lock bool) (store.ContactRecord, error) {
	query := `SELECT id, domain, name, email, phone, facebook_id, address, created_at, updated_at FROM contacts WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	var c store.ContactRecord
	err := q.QueryRow(ctx, query, contactID).Scan(&c.ID, &c.Domain, &c.Name, &c.Email, &c.Phone, &c.FacebookID,
		&c.Address, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errNotFound("contact %d", contactID)
	}
	if err != nil {
		return c, fmt.Errorf("read contact %d: %w", contactID, err)
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// contactMessagesWhere selects the messages of contact $1: its own, and
// those without a contact in its cases (replies of staff, automatic mail),
// unless erased (another contact's erased message stays in the case
// without a contact).
const contactMessagesWhere = `contact_id = $1 OR (contact_id IS NULL AND erased_at IS NULL AND case_id IN (SELECT id FROM cases WHERE contact_id = $1))`

func (s *Store) ExportContact(ctx context.Context, contactID int64) (store.ContactExport, error) {
	var out store.ContactExport
	err := s.readTx(ctx, func(q pgx.Tx) error {
		var err error
		if out.Contact, err = getContact(ctx, q, contactID, false); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.contact_id = $1 ORDER BY c.id`, contactID)
		if err != nil {
			return fmt.Errorf("export contact %d: cases: %w", contactID, err)
		}
		cases, err := pgx.CollectRows(rows, scanCase)
		if err != nil {
			return fmt.Errorf("export contact %d: cases: %w", contactID, err)
		}
		for _, c := range cases {
			d := store.CaseDetail{Case: c}
			if d.Timeline, err = caseTimeline(ctx, q, c.ID); err != nil {
				return fmt.Errorf("export contact %d: %w", contactID, err)
			}
			if err := caseExtras(ctx, q, &d); err != nil {
				return fmt.Errorf("export contact %d: %w", contactID, err)
			}
			out.Cases = append(out.Cases, d)
		}
		if out.Messages, err = listMessages(ctx, q, contactMessagesWhere, contactID); err != nil {
			return fmt.Errorf("export contact %d: %w", contactID, err)
		}
		return nil
	})
	return out, err
}

// caseTimeline returns a case's timeline, oldest first.
func caseTimeline(ctx context.Context, q querier, caseID int64) ([]store.TimelineEntry, error) {
	rows, err := q.Query(ctx, `
		SELECT id, at, kind, actor, message_id, detail FROM case_timeline WHERE case_id = $1 ORDER BY at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("timeline of case %d: %w", caseID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.TimelineEntry, error) {
		var (
			e     store.TimelineEntry
			msgID *int64
		)
		err := row.Scan(&e.ID, &e.At, &e.Kind, &e.Actor, &msgID, &e.Detail)
		e.At, e.MessageID = e.At.UTC(), id(msgID)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("timeline of case %d: %w", caseID, err)
	}
	return out, nil
}

// listMessages returns the messages matching where (with args), oldest
// first, with their attachments.
func listMessages(ctx context.Context, q querier, where string, args ...any) ([]store.Message, error) {
	rows, err := q.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+where+` ORDER BY event_time, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	msgs, err := pgx.CollectRows(rows, scanMessage)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(msgs))
	index := make(map[int64]int, len(msgs))
	for i, m := range msgs {
		ids[i], index[m.ID] = m.ID, i
	}
	rows, err = q.Query(ctx, `
		SELECT message_id, name, content_type, size, sha256 FROM attachments
		WHERE message_id = ANY($1) ORDER BY message_id, position`, ids)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	var (
		msgID int64
		a     store.Attachment
	)
	_, err = pgx.ForEachRow(rows, []any{&msgID, &a.Name, &a.ContentType, &a.Size, &a.SHA256}, func() error {
		msgs[index[msgID]].Attachments = append(msgs[index[msgID]].Attachments, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	return msgs, nil
}

// queryIDs runs a query that returns one bigint column.
func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if ids == nil {
		ids = []int64{}
	}
	return ids, err
}

// privacyTx runs f in a READ COMMITTED write transaction, committing
// unless f fails or keep is false.
func (s *Store) privacyTx(ctx context.Context, f func(t pgx.Tx) (keep bool, err error)) error {
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit
	keep, err := f(t)
	if err != nil || !keep {
		return err
	}
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (s *Store) EraseContact(ctx context.Context, e store.Erasure) (store.ErasureResult, error) {
	var res store.ErasureResult
	when := at(e.At)
	err := s.privacyTx(ctx, func(t pgx.Tx) (bool, error) {
		// The lock keeps the registry from filling in the contact, or
		// filing a new message under it, until the erasure is done.
		c, err := getContact(ctx, t, e.ContactID, true)
		if err != nil {
			return false, err
		}
		if len(e.Domains) > 0 && !slices.Contains(e.Domains, c.Domain) {
			return false, errNotFound("contact %d", e.ContactID)
		}
		res = store.ErasureResult{ContactID: c.ID, Domain: c.Domain}
		cases, err := queryIDs(ctx, t, `SELECT id FROM cases WHERE contact_id = $1 ORDER BY id FOR UPDATE`, c.ID)
		if err != nil {
			return false, fmt.Errorf("find cases: %w", err)
		}
		// Everything the contact is known by, also as the sender of each
		// of its messages, is looked for in the texts erasure does not
		// remove wholesale.
		known := []store.Contact{c.Contact}
		eventIDs := map[string]bool{}
		var msgs []int64
		rows, err := t.Query(ctx, `
			SELECT id, event_id, sender_name, sender_email, sender_phone, sender_facebook_id, sender_address
			FROM messages WHERE `+contactMessagesWhere, c.ID)
		if err != nil {
			return false, fmt.Errorf("find messages: %w", err)
		}
		var (
			msgID   int64
			eventID string
			p       store.Contact
		)
		if _, err := pgx.ForEachRow(rows, []any{&msgID, &eventID, &p.Name, &p.Email, &p.Phone, &p.FacebookID, &p.Address}, func() error {
			msgs, eventIDs[eventID] = append(msgs, msgID), true
			known = append(known, p)
			return nil
		}); err != nil {
			return false, fmt.Errorf("find messages: %w", err)
		}
		if err := anonymise(ctx, t, cases, msgs, when, &res); err != nil {
			return false, err
		}
		mentions := driverutil.Mentions(known...)
		if err := scrubMentions(ctx, t, c.Domain, mentions, &res); err != nil {
			return false, err
		}
		if res.Quarantined, err = deleteQuarantined(ctx, t, driverutil.PayloadMentions(known...), eventIDs); err != nil {
			return false, err
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE cases SET contact_id = NULL WHERE contact_id = $1`, c.ID)
		b.Queue(`UPDATE messages SET contact_id = NULL WHERE contact_id = $1`, c.ID)
		b.Queue(`DELETE FROM contacts WHERE id = $1`, c.ID)
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return false, fmt.Errorf("delete contact: %w", err)
		}
		res.Contacts = 1
		reason, _ := driverutil.Scrub(driverutil.Clean(e.Reason), mentions)
		if err := record(ctx, t, store.AccessErase, e.Actor, reason, time.Time{}, when, res); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return store.ErasureResult{}, fmt.Errorf("erase contact %d: %w", e.ContactID, err)
	}
	s.catchUpSearch(ctx)
	return res, nil
}

func (s *Store) PurgeClosedBefore(ctx context.Context, p store.Purge) (store.PurgeResult, error) {
	res := store.PurgeResult{Domain: p.Domain}
	when, before := at(p.At), at(p.Before)
	err := s.privacyTx(ctx, func(t pgx.Tx) (bool, error) {
		cases, err := queryIDs(ctx, t, `
			SELECT id FROM cases
			WHERE domain = $1 AND status = 'afgesloten' AND closed_at < $2 AND (purged_at IS NULL OR purged_at < updated_at)
			ORDER BY id FOR UPDATE`, p.Domain, before)
		if err != nil {
			return false, fmt.Errorf("find closed cases: %w", err)
		}
		msgs, err := queryIDs(ctx, t, `
			SELECT id FROM messages
			WHERE erased_at IS NULL AND (case_id = ANY($1) OR (case_id IS NULL AND domain = $2 AND stored_at < $3))`,
			cases, p.Domain, before)
		if err != nil {
			return false, fmt.Errorf("find messages: %w", err)
		}
		contacts, err := queryIDs(ctx, t, `
			SELECT contact_id FROM messages WHERE contact_id IS NOT NULL AND id = ANY($1)
			UNION SELECT contact_id FROM cases WHERE contact_id IS NOT NULL AND id = ANY($2)`, msgs, cases)
		if err != nil {
			return false, fmt.Errorf("find contacts: %w", err)
		}
		if err := anonymise(ctx, t, cases, msgs, when, &res); err != nil {
			return false, err
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE cases SET contact_id = NULL, purged_at = greatest($2, updated_at) WHERE id = ANY($1)`, cases, when) // a case dated ahead is not purged again at every run
		b.Queue(`UPDATE messages SET contact_id = NULL WHERE id = ANY($1)`, msgs)
		b.Queue(`
			DELETE FROM contacts WHERE id = ANY($1)
				AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = contacts.id)
				AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.contact_id = contacts.id)`, contacts).Exec(func(tag pgconn.CommandTag) error {
			res.Contacts = tag.RowsAffected()
			return nil
		})
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return false, fmt.Errorf("unlink and delete contacts: %w", err)
		}
		if p.DryRun || res.Empty() {
			return false, nil
		}
		if err := record(ctx, t, store.AccessPurge, p.Actor, "", before, when, res); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge %s closed before %s: %w", p.Domain, before.Format(time.RFC3339), err)
	}
	if !p.DryRun && !res.Empty() {
		s.catchUpSearch(ctx)
	}
	return res, nil
}

// searchCatchUpWait bounds how long erasure waits for the search index.
const searchCatchUpWait = 30 * time.Second

// catchUpSearch indexes what is queued for search (UpdateSearchIndex), so
// that the words of what an erasure or purge removed leave the search
// index before it returns, not only at the next search. The removal is
// committed already: when the index cannot catch up now, the next search
// or indexer run does, and this only logs it.
func (s *Store) catchUpSearch(ctx context.Context) {
	deadline := time.Now().Add(searchCatchUpWait)
	for {
		pending, err := s.UpdateSearchIndex(ctx, 10000)
		if err != nil {
			s.log.Warn("update the search index after removing personal data", "error", err)
			return
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.log.Warn("the search index still holds changes after removing personal data; they are indexed later", "pending", pending)
			return
		}
		// Another indexer may hold the lock: give it time.
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// anonymise removes the personal data of the messages msgs and the cases
// cases (see store.Privacy.EraseContact), counting into res.
func anonymise(ctx context.Context, t pgx.Tx, cases, msgs []int64, when time.Time, res *store.ErasureResult) error {
	if cases == nil {
		cases = []int64{}
	}
	if msgs == nil {
		msgs = []int64{}
	}
	rows, err := t.Query(ctx, `
		SELECT raw_sha256 FROM messages WHERE raw_sha256 <> '' AND id = ANY($1)
		UNION SELECT sha256 FROM attachments WHERE message_id = ANY($1)`, msgs)
	if err != nil {
		return fmt.Errorf("find blobs: %w", err)
	}
	sums, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("find blobs: %w", err)
	}
	if sums == nil {
		sums = []string{}
	}
	steps := []struct {
		what  string
		query string
		args  []any
		count *int64
	}{
		{"anonymise messages", `
			UPDATE messages SET sender_name = '', sender_email = '', sender_phone = '', sender_facebook_id = '',
				sender_address = '', subject = CASE WHEN subject = '' THEN '' ELSE $1 END,
				text = CASE WHEN text = '' THEN '' ELSE $1 END, html = '', event = ''::bytea, external_id = '',
				in_reply_to = '', refs = '[]'::jsonb, conversation_id = '', parse_error = '', raw_sha256 = '', erased_at = $2
			WHERE id = ANY($3)`, []any{store.Erased, when, msgs}, &res.Messages},
		{"delete attachments", `DELETE FROM attachments WHERE message_id = ANY($1)`, []any{msgs}, &res.Attachments},
		{"delete blobs", `
			DELETE FROM blobs WHERE sha256 = ANY($1)
				AND sha256 NOT IN (SELECT raw_sha256 FROM messages WHERE raw_sha256 = ANY($1))
				AND sha256 NOT IN (SELECT sha256 FROM attachments WHERE sha256 = ANY($1))`, []any{sums}, &res.Blobs},
		{"anonymise cases", `
			UPDATE cases SET subject = CASE WHEN subject = '' THEN '' ELSE $1 END, place = '',
				inadmissible_reason = CASE WHEN inadmissible_reason = '' THEN '' ELSE $1 END
			WHERE id = ANY($2)`, []any{store.Erased, cases}, &res.Cases},
		{"anonymise timeline", `
			UPDATE case_timeline SET detail = $1
			WHERE detail NOT IN ('', $1) AND (case_id = ANY($2) OR message_id = ANY($3))`,
			[]any{store.Erased, cases, msgs}, &res.TimelineEntries},
		{"anonymise forwards", `
			UPDATE case_forwards SET question = CASE WHEN question = '' THEN '' ELSE $1 END,
				answer = CASE WHEN answer = '' THEN '' ELSE $1 END
			WHERE case_id = ANY($2) AND (question NOT IN ('', $1) OR answer NOT IN ('', $1))`,
			[]any{store.Erased, cases}, &res.Forwards},
	}
	// In order: the blobs are deleted once no attachment refers to them.
	for _, st := range steps {
		tag, err := t.Exec(ctx, st.query, st.args...)
		if err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
		*st.count += tag.RowsAffected()
	}
	return nil
}

// scrubbed are the free texts in which erasure replaces mentions of the
// citizen: staff text on cases of the domain, and the access log (of
// every domain: a search for a name is logged in the domain searched).
func scrubbed() []struct{ table, column, domainCond string } {
	return []struct{ table, column, domainCond string }{
		{"cases", "subject", "domain = $1"},
		{"cases", "inadmissible_reason", "domain = $1"},
		{"case_timeline", "detail", "case_id IN (SELECT id FROM cases WHERE domain = $1)"},
		{"case_forwards", "question", "case_id IN (SELECT id FROM cases WHERE domain = $1)"},
		{"case_forwards", "answer", "case_id IN (SELECT id FROM cases WHERE domain = $1)"},
		{"access_log", "reason", "$1::text IS NOT NULL"},
		{"access_log", "detail", "$1::text IS NOT NULL"},
	}
}

// scrubMentions replaces the mentions in the texts of scrubbed.
func scrubMentions(ctx context.Context, t pgx.Tx, domain string, mentions []string, res *store.ErasureResult) error {
	if len(mentions) == 0 {
		return nil
	}
	for _, sc := range scrubbed() {
		rows, err := t.Query(ctx, `
			SELECT id, `+sc.column+` FROM `+sc.table+`
			WHERE `+sc.domainCond+` AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS m WHERE strpos(lower(`+sc.column+`), lower(m)) > 0)`,
			domain, mentions)
		if err != nil {
			return fmt.Errorf("find mentions in %s.%s: %w", sc.table, sc.column, err)
		}
		var (
			ids   []int64
			texts []string
			id    int64
			text  string
		)
		if _, err := pgx.ForEachRow(rows, []any{&id, &text}, func() error {
			if clean, changed := driverutil.Scrub(text, mentions); changed {
				ids, texts = append(ids, id), append(texts, clean)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("find mentions in %s.%s: %w", sc.table, sc.column, err)
		}
		if len(ids) == 0 {
			continue
		}
		tag, err := t.Exec(ctx, `
			UPDATE `+sc.table+` AS t SET `+sc.column+` = u.text
			FROM unnest($1::bigint[], $2::text[]) AS u(id, text) WHERE t.id = u.id`, ids, texts)
		if err != nil {
			return fmt.Errorf("scrub %s.%s: %w", sc.table, sc.column, err)
		}
		res.Mentions += tag.RowsAffected()
	}
	return nil
}

// deleteQuarantined deletes the quarantined events that hold a mention or
// one of the event ids, and counts them.
func deleteQuarantined(ctx context.Context, t pgx.Tx, mentions []string, eventIDs map[string]bool) (int64, error) {
	rows, err := t.Query(ctx, `SELECT id, event_id, payload FROM quarantine`)
	if err != nil {
		return 0, fmt.Errorf("find quarantined events: %w", err)
	}
	var (
		ids     []int64
		id      int64
		eventID string
		payload []byte
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &eventID, &payload}, func() error {
		if driverutil.PayloadMentioned(payload, eventID, mentions, eventIDs) {
			ids = append(ids, id)
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("find quarantined events: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := t.Exec(ctx, `DELETE FROM quarantine WHERE id = ANY($1)`, ids)
	if err != nil {
		return 0, fmt.Errorf("delete quarantined events: %w", err)
	}
	return tag.RowsAffected(), nil
}

// record writes an erasure or purge to the erasures table and the access
// log.
func record(ctx context.Context, t pgx.Tx, kind, actor, reason string, cutoff, when time.Time, res store.ErasureResult) error {
	if actor == "" {
		actor = "registry"
	}
	var cutoffArg any
	if !cutoff.IsZero() {
		cutoffArg = cutoff
	}
	if _, err := t.Exec(ctx, `
		INSERT INTO erasures (kind, at, actor, reason, domain, contact_id, cutoff, messages, cases, attachments, blobs,
			timeline_entries, forwards, mentions, quarantined, contacts)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		kind, when, driverutil.Clean(actor), reason, res.Domain, nullID(res.ContactID), cutoffArg,
		res.Messages, res.Cases, res.Attachments, res.Blobs, res.TimelineEntries, res.Forwards, res.Mentions,
		res.Quarantined, res.Contacts); err != nil {
		return fmt.Errorf("record %s: %w", kind, err)
	}
	detail := res.Summary()
	if !cutoff.IsZero() {
		detail = "afgesloten voor " + cutoff.UTC().Format(time.DateOnly) + ": " + detail
	}
	if err := logAccess(ctx, t, []store.AccessEntry{{At: when, Actor: actor, Action: kind, ContactID: res.ContactID,
		Domain: res.Domain, Reason: reason, Detail: detail}}); err != nil {
		return fmt.Errorf("record %s in the access log: %w", kind, err)
	}
	return nil
}
