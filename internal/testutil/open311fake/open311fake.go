// Package open311fake is a local HTTP server that speaks Open311 GeoReport
// v2 (https://wiki.open311.org/GeoReport_v2) for the e-loket connector's
// tests: services and requests in JSON and XML, start_date/end_date windows
// limited to 90 days, the 1,000-result cap, optional page/page_size paging,
// api_key and jurisdiction_id checks, media files, failures on demand and
// malformed items.
//
// It is a test helper; it imports no meldpunt package.
package open311fake

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults of a started Server.
const (
	DefaultMaxResults = 1000
	MaxWindow         = 90 * 24 * time.Hour
)

// Request is a service request as the server stores it. Lat and Long are
// listed only when HasLocation is set.
type Request struct {
	ID                       string
	Status, StatusNotes      string // "open" or "closed"
	ServiceCode, ServiceName string
	Description              string
	AgencyResponsible        string
	ServiceNotice            string
	Requested, Updated       time.Time
	Expected                 time.Time // zero: not listed
	Address, AddressID       string
	ZipCode                  string
	Lat, Long                float64
	HasLocation              bool
	MediaURL                 string
	Email, Phone             string
	FirstName, LastName      string
}

// Service is an entry of services.json.
type Service struct{ Code, Name, Description, Group string }

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server
	loc *time.Location

	mu           sync.Mutex
	reqs         map[string]*Request
	services     []Service
	media        map[string][]byte
	malformed    map[string]bool
	maxResults   int
	paging       bool
	apiKey       string
	jurisdiction string
	failTimes    int
	failStatus   int
	failBody     string
	listings     int
	nextID       int
}

// Start starts a server with the default services and no requests; it is
// closed when the test ends.
func Start(t testing.TB) *Server {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		loc = time.FixedZone("CET", 3600)
	}
	s := &Server{
		loc:        loc,
		reqs:       map[string]*Request{},
		media:      map[string][]byte{},
		malformed:  map[string]bool{},
		maxResults: DefaultMaxResults,
		nextID:     202200001,
	}
	for _, c := range categories {
		s.services = append(s.services, Service{Code: c.code, Name: c.name, Description: c.about, Group: c.group})
	}
	mux := http.NewServeMux()
	for _, format := range []string{"json", "xml"} {
		mux.HandleFunc("GET /services."+format, s.handleServices)
		mux.HandleFunc("GET /requests."+format, s.handleRequests)
	}
	mux.HandleFunc("GET /media/{name}", s.handleMedia)
	s.srv = httptest.NewServer(s.failing(mux))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the endpoint's base URL, without a trailing slash.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server (also done when the test ends).
func (s *Server) Close() { s.srv.Close() }

// Add stores r, replacing a request with the same ID. An empty ID gets the
// next number; a zero Requested means now; a zero Updated means Requested.
func (s *Server) Add(r Request) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(r)
}

func (s *Server) addLocked(r Request) string {
	if r.ID == "" {
		r.ID = strconv.Itoa(s.nextID)
		s.nextID++
	}
	if r.Requested.IsZero() {
		r.Requested = time.Now()
	}
	r.Requested = r.Requested.Truncate(time.Second)
	if r.Updated.IsZero() {
		r.Updated = r.Requested
	}
	if r.Status == "" {
		r.Status = "open"
	}
	s.reqs[r.ID] = &r
	return r.ID
}

// Update changes a request's status, as when the town handles it: the
// request is listed again with the new status and a later updated_datetime.
// It reports whether the request exists.
func (s *Server) Update(id, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reqs[id]
	if !ok {
		return false
	}
	r.Status = status
	r.StatusNotes = "Status gewijzigd naar " + status + "."
	r.Updated = r.Updated.Add(time.Hour).Truncate(time.Second)
	return true
}

// Get returns a copy of one stored request.
func (s *Server) Get(id string) (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reqs[id]
	if !ok {
		return Request{}, false
	}
	return *r, true
}

// All returns copies of the stored requests, newest first.
func (s *Server) All() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedLocked()
}

// Total is the number of stored requests.
func (s *Server) Total() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.reqs) }

