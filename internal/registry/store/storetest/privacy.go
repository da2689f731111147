package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// TraceFinder is what the privacy tests need of a driver beyond the
// Store: a look into every value it holds. Drivers implement it in their
// own tests (it is no part of a store's API), and it must look everywhere
// generically, listing the tables and columns from the database's
// catalogue, so that a table added later (a search index, say) is
// searched without changing it: text and binary columns, blobs, and
// full-text indexes whose tokens are not stored as the text was (an FTS
// index is asked with a MATCH, a tsvector with a tsquery in every text
// search configuration).
type TraceFinder interface {
	// FindTraces returns, for each needle found anywhere (compared
	// case-insensitively), where it was found ("table.column: needle").
	FindTraces(ctx context.Context, needles []string) ([]string, error)
}

// traces returns what FindTraces found of needles; the driver must
// implement TraceFinder.
func traces(t *testing.T, s store.Store, needles ...string) []string {
	t.Helper()
	tf, ok := s.(TraceFinder)
	if !ok {
		t.Fatalf("%T does not implement storetest.TraceFinder (in its tests): the privacy tests cannot look into it", s)
	}
	found, err := tf.FindTraces(ctx(t), needles)
	if err != nil {
		t.Fatalf("FindTraces: %v", err)
	}
	return found
}

// wantTraces checks that each needle is found somewhere (present) or
// nowhere (!present).
func wantTraces(t *testing.T, s store.Store, what string, present bool, needles ...string) {
	t.Helper()
	for _, n := range needles {
		found := traces(t, s, n)
		switch {
		case present && len(found) == 0:
			t.Errorf("%s: %q is nowhere in the store, want it kept", what, n)
		case !present && len(found) > 0:
			t.Errorf("%s: %q is still in the store: %s", what, n, strings.Join(found, "; "))
		}
	}
}

// citizen is a citizen of the privacy tests: contact details, and words
// only their messages contain.
type citizen struct {
	store.Contact
	Subject, Word string
}

