// Package casework is what staff do to cases — notes, assignment, status,
// type, admissibility, forwards, merge and split — checked once for the
// HTTP API and the web UI alike: who may do it (role and domain), whether
// the input is valid, and whether the case allows it. Each action runs in
// one store transaction and leaves its trace on the case's timeline.
//
// A case in a domain the principal may not see does not exist for them:
// every action on it fails with ErrNotFound, before the input is looked at.
package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/deadline"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// MaxText bounds a note, question, answer or explanation, in characters.
const MaxText = 20000

// InadmissibleReasons are the reasons a complaint is not admissible, as the
// Flemish local complaint rules name them; "andere" needs an explanation.
func InadmissibleReasons() []string {
	return []string{"anoniem", "feiten ouder dan een jaar", "reeds behandeld", "geen klacht", "andere"}
}

// Statuses staff may give a case (StatusMerged comes only with a merge).
func Statuses() []string {
	return []string{store.StatusNew, store.StatusInProgress, store.StatusWaiting, store.StatusAnswered, store.StatusClosed}
}

// Errors. InputError, ConflictError and Refused (ErrInvalid,
// ErrCrossDomain from the store) say what is wrong in words staff and
// integrators can act on; anything else is a failure of the store.
var (
	// ErrNotFound: no such case, or one the principal may not see.
	ErrNotFound = store.ErrNotFound
	// ErrForbidden: the principal's role does not allow the action.
	ErrForbidden = errors.New("your role does not allow this")
)

// InputError is invalid input: which field and why.
type InputError struct{ Field, Msg string }

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// ConflictError is an action the case's state does not allow.
type ConflictError struct{ Msg string }

func (e *ConflictError) Error() string { return e.Msg }

// Refused reports whether err is an action the store refused as impossible
// (store.ErrInvalid, store.ErrCrossDomain), and the reason to show.
func Refused(err error) (string, bool) {
	switch {
	case errors.Is(err, store.ErrCrossDomain):
		return "the cases are in different domains; nothing is ever moved across domains", true
	case errors.Is(err, store.ErrInvalid):
		s := strings.TrimSuffix(err.Error(), ": "+store.ErrInvalid.Error())
		if i := strings.LastIndex(s, ": "); i >= 0 {
			s = s[i+2:]
		}
		return s, true
	}
	return "", false
}

// Service does casework on a store.
type Service struct {
	st          store.Store
	loc         *time.Location
	deadlines   *deadline.Policy
	departments []routing.Department
	prefix      string
	now         func() time.Time
}

