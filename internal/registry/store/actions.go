package store

import (
	"context"
	"errors"
	"time"
)

// StatusMerged is the status of a case whose messages were merged into
// another case (Case.MergedInto). Only Merge sets it and only undoing the
// merge leaves it.
const StatusMerged = "samengevoegd"

// SuggestComplaint is the suggestion the registry makes on a question or
// report that the citizen comes back about: it may have become a complaint.
// Staff decide (SetType or DismissSuggestion).
const SuggestComplaint = "klacht"

// Errors of staff actions.
var (
	// ErrCrossDomain: the cases are in different domains. Nothing ever
	// links or moves a message across domains.
	ErrCrossDomain = errors.New("cases are in different domains")
	// ErrInvalid: the action does not fit the case (merging a case into
	// itself, splitting off every message, undoing twice, ...).
	ErrInvalid = errors.New("invalid action")
)

// CaseActions are what staff do to cases. Each runs in a Tx and leaves an
// entry on the timeline of every case it changes, with the actor. Lock the
// case first (LockCase): the changes assume the case read is current.
type CaseActions interface {
	// LockCase returns the case with that reference and locks it until the
	// transaction ends. ErrNotFound when there is none.
	LockCase(ctx context.Context, ref string) (Case, error)
	// AddNote adds a note ("note") to the case and returns its timeline id.
	AddNote(ctx context.Context, n Note) (int64, error)
	// Assign gives the case to a department and/or a person ("assign").
	Assign(ctx context.Context, a Assignment) error
	// Forward records that the case was forwarded to an outside
	// organisation ("forward") and returns the forward's id.
	Forward(ctx context.Context, f Forward) (int64, error)
	// ForwardAnswered records the organisation's answer to a forward
	// ("forward-answer") and returns how many forwards of the case still
	// wait for an answer. ErrNotFound when the forward is not of that case;
	// ErrInvalid when it was answered already.
	ForwardAnswered(ctx context.Context, a ForwardAnswer) (waiting int, err error)
	// DismissSuggestion clears the case's suggestion ("suggestion").
	DismissSuggestion(ctx context.Context, caseID int64, actor string, at time.Time, detail string) error
	// Merge moves every message of case From (with their timeline
	// entries) into case Into. From gets status StatusMerged and
	// MergedInto; both cases get a "merge" entry. The cases must be in the
	// same domain (ErrCrossDomain), differ, and neither may be merged
	// already (ErrInvalid). It returns the move, which UndoMove reverses.
	Merge(ctx context.Context, m Merge) (CaseMove, error)
	// Split moves the given messages of a case into a new case (created
	// with NewCase) and returns the move. The messages must belong to the
	// case and must not be all of them (ErrInvalid).
	Split(ctx context.Context, s Split) (CaseMove, error)
	// UndoMove reverses a merge or a split: the messages it moved that are
	// still in the target go back to the source. After a merge the source
	// gets its status back; after a split the new case becomes merged
	// into the source. Both cases get an "unmerge" or "unsplit" entry.
	// ErrNotFound when the move does not involve case caseID (the case the
	// caller was allowed to act on); ErrInvalid when it was undone already.
	UndoMove(ctx context.Context, caseID, moveID int64, actor string, at time.Time) (CaseMove, error)
}

// Note is a staff note on a case.
type Note struct {
	CaseID int64
	Actor  string
	At     time.Time
	Text   string
}

// Assignment gives a case to a department and a person. Empty Department
// keeps the department; empty Assignee with ClearAssignee set removes the
// person.
type Assignment struct {
	CaseID        int64
	Department    string
	Assignee      string
	ClearAssignee bool
	Actor         string
	At            time.Time
	Detail        string
}

// Forward is a case forwarded to an outside organisation: what was asked,
// and when an answer is expected.
type Forward struct {
	ID           int64
	CaseID       int64
	Organisation string
	Question     string
	ExpectedBy   *time.Time
	Actor        string
	At           time.Time
	AnsweredAt   *time.Time
	Answer       string
}

// ForwardAnswer is the outside organisation's answer.
type ForwardAnswer struct {
	CaseID, ForwardID int64
	Answer            string
	Actor             string
	At                time.Time
}

// Merge joins case From into case Into.
type Merge struct {
	From, Into int64
	Actor      string
	At         time.Time
	Detail     string
}

// Split moves messages of a case into a new case.
type Split struct {
	CaseID     int64
	MessageIDs []int64
	// NewCase is the case to create; its Domain must be the case's.
	NewCase NewCase
	Actor   string
	At      time.Time
	Detail  string
}

// CaseMove is a recorded merge or split: the messages that moved from one
// case to another.
type CaseMove struct {
	ID         int64
	Kind       string // merge | split
	FromCaseID int64
	FromRef    string
	ToCaseID   int64
	ToRef      string
	MessageIDs []int64
	Actor      string
	At         time.Time
	UndoneAt   *time.Time
	UndoneBy   string
}
