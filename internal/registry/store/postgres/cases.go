package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// newCase is a case CreateCases numbered and gave an id, not written yet.
type newCase struct {
	id                                 int64
	ref, domain, typ, subject, channel string
	department, priority               string
	place, category                    string
	relatedID                          int64
	ackDue, answerDue                  time.Time // zero: none
	contactID                          int64
	opened                             time.Time
}

// CreateCases takes the numbers (one counter upsert per prefix and year)
// and the ids in one round trip. It does not write the cases: the first
// message of a new case comes right after it, and writing the case then,
// with that message's time as updated_at, spares updating every new case
// again in InsertMessages. Whatever could see the cases first writes them
// (queueNewCases): InsertMessages, FindCasesByRef and Commit.
func (t *tx) CreateCases(ctx context.Context, cs []store.NewCase) ([]store.CaseRef, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	type counter struct {
		prefix string
		year   int
	}
	need := map[counter]int64{}
	for i, c := range cs {
		if err := driverutil.CheckNewCase(c); err != nil {
			return nil, fmt.Errorf("create cases: case %d: %w", i, err)
		}
		need[counter{c.Prefix, c.Year}]++
	}
	// The upserts lock the counter rows until this transaction ends: a
	// concurrent creator for the same prefix and year waits there and then
	// reads the committed value (READ COMMITTED re-checks the updated row),
	// so numbers are neither repeated nor skipped, and no retry is needed.
	// Taking the rows in one order keeps two creators from deadlocking.
	counters := slices.SortedFunc(maps.Keys(need), func(a, b counter) int {
		return cmp.Or(strings.Compare(a.prefix, b.prefix), cmp.Compare(a.year, b.year))
	})
	next := make(map[counter]int64, len(counters))
	var ids []int64
	b := &pgx.Batch{}
	for _, k := range counters {
		b.Queue(`
			INSERT INTO case_counters AS c (prefix, year, last) VALUES ($1, $2, $3)
			ON CONFLICT (prefix, year) DO UPDATE SET last = c.last + EXCLUDED.last
			RETURNING last`, k.prefix, k.year, need[k]).QueryRow(func(row pgx.Row) error {
			var last int64
			if err := row.Scan(&last); err != nil {
				return fmt.Errorf("next numbers for %s-%d: %w", k.prefix, k.year, err)
			}
			next[k] = last - need[k] + 1
			return nil
		})
	}
	// The ids now, the rows later (see InsertMessages on the sequence name).
	b.Queue(`SELECT nextval('cases_id_seq') FROM generate_series(1, $1)`, len(cs)).
		Query(func(rows pgx.Rows) error {
			var err error
			ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("create cases: %w", err)
	}
	if len(ids) != len(cs) {
		return nil, fmt.Errorf("create cases: got %d ids for %d cases", len(ids), len(cs))
	}
	slices.Sort(ids) // so that ids grow in the order of cs

	made := make([]store.CaseRef, len(cs))
	for i, c := range cs {
		k := counter{c.Prefix, c.Year}
		made[i] = store.CaseRef{ID: ids[i], Ref: driverutil.FormatRef(c.Prefix, c.Year, next[k])}
		next[k]++
		t.newCases = append(t.newCases, newCase{
			id: ids[i], ref: made[i].Ref, domain: driverutil.Clean(c.Domain), typ: driverutil.Clean(c.Type),
			subject: driverutil.Clean(c.Subject), channel: driverutil.Clean(c.Channel), contactID: c.ContactID,
			department: driverutil.Clean(c.Department), priority: driverutil.Clean(c.Priority),
			place: driverutil.Clean(c.Place), category: driverutil.Clean(c.Category), relatedID: c.RelatedCaseID,
			ackDue: optionalTime(c.AckDue), answerDue: optionalTime(c.AnswerDue),
			opened: at(c.OpenedAt),
		})
	}
	return made, nil
}

// queueNewCases queues into b the insert of the cases CreateCases made and
// no statement wrote yet, each with updated_at the later of its opened_at
// and updatedAt[id]. The caller sends b.
func (t *tx) queueNewCases(b *pgx.Batch, updatedAt map[int64]time.Time) {
	if len(t.newCases) == 0 {
		return
	}
	n := len(t.newCases)
	ids, contacts := make([]int64, n), make([]int64, n)
	refs, domains, types, subjects, channels := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n)
	departments, priorities, places, categories, related := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	opened, updated, ackDue, answerDue := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	for i, c := range t.newCases {
		ids[i], contacts[i] = c.id, c.contactID
		refs[i], domains[i], types[i], subjects[i], channels[i] = c.ref, c.domain, c.typ, c.subject, c.channel
		departments[i], priorities[i], ackDue[i], answerDue[i] = c.department, c.priority, c.ackDue, c.answerDue
		places[i], categories[i], related[i] = c.place, c.category, c.relatedID
		opened[i], updated[i] = c.opened, c.opened
		if u, ok := updatedAt[c.id]; ok && u.After(c.opened) {
			updated[i] = u
		}
	}
	t.newCases = nil
	b.Queue(`
		INSERT INTO cases (id, ref, domain, type, subject, channel, contact_id, opened_at, updated_at,
			department, priority, ack_due, answer_due, place, category, related_case_id)
		OVERRIDING SYSTEM VALUE
		SELECT id, ref, domain, type, subject, channel, nullif(contact_id, 0), opened_at, updated_at,
			department, priority, nullif(ack_due, $14), nullif(answer_due, $14), place, category, nullif(related, 0)
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
			$8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[],
			$15::text[], $16::text[], $17::bigint[])
			AS c(id, ref, domain, type, subject, channel, contact_id, opened_at, updated_at,
				department, priority, ack_due, answer_due, place, category, related)`,
		ids, refs, domains, types, subjects, channels, contacts, opened, updated,
		departments, priorities, ackDue, answerDue, time.Time{}, places, categories, related)
}

