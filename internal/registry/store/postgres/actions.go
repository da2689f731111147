package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// flush writes the cases CreateCases made and no statement wrote yet.
func (t *tx) flush(ctx context.Context) error {
	if len(t.newCases) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	t.queueNewCases(b, nil)
	return t.tx.SendBatch(ctx, b).Close()
}

func (t *tx) LockCase(ctx context.Context, ref string) (store.Case, error) {
	if err := t.flush(ctx); err != nil {
		return store.Case{}, fmt.Errorf("lock case %s: %w", ref, err)
	}
	// Staff actions take the lock the registry takes to register a batch,
	// before any case: a message is never put in a case that a merge or
	// split moved meanwhile, and two actions on the same cases (merge X
	// into Y and Y into X) wait for each other instead of deadlocking.
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, lockClassIngest); err != nil {
		return store.Case{}, fmt.Errorf("lock case %s: %w", ref, err)
	}
	rows, err := t.tx.Query(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.ref = $1 FOR UPDATE OF c`, ref)
	if err != nil {
		return store.Case{}, fmt.Errorf("lock case %s: %w", ref, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCase)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Case{}, errNotFound("case %s", ref)
	}
	if err != nil {
		return store.Case{}, fmt.Errorf("lock case %s: %w", ref, err)
	}
	return c, nil
}

// lockCaseID locks a case by id and returns its domain, status and reference.
func (t *tx) lockCaseID(ctx context.Context, caseID int64) (domain, status, ref string, err error) {
	err = t.tx.QueryRow(ctx, `SELECT domain, status, ref FROM cases WHERE id = $1 FOR UPDATE`, caseID).Scan(&domain, &status, &ref)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", "", errNotFound("case %d", caseID)
	}
	return domain, status, ref, err
}

// timeline adds an entry to a case's timeline and moves its updated_at
// forward to at.
func (t *tx) timeline(ctx context.Context, caseID int64, when time.Time, kind, actor, detail string) (int64, error) {
	var entryID int64
	err := t.tx.QueryRow(ctx, `
		WITH upd AS (UPDATE cases SET updated_at = greatest(updated_at, $2) WHERE id = $1)
		INSERT INTO case_timeline (case_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		caseID, when, kind, driverutil.Clean(actor), driverutil.Clean(detail)).Scan(&entryID)
	return entryID, err
}

func (t *tx) AddNote(ctx context.Context, n store.Note) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, fmt.Errorf("add note to case %d: %w", n.CaseID, err)
	}
	entryID, err := t.timeline(ctx, n.CaseID, at(n.At), "note", n.Actor, n.Text)
	if err != nil {
		return 0, fmt.Errorf("add note to case %d: %w", n.CaseID, err)
	}
	return entryID, nil
}

func (t *tx) Assign(ctx context.Context, a store.Assignment) error {
	if err := t.flush(ctx); err != nil {
		return fmt.Errorf("assign case %d: %w", a.CaseID, err)
	}
	var oldDept, oldAssignee string
	if err := t.tx.QueryRow(ctx, `SELECT department, assignee FROM cases WHERE id = $1 FOR UPDATE`, a.CaseID).Scan(&oldDept, &oldAssignee); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound("case %d", a.CaseID)
		}
		return fmt.Errorf("assign case %d: %w", a.CaseID, err)
	}
	dept, assignee := driverutil.Clean(a.Department), driverutil.Clean(a.Assignee)
	if dept == "" {
		dept = oldDept
	}
	if assignee == "" && !a.ClearAssignee {
		assignee = oldAssignee
	}
	if _, err := t.tx.Exec(ctx, `UPDATE cases SET department = $2, assignee = $3 WHERE id = $1`, a.CaseID, dept, assignee); err != nil {
		return fmt.Errorf("assign case %d: %w", a.CaseID, err)
	}
	if _, err := t.timeline(ctx, a.CaseID, at(a.At), "assign", a.Actor,
		driverutil.AssignDetail(oldDept, dept, oldAssignee, assignee, a.Detail)); err != nil {
		return fmt.Errorf("assign case %d: %w", a.CaseID, err)
	}
	return nil
}

