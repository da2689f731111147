package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) CreateCase(ctx context.Context, c store.NewCase) (int64, string, error) {
	if err := driverutil.CheckNewCase(c); err != nil {
		return 0, "", fmt.Errorf("create case: %w", err)
	}
	// The upsert locks the counter row until this transaction ends: a
	// concurrent CreateCase for the same prefix and year waits here and then
	// reads the committed value (READ COMMITTED re-checks the updated row), so
	// numbers are neither repeated nor skipped, and no retry is needed.
	var n int64
	err := t.tx.QueryRow(ctx, `
		INSERT INTO case_counters AS c (prefix, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (prefix, year) DO UPDATE SET last = c.last + 1
		RETURNING last`, c.Prefix, c.Year).Scan(&n)
	if err != nil {
		return 0, "", fmt.Errorf("create case: next number for %s-%d: %w", c.Prefix, c.Year, err)
	}
	ref := driverutil.FormatRef(c.Prefix, c.Year, n)
	opened := at(c.OpenedAt)
	var caseID int64
	err = t.tx.QueryRow(ctx, `
		INSERT INTO cases (ref, domain, type, subject, channel, contact_id, opened_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		RETURNING id`,
		ref, driverutil.Clean(c.Domain), driverutil.Clean(c.Type), driverutil.Clean(c.Subject),
		driverutil.Clean(c.Channel), nullID(c.ContactID), opened).Scan(&caseID)
	if err != nil {
		return 0, "", fmt.Errorf("create case %s: %w", ref, err)
	}
	return caseID, ref, nil
}

func (t *tx) FindCaseByRef(ctx context.Context, domain, ref string) (int64, error) {
	var caseID int64
	err := t.tx.QueryRow(ctx, `SELECT id FROM cases WHERE ref = $1 AND domain = $2`,
		driverutil.Clean(ref), domain).Scan(&caseID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errNotFound("case %s in %s", ref, domain)
	}
	if err != nil {
		return 0, fmt.Errorf("find case %s: %w", ref, err)
	}
	return caseID, nil
}

func (t *tx) AttachMessage(ctx context.Context, caseID, messageID int64, when time.Time) error {
	when = at(when)
	// The domain check keeps a bug elsewhere from leaking a message into a
	// case that other staff may see.
	tag, err := t.tx.Exec(ctx, `
		UPDATE messages SET case_id = $1
		WHERE id = $2 AND domain = (SELECT domain FROM cases WHERE id = $1)`, caseID, messageID)
	if err != nil {
		return fmt.Errorf("attach message %d to case %d: %w", messageID, caseID, err)
	}
	if tag.RowsAffected() == 0 {
		return errNotFound("attach message %d to case %d: no such message and case in one domain", messageID, caseID)
	}
	if _, err := t.tx.Exec(ctx, `UPDATE cases SET updated_at = greatest(updated_at, $2) WHERE id = $1`, caseID, when); err != nil {
		return fmt.Errorf("attach message %d to case %d: update case: %w", messageID, caseID, err)
	}
	if _, err := t.tx.Exec(ctx, `
		INSERT INTO case_timeline (case_id, at, kind, message_id) VALUES ($1, $2, 'message', $3)`,
		caseID, when, messageID); err != nil {
		return fmt.Errorf("attach message %d to case %d: timeline: %w", messageID, caseID, err)
	}
	return nil
}

// caseColumns are the columns scanCase reads, in order; c is the cases table.
const caseColumns = `c.id, c.ref, c.domain, c.type, c.status, c.department, c.assignee, c.subject,
	c.channel, c.contact_id, c.opened_at, c.updated_at, c.ack_due, c.answer_due, c.closed_at,
	(SELECT count(*) FROM messages m WHERE m.case_id = c.id)`

func scanCase(row pgx.CollectableRow) (store.Case, error) {
	var (
		c         store.Case
		contactID *int64
	)
	err := row.Scan(&c.ID, &c.Ref, &c.Domain, &c.Type, &c.Status, &c.Department, &c.Assignee, &c.Subject,
		&c.Channel, &contactID, &c.OpenedAt, &c.UpdatedAt, &c.AckDue, &c.AnswerDue, &c.ClosedAt, &c.MessageCount)
	c.ContactID = id(contactID)
	c.OpenedAt, c.UpdatedAt = c.OpenedAt.UTC(), c.UpdatedAt.UTC()
	c.AckDue, c.AnswerDue, c.ClosedAt = utc(c.AckDue), utc(c.AnswerDue), utc(c.ClosedAt)
	return c, err
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
		return nil
	})
	return d, err
}
