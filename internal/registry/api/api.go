// Package api serves the registry's JSON HTTP API under /api/v1.
//
// It reads through the store interface and contains no SQL; it must not
// import the consume loop (package registry) or the bus.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/report"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// DueSoon is how far ahead "due soon" looks.
const DueSoon = 72 * time.Hour

// Handler serves /api/v1.
type Handler struct {
	st     store.Store
	cw     *casework.Service
	log    *slog.Logger
	intake intakeDeps // see WithIntake, WithRepublisher, WithSources
}

// New returns the API handler over st, doing casework through cw. Every
// route needs a principal in the request context (auth.Middleware puts it
// there): without one it answers 401.
func New(st store.Store, cw *casework.Service, log *slog.Logger) *Handler {
	return &Handler{st: st, cw: cw, log: log}
}

// authed wraps a handler that needs a principal with at least role min.
func (h *Handler) authed(min auth.Role, f func(w http.ResponseWriter, r *http.Request, p auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="meldpunt"`)
			writeError(w, http.StatusUnauthorized, "sign in first: send a bearer token")
			return
		}
		if !p.HasRole(min) {
			writeError(w, http.StatusForbidden, "this needs the role "+string(min))
			return
		}
		f(w, r, p)
	}
}

// storeError answers a store failure without its details.
func (h *Handler) storeError(w http.ResponseWriter, what string, err error) {
	h.log.Error(what, "error", err)
	writeError(w, http.StatusServiceUnavailable, "the store is not available")
}

// visibleDomains are the domains of the request's ?domain= that p may see,
// or all p may see when none is asked; empty: nothing to show.
func visibleDomains(r *http.Request, p auth.Principal) []string {
	asked := r.URL.Query()["domain"]
	if len(asked) == 0 {
		return slices.Clone(p.Domains)
	}
	var out []string
	for _, d := range asked {
		if p.CanSeeDomain(d) && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// complaintsReport answers the yearly complaints report for the council,
// as JSON or, with ?format=csv, as a spreadsheet.
func (h *Handler) complaintsReport(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || year < 2000 || year > 2200 {
		writeError(w, http.StatusBadRequest, "year: want a year such as 2026")
		return
	}
	from, to := report.Period(year, h.cw.Location())
	cases, err := h.st.ListComplaints(r.Context(), from, to)
	if err != nil {
		h.log.Error("complaints report", "error", err)
		writeError(w, http.StatusServiceUnavailable, "the store is not available")
		return
	}
	cases = slices.DeleteFunc(cases, func(c store.Case) bool { return !p.CanSeeDomain(c.Domain) })
	rep := report.Build(year, cases)
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, rep)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="klachten-%d.csv"`, year))
		if err := rep.WriteCSV(w); err != nil {
			h.log.Warn("write complaints report", "error", err)
		}
	default:
		writeError(w, http.StatusBadRequest, "format: want json or csv")
	}
}

// Register mounts the API routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range h.routes() {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
}

// Route is one API route: who may use it and what it does.
type Route struct {
	Method, Path string
	// Role is the lowest role that may use the route.
	Role auth.Role
	// Public: the route needs no principal (and has no Role).
	Public  bool
	Handler http.Handler
}

// Routes lists the API's routes.
func (h *Handler) Routes() []Route { return h.routes() }