func (t *tx) Forward(ctx context.Context, f store.Forward) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, fmt.Errorf("forward case %d: %w", f.CaseID, err)
	}
	if err := driverutil.CheckForward(f); err != nil {
		return 0, fmt.Errorf("forward case %d: %w", f.CaseID, err)
	}
	when := at(f.At)
	var fwdID int64
	if err := t.tx.QueryRow(ctx, `
		INSERT INTO case_forwards (case_id, organisation, question, expected_by, actor, at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		f.CaseID, driverutil.Clean(f.Organisation), driverutil.Clean(f.Question), utc(f.ExpectedBy),
		driverutil.Clean(f.Actor), when).Scan(&fwdID); err != nil {
		return 0, fmt.Errorf("forward case %d: %w", f.CaseID, err)
	}
	if _, err := t.timeline(ctx, f.CaseID, when, "forward", f.Actor, driverutil.ForwardDetail(f)); err != nil {
		return 0, fmt.Errorf("forward case %d: %w", f.CaseID, err)
	}
	return fwdID, nil
}

func (t *tx) ForwardAnswered(ctx context.Context, a store.ForwardAnswer) (int, error) {
	if err := t.flush(ctx); err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	var (
		org      string
		answered *time.Time
	)
	err := t.tx.QueryRow(ctx, `SELECT organisation, answered_at FROM case_forwards WHERE id = $1 AND case_id = $2 FOR UPDATE`,
		a.ForwardID, a.CaseID).Scan(&org, &answered)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errNotFound("forward %d of case %d", a.ForwardID, a.CaseID)
	}
	if err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	if answered != nil {
		return 0, fmt.Errorf("record answer to forward %d: answered already: %w", a.ForwardID, store.ErrInvalid)
	}
	when := at(a.At)
	if _, err := t.tx.Exec(ctx, `UPDATE case_forwards SET answered_at = $2, answer = $3 WHERE id = $1`,
		a.ForwardID, when, driverutil.Clean(a.Answer)); err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	if _, err := t.timeline(ctx, a.CaseID, when, "forward-answer", a.Actor, driverutil.ForwardAnswerDetail(org, a.Answer)); err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	var waiting int
	if err := t.tx.QueryRow(ctx, `SELECT count(*) FROM case_forwards WHERE case_id = $1 AND answered_at IS NULL`, a.CaseID).Scan(&waiting); err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	return waiting, nil
}

func (t *tx) DismissSuggestion(ctx context.Context, caseID int64, actor string, when time.Time, detail string) error {
	if err := t.flush(ctx); err != nil {
		return fmt.Errorf("dismiss suggestion of case %d: %w", caseID, err)
	}
	var old string
	if err := t.tx.QueryRow(ctx, `SELECT suggestion FROM cases WHERE id = $1 FOR UPDATE`, caseID).Scan(&old); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound("case %d", caseID)
		}
		return fmt.Errorf("dismiss suggestion of case %d: %w", caseID, err)
	}
	if old == "" {
		return fmt.Errorf("dismiss suggestion of case %d: there is none: %w", caseID, store.ErrInvalid)
	}
	if _, err := t.tx.Exec(ctx, `UPDATE cases SET suggestion = '' WHERE id = $1`, caseID); err != nil {
		return fmt.Errorf("dismiss suggestion of case %d: %w", caseID, err)
	}
	if _, err := t.timeline(ctx, caseID, at(when), "suggestion", actor, driverutil.DismissDetail(old, detail)); err != nil {
		return fmt.Errorf("dismiss suggestion of case %d: %w", caseID, err)
	}
	return nil
}

// moveMessages moves messages (all of from's when ids is nil) with their
// timeline entries from one case to another and returns the ids moved.
func (t *tx) moveMessages(ctx context.Context, from, to int64, ids []int64) ([]int64, error) {
	var (
		rows pgx.Rows
		err  error
	)
	if ids == nil {
		rows, err = t.tx.Query(ctx, `UPDATE messages SET case_id = $2 WHERE case_id = $1 RETURNING id`, from, to)
	} else {
		rows, err = t.tx.Query(ctx, `UPDATE messages SET case_id = $2 WHERE case_id = $1 AND id = ANY($3) RETURNING id`, from, to, ids)
	}
	if err != nil {
		return nil, err
	}
	moved, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	slices.Sort(moved)
	if _, err := t.tx.Exec(ctx, `UPDATE case_timeline SET case_id = $2 WHERE case_id = $1 AND kind = 'message' AND message_id = ANY($3)`,
		from, to, moved); err != nil {
		return nil, err
	}
	return moved, nil
}

func (t *tx) Merge(ctx context.Context, m store.Merge) (store.CaseMove, error) {
	fail := func(err error) (store.CaseMove, error) {
		return store.CaseMove{}, fmt.Errorf("merge case %d into %d: %w", m.From, m.Into, err)
	}
	if err := t.flush(ctx); err != nil {
		return fail(err)
	}
	if m.From == m.Into {
		return fail(fmt.Errorf("a case cannot be merged into itself: %w", store.ErrInvalid))
	}
	// Lock in id order, so that two merges of the same pair cannot deadlock.
	first, second := min(m.From, m.Into), max(m.From, m.Into)
	d1, s1, r1, err := t.lockCaseID(ctx, first)
	if err != nil {
		return fail(err)
	}
	d2, s2, r2, err := t.lockCaseID(ctx, second)
	if err != nil {
		return fail(err)
	}
	fromStatus, fromRef, intoStatus, intoRef := s1, r1, s2, r2
	if first != m.From {
		fromStatus, fromRef, intoStatus, intoRef = s2, r2, s1, r1
	}
	if d1 != d2 {
		return fail(store.ErrCrossDomain)
	}
	if fromStatus == store.StatusMerged || intoStatus == store.StatusMerged {
		return fail(fmt.Errorf("a merged case cannot be merged again: %w", store.ErrInvalid))
	}
	moved, err := t.moveMessages(ctx, m.From, m.Into, nil)
	if err != nil {
		return fail(err)
	}
	when := at(m.At)
	mv := store.CaseMove{Kind: "merge", FromCaseID: m.From, FromRef: fromRef, ToCaseID: m.Into, ToRef: intoRef,
		MessageIDs: moved, Actor: driverutil.Clean(m.Actor), At: when}
	if err := t.tx.QueryRow(ctx, `
		WITH upd AS (UPDATE cases SET status = 'samengevoegd', merged_into = $2 WHERE id = $1)
		INSERT INTO case_moves (kind, from_case_id, to_case_id, message_ids, prev_status, actor, at)
		VALUES ('merge', $1, $2, $3, $4, $5, $6) RETURNING id`,
		m.From, m.Into, moved, fromStatus, mv.Actor, when).Scan(&mv.ID); err != nil {
		return fail(err)
	}
	from, into := driverutil.MergeDetails(fromRef, intoRef, len(moved), m.Detail)
	if _, err := t.timeline(ctx, m.From, when, "merge", m.Actor, from); err != nil {
		return fail(err)
	}
	if _, err := t.timeline(ctx, m.Into, when, "merge", m.Actor, into); err != nil {
		return fail(err)
	}
	return mv, nil
}

func (t *tx) Split(ctx context.Context, s store.Split) (store.CaseMove, error) {
	fail := func(err error) (store.CaseMove, error) {
		return store.CaseMove{}, fmt.Errorf("split case %d: %w", s.CaseID, err)
	}
	if err := t.flush(ctx); err != nil {
		return fail(err)
	}
	domain, status, ref, err := t.lockCaseID(ctx, s.CaseID)
	if err != nil {
		return fail(err)
	}
	if status == store.StatusMerged {
		return fail(fmt.Errorf("a merged case cannot be split: %w", store.ErrInvalid))
	}
	if s.NewCase.Domain != domain {
		return fail(store.ErrCrossDomain)
	}
	rows, err := t.tx.Query(ctx, `SELECT id FROM messages WHERE case_id = $1`, s.CaseID)
	if err != nil {
		return fail(err)
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fail(err)
	}
	if err := driverutil.CheckSplit(have, s.MessageIDs); err != nil {
		return fail(err)
	}
	made, err := t.CreateCases(ctx, []store.NewCase{s.NewCase})
	if err != nil {
		return fail(err)
	}
	if err := t.flush(ctx); err != nil {
		return fail(err)
	}
	newCase := made[0]
	moved, err := t.moveMessages(ctx, s.CaseID, newCase.ID, s.MessageIDs)
	if err != nil {
		return fail(err)
	}
	when := at(s.At)
	mv := store.CaseMove{Kind: "split", FromCaseID: s.CaseID, FromRef: ref, ToCaseID: newCase.ID, ToRef: newCase.Ref,
		MessageIDs: moved, Actor: driverutil.Clean(s.Actor), At: when}
	if err := t.tx.QueryRow(ctx, `
		INSERT INTO case_moves (kind, from_case_id, to_case_id, message_ids, prev_status, actor, at)
		VALUES ('split', $1, $2, $3, $4, $5, $6) RETURNING id`,
		s.CaseID, newCase.ID, moved, status, mv.Actor, when).Scan(&mv.ID); err != nil {
		return fail(err)
	}
	from, to := driverutil.SplitDetails(ref, newCase.Ref, len(moved), s.Detail)
	if _, err := t.timeline(ctx, s.CaseID, when, "split", s.Actor, from); err != nil {
		return fail(err)
	}
	if _, err := t.timeline(ctx, newCase.ID, when, "split", s.Actor, to); err != nil {
		return fail(err)
	}
	return mv, nil
}

func (t *tx) UndoMove(ctx context.Context, caseID, moveID int64, actor string, when time.Time) (store.CaseMove, error) {
	fail := func(err error) (store.CaseMove, error) {
		return store.CaseMove{}, fmt.Errorf("undo move %d: %w", moveID, err)
	}
	if err := t.flush(ctx); err != nil {
		return fail(err)
	}
	var (
		mv         store.CaseMove
		prevStatus string
	)
	err := t.tx.QueryRow(ctx, `
		SELECT m.id, m.kind, m.from_case_id, f.ref, m.to_case_id, c.ref, m.message_ids, m.prev_status, m.actor, m.at, m.undone_at, m.undone_by
		FROM case_moves m JOIN cases f ON f.id = m.from_case_id JOIN cases c ON c.id = m.to_case_id
		WHERE m.id = $1 FOR UPDATE OF m`, moveID).Scan(&mv.ID, &mv.Kind, &mv.FromCaseID, &mv.FromRef, &mv.ToCaseID, &mv.ToRef,
		&mv.MessageIDs, &prevStatus, &mv.Actor, &mv.At, &mv.UndoneAt, &mv.UndoneBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return fail(errNotFound("move %d", moveID))
	}
	if err != nil {
		return fail(err)
	}
	if mv.FromCaseID != caseID && mv.ToCaseID != caseID {
		return fail(errNotFound("move %d of case %d", moveID, caseID))
	}
	if mv.UndoneAt != nil {
		return fail(fmt.Errorf("undone already: %w", store.ErrInvalid))
	}
	first, second := min(mv.FromCaseID, mv.ToCaseID), max(mv.FromCaseID, mv.ToCaseID)
	statuses := map[int64]string{}
	for _, id := range []int64{first, second} {
		_, status, _, err := t.lockCaseID(ctx, id)
		if err != nil {
			return fail(err)
		}
		statuses[id] = status
	}
	// Only the latest move of these cases can be undone, and only while
	// the case that keeps the messages is not merged itself: otherwise
	// messages would go back into a merged case.
	var later bool
	if err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_moves WHERE id > $1 AND undone_at IS NULL
		AND (from_case_id IN ($2, $3) OR to_case_id IN ($2, $3)))`, moveID, first, second).Scan(&later); err != nil {
		return fail(err)
	}
	if err := driverutil.CheckUndo(mv, later, statuses); err != nil {
		return fail(err)
	}
	whenAt := at(when)
	var back []int64
	switch mv.Kind {
	case "merge":
		// Messages that reached the target since the merge stay there:
		// they answered the merged case.
		if back, err = t.moveMessages(ctx, mv.ToCaseID, mv.FromCaseID, mv.MessageIDs); err != nil {
			return fail(err)
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET status = $2, merged_into = NULL WHERE id = $1`, mv.FromCaseID, prevStatus); err != nil {
			return fail(err)
		}
	case "split":
		// Everything in the split-off case goes back, also messages that
		// joined it since, and it becomes merged into the source.
		if back, err = t.moveMessages(ctx, mv.ToCaseID, mv.FromCaseID, nil); err != nil {
			return fail(err)
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET status = 'samengevoegd', merged_into = $2 WHERE id = $1`, mv.ToCaseID, mv.FromCaseID); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("unknown kind %q", mv.Kind))
	}
	if _, err := t.tx.Exec(ctx, `UPDATE case_moves SET undone_at = $2, undone_by = $3 WHERE id = $1`,
		moveID, whenAt, driverutil.Clean(actor)); err != nil {
		return fail(err)
	}
	kind, from, to := driverutil.UndoDetails(mv, len(back))
	if _, err := t.timeline(ctx, mv.FromCaseID, whenAt, kind, actor, from); err != nil {
		return fail(err)
	}
	if _, err := t.timeline(ctx, mv.ToCaseID, whenAt, kind, actor, to); err != nil {
		return fail(err)
	}
	mv.UndoneAt, mv.UndoneBy = &whenAt, driverutil.Clean(actor)
	mv.At = mv.At.UTC()
	return mv, nil
}