// optionalTime is t in UTC to the microsecond, or the zero time for nil.
func optionalTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return at(*t)
}

func (t *tx) FindCasesByRef(ctx context.Context, keys []store.DomainKey) (map[store.DomainKey]int64, error) {
	found := make(map[store.DomainKey]int64, len(keys))
	merged := map[int64]int64{}
	domains, values, index := domainKeyArrays(keys)
	if len(index) == 0 {
		return found, nil
	}
	b := &pgx.Batch{}
	t.queueNewCases(b, nil)
	b.Queue(`
		SELECT k.n, c.id, c.merged_into
		FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(domain, ref, n)
		JOIN cases c ON c.ref = k.ref AND c.domain = k.domain`, domains, values).Query(func(rows pgx.Rows) error {
		var (
			n, caseID int64
			into      *int64
		)
		_, err := pgx.ForEachRow(rows, []any{&n, &caseID, &into}, func() error {
			found[index[n-1]] = caseID
			if into != nil {
				merged[caseID] = *into
			}
			return nil
		})
		return err
	})
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("find cases by reference: %w", err)
	}
	if len(merged) > 0 {
		if err := t.followMerges(ctx, found, merged); err != nil {
			return nil, fmt.Errorf("find cases by reference: %w", err)
		}
	}
	return found, nil
}

// followMerges replaces in found each case that was merged into another by
// the case it ended up in. merged holds the merges known so far.
func (t *tx) followMerges(ctx context.Context, found map[store.DomainKey]int64, merged map[int64]int64) error {
	// A chain of merges is short; the bound only guards against a cycle.
	for range 16 {
		var next []int64
		for _, into := range merged {
			if _, ok := merged[into]; !ok {
				next = append(next, into)
			}
		}
		rows, err := t.tx.Query(ctx, `SELECT id, merged_into FROM cases WHERE id = ANY($1) AND merged_into IS NOT NULL`, next)
		if err != nil {
			return err
		}
		more := 0
		var from, into int64
		if _, err := pgx.ForEachRow(rows, []any{&from, &into}, func() error {
			merged[from] = into
			more++
			return nil
		}); err != nil {
			return err
		}
		if more == 0 {
			break
		}
	}
	for k, id := range found {
		for range 16 {
			into, ok := merged[id]
			if !ok {
				break
			}
			id = into
		}
		found[k] = id
	}
	return nil
}

