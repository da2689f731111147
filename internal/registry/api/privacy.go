package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// ReasonHeader carries why a member of staff looks at personal data; the
// query parameter reason does the same (better for text with accents).
// Cases and citizens of the sociaalhuis domain need one
// (privacy.ReasonRequired); an export or erasure always does.
const ReasonHeader = "X-Meldpunt-Reason"

// privacyRoutes are the privacy officer's: export and erase a citizen, and
// read the access log. All need the role beheerder.
func (h *Handler) privacyRoutes() []Route {
	route := func(method, path string, f func(w http.ResponseWriter, r *http.Request, p auth.Principal)) Route {
		return Route{Method: method, Path: path, Role: auth.RoleBeheerder, Handler: h.authed(auth.RoleBeheerder, f)}
	}
	return []Route{
		route(http.MethodGet, "/api/v1/citizens/{id}/export", h.exportCitizen),
		route(http.MethodPost, "/api/v1/citizens/{id}/erase", h.eraseCitizen),
		route(http.MethodGet, "/api/v1/access-log", h.accessLog),
	}
}

// requestReason is the reason a request gives: the header, else ?reason=.
func requestReason(r *http.Request) string {
	if v := r.Header.Get(ReasonHeader); v != "" {
		return v
	}
	return r.URL.Query().Get("reason")
}

// audit checks the request's reason for looking at data of e.Domain
// (required for a domain that needs one and, with always, for any) and
// writes e, as p, to the access log (privacy.Record), before what it
// records is shown. When it answered instead (400 without an acceptable
// reason; 503 when the log cannot be written, so nothing is shown that is
// not logged), it returns false.
func (h *Handler) audit(w http.ResponseWriter, r *http.Request, p auth.Principal, e store.AccessEntry, always bool) bool {
	e.Actor, e.At, e.Reason = p.Actor(), time.Now(), requestReason(r)
	err := privacy.Record(r.Context(), h.st, e, always)
	if err == nil {
		return true
	}
	if !reasonProblem(w, err, e.Domain) {
		h.log.Error("write the access log", "case_ref", e.CaseRef, "error", err)
		writeError(w, http.StatusServiceUnavailable, "the access log is not available, so nothing is shown")
	}
	return false
}

// reasonProblem answers 400 for an unacceptable reason (for data of
// domain; empty: any) and reports whether err was one.
func reasonProblem(w http.ResponseWriter, err error, domain string) bool {
	switch {
	case errors.Is(err, privacy.ErrReasonTooLong):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("reason: at most %d characters (reden: hoogstens %d tekens)",
			privacy.MaxReason, privacy.MaxReason))
	case errors.Is(err, privacy.ErrReasonRequired):
		what := "this needs a reason"
		if privacy.ReasonRequired(domain) {
			what = "data of the " + domain + " domain needs a reason"
		}
		writeError(w, http.StatusBadRequest, what+": say why in the "+ReasonHeader+" header or ?reason= "+
			"(geef een reden op: waarom bekijk je deze gegevens?)")
	default:
		return false
	}
	return true
}

// citizenID reads the {id} of the path; false when it answered 400.
func citizenID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "id: want a citizen id (a positive number)")
		return 0, false
	}
	return id, true
}

func noCitizen(w http.ResponseWriter, id int64) {
	writeError(w, http.StatusNotFound, fmt.Sprintf("no citizen %d", id))
}

