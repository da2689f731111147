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
	nc := func(prefix string, year int) store.NewCase {
		return store.NewCase{Prefix: prefix, Year: year, Domain: "gemeente"}
	}
	steps := [][]struct {
		c    store.NewCase
		want string
	}{
		{{nc("MP", 2026), "MP-2026-000001"}},
		{{nc("MP", 2026), "MP-2026-000002"}},
		{{nc("XY", 2026), "XY-2026-000001"}}, // each prefix counts on its own
		{{nc("MP", 2027), "MP-2027-000001"}}, // a new year starts at 1
		{{nc("MP", 2026), "MP-2026-000003"}}, // the old year goes on
		// Several at once, mixed, in the order given.
		{
			{nc("MP", 2027), "MP-2027-000002"},
			{nc("MP", 2026), "MP-2026-000004"},
			{nc("AB", 2026), "AB-2026-000001"},
			{nc("MP", 2026), "MP-2026-000005"},
			{nc("MP", 2027), "MP-2027-000003"},
		},
	}
	var ids []int64
	for _, step := range steps {
		inTx(t, s, func(tx store.Tx) {
			var cs []store.NewCase
			var want []string
			for _, st := range step {
				cs, want = append(cs, st.c), append(want, st.want)
			}
			made, err := tx.CreateCases(ctx(t), cs)
			if err != nil {
				t.Fatalf("CreateCases(%v): %v", want, err)
			}
			var refs []string
			for _, c := range made {
				refs, ids = append(refs, c.Ref), append(ids, c.ID)
			}
			diff(t, "references", refs, want)
		})
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("case ids %v not increasing", ids)
	}
	if st := stats(t, s); st.Cases != int64(len(ids)) {
		t.Errorf("%d cases, want %d", st.Cases, len(ids))
	}
}

