package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/quarantine"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// "Quarantaine" ("/quarantaine"): the events the registry could not take,
// why, their payload to download, and sending one again or closing it with
// a note — through package quarantine, as /api/v1/quarantine does. Only a
// beheerder who may see every domain sees the quarantine
// (quarantine.Visible): a payload may hold anyone's personal data.

func (h *Handler) quarantinePage() page {
	return page{nav: "Quarantaine", path: "/quarantaine", role: auth.RoleBeheerder, routes: []route{
		{pattern: "GET /quarantaine", role: auth.RoleBeheerder, serve: h.quarantineList},
		{pattern: "GET /quarantaine/{id}/inhoud", role: auth.RoleBeheerder, serve: h.quarantinePayload},
		{pattern: "POST /quarantaine/{id}/opnieuw", role: auth.RoleBeheerder, serve: h.quarantineRetry},
		{pattern: "POST /quarantaine/{id}/afhandelen", role: auth.RoleBeheerder, serve: h.quarantineResolve},
	}}
}

// quarantineLimit is the number of items a page lists.
const quarantineLimit = 50

type quarantineView struct {
	Restricted bool
	Filter     string // open, afgehandeld or alle
	Filters    []option
	Items      []quarantineRow
	Next       string
	CanRetry   bool // there is a bus to send items on
}

type quarantineRow struct {
	store.QuarantineEntry
	Status      string
	StatusLabel string
	Open        bool
	FromIntake  bool // it can be sent again
	PayloadURL  string
	URL         string // of its forms
}

func quarantineURL(id int64) string { return "/quarantaine/" + strconv.FormatInt(id, 10) }

func (h *Handler) quarantineList(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	v := quarantineView{Filter: q.Get("status"), CanRetry: h.republ != nil}
	f := store.QuarantineFilter{Limit: quarantineLimit}
	switch v.Filter {
	case "", "open":
		v.Filter, f.Open = "open", true
	case "afgehandeld":
		f.Resolved = true
	case "alle":
	default:
		h.fail(w, r, http.StatusBadRequest, "Kies open, afgehandeld of alle.")
		return
	}
	for _, o := range []option{{Value: "open", Label: "Open"}, {Value: "afgehandeld", Label: "Afgehandeld"}, {Value: "alle", Label: "Alle"}} {
		o.Selected = o.Value == v.Filter
		v.Filters = append(v.Filters, o)
	}
	if s := q.Get("voor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			h.fail(w, r, http.StatusBadRequest, "Deze pagina van de quarantaine bestaat niet.")
			return
		}
		f.BeforeID = n
	}
	if !quarantine.Visible(p) {
		v.Restricted = true
		h.render(w, r, http.StatusOK, "quarantaine", "Quarantaine", v)
		return
	}
	items, err := h.st.ListQuarantineEntries(r.Context(), f)
	if err != nil {
		h.storeFailed(w, r, "list quarantine", err)
		return
	}
	for _, e := range items {
		status := quarantine.Status(e)
		v.Items = append(v.Items, quarantineRow{QuarantineEntry: e, Status: status, StatusLabel: quarantineStatusLabel(status),
			Open: status == quarantine.StatusOpen, FromIntake: strings.HasPrefix(e.Subject, caseevent.SubjectPrefix+"."),
			PayloadURL: quarantineURL(e.ID) + "/inhoud", URL: quarantineURL(e.ID)})
	}
	if len(items) == f.Limit {
		nq := url.Values{"status": {v.Filter}, "voor": {strconv.FormatInt(items[len(items)-1].ID, 10)}}
		v.Next = "/quarantaine?" + nq.Encode()
	}
	h.render(w, r, http.StatusOK, "quarantaine", "Quarantaine", v)
}

func quarantineStatusLabel(s string) string {
	switch s {
	case quarantine.StatusOpen:
		return "Open"
	case store.ResolutionRetried:
		return "Opnieuw verstuurd"
	case store.ResolutionResolved:
		return "Afgehandeld"
	}
	return s
}