// caseExtras reads a case's forwards and moves into d.
func caseExtras(ctx context.Context, q querier, d *store.CaseDetail) error {
	rows, err := q.Query(ctx, `
		SELECT id, case_id, organisation, question, expected_by, actor, at, answered_at, answer
		FROM case_forwards WHERE case_id = $1 ORDER BY id`, d.ID)
	if err != nil {
		return fmt.Errorf("list forwards of case %s: %w", d.Ref, err)
	}
	d.Forwards, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Forward, error) {
		var f store.Forward
		err := row.Scan(&f.ID, &f.CaseID, &f.Organisation, &f.Question, &f.ExpectedBy, &f.Actor, &f.At, &f.AnsweredAt, &f.Answer)
		f.At, f.ExpectedBy, f.AnsweredAt = f.At.UTC(), utc(f.ExpectedBy), utc(f.AnsweredAt)
		return f, err
	})
	if err != nil {
		return fmt.Errorf("list forwards of case %s: %w", d.Ref, err)
	}
	rows, err = q.Query(ctx, `
		SELECT m.id, m.kind, m.from_case_id, f.ref, m.to_case_id, c.ref, m.message_ids, m.actor, m.at, m.undone_at, m.undone_by
		FROM case_moves m JOIN cases f ON f.id = m.from_case_id JOIN cases c ON c.id = m.to_case_id
		WHERE m.from_case_id = $1 OR m.to_case_id = $1 ORDER BY m.id`, d.ID)
	if err != nil {
		return fmt.Errorf("list moves of case %s: %w", d.Ref, err)
	}
	d.Moves, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.CaseMove, error) {
		var m store.CaseMove
		err := row.Scan(&m.ID, &m.Kind, &m.FromCaseID, &m.FromRef, &m.ToCaseID, &m.ToRef, &m.MessageIDs, &m.Actor, &m.At, &m.UndoneAt, &m.UndoneBy)
		m.At, m.UndoneAt = m.At.UTC(), utc(m.UndoneAt)
		return m, err
	})
	if err != nil {
		return fmt.Errorf("list moves of case %s: %w", d.Ref, err)
	}
	return nil
}
