package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// longCase stores a case with 200 timeline entries: 100 messages (a
// quarter with HTML, a fifth with an attachment, every third an answer of
// staff), 70 notes, 20 status changes and 10 assignments. It returns its
// reference.
func longCase(t testing.TB, st store.Store) string {
	t.Helper()
	ctx := t.Context()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	opened := now.Add(-60 * 24 * time.Hour)
	refs, err := tx.CreateCases(ctx, []store.NewCase{{Prefix: "LB", Year: 2026, Domain: "gemeente", Type: "klacht",
		Subject: "Wateroverlast in de Molenstraat", Channel: "email", OpenedAt: opened, Department: "openbare-werken",
		AnswerDue: new(now.Add(5 * 24 * time.Hour))}})
	if err != nil {
		t.Fatal(err)
	}
	id := refs[0].ID
	text := strings.Repeat("Na elke regenbui staat de kelder onder water; de riolering kan het niet aan. ", 20)
	var msgs []*store.Message
	for i := range 100 {
		at := opened.Add(time.Duration(i) * 12 * time.Hour)
		m := &store.Message{EventID: fmt.Sprintf("long-%d", i), CaseID: id, Channel: "email", Direction: "incoming",
			Inbox: "info", Domain: "gemeente", ExternalID: fmt.Sprintf("<long-%d@example.be>", i), SenderName: "Karel Verhoeven",
			SenderEmail: "karel.verhoeven@example.be", Subject: fmt.Sprintf("Re: Wateroverlast (%d)", i), Text: text,
			EventTime: at, StoredAt: at, Event: []byte(`{}`)}
		if i%3 == 2 {
			m.Direction, m.SenderName, m.SenderEmail = "outgoing", "Dienst Openbare Werken", "openbarewerken@gemeente.example"
		}
		if i%4 == 0 {
			m.HTML = "<p>" + text + "</p><img src=\"http://tracker.example/p.gif\">"
		}
		if i%5 == 0 {
			m.Attachments = []store.Attachment{{Name: fmt.Sprintf("foto-%d.jpg", i), ContentType: "image/jpeg", Size: 123456,
				SHA256: fmt.Sprintf("%064x", i)}}
		}
		msgs = append(msgs, m)
	}
	if err := tx.InsertMessages(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	statuses := []string{store.StatusInProgress, store.StatusWaiting}
	for i := range 100 {
		at := opened.Add(time.Duration(i)*12*time.Hour + time.Hour)
		switch {
		case i < 70:
			_, err = tx.AddNote(ctx, store.Note{CaseID: id, Actor: "els", At: at, Text: fmt.Sprintf("Notitie %d: burger gebeld, ploeg ingepland.", i)})
		case i < 90:
			err = tx.SetStatuses(ctx, []store.StatusChange{{CaseID: id, Status: statuses[i%2], Actor: "els", At: at}})
		default:
			err = tx.Assign(ctx, store.Assignment{CaseID: id, Assignee: fmt.Sprintf("medewerker-%d", i), Actor: "els", At: at})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := st.GetCase(ctx, refs[0].Ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Timeline) != 200 {
		t.Fatalf("the case has %d timeline entries, want 200", len(d.Timeline))
	}
	return refs[0].Ref
}

// BenchmarkCasePage renders the page of a case with 200 timeline entries
// through the whole handler: the session middleware, the store (reading
// the case, its messages and timeline) and the templates.
//
//	go test ./internal/web -run '^$' -bench CasePage -benchtime 200x
func BenchmarkCasePage(b *testing.B) {
	for _, kind := range storeKinds {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b, kind)
			ref := longCase(b, e.st)
			c := e.login(b, "els", auth.RoleBehandelaar, "openbare-werken", "gemeente")
			cookies := c.http.Jar.Cookies(mustURL(b, e.srv.URL))
			handler := e.srv.Config.Handler
			req := httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/dossiers/"+ref, nil)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			var size int
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET /dossiers/%s = %d", ref, w.Code)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
			b.ReportMetric(float64(size)/1024, "KiB/page")
		})
	}
}
