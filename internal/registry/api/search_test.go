package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// searchSeed is a citizen with the same e-mail address in both domains, a
// case each, and a message without a case.
type searchSeed struct {
	gemeenteRef, socRef         string
	gemeenteContact, socContact int64
}

func seedSearch(t *testing.T, st store.Store, opened time.Time) searchSeed {
	t.Helper()
	ctx := t.Context()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var s searchSeed
	contact := store.Contact{Name: "Hélène Dubois", Email: "helene.dubois@example.org", Phone: "0477 12 34 56"}
	if s.gemeenteContact, err = tx.UpsertContact(ctx, "gemeente", contact); err != nil {
		t.Fatal(err)
	}
	if s.socContact, err = tx.UpsertContact(ctx, "sociaalhuis", contact); err != nil {
		t.Fatal(err)
	}
	refs, err := tx.CreateCases(ctx, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Department: "openbare-werken", Subject: "Kapotte straatlamp",
			Channel: "email", ContactID: s.gemeenteContact, OpenedAt: opened},
		{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Type: "vraag", Department: "sociale-dienst", Subject: "Huurpremie",
			Channel: "email", ContactID: s.socContact, OpenedAt: opened},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.gemeenteRef, s.socRef = refs[0].Ref, refs[1].Ref
	msg := func(id, domain string, caseID, contactID int64, subject, text string, minutes int) *store.Message {
		at := opened.Add(time.Duration(minutes) * time.Minute)
		return &store.Message{EventID: id, CaseID: caseID, ContactID: contactID, Channel: "email", Direction: "incoming",
			Inbox: "gemeentebestuur", Domain: domain, ExternalID: "<" + id + "@x>", SenderName: "Hélène Dubois",
			SenderEmail: "helene.dubois@example.org", Subject: subject, Text: text, EventTime: at, StoredAt: at, Event: []byte(`{}`)}
	}
	lamp := msg("lamp", "gemeente", refs[0].ID, s.gemeenteContact, "Kapotte straatlamp", "De lamp in de Kerkstraat (nr. 5 & 7) brandt niet <3 en is kapot.", 0)
	lamp.Attachments = []store.Attachment{{Name: "foto.jpg", ContentType: "image/jpeg", Size: 3, SHA256: strings.Repeat("a", 64)}}
	if err := tx.InsertMessages(ctx, []*store.Message{
		lamp,
		msg("lamp-2", "gemeente", refs[0].ID, s.gemeenteContact, "Re: Kapotte straatlamp", "Nog altijd kapot, de straatlampen.", 60),
		msg("fb", "gemeente", 0, 0, "Facebook", "Ook onze straatlamp is kapot.", 120),
		msg("huur", "sociaalhuis", refs[1].ID, s.socContact, "Huurpremie", "Geheim-Sociaal: ik vraag een huurpremie aan.", 30),
	}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func getJSON[T any](t *testing.T, c *http.Client, u string) (int, T, string) {
	t.Helper()
	var v T
	code, b := do(t, c, http.MethodGet, u, nil)
	if code == http.StatusOK {
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("GET %s: %v\n%s", u, err, b)
		}
	}
	return code, v, string(b)
}

func hitIDs(res api.SearchResult) []string {
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.Message.EventID)
	}
	slices.Sort(ids)
	return ids
}

