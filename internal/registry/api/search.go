package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Search and the citizen lookup: GET /api/v1/search, /api/v1/citizens and
// /api/v1/citizens/{id}. Every one asks the store only about the domains
// the caller may see (visibleDomains), and answers an empty result when
// that leaves none: the store reads an empty domain list as an error, never
// as "all".

// maxSearchText bounds ?q= (characters).
const maxSearchText = 200

func (h *Handler) searchRoutes() []Route {
	route := func(path string, f func(w http.ResponseWriter, r *http.Request, p auth.Principal)) Route {
		return Route{Method: http.MethodGet, Path: path, Role: auth.RoleOnthaal, Handler: h.authed(auth.RoleOnthaal, f)}
	}
	return []Route{
		route("/api/v1/search", h.search),
		route("/api/v1/citizens", h.listCitizens),
		route("/api/v1/citizens/{id}", h.getCitizen),
	}
}

// SearchResult is a page of GET /api/v1/search.
type SearchResult struct {
	Hits []SearchHit `json:"hits"`
	// Total counts the matches up to 1000; TotalCapped says there are
	// more (only the newest 1000 are ranked and paged: narrow the search).
	Total       int  `json:"total"`
	TotalCapped bool `json:"total_capped"`
	Page        int  `json:"page"`
	Limit       int  `json:"limit"`
	// Next is the URL of the next page, when there is one.
	Next string `json:"next,omitempty"`
	// Pending counts stored changes that are not searchable yet; normally
	// 0 (the search indexes them first).
	Pending int `json:"pending,omitempty"`
}

// SearchHit is a message found. Message.Text is left out: Snippet is the
// part of it that matched, and the case (GET /api/v1/cases/{ref}) has the
// whole message.
type SearchHit struct {
	Domain  string   `json:"domain"`
	Message Message  `json:"message"`
	Case    *HitCase `json:"case"` // null: the message has no case
	// Rank orders the hits (higher first); 0 when listing without q.
	Rank float64 `json:"rank"`
	// Snippet and Subject are plain text in parts; the parts with match
	// true are what matched. Never HTML: escape every part and mark the
	// matching ones (<mark>).
	Snippet []TextPart `json:"snippet"`
	Subject []TextPart `json:"subject"`
}

// HitCase is the case of a message found.
type HitCase struct {
	Ref        string `json:"ref"`
	Status     string `json:"status"`
	Type       string `json:"type,omitempty"`
	Department string `json:"department,omitempty"`
}

