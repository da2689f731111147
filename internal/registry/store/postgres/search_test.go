package postgres_test

import (
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// FuzzSearchText: whatever staff type, searching answers without an error.
func FuzzSearchText(f *testing.F) {
	for _, s := range []string{"straatlampen", `"kerk straat" -lamp or afval`, "MP-2026-000001", `"`, `a"b`, "!!", "a & b | c",
		"(lamp", ":*", "0477 12 34 56", "café", "\x00\xff", "- -- -\"\"", "or or", "'", `\`} {
		f.Add(s)
	}
	st, err := postgres.Open(f.Context(), pgtest.DSN(f), nil)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(f.Context()); err != nil {
		f.Fatal(err)
	}
	tx, err := st.Begin(f.Context())
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if err := tx.InsertMessages(f.Context(), []*store.Message{{EventID: "ev", Channel: "email", Domain: "gemeente",
		Subject: "Kapotte straatlamp", Text: "De lamp in de Kerkstraat brandt niet.", SenderName: "Jan Peeters",
		EventTime: at, StoredAt: at, Event: []byte(`{}`)}}); err != nil {
		f.Fatal(err)
	}
	if err := tx.Commit(f.Context()); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if _, err := st.SearchMessages(t.Context(), store.SearchQuery{Text: text, Domains: []string{"gemeente"}}); err != nil {
			t.Fatalf("SearchMessages(%q): %v", text, err)
		}
		if _, err := st.ListContacts(t.Context(), store.ContactQuery{Text: text, Domains: []string{"gemeente"}}); err != nil {
			t.Fatalf("ListContacts(%q): %v", text, err)
		}
	})
}
