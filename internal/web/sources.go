package web

import (
	"net/http"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/sources"
)

// "Bronnen" ("/bronnen"): every connector's sources (mail folders,
// Facebook pages, e-loket forms) with their last successful poll, their
// last error, and whether they wait for a person (an expired Facebook
// token, a wrong password) or went silent, summed up by package sources as
// GET /api/v1/sources does.

func (h *Handler) sourcesPage() page {
	return page{nav: "Bronnen", path: "/bronnen", role: auth.RoleBehandelaar, routes: []route{
		{pattern: "GET /bronnen", role: auth.RoleBehandelaar, serve: h.sourceList},
	}}
}

type sourcesView struct {
	Available bool // the registry reads the connectors' reports
	Sources   []sourceRow
	Attention int // how many need a person or are silent
	CheckedAt time.Time
}

type sourceRow struct {
	sources.Summary
	StatusLabel    string
	ConnectorLabel string
	// Attention: a person must act (NeedsPerson) or look (Silent).
	Attention bool
	Failing   bool
}

func (h *Handler) sourceList(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	now := h.now()
	v := sourcesView{Available: h.srcs != nil, CheckedAt: now}
	if h.srcs != nil {
		reports, err := h.srcs.SourceReports(r.Context())
		if err != nil {
			h.log.Error("read source reports", "error", err)
			h.fail(w, r, http.StatusServiceUnavailable, "De toestand van de bronnen is even niet beschikbaar. Probeer het zo opnieuw.")
			return
		}
		for _, s := range sources.SummarizeAll(reports, now) {
			row := sourceRow{Summary: s, StatusLabel: sourceStatusLabel(s.Status), ConnectorLabel: connectorLabel(s.Connector),
				Attention: s.Status == sources.NeedsPerson || s.Status == sources.Silent, Failing: s.Status == sources.Failing}
			if row.Attention {
				v.Attention++
			}
			v.Sources = append(v.Sources, row)
		}
	}
	h.render(w, r, http.StatusOK, "bronnen", "Bronnen", v)
}

func sourceStatusLabel(s string) string {
	switch s {
	case sources.NeedsPerson:
		return "Actie nodig"
	case sources.Silent:
		return "Stil"
	case sources.Stopped:
		return "Gestopt"
	case sources.Failing:
		return "Mislukt, probeert opnieuw"
	case sources.Waiting:
		return "Nog niet opgehaald"
	case sources.OK:
		return "In orde"
	}
	return s
}

func connectorLabel(c string) string {
	switch c {
	case "mail":
		return "E-mail"
	case "facebook":
		return "Facebook"
	case "eloket":
		return "E-loket"
	}
	return c
}
