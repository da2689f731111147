package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// "Zoeken" ("/zoeken") finds messages by their words — subject, text,
// sender, the case's reference, attachment names — with filters, through
// the store's search (store.Search.SearchMessages), as GET /api/v1/search
// does, and logs every search in the access log before it shows results.

func (h *Handler) searchPage() page {
	return page{nav: "Zoeken", path: "/zoeken", role: auth.RoleOnthaal, routes: []route{
		{pattern: "GET /zoeken", role: auth.RoleOnthaal, serve: h.search},
	}}
}

// maxSearchText bounds what may be looked for, in characters (as the API).
const maxSearchText = 200

// searchPageSize is the number of results on a page.
const searchPageSize = 20

// searchForm is the search as the form (the URL) gives it.
type searchForm struct {
	Q, Channel, Status, Department, Type, Domain, From, To string
	Page                                                   int
}

// searchParams are the form's fields in the URL.
var searchParams = []string{"q", "kanaal", "status", "dienst", "type", "domein", "van", "tot"}

func readSearchForm(v url.Values) searchForm {
	f := searchForm{Q: strings.TrimSpace(v.Get("q")), Channel: v.Get("kanaal"), Status: v.Get("status"), Department: v.Get("dienst"),
		Type: v.Get("type"), Domain: v.Get("domein"), From: v.Get("van"), To: v.Get("tot"), Page: 1}
	if n, err := strconv.Atoi(v.Get("pagina")); err == nil && n > 1 {
		f.Page = min(n, store.SearchMaxMatches/searchPageSize)
	}
	return f
}

// asked reports whether the form was filled in at all.
func (f searchForm) asked() bool {
	return f.Q != "" || f.Channel != "" || f.Status != "" || f.Department != "" || f.Type != "" || f.Domain != "" ||
		f.From != "" || f.To != ""
}

// values is the form as URL values, on page.
func (f searchForm) values(page int) url.Values {
	v := url.Values{}
	for i, s := range []string{f.Q, f.Channel, f.Status, f.Department, f.Type, f.Domain, f.From, f.To} {
		if s != "" {
			v.Set(searchParams[i], s)
		}
	}
	if page > 1 {
		v.Set("pagina", strconv.Itoa(page))
	}
	return v
}

type searchView struct {
	Form      searchForm
	Asked     bool
	NoDomains bool
	Problems  []string
	// The choices of the filters.
	Channels, Statuses, Departments, Types, Domains []option
	// SeveralDomains: the user sees more than one domain (a filter and a
	// column).
	SeveralDomains bool
	Hits           []hitView
	Total          int
	Capped         bool
	Pending        int
	First, Last    int // the numbers of the results shown
	Prev, Next     string
}

// hitView is a message found.
type hitView struct {
	ID               int64
	At               time.Time
	Channel, Domain  string
	Sender           string
	Direction        string
	Incoming         bool
	Subject, Snippet []store.SnippetPart
	CaseRef, CaseURL string
	CaseStatus       string
	CaseType         string
	CaseDepartment   string
	AttachmentNames  []string
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	f := readSearchForm(r.URL.Query())
	v := h.searchChoices(f, p)
	v.Form, v.Asked = f, f.asked()
	domains, ok := p.DomainFilter()
	if !ok {
		v.NoDomains = true
		h.render(w, r, http.StatusOK, "zoeken", "Zoeken", v)
		return
	}
	if !v.Asked {
		h.render(w, r, http.StatusOK, "zoeken", "Zoeken", v)
		return
	}
	q := store.SearchQuery{Text: f.Q, Channel: f.Channel, Status: f.Status, Department: f.Department, Type: f.Type,
		Limit: searchPageSize, Offset: (f.Page - 1) * searchPageSize}
	if utf8.RuneCountInString(f.Q) > maxSearchText {
		v.Problems = append(v.Problems, fmt.Sprintf("Zoek met hoogstens %d tekens.", maxSearchText))
	}
	var err error
	if q.From, err = h.dayBound(f.From, false); err != nil {
		v.Problems = append(v.Problems, "Van: kies een datum (bijvoorbeeld 2026-12-04).")
	}
	if q.To, err = h.dayBound(f.To, true); err != nil {
		v.Problems = append(v.Problems, "Tot en met: kies een datum (bijvoorbeeld 2026-12-04).")
	}
	if len(v.Problems) > 0 {
		h.render(w, r, http.StatusBadRequest, "zoeken", "Zoeken", v)
		return
	}
	q.Domains = pickDomains(domains, f.Domain)
	if len(q.Domains) == 0 { // a domain the user may not see: nothing, and never "every domain"
		h.render(w, r, http.StatusOK, "zoeken", "Zoeken", v)
		return
	}
	res, err := h.st.SearchMessages(r.Context(), q)
	if err != nil {
		h.storeFailed(w, r, "search messages", err)
		return
	}
	shown := make([]string, 0, len(res.Hits))
	for _, hit := range res.Hits {
		if p.CanSeeDomain(hit.Message.Domain) { // the store searched only these; belt and braces
			shown = append(shown, hit.Message.Domain)
			v.Hits = append(v.Hits, h.hitView(hit))
		}
	}
	if !h.recordSearch(w, r, p, "berichten zoeken:", q.Domains, shown, searchScope, "deze zoekresultaten") {
		return
	}
	v.Total, v.Capped, v.Pending = res.Total, res.TotalCapped, res.Pending
	if len(v.Hits) > 0 {
		v.First, v.Last = q.Offset+1, q.Offset+len(v.Hits)
	}
	if f.Page > 1 {
		v.Prev = "/zoeken?" + f.values(f.Page-1).Encode()
	}
	if v.Last < res.Total && len(res.Hits) == q.Limit && f.Page < store.SearchMaxMatches/searchPageSize {
		v.Next = "/zoeken?" + f.values(f.Page+1).Encode()
	}
	h.render(w, r, http.StatusOK, "zoeken", "Zoeken", v)
}