// Options configure a Service. Zero values have defaults.
type Options struct {
	// Location counts days and years (default Europe/Brussels).
	Location *time.Location
	// Deadlines gives a case whose type changes its new deadlines (default
	// deadline.DefaultPolicy).
	Deadlines *deadline.Policy
	// Departments are those cases can be assigned to; empty: any.
	Departments []routing.Department
	// CasePrefix of the references of cases made by a split (default MP).
	CasePrefix string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// New returns a Service over st.
func New(st store.Store, opts Options) *Service {
	s := &Service{st: st, loc: opts.Location, deadlines: opts.Deadlines, departments: opts.Departments,
		prefix: opts.CasePrefix, now: opts.Now}
	if s.loc == nil {
		loc, err := time.LoadLocation("Europe/Brussels")
		if err != nil {
			loc = time.UTC
		}
		s.loc = loc
	}
	if s.deadlines == nil {
		s.deadlines = deadline.DefaultPolicy()
	}
	if s.prefix == "" {
		s.prefix = "MP"
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Departments are those cases can be assigned to (empty: any).
func (s *Service) Departments() []routing.Department { return slices.Clone(s.departments) }

// Location is where days and years are counted.
func (s *Service) Location() *time.Location { return s.loc }

// Case returns a case the principal may see, with its messages and
// timeline.
func (s *Service) Case(ctx context.Context, p auth.Principal, ref string) (store.CaseDetail, error) {
	if !p.HasRole(auth.RoleOnthaal) {
		return store.CaseDetail{}, ErrForbidden
	}
	d, err := s.st.GetCase(ctx, ref)
	if err == nil && !p.CanSeeDomain(d.Domain) {
		err = fmt.Errorf("case %s: %w", ref, ErrNotFound)
	}
	return d, err
}

// step is the part of an action that runs on the locked case, after the
// principal was found to be allowed to see it.
type step func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error

// act runs an action on the case ref for principal p with at least role
// min, in one transaction, and returns the case as it is afterwards.
// check validates the input once the case is known to be visible.
func (s *Service) act(ctx context.Context, p auth.Principal, min auth.Role, ref string, check func() error, run step) (store.CaseDetail, error) {
	if !p.HasRole(min) {
		return store.CaseDetail{}, ErrForbidden
	}
	tx, err := s.st.Begin(ctx)
	if err != nil {
		return store.CaseDetail{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	c, err := tx.LockCase(ctx, ref)
	if err == nil && !p.CanSeeDomain(c.Domain) {
		err = fmt.Errorf("case %s: %w", ref, ErrNotFound)
	}
	if err != nil {
		return store.CaseDetail{}, err
	}
	if check != nil {
		if err := check(); err != nil {
			return store.CaseDetail{}, err
		}
	}
	if err := run(ctx, tx, c, p.Actor(), s.now()); err != nil {
		return store.CaseDetail{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return store.CaseDetail{}, err
	}
	return s.st.GetCase(ctx, c.Ref)
}

// text checks a free-text field and returns it trimmed.
func text(field, v string, required bool) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		return "", &InputError{field, "required"}
	case !utf8.ValidString(v):
		return "", &InputError{field, "not valid UTF-8"}
	case utf8.RuneCountInString(v) > MaxText:
		return "", &InputError{field, fmt.Sprintf("at most %d characters", MaxText)}
	}
	return v, nil
}

// notMerged refuses actions on a merged case.
func notMerged(c store.Case) error {
	if c.Status == store.StatusMerged {
		return &ConflictError{"case " + c.Ref + " is merged into another case; undo the merge first"}
	}
	return nil
}

// Note adds a note to a case. Front-desk staff (onthaal) may too.
func (s *Service) Note(ctx context.Context, p auth.Principal, ref, note string) (store.CaseDetail, error) {
	var n string
	return s.act(ctx, p, auth.RoleOnthaal, ref, func() (err error) {
		n, err = text("text", note, true)
		return err
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		_, err := tx.AddNote(ctx, store.Note{CaseID: c.ID, Actor: actor, At: now, Text: n})
		return err
	})
}

// Assignment gives a case to a department and/or a person.
type Assignment struct {
	Department    string `json:"department"`
	Assignee      string `json:"assignee"`
	ClearAssignee bool   `json:"clear_assignee"`
	Detail        string `json:"detail"`
}

// Assign gives a case to a department and/or a person.
func (s *Service) Assign(ctx context.Context, p auth.Principal, ref string, in Assignment) (store.CaseDetail, error) {
	var detail string
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() (err error) {
		in.Department, in.Assignee = strings.TrimSpace(in.Department), strings.TrimSpace(in.Assignee)
		switch {
		case in.Department == "" && in.Assignee == "" && !in.ClearAssignee:
			return &InputError{"", "want a department, an assignee or clear_assignee"}
		case in.Assignee != "" && in.ClearAssignee:
			return &InputError{"", "assignee and clear_assignee exclude each other"}
		case in.Department != "" && !s.knownDepartment(in.Department):
			return &InputError{"department", fmt.Sprintf("unknown department %q", in.Department)}
		case utf8.RuneCountInString(in.Assignee) > 200:
			return &InputError{"assignee", "at most 200 characters"}
		}
		detail, err = text("detail", in.Detail, false)
		return err
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		if err := notMerged(c); err != nil {
			return err
		}
		return tx.Assign(ctx, store.Assignment{CaseID: c.ID, Department: in.Department, Assignee: in.Assignee,
			ClearAssignee: in.ClearAssignee, Actor: actor, At: now, Detail: detail})
	})
}

func (s *Service) knownDepartment(code string) bool {
	return len(s.departments) == 0 || slices.ContainsFunc(s.departments, func(d routing.Department) bool { return d.Code == code })
}

// SetStatus moves a case to another status.
func (s *Service) SetStatus(ctx context.Context, p auth.Principal, ref, status, detail string) (store.CaseDetail, error) {
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() (err error) {
		if !slices.Contains(Statuses(), status) {
			return &InputError{"status", "want one of " + strings.Join(Statuses(), ", ")}
		}
		detail, err = text("detail", detail, false)
		return err
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		if err := notMerged(c); err != nil {
			return err
		}
		if c.Status == status {
			return &ConflictError{"the case has status " + status + " already"}
		}
		return tx.SetStatuses(ctx, []store.StatusChange{{CaseID: c.ID, Status: status, Actor: actor, At: now, Detail: detail}})
	})
}

// SetType changes a case's type (a question that turns out to be a
// complaint): its deadlines follow the new type, counted from its opening,
// and a suggestion of that type is settled.
func (s *Service) SetType(ctx context.Context, p auth.Principal, ref, typ, detail string) (store.CaseDetail, error) {
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() (err error) {
		if !slices.Contains(routing.Types(), typ) {
			return &InputError{"type", "want one of " + strings.Join(routing.Types(), ", ")}
		}
		detail, err = text("detail", detail, false)
		return err
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		if err := notMerged(c); err != nil {
			return err
		}
		if c.Type == typ {
			return &ConflictError{"the case is of type " + typ + " already"}
		}
		ack, answer := s.deadlines.Due(c.OpenedAt, typ, c.Department, s.loc)
		if err := tx.SetRouting(ctx, []store.RoutingChange{{CaseID: c.ID, Department: c.Department, Type: typ, Priority: c.Priority,
			AckDue: &ack, AnswerDue: &answer, Actor: actor, At: now, Detail: withDetail("type "+orNone(c.Type)+" → "+typ, detail)}}); err != nil {
			return err
		}
		if c.Suggestion == typ {
			return tx.DismissSuggestion(ctx, c.ID, actor, now, "aanvaard")
		}
		return nil
	})
}

// DismissSuggestion rejects the registry's suggestion for a case.
func (s *Service) DismissSuggestion(ctx context.Context, p auth.Principal, ref, detail string) (store.CaseDetail, error) {
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() (err error) {
		detail, err = text("detail", detail, false)
		return err
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		if c.Suggestion == "" {
			return &ConflictError{"the case has no suggestion"}
		}
		return tx.DismissSuggestion(ctx, c.ID, actor, now, withDetail("afgewezen", detail))
	})
}