func testCaseRefRollbackGivesNumbersBack(t *testing.T, s store.Store) {
	newCase(t, s, "gemeente") // MP-2026-000001
	c := ctx(t)
	tx, err := s.Begin(c)
	if err != nil {
		t.Fatal(err)
	}
	nc := store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente"}
	if cs, err := tx.CreateCases(c, []store.NewCase{nc, nc}); err != nil || len(cs) != 2 || cs[1].Ref != "MP-2026-000003" {
		t.Fatalf("CreateCases = %v, %v", cs, err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Fatal(err)
	}
	if _, ref := newCase(t, s, "gemeente"); ref != "MP-2026-000002" {
		t.Errorf("after rollback: CreateCases = %s, want MP-2026-000002 (no gaps)", ref)
	}
}

func testCreateCasesConcurrent(t *testing.T, s store.Store) {
	createCasesConcurrently(t, []store.Store{s, s, s, s})
}

// createCasesConcurrently creates cases from one goroutine per store, a few
// per transaction, without retries, and checks that the references are
// 1..n without gaps or duplicates.
func createCasesConcurrently(t *testing.T, stores []store.Store) {
	const txs, perTx = 4, 3
	c := ctx(t)
	var (
		mu   sync.Mutex
		refs []string
		wg   sync.WaitGroup
	)
	errs := make([]error, len(stores))
	for w, s := range stores {
		wg.Go(func() {
			for range txs {
				var made []store.CaseRef
				errs[w] = inTxErr(c, s, func(tx store.Tx) error {
					var err error
					nc := store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente", Subject: fmt.Sprint("worker ", w)}
					made, err = tx.CreateCases(c, []store.NewCase{nc, nc, nc})
					return err
				})
				if errs[w] != nil {
					return
				}
				mu.Lock()
				for _, m := range made {
					refs = append(refs, m.Ref)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("CreateCases: %v", err)
	}
	var want []string
	for i := range len(stores) * txs * perTx {
		want = append(want, fmt.Sprintf("MP-2026-%06d", i+1))
	}
	slices.Sort(refs)
	diff(t, "references", refs, want)
	if st := stats(t, stores[0]); st.Cases != int64(len(want)) {
		t.Errorf("%d cases, want %d", st.Cases, len(want))
	}
}

func testCreateCasesInvalid(t *testing.T, s store.Store) {
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
			valid := store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente"}
			if cs, err := tx.CreateCases(ctx(t), []store.NewCase{valid, tc.c}); err == nil {
				t.Errorf("CreateCases(%+v) = %v, want error", tc.c, cs)
			}
		})
	}
}

func testFindCasesByRef(t *testing.T, s store.Store) {
	gemeente, gemeenteRef := newCase(t, s, "gemeente")
	sociaal, sociaalRef := newCase(t, s, "sociaalhuis")
	key := func(domain, ref string) store.DomainKey { return store.DomainKey{Domain: domain, Value: ref} }
	inTx(t, s, func(tx store.Tx) {
		fresh := newCaseTx(t, tx, "gemeente") // found in the transaction that made it
		keys := []store.DomainKey{
			key("gemeente", gemeenteRef),
			key("sociaalhuis", sociaalRef),
			key("sociaalhuis", gemeenteRef), // never across domains
			key("gemeente", sociaalRef),
			key("gemeente", "MP-2026-999999"),
			key("gemeente", ""),
			key("gemeente", fresh.Ref),
			key("gemeente", gemeenteRef), // twice
		}
		got, err := tx.FindCasesByRef(ctx(t), keys)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "FindCasesByRef", got, map[store.DomainKey]int64{
			keys[0]: gemeente, keys[1]: sociaal, keys[6]: fresh.ID,
		})
		if got, err := tx.FindCasesByRef(ctx(t), nil); err != nil || len(got) != 0 {
			t.Errorf("FindCasesByRef(nil) = %v, %v", got, err)
		}
	})
}

func testFindCasesByExternalID(t *testing.T, s store.Store) {
	older, _ := newCase(t, s, "gemeente")
	newer, _ := newCase(t, s, "gemeente")
	sociaal, _ := newCase(t, s, "sociaalhuis")
	add := func(eventID, domain, externalID string, caseID int64) *store.Message {
		m := inCase(message(eventID, domain), caseID, at(1))
		m.ExternalID = externalID
		return m
	}
	insert(t, s, add("ev-1", "gemeente", "<a@x>", older), add("ev-2", "gemeente", "<b@x>", older))
	insert(t, s, add("ev-3", "gemeente", "<b@x>", newer)) // stored later
	insert(t, s,
		add("ev-4", "gemeente", "<c@x>", 0),
		add("ev-5", "sociaalhuis", "<a@x>", sociaal),
		add("ev-6", "sociaalhuis", "<only-sociaal@x>", sociaal),
		add("ev-7", "gemeente", "<unattached@x>", 0),
		add("ev-8", "gemeente", "", older), // an empty external id finds nothing
	)
	key := func(domain, id string) store.DomainKey { return store.DomainKey{Domain: domain, Value: id} }
	inTx(t, s, func(tx store.Tx) {
		// A message stored earlier in the same transaction counts.
		insertTx(t, tx, add("ev-9", "gemeente", "<c@x>", newer))
		keys := []store.DomainKey{
			key("gemeente", "<a@x>"),
			key("gemeente", "<b@x>"),            // the most recently stored message wins
			key("gemeente", "<c@x>"),            // the one with a case
			key("sociaalhuis", "<a@x>"),         // same id, other domain
			key("gemeente", "<only-sociaal@x>"), // never across domains
			key("gemeente", "<unattached@x>"),
			key("gemeente", "<nope@x>"),
			key("gemeente", ""),
		}
		got, err := tx.FindCasesByExternalID(ctx(t), keys)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "FindCasesByExternalID", got, map[store.DomainKey]int64{
			keys[0]: older, keys[1]: newer, keys[2]: newer, keys[3]: sociaal,
		})
		if got, err := tx.FindCasesByExternalID(ctx(t), nil); err != nil || len(got) != 0 {
			t.Errorf("FindCasesByExternalID(nil) = %v, %v", got, err)
		}
	})
}