// Requests is the number of requests listings answered (including failures).
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.listings }

// SetMaxResults caps the results of one answer (default 1,000 as the standard).
func (s *Server) SetMaxResults(n int) { s.mu.Lock(); s.maxResults = max(n, 1); s.mu.Unlock() }

// SetPaging turns page/page_size support on or off (default off: the
// parameters are ignored, as by most servers).
func (s *Server) SetPaging(on bool) { s.mu.Lock(); s.paging = on; s.mu.Unlock() }

// RequireAPIKey makes every call without api_key=key fail with 403.
func (s *Server) RequireAPIKey(key string) { s.mu.Lock(); s.apiKey = key; s.mu.Unlock() }

// RequireJurisdiction makes every call without jurisdiction_id=id fail with 404.
func (s *Server) RequireJurisdiction(id string) { s.mu.Lock(); s.jurisdiction = id; s.mu.Unlock() }

// FailNext answers the next times calls (any path) with status and body,
// e.g. 503, or 200 with "<html>…" for a garbage answer.
func (s *Server) FailNext(times, status int, body string) {
	s.mu.Lock()
	s.failTimes, s.failStatus, s.failBody = times, status, body
	s.mu.Unlock()
}

// InjectMalformed makes the listing show request id with broken fields:
// "requested_datetime": 12 and "lat": "north" (in XML: text that is no
// datetime and no number). The server still files it under its real time.
func (s *Server) InjectMalformed(id string) { s.mu.Lock(); s.malformed[id] = true; s.mu.Unlock() }

// AddMedia serves data at /media/{name} and returns its URL.
func (s *Server) AddMedia(name string, data []byte) string {
	s.mu.Lock()
	s.media[name] = data
	s.mu.Unlock()
	return s.srv.URL + "/media/" + name
}

