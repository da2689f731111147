package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// contactStep is one contact to upsert, in order; same names the step whose
// contact this must be, "" a new one; zero expects id 0.
type contactStep struct {
	name   string
	domain string
	c      store.Contact
	same   string
	zero   bool
}

var contactSteps = []contactStep{
	{name: "empty", domain: "gemeente", zero: true},
	{name: "blank", domain: "gemeente", c: store.Contact{Name: "  ", Email: " "}, zero: true},
	{name: "jan", domain: "gemeente", c: store.Contact{Name: "Jan", Email: "Jan@Example.org"}},
	{name: "jan by email any case", domain: "gemeente", c: store.Contact{Email: " jan@example.ORG "}, same: "jan"},
	{name: "jan adds phone", domain: "gemeente", c: store.Contact{Email: "jan@example.org", Phone: "+32 9 123 45 67"}, same: "jan"},
	{name: "jan by phone", domain: "gemeente", c: store.Contact{Phone: "0032 (9) 123.45.67"}, same: "jan"},
	{name: "jan by phone, new email", domain: "gemeente", c: store.Contact{Email: "other@example.org", Phone: "+3291234567"}, same: "jan"},
	{name: "jan in sociaalhuis", domain: "sociaalhuis", c: store.Contact{Email: "jan@example.org"}},
	{name: "piet on facebook", domain: "gemeente", c: store.Contact{Name: "Piet", FacebookID: "1234"}},
	{name: "piet by facebook", domain: "gemeente", c: store.Contact{FacebookID: "1234", Email: "piet@example.org"}, same: "piet on facebook"},
	{name: "piet by new email", domain: "gemeente", c: store.Contact{Email: "PIET@example.org"}, same: "piet on facebook"},
	{name: "email wins over phone", domain: "gemeente", c: store.Contact{Email: "piet@example.org", Phone: "+32 9 123 45 67"}, same: "piet on facebook"},
	{name: "letter without keys", domain: "gemeente", c: store.Contact{Name: "An", Address: "Markt 1"}},
	{name: "letter again is new", domain: "gemeente", c: store.Contact{Name: "An", Address: "Markt 1"}},
}

// checkContactIDs checks ids[i], the contact of contactSteps[i].
func checkContactIDs(t *testing.T, ids []int64) {
	t.Helper()
	byName := map[string]int64{}
	seen := map[int64]string{}
	for i, st := range contactSteps {
		id := ids[i]
		switch {
		case st.zero:
			if id != 0 {
				t.Errorf("%s: id %d, want 0", st.name, id)
			}
		case st.same != "":
			if id != byName[st.same] {
				t.Errorf("%s: id %d, want %d (%s)", st.name, id, byName[st.same], st.same)
			}
		default:
			if other, ok := seen[id]; ok || id == 0 {
				t.Errorf("%s: id %d, want a new contact (have %s)", st.name, id, other)
			}
		}
		byName[st.name] = id
		seen[id] = st.name
	}
}

// checkContactsFilledIn: fields were filled in, never overwritten: "jan"
// kept its first e-mail and got the phone, so "other@example.org" is not
// Jan's.
func checkContactsFilledIn(t *testing.T, s store.Store, domain string, jan int64) {
	t.Helper()
	inTx(t, s, func(tx store.Tx) {
		ids, err := tx.UpsertContacts(ctx(t), []store.DomainContact{
			{Domain: domain, Contact: store.Contact{Email: "other@example.org"}},
			{Domain: domain, Contact: store.Contact{Phone: "+32 9 123 45 67"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if ids[0] == jan {
			t.Error("an e-mail address overwrote the contact's first one")
		}
		if ids[1] != jan {
			t.Errorf("by phone: contact %d, want %d", ids[1], jan)
		}
	})
}

// testUpsertContact runs each step in its own transaction.
func testUpsertContact(t *testing.T, s store.Store) {
	ids := make([]int64, len(contactSteps))
	for i, st := range contactSteps {
		inTx(t, s, func(tx store.Tx) {
			var err error
			if ids[i], err = tx.UpsertContact(ctx(t), st.domain, st.c); err != nil {
				t.Fatalf("%s: UpsertContact: %v", st.name, err)
			}
		})
	}
	checkContactIDs(t, ids)
	checkContactsFilledIn(t, s, "gemeente", ids[2])
}

// testUpsertContacts runs all steps in one call: a contact must find what
// earlier ones in the same call created or filled in. Then it runs them
// again, and every contact is found.
func testUpsertContacts(t *testing.T, s store.Store) {
	var cs []store.DomainContact
	for _, st := range contactSteps {
		cs = append(cs, store.DomainContact{Domain: st.domain, Contact: st.c})
	}
	var first []int64
	inTx(t, s, func(tx store.Tx) {
		var err error
		if first, err = tx.UpsertContacts(ctx(t), cs); err != nil || len(first) != len(cs) {
			t.Fatalf("UpsertContacts = %v, %v", first, err)
		}
	})
	checkContactIDs(t, first)
	inTx(t, s, func(tx store.Tx) {
		again, err := tx.UpsertContacts(ctx(t), cs[:len(cs)-2]) // the letters without keys would be new
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "again", again, first[:len(cs)-2])
		if ids, err := tx.UpsertContacts(ctx(t), nil); err != nil || len(ids) != 0 {
			t.Errorf("UpsertContacts(nil) = %v, %v", ids, err)
		}
	})
	checkContactsFilledIn(t, s, "gemeente", first[2])
}

func testUpsertContactsConcurrent(t *testing.T, s store.Store) {
	upsertContactsConcurrently(t, []store.Store{s, s, s, s})
}

// upsertContactsConcurrently has one goroutine per store upsert the same
// new contacts, each in another order, and checks that each citizen became
// one contact, without retries.
func upsertContactsConcurrently(t *testing.T, stores []store.Store) {
	const contacts = 6
	c := ctx(t)
	ids := make([][]int64, len(stores)) // ids[w][i]: the contact of citizen i for worker w
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for w, s := range stores {
		wg.Go(func() {
			ids[w] = make([]int64, contacts)
			var (
				cs    []store.DomainContact
				order []int // cs[i] is citizen order[i]
			)
			for i := range contacts {
				e := (i + 2*w) % contacts
				if w%2 == 1 {
					e = contacts - 1 - e
				}
				order = append(order, e)
				cs = append(cs, store.DomainContact{Domain: "gemeente", Contact: store.Contact{
					Name: fmt.Sprint("citizen ", e), Email: fmt.Sprintf("c%d@example.org", e), Phone: fmt.Sprint("+32 9 000 00 0", e),
				}})
			}
			errs[w] = inTxErr(c, s, func(tx store.Tx) error {
				got, err := tx.UpsertContacts(c, cs)
				for i, id := range got {
					ids[w][order[i]] = id
				}
				return err
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("UpsertContacts: %v", err)
	}
	for w := range stores {
		diff(t, fmt.Sprint("contacts of worker ", w), ids[w], ids[0])
	}
	if slices.Contains(ids[0], 0) || len(slices.Compact(slices.Sorted(slices.Values(ids[0])))) != contacts {
		t.Errorf("contacts %v, want %d different ones", ids[0], contacts)
	}
}