// Admissibility is the decision whether a complaint is admissible.
type Admissibility struct {
	Admissible *bool  `json:"admissible"`
	Reason     string `json:"reason"` // one of InadmissibleReasons, when not admissible
	Detail     string `json:"detail"`
}

// SetAdmissibility records whether a complaint is admissible and why not.
func (s *Service) SetAdmissibility(ctx context.Context, p auth.Principal, ref string, in Admissibility) (store.CaseDetail, error) {
	var reason string
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() error {
		if in.Admissible == nil {
			return &InputError{"admissible", "required (true or false)"}
		}
		detail, err := text("detail", in.Detail, false)
		if err != nil {
			return err
		}
		switch {
		case *in.Admissible && in.Reason != "":
			return &InputError{"reason", "only for an inadmissible complaint"}
		case *in.Admissible:
			reason = ""
		case !slices.Contains(InadmissibleReasons(), in.Reason):
			return &InputError{"reason", "want one of " + strings.Join(InadmissibleReasons(), ", ")}
		case in.Reason == "andere" && detail == "":
			return &InputError{"detail", "required when the reason is andere"}
		default:
			reason = withDetail(in.Reason, detail)
		}
		return nil
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		if err := notMerged(c); err != nil {
			return err
		}
		if c.Type != routing.TypeComplaint {
			return &ConflictError{"only a complaint (type klacht) is admissible or not"}
		}
		return tx.SetAdmissible(ctx, c.ID, *in.Admissible, reason, actor, now)
	})
}

// Forward is a case forwarded to an outside organisation.
type Forward struct {
	Organisation string `json:"organisation"`
	Question     string `json:"question"`
	ExpectedBy   string `json:"expected_by"` // a date, 2026-12-31; empty: none
}

