package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// Lists of ids and sums go into SQL as one JSON array parameter:
// `IN (SELECT value FROM json_each(?))`.
const inList = ` IN (SELECT value FROM json_each(?))`

// jsonArray is l as a JSON array, never null.
func jsonArray[T any](l []T) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // ids and strings always marshal
	return string(b)
}

func (s *Store) LogAccess(ctx context.Context, es []store.AccessEntry) error {
	if len(es) == 0 {
		return nil
	}
	for i, e := range es {
		if e.Actor == "" || e.Action == "" {
			return fmt.Errorf("log access: entry %d without actor or action", i)
		}
	}
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("log access: begin: %w", err)
	}
	defer t.Rollback() //nolint:errcheck // no-op after commit
	if err := logAccess(ctx, t, es); err != nil {
		return fmt.Errorf("log access: %w", err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("log access: commit: %w", err)
	}
	return nil
}

func logAccess(ctx context.Context, q querier, es []store.AccessEntry) error {
	for _, e := range es {
		if _, err := q.ExecContext(ctx, `
			INSERT INTO access_log (at, actor, action, case_ref, contact_id, domain, reason, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			formatTime(at(e.At)), driverutil.Clean(e.Actor), driverutil.Clean(e.Action), driverutil.Clean(e.CaseRef),
			nullID(e.ContactID), driverutil.Clean(e.Domain), driverutil.Clean(e.Reason), driverutil.Clean(e.Detail)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) ListAccess(ctx context.Context, f store.AccessFilter) ([]store.AccessEntry, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.CaseRef != "" {
		add("case_ref = ?", f.CaseRef)
	}
	if f.ContactID != 0 {
		add("contact_id = ?", f.ContactID)
	}
	if !f.From.IsZero() {
		add("at >= ?", formatTime(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", formatTime(f.To))
	}
	if len(f.Domains) > 0 {
		add("(domain = '' OR domain"+inList+")", jsonArray(f.Domains))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT id, at, actor, action, case_ref, contact_id, domain, reason, detail FROM access_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list access log: %w", err)
	}
	defer rows.Close()
	var out []store.AccessEntry
	for rows.Next() {
		var e store.AccessEntry
		if err := rows.Scan(&e.ID, timeColumn{&e.At}, &e.Actor, &e.Action, &e.CaseRef, nullIDColumn{&e.ContactID},
			&e.Domain, &e.Reason, &e.Detail); err != nil {
			return nil, fmt.Errorf("list access log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list access log: %w", err)
	}
	return out, nil
}

// getContact reads one contact; ErrNotFound when there is none.
func getContact(ctx context.Context, q querier, contactID int64) (store.ContactRecord, error) {
	var c store.ContactRecord
	err := q.QueryRowContext(ctx, `
		SELECT id, domain, name, email, phone, facebook_id, address, created_at, updated_at FROM contacts WHERE id = ?`,
		contactID).Scan(&c.ID, &c.Domain, &c.Name, &c.Email, &c.Phone, &c.FacebookID, &c.Address,
		timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNotFound("contact %d", contactID)
	}
	if err != nil {
		return c, fmt.Errorf("read contact %d: %w", contactID, err)
	}
	return c, nil
}

// contactMessagesWhere selects the messages of contact ? (twice): its own,
// and those without a contact in its cases (replies of staff, automatic
// mail), unless erased (another contact's erased message stays in the
// case without a contact).
const contactMessagesWhere = `contact_id = ? OR (contact_id IS NULL AND erased_at IS NULL AND case_id IN (SELECT id FROM cases WHERE contact_id = ?))`

func (s *Store) ExportContact(ctx context.Context, contactID int64) (store.ContactExport, error) {
	var out store.ContactExport
	err := s.readTx(ctx, func(q *sql.Tx) error {
		var err error
		if out.Contact, err = getContact(ctx, q, contactID); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.contact_id = ? ORDER BY c.id`, contactID)
		if err != nil {
			return fmt.Errorf("export contact %d: cases: %w", contactID, err)
		}
		for rows.Next() {
			c, err := scanCase(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("export contact %d: cases: %w", contactID, err)
			}
			out.Cases = append(out.Cases, store.CaseDetail{Case: c})
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("export contact %d: cases: %w", contactID, err)
		}
		rows.Close()
		for i := range out.Cases {
			d := &out.Cases[i]
			if d.Timeline, err = caseTimeline(ctx, q, d.ID); err != nil {
				return fmt.Errorf("export contact %d: %w", contactID, err)
			}
			if err := caseExtras(ctx, q, d); err != nil {
				return fmt.Errorf("export contact %d: %w", contactID, err)
			}
		}
		out.Messages, err = listMessages(ctx, q, `(`+contactMessagesWhere+`)`, contactID, contactID)
		if err != nil {
			return fmt.Errorf("export contact %d: %w", contactID, err)
		}
		return nil
	})
	return out, err
}

