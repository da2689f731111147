package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// maxBody bounds the JSON body of an action.
const maxBody = 64 << 10

// action serves a staff action: it decodes the JSON body into a value of
// type In, runs the action through package casework and answers the case as
// it is afterwards, or the reason the action was refused.
func action[In any](h *Handler, min auth.Role, run func(r *http.Request, p auth.Principal, in In) (store.CaseDetail, error)) http.HandlerFunc {
	return h.authed(min, func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		var in In
		if problem := decodeJSON(r, &in); problem != "" {
			status := http.StatusBadRequest
			if strings.HasPrefix(problem, "body: at most") {
				status = http.StatusRequestEntityTooLarge
			}
			writeError(w, status, problem)
			return
		}
		d, err := run(r, p, in)
		if err != nil {
			h.caseworkError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, h.toDetail(d))
	})
}

// caseworkError answers an action that failed.
func (h *Handler) caseworkError(w http.ResponseWriter, err error) {
	var (
		input    *casework.InputError
		conflict *casework.ConflictError
	)
	if msg, ok := casework.Refused(err); ok {
		writeError(w, http.StatusUnprocessableEntity, msg)
		return
	}
	switch {
	case errors.As(err, &input):
		writeError(w, http.StatusBadRequest, input.Error())
	case errors.As(err, &conflict):
		writeError(w, http.StatusConflict, conflict.Error())
	case errors.Is(err, casework.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, casework.ErrForbidden):
		writeError(w, http.StatusForbidden, err.Error())
	default:
		h.storeError(w, "case action", err)
	}
}

// decodeJSON reads the request body into v, refusing unknown fields,
// trailing data and bodies over maxBody. An empty body is an empty object.
func decodeJSON(r *http.Request, v any) string {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return "want Content-Type application/json"
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return "body: " + err.Error()
	}
	if len(raw) > maxBody {
		return fmt.Sprintf("body: at most %d bytes", maxBody)
	}
	if strings.TrimSpace(string(raw)) == "" {
		raw = []byte("{}")
	}
	dec := jsonDecoder(raw)
	if err := dec.Decode(v); err != nil {
		return "body: " + err.Error()
	}
	if dec.More() {
		return "body: want one JSON object"
	}
	return ""
}

// pathID is the {id} of the path, or 0 when it is not a positive number
// (which finds nothing).
func pathID(r *http.Request) int64 {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// Bodies of the actions that are not casework types.
type (
	noteIn struct {
		Text string `json:"text"`
	}
	statusIn struct {
		Status string `json:"status"`
		Detail string `json:"detail"`
	}
	typeIn struct {
		Type   string `json:"type"`
		Detail string `json:"detail"`
	}
	detailIn struct {
		Detail string `json:"detail"`
	}
	answerIn struct {
		Answer string `json:"answer"`
	}
	mergeIn struct {
		Into   string `json:"into"`
		Detail string `json:"detail"`
	}
	splitIn struct {
		MessageIDs []int64 `json:"message_ids"`
		Subject    string  `json:"subject"`
		Detail     string  `json:"detail"`
	}
	emptyIn struct{}
)

// caseRoutes are the staff actions on a case.
func (h *Handler) caseRoutes() []Route {
	cw := h.cw
	act := func(path string, min auth.Role, hf http.HandlerFunc) Route {
		return Route{Method: http.MethodPost, Path: "/api/v1/cases/{ref}/" + path, Role: min, Handler: hf}
	}
	ref := func(r *http.Request) string { return r.PathValue("ref") }
	return []Route{
		act("notes", auth.RoleOnthaal, action(h, auth.RoleOnthaal, func(r *http.Request, p auth.Principal, in noteIn) (store.CaseDetail, error) {
			return cw.Note(r.Context(), p, ref(r), in.Text)
		})),
		act("assign", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in casework.Assignment) (store.CaseDetail, error) {
			return cw.Assign(r.Context(), p, ref(r), in)
		})),
		act("status", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in statusIn) (store.CaseDetail, error) {
			return cw.SetStatus(r.Context(), p, ref(r), in.Status, in.Detail)
		})),
		act("type", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in typeIn) (store.CaseDetail, error) {
			return cw.SetType(r.Context(), p, ref(r), in.Type, in.Detail)
		})),
		act("suggestion/dismiss", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in detailIn) (store.CaseDetail, error) {
			return cw.DismissSuggestion(r.Context(), p, ref(r), in.Detail)
		})),
		act("admissibility", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in casework.Admissibility) (store.CaseDetail, error) {
			return cw.SetAdmissibility(r.Context(), p, ref(r), in)
		})),
		act("forwards", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in casework.Forward) (store.CaseDetail, error) {
			return cw.Forward(r.Context(), p, ref(r), in)
		})),
		act("forwards/{id}/answer", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in answerIn) (store.CaseDetail, error) {
			return cw.AnswerForward(r.Context(), p, ref(r), pathID(r), in.Answer)
		})),
		act("merge", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in mergeIn) (store.CaseDetail, error) {
			return cw.Merge(r.Context(), p, ref(r), in.Into, in.Detail)
		})),
		act("split", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, in splitIn) (store.CaseDetail, error) {
			return cw.Split(r.Context(), p, ref(r), in.MessageIDs, in.Subject, in.Detail)
		})),
		act("moves/{id}/undo", auth.RoleBehandelaar, action(h, auth.RoleBehandelaar, func(r *http.Request, p auth.Principal, _ emptyIn) (store.CaseDetail, error) {
			return cw.UndoMove(r.Context(), p, ref(r), pathID(r))
		})),
	}
}