func (s *Server) failing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if strings.HasPrefix(r.URL.Path, "/requests.") {
			s.listings++
		}
		fail := s.failTimes > 0
		status, body := s.failStatus, s.failBody
		if fail {
			s.failTimes--
		}
		s.mu.Unlock()
		if fail {
			if strings.HasPrefix(strings.TrimSpace(body), "<") {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
			} else {
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ErrorBody is the standard's error answer.
func ErrorBody(code int, description string) string {
	b, _ := json.Marshal([]map[string]any{{"code": code, "description": description}})
	return string(b)
}

// check answers the api_key/jurisdiction/format errors; ok is false when it did.
func (s *Server) check(w http.ResponseWriter, r *http.Request) (format string, ok bool) {
	format = "json"
	if strings.HasSuffix(r.URL.Path, ".xml") {
		format = "xml"
	}
	s.mu.Lock()
	key, jur := s.apiKey, s.jurisdiction
	s.mu.Unlock()
	q := r.URL.Query()
	if jur != "" && q.Get("jurisdiction_id") != jur {
		writeError(w, format, http.StatusNotFound, "jurisdiction_id not found")
		return "", false
	}
	if key != "" && q.Get("api_key") != key {
		writeError(w, format, http.StatusForbidden, "Invalid api_key")
		return "", false
	}
	return format, true
}

func writeError(w http.ResponseWriter, format string, status int, description string) {
	if format == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors><error><code>%d</code><description>", status)
		xml.EscapeText(w, []byte(description))
		fmt.Fprint(w, "</description></error></errors>")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, ErrorBody(status, description))
}

func (s *Server) handleServices(w http.ResponseWriter, r *http.Request) {
	format, ok := s.check(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	svcs := append([]Service(nil), s.services...)
	s.mu.Unlock()
	type svc struct {
		XMLName     xml.Name `json:"-" xml:"service"`
		Code        string   `json:"service_code" xml:"service_code"`
		Name        string   `json:"service_name" xml:"service_name"`
		Description string   `json:"description" xml:"description"`
		Metadata    bool     `json:"metadata" xml:"metadata"`
		Type        string   `json:"type" xml:"type"`
		Keywords    string   `json:"keywords" xml:"keywords"`
		Group       string   `json:"group" xml:"group"`
	}
	var out []svc
	for _, v := range svcs {
		out = append(out, svc{Code: v.Code, Name: v.Name, Description: v.Description, Type: "realtime", Keywords: strings.ToLower(v.Name), Group: v.Group})
	}
	if format == "xml" {
		writeXML(w, struct {
			XMLName xml.Name `xml:"services"`
			Items   []svc
		}{Items: out})
		return
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func writeXML(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprint(w, xml.Header)
	e := xml.NewEncoder(w)
	e.Indent("", "  ")
	if err := e.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// parseDate reads start_date/end_date; the standard asks for W3C datetimes.
func parseDate(s string) (time.Time, error) {
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad datetime %q", s)
}

// handleRequests lists requests with requested_datetime in [start_date,
// end_date] (both inclusive, as many servers do), newest first, at most
// maxResults; without dates the last 90 days. A window longer than 90 days
// is refused with 400, as the standard allows.
func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request) {
	format, ok := s.check(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	end, start := time.Now(), time.Now().Add(-MaxWindow)
	var err error
	if v := q.Get("end_date"); v != "" {
		if end, err = parseDate(v); err != nil {
			writeError(w, format, http.StatusBadRequest, "end_date: "+err.Error())
			return
		}
		if q.Get("start_date") == "" {
			start = end.Add(-MaxWindow)
		}
	}
	if v := q.Get("start_date"); v != "" {
		if start, err = parseDate(v); err != nil {
			writeError(w, format, http.StatusBadRequest, "start_date: "+err.Error())
			return
		}
		if q.Get("end_date") == "" {
			end = start.Add(MaxWindow)
		}
	}
	if end.Sub(start) > MaxWindow {
		writeError(w, format, http.StatusBadRequest, "start_date and end_date cannot be more than 90 days apart")
		return
	}
	s.mu.Lock()
	all := s.sortedLocked()
	maxResults, paging := s.maxResults, s.paging
	malformed := make(map[string]bool, len(s.malformed))
	for k := range s.malformed {
		malformed[k] = true
	}
	s.mu.Unlock()

	var hits []Request
	for _, x := range all {
		if !x.Requested.Before(start) && !x.Requested.After(end) {
			hits = append(hits, x)
		}
	}
	size := maxResults
	if paging {
		page, _ := strconv.Atoi(q.Get("page"))
		page = max(page, 1)
		if ps, _ := strconv.Atoi(q.Get("page_size")); ps > 0 {
			size = min(ps, maxResults)
		}
		from := min((page-1)*size, len(hits))
		hits = hits[from:]
	}
	hits = hits[:min(size, len(hits))]
	if format == "xml" {
		items := make([]xmlRequest, 0, len(hits))
		for _, x := range hits {
			items = append(items, s.toXML(x, malformed[x.ID]))
		}
		writeXML(w, struct {
			XMLName xml.Name `xml:"service_requests"`
			Items   []xmlRequest
		}{Items: items})
		return
	}
	items := make([]any, 0, len(hits))
	for _, x := range hits {
		items = append(items, s.toJSON(x, malformed[x.ID]))
	}
	writeJSON(w, items)
}

func (s *Server) sortedLocked() []Request {
	out := make([]Request, 0, len(s.reqs))
	for _, r := range s.reqs {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Requested.Equal(out[j].Requested) {
			return out[i].Requested.After(out[j].Requested)
		}
		return out[i].ID > out[j].ID
	})
	return out
}

func (s *Server) fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc).Format(time.RFC3339)
}

// jsonRequest is one listed item; the pointers and any-typed fields are how
// the server writes nulls, numbers and (for InjectMalformed) broken values.
type jsonRequest struct {
	ID                any     `json:"service_request_id"`
	Status            string  `json:"status"`
	StatusNotes       *string `json:"status_notes"`
	ServiceName       string  `json:"service_name"`
	ServiceCode       string  `json:"service_code"`
	Description       string  `json:"description"`
	AgencyResponsible string  `json:"agency_responsible"`
	ServiceNotice     *string `json:"service_notice"`
	Requested         any     `json:"requested_datetime"`
	Updated           string  `json:"updated_datetime"`
	Expected          *string `json:"expected_datetime"`
	Address           string  `json:"address"`
	AddressID         *string `json:"address_id"`
	ZipCode           string  `json:"zipcode"`
	Lat               any     `json:"lat"`
	Long              any     `json:"long"`
	MediaURL          *string `json:"media_url"`
	Email             string  `json:"email,omitempty"`
	Phone             string  `json:"phone,omitempty"`
	FirstName         string  `json:"first_name,omitempty"`
	LastName          string  `json:"last_name,omitempty"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) toJSON(r Request, malformed bool) jsonRequest {
	j := jsonRequest{
		ID: r.ID, Status: r.Status, StatusNotes: orNull(r.StatusNotes),
		ServiceName: r.ServiceName, ServiceCode: r.ServiceCode, Description: r.Description,
		AgencyResponsible: r.AgencyResponsible, ServiceNotice: orNull(r.ServiceNotice),
		Requested: s.fmtTime(r.Requested), Updated: s.fmtTime(r.Updated), Expected: orNull(s.fmtTime(r.Expected)),
		Address: r.Address, AddressID: orNull(r.AddressID), ZipCode: r.ZipCode, MediaURL: orNull(r.MediaURL),
		Email: r.Email, Phone: r.Phone, FirstName: r.FirstName, LastName: r.LastName,
	}
	if n, err := strconv.ParseInt(r.ID, 10, 64); err == nil && n%2 == 0 {
		j.ID = n // servers differ: some write ids as numbers
	}
	if r.HasLocation {
		j.Lat, j.Long = r.Lat, r.Long
		if n := len(r.ID); n > 0 && r.ID[n-1]%3 == 0 {
			j.Lat, j.Long = strconv.FormatFloat(r.Lat, 'f', 6, 64), strconv.FormatFloat(r.Long, 'f', 6, 64)
		}
	}
	if malformed {
		j.Requested, j.Lat = 12, "north"
	}
	return j
}

type xmlRequest struct {
	XMLName           xml.Name `xml:"request"`
	ID                string   `xml:"service_request_id"`
	Status            string   `xml:"status"`
	StatusNotes       string   `xml:"status_notes"`
	ServiceName       string   `xml:"service_name"`
	ServiceCode       string   `xml:"service_code"`
	Description       string   `xml:"description"`
	AgencyResponsible string   `xml:"agency_responsible"`
	ServiceNotice     string   `xml:"service_notice"`
	Requested         string   `xml:"requested_datetime"`
	Updated           string   `xml:"updated_datetime"`
	Expected          string   `xml:"expected_datetime"`
	Address           string   `xml:"address"`
	AddressID         string   `xml:"address_id"`
	ZipCode           string   `xml:"zipcode"`
	Lat               string   `xml:"lat"`
	Long              string   `xml:"long"`
	MediaURL          string   `xml:"media_url"`
	Email             string   `xml:"email,omitempty"`
	Phone             string   `xml:"phone,omitempty"`
	FirstName         string   `xml:"first_name,omitempty"`
	LastName          string   `xml:"last_name,omitempty"`
}

func (s *Server) toXML(r Request, malformed bool) xmlRequest {
	x := xmlRequest{
		ID: r.ID, Status: r.Status, StatusNotes: r.StatusNotes, ServiceName: r.ServiceName,
		ServiceCode: r.ServiceCode, Description: r.Description, AgencyResponsible: r.AgencyResponsible,
		ServiceNotice: r.ServiceNotice, Requested: s.fmtTime(r.Requested), Updated: s.fmtTime(r.Updated),
		Expected: s.fmtTime(r.Expected), Address: r.Address, AddressID: r.AddressID, ZipCode: r.ZipCode,
		MediaURL: r.MediaURL, Email: r.Email, Phone: r.Phone, FirstName: r.FirstName, LastName: r.LastName,
	}
	if r.HasLocation {
		x.Lat, x.Long = strconv.FormatFloat(r.Lat, 'f', -1, 64), strconv.FormatFloat(r.Long, 'f', -1, 64)
	}
	if malformed {
		x.Requested, x.Lat = "twaalf", "north"
	}
	return x
}

func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	data, ok := s.media[r.PathValue("name")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