func (h *Handler) routes() []Route {
	read := func(method, path string, min auth.Role, f func(w http.ResponseWriter, r *http.Request, p auth.Principal)) Route {
		return Route{Method: method, Path: path, Role: min, Handler: h.authed(min, f)}
	}
	// One group per file: cases and reports here, actions in actions.go.
	groups := [][]Route{
		{
			read(http.MethodGet, "/api/v1/cases", auth.RoleOnthaal, h.listCases),
			read(http.MethodGet, "/api/v1/cases/{ref}", auth.RoleOnthaal, h.getCase),
			read(http.MethodGet, "/api/v1/messages/unassigned", auth.RoleBehandelaar, h.listUnassigned),
			read(http.MethodGet, "/api/v1/reports/complaints", auth.RoleBehandelaar, h.complaintsReport),
		},
		h.caseRoutes(),
		h.intakeRoutes(),
		h.quarantineRoutes(),
		h.sourceRoutes(),
		h.privacyRoutes(),
		h.searchRoutes(),
		h.openAPIRoutes(),
	}
	var all []Route
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// Case is a case as the API shows it.
type Case struct {
	Ref          string     `json:"ref"`
	Domain       string     `json:"domain"`
	Type         string     `json:"type,omitempty"`
	Status       string     `json:"status"`
	Department   string     `json:"department,omitempty"`
	Priority     string     `json:"priority,omitempty"`
	Assignee     string     `json:"assignee,omitempty"`
	Subject      string     `json:"subject"`
	Channel      string     `json:"channel"`
	OpenedAt     time.Time  `json:"opened_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	AckDue       *time.Time `json:"ack_due,omitempty"`
	AnswerDue    *time.Time `json:"answer_due,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	MessageCount int        `json:"message_count"`
	// RepeatCount is how often the citizen asked again ("burger vraagt opnieuw").
	RepeatCount int `json:"repeat_count"`
	// Suggestion is what the registry suggests the case is ("klacht").
	Suggestion string `json:"suggestion,omitempty"`
	// Admissible: for a complaint, whether it is admissible (absent: not
	// decided) and why not.
	Admissible         *bool  `json:"admissible,omitempty"`
	InadmissibleReason string `json:"inadmissible_reason,omitempty"`
}

// CaseDetail is a case with its messages and timeline.
type CaseDetail struct {
	Case
	// MergedInto is the reference of the case this one was merged into.
	MergedInto string         `json:"merged_into,omitempty"`
	Messages   []Message      `json:"messages"`
	Timeline   []TimelineItem `json:"timeline"`
	Forwards   []Forward      `json:"forwards"`
	Moves      []Move         `json:"moves"`
}

// Forward is a case forwarded to an outside organisation.
type Forward struct {
	ID           int64      `json:"id"`
	Organisation string     `json:"organisation"`
	Question     string     `json:"question"`
	ExpectedBy   *time.Time `json:"expected_by,omitempty"`
	Actor        string     `json:"actor"`
	At           time.Time  `json:"at"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
	Answer       string     `json:"answer,omitempty"`
}

// Move is a merge or split of the case; undo it with
// POST /api/v1/cases/{ref}/moves/{id}/undo.
type Move struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	From       string     `json:"from"`
	To         string     `json:"to"`
	MessageIDs []int64    `json:"message_ids"`
	Actor      string     `json:"actor"`
	At         time.Time  `json:"at"`
	UndoneAt   *time.Time `json:"undone_at,omitempty"`
	UndoneBy   string     `json:"undone_by,omitempty"`
}

// Message is a stored message as the API shows it.
type Message struct {
	ID            int64        `json:"id"`
	EventID       string       `json:"event_id"`
	Channel       string       `json:"channel"`
	Direction     string       `json:"direction"`
	Inbox         string       `json:"inbox"`
	ExternalID    string       `json:"external_id"`
	Sender        Sender       `json:"sender"`
	Subject       string       `json:"subject,omitempty"`
	Text          string       `json:"text,omitempty"`
	SentAt        *time.Time   `json:"sent_at,omitempty"`
	ReceivedAt    *time.Time   `json:"received_at,omitempty"`
	StoredAt      time.Time    `json:"stored_at"`
	AutoSubmitted string       `json:"auto_submitted,omitempty"`
	ParseError    string       `json:"parse_error,omitempty"`
	Attachments   []Attachment `json:"attachments,omitempty"`
	RawSHA256     string       `json:"raw_sha256,omitempty"`
}

// Sender is who wrote a message.
type Sender struct {
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	FacebookID string `json:"facebook_id,omitempty"`
	Address    string `json:"address,omitempty"`
}

// Attachment is a file of a message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// TimelineItem is one entry of a case's timeline.
type TimelineItem struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// CaseList is a page of cases. Next, when set, is the query for the next page.
type CaseList struct {
	Cases []Case `json:"cases"`
	Next  string `json:"next,omitempty"`
}

func (h *Handler) listCases(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	f := store.CaseFilter{Status: q.Get("status"), Limit: 50, Domains: visibleDomains(r, p)}
	if v := q.Get("department"); v != "" {
		f.Department = v
	}
	switch q.Get("due") {
	case "":
	case "overdue":
		now := time.Now()
		f.Open, f.AnswerDueBefore = true, &now
	case "soon":
		soon := time.Now().Add(DueSoon)
		f.Open, f.AnswerDueBefore = true, &soon
	default:
		writeError(w, http.StatusBadRequest, "due: want overdue or soon")
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
			writeError(w, http.StatusBadRequest, "before: want a positive case id")
			return
		}
		f.BeforeID = n
	}
	if len(f.Domains) == 0 { // an empty filter would mean every domain
		writeJSON(w, http.StatusOK, CaseList{Cases: []Case{}})
		return
	}
	cases, err := h.st.ListCases(r.Context(), f)
	if err != nil {
		h.log.Error("list cases", "error", err)
		writeError(w, http.StatusServiceUnavailable, "the store is not available")
		return
	}
	out := CaseList{Cases: make([]Case, len(cases))}
	for i, c := range cases {
		out.Cases[i] = toCase(c)
	}
	if len(cases) == f.Limit {
		nq := r.URL.Query()
		nq.Set("before", strconv.FormatInt(cases[len(cases)-1].ID, 10))
		out.Next = "/api/v1/cases?" + nq.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getCase(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ref := r.PathValue("ref")
	c, err := h.cw.Case(r.Context(), p, ref)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no case "+ref)
		return
	}
	if err != nil {
		h.log.Error("get case", "case_ref", ref, "error", err)
		writeError(w, http.StatusServiceUnavailable, "the store is not available")
		return
	}
	if !h.audit(w, r, p, store.AccessEntry{Action: store.AccessViewCase, CaseRef: c.Ref, ContactID: c.ContactID, Domain: c.Domain}, false) {
		return
	}
	writeJSON(w, http.StatusOK, h.toDetail(c))
}

func (h *Handler) toDetail(c store.CaseDetail) CaseDetail {
	out := CaseDetail{Case: toCase(c.Case), Messages: []Message{}, Timeline: []TimelineItem{}, Forwards: []Forward{}, Moves: []Move{}}
	for _, m := range c.Messages {
		out.Messages = append(out.Messages, toMessage(m))
	}
	for _, t := range c.Timeline {
		out.Timeline = append(out.Timeline, TimelineItem{At: t.At, Kind: t.Kind, Actor: t.Actor, Detail: t.Detail})
	}
	for _, f := range c.Forwards {
		out.Forwards = append(out.Forwards, Forward{ID: f.ID, Organisation: f.Organisation, Question: f.Question,
			ExpectedBy: f.ExpectedBy, Actor: f.Actor, At: f.At, AnsweredAt: f.AnsweredAt, Answer: f.Answer})
	}
	for _, m := range c.Moves {
		out.Moves = append(out.Moves, Move{ID: m.ID, Kind: m.Kind, From: m.FromRef, To: m.ToRef, MessageIDs: m.MessageIDs,
			Actor: m.Actor, At: m.At, UndoneAt: m.UndoneAt, UndoneBy: m.UndoneBy})
		// The case it is merged into took part in a move with it.
		switch {
		case c.MergedInto == 0:
		case m.ToCaseID == c.MergedInto:
			out.MergedInto = m.ToRef
		case m.FromCaseID == c.MergedInto:
			out.MergedInto = m.FromRef
		}
	}
	return out
}

// MessageList is a list of messages.
type MessageList struct {
	Messages []Message `json:"messages"`
}

// listUnassigned lists the messages without a case ("geen dossier"):
// automatic mail that refers to nothing known.
func (h *Handler) listUnassigned(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, "limit: want a number from 1 to 500")
			return
		}
		limit = n
	}
	domains := visibleDomains(r, p)
	if len(domains) == 0 { // an empty filter would mean every domain
		writeJSON(w, http.StatusOK, MessageList{Messages: []Message{}})
		return
	}
	msgs, err := h.st.ListUnassigned(r.Context(), domains, limit)
	if err != nil {
		h.log.Error("list messages without a case", "error", err)
		writeError(w, http.StatusServiceUnavailable, "the store is not available")
		return
	}
	out := MessageList{Messages: []Message{}}
	for _, m := range msgs {
		out.Messages = append(out.Messages, toMessage(m))
	}
	writeJSON(w, http.StatusOK, out)
}

func toMessage(m store.Message) Message {
	am := Message{
		ID: m.ID, EventID: m.EventID, Channel: m.Channel, Direction: m.Direction, Inbox: m.Inbox,
		ExternalID: m.ExternalID, Subject: m.Subject, Text: m.Text,
		Sender: Sender{Name: m.SenderName, Email: m.SenderEmail, Phone: m.SenderPhone,
			FacebookID: m.SenderFacebookID, Address: m.SenderAddress},
		SentAt: m.SentAt, ReceivedAt: m.ReceivedAt, StoredAt: m.StoredAt,
		AutoSubmitted: m.AutoSubmitted, ParseError: m.ParseError, RawSHA256: m.RawSHA256,
	}
	for _, a := range m.Attachments {
		am.Attachments = append(am.Attachments, Attachment{Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256})
	}
	return am
}

func toCase(c store.Case) Case {
	return Case{
		Ref: c.Ref, Domain: c.Domain, Type: c.Type, Status: c.Status, Department: c.Department, Priority: c.Priority,
		Assignee: c.Assignee, Subject: c.Subject, Channel: c.Channel, OpenedAt: c.OpenedAt,
		UpdatedAt: c.UpdatedAt, AckDue: c.AckDue, AnswerDue: c.AnswerDue, ClosedAt: c.ClosedAt,
		MessageCount: c.MessageCount, RepeatCount: c.RepeatCount, Suggestion: c.Suggestion,
		Admissible: c.Admissible, InadmissibleReason: c.InadmissibleReason,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

// Problem is the body of an error answer.
type Problem struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, Problem{Error: msg})
}

// jsonDecoder decodes one JSON value from b, refusing unknown fields.
func jsonDecoder(b []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec
}
