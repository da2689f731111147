package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// flashOf is the flash message on a page, and whether it is an error.
func flashOf(t testing.TB, body string) (string, bool) {
	t.Helper()
	i := strings.Index(body, `<div class="flash `)
	if i < 0 {
		t.Fatalf("no flash message on the page:\n%s", body)
	}
	rest := body[i:]
	isErr := strings.HasPrefix(rest, `<div class="flash fout"`)
	start := strings.Index(rest, ">") + 1
	end := strings.Index(rest, "</div>")
	return rest[start:end], isErr
}

// TestCaseActions tells a case's story through the forms of the case
// page, on both stores: each action redirects back with a message in
// Dutch, and lands on the case's timeline with its actor.
func TestCaseActions(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, kind)
			f := e.refs
			c := e.login(t, "els", auth.RoleBehandelaar, "openbare-werken", "gemeente")
			step := func(name, path string, form url.Values, wantErr bool, want string) string {
				t.Helper()
				body := c.follow(t, path, form).body
				msg, isErr := flashOf(t, body)
				if isErr != wantErr || !strings.Contains(msg, want) {
					t.Errorf("%s: flash %q (error %v), want %q (error %v)", name, msg, isErr, want, wantErr)
				}
				return body
			}
			lamp := caseURL(f.streetlight)

			body := step("note", lamp+"/notitie", url.Values{"text": {"Burger <b>gebeld</b>: lamp wordt maandag hersteld."}}, false, "Notitie toegevoegd.")
			if !strings.Contains(body, "Burger &lt;b&gt;gebeld&lt;/b&gt;: lamp wordt maandag hersteld.") {
				t.Error("the note is not on the timeline, escaped")
			}
			step("empty note", lamp+"/notitie", url.Values{"text": {"  "}}, true, "Tekst is verplicht.")
			body = step("assign to me", lamp+"/toewijzen", url.Values{"assignee": {"els"}}, false, "behandelaar els")
			if !strings.Contains(body, "<dt>Behandelaar</dt><dd>els</dd>") || strings.Contains(body, "Aan mij toewijzen") {
				t.Error("the case page does not show the assignee")
			}
			step("assign nothing", lamp+"/toewijzen", url.Values{}, true, "Kies een dienst of een behandelaar")
			step("unknown department", lamp+"/toewijzen", url.Values{"department": {"nergens"}}, true, "Die dienst bestaat niet.")
			step("in progress", lamp+"/status", url.Values{"status": {"in behandeling"}}, false, "Status gewijzigd: In behandeling.")
			step("same status", lamp+"/status", url.Values{"status": {"in behandeling"}}, true, "Het dossier heeft die status al.")
			step("unknown status", lamp+"/status", url.Values{"status": {"weg"}}, true, "Status: kies een van de mogelijkheden.")

			// Forward to an outside organisation and record its answer.
			step("forward", lamp+"/doorsturen", url.Values{"organisation": {"Fluvius"}, "question": {"Kunnen jullie de lamp herstellen?"},
				"expected_by": {"2026-12-11"}}, false, "Doorverwijzing vastgelegd.")
			step("forward in the past", lamp+"/doorsturen", url.Values{"organisation": {"Fluvius"}, "question": {"x"},
				"expected_by": {"2026-01-01"}}, true, "die datum is al voorbij")
			d, err := e.st.GetCase(t.Context(), f.streetlight)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != store.StatusWaiting || len(d.Forwards) != 1 {
				t.Fatalf("after the forward: status %q, %d forwards", d.Status, len(d.Forwards))
			}
			answer := lamp + "/doorsturen/" + strconv.FormatInt(d.Forwards[0].ID, 10) + "/antwoord"
			step("answer", answer, url.Values{"answer": {"Hersteld op 10 december."}}, false, "Antwoord vastgelegd.")
			step("answer again", answer, url.Values{"answer": {"Nog eens."}}, true, "Die doorverwijzing is al beantwoord.")
			step("answer to no forward", lamp+"/doorsturen/999999/antwoord", url.Values{"answer": {"x"}}, true, "Die doorverwijzing bestaat niet")
			body = step("close", lamp+"/status", url.Values{"status": {"afgesloten"}}, false, "Status gewijzigd: Afgesloten.")
			if !strings.Contains(body, "Hersteld op 10 december.") || !strings.Contains(body, "<dt>Afgesloten</dt>") {
				t.Error("the case page lacks the forward's answer or the closing")
			}

			// The complaint suggestion: accept it, then decide admissibility.
			stoep := caseURL(f.pavement)
			body = c.get(t, stoep).body
			if !strings.Contains(body, "Voorstel: behandel dit dossier als klacht.") {
				t.Error("the case page does not show the complaint suggestion")
			}
			step("accept suggestion", stoep+"/type", url.Values{"type": {"klacht"}}, false, "Type gewijzigd: Klacht.")
			step("dismiss settled suggestion", stoep+"/suggestie/afwijzen", nil, true, "geen suggestie")
			step("admissible without answer", stoep+"/ontvankelijkheid", url.Values{}, true, "Kies ontvankelijk of niet ontvankelijk.")
			step("other reason without detail", stoep+"/ontvankelijkheid", url.Values{"admissible": {"nee"}, "reason": {"andere"}}, true,
				"Geef een toelichting bij de reden ‘andere’.")
			body = step("admissible", stoep+"/ontvankelijkheid", url.Values{"admissible": {"ja"}}, false, "Ontvankelijkheid vastgelegd.")
			if !strings.Contains(body, "<dt>Ontvankelijk</dt><dd>ja</dd>") {
				t.Error("the case page does not show the admissibility")
			}
			step("admissibility of a question", caseURL(f.unsafe)+"/ontvankelijkheid", url.Values{"admissible": {"ja"}}, true, "Alleen over een klacht")

			// Split one of the two messages of the waste case off, and undo it.
			afval := caseURL(f.waste)
			w, err := e.st.GetCase(t.Context(), f.waste)
			if err != nil {
				t.Fatal(err)
			}
			body = c.get(t, afval).body
			if n := strings.Count(body, `form="splitsen"`); n != 2 {
				t.Errorf("%d split checkboxes, want 2", n)
			}
			step("split nothing", afval+"/splitsen", url.Values{}, true, "Duid de berichten aan")
			step("split all", afval+"/splitsen", url.Values{"message_id": {strconv.FormatInt(w.Messages[0].ID, 10), strconv.FormatInt(w.Messages[1].ID, 10)}},
				true, "laat er minstens één in dit dossier")
			body = step("split", afval+"/splitsen", url.Values{"message_id": {strconv.FormatInt(w.Messages[1].ID, 10)}, "subject": {"Tweede ophaling"}},
				false, "1 bericht afgesplitst naar dossier MP-2026-")
			w, err = e.st.GetCase(t.Context(), f.waste)
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Messages) != 1 || len(w.Moves) != 1 {
				t.Fatalf("after the split: %d messages, %d moves", len(w.Messages), len(w.Moves))
			}
			undo := afval + "/verplaatsingen/" + strconv.FormatInt(w.Moves[0].ID, 10) + "/ongedaan"
			if !strings.Contains(body, `action="`+undo+`"`) || !strings.Contains(body, w.Moves[0].ToRef) {
				t.Error("the case page does not offer to undo the split")
			}
			step("undo split", undo, nil, false, "Ongedaan gemaakt")
			step("undo again", undo, nil, true, "Dat is al ongedaan gemaakt.")
			step("undo another case's move", caseURL(f.unsafe)+"/verplaatsingen/"+strconv.FormatInt(w.Moves[0].ID, 10)+"/ongedaan", nil, true,
				"hoort niet bij dit dossier")

			// Merge the unsafe-mail case into the waste case, and undo it.
			put := caseURL(f.unsafe)
			step("merge into itself", put+"/samenvoegen", url.Values{"into": {f.unsafe}}, true, "niet in zichzelf")
			step("merge across domains", put+"/samenvoegen", url.Values{"into": {f.social}}, true, "bestaat niet, of je hebt er geen toegang toe")
			step("merge into nothing", put+"/samenvoegen", url.Values{"into": {"MP-1900-000001"}}, true, "bestaat niet, of je hebt er geen toegang toe")
			r := c.post(t, put+"/samenvoegen", url.Values{"into": {f.waste}})
			if r.status != http.StatusSeeOther || r.header.Get("Location") != afval {
				t.Fatalf("merge = %d to %q, want 303 to %s", r.status, r.header.Get("Location"), afval)
			}
			body = c.get(t, put).body
			if !strings.Contains(body, "Dit dossier is samengevoegd in dossier <a href=\"/dossiers/"+f.waste+"\">") {
				t.Errorf("the merged case does not say where it went")
			}
			step("note on a merged case", put+"/notitie", url.Values{"text": {"mag"}}, false, "Notitie toegevoegd.")
			step("status of a merged case", put+"/status", url.Values{"status": {"afgesloten"}}, true, "samengevoegd in een ander dossier")
			m, err := e.st.GetCase(t.Context(), f.unsafe)
			if err != nil {
				t.Fatal(err)
			}
			merge := m.Moves[len(m.Moves)-1]
			step("undo merge", put+"/verplaatsingen/"+strconv.FormatInt(merge.ID, 10)+"/ongedaan", nil, false, "Ongedaan gemaakt")

			// Everything is on the timelines, done by els.
			for ref, kinds := range map[string][]string{
				f.streetlight: {"note", "assign", "status", "forward", "forward-answer"},
				f.pavement:    {"routing", "suggestion", "admissibility"},
				f.waste:       {"split", "unsplit", "merge", "unmerge"},
			} {
				d, err := e.st.GetCase(t.Context(), ref)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range kinds {
					if !slices.ContainsFunc(d.Timeline, func(en store.TimelineEntry) bool { return en.Kind == k && en.Actor == "els" }) {
						t.Errorf("case %s: no %s entry by els", ref, k)
					}
				}
			}
			if d, _ := e.st.GetCase(t.Context(), f.streetlight); d.Status != store.StatusClosed || d.Assignee != "els" {
				t.Errorf("streetlight case: status %q, assignee %q", d.Status, d.Assignee)
			}
		})
	}
}
