package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// searchFixture is a small registry: cases and messages in both domains,
// with what each search test looks for.
type searchFixture struct {
	lamp, cafe, huur, loose store.CaseRef // cases: lamp and cafe in gemeente, huur in sociaalhuis
	contact, socContact     int64         // Hélène Dubois in gemeente and in sociaalhuis
	ids                     map[string]int64
}

func searchMessage(eventID, domain, subject, text string, minutes int) *store.Message {
	m := message(eventID, domain)
	m.Subject, m.Text, m.HTML = subject, text, "<p>"+text+"</p>"
	m.EventTime, m.ReceivedAt, m.SentAt, m.StoredAt = at(minutes), ptr(at(minutes)), ptr(at(minutes)), at(minutes+1)
	m.Attachments = nil
	m.SenderName, m.SenderEmail, m.SenderPhone = "Jan Peeters", "jan.peeters@example.org", "+32 9 123 45 67"
	return m
}

func newSearchFixture(t *testing.T, s store.Store) searchFixture {
	t.Helper()
	f := searchFixture{ids: map[string]int64{}}
	inTx(t, s, func(tx store.Tx) {
		var err error
		f.contact, err = tx.UpsertContact(ctx(t), "gemeente", store.Contact{Name: "Hélène Dubois", Email: "Helene.Dubois@Example.org", Phone: "+32 477 12 34 56"})
		if err != nil {
			t.Fatal(err)
		}
		f.socContact, err = tx.UpsertContact(ctx(t), "sociaalhuis", store.Contact{Name: "Hélène Dubois", Email: "helene.dubois@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{
			{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding", Department: "openbare-werken", Channel: "email", ContactID: f.contact, OpenedAt: at(0)},
			{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Department: "economie", Channel: "facebook", OpenedAt: at(0)},
			{Prefix: "MP", Year: 2026, Domain: "sociaalhuis", Type: "vraag", Department: "sociale-dienst", ContactID: f.socContact, OpenedAt: at(0)},
			{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Department: "openbare-werken", OpenedAt: at(0)},
		})
		if err != nil {
			t.Fatal(err)
		}
		f.lamp, f.cafe, f.huur, f.loose = refs[0], refs[1], refs[2], refs[3]

		lamp := searchMessage("s-lamp", "gemeente", "Kapotte straatlamp", "De lamp in de Kerkstraat brandt al drie weken niet.", 0)
		lamp.CaseID, lamp.ContactID = f.lamp.ID, f.contact
		lamp.SenderName, lamp.SenderEmail, lamp.SenderPhone = "Hélène Dubois", "helene.dubois@example.org", "0477 12 34 56"
		lamp.Attachments = []store.Attachment{{Name: "foto_kerkstraat.jpg", ContentType: "image/jpeg", Size: 3, SHA256: sum([]byte("jpg"))}}
		lampAgain := searchMessage("s-lamp-2", "gemeente", "Re: Kapotte straatlamp", "Nog altijd donker. Ik stuur de offerte van de elektricien mee.", 60)
		lampAgain.CaseID = f.lamp.ID
		lampAgain.Attachments = []store.Attachment{{Name: "Offerte-elektricien.pdf", ContentType: "application/pdf", Size: 3, SHA256: sum([]byte("pdf"))}}
		cafe := searchMessage("s-cafe", "gemeente", "Terras", "Mag het café op het Dorpsplein een terras zetten? Ook de crèche vraagt het.", 120)
		cafe.CaseID, cafe.Channel = f.cafe.ID, "facebook"
		huur := searchMessage("s-huur", "sociaalhuis", "Huurpremie", "Ik wil een huurpremie aanvragen voor mijn appartement.", 180)
		huur.CaseID, huur.ContactID = f.huur.ID, f.socContact
		bounce := searchMessage("s-bounce", "gemeente", "Undelivered Mail", "De straatlampen van de Molenstraat: bericht niet afgeleverd.", 240)
		bounce.AutoSubmitted = "bounce"
		insertTx(t, tx, lamp, lampAgain, cafe, huur, bounce)
		for _, m := range []*store.Message{lamp, lampAgain, cafe, huur, bounce} {
			f.ids[m.EventID] = m.ID
		}
	})
	return f
}

// search runs q and returns the event ids of the hits, in order.
func search(t *testing.T, s store.Store, q store.SearchQuery) ([]string, store.SearchResult) {
	t.Helper()
	res, err := s.SearchMessages(ctx(t), q)
	if err != nil {
		t.Fatalf("SearchMessages(%+v): %v", q, err)
	}
	ids := []string{}
	for _, h := range res.Hits {
		ids = append(ids, h.Message.EventID)
	}
	return ids, res
}

var bothDomains = []string{"gemeente", "sociaalhuis"}

func testSearchMessages(t *testing.T, s store.Store) {
	f := newSearchFixture(t, s)
	for _, tc := range []struct {
		name string
		q    store.SearchQuery
		want []string // event ids, as a set
	}{
		{"stemming finds the singular", store.SearchQuery{Text: "straatlampen"}, []string{"s-lamp", "s-lamp-2", "s-bounce"}},
		{"stemming finds the plural", store.SearchQuery{Text: "straatlamp molenstraat"}, []string{"s-bounce"}},
		{"accents ignored in the text", store.SearchQuery{Text: "cafe"}, []string{"s-cafe"}},
		{"accents ignored in the query", store.SearchQuery{Text: "Créche"}, []string{"s-cafe"}},
		{"case ignored", store.SearchQuery{Text: "KERKSTRAAT"}, []string{"s-lamp"}},
		{"every word must match", store.SearchQuery{Text: "lamp dorpsplein"}, []string{}},
		{"or", store.SearchQuery{Text: "dorpsplein or huurpremie"}, []string{"s-cafe", "s-huur"}},
		{"excluded word", store.SearchQuery{Text: "straatlamp -molenstraat"}, []string{"s-lamp", "s-lamp-2"}},
		{"phrase", store.SearchQuery{Text: `"nog altijd donker"`}, []string{"s-lamp-2"}},
		{"case reference", store.SearchQuery{Text: f.lamp.Ref}, []string{"s-lamp", "s-lamp-2"}},
		{"case reference in lower case", store.SearchQuery{Text: strings.ToLower(f.cafe.Ref)}, []string{"s-cafe"}},
		{"attachment name", store.SearchQuery{Text: "offerte-elektricien.pdf"}, []string{"s-lamp-2"}},
		{"word of an attachment name", store.SearchQuery{Text: "foto"}, []string{"s-lamp"}},
		{"sender name", store.SearchQuery{Text: "helene dubois"}, []string{"s-lamp"}},
		{"sender e-mail", store.SearchQuery{Text: "helene.dubois@example.org"}, []string{"s-lamp"}},
		{"sender phone, international", store.SearchQuery{Text: "+32 477 12 34 56"}, []string{"s-lamp"}},
		{"sender phone, national", store.SearchQuery{Text: "0477/12.34.56"}, []string{"s-lamp"}},
		{"channel", store.SearchQuery{Text: "terras or straatlamp", Channel: "facebook"}, []string{"s-cafe"}},
		{"status", store.SearchQuery{Text: "straatlamp", Status: store.StatusNew}, []string{"s-lamp", "s-lamp-2"}},
		{"status no case", store.SearchQuery{Text: "straatlamp", Status: store.StatusClosed}, []string{}},
		{"department", store.SearchQuery{Text: "terras or straatlamp", Department: "economie"}, []string{"s-cafe"}},
		{"type", store.SearchQuery{Text: "terras or straatlamp", Type: "melding"}, []string{"s-lamp", "s-lamp-2"}},
		{"period", store.SearchQuery{Text: "straatlamp", From: at(30), To: at(240)}, []string{"s-lamp-2"}},
		{"period from", store.SearchQuery{Text: "straatlamp", From: at(60)}, []string{"s-lamp-2", "s-bounce"}},
		{"domain filter", store.SearchQuery{Text: "huurpremie", Domains: []string{"sociaalhuis"}}, []string{"s-huur"}},
		{"other domain's words find nothing", store.SearchQuery{Text: "huurpremie", Domains: []string{"gemeente"}}, []string{}},
		{"other domain's reference finds nothing", store.SearchQuery{Text: f.huur.Ref, Domains: []string{"gemeente"}}, []string{}},
		{"no words", store.SearchQuery{Text: `"" -`}, []string{}},
		{"nothing matches", store.SearchQuery{Text: "zwembad"}, []string{}},
		{"list without words", store.SearchQuery{Domains: []string{"gemeente"}, Type: "melding"}, []string{"s-lamp", "s-lamp-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.q.Domains == nil {
				tc.q.Domains = bothDomains
			}
			got, res := search(t, s, tc.q)
			want := sameSet(t, "hits of "+tc.q.Text, got, tc.want)
			if res.Total != len(want) || res.TotalCapped || res.Pending != 0 {
				t.Errorf("total %d (capped %v, pending %d), want %d", res.Total, res.TotalCapped, res.Pending, len(want))
			}
			for _, h := range res.Hits {
				if !slices.Contains(tc.q.Domains, h.Message.Domain) {
					t.Errorf("hit %s in domain %s", h.Message.EventID, h.Message.Domain)
				}
			}
		})
	}

	t.Run("hit", func(t *testing.T) {
		_, res := search(t, s, store.SearchQuery{Text: "offerte", Domains: bothDomains})
		if len(res.Hits) != 1 {
			t.Fatalf("hits %+v", res.Hits)
		}
		h := res.Hits[0]
		m := h.Message
		if m.ID != f.ids["s-lamp-2"] || m.HTML != "" || m.Event != nil || m.CaseID != f.lamp.ID || m.Text == "" ||
			m.EventTime != stored(at(60)) || len(m.Attachments) != 1 || m.Attachments[0].Name != "Offerte-elektricien.pdf" {
			t.Errorf("message %+v", m)
		}
		if h.CaseRef != f.lamp.Ref || h.CaseStatus != store.StatusNew || h.CaseType != "melding" || h.CaseDepartment != "openbare-werken" || h.Rank <= 0 {
			t.Errorf("hit %+v", h)
		}
		if !hasMatch(h.Snippet, "offerte") {
			t.Errorf("snippet %+v does not mark offerte", h.Snippet)
		}
		if joined(h.Subject) != "Re: Kapotte straatlamp" {
			t.Errorf("subject %+v", h.Subject)
		}
	})

	t.Run("ranking", func(t *testing.T) {
		// The subject weighs more than the text.
		got, _ := search(t, s, store.SearchQuery{Text: "straatlamp", Domains: bothDomains})
		if len(got) != 3 || got[2] != "s-bounce" {
			t.Errorf("hits %v: want the message with the word only in its text last", got)
		}
		_, res := search(t, s, store.SearchQuery{Text: "kerkstraat", Domains: bothDomains})
		if len(res.Hits) != 1 || !hasMatch(res.Hits[0].Snippet, "Kerkstraat") || hasMatch(res.Hits[0].Subject, "straatlamp") {
			t.Errorf("hits %+v", res.Hits)
		}
	})

	t.Run("paging", func(t *testing.T) {
		q := store.SearchQuery{Text: "straatlamp", Domains: bothDomains}
		all, _ := search(t, s, q)
		q.Limit = 2
		first, res1 := search(t, s, q)
		q.Offset = 2
		second, res2 := search(t, s, q)
		q.Offset = 10
		none, res3 := search(t, s, q)
		diff(t, "pages", append(first, second...), all)
		if res1.Total != 3 || res2.Total != 3 || res3.Total != 3 || len(none) != 0 {
			t.Errorf("totals %d %d %d, past the end %v", res1.Total, res2.Total, res3.Total, none)
		}
		// Listing without words: newest first.
		got, _ := search(t, s, store.SearchQuery{Domains: []string{"gemeente"}, Limit: 2})
		diff(t, "newest first", got, []string{"s-bounce", "s-cafe"})
	})

	t.Run("no domains", func(t *testing.T) {
		for _, q := range []store.SearchQuery{{Text: "straatlamp"}, {Text: "straatlamp", Domains: []string{}}, {}} {
			if _, err := s.SearchMessages(ctx(t), q); !errors.Is(err, store.ErrNoDomains) {
				t.Errorf("SearchMessages(%+v) = %v, want ErrNoDomains", q, err)
			}
		}
	})

	t.Run("merged case", func(t *testing.T) {
		// A message moved into another case is found by that case's
		// reference, no longer by its old one.
		inTx(t, s, func(tx store.Tx) {
			if _, err := tx.Merge(ctx(t), store.Merge{From: f.cafe.ID, Into: f.loose.ID, Actor: "els", At: at(300)}); err != nil {
				t.Fatal(err)
			}
		})
		got, _ := search(t, s, store.SearchQuery{Text: f.loose.Ref, Domains: bothDomains})
		diff(t, "found by the new reference", got, []string{"s-cafe"})
		got, _ = search(t, s, store.SearchQuery{Text: f.cafe.Ref, Domains: bothDomains})
		diff(t, "found by the old reference", got, []string{})
		got, _ = search(t, s, store.SearchQuery{Text: "terras", Type: "klacht", Domains: bothDomains})
		diff(t, "filtered by the new case", got, []string{"s-cafe"})
	})
}

