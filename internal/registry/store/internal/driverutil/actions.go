package driverutil

import (
	"fmt"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The timeline texts of staff actions, in Dutch: staff read them.

// AssignDetail describes an assignment.
func AssignDetail(oldDept, dept, oldAssignee, assignee, detail string) string {
	var parts []string
	if oldDept != dept {
		parts = append(parts, "dienst "+orNone(oldDept)+" → "+orNone(dept))
	}
	if oldAssignee != assignee {
		parts = append(parts, "behandelaar "+orNone(oldAssignee)+" → "+orNone(assignee))
	}
	if len(parts) == 0 {
		parts = append(parts, "toewijzing ongewijzigd: dienst "+orNone(dept)+", behandelaar "+orNone(assignee))
	}
	return withDetail(strings.Join(parts, "; "), detail)
}

// ForwardDetail describes a forward to an outside organisation.
func ForwardDetail(f store.Forward) string {
	s := "doorgestuurd naar " + Clean(f.Organisation)
	if q := Clean(f.Question); q != "" {
		s += ": " + q
	}
	if f.ExpectedBy != nil {
		s += " (antwoord verwacht tegen " + f.ExpectedBy.Format("2006-01-02") + ")"
	}
	return s
}

// ForwardAnswerDetail describes an organisation's answer.
func ForwardAnswerDetail(org, answer string) string {
	return withDetail("antwoord van "+Clean(org), answer)
}

// DismissDetail describes a settled suggestion: detail says how ("aanvaard",
// "afgewezen: ..."); without it, it was dismissed.
func DismissDetail(suggestion, detail string) string {
	if Clean(detail) == "" {
		return "suggestie " + suggestion + " afgewezen"
	}
	return withDetail("suggestie "+suggestion, detail)
}

// MergeDetails describes a merge on the merged case and on the target.
func MergeDetails(fromRef, intoRef string, n int, detail string) (from, into string) {
	return withDetail(fmt.Sprintf("samengevoegd in %s (%s)", intoRef, messages(n)), detail),
		withDetail(fmt.Sprintf("dossier %s samengevoegd in dit dossier (%s)", fromRef, messages(n)), detail)
}

// SplitDetails describes a split on the source and on the new case.
func SplitDetails(ref, newRef string, n int, detail string) (from, to string) {
	return withDetail(fmt.Sprintf("%s afgesplitst naar %s", messages(n), newRef), detail),
		withDetail(fmt.Sprintf("afgesplitst van %s (%s)", ref, messages(n)), detail)
}

// UndoDetails names the timeline kind of an undone move and describes it on
// its source and target.
func UndoDetails(mv store.CaseMove, n int) (kind, from, to string) {
	if mv.Kind == "merge" {
		return "unmerge", fmt.Sprintf("samenvoeging met %s ongedaan gemaakt (%s terug)", mv.ToRef, messages(n)),
			fmt.Sprintf("samenvoeging van %s ongedaan gemaakt (%s terug naar %s)", mv.FromRef, messages(n), mv.FromRef)
	}
	return "unsplit", fmt.Sprintf("splitsing naar %s ongedaan gemaakt (%s terug)", mv.ToRef, messages(n)),
		fmt.Sprintf("splitsing ongedaan gemaakt: samengevoegd in %s (%s)", mv.FromRef, messages(n))
}

// CheckSplit checks that the messages to split off are some, not all, of
// the case's messages (have), each once.
func CheckSplit(have, split []int64) error {
	if len(split) == 0 {
		return fmt.Errorf("no messages to split off: %w", store.ErrInvalid)
	}
	in := make(map[int64]bool, len(have))
	for _, id := range have {
		in[id] = true
	}
	seen := make(map[int64]bool, len(split))
	for _, id := range split {
		if !in[id] {
			return fmt.Errorf("message %d is not in the case: %w", id, store.ErrInvalid)
		}
		if seen[id] {
			return fmt.Errorf("message %d is named twice: %w", id, store.ErrInvalid)
		}
		seen[id] = true
	}
	if len(seen) == len(have) {
		return fmt.Errorf("splitting off every message leaves an empty case: %w", store.ErrInvalid)
	}
	return nil
}

func messages(n int) string {
	if n == 1 {
		return "1 bericht"
	}
	return fmt.Sprintf("%d berichten", n)
}

func orNone(s string) string {
	if s == "" {
		return "(geen)"
	}
	return s
}

func withDetail(s, detail string) string {
	if d := Clean(detail); d != "" {
		return s + ": " + d
	}
	return s
}

// SuggestComplaintDetail is the timeline text of a complaint suggestion.
const SuggestComplaintDetail = "suggestie: klacht (de burger komt terug op een vraag of melding zonder antwoord)"

// SuggestOpenedBefore is the opening time before which a case gets the
// complaint suggestion from repeat r: the far future when r is
// dissatisfied, the zero time (never) when r suggests nothing.
func SuggestOpenedBefore(r store.Repeat) time.Time {
	switch {
	case r.Dissatisfied:
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	case r.SuggestAfter > 0:
		return Time(r.At).Add(-r.SuggestAfter)
	}
	return time.Time{}
}

// CheckForward checks that a forward names an organisation.
func CheckForward(f store.Forward) error {
	if strings.TrimSpace(Clean(f.Organisation)) == "" {
		return fmt.Errorf("no organisation: %w", store.ErrInvalid)
	}
	return nil
}

// CheckUndo checks that a move can be undone: no later move of either case
// is still in force (later), and the case that gets the messages back is
// not merged (statuses: the two cases' statuses by id). Undoing in the
// reverse order of doing always works.
func CheckUndo(mv store.CaseMove, later bool, statuses map[int64]string) error {
	if later {
		return fmt.Errorf("a later merge or split of these cases must be undone first: %w", store.ErrInvalid)
	}
	keeper := mv.FromCaseID // gets the messages back
	if statuses[keeper] == store.StatusMerged && mv.Kind == "split" {
		return fmt.Errorf("case %s is merged: undo that merge first: %w", mv.FromRef, store.ErrInvalid)
	}
	if mv.Kind == "merge" && statuses[mv.ToCaseID] == store.StatusMerged {
		return fmt.Errorf("case %s is merged: undo that merge first: %w", mv.ToRef, store.ErrInvalid)
	}
	return nil
}
