package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/quarantine"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Quarantine: the events the registry could not take. A payload may be
// anything and may hold personal data of either domain, while an item has no
// domain the registry vouches for; so only a beheerder who may see every
// domain sees the quarantine. Others with the role get an empty list
// (Restricted) and 404 for an item, as for a case of a domain they may not
// see.

// Republisher sends a quarantined payload to the intake stream again
// (package intake adapts *bus.Bus).
type Republisher = quarantine.Republisher

// WithRepublisher lets the handler retry quarantined items through r.
// Without it, POST /api/v1/quarantine/{id}/retry answers 503.
func (h *Handler) WithRepublisher(r Republisher) *Handler {
	h.intake.republisher = r
	return h
}

// QuarantineItem is a quarantined event as the API shows it: what and why,
// never the payload itself (download it from PayloadURL).
type QuarantineItem struct {
	ID int64 `json:"id"`
	// Subject is the NATS subject it came on
	// (meldpunt.intake.<channel>.<inbox>).
	Subject    string `json:"subject"`
	EventID    string `json:"event_id,omitempty"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries int    `json:"deliveries"`
	// Reason is why the registry could not take it.
	Reason        string            `json:"reason"`
	QuarantinedAt time.Time         `json:"quarantined_at"`
	Payload       QuarantinePayload `json:"payload"`
	// Status is open, retried (sent to the registry again) or resolved.
	Status     string     `json:"status"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// QuarantinePayload describes the payload of a quarantined item.
type QuarantinePayload struct {
	Size int64 `json:"size"`
	// SHA256 is set on a single item, not in lists.
	SHA256 string `json:"sha256,omitempty"`
	URL    string `json:"url"`
}

// QuarantineList is a page of quarantined items. Restricted: the caller
// may not see the quarantine (it needs every domain). Next, when set, is
// the query for the next page.
type QuarantineList struct {
	Items      []QuarantineItem `json:"items"`
	Restricted bool             `json:"restricted,omitempty"`
	Next       string           `json:"next,omitempty"`
}

// Quarantine item statuses.
const (
	QuarantineOpen = "open"
)

type quarantineNoteIn struct {
	Note string `json:"note"`
}

func (h *Handler) quarantineRoutes() []Route {
	route := func(method, path string, f func(w http.ResponseWriter, r *http.Request, p auth.Principal)) Route {
		return Route{Method: method, Path: path, Role: auth.RoleBeheerder, Handler: h.authed(auth.RoleBeheerder, f)}
	}
	return []Route{
		route(http.MethodGet, "/api/v1/quarantine", h.listQuarantine),
		route(http.MethodGet, "/api/v1/quarantine/{id}", h.getQuarantine),
		route(http.MethodGet, "/api/v1/quarantine/{id}/payload", h.quarantinePayload),
		route(http.MethodPost, "/api/v1/quarantine/{id}/retry", h.retryQuarantine),
		route(http.MethodPost, "/api/v1/quarantine/{id}/resolve", h.resolveQuarantine),
	}
}

func (h *Handler) listQuarantine(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	f := store.QuarantineFilter{Limit: 50}
	switch q.Get("status") {
	case "", QuarantineOpen:
		f.Open = true
	case "resolved":
		f.Resolved = true
	case "all":
	default:
		writeError(w, http.StatusBadRequest, "status: want open, resolved or all")
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, "limit: want a number from 1 to 500")
			return
		}
		f.Limit = n
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "before: want a positive item id")
			return
		}
		f.BeforeID = n
	}
	if !quarantine.Visible(p) {
		writeJSON(w, http.StatusOK, QuarantineList{Items: []QuarantineItem{}, Restricted: true})
		return
	}
	items, err := h.st.ListQuarantineEntries(r.Context(), f)
	if err != nil {
		h.storeError(w, "list quarantine", err)
		return
	}
	out := QuarantineList{Items: make([]QuarantineItem, len(items))}
	for i, e := range items {
		out.Items[i] = toQuarantineItem(e)
	}
	if len(items) == f.Limit {
		nq := r.URL.Query()
		nq.Set("before", strconv.FormatInt(items[len(items)-1].ID, 10))
		out.Next = "/api/v1/quarantine?" + nq.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// quarantineEntry looks up the item of the path, answering 404 for one p
// may not see or that does not exist.
func (h *Handler) quarantineEntry(w http.ResponseWriter, r *http.Request, p auth.Principal) (store.QuarantineEntry, bool) {
	id := pathID(r)
	if !quarantine.Visible(p) || id == 0 {
		writeError(w, http.StatusNotFound, "no quarantined item "+r.PathValue("id"))
		return store.QuarantineEntry{}, false
	}
	e, err := h.st.GetQuarantineEntry(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no quarantined item "+r.PathValue("id"))
		return e, false
	}
	if err != nil {
		h.storeError(w, "get quarantined item", err)
		return e, false
	}
	return e, true
}

func (h *Handler) getQuarantine(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	e, ok := h.quarantineEntry(w, r, p)
	if !ok {
		return
	}
	item := toQuarantineItem(e)
	sum := sha256.Sum256(e.Payload)
	item.Payload.SHA256 = hex.EncodeToString(sum[:])
	writeJSON(w, http.StatusOK, item)
}

// quarantinePayload serves the payload as a download, never for the
// browser to render: it may be anything.
func (h *Handler) quarantinePayload(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	e, ok := h.quarantineEntry(w, r, p)
	if !ok {
		return
	}
	// The payload may hold anyone's personal data: log who saw it. It has
	// no domain the registry vouches for.
	if !h.audit(w, r, p, store.AccessEntry{Action: store.AccessViewQuarantine, Detail: fmt.Sprintf("quarantaine %d", e.ID)}, false) {
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="quarantaine-%d.bin"`, e.ID))
	w.Header().Set("Content-Length", strconv.Itoa(len(e.Payload)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(e.Payload) // the client went away; nothing left to tell it
}

// retryQuarantine sends the payload to the intake stream again and marks
// the item retried. The item is marked first: should the payload fail
// again, the registry quarantines it as a new item (the retried one gave
// up its key), which it could not if the mark came after. A publish that
// fails takes the mark back.
func (h *Handler) retryQuarantine(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in quarantineNoteIn
	if problem := decodeJSON(r, &in); problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	e, ok := h.quarantineEntry(w, r, p)
	if !ok {
		return
	}
	// The mark, the publish and its undo: package quarantine, shared with
	// the web UI.
	resolved, err := quarantine.Retry(r.Context(), h.st, h.intake.republisher, e, p.Actor(), in.Note, time.Now())
	switch {
	case errors.Is(err, quarantine.ErrNotFromIntake):
		writeError(w, http.StatusUnprocessableEntity, "the item did not come from the intake stream; it cannot be sent again")
		return
	case errors.Is(err, quarantine.ErrNoBus):
		writeError(w, http.StatusServiceUnavailable, "retrying is not available: the registry has no bus")
		return
	case errors.Is(err, quarantine.ErrNotSent):
		h.log.Error("retry quarantined item", "quarantine_id", e.ID, "error", err)
		writeError(w, http.StatusServiceUnavailable, "the item could not be sent again; it is still open")
		return
	case h.resolveError(w, err):
		return
	}
	h.log.Info("quarantined item retried", "quarantine_id", e.ID, "event_id", e.EventID, "actor", p.Actor())
	writeJSON(w, http.StatusOK, toQuarantineItem(resolved))
}

func (h *Handler) resolveQuarantine(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in quarantineNoteIn
	if problem := decodeJSON(r, &in); problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	if strings.TrimSpace(in.Note) == "" {
		writeError(w, http.StatusBadRequest, "note: say what was done with the item")
		return
	}
	e, ok := h.quarantineEntry(w, r, p)
	if !ok {
		return
	}
	resolved, err := quarantine.Resolve(r.Context(), h.st, e.ID, p.Actor(), in.Note, time.Now())
	if h.resolveError(w, err) {
		return
	}
	h.log.Info("quarantined item resolved", "quarantine_id", e.ID, "actor", p.Actor())
	writeJSON(w, http.StatusOK, toQuarantineItem(resolved))
}

// resolveError answers a failed resolution and reports whether it did.
func (h *Handler) resolveError(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrResolved):
		writeError(w, http.StatusConflict, "the item is resolved already")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such quarantined item")
	default:
		h.storeError(w, "resolve quarantined item", err)
	}
	return true
}

func toQuarantineItem(e store.QuarantineEntry) QuarantineItem {
	status := quarantine.Status(e)
	return QuarantineItem{
		ID: e.ID, Subject: e.Subject, EventID: e.EventID, StreamSeq: e.StreamSeq, Deliveries: e.Deliveries,
		Reason: e.Reason, QuarantinedAt: e.At, Status: status, ResolvedAt: e.ResolvedAt, ResolvedBy: e.ResolvedBy, Note: e.Note,
		Payload: QuarantinePayload{Size: e.PayloadSize, URL: fmt.Sprintf("/api/v1/quarantine/%d/payload", e.ID)},
	}
}
