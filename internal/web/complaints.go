package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/report"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The yearly complaints report for the council ("/rapport/klachten"),
// printable, and as a spreadsheet.

func (h *Handler) complaintsPage() page {
	return page{nav: "Klachtenrapport", path: "/rapport/klachten", role: auth.RoleBehandelaar, routes: []route{
		{pattern: "GET /rapport/klachten", role: auth.RoleBehandelaar, serve: h.complaints},
		{pattern: "GET /rapport/klachten.csv", role: auth.RoleBehandelaar, serve: h.complaintsCSV},
	}}
}

type complaintsView struct {
	Year       int
	Prev, Next int
	Report     report.Complaints
	Rows       []complaintsRow
	Total      complaintsRow
	NoDomains  bool
	Domains    []string
}

type complaintsRow struct {
	report.Row
	DepartmentName string
}

// complaintsYear is the ?jaar= of the request, this year when absent.
func (h *Handler) complaintsYear(r *http.Request) (int, bool) {
	v := r.URL.Query().Get("jaar")
	if v == "" {
		return h.now().In(h.loc).Year(), true
	}
	year, err := strconv.Atoi(v)
	return year, err == nil && year >= 2000 && year <= 2200
}

// complaintsReport builds the report of year from the complaints p may see.
func (h *Handler) complaintsReport(r *http.Request, p auth.Principal, year int) (report.Complaints, error) {
	if len(p.Domains) == 0 {
		return report.Build(year, nil), nil
	}
	from, to := report.Period(year, h.loc)
	cases, err := h.st.ListComplaints(r.Context(), from, to)
	if err != nil {
		return report.Complaints{}, err
	}
	cases = slices.DeleteFunc(cases, func(c store.Case) bool { return !p.CanSeeDomain(c.Domain) })
	return report.Build(year, cases), nil
}

func (h *Handler) complaints(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	year, ok := h.complaintsYear(r)
	if !ok {
		h.fail(w, r, http.StatusBadRequest, "Kies een jaar tussen 2000 en 2200.")
		return
	}
	rep, err := h.complaintsReport(r, p, year)
	if err != nil {
		h.storeFailed(w, r, "complaints report", err)
		return
	}
	v := complaintsView{Year: year, Prev: year - 1, Next: year + 1, Report: rep, NoDomains: len(p.Domains) == 0, Domains: p.Domains,
		Total: complaintsRow{Row: rep.Total, DepartmentName: "Totaal"}}
	for _, row := range rep.Rows {
		name := h.departmentName(row.Department)
		if row.Department == "onbekend" {
			name = "Geen dienst"
		}
		v.Rows = append(v.Rows, complaintsRow{Row: row, DepartmentName: name})
	}
	h.render(w, r, http.StatusOK, "klachten", fmt.Sprintf("Klachtenrapport %d", year), v)
}

func (h *Handler) complaintsCSV(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	year, ok := h.complaintsYear(r)
	if !ok {
		h.fail(w, r, http.StatusBadRequest, "Kies een jaar tussen 2000 en 2200.")
		return
	}
	rep, err := h.complaintsReport(r, p, year)
	if err != nil {
		h.storeFailed(w, r, "complaints report", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", contentDisposition(fmt.Sprintf("klachten-%d.csv", year)))
	if err := rep.WriteCSV(w); err != nil {
		h.log.Warn("write complaints report", "error", err)
	}
}