// testSearchCapped: a search that matches more than store.SearchMaxMatches
// messages counts up to the cap, pages through the newest, and ranks them.
func testSearchCapped(t *testing.T, s store.Store) {
	n := store.SearchMaxMatches + 5
	var ms []*store.Message
	for i := range n {
		ms = append(ms, searchMessage(fmt.Sprintf("cap-%05d", i), "gemeente", "Sluikstort", "Afval naast de glasbak.", i))
	}
	insert(t, s, ms...)
	insert(t, s, searchMessage("other", "sociaalhuis", "Sluikstort", "Afval.", n))
	for _, text := range []string{"sluikstort", ""} {
		_, res := search(t, s, store.SearchQuery{Text: text, Domains: []string{"gemeente"}, Limit: 100, Offset: store.SearchMaxMatches - 50})
		if res.Total != store.SearchMaxMatches || !res.TotalCapped || len(res.Hits) != 50 {
			t.Errorf("%q: total %d, capped %v, %d hits on the last page", text, res.Total, res.TotalCapped, len(res.Hits))
		}
		for _, h := range res.Hits {
			if h.Message.EventTime.Before(stored(at(n - store.SearchMaxMatches))) {
				t.Errorf("%q: hit %s is older than the newest %d", text, h.Message.EventID, store.SearchMaxMatches)
				break
			}
		}
	}
}

