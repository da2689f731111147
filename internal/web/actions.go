package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
)

// The forms of the case page post here. Every action goes through package
// casework; afterwards the browser is sent back to the case (Post/
// Redirect/Get) with a message saying how it went.

// outcome is where an action that succeeded sends the browser, and what
// it tells the user.
type outcome struct {
	to  string // default: the case page
	msg string
}

// act is one action: it runs run for the case {ref}. missing is what to
// say when something the form names (a forward, a move, another case) does
// not exist.
func (h *Handler) act(path string, min auth.Role, anchor, missing string,
	run func(r *http.Request, p auth.Principal, ref string) (outcome, error)) route {
	return route{pattern: "POST /dossiers/{ref}/" + path, role: min, serve: func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		ref := r.PathValue("ref")
		back := caseURL(ref) + anchor
		out, err := run(r, p, ref)
		if err == nil {
			if out.to == "" {
				out.to = back
			}
			h.redirectBack(w, r, out.to, false, out.msg)
			return
		}
		if msg, ok := refusal(err); ok {
			h.redirectBack(w, r, back, true, msg)
			return
		}
		switch {
		case errors.Is(err, casework.ErrForbidden):
			h.fail(w, r, http.StatusForbidden, "Je rol laat dit niet toe.")
		case errors.Is(err, casework.ErrNotFound):
			// The case itself, or something the form names?
			_, cerr := h.cw.Case(r.Context(), p, ref)
			switch {
			case cerr == nil:
				h.redirectBack(w, r, back, true, missing)
			case errors.Is(cerr, casework.ErrNotFound):
				h.notFoundCase(w, r)
			default:
				h.storeFailed(w, r, "case action", cerr)
			}
		default:
			h.storeFailed(w, r, "case action", err)
		}
	}}
}

// inputError is a form value that cannot be what casework expects.
func inputError(field, msg string) error { return &casework.InputError{Field: field, Msg: msg} }

// pathID is the {id} of the path, or 0 when it is not a positive number
// (which finds nothing).
func pathID(r *http.Request) int64 {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

func (h *Handler) actionRoutes() []route {
	cw := h.cw
	const gone = "Dat bestaat niet (meer) in dit dossier. Laad de pagina opnieuw."
	form := func(r *http.Request, name string) string { return r.PostFormValue(name) }
	return []route{
		h.act("notitie", auth.RoleOnthaal, "#tijdlijn", gone, func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
			_, err := cw.Note(r.Context(), p, ref, form(r, "text"))
			return outcome{msg: "Notitie toegevoegd."}, err
		}),
		h.act("toewijzen", auth.RoleBehandelaar, "", gone, func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
			d, err := cw.Assign(r.Context(), p, ref, casework.Assignment{Department: form(r, "department"), Assignee: form(r, "assignee"),
				ClearAssignee: form(r, "clear_assignee") == "1", Detail: form(r, "detail")})
			who := d.Assignee
			if who == "" {
				who = "niemand"
			}
			return outcome{msg: fmt.Sprintf("Toewijzing opgeslagen: dienst %s, behandelaar %s.", orNone(h.departmentName(d.Department)), who)}, err
		}),
		h.act("status", auth.RoleBehandelaar, "", gone, func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
			d, err := cw.SetStatus(r.Context(), p, ref, form(r, "status"), form(r, "detail"))
			return outcome{msg: "Status gewijzigd: " + statusLabel(d.Status) + "."}, err
		}),
		h.act("type", auth.RoleBehandelaar, "", gone, func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
			d, err := cw.SetType(r.Context(), p, ref, form(r, "type"), form(r, "detail"))
			return outcome{msg: "Type gewijzigd: " + typeLabel(d.Type) + ". De termijnen zijn aangepast."}, err
		}),
		h.act("suggestie/afwijzen", auth.RoleBehandelaar, "", gone, func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
			_, err := cw.DismissSuggestion(r.Context(), p, ref, form(r, "detail"))
			return outcome{msg: "Suggestie afgewezen."}, err
		}),
		h.act("ontvankelijkheid", auth.RoleBehandelaar, "", gone, func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
			var admissible *bool
			switch form(r, "admissible") {
			case "ja":
				admissible = new(true)
			case "nee":
				admissible = new(false)
			}
			_, err := cw.SetAdmissibility(r.Context(), p, ref, casework.Admissibility{Admissible: admissible,
				Reason: form(r, "reason"), Detail: form(r, "detail")})
			return outcome{msg: "Ontvankelijkheid vastgelegd."}, err
		}),
		h.act("doorsturen", auth.RoleBehandelaar, "#doorverwijzingen", gone, func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
			_, err := cw.Forward(r.Context(), p, ref, casework.Forward{Organisation: form(r, "organisation"),
				Question: form(r, "question"), ExpectedBy: form(r, "expected_by")})
			return outcome{msg: "Doorverwijzing vastgelegd."}, err
		}),
		h.act("doorsturen/{id}/antwoord", auth.RoleBehandelaar, "#doorverwijzingen", "Die doorverwijzing bestaat niet in dit dossier.",
			func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
				_, err := cw.AnswerForward(r.Context(), p, ref, pathID(r), form(r, "answer"))
				return outcome{msg: "Antwoord vastgelegd."}, err
			}),
		h.act("samenvoegen", auth.RoleBehandelaar, "", "Het dossier waarin je wilt samenvoegen bestaat niet, of je hebt er geen toegang toe.",
			func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
				into := form(r, "into")
				d, err := cw.Merge(r.Context(), p, ref, into, form(r, "detail"))
				if err != nil {
					return outcome{}, err
				}
				out := outcome{msg: "Dossier " + ref + " is samengevoegd in dit dossier."}
				if m, ok := latestMove(d, "merge"); ok {
					out.to = caseURL(m.ToRef)
				}
				return out, nil
			}),
		h.act("splitsen", auth.RoleBehandelaar, "", gone, func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
			var ids []int64
			for _, s := range r.PostForm["message_id"] {
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil || id < 1 {
					return outcome{}, inputError("message_ids", "name the messages to split off")
				}
				ids = append(ids, id)
			}
			d, err := cw.Split(r.Context(), p, ref, ids, form(r, "subject"), form(r, "detail"))
			if err != nil {
				return outcome{}, err
			}
			msg := "Berichten afgesplitst naar een nieuw dossier."
			if m, ok := latestMove(d, "split"); ok {
				msg = fmt.Sprintf("%d %s afgesplitst naar dossier %s.", len(m.MessageIDs), plural(len(m.MessageIDs), "bericht", "berichten"), m.ToRef)
			}
			return outcome{msg: msg}, nil
		}),
		h.act("verplaatsingen/{id}/ongedaan", auth.RoleBehandelaar, "", "Die samenvoeging of splitsing hoort niet bij dit dossier.",
			func(r *http.Request, p auth.Principal, ref string) (outcome, error) {
				_, err := cw.UndoMove(r.Context(), p, ref, pathID(r))
				return outcome{msg: "Ongedaan gemaakt: de berichten staan terug in hun dossier."}, err
			}),
	}
}

func orNone(s string) string {
	if s == "" {
		return "(geen)"
	}
	return s
}

func plural(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}