// testFindConversationCasesOfAnyone: the newest case of a conversation,
// messages stored earlier in the same transaction included, never across
// domains.
func testFindConversationCasesOfAnyone(t *testing.T, s store.Store) {
	older, _ := newCase(t, s, "gemeente")
	newer, _ := newCase(t, s, "gemeente")
	sociaal, _ := newCase(t, s, "sociaalhuis")
	add := func(eventID, domain, conv string, caseID int64) *store.Message {
		m := inCase(message(eventID, domain), caseID, at(1))
		m.ConversationID = conv
		return m
	}
	insert(t, s, add("cv-1", "gemeente", "t_1", older), add("cv-2", "gemeente", "t_2", older))
	insert(t, s, add("cv-3", "gemeente", "t_2", newer))
	insert(t, s, add("cv-4", "sociaalhuis", "t_1", sociaal), add("cv-5", "sociaalhuis", "t_s", sociaal), add("cv-6", "gemeente", "", older))
	query := func(domain, id string) store.ConversationQuery {
		return store.ConversationQuery{Domain: domain, ConversationID: id}
	}
	inTx(t, s, func(tx store.Tx) {
		insertTx(t, tx, add("cv-7", "gemeente", "t_3", newer)) // earlier in the same transaction
		got, err := tx.FindConversationCases(ctx(t), []store.ConversationQuery{
			query("gemeente", "t_1"), query("gemeente", "t_2"), query("gemeente", "t_3"),
			query("sociaalhuis", "t_1"), query("gemeente", "t_s"), query("gemeente", "t_none"), query("gemeente", ""),
		})
		if err != nil {
			t.Fatal(err)
		}
		cases := make([]int64, len(got))
		for i, m := range got {
			cases[i] = m.CaseID
		}
		diff(t, "FindConversationCases", cases, []int64{older, newer, newer, sociaal, 0, 0, 0})
	})
}

