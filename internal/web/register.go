package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/intake/frontdesk"
	"github.com/meldpunt/meldpunt/internal/registry/quarantine"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// "Registreren" ("/registreren"): staff register a visit at the front desk,
// a phone call or a letter (with its scanned pages as attachments). It
// takes the path of POST /api/v1/intake: package frontdesk turns the form
// into a case event and publishes it to the intake stream through the
// publisher of package intake, and the registry stores it like any other
// message. The form carries a random key made when it is shown, so a form
// posted twice registers once. Afterwards "/registreren/{id}" says whether
// the registry has stored it yet, and links the case once it has.

func (h *Handler) registerPage() page {
	return page{nav: "Registreren", path: "/registreren", role: auth.RoleOnthaal, routes: []route{
		{pattern: "GET /registreren", role: auth.RoleOnthaal, serve: h.registerForm},
		{pattern: "POST /registreren", role: auth.RoleOnthaal, serve: h.register},
		{pattern: "GET /registreren/{id}", role: auth.RoleOnthaal, serve: h.registration},
	}}
}

// registerRefresh is how often, in seconds, the page of a registration not
// stored yet reloads itself.
const registerRefresh = 2

// The form's fields.
const (
	keyField   = "idempotency_key"
	filesField = "attachments"
)

// registerForm is what the form holds (the files aside).
type registerForm struct {
	Channel, Direction, Domain                          string
	Name, Email, Phone, Address                         string
	Subject, Text, CaseRef, ReceivedAt, LetterDate, Key string
}

type registerView struct {
	Form      registerForm
	Available bool // there is a bus to publish on
	NoDomains bool
	Problems  []string
	// FilesLost: the form came back with problems; files must be chosen
	// again.
	FilesLost            bool
	Channels, Directions []option
	Domains              []option // more than one: the user chooses
	Domain               string   // the only one
	MaxFiles, MaxFileMiB int
	MaxTotalMiB          int
	Now                  string // the latest time for "ontvangen op"
}

func (h *Handler) registerForm(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	f := registerForm{Channel: q.Get("kanaal"), CaseRef: q.Get("dossier"), Direction: string(caseevent.DirectionIncoming), Key: rand.Text()}
	if f.Channel == "" {
		f.Channel = string(caseevent.ChannelCounter)
	}
	h.render(w, r, http.StatusOK, "registreren", "Registreren", h.registerView(f, p))
}

