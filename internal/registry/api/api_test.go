package api_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestCasesAPI(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, log := openStore(t)
	// Three cases, the middle one with two messages.
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opened := mustTime(t, "2026-12-01T09:00:00Z")
	refs, err := tx.CreateCases(ctx, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Subject: "Put in de weg", Channel: "email", OpenedAt: opened},
		{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Subject: "Huurpremie", Channel: "email", OpenedAt: opened},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Subject: "Afval", Channel: "eloket", OpenedAt: opened},
	})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*store.Message
	for i, c := range []int{0, 1, 1, 2} {
		msgs = append(msgs, &store.Message{
			EventID: "ev-" + string(rune('a'+i)), CaseID: refs[c].ID, Channel: "email", Direction: "incoming",
			Inbox: "gemeentebestuur", Domain: []string{"gemeente", "sociaalhuis", "sociaalhuis", "gemeente"}[i],
			ExternalID: "<m" + string(rune('a'+i)) + "@x>", SenderName: "An Peeters", Subject: "onderwerp",
			Text: "<script>alert(1)</script>", EventTime: opened, Event: []byte(`{}`),
			Attachments: []store.Attachment{{Name: "foto.jpg", ContentType: "image/jpeg", Size: 3, SHA256: "aa"}},
		})
	}
	if err := tx.InsertMessages(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	srv := newServer(t, st, log, casework.Options{})
	admin := srv.client(srv.token(t, "beheerder", "gemeente", "sociaalhuis"))

	tests := []struct {
		name     string
		path     string
		wantCode int
		check    func(t *testing.T, body []byte)
	}{
		{name: "list", path: "/api/v1/cases", wantCode: 200, check: func(t *testing.T, body []byte) {
			var l api.CaseList
			mustJSON(t, body, &l)
			if len(l.Cases) != 3 || l.Cases[0].Ref != refs[2].Ref || l.Cases[1].MessageCount != 2 || l.Next != "" {
				t.Errorf("list = %+v", l)
			}
		}},
		{name: "paging", path: "/api/v1/cases?limit=2", wantCode: 200, check: func(t *testing.T, body []byte) {
			var l api.CaseList
			mustJSON(t, body, &l)
			if len(l.Cases) != 2 || l.Next == "" {
				t.Fatalf("page 1 = %+v", l)
			}
			resp, err := admin.Get(srv.URL + l.Next)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var l2 api.CaseList
			b, _ := io.ReadAll(resp.Body)
			mustJSON(t, b, &l2)
			if len(l2.Cases) != 1 || l2.Cases[0].Ref != refs[0].Ref {
				t.Errorf("page 2 = %+v", l2)
			}
		}},
		{name: "filter by domain", path: "/api/v1/cases?domain=sociaalhuis", wantCode: 200, check: func(t *testing.T, body []byte) {
			var l api.CaseList
			mustJSON(t, body, &l)
			if len(l.Cases) != 1 || l.Cases[0].Domain != "sociaalhuis" {
				t.Errorf("list = %+v", l)
			}
		}},
		{name: "one case", path: "/api/v1/cases/" + refs[1].Ref + "?reason=opvolging", wantCode: 200, check: func(t *testing.T, body []byte) {
			var c api.CaseDetail
			mustJSON(t, body, &c)
			if c.Ref != refs[1].Ref || len(c.Messages) != 2 || len(c.Timeline) != 2 || c.Messages[0].Text != "<script>alert(1)</script>" ||
				len(c.Messages[0].Attachments) != 1 || c.Status != "nieuw" {
				t.Errorf("case = %+v", c)
			}
		}},
		{name: "unknown case", path: "/api/v1/cases/MP-2026-999999", wantCode: 404},
		{name: "bad limit", path: "/api/v1/cases?limit=0", wantCode: 400},
		{name: "bad before", path: "/api/v1/cases?before=x", wantCode: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := admin.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("GET %s = %d %s, want %d", tt.path, resp.StatusCode, body, tt.wantCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCasesAPIDue(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, log := openStore(t)
	now := time.Now().UTC()
	past, soon, later := now.Add(-time.Hour), now.Add(24*time.Hour), now.Add(30*24*time.Hour)
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := tx.CreateCases(ctx, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Department: "milieu", OpenedAt: now, AnswerDue: &past},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Department: "milieu", OpenedAt: now, AnswerDue: &soon},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Department: "burgerzaken", OpenedAt: now, AnswerDue: &later},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range refs {
		if err := tx.InsertMessages(ctx, []*store.Message{{EventID: "due-" + r.Ref, CaseID: r.ID, Channel: "email", Domain: "gemeente",
			ExternalID: "<d" + string(rune('a'+i)) + "@x>", EventTime: now, Event: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, st, log, casework.Options{})
	admin := srv.client(srv.token(t, "beheerder", "gemeente", "sociaalhuis"))
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"due=overdue", []string{refs[0].Ref}},
		{"due=soon", []string{refs[1].Ref, refs[0].Ref}},
		{"department=burgerzaken", []string{refs[2].Ref}},
		{"due=soon&department=milieu", []string{refs[1].Ref, refs[0].Ref}},
	} {
		resp, err := admin.Get(srv.URL + "/api/v1/cases?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		var l api.CaseList
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mustJSON(t, b, &l)
		var got []string
		for _, c := range l.Cases {
			got = append(got, c.Ref)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("?%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	if resp, err := admin.Get(srv.URL + "/api/v1/cases?due=tomorrow"); err != nil || resp.StatusCode != 400 {
		t.Errorf("due=tomorrow: %v %v", resp.StatusCode, err)
	}

	// An out-of-office answer to nothing known waits without a case.
	tx, err = st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.InsertMessages(ctx, []*store.Message{{EventID: "ooo-1", Channel: "email", Domain: "gemeente", ExternalID: "<ooo@x>",
		AutoSubmitted: "auto-replied", Subject: "Afwezig", EventTime: now, Event: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := admin.Get(srv.URL + "/api/v1/messages/unassigned?domain=gemeente")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ml api.MessageList
	mustJSON(t, b, &ml)
	if len(ml.Messages) != 1 || ml.Messages[0].EventID != "ooo-1" || ml.Messages[0].AutoSubmitted != "auto-replied" {
		t.Errorf("unassigned = %s", b)
	}
}

func TestComplaintsReportAPI(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, log := openStore(t)
	opened := time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC)
	due := opened.AddDate(0, 0, 45)
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := tx.CreateCases(ctx, []store.NewCase{{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Department: "milieu",
		Channel: "email", OpenedAt: opened, AnswerDue: &due}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.InsertMessages(ctx, []*store.Message{{EventID: "k-1", CaseID: refs[0].ID, Channel: "email", Domain: "gemeente",
		ExternalID: "<k@x>", EventTime: opened, Event: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetStatuses(ctx, []store.StatusChange{{CaseID: refs[0].ID, Status: store.StatusAnswered, At: opened.AddDate(0, 0, 12)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, st, log, casework.Options{})
	admin := srv.client(srv.token(t, "beheerder", "gemeente", "sociaalhuis"))
	resp, err := admin.Get(srv.URL + "/api/v1/reports/complaints?year=2026")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"answered_in_time": 1`) || !strings.Contains(string(b), `"median_handling_days": 12`) {
		t.Errorf("report = %d %s", resp.StatusCode, b)
	}
	resp, err = admin.Get(srv.URL + "/api/v1/reports/complaints?year=2026&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(b), "2026;milieu;email;1;0;0;1;1;0;0;12.0") {
		t.Errorf("csv = %s %s", resp.Header.Get("Content-Type"), b)
	}
	if resp, err := admin.Get(srv.URL + "/api/v1/reports/complaints?year=twintig"); err != nil || resp.StatusCode != 400 {
		t.Errorf("bad year: %v", err)
	}
}
