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

// The transaction holds the database's write lock (BEGIN IMMEDIATE), so
// reading a case in it locks it: no other writer runs until it ends.

func (t *tx) LockCase(ctx context.Context, ref string) (store.Case, error) {
	c, err := scanCase(t.tx.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.ref = ?`, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Case{}, errNotFound("case %s", ref)
	}
	if err != nil {
		return store.Case{}, fmt.Errorf("lock case %s: %w", ref, err)
	}
	return c, nil
}

// caseByID returns a case's domain, status and reference.
func (t *tx) caseByID(ctx context.Context, caseID int64) (domain, status, ref string, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT domain, status, ref FROM cases WHERE id = ?`, caseID).Scan(&domain, &status, &ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", errNotFound("case %d", caseID)
	}
	return domain, status, ref, err
}

// timeline adds an entry to a case's timeline and moves its updated_at
// forward to at.
func (t *tx) timeline(ctx context.Context, caseID int64, when time.Time, kind, actor, detail string) (int64, error) {
	w := formatTime(when)
	if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET updated_at = max(updated_at, ?) WHERE id = ?`, w, caseID); err != nil {
		return 0, err
	}
	var entryID int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO case_timeline (case_id, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		caseID, w, kind, driverutil.Clean(actor), driverutil.Clean(detail)).Scan(&entryID)
	return entryID, err
}

func (t *tx) AddNote(ctx context.Context, n store.Note) (int64, error) {
	if _, _, _, err := t.caseByID(ctx, n.CaseID); err != nil {
		return 0, fmt.Errorf("add note to case %d: %w", n.CaseID, err)
	}
	entryID, err := t.timeline(ctx, n.CaseID, at(n.At), "note", n.Actor, n.Text)
	if err != nil {
		return 0, fmt.Errorf("add note to case %d: %w", n.CaseID, err)
	}
	return entryID, nil
}

func (t *tx) Assign(ctx context.Context, a store.Assignment) error {
	var oldDept, oldAssignee string
	if err := t.tx.QueryRowContext(ctx, `SELECT department, assignee FROM cases WHERE id = ?`, a.CaseID).Scan(&oldDept, &oldAssignee); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
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
	if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET department = ?, assignee = ? WHERE id = ?`, dept, assignee, a.CaseID); err != nil {
		return fmt.Errorf("assign case %d: %w", a.CaseID, err)
	}
	if _, err := t.timeline(ctx, a.CaseID, at(a.At), "assign", a.Actor,
		driverutil.AssignDetail(oldDept, dept, oldAssignee, assignee, a.Detail)); err != nil {
		return fmt.Errorf("assign case %d: %w", a.CaseID, err)
	}
	return nil
}

func (t *tx) Forward(ctx context.Context, f store.Forward) (int64, error) {
	if err := driverutil.CheckForward(f); err != nil {
		return 0, fmt.Errorf("forward case %d: %w", f.CaseID, err)
	}
	if _, _, _, err := t.caseByID(ctx, f.CaseID); err != nil {
		return 0, fmt.Errorf("forward case %d: %w", f.CaseID, err)
	}
	when := at(f.At)
	var fwdID int64
	if err := t.tx.QueryRowContext(ctx, `
		INSERT INTO case_forwards (case_id, organisation, question, expected_by, actor, at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		f.CaseID, driverutil.Clean(f.Organisation), driverutil.Clean(f.Question), nullTime(f.ExpectedBy),
		driverutil.Clean(f.Actor), formatTime(when)).Scan(&fwdID); err != nil {
		return 0, fmt.Errorf("forward case %d: %w", f.CaseID, err)
	}
	if _, err := t.timeline(ctx, f.CaseID, when, "forward", f.Actor, driverutil.ForwardDetail(f)); err != nil {
		return 0, fmt.Errorf("forward case %d: %w", f.CaseID, err)
	}
	return fwdID, nil
}

func (t *tx) ForwardAnswered(ctx context.Context, a store.ForwardAnswer) (int, error) {
	var (
		org      string
		answered *time.Time
	)
	err := t.tx.QueryRowContext(ctx, `SELECT organisation, answered_at FROM case_forwards WHERE id = ? AND case_id = ?`,
		a.ForwardID, a.CaseID).Scan(&org, nullTimeColumn{&answered})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNotFound("forward %d of case %d", a.ForwardID, a.CaseID)
	}
	if err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	if answered != nil {
		return 0, fmt.Errorf("record answer to forward %d: answered already: %w", a.ForwardID, store.ErrInvalid)
	}
	when := at(a.At)
	if _, err := t.tx.ExecContext(ctx, `UPDATE case_forwards SET answered_at = ?, answer = ? WHERE id = ?`,
		formatTime(when), driverutil.Clean(a.Answer), a.ForwardID); err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	if _, err := t.timeline(ctx, a.CaseID, when, "forward-answer", a.Actor, driverutil.ForwardAnswerDetail(org, a.Answer)); err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	var waiting int
	if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM case_forwards WHERE case_id = ? AND answered_at IS NULL`, a.CaseID).Scan(&waiting); err != nil {
		return 0, fmt.Errorf("record answer to forward %d: %w", a.ForwardID, err)
	}
	return waiting, nil
}