// caseTimeline returns a case's timeline, oldest first.
func caseTimeline(ctx context.Context, q querier, caseID int64) ([]store.TimelineEntry, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT id, at, kind, actor, message_id, detail FROM case_timeline WHERE case_id = ? ORDER BY at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("timeline of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []store.TimelineEntry
	for rows.Next() {
		var e store.TimelineEntry
		if err := rows.Scan(&e.ID, timeColumn{&e.At}, &e.Kind, &e.Actor, nullIDColumn{&e.MessageID}, &e.Detail); err != nil {
			return nil, fmt.Errorf("timeline of case %d: %w", caseID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("timeline of case %d: %w", caseID, err)
	}
	return out, nil
}

// listMessages returns the messages matching where (with args), oldest
// first, with their attachments.
func listMessages(ctx context.Context, q querier, where string, args ...any) ([]store.Message, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+where+` ORDER BY event_time, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var (
		msgs []store.Message
		ids  []int64
	)
	index := map[int64]int{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		index[m.ID] = len(msgs)
		msgs = append(msgs, m)
		ids = append(ids, m.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	rows.Close()
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = q.QueryContext(ctx, `
		SELECT message_id, name, content_type, size, sha256 FROM attachments
		WHERE message_id`+inList+` ORDER BY message_id, position`, jsonArray(ids))
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			msgID int64
			a     store.Attachment
		)
		if err := rows.Scan(&msgID, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		msgs[index[msgID]].Attachments = append(msgs[index[msgID]].Attachments, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	return msgs, nil
}

// queryIDs runs a query that returns one integer column.
func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// privacyTx runs f in a write transaction with secure_delete on, so that
// what f deletes or overwrites is zeroed in the database file too, not
// just unlinked. It commits unless f fails or keep is false, and then
// checkpoints the write-ahead log into the database file and truncates it,
// so the old versions of the pages leave the log too.
func (s *Store) privacyTx(ctx context.Context, f func(t *sql.Tx) (keep bool, err error)) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("secure delete: %w", err)
	}
	defer func() {
		// The setting belongs to the connection, which others use next.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`); err != nil {
			s.log.Warn("turn secure_delete off again", "error", err)
		}
	}()
	t, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer t.Rollback() //nolint:errcheck // no-op after commit
	keep, err := f(t)
	if err != nil || !keep {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// A reader still on an old snapshot keeps the log; the next
	// checkpoint (SQLite's automatic one) then does it.
	var busy, frames, done int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil || busy != 0 {
		s.log.Warn("checkpoint the write-ahead log after removing personal data", "busy", busy, "error", err)
	}
	return nil
}

func (s *Store) EraseContact(ctx context.Context, e store.Erasure) (store.ErasureResult, error) {
	var res store.ErasureResult
	when := at(e.At)
	err := s.privacyTx(ctx, func(t *sql.Tx) (bool, error) {
		c, err := getContact(ctx, t, e.ContactID)
		if err != nil {
			return false, err
		}
		if len(e.Domains) > 0 && !slices.Contains(e.Domains, c.Domain) {
			return false, errNotFound("contact %d", e.ContactID)
		}
		res = store.ErasureResult{ContactID: c.ID, Domain: c.Domain}
		cases, err := queryIDs(ctx, t, `SELECT id FROM cases WHERE contact_id = ?`, c.ID)
		if err != nil {
			return false, fmt.Errorf("find cases: %w", err)
		}
		// Everything the contact is known by, also as the sender of each
		// of its messages, is looked for in the texts erasure does not
		// remove wholesale.
		known := []store.Contact{c.Contact}
		eventIDs := map[string]bool{}
		var msgs []int64
		rows, err := t.QueryContext(ctx, `
			SELECT id, event_id, sender_name, sender_email, sender_phone, sender_facebook_id, sender_address
			FROM messages WHERE `+contactMessagesWhere, c.ID, c.ID)
		if err != nil {
			return false, fmt.Errorf("find messages: %w", err)
		}
		for rows.Next() {
			var (
				id      int64
				eventID string
				p       store.Contact
			)
			if err := rows.Scan(&id, &eventID, &p.Name, &p.Email, &p.Phone, &p.FacebookID, &p.Address); err != nil {
				rows.Close()
				return false, fmt.Errorf("find messages: %w", err)
			}
			msgs, eventIDs[eventID] = append(msgs, id), true
			known = append(known, p)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
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
		for _, q := range []string{`UPDATE cases SET contact_id = NULL WHERE contact_id = ?`,
			`UPDATE messages SET contact_id = NULL WHERE contact_id = ?`, `DELETE FROM contacts WHERE id = ?`} {
			if _, err := t.ExecContext(ctx, q, c.ID); err != nil {
				return false, fmt.Errorf("delete contact: %w", err)
			}
		}
		res.Contacts = 1
		if err := optimizeFullText(ctx, t); err != nil {
			return false, err
		}
		reason, _ := driverutil.Scrub(driverutil.Clean(e.Reason), mentions)
		if err := record(ctx, t, store.AccessErase, e.Actor, reason, time.Time{}, when, res); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return store.ErasureResult{}, fmt.Errorf("erase contact %d: %w", e.ContactID, err)
	}
	return res, nil
}

func (s *Store) PurgeClosedBefore(ctx context.Context, p store.Purge) (store.PurgeResult, error) {
	res := store.PurgeResult{Domain: p.Domain}
	when, before := at(p.At), formatTime(p.Before)
	err := s.privacyTx(ctx, func(t *sql.Tx) (bool, error) {
		cases, err := queryIDs(ctx, t, `
			SELECT id FROM cases
			WHERE domain = ? AND status = 'afgesloten' AND closed_at < ? AND (purged_at IS NULL OR purged_at < updated_at)`, p.Domain, before)
		if err != nil {
			return false, fmt.Errorf("find closed cases: %w", err)
		}
		msgs, err := queryIDs(ctx, t, `
			SELECT id FROM messages
			WHERE erased_at IS NULL AND (case_id`+inList+` OR (case_id IS NULL AND domain = ? AND stored_at < ?))`,
			jsonArray(cases), p.Domain, before)
		if err != nil {
			return false, fmt.Errorf("find messages: %w", err)
		}
		contacts, err := queryIDs(ctx, t, `
			SELECT contact_id FROM messages WHERE contact_id IS NOT NULL AND id`+inList+`
			UNION SELECT contact_id FROM cases WHERE contact_id IS NOT NULL AND id`+inList,
			jsonArray(msgs), jsonArray(cases))
		if err != nil {
			return false, fmt.Errorf("find contacts: %w", err)
		}
		if err := anonymise(ctx, t, cases, msgs, when, &res); err != nil {
			return false, err
		}
		if _, err := t.ExecContext(ctx, `UPDATE cases SET contact_id = NULL, purged_at = max(?, updated_at) WHERE id`+inList,
			formatTime(when), jsonArray(cases)); err != nil {
			return false, fmt.Errorf("mark cases purged: %w", err)
		}
		if _, err := t.ExecContext(ctx, `UPDATE messages SET contact_id = NULL WHERE id`+inList, jsonArray(msgs)); err != nil {
			return false, fmt.Errorf("unlink contacts: %w", err)
		}
		r, err := t.ExecContext(ctx, `
			DELETE FROM contacts WHERE id`+inList+`
				AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = contacts.id)
				AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.contact_id = contacts.id)`, jsonArray(contacts))
		if err != nil {
			return false, fmt.Errorf("delete contacts: %w", err)
		}
		res.Contacts, _ = r.RowsAffected()
		if p.DryRun || res.Empty() {
			return false, nil
		}
		if err := optimizeFullText(ctx, t); err != nil {
			return false, err
		}
		if err := record(ctx, t, store.AccessPurge, p.Actor, "", p.Before, when, res); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge %s closed before %s: %w", p.Domain, before, err)
	}
	return res, nil
}

// anonymise removes the personal data of the messages msgs and the cases
// cases (see store.Privacy.EraseContact), counting into res.
func anonymise(ctx context.Context, t *sql.Tx, cases, msgs []int64, when time.Time, res *store.ErasureResult) error {
	caseList, msgList := jsonArray(cases), jsonArray(msgs)
	var sums []string
	rows, err := t.QueryContext(ctx, `
		SELECT raw_sha256 FROM messages WHERE raw_sha256 <> '' AND id`+inList+`
		UNION SELECT sha256 FROM attachments WHERE message_id`+inList, msgList, msgList)
	if err != nil {
		return fmt.Errorf("find blobs: %w", err)
	}
	for rows.Next() {
		var sum string
		if err := rows.Scan(&sum); err != nil {
			rows.Close()
			return fmt.Errorf("find blobs: %w", err)
		}
		sums = append(sums, sum)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("find blobs: %w", err)
	}
	sumList := jsonArray(sums)
	steps := []struct {
		what  string
		query string
		args  []any
		count *int64
	}{
		{"anonymise messages", `
			UPDATE messages SET sender_name = '', sender_email = '', sender_phone = '', sender_facebook_id = '',
				sender_address = '', subject = CASE WHEN subject = '' THEN '' ELSE ?1 END,
				text = CASE WHEN text = '' THEN '' ELSE ?1 END, html = '', event = x'', external_id = '',
				in_reply_to = '', refs = '[]', conversation_id = '', parse_error = '', raw_sha256 = '', erased_at = ?2
			WHERE id IN (SELECT value FROM json_each(?3))`,
			[]any{store.Erased, formatTime(when), msgList}, &res.Messages},
		{"delete attachments", `DELETE FROM attachments WHERE message_id` + inList, []any{msgList}, &res.Attachments},
		// One scan of messages for all sums, not one per blob: raw_sha256
		// has no index.
		{"delete blobs", `
			DELETE FROM blobs WHERE sha256 IN (SELECT value FROM json_each(?1))
				AND sha256 NOT IN (SELECT raw_sha256 FROM messages WHERE raw_sha256 IN (SELECT value FROM json_each(?1)))
				AND sha256 NOT IN (SELECT sha256 FROM attachments WHERE sha256 IN (SELECT value FROM json_each(?1)))`,
			[]any{sumList}, &res.Blobs},
		{"anonymise cases", `
			UPDATE cases SET subject = CASE WHEN subject = '' THEN '' ELSE ?1 END, place = '',
				inadmissible_reason = CASE WHEN inadmissible_reason = '' THEN '' ELSE ?1 END
			WHERE id IN (SELECT value FROM json_each(?2))`, []any{store.Erased, caseList}, &res.Cases},
		{"anonymise timeline", `
			UPDATE case_timeline SET detail = ?1
			WHERE detail NOT IN ('', ?1) AND (case_id IN (SELECT value FROM json_each(?2))
				OR message_id IN (SELECT value FROM json_each(?3)))`,
			[]any{store.Erased, caseList, msgList}, &res.TimelineEntries},
		{"anonymise forwards", `
			UPDATE case_forwards SET question = CASE WHEN question = '' THEN '' ELSE ?1 END,
				answer = CASE WHEN answer = '' THEN '' ELSE ?1 END
			WHERE case_id IN (SELECT value FROM json_each(?2)) AND (question NOT IN ('', ?1) OR answer NOT IN ('', ?1))`,
			[]any{store.Erased, caseList}, &res.Forwards},
	}
	for _, st := range steps {
		r, err := t.ExecContext(ctx, st.query, st.args...)
		if err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
		*st.count += n
	}
	return nil
}

// scrubbed are the free texts in which erasure replaces mentions of the
// citizen: staff text on cases of the domain, and the access log (of
// every domain: a search for a name is logged in the domain searched).
func scrubbed() []struct{ table, column, domainJoin string } {
	return []struct{ table, column, domainJoin string }{
		{"cases", "subject", "domain = ?"},
		{"cases", "inadmissible_reason", "domain = ?"},
		{"case_timeline", "detail", "case_id IN (SELECT id FROM cases WHERE domain = ?)"},
		{"case_forwards", "question", "case_id IN (SELECT id FROM cases WHERE domain = ?)"},
		{"case_forwards", "answer", "case_id IN (SELECT id FROM cases WHERE domain = ?)"},
		{"access_log", "reason", ""},
		{"access_log", "detail", ""},
	}
}

// scrubMentions replaces the mentions in the texts of scrubbed.
func scrubMentions(ctx context.Context, t *sql.Tx, domain string, mentions []string, res *store.ErasureResult) error {
	if len(mentions) == 0 {
		return nil
	}
	for _, sc := range scrubbed() {
		var (
			conds []string
			args  []any
		)
		for _, m := range mentions {
			conds = append(conds, `instr(lower(`+sc.column+`), lower(?)) > 0`)
			args = append(args, m)
		}
		q := `SELECT id, ` + sc.column + ` FROM ` + sc.table + ` WHERE (` + strings.Join(conds, " OR ") + `)`
		if sc.domainJoin != "" {
			q += ` AND ` + sc.domainJoin
			args = append(args, domain)
		}
		type hit struct {
			id   int64
			text string
		}
		var hits []hit
		rows, err := t.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("find mentions in %s.%s: %w", sc.table, sc.column, err)
		}
		for rows.Next() {
			var h hit
			if err := rows.Scan(&h.id, &h.text); err != nil {
				rows.Close()
				return fmt.Errorf("find mentions in %s.%s: %w", sc.table, sc.column, err)
			}
			hits = append(hits, h)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("find mentions in %s.%s: %w", sc.table, sc.column, err)
		}
		for _, h := range hits {
			text, changed := driverutil.Scrub(h.text, mentions)
			if !changed {
				continue
			}
			if _, err := t.ExecContext(ctx, `UPDATE `+sc.table+` SET `+sc.column+` = ? WHERE id = ?`, text, h.id); err != nil {
				return fmt.Errorf("scrub %s.%s: %w", sc.table, sc.column, err)
			}
			res.Mentions++
		}
	}
	return nil
}

// deleteQuarantined deletes the quarantined events that hold a mention or
// one of the event ids, and counts them.
func deleteQuarantined(ctx context.Context, t *sql.Tx, mentions []string, eventIDs map[string]bool) (int64, error) {
	rows, err := t.QueryContext(ctx, `SELECT id, event_id, payload FROM quarantine`)
	if err != nil {
		return 0, fmt.Errorf("find quarantined events: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var (
			id      int64
			eventID string
			payload []byte
		)
		if err := rows.Scan(&id, &eventID, &payload); err != nil {
			rows.Close()
			return 0, fmt.Errorf("find quarantined events: %w", err)
		}
		if driverutil.PayloadMentioned(payload, eventID, mentions, eventIDs) {
			ids = append(ids, id)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("find quarantined events: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	r, err := t.ExecContext(ctx, `DELETE FROM quarantine WHERE id`+inList, jsonArray(ids))
	if err != nil {
		return 0, fmt.Errorf("delete quarantined events: %w", err)
	}
	return r.RowsAffected()
}

// optimizeFullText merges every full-text index (FTS3, 4 and 5 tables,
// whoever made them) into one segment. Their triggers deleted the erased
// text from the index, but FTS keeps a deleted term in its old segment,
// next to a delete marker, until the segments are merged.
func optimizeFullText(ctx context.Context, t *sql.Tx) error {
	rows, err := t.QueryContext(ctx, `
		SELECT name FROM sqlite_master
		WHERE type = 'table' AND lower(sql) LIKE 'create virtual table%' AND (lower(sql) LIKE '%using fts5%'
			OR lower(sql) LIKE '%using fts4%' OR lower(sql) LIKE '%using fts3%')`)
	if err != nil {
		return fmt.Errorf("find full-text indexes: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("find full-text indexes: %w", err)
		}
		names = append(names, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("find full-text indexes: %w", err)
	}
	for _, n := range names {
		id := `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
		if _, err := t.ExecContext(ctx, `INSERT INTO `+id+`(`+id+`) VALUES ('optimize')`); err != nil {
			return fmt.Errorf("optimize full-text index %s: %w", n, err)
		}
	}
	return nil
}

// record writes an erasure or purge to the erasures table and the access
// log.
func record(ctx context.Context, t *sql.Tx, kind, actor, reason string, cutoff, when time.Time, res store.ErasureResult) error {
	var cutoffArg any
	if !cutoff.IsZero() {
		cutoffArg = formatTime(cutoff)
	}
	if actor == "" {
		actor = "registry"
	}
	if _, err := t.ExecContext(ctx, `
		INSERT INTO erasures (kind, at, actor, reason, domain, contact_id, cutoff, messages, cases, attachments, blobs,
			timeline_entries, forwards, mentions, quarantined, contacts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		kind, formatTime(when), driverutil.Clean(actor), reason, res.Domain, nullID(res.ContactID), cutoffArg,
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
