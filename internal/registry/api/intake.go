package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/intake/frontdesk"
	"github.com/meldpunt/meldpunt/internal/registry/quarantine"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// IntakePublisher is what front-desk registration needs of the bus: the
// object store and the intake stream (package intake adapts *bus.Bus).
type IntakePublisher = frontdesk.Publisher

// intakeDeps is what the intake, quarantine and sources routes need beyond
// the store; nil interfaces answer 503 (or, for sources, nothing).
type intakeDeps struct {
	pub         IntakePublisher
	republisher Republisher
	sources     SourceLister
}

// WithIntake lets the handler register front-desk visits, phone calls and
// letters through p. Without it, POST /api/v1/intake answers 503.
func (h *Handler) WithIntake(p IntakePublisher) *Handler {
	h.intake.pub = p
	return h
}

// IdempotencyKeyHeader carries the key that makes posting a registration
// twice register it once.
const IdempotencyKeyHeader = "Idempotency-Key"

// IntakeRequest is a front-desk registration: the JSON body of
// POST /api/v1/intake, or the part named "registration" of a
// multipart/form-data body (whose file parts are the attachments).
type IntakeRequest struct {
	// Channel is counter (a visit), phone or letter.
	Channel string `json:"channel"`
	// Direction is incoming (default) or outgoing (staff called or wrote).
	Direction string `json:"direction,omitempty"`
	// Domain is gemeente or sociaalhuis; may be left out by staff who see
	// one domain only.
	Domain string `json:"domain,omitempty"`
	// Inbox names the desk; default onthaal, telefoon or brieven.
	Inbox   string        `json:"inbox,omitempty"`
	Citizen IntakeCitizen `json:"citizen"`
	Subject string        `json:"subject,omitempty"`
	Text    string        `json:"text,omitempty"`
	// CaseRef is the case the citizen came about (MP-2026-000123).
	CaseRef    string     `json:"case_ref,omitempty"`
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	// IdempotencyKey may stand in for the Idempotency-Key header.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Attachments in JSON carry their bytes in base64; in a multipart body
	// they are file parts instead.
	Attachments []IntakeFile `json:"attachments,omitempty"`
}

// IntakeCitizen is who came, called or wrote.
type IntakeCitizen struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
}

// IntakeFile is an attachment sent in JSON.
type IntakeFile struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// IntakeStatus is where a registration is: accepted (on the intake
// stream, not stored yet), registered (stored; CaseRef is its case) or
// quarantined (the registry could not take it: a beheerder must look).
type IntakeStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Duplicate: the registration was posted before; nothing new was
	// registered.
	Duplicate    bool       `json:"duplicate,omitempty"`
	CaseRef      string     `json:"case_ref,omitempty"`
	MessageID    int64      `json:"message_id,omitempty"`
	Domain       string     `json:"domain,omitempty"`
	RegisteredAt *time.Time `json:"registered_at,omitempty"`
	// StatusURL is where to ask again.
	StatusURL string `json:"status_url"`
}

// Intake statuses.
const (
	IntakeAccepted    = "accepted"
	IntakeRegistered  = "registered"
	IntakeQuarantined = "quarantined"
)

// InputProblem is the body of a 400 answer that lists every problem.
type InputProblem struct {
	Error    string   `json:"error"`
	Problems []string `json:"problems"`
}

func (h *Handler) intakeRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/api/v1/intake", Role: auth.RoleOnthaal, Handler: h.authed(auth.RoleOnthaal, h.postIntake)},
		{Method: http.MethodGet, Path: "/api/v1/intake/{id}", Role: auth.RoleOnthaal, Handler: h.authed(auth.RoleOnthaal, h.getIntake)},
	}
}

