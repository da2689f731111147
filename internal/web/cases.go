package web

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// What the lists of cases share: the overview, the department's page and
// (later) search results.

// caseRow is a case as a row of a list.
type caseRow struct {
	store.Case
	URL            string
	DepartmentName string
	Overdue        bool
	DueSoon        bool
}

// caseTable is a list of cases under a heading.
type caseTable struct {
	ID      string // the anchor of its section
	Title   string
	Intro   string
	Empty   string // what to say when there are none
	Rows    []caseRow
	More    bool // the store had more than the list shows
	Domains bool // show the domain column (the user sees several)
	// Channels shows the channel column (a citizen's cases).
	Channels bool
}

func caseURL(ref string) string { return "/dossiers/" + url.PathEscape(ref) }

// isOpen reports whether a case still needs an answer.
func isOpen(c store.Case) bool {
	switch c.Status {
	case store.StatusAnswered, store.StatusClosed, store.StatusMerged:
		return false
	}
	return true
}

// row makes the row of c as seen at now.
func (h *Handler) row(c store.Case, now time.Time) caseRow {
	r := caseRow{Case: c, URL: caseURL(c.Ref), DepartmentName: h.departmentName(c.Department)}
	if c.AnswerDue != nil && isOpen(c) {
		r.Overdue = c.AnswerDue.Before(now)
		r.DueSoon = !r.Overdue && c.AnswerDue.Before(now.Add(DueSoon))
	}
	return r
}

func (h *Handler) rows(cases []store.Case, now time.Time) []caseRow {
	out := make([]caseRow, len(cases))
	for i, c := range cases {
		out[i] = h.row(c, now)
	}
	return out
}

// departmentName is the name of a department code when the routing rules
// name it, else the code.
func (h *Handler) departmentName(code string) string {
	for _, d := range h.cw.Departments() {
		if d.Code == code {
			return d.Name
		}
	}
	return code
}

// byAnswerDue sorts cases by their answer deadline, soonest first, cases
// without one last, then newest first.
func byAnswerDue(a, b store.Case) int {
	switch {
	case a.AnswerDue == nil && b.AnswerDue == nil:
	case a.AnswerDue == nil:
		return 1
	case b.AnswerDue == nil:
		return -1
	default:
		if c := a.AnswerDue.Compare(*b.AnswerDue); c != 0 {
			return c
		}
	}
	return cmp.Compare(b.ID, a.ID)
}

// listCases asks the store for cases in the domains p may see; ok false
// when p may see none (and the store was not asked: an empty domain filter
// means every domain).
func (h *Handler) listCases(ctx context.Context, p auth.Principal, f store.CaseFilter) ([]store.Case, bool, error) {
	domains, ok := p.DomainFilter()
	if !ok {
		return nil, false, nil
	}
	f.Domains = domains
	cases, err := h.st.ListCases(ctx, f)
	return cases, true, err
}

// sortedCopy returns the cases sorted by by.
func sortedCopy(cases []store.Case, by func(a, b store.Case) int) []store.Case {
	c := slices.Clone(cases)
	slices.SortStableFunc(c, by)
	return c
}
