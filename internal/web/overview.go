package web

import (
	"cmp"
	"net/http"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The overview ("/") is what staff look at first: the open cases of their
// domains that need someone now.

func (h *Handler) overviewPage() page {
	return page{nav: "Overzicht", path: "/", role: auth.RoleOnthaal, routes: []route{
		{pattern: "GET /{$}", role: auth.RoleOnthaal, serve: h.overview},
	}}
}

type overviewView struct {
	NoDomains bool
	Sections  []caseTable
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	now := h.now()
	soon := now.Add(DueSoon)
	// Two reads: the open cases due soon or overdue (however old), and the
	// newest open cases, for the rest.
	due, ok, err := h.listCases(r.Context(), p, store.CaseFilter{Open: true, AnswerDueBefore: &soon, Limit: listLimit})
	if err != nil {
		h.storeFailed(w, r, "overview: list cases due", err)
		return
	}
	if !ok {
		h.render(w, r, http.StatusOK, "overzicht", "Overzicht", overviewView{NoDomains: true})
		return
	}
	open, _, err := h.listCases(r.Context(), p, store.CaseFilter{Open: true, Limit: listLimit})
	if err != nil {
		h.storeFailed(w, r, "overview: list open cases", err)
		return
	}
	h.render(w, r, http.StatusOK, "overzicht", "Overzicht", overviewView{Sections: h.overviewSections(p, due, open, now)})
}

// overviewSections sorts the cases into the overview's lists.
func (h *Handler) overviewSections(p auth.Principal, due, open []store.Case, now time.Time) []caseTable {
	var overdue, dueSoon, fresh, repeats, complaints []store.Case
	for _, c := range due {
		if c.AnswerDue.Before(now) {
			overdue = append(overdue, c)
		} else {
			dueSoon = append(dueSoon, c)
		}
	}
	for _, c := range open {
		if c.Status == store.StatusNew && c.Assignee == "" {
			fresh = append(fresh, c)
		}
		if c.RepeatCount > 0 {
			repeats = append(repeats, c)
		}
		if c.Suggestion == store.SuggestComplaint {
			complaints = append(complaints, c)
		}
	}
	oldestFirst := func(a, b store.Case) int { return cmp.Compare(a.ID, b.ID) }
	mostRepeated := func(a, b store.Case) int {
		if c := cmp.Compare(b.RepeatCount, a.RepeatCount); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	several := len(p.Domains) > 1
	table := func(id, title, intro, empty string, cases []store.Case, sortBy func(a, b store.Case) int, more bool) caseTable {
		return caseTable{ID: id, Title: title, Intro: intro, Empty: empty, Rows: h.rows(sortedCopy(cases, sortBy), now),
			More: more, Domains: several}
	}
	moreDue, moreOpen := len(due) == listLimit, len(open) == listLimit
	return []caseTable{
		table("te-laat", "Te laat", "Open dossiers waarvan de antwoordtermijn voorbij is.",
			"Geen dossiers te laat.", overdue, byAnswerDue, moreDue),
		table("binnenkort", "Binnenkort te beantwoorden", "Open dossiers die binnen drie dagen een antwoord moeten hebben.",
			"Geen dossiers met een termijn binnen drie dagen.", dueSoon, byAnswerDue, moreDue),
		table("nieuw", "Nieuw en niet toegewezen", "Nieuwe dossiers die nog niemand opnam, het langst wachtende eerst.",
			"Geen nieuwe dossiers zonder behandelaar.", fresh, oldestFirst, moreOpen),
		table("opnieuw", "Burger vraagt opnieuw", "Open dossiers waarover de burger opnieuw contact opnam.",
			"Geen dossiers waarover de burger opnieuw vroeg.", repeats, mostRepeated, moreOpen),
		table("klacht", "Mogelijk een klacht", "Het register stelt voor deze dossiers als klacht te behandelen.",
			"Geen voorstellen om een dossier als klacht te behandelen.", complaints, oldestFirst, moreOpen),
	}
}