// caseColumns are the columns scanCase reads, in order; c is the cases table.
const caseColumns = `c.id, c.ref, c.domain, c.type, c.status, c.department, c.priority, c.assignee, c.subject,
	c.channel, c.contact_id, c.opened_at, c.updated_at, c.ack_due, c.answer_due, c.closed_at,
	(SELECT count(*) FROM messages m WHERE m.case_id = c.id), c.repeat_count, c.related_case_id,
	c.answered_at, c.admissible, c.inadmissible_reason, c.merged_into, c.suggestion`

func scanCase(row pgx.CollectableRow) (store.Case, error) {
	var cs caseScan
	err := row.Scan(cs.dest()...)
	return cs.done(), err
}

// caseScan reads caseColumns into a store.Case.
type caseScan struct {
	c                                store.Case
	contactID, relatedID, mergedInto *int64
}

func (cs *caseScan) dest() []any {
	c := &cs.c
	return []any{&c.ID, &c.Ref, &c.Domain, &c.Type, &c.Status, &c.Department, &c.Priority, &c.Assignee, &c.Subject,
		&c.Channel, &cs.contactID, &c.OpenedAt, &c.UpdatedAt, &c.AckDue, &c.AnswerDue, &c.ClosedAt, &c.MessageCount, &c.RepeatCount, &cs.relatedID,
		&c.AnsweredAt, &c.Admissible, &c.InadmissibleReason, &cs.mergedInto, &c.Suggestion}
}

func (cs *caseScan) done() store.Case {
	c := cs.c
	c.ContactID, c.RelatedCaseID, c.MergedInto = id(cs.contactID), id(cs.relatedID), id(cs.mergedInto)
	c.AnsweredAt = utc(c.AnsweredAt)
	c.OpenedAt, c.UpdatedAt = c.OpenedAt.UTC(), c.UpdatedAt.UTC()
	c.AckDue, c.AnswerDue, c.ClosedAt = utc(c.AckDue), utc(c.AnswerDue), utc(c.ClosedAt)
	return c
}