// exportCitizen answers everything stored about a citizen as a zip file
// (see privacy.WriteZip), once the export is in the access log.
func (h *Handler) exportCitizen(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, ok := citizenID(w, r)
	if !ok {
		return
	}
	exp, err := h.st.ExportContact(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.CanSeeDomain(exp.Contact.Domain)) {
		noCitizen(w, id)
		return
	}
	if err != nil {
		h.storeError(w, "export citizen", err)
		return
	}
	refs := make([]string, len(exp.Cases))
	for i, c := range exp.Cases {
		refs[i] = c.Ref
	}
	if !h.audit(w, r, p, store.AccessEntry{Action: store.AccessExport, ContactID: id, Domain: exp.Contact.Domain,
		Detail: fmt.Sprintf("zip: %d berichten, dossiers %s", len(exp.Messages), strings.Join(refs, ", "))}, true) {
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="burger-%d.zip"`, id))
	w.Header().Set("Cache-Control", "no-store")
	if err := privacy.WriteZip(r.Context(), w, h.st, exp, time.Now()); err != nil {
		// The status is sent; the client sees a broken zip.
		h.log.Error("write citizen export", "error", err)
	}
}

// EraseRequest is the body of POST /api/v1/citizens/{id}/erase.
type EraseRequest struct {
	Reason string `json:"reason"`
}

// eraseCitizen erases a citizen (see store.Privacy.EraseContact) and
// answers what it removed. The store records the erasure in the access
// log in the same transaction.
func (h *Handler) eraseCitizen(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in EraseRequest
	if problem := decodeJSON(r, &in); problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	id, ok := citizenID(w, r)
	if !ok {
		return
	}
	if in.Reason == "" {
		in.Reason = requestReason(r)
	}
	reason, err := privacy.CleanReason(in.Reason, true)
	if err != nil {
		reasonProblem(w, err, "")
		return
	}
	domains, ok := p.DomainFilter()
	if !ok { // an empty filter would mean every domain
		noCitizen(w, id)
		return
	}
	res, err := h.st.EraseContact(r.Context(), store.Erasure{ContactID: id, Domains: domains, Actor: p.Actor(), Reason: reason,
		At: time.Now()})
	if errors.Is(err, store.ErrNotFound) {
		noCitizen(w, id)
		return
	}
	if err != nil {
		h.storeError(w, "erase citizen", err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// AccessEntry is an entry of the access log as the API shows it.
type AccessEntry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	CaseRef   string    `json:"case_ref,omitempty"`
	CitizenID int64     `json:"citizen_id,omitempty"`
	Domain    string    `json:"domain,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// AccessLog is a page of the access log, newest first. Next, when set, is
// the query for the next page.
type AccessLog struct {
	Entries []AccessEntry `json:"entries"`
	Next    string        `json:"next,omitempty"`
}

// accessLog answers the access log of the domains p may see (and entries
// of no domain), filtered by ?actor=, ?action=, ?case=, ?citizen=, ?from=,
// ?to= (a day, both inclusive, or an RFC 3339 time), ?domain=, ?limit= and ?before=
// (an entry id, for paging).
func (h *Handler) accessLog(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	f := store.AccessFilter{Actor: q.Get("actor"), Action: q.Get("action"), CaseRef: q.Get("case"), Limit: 100,
		Domains: visibleDomains(r, p)}
	var problems []string
	if v := q.Get("citizen"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			problems = append(problems, "citizen: want a citizen id")
		}
		f.ContactID = n
	}
	for _, b := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &f.From, false}, {"to", &f.To, true}} {
		v := q.Get(b.name)
		if v == "" {
			continue
		}
		t, err := h.periodBound(v, b.end)
		if err != nil {
			problems = append(problems, b.name+": "+err.Error())
		}
		*b.dst = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			problems = append(problems, "limit: want a number from 1 to 1000")
		}
		f.Limit = n
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			problems = append(problems, "before: want an entry id")
		}
		f.BeforeID = n
	}
	if len(problems) > 0 {
		writeError(w, http.StatusBadRequest, strings.Join(problems, "; "))
		return
	}
	if len(f.Domains) == 0 { // an empty filter would mean every domain
		writeJSON(w, http.StatusOK, AccessLog{Entries: []AccessEntry{}})
		return
	}
	// Reading the log is logged too, without a domain: every beheerder
	// sees it. So it names no case or citizen, which could be another
	// domain's.
	if !h.audit(w, r, p, store.AccessEntry{Action: store.AccessViewAccessLog, Detail: accessFilterDetail(q)}, false) {
		return
	}
	entries, err := h.st.ListAccess(r.Context(), f)
	if err != nil {
		h.storeError(w, "list access log", err)
		return
	}
	out := AccessLog{Entries: make([]AccessEntry, len(entries))}
	for i, e := range entries {
		out.Entries[i] = AccessEntry{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, CaseRef: e.CaseRef,
			CitizenID: e.ContactID, Domain: e.Domain, Reason: e.Reason, Detail: e.Detail}
	}
	if len(entries) == f.Limit {
		nq := r.URL.Query()
		nq.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		out.Next = "/api/v1/access-log?" + nq.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// accessFilterDetail describes a query of the access log for the log
// itself: the values of actor, action, domain, from and to, and only the
// names of case and citizen.
func accessFilterDetail(q url.Values) string {
	var parts []string
	for _, k := range []string{"actor", "action", "domain", "from", "to"} {
		if v := q.Get(k); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	for _, k := range []string{"case", "citizen"} {
		if q.Get(k) != "" {
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, " ")
}

// auditSearch logs a search or lookup in domains, one entry per domain,
// with what was asked (the query, without the reason) and how many results
// of the domain it showed (shown: the domain of each result). A reason is
// required when a result is of a domain that needs one. Like audit, it
// answers and returns false when the reason is missing or the log cannot
// be written.
func (h *Handler) auditSearch(w http.ResponseWriter, r *http.Request, p auth.Principal, action, what string, domains, shown []string) bool {
	q := r.URL.Query()
	q.Del("reason")
	asked, err := url.QueryUnescape(q.Encode())
	if err != nil {
		asked = q.Encode()
	}
	err = privacy.RecordSearch(r.Context(), h.st, privacy.SearchAccess{Actor: p.Actor(), Action: action, Query: what + " " + asked,
		Domains: domains, Shown: shown, Reason: requestReason(r), At: time.Now()})
	if err == nil {
		return true
	}
	if reasonProblem(w, err, auth.DomainSociaalhuis) {
		return false
	}
	h.log.Error("write the access log", "error", err)
	writeError(w, http.StatusServiceUnavailable, "the access log is not available, so nothing is shown")
	return false
}