func (h *Handler) postIntake(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	in, files, status, problem := h.readIntake(w, r)
	if problem != "" {
		writeError(w, status, problem)
		return
	}
	key := r.Header.Get(IdempotencyKeyHeader)
	switch {
	case key == "":
		key = in.IdempotencyKey
	case in.IdempotencyKey != "" && in.IdempotencyKey != key:
		writeError(w, http.StatusBadRequest, "idempotency key: the header and the body differ")
		return
	}
	domain := in.Domain
	if domain == "" && len(p.Domains) == 1 {
		domain = p.Domains[0]
	}
	if domain != "" && auth.ValidDomain(domain) && !p.CanSeeDomain(domain) {
		writeError(w, http.StatusForbidden, "you may not register in the domain "+domain)
		return
	}
	for _, f := range in.Attachments {
		files = append(files, frontdesk.File{Name: f.Name, Data: f.Data})
	}
	reg := frontdesk.Registration{
		Channel: caseevent.Channel(in.Channel), Direction: caseevent.Direction(in.Direction), Domain: caseevent.Domain(domain),
		Inbox: in.Inbox, Subject: in.Subject, Text: in.Text, CaseRef: in.CaseRef,
		Citizen:    frontdesk.Citizen{Name: in.Citizen.Name, Email: in.Citizen.Email, Phone: in.Citizen.Phone, Address: in.Citizen.Address},
		ReceivedAt: in.ReceivedAt, SentAt: in.SentAt, Files: files,
	}
	staff := frontdesk.Staff{Actor: p.Actor(), Name: p.DisplayName}
	prepared, err := frontdesk.Prepare(staff, key, reg, time.Now(), frontdesk.DefaultLimits())
	var input *frontdesk.InputError
	if errors.As(err, &input) {
		writeJSON(w, http.StatusBadRequest, InputProblem{Error: input.Error(), Problems: input.Problems})
		return
	}
	if err != nil {
		h.log.Error("prepare registration", "error", err)
		writeError(w, http.StatusInternalServerError, "the registration could not be prepared")
		return
	}
	id := prepared.Event.ID
	// Posted before and stored already: say so, without publishing again.
	if m, err := h.st.EventMessage(r.Context(), id); err == nil {
		st := registeredStatus(m)
		if !p.CanSeeDomain(m.Domain) { // grants changed since: say no more
			st = IntakeStatus{ID: id, Status: IntakeAccepted, StatusURL: intakeStatusURL(id)}
		}
		st.Duplicate = true
		writeJSON(w, http.StatusOK, st)
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		h.storeError(w, "look up registration", err)
		return
	}
	if h.intake.pub == nil {
		writeError(w, http.StatusServiceUnavailable, "registering is not available: the registry has no bus")
		return
	}
	rec, err := frontdesk.Publish(r.Context(), h.intake.pub, prepared)
	if err != nil {
		h.log.Error("publish registration", "event_id", id, "error", err)
		writeError(w, http.StatusServiceUnavailable, "the registration could not be sent; try again (it will not be registered twice)")
		return
	}
	h.log.Info("front-desk registration accepted", "event_id", id, "duplicate", rec.Duplicate)
	writeJSON(w, http.StatusAccepted, IntakeStatus{ID: id, Status: IntakeAccepted, Duplicate: rec.Duplicate,
		Domain: string(reg.Domain), StatusURL: intakeStatusURL(id)})
}

// readIntake reads a JSON or multipart body. It answers the status and
// problem of a body it cannot read.
func (h *Handler) readIntake(w http.ResponseWriter, r *http.Request) (IntakeRequest, []frontdesk.File, int, string) {
	var in IntakeRequest
	l := frontdesk.DefaultLimits()
	// Base64 makes JSON attachments a third larger; the rest is fields.
	max := l.MaxTotalSize*4/3 + 2<<20
	r.Body = http.MaxBytesReader(w, r.Body, max)
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Header.Get("Content-Type") == "" {
		mediaType, err = "application/json", nil
	}
	tooLarge := func(err error) (int, string) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return http.StatusRequestEntityTooLarge, fmt.Sprintf("body: at most %d MiB", max>>20)
		}
		return http.StatusBadRequest, "body: " + err.Error()
	}
	switch {
	case err != nil:
		return in, nil, http.StatusUnsupportedMediaType, "want Content-Type application/json or multipart/form-data"
	case mediaType == "application/json":
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			status, msg := tooLarge(err)
			return in, nil, status, msg
		}
		if msg := decodeIntakeJSON(raw, &in); msg != "" {
			return in, nil, http.StatusBadRequest, msg
		}
		return in, nil, 0, ""
	case mediaType == "multipart/form-data" && params["boundary"] != "":
		in, files, err := readIntakeMultipart(r, l)
		if err != nil {
			var perr partError
			if errors.As(err, &perr) {
				return in, nil, http.StatusBadRequest, perr.Error()
			}
			status, msg := tooLarge(err)
			return in, nil, status, msg
		}
		return in, files, 0, ""
	}
	return in, nil, http.StatusUnsupportedMediaType, "want Content-Type application/json or multipart/form-data"
}

func decodeIntakeJSON(raw []byte, in *IntakeRequest) string {
	if strings.TrimSpace(string(raw)) == "" {
		raw = []byte("{}")
	}
	dec := jsonDecoder(raw)
	if err := dec.Decode(in); err != nil {
		return "body: " + err.Error()
	}
	if dec.More() {
		return "body: want one JSON object"
	}
	return ""
}

// partError is a multipart body that is readable but wrong.
type partError string

func (e partError) Error() string { return string(e) }

// maxFieldSize bounds a form field: the longest text, with room.
const maxFieldSize = caseevent.MaxBodySize + 64<<10