func TestSearch(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			st, log := openStoreKind(t, kind)
			opened := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
			seed := seedSearch(t, st, opened)
			srv := newServer(t, st, log, casework.Options{})
			gemeente := srv.client(srv.token(t, "onthaal", "gemeente"))
			soc := srv.client(srv.token(t, "onthaal", "sociaalhuis"))
			both := srv.client(srv.token(t, "behandelaar", "gemeente", "sociaalhuis"))
			search := func(c *http.Client, query string) (int, api.SearchResult, string) {
				return getJSON[api.SearchResult](t, c, srv.URL+"/api/v1/search?"+query)
			}

			for _, tc := range []struct {
				name   string
				client *http.Client
				query  string
				want   []string
			}{
				{"stemmed", gemeente, "q=straatlampen", []string{"fb", "lamp", "lamp-2"}},
				{"reference", gemeente, "q=" + seed.gemeenteRef, []string{"lamp", "lamp-2"}},
				{"attachment", gemeente, "q=foto.jpg", []string{"lamp"}},
				{"channel and type", gemeente, "q=kapot&channel=email&type=melding&status=nieuw&department=openbare-werken", []string{"lamp", "lamp-2"}},
				{"period by dates", gemeente, "q=kapot&from=2026-12-03&to=2026-12-03", []string{"fb", "lamp", "lamp-2"}},
				{"period by times", gemeente, "q=kapot&from=2026-12-03T09:30:00Z&to=2026-12-03T10:30:00%2B00:00", []string{"lamp-2"}},
				{"other domain's words", gemeente, "q=huurpremie", nil},
				{"other domain's reference", gemeente, "q=" + seed.socRef, nil},
				{"other domain asked for", gemeente, "q=huurpremie&domain=sociaalhuis", nil},
				{"own domain", soc, "q=huurpremie&reason=opvolging", []string{"huur"}},
				{"both, one asked for", both, "q=dubois&domain=sociaalhuis&reason=opvolging", []string{"huur"}},
				{"without words", gemeente, "type=melding", []string{"lamp", "lamp-2"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					code, res, body := search(tc.client, tc.query)
					if code != http.StatusOK {
						t.Fatalf("GET ?%s = %d %s", tc.query, code, body)
					}
					if got := hitIDs(res); !slices.Equal(got, tc.want) {
						t.Errorf("GET ?%s: hits %v, want %v", tc.query, got, tc.want)
					}
					if res.Total != len(tc.want) {
						t.Errorf("GET ?%s: total %d, want %d", tc.query, res.Total, len(tc.want))
					}
					if tc.client == gemeente && (strings.Contains(body, "Geheim-Sociaal") || strings.Contains(body, seed.socRef)) {
						t.Errorf("GET ?%s leaks the sociaalhuis: %s", tc.query, body)
					}
				})
			}

			t.Run("hit", func(t *testing.T) {
				_, res, body := search(gemeente, "q=kerkstraat")
				if len(res.Hits) != 1 {
					t.Fatalf("hits: %s", body)
				}
				h := res.Hits[0]
				if h.Domain != "gemeente" || h.Case == nil || h.Case.Ref != seed.gemeenteRef || h.Case.Status != "nieuw" ||
					h.Case.Type != "melding" || h.Message.Text != "" || len(h.Message.Attachments) != 1 || h.Rank <= 0 {
					t.Errorf("hit %+v", h)
				}
				var marked []string
				var text strings.Builder
				for _, p := range h.Snippet {
					text.WriteString(p.Text)
					if p.Match {
						marked = append(marked, p.Text)
					}
				}
				// Plain text, as stored: the client escapes it.
				if !slices.Equal(marked, []string{"Kerkstraat"}) || !strings.Contains(text.String(), "Kerkstraat (nr. 5 & 7) brandt niet <3") {
					t.Errorf("snippet %+v", h.Snippet)
				}
				_, res, _ = search(gemeente, "q=facebook")
				if len(res.Hits) != 1 || res.Hits[0].Case != nil {
					t.Errorf("a message without a case: %+v", res.Hits)
				}
			})

			t.Run("paging", func(t *testing.T) {
				_, first, _ := search(gemeente, "q=kapot&limit=2")
				if len(first.Hits) != 2 || first.Total != 3 || first.Next == "" {
					t.Fatalf("first page: %+v", first)
				}
				_, second, _ := search(gemeente, strings.TrimPrefix(first.Next, "/api/v1/search?"))
				if len(second.Hits) != 1 || second.Page != 2 || second.Next != "" {
					t.Errorf("second page: %+v", second)
				}
				if slices.Contains(hitIDs(first), second.Hits[0].Message.EventID) {
					t.Errorf("pages overlap: %v and %v", hitIDs(first), hitIDs(second))
				}
			})

			t.Run("bad requests", func(t *testing.T) {
				for _, q := range []string{"limit=0", "limit=101", "page=0", "from=gisteren", "to=2026-13-01",
					"q=" + url.QueryEscape(strings.Repeat("straatlamp ", 30))} {
					if code, _, body := search(gemeente, q); code != http.StatusBadRequest {
						t.Errorf("GET ?%s = %d %s, want 400", q, code, body)
					}
				}
			})

			t.Run("citizens", func(t *testing.T) {
				list := func(c *http.Client, q string) []api.Citizen {
					t.Helper()
					code, res, body := getJSON[api.CitizenList](t, c, srv.URL+"/api/v1/citizens?reason=opvolging&q="+url.QueryEscape(q))
					if code != http.StatusOK {
						t.Fatalf("GET /citizens?q=%s = %d %s", q, code, body)
					}
					return res.Citizens
				}
				got := list(gemeente, "helene")
				if len(got) != 1 || got[0].ID != seed.gemeenteContact || got[0].Domain != "gemeente" || got[0].CaseCount != 1 ||
					got[0].Email != "helene.dubois@example.org" || got[0].LastContactAt == nil {
					t.Errorf("gemeente: %+v", got)
				}
				if got := list(both, "dub"); len(got) != 2 {
					t.Errorf("both domains: %+v", got)
				}
				if got := list(soc, "0477/12.34.56"); len(got) != 1 || got[0].ID != seed.socContact {
					t.Errorf("sociaalhuis by phone: %+v", got)
				}
				if got := list(gemeente, ""); len(got) != 0 {
					t.Errorf("nothing asked: %+v", got)
				}

				code, d, body := getJSON[api.CitizenDetail](t, gemeente, srv.URL+fmt.Sprintf("/api/v1/citizens/%d", seed.gemeenteContact))
				if code != http.StatusOK || d.ID != seed.gemeenteContact || len(d.Cases) != 1 || d.Cases[0].Ref != seed.gemeenteRef || d.Cases[0].MessageCount != 2 {
					t.Errorf("citizen: %d %s", code, body)
				}
				for _, c := range []*http.Client{gemeente} {
					if code, _, body := getJSON[api.CitizenDetail](t, c, srv.URL+fmt.Sprintf("/api/v1/citizens/%d", seed.socContact)); code != http.StatusNotFound ||
						strings.Contains(body, "Dubois") {
						t.Errorf("another domain's citizen = %d %s, want 404", code, body)
					}
				}
				if code, _, _ := getJSON[api.CitizenDetail](t, soc, srv.URL+fmt.Sprintf("/api/v1/citizens/%d?reason=opvolging", seed.socContact)); code != http.StatusOK {
					t.Errorf("own domain's citizen = %d", code)
				}
				for _, id := range []string{"abc", "0", "99999"} {
					code, _, _ := getJSON[api.CitizenDetail](t, both, srv.URL+"/api/v1/citizens/"+id)
					if want := map[bool]int{true: http.StatusNotFound, false: http.StatusBadRequest}[id == "99999"]; code != want {
						t.Errorf("citizen %s = %d, want %d", id, code, want)
					}
				}
			})
		})
	}
}
