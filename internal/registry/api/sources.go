package api

import (
	"context"
	"net/http"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/sources"
)

// SourceReport is a connector's last report on one of its sources, as the
// connectors write it to the bus (package intake reads it).
type SourceReport = sources.Report

// SourceLister reads the connectors' reports.
type SourceLister interface {
	SourceReports(ctx context.Context) ([]SourceReport, error)
}

// WithSources lets the handler show the connectors' sources through l.
// Without it, GET /api/v1/sources lists none.
func (h *Handler) WithSources(l SourceLister) *Handler {
	h.intake.sources = l
	return h
}

// Source statuses, worst first (see package sources).
const (
	SourceNeedsPerson = sources.NeedsPerson
	SourceSilent      = sources.Silent
	SourceStopped     = sources.Stopped
	SourceFailing     = sources.Failing
	SourceWaiting     = sources.Waiting
	SourceOK          = sources.OK
)

// Source is a source of a connector as the API shows it.
type Source struct {
	// Connector is mail, facebook or eloket; Channel the channel of its
	// messages; Source the mailbox folder (inbox/folder), page
	// (inbox/page id) or form (inbox).
	Connector string `json:"connector"`
	Channel   string `json:"channel"`
	Source    string `json:"source"`
	// Status sums the rest up: needs_person, silent, stopped, failing,
	// waiting or ok.
	Status              string     `json:"status"`
	LastSuccess         *time.Time `json:"last_success,omitempty"`
	LastError           string     `json:"last_error,omitempty"`
	LastErrorAt         *time.Time `json:"last_error_at,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	NeedsPerson         bool       `json:"needs_person"`
	Silent              bool       `json:"silent"`
	Stopped             bool       `json:"stopped"`
	// LastReport is when the connector last reported.
	LastReport time.Time `json:"last_report"`
}

// SourceList lists the sources by connector and source.
type SourceList struct {
	Sources   []Source  `json:"sources"`
	CheckedAt time.Time `json:"checked_at"`
}

func (h *Handler) sourceRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/v1/sources", Role: auth.RoleBehandelaar, Handler: h.authed(auth.RoleBehandelaar, h.listSources)},
	}
}

func (h *Handler) listSources(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	now := time.Now().UTC()
	out := SourceList{Sources: []Source{}, CheckedAt: now}
	if h.intake.sources == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	reports, err := h.intake.sources.SourceReports(r.Context())
	if err != nil {
		h.log.Error("read source reports", "error", err)
		writeError(w, http.StatusServiceUnavailable, "the source reports are not available")
		return
	}
	for _, sum := range sources.SummarizeAll(reports, now) {
		out.Sources = append(out.Sources, toSource(sum))
	}
	writeJSON(w, http.StatusOK, out)
}

// toSource is a summed-up report as the API shows it.
func toSource(s sources.Summary) Source {
	return Source{
		Connector: s.Connector, Channel: s.Channel, Source: s.Source, Status: s.Status,
		LastSuccess: nonZero(s.LastSuccess), LastError: s.LastError, LastErrorAt: nonZero(s.LastErrorAt),
		ConsecutiveFailures: s.ConsecutiveFailures, NeedsPerson: s.NeedsPerson, Stopped: s.Stopped,
		Silent: s.Silent, LastReport: s.LastReport,
	}
}

func nonZero(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
