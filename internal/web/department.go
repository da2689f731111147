package web

import (
	"net/http"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// "Mijn dienst" lists the open cases of the user's own department.

func (h *Handler) departmentPage() page {
	return page{nav: "Mijn dienst", path: "/mijn-dienst", role: auth.RoleOnthaal, routes: []route{
		{pattern: "GET /mijn-dienst", role: auth.RoleOnthaal, serve: h.department},
	}}
}

type departmentView struct {
	Department string // its name; empty: the user has none
	NoDomains  bool
	Table      caseTable
}

func (h *Handler) department(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v := departmentView{Department: h.departmentName(p.Department)}
	if p.Department == "" {
		h.render(w, r, http.StatusOK, "mijn-dienst", "Mijn dienst", v)
		return
	}
	cases, ok, err := h.listCases(r.Context(), p, store.CaseFilter{Department: p.Department, Open: true, Limit: listLimit})
	if err != nil {
		h.storeFailed(w, r, "department: list cases", err)
		return
	}
	v.NoDomains = !ok
	v.Table = caseTable{ID: "open", Title: "Open dossiers van " + v.Department,
		Intro: "Alle open dossiers van je dienst, de dringendste termijn eerst.",
		Empty: "Je dienst heeft geen open dossiers.",
		Rows:  h.rows(sortedCopy(cases, byAnswerDue), h.now()), More: len(cases) == listLimit, Domains: len(p.Domains) > 1}
	h.render(w, r, http.StatusOK, "mijn-dienst", "Mijn dienst", v)
}
