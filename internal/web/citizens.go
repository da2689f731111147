package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// "Burgers": find a citizen by name, e-mail address, phone number or
// Facebook id ("/burgers?q="), and a citizen with all their cases across
// channels ("/burgers/{id}"), through the store's contacts
// (ListContacts, GetContact, ListCasesByContact) as /api/v1/citizens does.
// A citizen is a contact of one domain: a citizen of a domain the user may
// not see does not exist for them. A beheerder may export everything about
// a citizen (as GET /api/v1/citizens/{id}/export).

func (h *Handler) citizensPage() page {
	return page{nav: "Burgers", path: "/burgers", role: auth.RoleOnthaal, routes: []route{
		{pattern: "GET /burgers", role: auth.RoleOnthaal, serve: h.citizens},
		{pattern: "GET /burgers/{id}", role: auth.RoleOnthaal, serve: h.citizen},
		{pattern: "POST /burgers/{id}/export", role: auth.RoleBeheerder, serve: h.exportCitizen},
	}}
}

// citizenLimit is the number of citizens a lookup lists.
const citizenLimit = 50

type citizensView struct {
	Q              string
	Domain         string
	Domains        []option
	SeveralDomains bool
	NoDomains      bool
	Asked          bool
	Problem        string
	Citizens       []citizenRow
	More           bool
}

type citizenRow struct {
	store.ContactSummary
	URL string
}

func citizenURL(id int64) string { return citizenScope(id) }

func (h *Handler) citizens(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v := citizensView{Q: strings.TrimSpace(r.URL.Query().Get("q")), Domain: r.URL.Query().Get("domein"),
		SeveralDomains: len(p.Domains) > 1}
	for _, d := range p.Domains {
		v.Domains = append(v.Domains, option{Value: d, Label: d, Selected: v.Domain == d})
	}
	domains, ok := p.DomainFilter()
	v.NoDomains, v.Asked = !ok, v.Q != ""
	if !ok || !v.Asked {
		h.render(w, r, http.StatusOK, "burgers", "Burgers", v)
		return
	}
	if utf8.RuneCountInString(v.Q) > maxSearchText {
		v.Problem = fmt.Sprintf("Zoek met hoogstens %d tekens.", maxSearchText)
		h.render(w, r, http.StatusBadRequest, "burgers", "Burgers", v)
		return
	}
	domains = pickDomains(domains, v.Domain)
	if len(domains) == 0 { // a domain the user may not see: nobody, never "every domain"
		h.render(w, r, http.StatusOK, "burgers", "Burgers", v)
		return
	}
	cs, err := h.st.ListContacts(r.Context(), store.ContactQuery{Text: v.Q, Domains: domains, Limit: citizenLimit})
	if err != nil {
		h.storeFailed(w, r, "list citizens", err)
		return
	}
	shown := make([]string, 0, len(cs))
	for _, c := range cs {
		if p.CanSeeDomain(c.Domain) { // the store looked only in these; belt and braces
			shown = append(shown, c.Domain)
			v.Citizens = append(v.Citizens, citizenRow{ContactSummary: c, URL: citizenURL(c.ID)})
		}
	}
	if !h.recordSearch(w, r, p, "burgers zoeken:", domains, shown, citizenSearchScope, "deze burgers") {
		return
	}
	v.More = len(cs) == citizenLimit
	h.render(w, r, http.StatusOK, "burgers", "Burgers", v)
}

type citizenView struct {
	store.ContactSummary
	URL       string
	Cases     caseTable
	CanExport bool
	MaxReason int
}

// contactFor is the citizen {id} for p, or false after answering that
// there is none.
func (h *Handler) contactFor(w http.ResponseWriter, r *http.Request, p auth.Principal) (store.ContactSummary, bool) {
	id := pathID(r)
	c, err := h.st.GetContact(r.Context(), id)
	switch {
	case id == 0, errors.Is(err, store.ErrNotFound), err == nil && !p.CanSeeDomain(c.Domain):
		h.fail(w, r, http.StatusNotFound, "Deze burger bestaat niet, of je hebt er geen toegang toe.")
		return c, false
	case err != nil:
		h.storeFailed(w, r, "get citizen", err)
		return c, false
	}
	return c, true
}

func (h *Handler) citizen(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	c, ok := h.contactFor(w, r, p)
	if !ok {
		return
	}
	cases, err := h.st.ListCasesByContact(r.Context(), c.ID)
	if err != nil {
		h.storeFailed(w, r, "list the citizen's cases", err)
		return
	}
	if !h.recordView(w, r, p, store.AccessEntry{Action: store.AccessViewCitizen, ContactID: c.ID, Domain: c.Domain},
		citizenScope(c.ID), "deze burger") {
		return
	}
	// Always the citizen's domain; belt and braces.
	cases = slices.DeleteFunc(cases, func(cs store.Case) bool { return !p.CanSeeDomain(cs.Domain) })
	name := c.Name
	if name == "" {
		name = "Burger " + fmt.Sprint(c.ID)
	}
	v := citizenView{ContactSummary: c, URL: citizenURL(c.ID), CanExport: p.HasRole(auth.RoleBeheerder), MaxReason: privacy.MaxReason,
		Cases: caseTable{ID: "dossiers", Title: "Dossiers", Intro: "Alle dossiers van deze burger, via elk kanaal, het laatst gewijzigde eerst.",
			Empty: "Geen dossiers.", Rows: h.rows(cases, h.now()), Channels: true}}
	h.render(w, r, http.StatusOK, "burger", name, v)
}

// exportCitizen answers everything stored about a citizen as a zip file
// (privacy.WriteZip), once the export is in the access log with the reason
// the form gives (always required).
func (h *Handler) exportCitizen(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id := pathID(r)
	exp, err := h.st.ExportContact(r.Context(), id)
	switch {
	case id == 0, errors.Is(err, store.ErrNotFound), err == nil && !p.CanSeeDomain(exp.Contact.Domain):
		h.fail(w, r, http.StatusNotFound, "Deze burger bestaat niet, of je hebt er geen toegang toe.")
		return
	case err != nil:
		h.storeFailed(w, r, "export citizen", err)
		return
	}
	refs := make([]string, len(exp.Cases))
	for i, c := range exp.Cases {
		refs[i] = c.Ref
	}
	err = privacy.Record(r.Context(), h.st, store.AccessEntry{Actor: p.Actor(), At: h.now(), Action: store.AccessExport, ContactID: id,
		Domain: exp.Contact.Domain, Reason: r.PostFormValue(reasonField),
		Detail: fmt.Sprintf("zip: %d berichten, dossiers %s", len(exp.Messages), strings.Join(refs, ", "))}, true)
	switch {
	case needsReason(err):
		msg := "Geef een reden op voor de export: waarom exporteer je deze gegevens?"
		if errors.Is(err, privacy.ErrReasonTooLong) {
			msg = reasonProblem(err)
		}
		h.redirectBack(w, r, citizenURL(id)+"#exporteren", true, msg)
		return
	case err != nil:
		h.accessLogFailed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", contentDisposition(fmt.Sprintf("burger-%d.zip", id)))
	w.Header().Set("Content-Security-Policy", downloadCSP)
	if err := privacy.WriteZip(r.Context(), w, h.st, exp, h.now()); err != nil {
		// The status is sent; the browser gets a broken zip.
		h.log.Error("write citizen export", "error", err)
	}
}
