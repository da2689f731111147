package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) CreateCases(ctx context.Context, cs []store.NewCase) ([]store.CaseRef, error) {
	for i, c := range cs {
		if err := driverutil.CheckNewCase(c); err != nil {
			return nil, fmt.Errorf("create cases: case %d: %w", i, err)
		}
	}
	// The transaction holds the database's write lock (BEGIN IMMEDIATE), so
	// no other writer can take a number until it ends; a rollback gives the
	// numbers back.
	nums := make([]int64, len(cs))
	err := t.each(ctx, `
		INSERT INTO case_counters (prefix, year, last) VALUES (?, ?, 1)
		ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1
		RETURNING last`, len(cs), func(s *sql.Stmt, i int) error {
		return s.QueryRowContext(ctx, cs[i].Prefix, cs[i].Year).Scan(&nums[i])
	})
	if err != nil {
		return nil, fmt.Errorf("create cases: next numbers: %w", err)
	}
	made := make([]store.CaseRef, len(cs))
	err = t.each(ctx, `
		INSERT INTO cases (ref, domain, type, subject, channel, contact_id, opened_at, updated_at,
			department, priority, ack_due, answer_due, place, category, related_case_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`, len(cs), func(s *sql.Stmt, i int) error {
		c := cs[i]
		made[i].Ref = driverutil.FormatRef(c.Prefix, c.Year, nums[i])
		opened := formatTime(at(c.OpenedAt))
		if err := s.QueryRowContext(ctx, made[i].Ref, driverutil.Clean(c.Domain), driverutil.Clean(c.Type),
			driverutil.Clean(c.Subject), driverutil.Clean(c.Channel), nullID(c.ContactID), opened, opened,
			driverutil.Clean(c.Department), driverutil.Clean(c.Priority), nullTime(c.AckDue), nullTime(c.AnswerDue),
			driverutil.Clean(c.Place), driverutil.Clean(c.Category), nullID(c.RelatedCaseID),
		).Scan(&made[i].ID); err != nil {
			return fmt.Errorf("case %s: %w", made[i].Ref, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create cases: %w", err)
	}
	return made, nil
}

func (t *tx) FindCasesByRef(ctx context.Context, keys []store.DomainKey) (map[store.DomainKey]int64, error) {
	found := make(map[store.DomainKey]int64, len(keys))
	// A merged case resolves to the case it ended up in; a chain of merges
	// is short, the depth bound only guards against a cycle.
	err := t.each(ctx, `
		WITH RECURSIVE chain (id, merged_into, depth) AS (
			SELECT id, merged_into, 0 FROM cases WHERE ref = ? AND domain = ?
			UNION ALL
			SELECT c.id, c.merged_into, chain.depth + 1 FROM cases c JOIN chain ON c.id = chain.merged_into WHERE chain.depth < 16)
		SELECT id FROM chain ORDER BY depth DESC LIMIT 1`, len(keys), func(s *sql.Stmt, i int) error {
		k := keys[i]
		var caseID int64
		err := s.QueryRowContext(ctx, driverutil.Clean(k.Value), driverutil.Clean(k.Domain)).Scan(&caseID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		found[k] = caseID
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find cases by reference: %w", err)
	}
	return found, nil
}

// caseColumns are the columns scanCase reads, in order; c is the cases table.
const caseColumns = `c.id, c.ref, c.domain, c.type, c.status, c.department, c.priority, c.assignee, c.subject,
	c.channel, c.contact_id, c.opened_at, c.updated_at, c.ack_due, c.answer_due, c.closed_at,
	(SELECT count(*) FROM messages m WHERE m.case_id = c.id), c.repeat_count, c.related_case_id,
	c.answered_at, c.admissible, c.inadmissible_reason, c.merged_into, c.suggestion`

func scanCase(row interface{ Scan(...any) error }) (store.Case, error) {
	var c store.Case
	err := row.Scan(caseDest(&c)...)
	return c, err
}

// caseDest are the scan destinations of caseColumns.
func caseDest(c *store.Case) []any {
	return []any{&c.ID, &c.Ref, &c.Domain, &c.Type, &c.Status, &c.Department, &c.Priority, &c.Assignee, &c.Subject,
		&c.Channel, nullIDColumn{&c.ContactID}, timeColumn{&c.OpenedAt}, timeColumn{&c.UpdatedAt},
		nullTimeColumn{&c.AckDue}, nullTimeColumn{&c.AnswerDue}, nullTimeColumn{&c.ClosedAt}, &c.MessageCount, &c.RepeatCount,
		nullIDColumn{&c.RelatedCaseID}, nullTimeColumn{&c.AnsweredAt}, nullBoolColumn{&c.Admissible}, &c.InadmissibleReason,
		nullIDColumn{&c.MergedInto}, &c.Suggestion}
}

func (s *Store) ListCases(ctx context.Context, f store.CaseFilter) ([]store.Case, error) {
	var (
		where []string
		args  []any
	)
	if len(f.Domains) > 0 {
		where = append(where, "c.domain IN (?"+strings.Repeat(", ?", len(f.Domains)-1)+")")
		for _, d := range f.Domains {
			args = append(args, d)
		}
	}
	if f.Status != "" {
		where = append(where, "c.status = ?")
		args = append(args, f.Status)
	}
	if f.BeforeID > 0 {
		where = append(where, "c.id < ?")
		args = append(args, f.BeforeID)
	}
	if f.Department != "" {
		where = append(where, "c.department = ?")
		args = append(args, f.Department)
	}
	if f.Open {
		where = append(where, openCase)
	}
	if f.AnswerDueBefore != nil {
		where = append(where, "c.answer_due < ?")
		args = append(args, formatTime(*f.AnswerDueBefore))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + caseColumns + ` FROM cases c`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY c.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var cases []store.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		cases = append(cases, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return cases, nil
}

func (s *Store) GetCase(ctx context.Context, ref string) (store.CaseDetail, error) {
	var d store.CaseDetail
	err := s.readTx(ctx, func(q *sql.Tx) error {
		var err error
		d.Case, err = scanCase(q.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.ref = ?`, ref))
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("case %s", ref)
		}
		if err != nil {
			return fmt.Errorf("get case %s: %w", ref, err)
		}
		if d.Messages, err = caseMessages(ctx, q, d.ID); err != nil {
			return err
		}
		d.MessageCount = len(d.Messages)
		rows, err := q.QueryContext(ctx, `
			SELECT id, at, kind, actor, message_id, detail FROM case_timeline
			WHERE case_id = ? ORDER BY at, id`, d.ID)
		if err != nil {
			return fmt.Errorf("get timeline of case %s: %w", ref, err)
		}
		defer rows.Close()
		for rows.Next() {
			var e store.TimelineEntry
			if err := rows.Scan(&e.ID, timeColumn{&e.At}, &e.Kind, &e.Actor, nullIDColumn{&e.MessageID}, &e.Detail); err != nil {
				return fmt.Errorf("get timeline of case %s: %w", ref, err)
			}
			d.Timeline = append(d.Timeline, e)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("get timeline of case %s: %w", ref, err)
		}
		return caseExtras(ctx, q, &d)
	})
	return d, err
}

// openCase is the condition of a case that still needs an answer.
const openCase = "c.status NOT IN ('beantwoord', 'afgesloten', 'samengevoegd')"

func (s *Store) CountDeadlines(ctx context.Context, now, soon time.Time) (store.Deadlines, error) {
	var d store.Deadlines
	err := s.read.QueryRowContext(ctx, `
		SELECT coalesce(sum(c.answer_due < ?), 0), coalesce(sum(c.answer_due >= ? AND c.answer_due < ?), 0)
		FROM cases c WHERE c.answer_due IS NOT NULL AND `+openCase,
		formatTime(now), formatTime(now), formatTime(soon)).Scan(&d.Overdue, &d.DueSoon)
	if err != nil {
		return d, fmt.Errorf("count deadlines: %w", err)
	}
	return d, nil
}

func (t *tx) FindRepeatCandidates(ctx context.Context, qs []store.RepeatQuery) ([][]store.RepeatCandidate, error) {
	out := make([][]store.RepeatCandidate, len(qs))
	// A case is compared with what was written in it: its last ten
	// messages that are not automatic, the town's answers included (they
	// name the topic too).
	err := t.each(ctx, `
		SELECT c.id, coalesce((SELECT subject FROM messages m WHERE m.case_id = c.id ORDER BY m.id LIMIT 1), ''),
			coalesce(nullif((SELECT group_concat(subject || char(10) || text, char(10)) FROM (
				SELECT subject, text FROM messages m WHERE m.case_id = c.id AND m.auto_submitted = ''
				ORDER BY m.id DESC LIMIT 10)), ''),
				(SELECT text FROM messages m WHERE m.case_id = c.id ORDER BY m.id LIMIT 1), '')
		FROM cases c
		WHERE c.domain = ? AND c.updated_at >= ? AND `+openCase+`
			AND c.contact_id IN (
				SELECT id FROM contacts WHERE id = ?
				UNION
				SELECT id FROM contacts WHERE ? <> '' AND domain = ? AND name_key = ?
				UNION
				SELECT id FROM contacts WHERE ? <> '' AND domain = ? AND name_key = '' AND lower(name) = lower(?))
		ORDER BY c.updated_at DESC
		LIMIT 5`, len(qs), func(s *sql.Stmt, i int) error {
		q := qs[i]
		d, name := driverutil.Clean(q.Domain), driverutil.Clean(q.Name)
		key := store.NameKey(name)
		rows, err := s.QueryContext(ctx, d, formatTime(q.Since), q.ContactID, key, d, key, key, d, name)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var rc store.RepeatCandidate
			if err := rows.Scan(&rc.CaseID, &rc.Subject, &rc.Text); err != nil {
				return err
			}
			out[i] = append(out[i], rc)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("find repeat candidates: %w", err)
	}
	return out, nil
}

func (t *tx) MarkRepeats(ctx context.Context, rs []store.Repeat) error {
	err := t.each(ctx, `UPDATE cases SET repeat_count = repeat_count + 1 WHERE id = ?`, len(rs), func(s *sql.Stmt, i int) error {
		_, err := s.ExecContext(ctx, rs[i].CaseID)
		return err
	})
	if err == nil {
		err = t.each(ctx, `INSERT INTO case_timeline (case_id, at, kind, detail) VALUES (?, ?, 'repeat', ?)`, len(rs), func(s *sql.Stmt, i int) error {
			_, err := s.ExecContext(ctx, rs[i].CaseID, formatTime(at(rs[i].At)), driverutil.Clean(rs[i].Detail))
			return err
		})
	}
	if err == nil {
		err = t.each(ctx, `UPDATE cases SET suggestion = 'klacht' WHERE id = ? AND type <> 'klacht' AND suggestion = '' AND opened_at <= ?
			RETURNING id`, len(rs), func(s *sql.Stmt, i int) error {
			r := rs[i]
			var id int64
			err := s.QueryRowContext(ctx, r.CaseID, formatTime(driverutil.SuggestOpenedBefore(r))).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = t.tx.ExecContext(ctx, `INSERT INTO case_timeline (case_id, at, kind, detail) VALUES (?, ?, 'suggestion', ?)`,
				r.CaseID, formatTime(at(r.At)), driverutil.SuggestComplaintDetail)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("mark repeats: %w", err)
	}
	return nil
}

func (t *tx) CaseStatuses(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	err := t.each(ctx, `SELECT status FROM cases WHERE id = ?`, len(ids), func(s *sql.Stmt, i int) error {
		var status string
		err := s.QueryRowContext(ctx, ids[i]).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		out[ids[i]] = status
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("case statuses: %w", err)
	}
	return out, nil
}

func (t *tx) SetStatuses(ctx context.Context, cs []store.StatusChange) error {
	for _, c := range cs {
		switch c.Status {
		case store.StatusNew, store.StatusInProgress, store.StatusWaiting, store.StatusAnswered, store.StatusClosed:
		default:
			return fmt.Errorf("set status of case %d: unknown status %q", c.CaseID, c.Status)
		}
		var old string
		if err := t.tx.QueryRowContext(ctx, `SELECT status FROM cases WHERE id = ?`, c.CaseID).Scan(&old); err != nil {
			return fmt.Errorf("set status of case %d: %w", c.CaseID, err)
		}
		when := formatTime(at(c.At))
		var closed any
		if c.Status == store.StatusClosed {
			closed = when
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET status = ?, updated_at = max(updated_at, ?), closed_at = ?,
			answered_at = CASE WHEN ? IN ('beantwoord', 'afgesloten') THEN coalesce(answered_at, ?) ELSE answered_at END WHERE id = ?`,
			c.Status, when, closed, c.Status, when, c.CaseID); err != nil {
			return fmt.Errorf("set status of case %d: %w", c.CaseID, err)
		}
		detail := old + " → " + c.Status
		if c.Detail != "" {
			detail += ": " + driverutil.Clean(c.Detail)
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO case_timeline (case_id, at, kind, actor, detail) VALUES (?, ?, 'status', ?, ?)`,
			c.CaseID, when, driverutil.Clean(c.Actor), detail); err != nil {
			return fmt.Errorf("set status of case %d: %w", c.CaseID, err)
		}
	}
	return nil
}

func (t *tx) FindRelatedCases(ctx context.Context, qs []store.RelatedQuery) ([]int64, error) {
	out := make([]int64, len(qs))
	err := t.each(ctx, `
		SELECT c.id FROM cases c
		WHERE c.domain = ? AND c.category = ? AND c.place = ? AND c.opened_at >= ? AND `+openCase+`
			AND coalesce(c.contact_id, 0) <> ?
		ORDER BY c.opened_at DESC
		LIMIT 1`, len(qs), func(s *sql.Stmt, i int) error {
		q := qs[i]
		if q.Place == "" || q.Category == "" {
			return nil
		}
		err := s.QueryRowContext(ctx, driverutil.Clean(q.Domain), driverutil.Clean(q.Category), driverutil.Clean(q.Place),
			formatTime(q.Since), q.ContactID).Scan(&out[i])
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find related cases: %w", err)
	}
	return out, nil
}

func (s *Store) ListUntouched(ctx context.Context, since time.Time) ([]store.UntouchedCase, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT `+caseColumns+`,
			coalesce((SELECT inbox FROM messages m WHERE m.case_id = c.id ORDER BY m.id LIMIT 1), ''),
			coalesce((SELECT sender_email FROM messages m WHERE m.case_id = c.id ORDER BY m.id LIMIT 1), ''),
			coalesce((SELECT subject FROM messages m WHERE m.case_id = c.id ORDER BY m.id LIMIT 1), ''),
			coalesce((SELECT text FROM messages m WHERE m.case_id = c.id ORDER BY m.id LIMIT 1), '')
		FROM cases c
		WHERE c.opened_at >= ? AND `+openCase+` AND c.assignee = ''
			AND NOT EXISTS (SELECT 1 FROM case_timeline e WHERE e.case_id = c.id AND e.actor <> '')
		ORDER BY c.opened_at, c.id`, formatTime(since))
	if err != nil {
		return nil, fmt.Errorf("list untouched cases: %w", err)
	}
	defer rows.Close()
	var out []store.UntouchedCase
	for rows.Next() {
		var u store.UntouchedCase
		c := &u.Case
		if err := rows.Scan(append(caseDest(c), &u.Inbox, &u.SenderEmail, &u.FirstSubject, &u.FirstText)...); err != nil {
			return nil, fmt.Errorf("list untouched cases: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list untouched cases: %w", err)
	}
	return out, nil
}

func (t *tx) SetRouting(ctx context.Context, rs []store.RoutingChange) error {
	for _, r := range rs {
		if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET department = ?, type = ?, priority = ?, ack_due = ?, answer_due = ? WHERE id = ?`,
			driverutil.Clean(r.Department), driverutil.Clean(r.Type), driverutil.Clean(r.Priority), nullTime(r.AckDue), nullTime(r.AnswerDue), r.CaseID); err != nil {
			return fmt.Errorf("set routing of case %d: %w", r.CaseID, err)
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO case_timeline (case_id, at, kind, actor, detail) VALUES (?, ?, 'routing', ?, ?)`,
			r.CaseID, formatTime(at(r.At)), driverutil.Clean(r.Actor), driverutil.Clean(r.Detail)); err != nil {
			return fmt.Errorf("set routing of case %d: %w", r.CaseID, err)
		}
	}
	return nil
}

// nullBoolColumn scans a nullable 0/1 into a *bool.
type nullBoolColumn struct{ p **bool }

func (c nullBoolColumn) Scan(v any) error {
	var b sql.NullBool
	if err := b.Scan(v); err != nil {
		return err
	}
	if b.Valid {
		x := b.Bool
		*c.p = &x
	} else {
		*c.p = nil
	}
	return nil
}

func (s *Store) ListComplaints(ctx context.Context, from, to time.Time) ([]store.Case, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.type = 'klacht' AND c.opened_at >= ? AND c.opened_at < ?
		ORDER BY c.opened_at, c.id`, formatTime(from), formatTime(to))
	if err != nil {
		return nil, fmt.Errorf("list complaints: %w", err)
	}
	defer rows.Close()
	var cases []store.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("list complaints: %w", err)
		}
		cases = append(cases, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list complaints: %w", err)
	}
	return cases, nil
}

func (t *tx) SetAdmissible(ctx context.Context, caseID int64, admissible bool, reason, actor string, when time.Time) error {
	detail := "ontvankelijk"
	if !admissible {
		detail = "onontvankelijk: " + driverutil.Clean(reason)
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET admissible = ?, inadmissible_reason = ? WHERE id = ?`,
		admissible, driverutil.Clean(reason), caseID); err != nil {
		return fmt.Errorf("set admissibility of case %d: %w", caseID, err)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO case_timeline (case_id, at, kind, actor, detail) VALUES (?, ?, 'admissibility', ?, ?)`,
		caseID, formatTime(at(when)), driverutil.Clean(actor), detail); err != nil {
		return fmt.Errorf("set admissibility of case %d: %w", caseID, err)
	}
	return nil
}