// recordSearch writes a search in domains to the access log before its
// results (shown: the domain of each) are shown (privacy.RecordSearch), as
// the API does: what names the search ("berichten zoeken:"), followed by
// the query of the request. When it answered instead (the reason form for
// scope, or 503), it returns false.
func (h *Handler) recordSearch(w http.ResponseWriter, r *http.Request, p auth.Principal, what string, domains, shown []string, scope, reasonFor string) bool {
	asked, err := url.QueryUnescape(r.URL.Query().Encode())
	if err != nil {
		asked = r.URL.Query().Encode()
	}
	err = privacy.RecordSearch(r.Context(), h.st, privacy.SearchAccess{Actor: p.Actor(), Action: store.AccessSearch,
		Query: what + " " + asked, Domains: domains, Shown: shown, Reason: h.givenReason(r, p, scope), At: h.now()})
	switch {
	case err == nil:
		return true
	case needsReason(err):
		h.askReason(w, r, scope, reasonFor)
	default:
		h.accessLogFailed(w, r, err)
	}
	return false
}

// pickDomains is the domains to look in: those of the user, or the one
// asked for when the user may see it (none when not).
func pickDomains(mine []string, asked string) []string {
	if asked == "" {
		return mine
	}
	for _, d := range mine {
		if d == asked {
			return []string{d}
		}
	}
	return nil
}

// dayBound reads a day (YYYY-MM-DD) in the municipality's time zone: its
// start, or as the end of a period (the day included) the next day's.
// Zero for "".
func (h *Handler) dayBound(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, h.loc)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

// searchChoices are the filters' options, with f's selected.
func (h *Handler) searchChoices(f searchForm, p auth.Principal) searchView {
	v := searchView{SeveralDomains: len(p.Domains) > 1}
	for _, c := range caseevent.Channels() {
		v.Channels = append(v.Channels, option{Value: string(c), Label: channelLabel(string(c)), Selected: f.Channel == string(c)})
	}
	for _, s := range append(casework.Statuses(), store.StatusMerged) {
		v.Statuses = append(v.Statuses, option{Value: s, Label: statusLabel(s), Selected: f.Status == s})
	}
	for _, d := range h.cw.Departments() {
		v.Departments = append(v.Departments, option{Value: d.Code, Label: d.Name, Selected: f.Department == d.Code})
	}
	for _, t := range routing.Types() {
		v.Types = append(v.Types, option{Value: t, Label: typeLabel(t), Selected: f.Type == t})
	}
	for _, d := range p.Domains {
		v.Domains = append(v.Domains, option{Value: d, Label: d, Selected: f.Domain == d})
	}
	return v
}

func (h *Handler) hitView(hit store.SearchHit) hitView {
	m := hit.Message
	hv := hitView{ID: m.ID, At: m.EventTime, Channel: m.Channel, Domain: m.Domain, Sender: sender(m), Direction: m.Direction, Incoming: m.Direction != "outgoing",
		Subject: hit.Subject, Snippet: hit.Snippet, CaseRef: hit.CaseRef, CaseStatus: hit.CaseStatus, CaseType: hit.CaseType,
		CaseDepartment: h.departmentName(hit.CaseDepartment)}
	if hv.CaseRef != "" {
		hv.CaseURL = caseURL(hit.CaseRef) + "#bericht-" + strconv.FormatInt(m.ID, 10)
	}
	if len(hv.Subject) == 0 {
		hv.Subject = []store.SnippetPart{{Text: m.Subject}}
	}
	if len(hv.Snippet) == 0 && m.Text != "" {
		hv.Snippet = []store.SnippetPart{{Text: store.LeadingWords(m.Text, 200)}}
	}
	for _, a := range m.Attachments {
		hv.AttachmentNames = append(hv.AttachmentNames, a.Name)
	}
	return hv
}