func (t *tx) DismissSuggestion(ctx context.Context, caseID int64, actor string, when time.Time, detail string) error {
	var old string
	if err := t.tx.QueryRowContext(ctx, `SELECT suggestion FROM cases WHERE id = ?`, caseID).Scan(&old); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("case %d", caseID)
		}
		return fmt.Errorf("dismiss suggestion of case %d: %w", caseID, err)
	}
	if old == "" {
		return fmt.Errorf("dismiss suggestion of case %d: there is none: %w", caseID, store.ErrInvalid)
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET suggestion = '' WHERE id = ?`, caseID); err != nil {
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
	have, err := queryIDs(ctx, t.tx, `SELECT id FROM messages WHERE case_id = ?`, from)
	if err != nil {
		return nil, err
	}
	var moved []int64
	for _, id := range have {
		if ids == nil || slices.Contains(ids, id) {
			moved = append(moved, id)
		}
	}
	slices.Sort(moved)
	err = t.each(ctx, `UPDATE messages SET case_id = ? WHERE id = ?`, len(moved), func(s *sql.Stmt, i int) error {
		_, err := s.ExecContext(ctx, to, moved[i])
		return err
	})
	if err == nil {
		err = t.each(ctx, `UPDATE case_timeline SET case_id = ? WHERE case_id = ? AND kind = 'message' AND message_id = ?`, len(moved),
			func(s *sql.Stmt, i int) error {
				_, err := s.ExecContext(ctx, to, from, moved[i])
				return err
			})
	}
	if err != nil {
		return nil, err
	}
	return moved, nil
}

func (t *tx) Merge(ctx context.Context, m store.Merge) (store.CaseMove, error) {
	fail := func(err error) (store.CaseMove, error) {
		return store.CaseMove{}, fmt.Errorf("merge case %d into %d: %w", m.From, m.Into, err)
	}
	if m.From == m.Into {
		return fail(fmt.Errorf("a case cannot be merged into itself: %w", store.ErrInvalid))
	}
	fromDomain, fromStatus, fromRef, err := t.caseByID(ctx, m.From)
	if err != nil {
		return fail(err)
	}
	intoDomain, intoStatus, intoRef, err := t.caseByID(ctx, m.Into)
	if err != nil {
		return fail(err)
	}
	if fromDomain != intoDomain {
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
	if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET status = 'samengevoegd', merged_into = ? WHERE id = ?`, m.Into, m.From); err != nil {
		return fail(err)
	}
	if mv.ID, err = t.recordMove(ctx, mv, fromStatus); err != nil {
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

func (t *tx) recordMove(ctx context.Context, mv store.CaseMove, prevStatus string) (int64, error) {
	ids, err := json.Marshal(nonNilIDs(mv.MessageIDs))
	if err != nil {
		return 0, err
	}
	var moveID int64
	err = t.tx.QueryRowContext(ctx, `
		INSERT INTO case_moves (kind, from_case_id, to_case_id, message_ids, prev_status, actor, at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		mv.Kind, mv.FromCaseID, mv.ToCaseID, string(ids), prevStatus, mv.Actor, formatTime(mv.At)).Scan(&moveID)
	return moveID, err
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func (t *tx) Split(ctx context.Context, s store.Split) (store.CaseMove, error) {
	fail := func(err error) (store.CaseMove, error) {
		return store.CaseMove{}, fmt.Errorf("split case %d: %w", s.CaseID, err)
	}
	domain, status, ref, err := t.caseByID(ctx, s.CaseID)
	if err != nil {
		return fail(err)
	}
	if status == store.StatusMerged {
		return fail(fmt.Errorf("a merged case cannot be split: %w", store.ErrInvalid))
	}
	if s.NewCase.Domain != domain {
		return fail(store.ErrCrossDomain)
	}
	have, err := queryIDs(ctx, t.tx, `SELECT id FROM messages WHERE case_id = ?`, s.CaseID)
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
	newCase := made[0]
	moved, err := t.moveMessages(ctx, s.CaseID, newCase.ID, s.MessageIDs)
	if err != nil {
		return fail(err)
	}
	when := at(s.At)
	mv := store.CaseMove{Kind: "split", FromCaseID: s.CaseID, FromRef: ref, ToCaseID: newCase.ID, ToRef: newCase.Ref,
		MessageIDs: moved, Actor: driverutil.Clean(s.Actor), At: when}
	if mv.ID, err = t.recordMove(ctx, mv, status); err != nil {
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

const moveColumns = `m.id, m.kind, m.from_case_id, f.ref, m.to_case_id, c.ref, m.message_ids, m.actor, m.at, m.undone_at, m.undone_by`

func scanMove(row interface{ Scan(...any) error }, extra ...any) (store.CaseMove, error) {
	var (
		m   store.CaseMove
		ids string
	)
	err := row.Scan(append([]any{&m.ID, &m.Kind, &m.FromCaseID, &m.FromRef, &m.ToCaseID, &m.ToRef, &ids, &m.Actor,
		timeColumn{&m.At}, nullTimeColumn{&m.UndoneAt}, &m.UndoneBy}, extra...)...)
	if err != nil {
		return m, err
	}
	if err := json.NewDecoder(strings.NewReader(ids)).Decode(&m.MessageIDs); err != nil {
		return m, fmt.Errorf("message ids of move %d: %w", m.ID, err)
	}
	return m, nil
}

func (t *tx) UndoMove(ctx context.Context, caseID, moveID int64, actor string, when time.Time) (store.CaseMove, error) {
	fail := func(err error) (store.CaseMove, error) {
		return store.CaseMove{}, fmt.Errorf("undo move %d: %w", moveID, err)
	}
	var prevStatus string
	mv, err := scanMove(t.tx.QueryRowContext(ctx, `SELECT `+moveColumns+`, m.prev_status
		FROM case_moves m JOIN cases f ON f.id = m.from_case_id JOIN cases c ON c.id = m.to_case_id
		WHERE m.id = ?`, moveID), &prevStatus)
	if errors.Is(err, sql.ErrNoRows) {
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
	statuses := map[int64]string{}
	for _, id := range []int64{mv.FromCaseID, mv.ToCaseID} {
		_, status, _, err := t.caseByID(ctx, id)
		if err != nil {
			return fail(err)
		}
		statuses[id] = status
	}
	var later bool
	if err := t.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM case_moves WHERE id > ?1 AND undone_at IS NULL
		AND (from_case_id IN (?2, ?3) OR to_case_id IN (?2, ?3)))`, moveID, mv.FromCaseID, mv.ToCaseID).Scan(&later); err != nil {
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
		if back, err = t.moveMessages(ctx, mv.ToCaseID, mv.FromCaseID, nonNilIDs(mv.MessageIDs)); err != nil {
			return fail(err)
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET status = ?, merged_into = NULL WHERE id = ?`, prevStatus, mv.FromCaseID); err != nil {
			return fail(err)
		}
	case "split":
		// Everything in the split-off case goes back, also messages that
		// joined it since, and it becomes merged into the source.
		if back, err = t.moveMessages(ctx, mv.ToCaseID, mv.FromCaseID, nil); err != nil {
			return fail(err)
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET status = 'samengevoegd', merged_into = ? WHERE id = ?`, mv.FromCaseID, mv.ToCaseID); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("unknown kind %q", mv.Kind))
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE case_moves SET undone_at = ?, undone_by = ? WHERE id = ?`,
		formatTime(whenAt), driverutil.Clean(actor), moveID); err != nil {
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
	return mv, nil
}

// caseExtras reads a case's forwards and moves into d.
func caseExtras(ctx context.Context, q querier, d *store.CaseDetail) error {
	rows, err := q.QueryContext(ctx, `
		SELECT id, case_id, organisation, question, expected_by, actor, at, answered_at, answer
		FROM case_forwards WHERE case_id = ? ORDER BY id`, d.ID)
	if err != nil {
		return fmt.Errorf("list forwards of case %s: %w", d.Ref, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f store.Forward
		if err := rows.Scan(&f.ID, &f.CaseID, &f.Organisation, &f.Question, nullTimeColumn{&f.ExpectedBy}, &f.Actor,
			timeColumn{&f.At}, nullTimeColumn{&f.AnsweredAt}, &f.Answer); err != nil {
			return fmt.Errorf("list forwards of case %s: %w", d.Ref, err)
		}
		d.Forwards = append(d.Forwards, f)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list forwards of case %s: %w", d.Ref, err)
	}
	rows.Close()
	mrows, err := q.QueryContext(ctx, `SELECT `+moveColumns+`
		FROM case_moves m JOIN cases f ON f.id = m.from_case_id JOIN cases c ON c.id = m.to_case_id
		WHERE m.from_case_id = ? OR m.to_case_id = ? ORDER BY m.id`, d.ID, d.ID)
	if err != nil {
		return fmt.Errorf("list moves of case %s: %w", d.Ref, err)
	}
	defer mrows.Close()
	for mrows.Next() {
		m, err := scanMove(mrows)
		if err != nil {
			return fmt.Errorf("list moves of case %s: %w", d.Ref, err)
		}
		d.Moves = append(d.Moves, m)
	}
	if err := mrows.Err(); err != nil {
		return fmt.Errorf("list moves of case %s: %w", d.Ref, err)
	}
	return nil
}