// sameSet checks that got and want hold the same elements, in any order,
// and returns want sorted.
func sameSet[T cmp.Ordered](t *testing.T, what string, got, want []T) []T {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
	return want
}

func hasMatch(parts []store.SnippetPart, word string) bool {
	for _, p := range parts {
		if p.Match && strings.Contains(strings.ToLower(p.Text), strings.ToLower(word)) {
			return true
		}
	}
	return false
}

func joined(parts []store.SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func testSearchContacts(t *testing.T, s store.Store) {
	f := newSearchFixture(t, s)
	// Another citizen, and a message of Hélène in a case opened for
	// someone else: that case is hers too.
	var other int64
	inTx(t, s, func(tx store.Tx) {
		var err error
		other, err = tx.UpsertContact(ctx(t), "gemeente", store.Contact{Name: "Jan Peeters", Email: "jan@example.org", FacebookID: "fb-4711"})
		if err != nil {
			t.Fatal(err)
		}
		m := searchMessage("s-helene-cafe", "gemeente", "Terras", "Ik steun de vraag van het café.", 400)
		m.CaseID, m.ContactID = f.cafe.ID, f.contact
		insertTx(t, tx, m)
	})
	ids := func(cs []store.ContactSummary) []int64 {
		out := []int64{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		text    string
		domains []string
		want    []int64
	}{
		{"name", "Dubois", bothDomains, []int64{f.contact, f.socContact}},
		{"name without accents, in one domain", "helene dubois", []string{"gemeente"}, []int64{f.contact}},
		{"beginning of a name", "dub hel", []string{"sociaalhuis"}, []int64{f.socContact}},
		{"e-mail", "Helene.Dubois@example.org", bothDomains, []int64{f.contact, f.socContact}},
		{"phone, national", "0477 12 34 56", bothDomains, []int64{f.contact}},
		{"phone, international", "0032477123456", bothDomains, []int64{f.contact}},
		{"facebook id", "fb-4711", bothDomains, []int64{other}},
		{"every word", "jan dubois", bothDomains, []int64{}},
		{"nothing", "", bothDomains, []int64{}},
		{"other domain", "peeters", []string{"sociaalhuis"}, []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := s.ListContacts(ctx(t), store.ContactQuery{Text: tc.text, Domains: tc.domains})
			if err != nil {
				t.Fatal(err)
			}
			sameSet(t, "contacts found by "+tc.text, ids(cs), tc.want)
		})
	}
	if _, err := s.ListContacts(ctx(t), store.ContactQuery{Text: "dubois"}); !errors.Is(err, store.ErrNoDomains) {
		t.Errorf("ListContacts without domains = %v, want ErrNoDomains", err)
	}

	cs, err := s.ListContacts(ctx(t), store.ContactQuery{Text: "dubois", Domains: []string{"gemeente"}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("ListContacts = %+v, %v", cs, err)
	}
	want := store.ContactSummary{ID: f.contact, Domain: "gemeente",
		Contact:   store.Contact{Name: "Hélène Dubois", Email: "Helene.Dubois@Example.org", Phone: "+32 477 12 34 56"},
		CaseCount: 2, LastContactAt: ptr(stored(at(400)))}
	got := cs[0]
	got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	diff(t, "contact", got, want)
	g, err := s.GetContact(ctx(t), f.contact)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "GetContact", g, cs[0])
	_, err = s.GetContact(ctx(t), 999999)
	wantNotFound(t, "GetContact of an unknown contact", err)

	cases, err := s.ListCasesByContact(ctx(t), f.contact)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, c := range cases {
		refs = append(refs, c.Ref)
		if c.Domain != "gemeente" {
			t.Errorf("case %s in domain %s", c.Ref, c.Domain)
		}
	}
	// The café's case was updated last (at 400).
	diff(t, "cases of the contact", refs, []string{f.cafe.Ref, f.lamp.Ref})
	if cases[1].MessageCount != 2 {
		t.Errorf("case %s: %d messages", cases[1].Ref, cases[1].MessageCount)
	}
	cases, err = s.ListCasesByContact(ctx(t), other)
	if err != nil || len(cases) != 0 {
		t.Errorf("cases of a contact without any = %+v, %v", cases, err)
	}

	// A contact changed is found by what it is now.
	inTx(t, s, func(tx store.Tx) {
		if _, err := tx.UpsertContact(ctx(t), "gemeente", store.Contact{Email: "jan@example.org", Phone: "09 222 33 44"}); err != nil {
			t.Fatal(err)
		}
	})
	cs, err = s.ListContacts(ctx(t), store.ContactQuery{Text: "+32 9 222 33 44", Domains: bothDomains})
	if err != nil || len(cs) != 1 || cs[0].ID != other {
		t.Errorf("contact by its new phone: %+v, %v", cs, err)
	}
}

func testSplitMarked(t *testing.T, _ store.Store) {
	for _, tc := range []struct {
		in   string
		want []store.SnippetPart
	}{
		{"", nil},
		{"plain  text\n", []store.SnippetPart{{Text: "plain text"}}},
		{"a \x02lamp\x03 b", []store.SnippetPart{{Text: "a "}, {Text: "lamp", Match: true}, {Text: " b"}}},
		{"\x02a\x03 \x02b\x03", []store.SnippetPart{{Text: "a", Match: true}, {Text: " "}, {Text: "b", Match: true}}},
		{"x\x03y\x02z", []store.SnippetPart{{Text: "xy"}, {Text: "z", Match: true}}},
		{"<b>&amp;</b>", []store.SnippetPart{{Text: "<b>&amp;</b>"}}},
	} {
		diff(t, "SplitMarked("+tc.in+")", store.SplitMarked(tc.in), tc.want)
	}
}
