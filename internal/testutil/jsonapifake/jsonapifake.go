// Package jsonapifake is a local "any JSON API" e-loket for tests: it lists
// web form submissions as nested JSON (numeric ids, nested attributes,
// contact, location and files, and extra fields nobody asked for), pages by
// a "since" timestamp, an "after_id" or page numbers, checks the caller's
// credentials, fails on request and serves the attached files.
//
// It is a test helper; it imports no meldpunt package.
package jsonapifake

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Defaults of a started Server.
const (
	DefaultToken    = "fake-eloket-token-0001"
	DefaultPageSize = 25
	MaxPageSize     = 500
	// ListPath is where the fake's list sits, as a jsonapi dot path.
	ListPath = "data.items"
	// Path is the listing endpoint.
	Path = "/api/v1/submissions"
)

// Submission is one stored item: its JSON and the server's own ordering
// key (so a malformed item still has a place in the order).
type submission struct {
	id      int64
	created time.Time
	obj     map[string]any
}

// Server is a running fake.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	subs     []submission
	nextID   int64
	auth     authCheck
	failures []failure
	requests int
}

type authCheck struct{ kind, a, b string }

type failure struct {
	status int
	body   string
}

// Start starts a server that wants the bearer token DefaultToken; it stops
// when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{nextID: 1000, auth: authCheck{kind: "bearer", a: DefaultToken}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, s.list)
	mux.HandleFunc("GET /files/{name}", s.file)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL; the list is at URL()+Path.
func (s *Server) URL() string { return s.srv.URL }

// ListURL is the listing endpoint.
func (s *Server) ListURL() string { return s.srv.URL + Path }

// RequireBearer, RequireBasic, RequireHeader and RequireNothing choose the
// credentials the server wants.
func (s *Server) RequireBearer(token string) { s.setAuth(authCheck{"bearer", token, ""}) }

// RequireBasic wants HTTP basic authentication.
func (s *Server) RequireBasic(user, password string) { s.setAuth(authCheck{"basic", user, password}) }

// RequireHeader wants an API key in a header.
func (s *Server) RequireHeader(name, value string) { s.setAuth(authCheck{"header", name, value}) }

// RequireNothing accepts everyone.
func (s *Server) RequireNothing() { s.setAuth(authCheck{}) }

func (s *Server) setAuth(a authCheck) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = a
}

// FailNext makes the next `times` requests to the list answer status with
// body (status 0 closes the connection without an answer).
func (s *Server) FailNext(times, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.failures = append(s.failures, failure{status, body})
	}
}

// Requests counts the list requests served so far.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// IDs lists the ids of all submissions in the server's order, as strings.
func (s *Server) IDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.subs))
	for i, sub := range s.subs {
		ids[i] = strconv.FormatInt(sub.id, 10)
	}
	return ids
}

// Add stores a submission built by the caller; "id" and "created" are
// filled in when missing. It returns the id.
func (s *Server) Add(created time.Time, obj map[string]any) int64 {
	return s.add(created, func(int64) map[string]any { return obj })
}

func (s *Server) add(created time.Time, build func(id int64) map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := s.nextID
	obj := build(id)
	if _, ok := obj["id"]; !ok {
		obj["id"] = id
	}
	if _, ok := obj["created"]; !ok {
		obj["created"] = created.UTC().Format(time.RFC3339)
	}
	s.insert(submission{id: id, created: created.UTC().Truncate(time.Second), obj: obj})
	return id
}

func (s *Server) insert(sub submission) {
	i := sort.Search(len(s.subs), func(i int) bool {
		a := s.subs[i]
		return a.created.After(sub.created) || a.created.Equal(sub.created) && a.id > sub.id
	})
	s.subs = append(s.subs, submission{})
	copy(s.subs[i+1:], s.subs[i:])
	s.subs[i] = sub
}

// InjectMalformed adds a submission with a valid "created" a second after
// the newest one but a null id, a broken location and an attributes value
// that is not an object. It returns the server's internal id.
func (s *Server) InjectMalformed() int64 {
	s.mu.Lock()
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if n := len(s.subs); n > 0 {
		created = s.subs[n-1].created.Add(time.Second)
	}
	s.mu.Unlock()
	return s.Add(created, map[string]any{
		"id":         nil,
		"attributes": "<<kapot>>",
		"location":   map[string]any{"lat": "noord", "lng": []any{}},
	})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		if f.status == 0 {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			f.status = http.StatusBadGateway
		}
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="eloket"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized"})
		return
	}
	q := r.URL.Query()
	subs := s.subs
	if v := q.Get("since"); v != "" {
		since, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "since: " + err.Error()})
			return
		}
		i := sort.Search(len(subs), func(i int) bool { return subs[i].created.After(since) })
		subs = subs[i:]
	}
	if v := q.Get("after_id"); v != "" {
		after, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "after_id: " + err.Error()})
			return
		}
		var kept []submission
		for _, sub := range subs {
			if sub.id > after {
				kept = append(kept, sub)
			}
		}
		sort.Slice(kept, func(i, j int) bool { return kept[i].id < kept[j].id })
		subs = kept
	}
	size := DefaultPageSize
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "per_page: 1 to 500"})
			return
		}
		size = n
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "page: from 1"})
			return
		}
		page = n
	}
	total := len(subs)
	lo := min((page-1)*size, total)
	hi := min(lo+size, total)
	items := make([]any, 0, hi-lo)
	for _, sub := range subs[lo:hi] {
		items = append(items, sub.obj)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data": map[string]any{"items": items},
		"meta": map[string]any{"page": page, "per_page": size, "total": total},
	})
}

func (s *Server) authorized(r *http.Request) bool {
	switch a := s.auth; a.kind {
	case "bearer":
		return r.Header.Get("Authorization") == "Bearer "+a.a
	case "basic":
		u, p, ok := r.BasicAuth()
		return ok && u == a.a && p == a.b
	case "header":
		return r.Header.Get(a.a) == a.b
	default:
		return true
	}
}

// file serves deterministic bytes for any file name (a JPEG header, then
// the SHA-256 chain of the name).
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data := FileBytes(name)
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// FileBytes is what the server answers for /files/{name}.
func FileBytes(name string) []byte {
	data := []byte{0xFF, 0xD8, 0xFF, 0xE0}
	sum := sha256.Sum256([]byte(name))
	for len(data) < 2048 {
		data = append(data, sum[:]...)
		sum = sha256.Sum256(sum[:])
	}
	return append(data, 0xFF, 0xD9)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
