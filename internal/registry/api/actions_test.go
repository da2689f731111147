package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// seedCases stores cases in st, each with its messages (the number given),
// and returns their references.
func seedCases(t *testing.T, st store.Store, opened time.Time, cases []store.NewCase, messages []int) []store.CaseRef {
	t.Helper()
	ctx := t.Context()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	refs, err := tx.CreateCases(ctx, cases)
	if err != nil {
		t.Fatal(err)
	}
	var ms []*store.Message
	for i, r := range refs {
		for j := range messages[i] {
			id := fmt.Sprintf("%s-%d", r.Ref, j)
			ms = append(ms, &store.Message{EventID: id, CaseID: r.ID, Channel: "email", Direction: "incoming", Inbox: "gemeentebestuur",
				Domain: cases[i].Domain, ExternalID: "<" + id + "@x>", SenderName: "An Peeters", Subject: cases[i].Subject,
				Text: "Bericht " + id, EventTime: opened.Add(time.Duration(j) * time.Minute), StoredAt: opened.Add(time.Duration(j) * time.Minute),
				Event: []byte(`{}`)})
		}
	}
	if err := tx.InsertMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return refs
}

// TestCaseActions tells a case's story through the API, on both stores:
// note, assignment, forward and answer, type change to complaint with the
// suggestion settled, admissibility, split and its undo, merge and its
// undo. Every step is on the timeline with its actor.
func TestCaseActions(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			st, log := openStoreKind(t, kind)
			now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
			opened := now.AddDate(0, 0, -21)
			refs := seedCases(t, st, opened, []store.NewCase{
				{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: "Kapotte straatlamp", Department: "openbare-werken", OpenedAt: opened},
				{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: "Straatlamp Kerkstraat", OpenedAt: opened},
				{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Type: "vraag", Subject: "Huurpremie", OpenedAt: opened},
			}, []int{3, 1, 1})
			lamp, lamp2, huur := refs[0].Ref, refs[1].Ref, refs[2].Ref
			// The citizen came back after three weeks: the registry suggested a complaint.
			tx, err := st.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.MarkRepeats(t.Context(), []store.Repeat{{CaseID: refs[0].ID, At: now, Dissatisfied: true}}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(t.Context()); err != nil {
				t.Fatal(err)
			}

			depts := []routing.Department{{Code: "openbare-werken", Name: "Openbare Werken"}, {Code: "milieu", Name: "Milieu"}}
			srv := newServer(t, st, log, casework.Options{Departments: depts, Now: func() time.Time { return now }})
			onthaal := srv.client(srv.token(t, "onthaal", "gemeente"))
			els := srv.client(srv.token(t, "behandelaar", "gemeente"))
			caseURL := func(ref, action string) string { return srv.URL + "/api/v1/cases/" + ref + "/" + action }
			post := func(c *http.Client, ref, action string, body any, want int) api.CaseDetail {
				t.Helper()
				code, b := do(t, c, http.MethodPost, caseURL(ref, action), body)
				if code != want {
					t.Fatalf("POST %s %s = %d %s, want %d", ref, action, code, b, want)
				}
				var d api.CaseDetail
				if code == http.StatusOK {
					mustJSON(t, b, &d)
				}
				return d
			}

			d := post(onthaal, lamp, "notes", map[string]any{"text": "Burger belde: lamp nog steeds stuk."}, 200)
			d = post(els, lamp, "assign", map[string]any{"department": "openbare-werken", "assignee": "pieter"}, 200)
			if d.Assignee != "pieter" || d.Department != "openbare-werken" {
				t.Errorf("after assign: %+v", d.Case)
			}
			d = post(els, lamp, "forwards", map[string]any{"organisation": "Fluvius", "question": "Kunnen jullie de lamp herstellen?", "expected_by": "2026-12-14"}, 200)
			if len(d.Forwards) != 1 || d.Status != store.StatusWaiting || d.Forwards[0].ExpectedBy == nil {
				t.Fatalf("after forward: status %q, forwards %+v", d.Status, d.Forwards)
			}
			d = post(els, lamp, fmt.Sprintf("forwards/%d/answer", d.Forwards[0].ID), map[string]any{"answer": "Hersteld op 10 december."}, 200)
			if d.Forwards[0].Answer != "Hersteld op 10 december." || d.Status != store.StatusInProgress {
				t.Errorf("after the answer: status %q, forwards %+v", d.Status, d.Forwards)
			}
			if d.Suggestion != store.SuggestComplaint {
				t.Fatalf("suggestion %q, want %q", d.Suggestion, store.SuggestComplaint)
			}
			d = post(els, lamp, "type", map[string]any{"type": "klacht"}, 200)
			if d.Type != "klacht" || d.Suggestion != "" || d.AnswerDue == nil || !d.AnswerDue.After(opened.AddDate(0, 0, 44)) {
				t.Errorf("after type change: %+v", d.Case)
			}
			d = post(els, lamp, "admissibility", map[string]any{"admissible": false, "reason": "reeds behandeld"}, 200)
			if d.Admissible == nil || *d.Admissible || d.InadmissibleReason != "reeds behandeld" {
				t.Errorf("after admissibility: %+v", d.Case)
			}

			// Split the last message off, then undo it.
			split := d.Messages[2].ID
			d = post(els, lamp, "split", map[string]any{"message_ids": []int64{split}, "subject": "Andere vraag"}, 200)
			if len(d.Messages) != 2 || len(d.Moves) != 1 || d.Moves[0].Kind != "split" {
				t.Fatalf("after split: %d messages, moves %+v", len(d.Messages), d.Moves)
			}
			newRef := d.Moves[0].To
			code, b := do(t, els, http.MethodGet, srv.URL+"/api/v1/cases/"+newRef, nil)
			var nd api.CaseDetail
			mustJSON(t, b, &nd)
			if code != 200 || nd.Subject != "Andere vraag" || len(nd.Messages) != 1 || nd.Messages[0].ID != split || nd.Domain != "gemeente" {
				t.Errorf("split-off case: %d %+v", code, nd)
			}
			d = post(els, lamp, fmt.Sprintf("moves/%d/undo", d.Moves[0].ID), nil, 200)
			if len(d.Messages) != 3 {
				t.Errorf("after undoing the split: %d messages", len(d.Messages))
			}
			if code, b := do(t, els, http.MethodGet, srv.URL+"/api/v1/cases/"+newRef, nil); code != 200 || !strings.Contains(string(b), `"merged_into": "`+lamp+`"`) {
				t.Errorf("split-off case after undo: %d %s", code, b)
			}

			// Merge the second report into the first, then undo it.
			d = post(els, lamp2, "merge", map[string]any{"into": lamp}, 200)
			if d.Status != store.StatusMerged || d.MergedInto != lamp || len(d.Messages) != 0 {
				t.Errorf("merged case: %+v", d)
			}
			post(els, lamp2, "notes", map[string]any{"text": "x"}, 200) // a note is fine on a merged case
			post(els, lamp2, "status", map[string]any{"status": "afgesloten"}, http.StatusConflict)
			mergeID := d.Moves[len(d.Moves)-1].ID
			d = post(els, lamp2, fmt.Sprintf("moves/%d/undo", mergeID), nil, 200)
			if d.Status != store.StatusNew || d.MergedInto != "" || len(d.Messages) != 1 {
				t.Errorf("after undoing the merge: %+v", d)
			}
			post(els, lamp2, fmt.Sprintf("moves/%d/undo", mergeID), nil, http.StatusUnprocessableEntity) // twice
			post(els, huur, fmt.Sprintf("moves/%d/undo", mergeID), nil, http.StatusNotFound)             // not this case's, and not visible

			d = post(els, lamp, "status", map[string]any{"status": "beantwoord", "detail": "Lamp hersteld, burger verwittigd."}, 200)
			var got []string
			for _, e := range d.Timeline {
				got = append(got, e.Kind+"/"+e.Actor)
			}
			want := []string{"message/", "message/", "message/", "repeat/", "suggestion/", "note/integratie:onthaal-gemeente",
				"assign/integratie:behandelaar-gemeente", "forward/integratie:behandelaar-gemeente", "status/integratie:behandelaar-gemeente",
				"forward-answer/integratie:behandelaar-gemeente", "status/integratie:behandelaar-gemeente", "routing/integratie:behandelaar-gemeente",
				"suggestion/integratie:behandelaar-gemeente", "admissibility/integratie:behandelaar-gemeente", "split/integratie:behandelaar-gemeente",
				"unsplit/integratie:behandelaar-gemeente", "merge/integratie:behandelaar-gemeente", "unmerge/integratie:behandelaar-gemeente",
				"status/integratie:behandelaar-gemeente"}
			if !slices.Equal(got, want) {
				t.Errorf("timeline:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestCaseActionsValidation: malformed or impossible actions are refused
// with a clear error and change nothing.
func TestCaseActionsValidation(t *testing.T) {
	t.Parallel()
	st, log := openStore(t)
	opened := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	refs := seedCases(t, st, opened, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Subject: "Vraag", OpenedAt: opened},
		{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Type: "vraag", Subject: "Sociaal", OpenedAt: opened},
	}, []int{2, 1})
	gem, soc := refs[0].Ref, refs[1].Ref
	srv := newServer(t, st, log, casework.Options{Departments: []routing.Department{{Code: "milieu", Name: "Milieu"}},
		Now: func() time.Time { return opened.Add(time.Hour) }})
	both := srv.client(srv.token(t, "beheerder", "gemeente", "sociaalhuis"))
	before, _ := st.GetCase(t.Context(), gem)

	for _, tc := range []struct {
		name, ref, action string
		body              any
		raw               string // sent as is instead of body
		want              int
		wantError         string
	}{
		{"no body", gem, "notes", nil, "", 400, "text: required"},
		{"not JSON", gem, "notes", nil, "text=hallo", 400, "body"},
		{"unknown field", gem, "notes", map[string]any{"text": "x", "tekst": "y"}, "", 400, "unknown field"},
		{"empty note", gem, "notes", map[string]any{"text": "   "}, "", 400, "text: required"},
		{"long note", gem, "notes", map[string]any{"text": strings.Repeat("a", 20001)}, "", 400, "at most"},
		{"two objects", gem, "notes", nil, `{"text":"a"}{"text":"b"}`, 400, "one JSON object"},
		{"unknown department", gem, "assign", map[string]any{"department": "ruimte"}, "", 400, "unknown department"},
		{"assign nothing", gem, "assign", map[string]any{}, "", 400, "want a department"},
		{"unknown status", gem, "status", map[string]any{"status": "klaar"}, "", 400, "status: want one of"},
		{"merged is not a status", gem, "status", map[string]any{"status": "samengevoegd"}, "", 400, "status"},
		{"same status", gem, "status", map[string]any{"status": "nieuw"}, "", 409, "already"},
		{"unknown type", gem, "type", map[string]any{"type": "klachtje"}, "", 400, "type: want one of"},
		{"admissibility of a question", gem, "admissibility", map[string]any{"admissible": true}, "", 409, "only a complaint"},
		{"admissibility without answer", gem, "admissibility", map[string]any{}, "", 400, "admissible: required"},
		{"unknown reason", gem, "admissibility", map[string]any{"admissible": false, "reason": "vervelend"}, "", 400, "reason"},
		{"andere without detail", gem, "admissibility", map[string]any{"admissible": false, "reason": "andere"}, "", 400, "detail"},
		{"forward without organisation", gem, "forwards", map[string]any{"question": "?"}, "", 400, "organisation: required"},
		{"forward bad date", gem, "forwards", map[string]any{"organisation": "VDAB", "question": "?", "expected_by": "14/12/2026"}, "", 400, "expected_by"},
		{"forward date passed", gem, "forwards", map[string]any{"organisation": "VDAB", "question": "?", "expected_by": "2026-11-30"}, "", 400, "passed"},
		{"answer unknown forward", gem, "forwards/99/answer", map[string]any{"answer": "ok"}, "", 404, "not found"},
		{"no suggestion", gem, "suggestion/dismiss", map[string]any{}, "", 409, "no suggestion"},
		{"merge into itself", gem, "merge", map[string]any{"into": gem}, "", 422, "itself"},
		{"merge into unknown", gem, "merge", map[string]any{"into": "MP-2026-999999"}, "", 404, "MP-2026-999999"},
		{"merge across domains", gem, "merge", map[string]any{"into": soc}, "", 422, "different domains"},
		{"split nothing", gem, "split", map[string]any{"message_ids": []int64{}}, "", 400, "message_ids"},
		{"split everything", gem, "split", map[string]any{"message_ids": messageIDs(t, st, gem)}, "", 422, "empty case"},
		{"split another case's message", gem, "split", map[string]any{"message_ids": messageIDs(t, st, soc)}, "", 422, "not in the case"},
		{"undo unknown move", gem, "moves/7/undo", nil, "", 404, "no merge or split"},
		{"unknown case", "MP-2026-999999", "notes", map[string]any{"text": "x"}, "", 404, "MP-2026-999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var (
				code int
				b    []byte
			)
			if tc.raw != "" {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/v1/cases/"+tc.ref+"/"+tc.action, strings.NewReader(tc.raw))
				resp, err := both.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var p api.Problem
				_ = json.NewDecoder(resp.Body).Decode(&p)
				code, b = resp.StatusCode, []byte(p.Error)
			} else {
				code, b = do(t, both, http.MethodPost, srv.URL+"/api/v1/cases/"+tc.ref+"/"+tc.action, tc.body)
			}
			if code != tc.want || !strings.Contains(string(b), tc.wantError) {
				t.Errorf("POST %s = %d %s, want %d with %q", tc.action, code, b, tc.want, tc.wantError)
			}
		})
	}
	// Merging into a case of a domain one may not see: it does not exist.
	gemOnly := srv.client(srv.token(t, "behandelaar", "gemeente"))
	if code, b := do(t, gemOnly, http.MethodPost, srv.URL+"/api/v1/cases/"+gem+"/merge", map[string]any{"into": soc}); code != 404 || strings.Contains(string(b), "Sociaal") {
		t.Errorf("merge into an invisible case = %d %s, want 404", code, b)
	}
	after, _ := st.GetCase(t.Context(), gem)
	if len(after.Timeline) != len(before.Timeline) || after.Status != before.Status || len(after.Messages) != len(before.Messages) {
		t.Errorf("refused actions changed the case: timeline %d → %d", len(before.Timeline), len(after.Timeline))
	}
}

func messageIDs(t *testing.T, st store.Store, ref string) []int64 {
	t.Helper()
	d, err := st.GetCase(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range d.Messages {
		ids = append(ids, m.ID)
	}
	return ids
}