func (s *Store) ListCases(ctx context.Context, f store.CaseFilter) ([]store.Case, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.Domains) > 0 {
		where = append(where, "c.domain = ANY("+arg(f.Domains)+")")
	}
	if f.Status != "" {
		where = append(where, "c.status = "+arg(f.Status))
	}
	if f.BeforeID > 0 {
		where = append(where, "c.id < "+arg(f.BeforeID))
	}
	if f.Department != "" {
		where = append(where, "c.department = "+arg(f.Department))
	}
	if f.Open {
		where = append(where, openCase)
	}
	if f.AnswerDueBefore != nil {
		where = append(where, "c.answer_due < "+arg(*f.AnswerDueBefore))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + caseColumns + ` FROM cases c`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY c.id DESC LIMIT ` + arg(limit)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	cases, err := pgx.CollectRows(rows, scanCase)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return cases, nil
}

func (s *Store) GetCase(ctx context.Context, ref string) (store.CaseDetail, error) {
	var d store.CaseDetail
	err := s.readTx(ctx, func(q pgx.Tx) error {
		rows, err := q.Query(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.ref = $1`, ref)
		if err != nil {
			return fmt.Errorf("get case %s: %w", ref, err)
		}
		d.Case, err = pgx.CollectExactlyOneRow(rows, scanCase)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound("case %s", ref)
		}
		if err != nil {
			return fmt.Errorf("get case %s: %w", ref, err)
		}
		if d.Messages, err = caseMessages(ctx, q, d.ID); err != nil {
			return err
		}
		d.MessageCount = len(d.Messages)
		rows, err = q.Query(ctx, `
			SELECT id, at, kind, actor, message_id, detail FROM case_timeline
			WHERE case_id = $1 ORDER BY at, id`, d.ID)
		if err != nil {
			return fmt.Errorf("get timeline of case %s: %w", ref, err)
		}
		d.Timeline, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.TimelineEntry, error) {
			var (
				e     store.TimelineEntry
				msgID *int64
			)
			err := row.Scan(&e.ID, &e.At, &e.Kind, &e.Actor, &msgID, &e.Detail)
			e.At, e.MessageID = e.At.UTC(), id(msgID)
			return e, err
		})
		if err != nil {
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
	err := s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE c.answer_due < $1),
			count(*) FILTER (WHERE c.answer_due >= $1 AND c.answer_due < $2)
		FROM cases c WHERE c.answer_due IS NOT NULL AND `+openCase, now, soon).Scan(&d.Overdue, &d.DueSoon)
	if err != nil {
		return d, fmt.Errorf("count deadlines: %w", err)
	}
	return d, nil
}

func (t *tx) FindRepeatCandidates(ctx context.Context, qs []store.RepeatQuery) ([][]store.RepeatCandidate, error) {
	out := make([][]store.RepeatCandidate, len(qs))
	if len(qs) == 0 {
		return out, nil
	}
	domains, names, keys := make([]string, len(qs)), make([]string, len(qs)), make([]string, len(qs))
	contacts, since := make([]int64, len(qs)), make([]time.Time, len(qs))
	for i, q := range qs {
		domains[i], names[i], contacts[i], since[i] = driverutil.Clean(q.Domain), driverutil.Clean(q.Name), q.ContactID, at(q.Since)
		keys[i] = store.NameKey(names[i])
	}
	// A case is compared with what was written in it: its last ten
	// messages that are not automatic, the town's answers included (they
	// name the topic too). Names match by store.NameKey; contacts stored
	// before there were keys by their lower-cased name. "name_key <> ''"
	// says nothing new (k.key is not empty), but without it a database
	// whose contacts mostly predate the keys has statistics by which
	// name_key = k.key matches every contact, and the planner scans
	// contacts and cases whole: 45 ms instead of 0.3 ms per sender at a
	// million messages (docs/benchmarks.md, issue 6).
	rows, err := t.tx.Query(ctx, `
		SELECT k.n, c.id, coalesce(fm.subject, ''), coalesce(nullif(cm.texts, ''), fm.text, '')
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[]) WITH ORDINALITY AS k(domain, contact_id, name, since, key, n)
		CROSS JOIN LATERAL (
			SELECT c.id FROM (
				SELECT id FROM contacts WHERE id = k.contact_id
				UNION
				SELECT id FROM contacts WHERE k.key <> '' AND domain = k.domain AND name_key <> '' AND name_key = k.key
				UNION
				SELECT id FROM contacts WHERE k.key <> '' AND domain = k.domain AND name_key = '' AND lower(name) = lower(k.name)
			) AS ct
			JOIN cases c ON c.contact_id = ct.id
			WHERE c.domain = k.domain AND c.updated_at >= k.since AND `+openCase+`
			ORDER BY c.updated_at DESC
			LIMIT 5
		) AS c
		LEFT JOIN LATERAL (
			SELECT subject, text FROM messages m WHERE m.case_id = c.id ORDER BY m.id LIMIT 1
		) AS fm ON true
		LEFT JOIN LATERAL (
			SELECT string_agg(subject || E'\n' || text, E'\n') AS texts FROM (
				SELECT subject, text FROM messages m
				WHERE m.case_id = c.id AND m.auto_submitted = ''
				ORDER BY m.id DESC LIMIT 10) AS l
		) AS cm ON true
		ORDER BY k.n`, domains, contacts, names, since, keys)
	if err != nil {
		return nil, fmt.Errorf("find repeat candidates: %w", err)
	}
	var (
		n  int64
		rc store.RepeatCandidate
	)
	if _, err := pgx.ForEachRow(rows, []any{&n, &rc.CaseID, &rc.Subject, &rc.Text}, func() error {
		out[n-1] = append(out[n-1], rc)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find repeat candidates: %w", err)
	}
	return out, nil
}

func (t *tx) MarkRepeats(ctx context.Context, rs []store.Repeat) error {
	if len(rs) == 0 {
		return nil
	}
	ids, ats, details := make([]int64, len(rs)), make([]time.Time, len(rs)), make([]string, len(rs))
	before := make([]time.Time, len(rs))
	for i, r := range rs {
		ids[i], ats[i], details[i] = r.CaseID, at(r.At), driverutil.Clean(r.Detail)
		before[i] = driverutil.SuggestOpenedBefore(r)
	}
	b := &pgx.Batch{}
	t.queueNewCases(b, nil)
	b.Queue(`UPDATE cases c SET repeat_count = c.repeat_count + r.k
		FROM (SELECT id, count(*) AS k FROM unnest($1::bigint[]) AS id GROUP BY id) AS r WHERE c.id = r.id`, ids)
	b.Queue(`INSERT INTO case_timeline (case_id, at, kind, detail)
		SELECT id, at, 'repeat', detail FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS r(id, at, detail)`, ids, ats, details)
	b.Queue(`WITH s AS (
			UPDATE cases c SET suggestion = 'klacht'
			FROM (SELECT id, max(before) AS before, min(at) AS at
				FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS r(id, at, before) GROUP BY id) AS r
			WHERE c.id = r.id AND c.type <> 'klacht' AND c.suggestion = '' AND c.opened_at <= r.before
			RETURNING c.id, r.at)
		INSERT INTO case_timeline (case_id, at, kind, detail) SELECT id, at, 'suggestion', $4 FROM s`,
		ids, ats, before, driverutil.SuggestComplaintDetail)
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("mark repeats: %w", err)
	}
	return nil
}

func (t *tx) CaseStatuses(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	b := &pgx.Batch{}
	t.queueNewCases(b, nil)
	b.Queue(`SELECT id, status FROM cases WHERE id = ANY($1)`, ids).Query(func(rows pgx.Rows) error {
		var (
			id     int64
			status string
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &status}, func() error { out[id] = status; return nil })
		return err
	})
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("case statuses: %w", err)
	}
	return out, nil
}

func (t *tx) SetStatuses(ctx context.Context, cs []store.StatusChange) error {
	if len(cs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	t.queueNewCases(b, nil)
	for _, c := range cs {
		if !validStatus(c.Status) {
			return fmt.Errorf("set status of case %d: unknown status %q", c.CaseID, c.Status)
		}
		b.Queue(`WITH old AS (SELECT status FROM cases WHERE id = $1 FOR UPDATE),
			upd AS (UPDATE cases SET status = $2, updated_at = greatest(updated_at, $3),
				closed_at = CASE WHEN $2 = 'afgesloten' THEN $3 ELSE NULL END,
				answered_at = CASE WHEN $2 IN ('beantwoord', 'afgesloten') THEN coalesce(answered_at, $3) ELSE answered_at END
				WHERE id = $1 RETURNING id)
			INSERT INTO case_timeline (case_id, at, kind, actor, detail)
			SELECT $1, $3, 'status', $4, old.status || ' → ' || $2 || CASE WHEN $5 = '' THEN '' ELSE ': ' || $5 END
			FROM old, upd`, c.CaseID, c.Status, at(c.At), driverutil.Clean(c.Actor), driverutil.Clean(c.Detail))
	}
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("set statuses: %w", err)
	}
	return nil
}

func validStatus(s string) bool {
	switch s {
	case store.StatusNew, store.StatusInProgress, store.StatusWaiting, store.StatusAnswered, store.StatusClosed:
		return true
	}
	return false
}

func (t *tx) FindRelatedCases(ctx context.Context, qs []store.RelatedQuery) ([]int64, error) {
	out := make([]int64, len(qs))
	if len(qs) == 0 {
		return out, nil
	}
	domains, places, categories := make([]string, len(qs)), make([]string, len(qs)), make([]string, len(qs))
	contacts, since := make([]int64, len(qs)), make([]time.Time, len(qs))
	for i, q := range qs {
		domains[i], places[i], categories[i] = driverutil.Clean(q.Domain), driverutil.Clean(q.Place), driverutil.Clean(q.Category)
		contacts[i], since[i] = q.ContactID, at(q.Since)
	}
	rows, err := t.tx.Query(ctx, `
		SELECT k.n, c.id
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) WITH ORDINALITY AS k(domain, place, category, contact_id, since, n)
		CROSS JOIN LATERAL (
			SELECT c.id FROM cases c
			WHERE k.place <> '' AND k.category <> '' AND c.domain = k.domain AND c.category = k.category AND c.place = k.place
				AND c.opened_at >= k.since AND `+openCase+` AND coalesce(c.contact_id, 0) <> k.contact_id
			ORDER BY c.opened_at DESC
			LIMIT 1
		) AS c`, domains, places, categories, contacts, since)
	if err != nil {
		return nil, fmt.Errorf("find related cases: %w", err)
	}
	var n, caseID int64
	if _, err := pgx.ForEachRow(rows, []any{&n, &caseID}, func() error {
		out[n-1] = caseID
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find related cases: %w", err)
	}
	return out, nil
}

func (s *Store) ListUntouched(ctx context.Context, since time.Time) ([]store.UntouchedCase, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+caseColumns+`, coalesce(fm.inbox, ''), coalesce(fm.sender_email, ''), coalesce(fm.subject, ''), coalesce(fm.text, '')
		FROM cases c
		LEFT JOIN LATERAL (SELECT inbox, sender_email, subject, text FROM messages m WHERE m.case_id = c.id ORDER BY m.id LIMIT 1) AS fm ON true
		WHERE c.opened_at >= $1 AND `+openCase+` AND c.assignee = ''
			AND NOT EXISTS (SELECT 1 FROM case_timeline e WHERE e.case_id = c.id AND e.actor <> '')
		ORDER BY c.opened_at, c.id`, at(since))
	if err != nil {
		return nil, fmt.Errorf("list untouched cases: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.UntouchedCase, error) {
		var (
			u  store.UntouchedCase
			cs caseScan
		)
		err := row.Scan(append(cs.dest(), &u.Inbox, &u.SenderEmail, &u.FirstSubject, &u.FirstText)...)
		u.Case = cs.done()
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list untouched cases: %w", err)
	}
	return out, nil
}

func (t *tx) SetRouting(ctx context.Context, rs []store.RoutingChange) error {
	b := &pgx.Batch{}
	t.queueNewCases(b, nil)
	for _, r := range rs {
		b.Queue(`UPDATE cases SET department = $2, type = $3, priority = $4, ack_due = $5, answer_due = $6 WHERE id = $1`,
			r.CaseID, driverutil.Clean(r.Department), driverutil.Clean(r.Type), driverutil.Clean(r.Priority), utc(r.AckDue), utc(r.AnswerDue))
		b.Queue(`INSERT INTO case_timeline (case_id, at, kind, actor, detail) VALUES ($1, $2, 'routing', $3, $4)`,
			r.CaseID, at(r.At), driverutil.Clean(r.Actor), driverutil.Clean(r.Detail))
	}
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("set routing: %w", err)
	}
	return nil
}

func (s *Store) ListComplaints(ctx context.Context, from, to time.Time) ([]store.Case, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.type = 'klacht' AND c.opened_at >= $1 AND c.opened_at < $2
		ORDER BY c.opened_at, c.id`, at(from), at(to))
	if err != nil {
		return nil, fmt.Errorf("list complaints: %w", err)
	}
	cases, err := pgx.CollectRows(rows, scanCase)
	if err != nil {
		return nil, fmt.Errorf("list complaints: %w", err)
	}
	return cases, nil
}

func (t *tx) SetAdmissible(ctx context.Context, caseID int64, admissible bool, reason, actor string, when time.Time) error {
	b := &pgx.Batch{}
	t.queueNewCases(b, nil)
	detail := "ontvankelijk"
	if !admissible {
		detail = "onontvankelijk: " + driverutil.Clean(reason)
	}
	b.Queue(`UPDATE cases SET admissible = $2, inadmissible_reason = $3 WHERE id = $1`, caseID, admissible, driverutil.Clean(reason))
	b.Queue(`INSERT INTO case_timeline (case_id, at, kind, actor, detail) VALUES ($1, $2, 'admissibility', $3, $4)`,
		caseID, at(when), driverutil.Clean(actor), detail)
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("set admissibility of case %d: %w", caseID, err)
	}
	return nil
}
