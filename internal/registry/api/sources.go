package api

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
)

// SourceReport is a connector's last report on one of its sources, as the
// connectors write it to the bus (package intake reads it).
type SourceReport struct {
	Connector, Channel, Source string
	LastSuccess                time.Time
	LastError                  string
	LastErrorAt                time.Time
	ConsecutiveFailures        int
	NeedsPerson, Stopped       bool
	// ReportedAt is the connector's clock, Received the bus's.
	ReportedAt, Received time.Time
	IntervalSeconds      int
}

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

// Source statuses, worst first.
const (
	// SourceNeedsPerson: it fails until a person acts (a wrong password,
	// an expired Facebook token).
	SourceNeedsPerson = "needs_person"
	// SourceSilent: the connector has not reported for a while; it may
	// have crashed or lost its connection to NATS.
	SourceSilent = "silent"
	// SourceStopped: the connector was stopped.
	SourceStopped = "stopped"
	// SourceFailing: the last attempt failed; the connector keeps trying.
	SourceFailing = "failing"
	// SourceWaiting: running, not synced yet.
	SourceWaiting = "waiting"
	SourceOK      = "ok"
)

// minSilence is the least time without a report before a source counts as
// silent, however often its connector reports.
const minSilence = 2 * time.Minute

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
	for _, rep := range reports {
		out.Sources = append(out.Sources, toSource(rep, now))
	}
	slices.SortFunc(out.Sources, func(a, b Source) int {
		return cmp.Or(cmp.Compare(a.Connector, b.Connector), cmp.Compare(a.Source, b.Source))
	})
	writeJSON(w, http.StatusOK, out)
}

// toSource sums a report up as it stands at now.
func toSource(r SourceReport, now time.Time) Source {
	last := r.Received
	if last.IsZero() {
		last = r.ReportedAt
	}
	silence := max(3*time.Duration(r.IntervalSeconds)*time.Second, minSilence)
	s := Source{
		Connector: r.Connector, Channel: r.Channel, Source: r.Source,
		LastSuccess: nonZero(r.LastSuccess), LastError: r.LastError, LastErrorAt: nonZero(r.LastErrorAt),
		ConsecutiveFailures: r.ConsecutiveFailures, NeedsPerson: r.NeedsPerson, Stopped: r.Stopped,
		Silent: !r.Stopped && now.Sub(last) > silence, LastReport: last.UTC(),
	}
	switch {
	case s.NeedsPerson:
		s.Status = SourceNeedsPerson
	case s.Silent:
		s.Status = SourceSilent
	case s.Stopped:
		s.Status = SourceStopped
	case r.ConsecutiveFailures > 0 || (!r.LastErrorAt.IsZero() && r.LastErrorAt.After(r.LastSuccess)):
		s.Status = SourceFailing
	case r.LastSuccess.IsZero():
		s.Status = SourceWaiting
	default:
		s.Status = SourceOK
	}
	return s
}

func nonZero(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
