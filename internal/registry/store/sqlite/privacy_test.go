package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/storetest"
)

var _ storetest.TraceFinder = (*Store)(nil)

// FindTraces implements storetest.TraceFinder: it reads every column of
// every table sqlite_master lists (FTS shadow tables and virtual tables
// included) and asks every FTS index with a MATCH for each needle, whose
// tokens the shadow tables hold in a compressed form.
func (s *Store) FindTraces(ctx context.Context, needles []string) ([]string, error) {
	type table struct{ name, sql string }
	var tables []table
	rows, err := s.read.QueryContext(ctx, `SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.name, &t.sql); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	var found []string
	for _, t := range tables {
		ident := `"` + strings.ReplaceAll(t.name, `"`, `""`) + `"`
		sql := strings.ToLower(t.sql)
		if strings.HasPrefix(sql, "create virtual table") && strings.Contains(sql, " fts") {
			for _, n := range needles {
				var hits int
				phrase := `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
				if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM `+ident+` WHERE `+ident+` MATCH ?`, phrase).Scan(&hits); err != nil {
					return nil, fmt.Errorf("match %s: %w", t.name, err)
				}
				if hits > 0 {
					found = append(found, fmt.Sprintf("%s (full-text index): %s", t.name, n))
				}
			}
		}
		rows, err := s.read.QueryContext(ctx, `SELECT * FROM `+ident)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.name, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return nil, err
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read %s: %w", t.name, err)
			}
			for i, v := range vals {
				var b []byte
				switch v := v.(type) {
				case string:
					b = []byte(v)
				case []byte:
					b = v
				default:
					continue
				}
				lower := bytes.ToLower(b)
				for _, n := range needles {
					if bytes.Contains(lower, bytes.ToLower([]byte(n))) {
						found = append(found, fmt.Sprintf("%s.%s: %s", t.name, cols[i], n))
					}
				}
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("read %s: %w", t.name, err)
		}
	}
	return found, nil
}

// TestEraseCleansFullTextIndex: a full-text index kept by triggers, as a
// search feature builds one, holds nothing of an erased citizen: erasure
// updates the rows it indexes and merges the index, so the deleted terms
// leave its segments too.
func TestEraseCleansFullTextIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := openT(t, filepath.Join(t.TempDir(), "meldpunt.db"), BusyTimeout)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, `
		CREATE VIRTUAL TABLE test_search USING fts5(subject, text, sender_name, content='messages', content_rowid='id');
		CREATE TRIGGER test_search_ai AFTER INSERT ON messages BEGIN
			INSERT INTO test_search(rowid, subject, text, sender_name) VALUES (new.id, new.subject, new.text, new.sender_name);
		END;
		CREATE TRIGGER test_search_au AFTER UPDATE ON messages BEGIN
			INSERT INTO test_search(test_search, rowid, subject, text, sender_name) VALUES ('delete', old.id, old.subject, old.text, old.sender_name);
			INSERT INTO test_search(rowid, subject, text, sender_name) VALUES (new.id, new.subject, new.text, new.sender_name);
		END;`); err != nil {
		t.Fatal(err)
	}
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var contacts []int64
	var ms []*store.Message
	for i, name := range []string{"Wannes Zwijsenbergh", "Lotte Quaghebeur"} {
		id, err := tx.UpsertContact(ctx, "gemeente", store.Contact{Name: name, Email: fmt.Sprintf("c%d@voorbeeld.be", i)})
		if err != nil {
			t.Fatal(err)
		}
		contacts = append(contacts, id)
		// Many messages, so the index has several segments.
		for j := range 40 {
			ms = append(ms, &store.Message{EventID: fmt.Sprintf("fts-%d-%d", i, j), Channel: "email", Domain: "gemeente",
				ContactID: id, SenderName: name, Subject: "Melding", Text: "Brief van " + name + " over de wegenwerken",
				Event: []byte(`{}`)})
		}
	}
	if err := tx.InsertMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Zwijsenbergh", "Quaghebeur"} {
		if found, err := s.FindTraces(ctx, []string{n}); err != nil || len(found) == 0 {
			t.Fatalf("FindTraces(%s) before = %v, %v", n, found, err)
		}
	}
	if _, err := s.EraseContact(ctx, store.Erasure{ContactID: contacts[0], Actor: "privacy", Reason: "verzoek"}); err != nil {
		t.Fatal(err)
	}
	if found, err := s.FindTraces(ctx, []string{"Zwijsenbergh", "Wannes"}); err != nil || len(found) != 0 {
		t.Errorf("FindTraces after erasure = %v, %v; want nothing", found, err)
	}
	if found, err := s.FindTraces(ctx, []string{"Quaghebeur"}); err != nil || len(found) == 0 {
		t.Errorf("FindTraces(other citizen) = %v, %v; want kept", found, err)
	}
	var hits int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM test_search WHERE test_search MATCH 'wegenwerken'`).Scan(&hits); err != nil || hits != 40 {
		t.Errorf("the index finds %d messages of the other citizen, %v; want 40", hits, err)
	}
}