func (h *Handler) registerView(f registerForm, p auth.Principal) registerView {
	l := frontdesk.DefaultLimits()
	v := registerView{Form: f, Available: h.intake != nil, NoDomains: len(p.Domains) == 0,
		MaxFiles: l.MaxFiles, MaxFileMiB: int(l.MaxFileSize >> 20), MaxTotalMiB: int(l.MaxTotalSize >> 20),
		Now: h.now().In(h.loc).Format("2006-01-02T15:04")}
	labels := map[caseevent.Channel]string{caseevent.ChannelCounter: "Bezoek aan het onthaal",
		caseevent.ChannelPhone: "Telefoongesprek", caseevent.ChannelLetter: "Brief"}
	for _, c := range frontdesk.Channels() {
		v.Channels = append(v.Channels, option{Value: string(c), Label: labels[c], Selected: f.Channel == string(c)})
	}
	v.Directions = []option{
		{Value: string(caseevent.DirectionIncoming), Label: "Van de burger (de burger kwam, belde of schreef)",
			Selected: f.Direction != string(caseevent.DirectionOutgoing)},
		{Value: string(caseevent.DirectionOutgoing), Label: "Aan de burger (wij belden of schreven)",
			Selected: f.Direction == string(caseevent.DirectionOutgoing)},
	}
	if len(p.Domains) == 1 {
		v.Domain = p.Domains[0]
	} else {
		for _, d := range p.Domains {
			v.Domains = append(v.Domains, option{Value: d, Label: d, Selected: f.Domain == d})
		}
	}
	return v
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	l := frontdesk.DefaultLimits()
	// auth.Middleware read the form already (for its CSRF token); this
	// bounds it otherwise.
	r.Body = http.MaxBytesReader(w, r.Body, l.MaxTotalSize+caseevent.MaxBodySize+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("De registratie is te groot: bijlagen samen hoogstens %d MiB.", l.MaxTotalSize>>20))
			return
		}
		h.fail(w, r, http.StatusBadRequest, "Het formulier kon niet gelezen worden. Laad de pagina opnieuw en probeer het nog eens.")
		return
	}
	form := func(name string) string { return r.PostFormValue(name) }
	f := registerForm{Channel: form("channel"), Direction: form("direction"), Domain: form("domain"),
		Name: form("citizen_name"), Email: form("citizen_email"), Phone: form("citizen_phone"), Address: form("citizen_address"),
		Subject: form("subject"), Text: form("text"), CaseRef: form("case_ref"), ReceivedAt: form("received_at"),
		LetterDate: form("letter_date"), Key: form(keyField)}
	again := func(status int, problems ...string) {
		v := h.registerView(f, p)
		v.Problems, v.FilesLost = problems, r.MultipartForm != nil && len(r.MultipartForm.File[filesField]) > 0
		h.render(w, r, status, "registreren", "Registreren", v)
	}
	if h.intake == nil {
		again(http.StatusServiceUnavailable, "Registreren is nu niet mogelijk: het register heeft geen verbinding met de berichtenbus.")
		return
	}
	domain := f.Domain
	if domain == "" && len(p.Domains) == 1 {
		domain = p.Domains[0]
	}
	if domain != "" && auth.ValidDomain(domain) && !p.CanSeeDomain(domain) {
		again(http.StatusForbidden, "Je mag niet registreren in het domein "+domain+".")
		return
	}
	var problems []string
	received, err := h.formTime(f.ReceivedAt, "2006-01-02T15:04")
	if err != nil {
		problems = append(problems, "Ontvangen op: kies een datum en tijd.")
	}
	sent, err := h.formTime(f.LetterDate, time.DateOnly)
	if err != nil {
		problems = append(problems, "Datum van de brief: kies een datum.")
	}
	files, fileProblems := readFiles(r.MultipartForm, l)
	problems = append(problems, fileProblems...)
	if len(problems) > 0 {
		again(http.StatusBadRequest, problems...)
		return
	}
	reg := frontdesk.Registration{
		Channel: caseevent.Channel(f.Channel), Direction: caseevent.Direction(f.Direction), Domain: caseevent.Domain(domain),
		Subject: f.Subject, Text: f.Text, CaseRef: f.CaseRef,
		Citizen:    frontdesk.Citizen{Name: f.Name, Email: f.Email, Phone: f.Phone, Address: f.Address},
		ReceivedAt: received, SentAt: sent, Files: files,
	}
	prepared, err := frontdesk.Prepare(frontdesk.Staff{Actor: p.Actor(), Name: p.DisplayName}, f.Key, reg, h.now(), l)
	var input *frontdesk.InputError
	if errors.As(err, &input) {
		problems := make([]string, len(input.Problems))
		for i, pr := range input.Problems {
			problems[i] = registerProblem(pr)
		}
		again(http.StatusBadRequest, problems...)
		return
	}
	if err != nil {
		h.log.Error("prepare registration", "error", err)
		again(http.StatusInternalServerError, "De registratie kon niet voorbereid worden.")
		return
	}
	id := prepared.Event.ID
	status := registrationURL(id)
	// Posted before and stored already: say so, without publishing again.
	if _, err := h.st.EventMessage(r.Context(), id); err == nil {
		h.redirectBack(w, r, status, false, "Dit formulier was al verstuurd: het wordt maar één keer geregistreerd.")
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		h.storeFailed(w, r, "look up registration", err)
		return
	}
	rec, err := frontdesk.Publish(r.Context(), h.intake, prepared)
	if err != nil {
		h.log.Error("publish registration", "event_id", id, "error", err)
		again(http.StatusServiceUnavailable, "De registratie kon niet verstuurd worden. Probeer het opnieuw: ze wordt maar één keer geregistreerd.")
		return
	}
	h.log.Info("front-desk registration accepted", "event_id", id, "duplicate", rec.Duplicate)
	msg := "De registratie is verstuurd."
	if rec.Duplicate {
		msg = "Dit formulier was al verstuurd: het wordt maar één keer geregistreerd."
	}
	h.redirectBack(w, r, status, false, msg)
}

func registrationURL(id string) string { return "/registreren/" + id }

// formTime reads a time of a form field in layout, in the municipality's
// time zone; nil for "".
func (h *Handler) formTime(s, layout string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := time.ParseInLocation(layout, s, h.loc)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// readFiles reads the files of the form, refusing one that is too large
// before reading it (frontdesk.Prepare checks the rest).
func readFiles(mf *multipart.Form, l frontdesk.Limits) ([]frontdesk.File, []string) {
	if mf == nil {
		return nil, nil
	}
	var (
		files    []frontdesk.File
		problems []string
	)
	headers := mf.File[filesField]
	if len(headers) > l.MaxFiles {
		return nil, []string{fmt.Sprintf("Bijlagen: hoogstens %d.", l.MaxFiles)}
	}
	for i, fh := range headers {
		if fh.Size > l.MaxFileSize {
			problems = append(problems, fmt.Sprintf("Bijlage %d: groter dan %d MiB.", i+1, l.MaxFileSize>>20))
			continue
		}
		data, err := readFile(fh, l.MaxFileSize)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Bijlage %d kon niet gelezen worden.", i+1))
			continue
		}
		files = append(files, frontdesk.File{Name: fh.Filename, Data: data})
	}
	return files, problems
}

