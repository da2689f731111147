package storetest

import (
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testUpsertContact(t *testing.T, s store.Store) {
	// Each step runs in its own transaction, in order; same names the same
	// contact, "" a new one; 0 expects id 0.
	type step struct {
		name   string
		domain string
		c      store.Contact
		same   string // name of an earlier step whose contact this must be
		zero   bool
	}
	steps := []step{
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
	ids := map[string]int64{}
	seen := map[int64]string{}
	for _, st := range steps {
		inTx(t, s, func(tx store.Tx) {
			id, err := tx.UpsertContact(ctx(t), st.domain, st.c)
			if err != nil {
				t.Fatalf("%s: UpsertContact: %v", st.name, err)
			}
			switch {
			case st.zero:
				if id != 0 {
					t.Errorf("%s: id %d, want 0", st.name, id)
				}
			case st.same != "":
				if id != ids[st.same] {
					t.Errorf("%s: id %d, want %d (%s)", st.name, id, ids[st.same], st.same)
				}
			default:
				if other, ok := seen[id]; ok || id == 0 {
					t.Errorf("%s: id %d, want a new contact (have %s)", st.name, id, other)
				}
			}
			ids[st.name] = id
			seen[id] = st.name
		})
	}

	// Fields were filled in, never overwritten: "jan" kept its first e-mail
	// and got the phone, so "other@example.org" is not Jan's.
	inTx(t, s, func(tx store.Tx) {
		id, err := tx.UpsertContact(ctx(t), "gemeente", store.Contact{Email: "other@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if id == ids["jan"] {
			t.Error("an e-mail address overwrote the contact's first one")
		}
	})
}
