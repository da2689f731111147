package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// The case page ("/dossiers/{ref}") shows a case with its whole timeline
// and the forms of what staff may do to it (actions.go); the mail and
// attachment routes serve what its messages carry (attachment.go).

func (h *Handler) casePage() page {
	routes := []route{
		{pattern: "GET /dossiers/{ref}", role: auth.RoleOnthaal, serve: h.showCase},
		{pattern: "GET /dossiers/{ref}/berichten/{id}/html", role: auth.RoleOnthaal, serve: h.mailHTML},
		{pattern: "GET /dossiers/{ref}/bijlagen/{sha256}", role: auth.RoleOnthaal, serve: h.attachment},
	}
	return page{routes: append(routes, h.actionRoutes()...)}
}

// notFoundCase is what a case that does not exist, or that the user may
// not see, looks like: the same, so that nothing tells them apart.
func (h *Handler) notFoundCase(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, http.StatusNotFound, "Dit dossier bestaat niet, of je hebt er geen toegang toe.")
}

func (h *Handler) showCase(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	d, ok := h.caseFor(w, r, p)
	if !ok {
		return
	}
	if !h.recordView(w, r, p, store.AccessEntry{Action: store.AccessViewCase, CaseRef: d.Ref, ContactID: d.ContactID, Domain: d.Domain},
		caseURL(r.PathValue("ref")), "dit dossier") {
		return
	}
	h.render(w, r, http.StatusOK, "dossier", "Dossier "+d.Ref+": "+d.Subject, h.caseView(d, p))
}

type caseView struct {
	caseRow
	MergedIntoRef string
	Contact       store.Contact
	Entries       []entryView
	Forwards      []forwardView
	Moves         []moveView
	OpenForwards  int
	// What the user may do.
	CanAct   bool // a behandelaar: every action
	CanSplit bool
	Merged   bool
	Me       string
	// The choices of the forms.
	Departments []routing.Department
	Statuses    []option
	Types       []option
	Reasons     []string
	Today       string // the earliest date for "antwoord verwacht tegen"
}

type option struct {
	Value, Label string
	Selected     bool
}

type entryView struct {
	store.TimelineEntry
	KindLabel string
	Message   *messageView
}

type messageView struct {
	store.Message
	Sender      string
	Incoming    bool
	HTMLURL     string // the sanitised HTML, for a sandboxed frame; empty: none
	Attachments []attachmentView
}

type attachmentView struct {
	store.Attachment
	URL string
}

type forwardView struct {
	store.Forward
	Overdue bool
}

type moveView struct {
	store.CaseMove
	Label     string
	OtherRef  string
	OtherURL  string
	Messages  int
	CanUndo   bool
	Direction string // "naar" or "van"
}

