package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testCaseRefsSequential(t *testing.T, s store.Store) {
	steps := []struct {
		prefix string
		year   int
		want   string
	}{
		{"MP", 2026, "MP-2026-000001"},
		{"MP", 2026, "MP-2026-000002"},
		{"XY", 2026, "XY-2026-000001"}, // each prefix counts on its own
		{"MP", 2027, "MP-2027-000001"}, // a new year starts at 1
		{"MP", 2026, "MP-2026-000003"}, // the old year goes on
		{"MP", 2027, "MP-2027-000002"},
	}
	var ids []int64
	for _, st := range steps {
		inTx(t, s, func(tx store.Tx) {
			id, ref, err := tx.CreateCase(ctx(t), store.NewCase{Prefix: st.prefix, Year: st.year, Domain: "gemeente"})
			if err != nil {
				t.Fatalf("CreateCase(%s, %d): %v", st.prefix, st.year, err)
			}
			if ref != st.want {
				t.Errorf("CreateCase(%s, %d) = %s, want %s", st.prefix, st.year, ref, st.want)
			}
			ids = append(ids, id)
		})
	}
	// Several cases in one transaction.
	inTx(t, s, func(tx store.Tx) {
		for _, want := range []string{"MP-2026-000004", "MP-2026-000005"} {
			id, ref, err := tx.CreateCase(ctx(t), store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente"})
			if err != nil || ref != want {
				t.Errorf("CreateCase = %s, %v; want %s", ref, err, want)
			}
			ids = append(ids, id)
		}
	})
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("case ids %v not increasing", ids)
	}
}