// needles are what must be gone after the citizen's erasure.
func (c citizen) needles() []string {
	var out []string
	for _, n := range []string{c.Name, strings.Fields(c.Name)[1], c.Email, c.Phone, c.FacebookID, c.Address, c.Subject, c.Word} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

var (
	griet = citizen{
		Contact: store.Contact{Name: "Griet Vandenbroucke", Email: "Griet.VDB@voorbeeld.be", Phone: "+32 470 12 34 56",
			FacebookID: "fb100077712345", Address: "Molenstraat 17, 9000 Gent"},
		Subject: "Verzakte stoeptegels", Word: "pomphuisjesboom",
	}
	karel = citizen{
		Contact: store.Contact{Name: "Karel Dewinter", Email: "karel.dewinter@voorbeeld.be", Phone: "+32 9 222 33 44",
			FacebookID: "fb200088823456", Address: "Veldstraat 3, 9000 Gent"},
		Subject: "Sluikstort aan de hoek", Word: "kwartelkoningpad",
	}
)

// privacyMessage is a message of c (contactID, 0: an outgoing reply to
// them) in a case, with its raw original and attachments.
func privacyMessage(eventID string, c citizen, contactID, caseID int64, when time.Time) *store.Message {
	m := message(eventID, "gemeente")
	m.CaseID, m.ContactID, m.StoredAt, m.EventTime = caseID, contactID, when, when
	m.SenderName, m.SenderEmail, m.SenderPhone, m.SenderFacebookID, m.SenderAddress = c.Name, c.Email, c.Phone, c.FacebookID, c.Address
	m.Subject = c.Subject
	m.Text = "Ik meld iets bij de " + c.Word + ". Groeten, " + c.Name
	m.HTML = "<p>" + m.Text + "</p>"
	m.ConversationID = "conv-" + eventID
	m.Event = []byte(`{"id":"` + eventID + `","data":{"sender":{"name":"` + c.Name + `","email":"` + c.Email + `","phone":"` + c.Phone +
		`","address":"` + c.Address + `"},"text":"` + c.Word + `"}}`)
	raw := rawOf(eventID, c)
	m.RawSHA256, m.RawSize = sum(raw), int64(len(raw))
	m.Attachments = nil
	return m
}

func rawOf(eventID string, c citizen) []byte {
	return []byte("Message-ID: <" + eventID + "@voorbeeld.be>\r\nFrom: " + c.Name + " <" + c.Email + ">\r\nSubject: " +
		c.Subject + "\r\n\r\n" + c.Word + " " + c.Address + "\r\n")
}

// privacyWorld is what the export and erasure tests share: two citizens
// of the gemeente, Griet and Karel, with cases, messages, staff text,
// quarantined events and access log entries.
type privacyWorld struct {
	griet, karel     int64 // contact ids
	grietCase        store.CaseRef
	grietClosed      store.CaseRef
	karelCase        store.CaseRef
	grietMsgs        []int64 // her own messages and the reply to her
	karelMsgs        []int64
	karelInGrietCase int64
	forwardID        int64
	shared, unique   store.Blob // attachments: shared by Griet and Karel, only Griet's
}

func newPrivacyWorld(t *testing.T, s store.Store) privacyWorld {
	t.Helper()
	var w privacyWorld
	w.shared = store.Blob{SHA256: sum([]byte("reglement stoepen.pdf")), ContentType: "application/pdf", Data: []byte("reglement stoepen.pdf")}
	uniqueData := []byte("JPEG foto van " + griet.Word + " door " + griet.Name)
	w.unique = store.Blob{SHA256: sum(uniqueData), ContentType: "image/jpeg", Data: uniqueData}
	inTx(t, s, func(tx store.Tx) {
		var err error
		if w.griet, err = tx.UpsertContact(ctx(t), "gemeente", griet.Contact); err != nil {
			t.Fatal(err)
		}
		if w.karel, err = tx.UpsertContact(ctx(t), "gemeente", karel.Contact); err != nil {
			t.Fatal(err)
		}
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{
			{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: griet.Subject + " bij de " + griet.Word,
				Channel: "email", ContactID: w.griet, OpenedAt: at(0), Department: "wegen", Priority: "normaal",
				Place: strings.ToLower(griet.Address), Category: "stoep", AnswerDue: ptr(at(60 * 24 * 30))},
			{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Subject: "Vraag van " + griet.Name,
				Channel: "facebook", ContactID: w.griet, OpenedAt: at(1)},
			{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Subject: karel.Subject,
				Channel: "email", ContactID: w.karel, OpenedAt: at(2), Department: "milieu"},
		})
		if err != nil {
			t.Fatal(err)
		}
		w.grietCase, w.grietClosed, w.karelCase = refs[0], refs[1], refs[2]
		g1 := privacyMessage("pv-g1", griet, w.griet, w.grietCase.ID, at(3))
		g1.Attachments = []store.Attachment{
			{Name: "foto " + griet.Name + ".jpg", ContentType: "image/jpeg", Size: int64(len(w.unique.Data)), SHA256: w.unique.SHA256},
			{Name: "reglement.pdf", ContentType: "application/pdf", Size: int64(len(w.shared.Data)), SHA256: w.shared.SHA256},
		}
		g2 := privacyMessage("pv-g2", griet, w.griet, w.grietClosed.ID, at(4))
		g2.Channel, g2.RawSHA256, g2.RawSize, g2.RawContentType = "facebook", "", 0, ""
		reply := privacyMessage("pv-reply", griet, 0, w.grietCase.ID, at(5))
		reply.Direction, reply.SenderName, reply.SenderEmail, reply.SenderPhone, reply.SenderFacebookID, reply.SenderAddress =
			"outgoing", "Gemeente", "info@gemeente.example", "", "", ""
		reply.Text = "Beste mevrouw " + strings.Fields(griet.Name)[1] + ", we herstellen de stoep aan de " + griet.Word + "."
		// Griet also wrote about Karel's case.
		g3 := privacyMessage("pv-g3", griet, w.griet, w.karelCase.ID, at(6))
		g3.RawSHA256, g3.RawSize = "", 0
		k1 := privacyMessage("pv-k1", karel, w.karel, w.karelCase.ID, at(7))
		k1.Attachments = []store.Attachment{{Name: "reglement.pdf", ContentType: "application/pdf", Size: int64(len(w.shared.Data)), SHA256: w.shared.SHA256}}
		// Karel wrote in Griet's case: his message is his, not hers.
		k2 := privacyMessage("pv-k2", karel, w.karel, w.grietCase.ID, at(8))
		k2.RawSHA256, k2.RawSize = "", 0
		insertTx(t, tx, g1, g2, reply, g3, k1, k2)
		w.grietMsgs = []int64{g1.ID, g2.ID, reply.ID, g3.ID}
		w.karelMsgs, w.karelInGrietCase = []int64{k1.ID, k2.ID}, k2.ID
		blobs := []store.Blob{w.shared, w.unique}
		for _, m := range []*store.Message{g1, reply, k1} {
			raw := rawOf(m.EventID, griet)
			if m == k1 {
				raw = rawOf(m.EventID, karel)
			}
			blobs = append(blobs, store.Blob{SHA256: sum(raw), ContentType: "message/rfc822", Data: raw})
		}
		if err := tx.PutBlobs(ctx(t), blobs); err != nil {
			t.Fatal(err)
		}
	})
	inTx(t, s, func(tx store.Tx) {
		var err error
		if _, err = tx.AddNote(ctx(t), store.Note{CaseID: w.grietCase.ID, Actor: "els", At: at(10),
			Text: "Gebeld met " + griet.Name + " op " + griet.Phone + "."}); err != nil {
			t.Fatal(err)
		}
		if w.forwardID, err = tx.Forward(ctx(t), store.Forward{CaseID: w.grietCase.ID, Organisation: "Fluvius",
			Question: "Kunnen jullie de stoep aan de " + griet.Address + " bekijken?", Actor: "els", At: at(11)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ForwardAnswered(ctx(t), store.ForwardAnswer{CaseID: w.grietCase.ID, ForwardID: w.forwardID,
			Answer: "Hersteld bij " + griet.Name + ".", Actor: "els", At: at(12)}); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetStatuses(ctx(t), []store.StatusChange{
			{CaseID: w.grietCase.ID, Status: store.StatusInProgress, Actor: "els", At: at(13), Detail: "besproken met " + griet.Email},
			{CaseID: w.grietClosed.ID, Status: store.StatusClosed, Actor: "els", At: at(14), Detail: "beantwoord via Facebook"},
		}); err != nil {
			t.Fatal(err)
		}
		// Karel's case mentions Griet in a note: only her name goes.
		if _, err := tx.AddNote(ctx(t), store.Note{CaseID: w.karelCase.ID, Actor: "joke", At: at(15),
			Text: "Buurvrouw " + griet.Name + " meldde hetzelfde; " + karel.Name + " bellen."}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Quarantine(ctx(t), []store.QuarantineItem{
			{Key: "q-griet", Reason: "ongeldig", Payload: []byte(`{"sender":{"email":"` + strings.ToLower(griet.Email) + `","name":"` + griet.Name + `"}}`), At: at(16)},
			{Key: "q-griet-event", EventID: "pv-g2", Reason: "ongeldig", Payload: []byte(`{"broken":"` + griet.Word + `"}`), At: at(16)},
			{Key: "q-karel", Reason: "ongeldig", Payload: []byte(`{"sender":{"email":"` + karel.Email + `","name":"` + karel.Name + `"}}`), At: at(16)},
		}); err != nil {
			t.Fatal(err)
		}
	})
	if err := s.LogAccess(ctx(t), []store.AccessEntry{
		{At: at(20), Actor: "els", Action: store.AccessViewCase, CaseRef: w.grietCase.Ref, ContactID: w.griet, Domain: "gemeente",
			Reason: "Vraag van " + griet.Name},
		{At: at(21), Actor: "els", Action: store.AccessSearch, Domain: "gemeente", Detail: "zoekterm: " + griet.Email},
		{At: at(22), Actor: "joke", Action: store.AccessViewCase, CaseRef: w.karelCase.Ref, ContactID: w.karel, Domain: "gemeente",
			Reason: "opvolging"},
	}); err != nil {
		t.Fatal(err)
	}
	indexForSearch(t, s)
	return w
}

// indexForSearch has the store index everything for search now, so that
// the search index holds the citizens' words before they are removed.
func indexForSearch(t *testing.T, s store.Store) {
	t.Helper()
	if pending, err := s.UpdateSearchIndex(ctx(t), 1<<30); err != nil || pending != 0 {
		t.Fatalf("UpdateSearchIndex = %d, %v", pending, err)
	}
}

func testPrivacyAccessLog(t *testing.T, s store.Store) {
	if err := s.LogAccess(ctx(t), nil); err != nil {
		t.Errorf("LogAccess(nil): %v", err)
	}
	if err := s.LogAccess(ctx(t), []store.AccessEntry{{Actor: "els", Action: store.AccessSearch}, {Action: store.AccessSearch}}); err == nil {
		t.Error("LogAccess without actor: no error")
	}
	entries := []store.AccessEntry{
		{At: at(0), Actor: "els", Action: store.AccessViewCase, CaseRef: "MP-2026-000001", ContactID: 7, Domain: "gemeente"},
		{At: at(1), Actor: "els", Action: store.AccessViewCase, CaseRef: "MP-2026-000002", Domain: "sociaalhuis", Reason: "budgetbegeleiding"},
		{At: at(2), Actor: "joke", Action: store.AccessSearch, Domain: "sociaalhuis", Reason: "dossier zoeken", Detail: "huurpremie"},
		{At: at(3), Actor: "joke", Action: store.AccessViewAccessLog, Detail: "actor=els"},
		{At: at(4), Actor: "integratie:crm", Action: store.AccessExport, ContactID: 7, Domain: "gemeente", Reason: "inzageverzoek"},
	}
	if err := s.LogAccess(ctx(t), entries); err != nil {
		t.Fatalf("LogAccess: %v", err)
	}
	all, err := s.ListAccess(ctx(t), store.AccessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(entries) {
		t.Fatalf("ListAccess = %d entries, want %d (the failed call wrote nothing)", len(all), len(entries))
	}
	for i, got := range all {
		want := entries[len(entries)-1-i] // newest first
		want.ID, want.At = got.ID, stored(want.At)
		diff(t, "entry", got, want)
		if i > 0 && got.ID >= all[i-1].ID {
			t.Errorf("ids not descending: %d after %d", got.ID, all[i-1].ID)
		}
	}
	actions := func(es []store.AccessEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Actor+"/"+e.Action+"/"+e.Domain)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.AccessFilter
		want []string
	}{
		{"actor", store.AccessFilter{Actor: "els"}, []string{"els/view_case/sociaalhuis", "els/view_case/gemeente"}},
		{"action", store.AccessFilter{Action: store.AccessSearch}, []string{"joke/search/sociaalhuis"}},
		{"case", store.AccessFilter{CaseRef: "MP-2026-000002"}, []string{"els/view_case/sociaalhuis"}},
		{"contact", store.AccessFilter{ContactID: 7}, []string{"integratie:crm/export/gemeente", "els/view_case/gemeente"}},
		{"from to", store.AccessFilter{From: at(1), To: at(3)}, []string{"joke/search/sociaalhuis", "els/view_case/sociaalhuis"}},
		// Entries without a domain go with every domain; none of another.
		{"domains", store.AccessFilter{Domains: []string{"gemeente"}},
			[]string{"integratie:crm/export/gemeente", "joke/view_access_log/", "els/view_case/gemeente"}},
		{"limit", store.AccessFilter{Limit: 2}, []string{"integratie:crm/export/gemeente", "joke/view_access_log/"}},
		{"before", store.AccessFilter{BeforeID: all[1].ID, Limit: 2}, []string{"joke/search/sociaalhuis", "els/view_case/sociaalhuis"}},
		{"nothing", store.AccessFilter{Actor: "niemand"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListAccess(ctx(t), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "entries", actions(got), tc.want)
		})
	}
}

func testPrivacyExport(t *testing.T, s store.Store) {
	w := newPrivacyWorld(t, s)
	_, err := s.ExportContact(ctx(t), w.griet+w.karel+100)
	wantNotFound(t, "ExportContact(unknown)", err)

	exp, err := s.ExportContact(ctx(t), w.griet)
	if err != nil {
		t.Fatalf("ExportContact: %v", err)
	}
	if exp.Contact.ID != w.griet || exp.Contact.Domain != "gemeente" || exp.Contact.Contact != griet.Contact || exp.Contact.CreatedAt.IsZero() {
		t.Errorf("contact = %+v", exp.Contact)
	}
	var ids []int64
	for _, m := range exp.Messages {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	diff(t, "messages (hers and the reply to her, not Karel's)", ids, w.grietMsgs)
	for _, m := range exp.Messages {
		if m.Direction == "incoming" && (m.SenderName != griet.Name || m.Text == "" || len(m.Event) == 0) {
			t.Errorf("message %d = %+v", m.ID, m)
		}
		if m.ID == w.grietMsgs[0] {
			if len(m.Attachments) != 2 || m.Attachments[0].SHA256 != w.unique.SHA256 || m.RawSHA256 == "" {
				t.Errorf("attachments of message %d = %+v, raw %q", m.ID, m.Attachments, m.RawSHA256)
			}
		}
	}
	if len(exp.Cases) != 2 || exp.Cases[0].Ref != w.grietCase.Ref || exp.Cases[1].Ref != w.grietClosed.Ref {
		t.Fatalf("cases = %+v", exp.Cases)
	}
	c := exp.Cases[0]
	if c.Type != "melding" || c.Department != "wegen" || c.Status != store.StatusInProgress || len(c.Messages) != 0 {
		t.Errorf("case = %+v", c.Case)
	}
	diff(t, "timeline", kinds(c), []string{"message/", "message/", "message/", "note/els", "forward/els", "forward-answer/els", "status/els"})
	if len(c.Forwards) != 1 || c.Forwards[0].ID != w.forwardID || !strings.Contains(c.Forwards[0].Question, griet.Address) {
		t.Errorf("forwards = %+v", c.Forwards)
	}
	if kinds(exp.Cases[1])[len(exp.Cases[1].Timeline)-1] != "status/els" || exp.Cases[1].ClosedAt == nil {
		t.Errorf("closed case = %+v", exp.Cases[1])
	}
}

func testPrivacyErase(t *testing.T, s store.Store) {
	w := newPrivacyWorld(t, s)
	// The finder sees everything before: else seeing nothing after proves nothing.
	wantTraces(t, s, "before erasure", true, griet.needles()...)
	wantTraces(t, s, "before erasure", true, karel.needles()...)
	before := stats(t, s)
	caseBefore := getCase(t, s, w.grietCase.Ref)
	closedBefore := getCase(t, s, w.grietClosed.Ref)
	karelBefore, err := s.ExportContact(ctx(t), w.karel)
	if err != nil {
		t.Fatal(err)
	}

	_, err = s.EraseContact(ctx(t), store.Erasure{ContactID: w.griet, Domains: []string{"sociaalhuis"}, Actor: "an", Reason: "x"})
	wantNotFound(t, "EraseContact in another domain", err)
	_, err = s.EraseContact(ctx(t), store.Erasure{ContactID: w.griet + w.karel + 100, Actor: "an", Reason: "x"})
	wantNotFound(t, "EraseContact(unknown)", err)
	wantTraces(t, s, "after refused erasures", true, griet.Name, griet.Word)

	res, err := s.EraseContact(ctx(t), store.Erasure{ContactID: w.griet, Domains: []string{"gemeente"}, Actor: "privacy",
		Reason: "Verzoek van " + griet.Name + " per brief", At: at(30)})
	if err != nil {
		t.Fatalf("EraseContact: %v", err)
	}
	if res.ContactID != w.griet || res.Domain != "gemeente" || res.Messages != 4 || res.Cases != 2 || res.Attachments != 2 ||
		res.Blobs != 3 || res.Forwards != 1 || res.TimelineEntries < 4 || res.Mentions != 3 || res.Quarantined != 2 || res.Contacts != 1 {
		t.Errorf("EraseContact = %+v", res)
	}

	// No trace of her, anywhere.
	wantTraces(t, s, "after erasure", false, griet.needles()...)
	// Karel is untouched.
	wantTraces(t, s, "after erasure", true, karel.needles()...)
	karelAfter, err := s.ExportContact(ctx(t), w.karel)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "Karel's messages", karelAfter.Messages, karelBefore.Messages)
	diff(t, "Karel's case", karelAfter.Cases[0].Case, karelBefore.Cases[0].Case)
	for _, e := range getCase(t, s, w.karelCase.Ref).Timeline {
		if e.Kind == "note" && e.Detail != "Buurvrouw [gewist] meldde hetzelfde; "+karel.Name+" bellen." {
			t.Errorf("note on Karel's case = %q", e.Detail)
		}
	}

	// Statistics stay.
	after := stats(t, s)
	if after.Cases != before.Cases || after.Messages != before.Messages || after.Blobs != before.Blobs-3 {
		t.Errorf("stats %+v, before %+v", after, before)
	}
	for _, pair := range [][2]store.CaseDetail{{caseBefore, getCase(t, s, w.grietCase.Ref)}, {closedBefore, getCase(t, s, w.grietClosed.Ref)}} {
		b, a := pair[0], pair[1]
		if a.Subject != store.Erased || a.ContactID != 0 || a.Type != b.Type || a.Status != b.Status || a.Department != b.Department ||
			a.Priority != b.Priority || a.Channel != b.Channel || !a.OpenedAt.Equal(b.OpenedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) ||
			!equalTime(a.ClosedAt, b.ClosedAt) || !equalTime(a.AnswerDue, b.AnswerDue) || a.MessageCount != b.MessageCount {
			t.Errorf("case after erasure:\n got %+v\nwant the statistics of %+v", a.Case, b.Case)
		}
		diff(t, "timeline kinds", kinds(a), kinds(b))
		for _, e := range a.Timeline {
			if e.Detail != "" && e.Detail != store.Erased {
				t.Errorf("timeline entry %s: %q", e.Kind, e.Detail)
			}
		}
		for _, m := range a.Messages {
			if m.ID == w.karelInGrietCase {
				if m.SenderName != karel.Name || !strings.Contains(m.Text, karel.Word) {
					t.Errorf("Karel's message in her case lost its data: %+v", m)
				}
				continue
			}
			if m.SenderName != "" || m.SenderEmail != "" || len(m.Event) != 0 || m.RawSHA256 != "" || len(m.Attachments) != 0 ||
				m.Channel == "" || m.Direction == "" || m.StoredAt.IsZero() {
				t.Errorf("message after erasure: %+v", m)
			}
		}
	}

	// The blob she shared with Karel stays; hers go.
	if _, err := s.Blob(ctx(t), w.shared.SHA256); err != nil {
		t.Errorf("shared blob: %v", err)
	}
	_, err = s.Blob(ctx(t), w.unique.SHA256)
	wantNotFound(t, "her attachment", err)
	if _, err := s.Blob(ctx(t), sum(rawOf("pv-k1", karel))); err != nil {
		t.Errorf("Karel's raw original: %v", err)
	}

	q, err := s.ListQuarantine(ctx(t), 10)
	if err != nil || len(q) != 1 || q[0].Key != "q-karel" {
		t.Errorf("quarantine after erasure = %+v, %v; want only Karel's", q, err)
	}

	// The erasure is recorded, without her data.
	log, err := s.ListAccess(ctx(t), store.AccessFilter{Action: store.AccessErase})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Actor != "privacy" || log[0].ContactID != w.griet || log[0].Domain != "gemeente" ||
		log[0].Reason != "Verzoek van [gewist] per brief" || !strings.Contains(log[0].Detail, "berichten 4") || !log[0].At.Equal(stored(at(30))) {
		t.Errorf("erasure in the access log = %+v", log)
	}
	all, err := s.ListAccess(ctx(t), store.AccessFilter{})
	if err != nil || len(all) != 4 {
		t.Errorf("access log = %+v, %v; want the 3 entries and the erasure", all, err)
	}

	_, err = s.ExportContact(ctx(t), w.griet)
	wantNotFound(t, "ExportContact after erasure", err)
	_, err = s.EraseContact(ctx(t), store.Erasure{ContactID: w.griet, Actor: "privacy", Reason: "nog eens"})
	wantNotFound(t, "EraseContact again", err)
}

func equalTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func testPrivacyPurge(t *testing.T, s store.Store) {
	year := func(y int) time.Time { return time.Date(y, 3, 1, 9, 0, 0, 0, time.UTC) }
	shared := store.Blob{SHA256: sum([]byte("gedeeld")), Data: []byte("gedeeld")}
	old := citizen{Contact: store.Contact{Name: "Oscar Oudenaerde", Email: "oscar@voorbeeld.be", Phone: "+32 475 99 88 77",
		Address: "Oude Baan 1, 9000 Gent"}, Subject: "Oud probleem", Word: "zeldzaamwoordoud"}
	both := citizen{Contact: store.Contact{Name: "Bea Beide", Email: "bea@voorbeeld.be"}, Subject: "Twee dossiers", Word: "beidewoord"}
	sofie := citizen{Contact: store.Contact{Name: "Sofie Sociaal", Email: "sofie@voorbeeld.be"}, Subject: "Huurpremie", Word: "sociaalwoord"}
	var (
		closedOld, closedNew, openOld, social store.CaseRef
		oldContact, bothContact               int64
	)
	inTx(t, s, func(tx store.Tx) {
		var err error
		if oldContact, err = tx.UpsertContact(ctx(t), "gemeente", old.Contact); err != nil {
			t.Fatal(err)
		}
		if bothContact, err = tx.UpsertContact(ctx(t), "gemeente", both.Contact); err != nil {
			t.Fatal(err)
		}
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{
			{Prefix: "MP", Year: 2019, Domain: "gemeente", Type: "klacht", Subject: old.Subject, ContactID: oldContact, OpenedAt: year(2019)},
			{Prefix: "MP", Year: 2022, Domain: "gemeente", Type: "vraag", Subject: both.Subject, ContactID: bothContact, OpenedAt: year(2022)},
			{Prefix: "MP", Year: 2018, Domain: "gemeente", Type: "melding", Subject: "Nog open", OpenedAt: year(2018)},
			{Prefix: "MP", Year: 2019, Domain: "sociaalhuis", Type: "vraag", Subject: "Sociaal oud", OpenedAt: year(2019)},
		})
		if err != nil {
			t.Fatal(err)
		}
		closedOld, closedNew, openOld, social = refs[0], refs[1], refs[2], refs[3]
		m1 := privacyMessage("pp-1", old, oldContact, closedOld.ID, year(2019))
		m1.Attachments = []store.Attachment{{Name: "bijlage.txt", Size: 7, SHA256: shared.SHA256}}
		m2 := privacyMessage("pp-2", both, bothContact, closedOld.ID, year(2019).Add(time.Hour))
		m2.RawSHA256 = ""
		m3 := privacyMessage("pp-3", both, bothContact, closedNew.ID, year(2022))
		m3.RawSHA256 = ""
		m3.Attachments = []store.Attachment{{Name: "bijlage.txt", Size: 7, SHA256: shared.SHA256}}
		m4 := privacyMessage("pp-4", both, 0, openOld.ID, year(2018))
		m4.RawSHA256 = ""
		m5 := privacyMessage("pp-5", sofie, 0, social.ID, year(2019))
		m5.Domain, m5.RawSHA256 = "sociaalhuis", ""
		bounceOld := privacyMessage("pp-bounce-old", old, 0, 0, year(2019))
		bounceOld.RawSHA256, bounceOld.Text = "", "Undeliverable: "+old.Email
		bounceNew := privacyMessage("pp-bounce-new", both, 0, 0, year(2023))
		bounceNew.RawSHA256 = ""
		insertTx(t, tx, m1, m2, m3, m4, m5, bounceOld, bounceNew)
		raw := rawOf("pp-1", old)
		if err := tx.PutBlobs(ctx(t), []store.Blob{shared, {SHA256: sum(raw), Data: raw}}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.AddNote(ctx(t), store.Note{CaseID: closedOld.ID, Actor: "els", At: year(2019), Text: "Gesproken met " + old.Name}); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetStatuses(ctx(t), []store.StatusChange{
			{CaseID: closedOld.ID, Status: store.StatusClosed, At: year(2020)},
			{CaseID: closedNew.ID, Status: store.StatusClosed, At: year(2023)},
			{CaseID: social.ID, Status: store.StatusClosed, At: year(2020)},
		}); err != nil {
			t.Fatal(err)
		}
	})
	indexForSearch(t, s)
	cutoff := year(2021)
	untouched := func() string {
		var b strings.Builder
		for _, ref := range []string{closedNew.Ref, openOld.Ref, social.Ref} {
			d := getCase(t, s, ref)
			for _, m := range d.Messages {
				b.WriteString(m.SenderName + m.Text + string(m.Event) + m.RawSHA256 + "|")
			}
			b.WriteString(d.Subject + "\n")
		}
		return b.String()
	}
	keep := untouched()
	wantTraces(t, s, "before the purge", true, old.needles()...)

	want := store.PurgeResult{Domain: "gemeente", Messages: 3, Cases: 1, Attachments: 1, Blobs: 1, TimelineEntries: 2, Contacts: 1}
	dry, err := s.PurgeClosedBefore(ctx(t), store.Purge{Domain: "gemeente", Before: cutoff, Actor: "registry", At: year(2026), DryRun: true})
	if err != nil {
		t.Fatalf("PurgeClosedBefore (dry run): %v", err)
	}
	diff(t, "dry run", dry, want)
	wantTraces(t, s, "after the dry run", true, old.needles()...)
	if log, _ := s.ListAccess(ctx(t), store.AccessFilter{}); len(log) != 0 {
		t.Errorf("the dry run logged %+v", log)
	}

	got, err := s.PurgeClosedBefore(ctx(t), store.Purge{Domain: "gemeente", Before: cutoff, Actor: "registry", At: year(2026)})
	if err != nil {
		t.Fatalf("PurgeClosedBefore: %v", err)
	}
	diff(t, "purge", got, want)
	// Oscar had only the old case: nothing of him is left. Bea has a
	// newer case, which keeps her.
	wantTraces(t, s, "after the purge", false, old.needles()...)
	wantTraces(t, s, "after the purge", true, both.needles()...)
	d := getCase(t, s, closedOld.Ref)
	if d.Subject != store.Erased || d.Type != "klacht" || d.Status != store.StatusClosed || d.ClosedAt == nil || d.MessageCount != 2 || d.ContactID != 0 {
		t.Errorf("purged case = %+v", d.Case)
	}
	for _, m := range d.Messages {
		if m.SenderName != "" || m.SenderEmail != "" || len(m.Event) != 0 || m.RawSHA256 != "" || len(m.Attachments) != 0 || m.Text != store.Erased {
			t.Errorf("purged message = %+v", m)
		}
	}
	for _, e := range d.Timeline {
		if e.Detail != "" && e.Detail != store.Erased {
			t.Errorf("purged timeline entry %s: %q", e.Kind, e.Detail)
		}
	}
	if after := untouched(); after != keep {
		t.Errorf("the purge changed other cases:\n%s\nwant\n%s", after, keep)
	}
	if _, err := s.Blob(ctx(t), shared.SHA256); err != nil {
		t.Errorf("blob still attached to a newer case: %v", err)
	}
	_, err = s.ExportContact(ctx(t), oldContact)
	wantNotFound(t, "the contact of only purged cases", err)
	if exp, err := s.ExportContact(ctx(t), bothContact); err != nil || len(exp.Cases) != 1 || exp.Cases[0].Ref != closedNew.Ref {
		t.Errorf("the contact of a kept case = %+v, %v", exp, err)
	}
	log, err := s.ListAccess(ctx(t), store.AccessFilter{})
	if err != nil || len(log) != 1 || log[0].Action != store.AccessPurge || log[0].Actor != "registry" || log[0].Domain != "gemeente" ||
		!strings.Contains(log[0].Detail, "2021-03-01") || !strings.Contains(log[0].Detail, "berichten 3") {
		t.Errorf("access log after the purge = %+v, %v", log, err)
	}

	// Again: nothing left to purge, nothing recorded.
	again, err := s.PurgeClosedBefore(ctx(t), store.Purge{Domain: "gemeente", Before: cutoff, Actor: "registry", At: year(2026)})
	if err != nil || !again.Empty() {
		t.Errorf("second purge = %+v, %v; want nothing", again, err)
	}
	if log, _ := s.ListAccess(ctx(t), store.AccessFilter{}); len(log) != 1 {
		t.Errorf("the empty purge was logged: %+v", log)
	}

	// Oscar writes again about the purged case: the next run purges that.
	late := year(2026).Add(time.Hour)
	insert(t, s, privacyMessage("pp-late", old, 0, closedOld.ID, late))
	wantTraces(t, s, "a message after the purge", true, old.Word)
	late2, err := s.PurgeClosedBefore(ctx(t), store.Purge{Domain: "gemeente", Before: cutoff, Actor: "registry", At: late.Add(time.Hour)})
	if err != nil || late2.Cases != 1 || late2.Messages != 1 {
		t.Errorf("purge after a late message = %+v, %v; want its case and message", late2, err)
	}
	wantTraces(t, s, "after purging the late message", false, old.needles()...)
	if again, err := s.PurgeClosedBefore(ctx(t), store.Purge{Domain: "gemeente", Before: cutoff, Actor: "registry", At: late.Add(2 * time.Hour)}); err != nil || !again.Empty() {
		t.Errorf("purge once more = %+v, %v; want nothing", again, err)
	}
}
