// Package api serves the registry's JSON HTTP API under /api/v1.
//
// It reads through the store interface and contains no SQL; it must not
// import the consume loop (package registry) or the bus.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/report"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// DueSoon is how far ahead "due soon" looks.
const DueSoon = 72 * time.Hour

// Handler serves /api/v1.
type Handler struct {
	st  store.Store
	log *slog.Logger
	loc *time.Location
}

// New returns the API handler. Years in reports are counted in
// Europe/Brussels time.
func New(st store.Store, log *slog.Logger) *Handler {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		loc = time.UTC
	}
	return &Handler{st: st, log: log, loc: loc}
}

// complaintsReport answers the yearly complaints report for the council,
// as JSON or, with ?format=csv, as a spreadsheet.
func (h *Handler) complaintsReport(w http.ResponseWriter, r *http.Request) {
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || year < 2000 || year > 2200 {
		writeError(w, http.StatusBadRequest, "year: want a year such as 2026")
		return
	}
	from, to := report.Period(year, h.loc)
	cases, err := h.st.ListComplaints(r.Context(), from, to)
	if err != nil {
		h.log.Error("complaints report", "error", err)
		writeError(w, http.StatusServiceUnavailable, "the store is not available")
		return
	}
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
	mux.HandleFunc("GET /api/v1/cases", h.listCases)
	mux.HandleFunc("GET /api/v1/cases/{ref}", h.getCase)
	mux.HandleFunc("GET /api/v1/messages/unassigned", h.listUnassigned)
	mux.HandleFunc("GET /api/v1/reports/complaints", h.complaintsReport)
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
}

// CaseDetail is a case with its messages and timeline.
type CaseDetail struct {
	Case
	Messages []Message      `json:"messages"`
	Timeline []TimelineItem `json:"timeline"`
}

// Message is a stored message as the API shows it.
type Message struct {
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

func (h *Handler) listCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.CaseFilter{Status: q.Get("status"), Limit: 50}
	if d := q["domain"]; len(d) > 0 {
		f.Domains = d
	}
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

func (h *Handler) getCase(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	c, err := h.st.GetCase(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no case "+ref)
		return
	}
	if err != nil {
		h.log.Error("get case", "case_ref", ref, "error", err)
		writeError(w, http.StatusServiceUnavailable, "the store is not available")
		return
	}
	out := CaseDetail{Case: toCase(c.Case), Messages: []Message{}, Timeline: []TimelineItem{}}
	for _, m := range c.Messages {
		out.Messages = append(out.Messages, toMessage(m))
	}
	for _, t := range c.Timeline {
		out.Timeline = append(out.Timeline, TimelineItem{At: t.At, Kind: t.Kind, Actor: t.Actor, Detail: t.Detail})
	}
	writeJSON(w, http.StatusOK, out)
}

// MessageList is a list of messages.
type MessageList struct {
	Messages []Message `json:"messages"`
}

// listUnassigned lists the messages without a case ("geen dossier"):
// automatic mail that refers to nothing known.
func (h *Handler) listUnassigned(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, "limit: want a number from 1 to 500")
			return
		}
		limit = n
	}
	msgs, err := h.st.ListUnassigned(r.Context(), r.URL.Query()["domain"], limit)
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
		EventID: m.EventID, Channel: m.Channel, Direction: m.Direction, Inbox: m.Inbox,
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
		MessageCount: c.MessageCount, RepeatCount: c.RepeatCount,
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