func readFile(fh *multipart.FileHeader, max int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// registerProblem says a problem of frontdesk.Prepare ("field: what") in
// Dutch.
func registerProblem(p string) string {
	field, msg, _ := strings.Cut(p, ": ")
	switch field {
	case "subject, text or attachments":
		return "Vul een onderwerp of een tekst in, of voeg een bijlage toe."
	case "idempotency key":
		return "Dit formulier is niet (meer) geldig. Laad de pagina opnieuw."
	case "staff":
		return "Je account is onbekend. Meld je opnieuw aan."
	}
	labels := map[string]string{"channel": "Soort", "direction": "Richting", "domain": "Domein", "inbox": "Postbus",
		"citizen.name": "Naam", "citizen.email": "E-mailadres", "citizen.phone": "Telefoon", "citizen.address": "Adres",
		"subject": "Onderwerp", "text": "Tekst", "case_ref": "Dossier", "received_at": "Ontvangen op", "sent_at": "Datum van de brief",
		"attachments": "Bijlagen"}
	label, ok := labels[field]
	if i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(field, "attachments["), "]")); err == nil {
		label, ok = fmt.Sprintf("Bijlage %d", i+1), true
	}
	if !ok {
		label = field
	}
	return label + ": " + dutchProblem(msg) + "."
}

// dutchProblem translates what frontdesk says is wrong with a value.
func dutchProblem(msg string) string {
	switch {
	case msg == "want counter, phone or letter":
		return "kies een bezoek, een telefoongesprek of een brief"
	case msg == "want incoming or outgoing":
		return "kies van of aan de burger"
	case msg == "want gemeente or sociaalhuis":
		return "kies gemeente of sociaalhuis"
	case msg == "not an e-mail address":
		return "dit is geen e-mailadres"
	case strings.HasPrefix(msg, "digits, spaces"):
		return "alleen cijfers, spaties en + - / ( ) ."
	case msg == "in the future":
		return "dit ligt in de toekomst"
	case msg == "want a date from 2000":
		return "kies een datum vanaf 2000"
	case msg == "empty file":
		return "het bestand is leeg"
	case strings.HasPrefix(msg, "not a PDF or an image"):
		return "dit is geen PDF of afbeelding (JPEG, PNG, TIFF, GIF, WebP, BMP, HEIC)"
	case strings.HasSuffix(msg, " together"):
		return "samen " + strings.Replace(strings.TrimSuffix(msg, " together"), "larger than", "groter dan", 1)
	case strings.HasPrefix(msg, "larger than "):
		return strings.Replace(msg, "larger than", "groter dan", 1)
	case strings.HasPrefix(msg, "at most "):
		return strings.NewReplacer("at most", "hoogstens", "characters", "tekens").Replace(msg)
	case msg == "not valid UTF-8", msg == "contains a NUL character":
		return "bevat een ongeldig teken"
	case strings.HasPrefix(msg, "lower-case letters"):
		return "alleen kleine letters, cijfers, '-' en '_'"
	}
	return msg
}

type registrationView struct {
	ID           string
	Status       string // registered, quarantined or pending
	CaseRef      string
	CaseURL      string
	RegisteredAt *time.Time
	Refresh      int
}

// registration shows where registration {id} is: stored (with its case),
// quarantined, or not yet (the page reloads itself). A registration of a
// domain the user may not see looks as one not stored yet, as in the API.
func (h *Handler) registration(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id := r.PathValue("id")
	v := registrationView{ID: id, Status: "pending", Refresh: registerRefresh}
	m, err := h.st.EventMessage(r.Context(), id)
	switch {
	case err == nil && p.CanSeeDomain(m.Domain):
		v.Status, v.CaseRef, v.RegisteredAt = "registered", m.CaseRef, &m.StoredAt
		if m.CaseRef != "" {
			v.CaseURL = caseURL(m.CaseRef) + "#bericht-" + strconv.FormatInt(m.MessageID, 10)
		}
	case err == nil:
	case !errors.Is(err, store.ErrNotFound):
		h.storeFailed(w, r, "look up registration", err)
		return
	default:
		q, err := h.st.OpenQuarantineByEvent(r.Context(), id)
		switch {
		case err == nil && p.CanSeeDomain(quarantine.PayloadDomain(q.Payload)):
			v.Status = "quarantined"
		case err == nil, errors.Is(err, store.ErrNotFound):
		default:
			h.storeFailed(w, r, "look up quarantined registration", err)
			return
		}
	}
	title := "Registratie verstuurd"
	switch v.Status {
	case "registered":
		title = "Geregistreerd"
	case "quarantined":
		title = "In quarantaine"
	}
	h.render(w, r, http.StatusOK, "registratie", title, v)
}