// caseView is everything the case page shows of d to p.
func (h *Handler) caseView(d store.CaseDetail, p auth.Principal) caseView {
	now := h.now()
	v := caseView{
		caseRow: h.row(d.Case, now),
		CanAct:  p.HasRole(auth.RoleBehandelaar),
		Merged:  d.Status == store.StatusMerged,
		Me:      p.Username,
		Reasons: casework.InadmissibleReasons(),
		Today:   now.In(h.loc).Format("2006-01-02"),
	}
	v.CanSplit = v.CanAct && !v.Merged && len(d.Messages) > 1
	v.Departments = h.cw.Departments()
	for _, s := range casework.Statuses() {
		v.Statuses = append(v.Statuses, option{Value: s, Label: statusLabel(s), Selected: s == d.Status})
	}
	for _, t := range routing.Types() {
		v.Types = append(v.Types, option{Value: t, Label: typeLabel(t), Selected: t == d.Type})
	}

	base := caseURL(d.Ref)
	msgs := make(map[int64]*messageView, len(d.Messages))
	for i := range d.Messages {
		m := h.messageView(base, d.Messages[i])
		msgs[m.ID] = m
		if v.Contact == (store.Contact{}) && m.Incoming {
			v.Contact = store.Contact{Name: m.SenderName, Email: m.SenderEmail, Phone: m.SenderPhone, Address: m.SenderAddress}
		}
	}
	shown := make(map[int64]bool, len(msgs))
	v.Entries = make([]entryView, 0, len(d.Timeline)+1)
	for _, e := range d.Timeline {
		ev := entryView{TimelineEntry: e, KindLabel: kindLabel(e.Kind)}
		if e.Kind == "message" && e.MessageID != 0 && !shown[e.MessageID] {
			ev.Message = msgs[e.MessageID]
			shown[e.MessageID] = true
		}
		v.Entries = append(v.Entries, ev)
	}
	// A message without its entry (there should be none) is still shown.
	var extra bool
	for _, m := range d.Messages {
		if !shown[m.ID] {
			v.Entries = append(v.Entries, entryView{TimelineEntry: store.TimelineEntry{At: m.StoredAt, Kind: "message", MessageID: m.ID},
				KindLabel: kindLabel("message"), Message: msgs[m.ID]})
			extra = true
		}
	}
	if extra {
		slices.SortStableFunc(v.Entries, func(a, b entryView) int { return a.At.Compare(b.At) })
	}

	for _, f := range d.Forwards {
		fv := forwardView{Forward: f, Overdue: f.AnsweredAt == nil && f.ExpectedBy != nil && f.ExpectedBy.Before(now)}
		if f.AnsweredAt == nil {
			v.OpenForwards++
		}
		v.Forwards = append(v.Forwards, fv)
	}
	for _, m := range d.Moves {
		mv := moveView{CaseMove: m, Messages: len(m.MessageIDs), CanUndo: v.CanAct && m.UndoneAt == nil}
		switch m.Kind {
		case "merge":
			mv.Label = "Samenvoeging"
		case "split":
			mv.Label = "Splitsing"
		default:
			mv.Label = m.Kind
		}
		if m.FromCaseID == d.ID {
			mv.OtherRef, mv.Direction = m.ToRef, "naar"
		} else {
			mv.OtherRef, mv.Direction = m.FromRef, "van"
		}
		mv.OtherURL = caseURL(mv.OtherRef)
		v.Moves = append(v.Moves, mv)
		// The case it is merged into took part in a move with it.
		switch {
		case d.MergedInto == 0:
		case m.ToCaseID == d.MergedInto:
			v.MergedIntoRef = m.ToRef
		case m.FromCaseID == d.MergedInto:
			v.MergedIntoRef = m.FromRef
		}
	}
	return v
}

func (h *Handler) messageView(caseBase string, m store.Message) *messageView {
	mv := &messageView{Message: m, Incoming: m.Direction != "outgoing", Sender: sender(m)}
	mv.Text = strings.TrimSpace(m.Text)
	mv.HTML = "" // never put in the page: it is served sanitised on its own
	if strings.TrimSpace(m.HTML) != "" {
		mv.HTMLURL = caseBase + "/berichten/" + strconv.FormatInt(m.ID, 10) + "/html"
	}
	for _, a := range m.Attachments {
		mv.Attachments = append(mv.Attachments, attachmentView{Attachment: a, URL: caseBase + "/bijlagen/" + url.PathEscape(a.SHA256)})
	}
	return mv
}

// sender names who wrote a message: "Name <email>", or whatever else is
// known of them.
func sender(m store.Message) string {
	var parts []string
	if m.SenderName != "" {
		parts = append(parts, m.SenderName)
	}
	if m.SenderEmail != "" {
		if len(parts) > 0 {
			parts = append(parts, "<"+m.SenderEmail+">")
		} else {
			parts = append(parts, m.SenderEmail)
		}
	}
	if m.SenderPhone != "" {
		parts = append(parts, "tel. "+m.SenderPhone)
	}
	if len(parts) == 0 && m.SenderFacebookID != "" {
		parts = append(parts, "Facebook "+m.SenderFacebookID)
	}
	if len(parts) == 0 {
		return "onbekend"
	}
	return strings.Join(parts, " ")
}

// findMessage is the message id of case d.
func findMessage(d store.CaseDetail, id int64) (store.Message, bool) {
	i := slices.IndexFunc(d.Messages, func(m store.Message) bool { return m.ID == id })
	if i < 0 {
		return store.Message{}, false
	}
	return d.Messages[i], true
}

// latestMove is the most recent move of kind from the case ref.
func latestMove(d store.CaseDetail, kind string) (store.CaseMove, bool) {
	var best store.CaseMove
	found := false
	for _, m := range d.Moves {
		if m.Kind == kind && m.FromRef == d.Ref && (!found || cmp.Compare(m.ID, best.ID) > 0) {
			best, found = m, true
		}
	}
	return best, found
}