// TextPart is a piece of a snippet.
type TextPart struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// search finds messages: ?q= in web-search syntax (words, "phrase", -word,
// or), filtered by ?channel=, ?status=, ?department=, ?type=, ?domain=
// (repeatable; default all the caller may see) and the period ?from= and
// ?to= (a date, both inclusive, in the registry's time zone, or an RFC 3339
// time, to exclusive), paged by ?limit= (1-100, default 20) and ?page=.
// Without q it lists the messages that pass the filters, newest first.
func (h *Handler) search(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v := r.URL.Query()
	q := store.SearchQuery{Text: v.Get("q"), Channel: v.Get("channel"), Status: v.Get("status"),
		Department: v.Get("department"), Type: v.Get("type"), Limit: store.SearchDefaultLimit}
	if utf8.RuneCountInString(q.Text) > maxSearchText {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("q: at most %d characters (zoekterm: hoogstens %d tekens)", maxSearchText, maxSearchText))
		return
	}
	var err error
	if q.From, err = h.periodBound(v.Get("from"), false); err != nil {
		writeError(w, http.StatusBadRequest, "from: "+err.Error())
		return
	}
	if q.To, err = h.periodBound(v.Get("to"), true); err != nil {
		writeError(w, http.StatusBadRequest, "to: "+err.Error())
		return
	}
	page := 1
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.SearchMaxLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: want a number from 1 to %d", store.SearchMaxLimit))
			return
		}
		q.Limit = n
	}
	if s := v.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.SearchMaxMatches {
			writeError(w, http.StatusBadRequest, "page: want a page number from 1")
			return
		}
		page = n
	}
	q.Offset = (page - 1) * q.Limit
	out := SearchResult{Hits: []SearchHit{}, Page: page, Limit: q.Limit}
	q.Domains = visibleDomains(r, p)
	if len(q.Domains) == 0 {
		writeJSON(w, http.StatusOK, out)
		return
	}
	res, err := h.st.SearchMessages(r.Context(), q)
	if err != nil {
		h.storeError(w, "search messages", err)
		return
	}
	shown := make([]string, len(res.Hits))
	for i, hit := range res.Hits {
		shown[i] = hit.Message.Domain
	}
	if !h.auditSearch(w, r, p, store.AccessSearch, "berichten zoeken:", q.Domains, shown) {
		return
	}
	out.Total, out.TotalCapped, out.Pending = res.Total, res.TotalCapped, res.Pending
	for _, hit := range res.Hits {
		out.Hits = append(out.Hits, toHit(hit))
	}
	if shown := q.Offset + len(res.Hits); shown < res.Total && len(res.Hits) == q.Limit {
		next := url.Values{}
		for k, vs := range v {
			next[k] = vs
		}
		next.Set("page", strconv.Itoa(page+1))
		out.Next = "/api/v1/search?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// periodBound reads a bound of the period: a date (YYYY-MM-DD, in the
// registry's time zone; as the end, the day is included) or an RFC 3339
// time. Zero for "".
func (h *Handler) periodBound(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, h.cw.Location())
	if err != nil {
		return time.Time{}, errors.New("want a date (2026-12-04) or a time (2026-12-04T10:15:00+01:00)")
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

func toHit(hit store.SearchHit) SearchHit {
	m := toMessage(hit.Message)
	m.Text = ""
	out := SearchHit{Domain: hit.Message.Domain, Message: m, Rank: hit.Rank,
		Snippet: toParts(hit.Snippet), Subject: toParts(hit.Subject)}
	if hit.CaseRef != "" {
		out.Case = &HitCase{Ref: hit.CaseRef, Status: hit.CaseStatus, Type: hit.CaseType, Department: hit.CaseDepartment}
	}
	return out
}

func toParts(ps []store.SnippetPart) []TextPart {
	out := make([]TextPart, len(ps))
	for i, p := range ps {
		out[i] = TextPart{Text: p.Text, Match: p.Match}
	}
	return out
}

// Citizen is a contact: a citizen as known in one domain. The same person
// writing to both domains is two citizens.
type Citizen struct {
	ID            int64      `json:"id"`
	Domain        string     `json:"domain"`
	Name          string     `json:"name,omitempty"`
	Email         string     `json:"email,omitempty"`
	Phone         string     `json:"phone,omitempty"`
	FacebookID    string     `json:"facebook_id,omitempty"`
	Address       string     `json:"address,omitempty"`
	CaseCount     int        `json:"case_count"`
	LastContactAt *time.Time `json:"last_contact_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// CitizenList is the answer of GET /api/v1/citizens.
type CitizenList struct {
	Citizens []Citizen `json:"citizens"`
}

// CitizenDetail is a citizen with all their cases, across channels.
type CitizenDetail struct {
	Citizen
	Cases []Case `json:"cases"`
}

// listCitizens finds citizens by ?q=: a name or part of one (every word
// begins a word of the name; accents and case ignored), an e-mail address,
// a phone number or a Facebook id; in ?domain= (repeatable; default all
// the caller may see), at most ?limit= (1-100, default 20), most recently
// in contact first. Without q it finds nobody.
func (h *Handler) listCitizens(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v := r.URL.Query()
	q := store.ContactQuery{Text: v.Get("q"), Limit: store.ContactDefaultLimit}
	if utf8.RuneCountInString(q.Text) > maxSearchText {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("q: at most %d characters (zoekterm: hoogstens %d tekens)", maxSearchText, maxSearchText))
		return
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.ContactMaxLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: want a number from 1 to %d", store.ContactMaxLimit))
			return
		}
		q.Limit = n
	}
	out := CitizenList{Citizens: []Citizen{}}
	q.Domains = visibleDomains(r, p)
	if len(q.Domains) == 0 || q.Text == "" {
		writeJSON(w, http.StatusOK, out)
		return
	}
	cs, err := h.st.ListContacts(r.Context(), q)
	if err != nil {
		h.storeError(w, "list citizens", err)
		return
	}
	shown := make([]string, len(cs))
	for i, c := range cs {
		shown[i] = c.Domain
	}
	if !h.auditSearch(w, r, p, store.AccessSearch, "burgers zoeken:", q.Domains, shown) {
		return
	}
	for _, c := range cs {
		if p.CanSeeDomain(c.Domain) { // the store searched only these; belt and braces
			out.Citizens = append(out.Citizens, toCitizen(c))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// getCitizen answers a citizen with all their cases; 404 when there is no
// such citizen or the caller may not see its domain.
func (h *Handler) getCitizen(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, ok := citizenID(w, r)
	if !ok {
		return
	}
	c, err := h.st.GetContact(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.CanSeeDomain(c.Domain)) {
		noCitizen(w, id)
		return
	}
	if err != nil {
		h.storeError(w, "get citizen", err)
		return
	}
	cases, err := h.st.ListCasesByContact(r.Context(), id)
	if err != nil {
		h.storeError(w, "get citizen's cases", err)
		return
	}
	if !h.audit(w, r, p, store.AccessEntry{Action: store.AccessViewCitizen, ContactID: id, Domain: c.Domain}, false) {
		return
	}
	out := CitizenDetail{Citizen: toCitizen(c), Cases: []Case{}}
	for _, cs := range cases {
		if p.CanSeeDomain(cs.Domain) { // always the citizen's domain; belt and braces
			out.Cases = append(out.Cases, toCase(cs))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func toCitizen(c store.ContactSummary) Citizen {
	return Citizen{ID: c.ID, Domain: c.Domain, Name: c.Name, Email: c.Email, Phone: c.Phone, FacebookID: c.FacebookID,
		Address: c.Address, CaseCount: c.CaseCount, LastContactAt: c.LastContactAt, CreatedAt: c.CreatedAt}
}