// quarantineEntry is item {id} for p, or false after answering that there
// is none: also for an item p may not see.
func (h *Handler) quarantineEntry(w http.ResponseWriter, r *http.Request, p auth.Principal) (store.QuarantineEntry, bool) {
	id := pathID(r)
	notFound := func() {
		h.fail(w, r, http.StatusNotFound, "Dit item bestaat niet in de quarantaine, of je hebt er geen toegang toe.")
	}
	if !quarantine.Visible(p) || id == 0 {
		notFound()
		return store.QuarantineEntry{}, false
	}
	e, err := h.st.GetQuarantineEntry(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound()
		return e, false
	case err != nil:
		h.storeFailed(w, r, "get quarantined item", err)
		return e, false
	}
	return e, true
}

// quarantinePayload serves the payload as a download, never for the
// browser to render (it may be anything), once the access log has it: it
// may hold anyone's personal data, and has no domain the registry vouches
// for.
func (h *Handler) quarantinePayload(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	e, ok := h.quarantineEntry(w, r, p)
	if !ok {
		return
	}
	if err := h.recordAccess(r, p, store.AccessEntry{Action: store.AccessViewQuarantine, Detail: fmt.Sprintf("quarantaine %d", e.ID)}, ""); err != nil {
		h.accessLogFailed(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", contentDisposition(fmt.Sprintf("quarantaine-%d.bin", e.ID)))
	hd.Set("Content-Length", strconv.Itoa(len(e.Payload)))
	hd.Set("Content-Security-Policy", downloadCSP)
	hd.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(e.Payload) // the client went away
}

func (h *Handler) quarantineRetry(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	e, ok := h.quarantineEntry(w, r, p)
	if !ok {
		return
	}
	_, err := quarantine.Retry(r.Context(), h.st, h.republ, e, p.Actor(), r.PostFormValue("note"), h.now())
	back := "/quarantaine#item-" + strconv.FormatInt(e.ID, 10)
	switch {
	case err == nil:
		h.log.Info("quarantined item retried", "quarantine_id", e.ID, "event_id", e.EventID, "actor", p.Actor())
		h.redirectBack(w, r, "/quarantaine", false, fmt.Sprintf("Item %d is opnieuw naar het register gestuurd.", e.ID))
	case errors.Is(err, quarantine.ErrNotFromIntake):
		h.redirectBack(w, r, back, true, "Dit item kwam niet van de intakestroom en kan niet opnieuw verstuurd worden. Handel het af met een notitie.")
	case errors.Is(err, quarantine.ErrNoBus):
		h.redirectBack(w, r, back, true, "Opnieuw versturen is nu niet mogelijk: het register heeft geen verbinding met de berichtenbus.")
	case errors.Is(err, store.ErrResolved):
		h.redirectBack(w, r, back, true, "Dit item is al afgehandeld.")
	case errors.Is(err, store.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Dit item bestaat niet in de quarantaine, of je hebt er geen toegang toe.")
	case errors.Is(err, quarantine.ErrNotSent):
		h.log.Error("retry quarantined item", "quarantine_id", e.ID, "error", err)
		h.redirectBack(w, r, back, true, "Opnieuw versturen lukte niet; het item blijft open. Probeer het zo opnieuw.")
	default:
		h.storeFailed(w, r, "retry quarantined item", err)
	}
}

func (h *Handler) quarantineResolve(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	e, ok := h.quarantineEntry(w, r, p)
	if !ok {
		return
	}
	_, err := quarantine.Resolve(r.Context(), h.st, e.ID, p.Actor(), r.PostFormValue("note"), h.now())
	back := "/quarantaine#item-" + strconv.FormatInt(e.ID, 10)
	switch {
	case err == nil:
		h.log.Info("quarantined item resolved", "quarantine_id", e.ID, "actor", p.Actor())
		h.redirectBack(w, r, "/quarantaine", false, fmt.Sprintf("Item %d is afgehandeld.", e.ID))
	case errors.Is(err, quarantine.ErrNoteRequired):
		h.redirectBack(w, r, back, true, "Schrijf in de notitie wat er met het item gebeurde.")
	case errors.Is(err, store.ErrResolved):
		h.redirectBack(w, r, back, true, "Dit item is al afgehandeld.")
	case errors.Is(err, store.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Dit item bestaat niet in de quarantaine, of je hebt er geen toegang toe.")
	default:
		h.storeFailed(w, r, "resolve quarantined item", err)
	}
}