// readIntakeMultipart reads the fields and files of a multipart body: a
// part "registration" holding the JSON of an IntakeRequest, or the fields
// one by one (channel, direction, domain, inbox, subject, text, case_ref,
// received_at, sent_at, citizen_name, citizen_email, citizen_phone,
// citizen_address, idempotency_key); every part with a file name is an
// attachment.
func readIntakeMultipart(r *http.Request, l frontdesk.Limits) (IntakeRequest, []frontdesk.File, error) {
	var (
		in    IntakeRequest
		files []frontdesk.File
		seen  = map[string]bool{}
	)
	mr, err := r.MultipartReader()
	if err != nil {
		return in, nil, partError("body: " + err.Error())
	}
	fields := map[string]*string{
		"channel": &in.Channel, "direction": &in.Direction, "domain": &in.Domain, "inbox": &in.Inbox,
		"subject": &in.Subject, "text": &in.Text, "case_ref": &in.CaseRef, "idempotency_key": &in.IdempotencyKey,
		"citizen_name": &in.Citizen.Name, "citizen_email": &in.Citizen.Email, "citizen_phone": &in.Citizen.Phone,
		"citizen_address": &in.Citizen.Address,
	}
	times := map[string]**time.Time{"received_at": &in.ReceivedAt, "sent_at": &in.SentAt}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, nil, err
		}
		name := part.FormName()
		if part.FileName() != "" {
			if len(files) >= l.MaxFiles {
				return in, nil, partError(fmt.Sprintf("attachments: at most %d", l.MaxFiles))
			}
			data, err := io.ReadAll(io.LimitReader(part, l.MaxFileSize+1))
			if err != nil {
				return in, nil, err
			}
			if int64(len(data)) > l.MaxFileSize {
				return in, nil, partError(fmt.Sprintf("attachments[%d]: larger than %d MiB", len(files), l.MaxFileSize>>20))
			}
			files = append(files, frontdesk.File{Name: part.FileName(), Data: data})
			continue
		}
		if seen[name] {
			return in, nil, partError(name + ": given twice")
		}
		seen[name] = true
		value, err := io.ReadAll(io.LimitReader(part, maxFieldSize+1))
		if err != nil {
			return in, nil, err
		}
		if len(value) > maxFieldSize {
			return in, nil, partError(name + ": too long")
		}
		switch {
		case name == "registration":
			if msg := decodeIntakeJSON(value, &in); msg != "" {
				return in, nil, partError("registration: " + strings.TrimPrefix(msg, "body: "))
			}
		case fields[name] != nil:
			*fields[name] = string(value)
		case times[name] != nil:
			if len(value) == 0 {
				continue
			}
			t, err := time.Parse(time.RFC3339, string(value))
			if err != nil {
				return in, nil, partError(name + ": want a time such as 2026-12-04T10:15:00+01:00")
			}
			*times[name] = &t
		default:
			return in, nil, partError(fmt.Sprintf("unknown field %q", name))
		}
	}
	return in, files, nil
}

func (h *Handler) getIntake(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id := r.PathValue("id")
	notYet := func() {
		writeJSON(w, http.StatusNotFound, struct {
			Problem
			Status string `json:"status"`
		}{Problem{"not registered (yet): ask again in a moment"}, "pending"})
	}
	m, err := h.st.EventMessage(r.Context(), id)
	switch {
	case err == nil && p.CanSeeDomain(m.Domain):
		writeJSON(w, http.StatusOK, registeredStatus(m))
		return
	case err == nil:
		notYet() // the same answer as for nothing at all
		return
	case !errors.Is(err, store.ErrNotFound):
		h.storeError(w, "look up registration", err)
		return
	}
	q, err := h.st.OpenQuarantineByEvent(r.Context(), id)
	switch {
	case err == nil && p.CanSeeDomain(quarantine.PayloadDomain(q.Payload)):
		writeJSON(w, http.StatusOK, IntakeStatus{ID: id, Status: IntakeQuarantined, Domain: quarantine.PayloadDomain(q.Payload), StatusURL: intakeStatusURL(id)})
	case err == nil, errors.Is(err, store.ErrNotFound):
		notYet()
	default:
		h.storeError(w, "look up quarantined registration", err)
	}
}

func registeredStatus(m store.EventMessage) IntakeStatus {
	at := m.StoredAt
	return IntakeStatus{ID: m.EventID, Status: IntakeRegistered, CaseRef: m.CaseRef, MessageID: m.MessageID,
		Domain: m.Domain, RegisteredAt: &at, StatusURL: intakeStatusURL(m.EventID)}
}

func intakeStatusURL(id string) string { return "/api/v1/intake/" + id }