// testFindConversationCases: a conversation's case, of anyone or of one
// contact, with the time of its last message.
func testFindConversationCases(t *testing.T, s store.Store) {
	var an, bart int64
	inTx(t, s, func(tx store.Tx) {
		ids, err := tx.UpsertContacts(ctx(t), []store.DomainContact{
			{Domain: "gemeente", Contact: store.Contact{Name: "An Peeters", FacebookID: "100"}},
			{Domain: "gemeente", Contact: store.Contact{Name: "Bart Maes", FacebookID: "200"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		an, bart = ids[0], ids[1]
	})
	anCase, _ := newCase(t, s, "gemeente")
	bartCase, _ := newCase(t, s, "gemeente")
	sociaal, _ := newCase(t, s, "sociaalhuis")
	add := func(eventID, domain, conv string, contact, caseID int64, minutes int) *store.Message {
		m := inCase(message(eventID, domain), caseID, at(minutes))
		m.ConversationID, m.ContactID, m.EventTime = conv, contact, at(minutes)
		return m
	}
	// Two people comment under one post; the town answers An.
	insert(t, s, add("fc-1", "gemeente", "post_1", an, anCase, 1), add("fc-2", "gemeente", "post_1", bart, bartCase, 2))
	insert(t, s, add("fc-3", "gemeente", "post_1", 0, anCase, 3), add("fc-4", "sociaalhuis", "post_1", an, sociaal, 4))
	inTx(t, s, func(tx store.Tx) {
		got, err := tx.FindConversationCases(ctx(t), []store.ConversationQuery{
			{Domain: "gemeente", ConversationID: "post_1"},                   // anyone's: the newest
			{Domain: "gemeente", ConversationID: "post_1", ContactID: bart},  // Bart's
			{Domain: "gemeente", ConversationID: "post_1", ContactID: an},    // An's
			{Domain: "gemeente", ConversationID: "post_1", ContactID: 99999}, // someone new
			{Domain: "gemeente", ConversationID: ""},                         // no conversation
			{Domain: "sociaalhuis", ConversationID: "post_1", ContactID: bart},
		})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "FindConversationCases", got, []store.ConversationMatch{
			{CaseID: anCase, At: stored(at(3))}, {CaseID: bartCase, At: stored(at(2))}, {CaseID: anCase, At: stored(at(1))},
			{}, {}, {},
		})
	})
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
			insert(t, s, inCase(message(fmt.Sprintf("ev-list-%d-%d", i, j), domain), id, at(j)))
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
	// The case and its messages in one transaction, the messages newest
	// first: GetCase orders them by event time.
	var (
		caseID int64
		ref    string
		msgs   = make([]*store.Message, 3)
		ids    = make([]int64, 3)
	)
	inTx(t, s, func(tx store.Tx) {
		cs, err := tx.CreateCases(ctx(t), []store.NewCase{{
			Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "melding",
			Subject: "Straatlamp", Channel: "email", ContactID: contactID, OpenedAt: at(-60),
		}})
		if err != nil {
			t.Fatal(err)
		}
		caseID, ref = cs[0].ID, cs[0].Ref
		for i := range msgs {
			m := inCase(message(fmt.Sprint("ev-get-", i), "gemeente"), caseID, at(i))
			m.EventTime = at(i)
			m.Attachments = m.Attachments[:i]
			msgs[i] = m
		}
		insertTx(t, tx, msgs[2], msgs[1], msgs[0])
		for i, m := range msgs {
			ids[i] = m.ID
		}
	})
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

func testRoutedCase(t *testing.T, s store.Store) {
	ack, answer := at(10*24*60).Truncate(time.Microsecond), at(45*24*60).Truncate(time.Microsecond)
	var ref store.CaseRef
	inTx(t, s, func(tx store.Tx) {
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{{
			Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Subject: "Klacht", Channel: "email",
			OpenedAt: at(0), Department: "openbare-werken", Priority: "hoog", AckDue: &ack, AnswerDue: &answer,
		}, {
			Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Subject: "Vraag", Channel: "email", OpenedAt: at(0),
		}})
		if err != nil {
			t.Fatal(err)
		}
		ref = refs[0]
		insertTx(t, tx, inCase(message("routed-1", "gemeente"), refs[0].ID, at(1)), inCase(message("routed-2", "gemeente"), refs[1].ID, at(1)))
	})
	got, err := s.GetCase(ctx(t), ref.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != "klacht" || got.Department != "openbare-werken" || got.Priority != "hoog" ||
		got.AckDue == nil || !got.AckDue.Equal(ack) || got.AnswerDue == nil || !got.AnswerDue.Equal(answer) {
		t.Errorf("routed case = %+v (want ack %v, answer %v)", got.Case, ack, answer)
	}
	cases, err := s.ListCases(ctx(t), store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Ref != ref.Ref && (c.AckDue != nil || c.AnswerDue != nil || c.Priority != "") {
			t.Errorf("unrouted case %+v has routing", c)
		}
	}
}

func testDeadlines(t *testing.T, s store.Store) {
	now := at(0).Truncate(time.Microsecond)
	due := func(hours int) *time.Time { d := now.Add(time.Duration(hours) * time.Hour); return &d }
	var ids []store.CaseRef
	inTx(t, s, func(tx store.Tx) {
		var err error
		ids, err = tx.CreateCases(ctx(t), []store.NewCase{
			{Prefix: "DL", Year: 2026, Domain: "gemeente", Type: "klacht", Department: "milieu", OpenedAt: now, AnswerDue: due(-2)},    // overdue
			{Prefix: "DL", Year: 2026, Domain: "gemeente", Type: "vraag", Department: "milieu", OpenedAt: now, AnswerDue: due(20)},     // due soon
			{Prefix: "DL", Year: 2026, Domain: "gemeente", Type: "vraag", Department: "financien", OpenedAt: now, AnswerDue: due(500)}, // later
			{Prefix: "DL", Year: 2026, Domain: "gemeente", OpenedAt: now},                                                              // no deadline
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range ids {
			insertTx(t, tx, inCase(message(fmt.Sprintf("dl-%d", i), "gemeente"), c.ID, at(1)))
		}
	})
	d, err := s.CountDeadlines(ctx(t), now, now.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if d.Overdue != 1 || d.DueSoon != 1 {
		t.Errorf("CountDeadlines = %+v, want 1 overdue and 1 due soon", d)
	}
	before := now.Add(48 * time.Hour)
	got, err := s.ListCases(ctx(t), store.CaseFilter{Open: true, AnswerDueBefore: &before})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("due within 48 h: %d cases, want 2", len(got))
	}
	got, err = s.ListCases(ctx(t), store.CaseFilter{Department: "financien"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Ref != ids[2].Ref {
		t.Errorf("department filter: %+v", got)
	}
}

func testRepeats(t *testing.T, s store.Store) {
	var an, bart int64
	var anCase, bartCase, sociaalCase store.CaseRef
	inTx(t, s, func(tx store.Tx) {
		ids, err := tx.UpsertContacts(ctx(t), []store.DomainContact{
			{Domain: "gemeente", Contact: store.Contact{Name: "An Peeters", Email: "an@example.be"}},
			{Domain: "gemeente", Contact: store.Contact{Name: "Bart Maes", Email: "bart@example.be"}},
			{Domain: "sociaalhuis", Contact: store.Contact{Name: "An Peeters", Email: "an@example.be"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		an, bart = ids[0], ids[1]
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{
			{Prefix: "RP", Year: 2026, Domain: "gemeente", ContactID: an, OpenedAt: at(0)},
			{Prefix: "RP", Year: 2026, Domain: "gemeente", ContactID: bart, OpenedAt: at(0)},
			{Prefix: "RP", Year: 2026, Domain: "sociaalhuis", ContactID: ids[2], OpenedAt: at(0)},
		})
		if err != nil {
			t.Fatal(err)
		}
		anCase, bartCase, sociaalCase = refs[0], refs[1], refs[2]
		m := inCase(message("rp-1", "gemeente"), anCase.ID, at(1))
		m.Subject, m.Text = "Afval", "Mijn afval werd niet opgehaald."
		insertTx(t, tx, m, inCase(message("rp-2", "gemeente"), bartCase.ID, at(1)), inCase(message("rp-3", "sociaalhuis"), sociaalCase.ID, at(1)))
	})
	inTx(t, s, func(tx store.Tx) {
		got, err := tx.FindRepeatCandidates(ctx(t), []store.RepeatQuery{
			{Domain: "gemeente", ContactID: an, Since: at(-60)},        // by contact
			{Domain: "gemeente", Name: "an peeters", Since: at(-60)},   // by name, another address
			{Domain: "gemeente", Name: "Nobody", Since: at(-60)},       // nobody
			{Domain: "gemeente", ContactID: an, Since: at(60)},         // too long ago
			{Domain: "sociaalhuis", Name: "Bart Maes", Since: at(-60)}, // never across domains
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 || len(got[0]) != 1 || got[0][0].CaseID != anCase.ID || got[0][0].Text != "Afval\nMijn afval werd niet opgehaald." || got[0][0].Subject != "Afval" ||
			len(got[1]) != 1 || got[1][0].CaseID != anCase.ID || len(got[2]) != 0 || len(got[3]) != 0 || len(got[4]) != 0 {
			t.Errorf("FindRepeatCandidates = %+v", got)
		}
		if err := tx.MarkRepeats(ctx(t), []store.Repeat{{CaseID: anCase.ID, At: at(2), Detail: "burger vraagt opnieuw"}, {CaseID: anCase.ID, At: at(3)}}); err != nil {
			t.Fatal(err)
		}
	})
	d, err := s.GetCase(ctx(t), anCase.Ref)
	if err != nil {
		t.Fatal(err)
	}
	repeats := 0
	for _, e := range d.Timeline {
		if e.Kind == "repeat" {
			repeats++
		}
	}
	if d.RepeatCount != 2 || repeats != 2 {
		t.Errorf("repeat count %d, %d repeat timeline entries; want 2 and 2", d.RepeatCount, repeats)
	}
}

func testStatuses(t *testing.T, s store.Store) {
	var c store.CaseRef
	inTx(t, s, func(tx store.Tx) {
		c = newCaseTx(t, tx, "gemeente")
		insertTx(t, tx, inCase(message("st-1", "gemeente"), c.ID, at(1)))
	})
	inTx(t, s, func(tx store.Tx) {
		got, err := tx.CaseStatuses(ctx(t), []int64{c.ID, 999999})
		if err != nil || len(got) != 1 || got[c.ID] != store.StatusNew {
			t.Fatalf("CaseStatuses = %v, %v", got, err)
		}
		if err := tx.SetStatuses(ctx(t), []store.StatusChange{{CaseID: c.ID, Status: store.StatusClosed, Actor: "an@meldegem.be", At: at(5)}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetStatuses(ctx(t), []store.StatusChange{{CaseID: c.ID, Status: "weg"}}); err == nil {
			t.Error("an unknown status was accepted")
		}
	})
	d, err := s.GetCase(ctx(t), c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.StatusClosed || d.ClosedAt == nil {
		t.Errorf("closed case %+v", d.Case)
	}
	inTx(t, s, func(tx store.Tx) {
		if err := tx.SetStatuses(ctx(t), []store.StatusChange{{CaseID: c.ID, Status: store.StatusInProgress, At: at(9), Detail: "burger schreef opnieuw"}}); err != nil {
			t.Fatal(err)
		}
	})
	if d, err = s.GetCase(ctx(t), c.Ref); err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, e := range d.Timeline {
		if e.Kind == "status" {
			changes = append(changes, e.Detail)
		}
	}
	want := []string{"nieuw → afgesloten", "afgesloten → in behandeling: burger schreef opnieuw"}
	if d.Status != store.StatusInProgress || d.ClosedAt != nil || !slices.Equal(changes, want) {
		t.Errorf("reopened case %+v, status changes %q, want %q", d.Case, changes, want)
	}
}

func testUnassigned(t *testing.T, s store.Store) {
	c, _ := newCase(t, s, "gemeente")
	insert(t, s, inCase(message("ua-1", "gemeente"), 0, at(1)), inCase(message("ua-2", "sociaalhuis"), 0, at(2)),
		inCase(message("ua-3", "gemeente"), c, at(3)))
	all, err := s.ListUnassigned(ctx(t), nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	gem, err := s.ListUnassigned(ctx(t), []string{"gemeente"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range all {
		ids = append(ids, m.EventID)
	}
	if !slices.Equal(ids, []string{"ua-2", "ua-1"}) || len(gem) != 1 || gem[0].EventID != "ua-1" {
		t.Errorf("ListUnassigned = %v; gemeente only: %d", ids, len(gem))
	}
}

func testRelated(t *testing.T, s store.Store) {
	var first store.CaseRef
	var an int64
	inTx(t, s, func(tx store.Tx) {
		ids, err := tx.UpsertContacts(ctx(t), []store.DomainContact{{Domain: "gemeente", Contact: store.Contact{Email: "an@example.be"}}})
		if err != nil {
			t.Fatal(err)
		}
		an = ids[0]
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{{Prefix: "RL", Year: 2026, Domain: "gemeente", ContactID: an, OpenedAt: at(0),
			Place: "kerkstraat 12 9999 meldegem", Category: "straatverlichting"}})
		if err != nil {
			t.Fatal(err)
		}
		first = refs[0]
		insertTx(t, tx, inCase(message("rl-1", "gemeente"), first.ID, at(1)))
	})
	inTx(t, s, func(tx store.Tx) {
		q := store.RelatedQuery{Domain: "gemeente", Place: "kerkstraat 12 9999 meldegem", Category: "straatverlichting", Since: at(-60)}
		same, self, other, elsewhere := q, q, q, q
		self.ContactID = an
		other.Category = "sluikstort"
		elsewhere.Domain = "sociaalhuis"
		got, err := tx.FindRelatedCases(ctx(t), []store.RelatedQuery{same, self, other, elsewhere, {Domain: "gemeente"}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []int64{first.ID, 0, 0, 0, 0}) {
			t.Errorf("FindRelatedCases = %v, want [%d 0 0 0 0]", got, first.ID)
		}
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{{Prefix: "RL", Year: 2026, Domain: "gemeente", OpenedAt: at(2), RelatedCaseID: first.ID}})
		if err != nil {
			t.Fatal(err)
		}
		insertTx(t, tx, inCase(message("rl-2", "gemeente"), refs[0].ID, at(3)))
		first = refs[0]
	})
	d, err := s.GetCase(ctx(t), first.Ref)
	if err != nil || d.RelatedCaseID == 0 {
		t.Errorf("related case not stored: %+v, %v", d.Case, err)
	}
}

func testComplaints(t *testing.T, s store.Store) {
	var refs []store.CaseRef
	inTx(t, s, func(tx store.Tx) {
		var err error
		refs, err = tx.CreateCases(ctx(t), []store.NewCase{
			{Prefix: "KL", Year: 2026, Domain: "gemeente", Type: "klacht", Department: "milieu", Channel: "email", OpenedAt: at(0)},
			{Prefix: "KL", Year: 2026, Domain: "gemeente", Type: "vraag", OpenedAt: at(0)},
			{Prefix: "KL", Year: 2026, Domain: "gemeente", Type: "klacht", OpenedAt: at(100000)}, // outside the period
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range refs {
			insertTx(t, tx, inCase(message(fmt.Sprintf("kl-%d", i), "gemeente"), r.ID, at(1)))
		}
	})
	inTx(t, s, func(tx store.Tx) {
		if err := tx.SetStatuses(ctx(t), []store.StatusChange{{CaseID: refs[0].ID, Status: store.StatusAnswered, At: at(60)}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetStatuses(ctx(t), []store.StatusChange{{CaseID: refs[0].ID, Status: store.StatusClosed, At: at(120)}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetAdmissible(ctx(t), refs[0].ID, false, "feiten ouder dan een jaar", "els", at(61)); err != nil {
			t.Fatal(err)
		}
	})
	got, err := s.ListComplaints(ctx(t), at(-10), at(10))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Ref != refs[0].Ref {
		t.Fatalf("ListComplaints = %+v", got)
	}
	c := got[0]
	if c.AnsweredAt == nil || !c.AnsweredAt.Equal(at(60).Truncate(time.Microsecond)) || c.Admissible == nil || *c.Admissible ||
		c.InadmissibleReason != "feiten ouder dan een jaar" {
		t.Errorf("complaint %+v (answered %v, admissible %v)", c, c.AnsweredAt, c.Admissible)
	}
}