// Forward records that a case was forwarded to an outside organisation; a
// new or handled case then waits for it ("wacht op derde").
func (s *Service) Forward(ctx context.Context, p auth.Principal, ref string, in Forward) (store.CaseDetail, error) {
	var (
		org, question string
		expected      *time.Time
	)
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() (err error) {
		if org, err = text("organisation", in.Organisation, true); err != nil {
			return err
		}
		if utf8.RuneCountInString(org) > 200 {
			return &InputError{"organisation", "at most 200 characters"}
		}
		if question, err = text("question", in.Question, true); err != nil {
			return err
		}
		if in.ExpectedBy != "" {
			d, err := time.ParseInLocation("2006-01-02", in.ExpectedBy, s.loc)
			if err != nil {
				return &InputError{"expected_by", "want a date such as 2026-12-31"}
			}
			end := d.AddDate(0, 0, 1).Add(-time.Second) // the end of that day
			if end.Before(s.now()) {
				return &InputError{"expected_by", "the date has passed"}
			}
			expected = &end
		}
		return nil
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		if err := notMerged(c); err != nil {
			return err
		}
		if _, err := tx.Forward(ctx, store.Forward{CaseID: c.ID, Organisation: org, Question: question, ExpectedBy: expected,
			Actor: actor, At: now}); err != nil {
			return err
		}
		if c.Status == store.StatusNew || c.Status == store.StatusInProgress {
			return tx.SetStatuses(ctx, []store.StatusChange{{CaseID: c.ID, Status: store.StatusWaiting, Actor: actor, At: now,
				Detail: "doorgestuurd naar " + org}})
		}
		return nil
	})
}

// AnswerForward records an organisation's answer; a case that waited for
// no other answer goes back to "in behandeling".
func (s *Service) AnswerForward(ctx context.Context, p auth.Principal, ref string, forwardID int64, answer string) (store.CaseDetail, error) {
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() (err error) {
		answer, err = text("answer", answer, true)
		return err
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		waiting, err := tx.ForwardAnswered(ctx, store.ForwardAnswer{CaseID: c.ID, ForwardID: forwardID, Answer: answer, Actor: actor, At: now})
		if err != nil || c.Status != store.StatusWaiting || waiting > 0 {
			return err
		}
		return tx.SetStatuses(ctx, []store.StatusChange{{CaseID: c.ID, Status: store.StatusInProgress, Actor: actor, At: now,
			Detail: "antwoord ontvangen"}})
	})
}

// Merge moves every message of case ref into case into; ref is then
// merged ("samengevoegd") until the merge is undone.
func (s *Service) Merge(ctx context.Context, p auth.Principal, ref, into, detail string) (store.CaseDetail, error) {
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() (err error) {
		if into = strings.TrimSpace(into); into == "" {
			return &InputError{"into", "the reference of the case to merge into is required"}
		}
		detail, err = text("detail", detail, false)
		return err
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		target, err := tx.LockCase(ctx, into)
		if err == nil && !p.CanSeeDomain(target.Domain) {
			err = fmt.Errorf("case %s: %w", into, ErrNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.Merge(ctx, store.Merge{From: c.ID, Into: target.ID, Actor: actor, At: now, Detail: detail})
		return err
	})
}

// Split moves some messages of a case into a new case, in the same domain,
// of the same type and department, with its own deadlines.
func (s *Service) Split(ctx context.Context, p auth.Principal, ref string, messageIDs []int64, subject, detail string) (store.CaseDetail, error) {
	return s.act(ctx, p, auth.RoleBehandelaar, ref, func() (err error) {
		if len(messageIDs) == 0 {
			return &InputError{"message_ids", "name the messages to split off"}
		}
		if subject, err = text("subject", subject, false); err != nil {
			return err
		}
		detail, err = text("detail", detail, false)
		return err
	}, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		subj := subject
		if subj == "" {
			subj = c.Subject
		}
		nc := store.NewCase{Prefix: s.prefix, Year: now.In(s.loc).Year(), Domain: c.Domain, Type: c.Type, Subject: subj,
			Channel: c.Channel, ContactID: c.ContactID, OpenedAt: now, Department: c.Department, Priority: c.Priority}
		if c.Type != "" {
			ack, answer := s.deadlines.Due(now, c.Type, c.Department, s.loc)
			nc.AckDue, nc.AnswerDue = &ack, &answer
		}
		_, err := tx.Split(ctx, store.Split{CaseID: c.ID, MessageIDs: messageIDs, NewCase: nc, Actor: actor, At: now, Detail: detail})
		return err
	})
}

// UndoMove reverses a merge or split that involves case ref.
func (s *Service) UndoMove(ctx context.Context, p auth.Principal, ref string, moveID int64) (store.CaseDetail, error) {
	return s.act(ctx, p, auth.RoleBehandelaar, ref, nil, func(ctx context.Context, tx store.Tx, c store.Case, actor string, now time.Time) error {
		_, err := tx.UndoMove(ctx, c.ID, moveID, actor, now)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("no merge or split %d of case %s: %w", moveID, c.Ref, ErrNotFound)
		}
		return err
	})
}

func withDetail(s, detail string) string {
	if detail != "" {
		return s + ": " + detail
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(geen)"
	}
	return s
}