func testCaseRefRollbackGivesNumberBack(t *testing.T, s store.Store) {
	newCase(t, s, "gemeente") // MP-2026-000001
	c := ctx(t)
	tx, err := s.Begin(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ref, err := tx.CreateCase(c, store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente"}); err != nil || ref != "MP-2026-000002" {
		t.Fatalf("CreateCase = %s, %v", ref, err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Fatal(err)
	}
	if _, ref := newCase(t, s, "gemeente"); ref != "MP-2026-000002" {
		t.Errorf("after rollback: CreateCase = %s, want MP-2026-000002 (no gaps)", ref)
	}
}

func testCreateCaseConcurrent(t *testing.T, s store.Store) {
	createCasesConcurrently(t, []store.Store{s, s, s, s, s, s})
}

// createCasesConcurrently creates cases from one goroutine per store, each
// case in its own transaction, without retries, and checks that the
// references are 1..n without gaps or duplicates.
func createCasesConcurrently(t *testing.T, stores []store.Store) {
	const perWorker = 5
	c := ctx(t)
	var (
		mu   sync.Mutex
		refs []string
		wg   sync.WaitGroup
	)
	errs := make([]error, len(stores))
	for w, s := range stores {
		wg.Go(func() {
			for range perWorker {
				var ref string
				errs[w] = inTxErr(c, s, func(tx store.Tx) error {
					var err error
					_, ref, err = tx.CreateCase(c, store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente", Subject: fmt.Sprint("worker ", w)})
					return err
				})
				if errs[w] != nil {
					return
				}
				mu.Lock()
				refs = append(refs, ref)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("CreateCase: %v", err)
	}
	var want []string
	for i := range len(stores) * perWorker {
		want = append(want, fmt.Sprintf("MP-2026-%06d", i+1))
	}
	slices.Sort(refs)
	diff(t, "references", refs, want)
}

func testCreateCaseInvalid(t *testing.T, s store.Store) {
	for _, tc := range []struct {
		name string
		c    store.NewCase
	}{
		{"no prefix", store.NewCase{Year: 2026, Domain: "gemeente"}},
		{"dash in prefix", store.NewCase{Prefix: "M-P", Year: 2026, Domain: "gemeente"}},
		{"no year", store.NewCase{Prefix: "MP", Domain: "gemeente"}},
		{"year 10000", store.NewCase{Prefix: "MP", Year: 10000, Domain: "gemeente"}},
		{"no domain", store.NewCase{Prefix: "MP", Year: 2026}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := s.Begin(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx(t)) //nolint:errcheck
			if _, ref, err := tx.CreateCase(ctx(t), tc.c); err == nil {
				t.Errorf("CreateCase(%+v) = %s, want error", tc.c, ref)
			}
		})
	}
}

func testFindCaseByRef(t *testing.T, s store.Store) {
	gemeente, gemeenteRef := newCase(t, s, "gemeente")
	sociaal, sociaalRef := newCase(t, s, "sociaalhuis")
	inTx(t, s, func(tx store.Tx) {
		for _, tc := range []struct {
			domain, ref string
			want        int64 // 0: not found
		}{
			{"gemeente", gemeenteRef, gemeente},
			{"sociaalhuis", sociaalRef, sociaal},
			{"sociaalhuis", gemeenteRef, 0}, // never across domains
			{"gemeente", sociaalRef, 0},
			{"gemeente", "MP-2026-999999", 0},
			{"gemeente", "", 0},
		} {
			got, err := tx.FindCaseByRef(ctx(t), tc.domain, tc.ref)
			if tc.want == 0 {
				wantNotFound(t, fmt.Sprintf("FindCaseByRef(%s, %s)", tc.domain, tc.ref), err)
				continue
			}
			if err != nil || got != tc.want {
				t.Errorf("FindCaseByRef(%s, %s) = %d, %v; want %d", tc.domain, tc.ref, got, err, tc.want)
			}
		}
	})
}

func testFindCaseByExternalIDs(t *testing.T, s store.Store) {
	older, _ := newCase(t, s, "gemeente")
	newer, _ := newCase(t, s, "gemeente")
	sociaal, _ := newCase(t, s, "sociaalhuis")
	add := func(eventID, domain, externalID string, caseID int64) {
		m := message(eventID, domain)
		m.ExternalID = externalID
		id := insert(t, s, m)
		if caseID != 0 {
			attach(t, s, caseID, id, at(0))
		}
	}
	add("ev-1", "gemeente", "<a@x>", older)
	add("ev-2", "gemeente", "<b@x>", newer) // stored later
	add("ev-3", "sociaalhuis", "<a@x>", sociaal)
	add("ev-4", "sociaalhuis", "<only-sociaal@x>", sociaal)
	add("ev-5", "gemeente", "<unattached@x>", 0)

	inTx(t, s, func(tx store.Tx) {
		for _, tc := range []struct {
			name   string
			domain string
			ids    []string
			want   int64 // 0: not found
		}{
			{"one", "gemeente", []string{"<a@x>"}, older},
			{"most recently stored wins", "gemeente", []string{"<a@x>", "<b@x>"}, newer},
			{"order of ids does not matter", "gemeente", []string{"<b@x>", "<a@x>"}, newer},
			{"same id other domain", "sociaalhuis", []string{"<a@x>"}, sociaal},
			{"never across domains", "gemeente", []string{"<only-sociaal@x>"}, 0},
			{"message without case", "gemeente", []string{"<unattached@x>"}, 0},
			{"unknown", "gemeente", []string{"<nope@x>"}, 0},
			{"empty ids ignored", "gemeente", []string{"", "<a@x>", ""}, older},
			{"only empty", "gemeente", []string{""}, 0},
			{"none", "gemeente", nil, 0},
		} {
			got, err := tx.FindCaseByExternalIDs(ctx(t), tc.domain, tc.ids)
			if tc.want == 0 {
				wantNotFound(t, tc.name, err)
				continue
			}
			if err != nil || got != tc.want {
				t.Errorf("%s: FindCaseByExternalIDs(%s, %q) = %d, %v; want %d", tc.name, tc.domain, tc.ids, got, err, tc.want)
			}
		}
	})
}

func testAttachMessage(t *testing.T, s store.Store) {
	caseID, ref := newCase(t, s, "gemeente") // opened at(0)
	first := insert(t, s, message("ev-a", "gemeente"))
	second := insert(t, s, message("ev-b", "gemeente"))
	attach(t, s, caseID, first, at(10))
	attach(t, s, caseID, second, at(5)) // an older message arriving late

	d := getCase(t, s, ref)
	if want := stored(at(10)); !d.UpdatedAt.Equal(want) || d.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v, want %v in UTC (never moves back)", d.UpdatedAt, want)
	}
	var got []store.TimelineEntry
	for _, e := range d.Timeline {
		e.ID = 0
		got = append(got, e)
	}
	diff(t, "timeline", got, []store.TimelineEntry{
		{At: stored(at(5)), Kind: "message", MessageID: second},
		{At: stored(at(10)), Kind: "message", MessageID: first},
	})

	inTx(t, s, func(tx store.Tx) {
		wantNotFound(t, "AttachMessage to a missing case", tx.AttachMessage(ctx(t), caseID+1000, first, at(0)))
	})
	inTx(t, s, func(tx store.Tx) {
		wantNotFound(t, "AttachMessage of a missing message", tx.AttachMessage(ctx(t), caseID, second+1000, at(0)))
	})
}

func testAttachMessageOtherDomain(t *testing.T, s store.Store) {
	caseID, ref := newCase(t, s, "sociaalhuis")
	msgID := insert(t, s, message("ev-other", "gemeente"))
	inTx(t, s, func(tx store.Tx) {
		wantNotFound(t, "AttachMessage across domains", tx.AttachMessage(ctx(t), caseID, msgID, at(0)))
	})
	if d := getCase(t, s, ref); len(d.Messages) != 0 || len(d.Timeline) != 0 {
		t.Errorf("case in another domain got %d messages, %d timeline entries", len(d.Messages), len(d.Timeline))
	}
}

func testListCases(t *testing.T, s store.Store) {
	type made struct {
		id     int64
		ref    string
		domain string
		msgs   int
	}
	var cases []made
	for i, domain := range []string{"gemeente", "sociaalhuis", "gemeente", "gemeente", "sociaalhuis"} {
		id, ref := newCase(t, s, domain)
		for j := range i % 3 {
			attach(t, s, id, insert(t, s, message(fmt.Sprintf("ev-list-%d-%d", i, j), domain)), at(j))
		}
		cases = append(cases, made{id, ref, domain, i % 3})
	}
	refs := func(cs []store.Case) []string {
		var r []string
		for _, c := range cs {
			r = append(r, c.Ref)
		}
		return r
	}
	ref := func(i ...int) []string {
		var r []string
		for _, i := range i {
			r = append(r, cases[i].ref)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		f    store.CaseFilter
		want []string
	}{
		{"all newest first", store.CaseFilter{}, ref(4, 3, 2, 1, 0)},
		{"one domain", store.CaseFilter{Domains: []string{"sociaalhuis"}}, ref(4, 1)},
		{"two domains", store.CaseFilter{Domains: []string{"gemeente", "sociaalhuis"}}, ref(4, 3, 2, 1, 0)},
		{"unknown domain", store.CaseFilter{Domains: []string{"elders"}}, nil},
		{"status", store.CaseFilter{Status: store.StatusNew}, ref(4, 3, 2, 1, 0)},
		{"other status", store.CaseFilter{Status: store.StatusClosed}, nil},
		{"limit", store.CaseFilter{Limit: 2}, ref(4, 3)},
		{"next page", store.CaseFilter{Limit: 2, BeforeID: cases[3].id}, ref(2, 1)},
		{"page and domain", store.CaseFilter{Domains: []string{"gemeente"}, BeforeID: cases[3].id}, ref(2, 0)},
	} {
		got, err := s.ListCases(ctx(t), tc.f)
		if err != nil {
			t.Fatalf("%s: ListCases: %v", tc.name, err)
		}
		diff(t, tc.name, refs(got), tc.want)
	}

	all, err := s.ListCases(ctx(t), store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range all {
		m := cases[len(cases)-1-i]
		want := store.Case{
			ID: m.id, Ref: m.ref, Domain: m.domain, Status: store.StatusNew,
			OpenedAt: stored(at(0)), UpdatedAt: stored(at(0)), MessageCount: m.msgs,
		}
		if m.msgs == 2 {
			want.UpdatedAt = stored(at(1))
		}
		diff(t, "case "+m.ref, c, want)
	}
}

func testGetCase(t *testing.T, s store.Store) {
	var contactID int64
	inTx(t, s, func(tx store.Tx) {
		var err error
		contactID, err = tx.UpsertContact(ctx(t), "gemeente", store.Contact{Name: "Jan", Email: "jan@example.org"})
		if err != nil {
			t.Fatal(err)
		}
	})
	var (
		caseID int64
		ref    string
	)
	inTx(t, s, func(tx store.Tx) {
		var err error
		caseID, ref, err = tx.CreateCase(ctx(t), store.NewCase{
			Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding",
			Subject: "Straatlamp", Channel: "email", ContactID: contactID, OpenedAt: at(-60),
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	// Inserted newest first: GetCase orders by event time.
	var msgs []*store.Message
	var ids []int64
	for i := 2; i >= 0; i-- {
		m := message(fmt.Sprint("ev-get-", i), "gemeente")
		m.EventTime = at(i)
		m.Attachments = m.Attachments[:i]
		msgs = append([]*store.Message{m}, msgs...)
		ids = append([]int64{insert(t, s, m)}, ids...)
	}
	for i, id := range ids {
		attach(t, s, caseID, id, at(i))
	}
	d := getCase(t, s, ref)
	diff(t, "case", d.Case, store.Case{
		ID: caseID, Ref: ref, Domain: "gemeente", Type: "melding", Status: store.StatusNew,
		Subject: "Straatlamp", Channel: "email", ContactID: contactID,
		OpenedAt: stored(at(-60)), UpdatedAt: stored(at(2)), MessageCount: 3,
	})
	if len(d.Messages) != len(msgs) {
		t.Fatalf("%d messages, want %d", len(d.Messages), len(msgs))
	}
	for i, m := range msgs {
		diff(t, fmt.Sprint("message ", i), normalize(d.Messages[i]), wantMessage(m, ids[i], caseID))
	}
	if len(d.Timeline) != 3 {
		t.Fatalf("%d timeline entries, want 3", len(d.Timeline))
	}
	for i, e := range d.Timeline {
		if e.MessageID != ids[i] || !e.At.Equal(stored(at(i))) || e.Kind != "message" {
			t.Errorf("timeline[%d] = %+v, want message %d at %v", i, e, ids[i], stored(at(i)))
		}
	}
}

func testGetCaseNotFound(t *testing.T, s store.Store) {
	_, err := s.GetCase(ctx(t), "MP-2026-000001")
	wantNotFound(t, "GetCase", err)
	if s.IsTransient(err) {
		t.Errorf("IsTransient(%v) = true", err)
	}
}
