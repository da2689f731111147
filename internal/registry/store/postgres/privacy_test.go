package postgres

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/storetest"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

var _ storetest.TraceFinder = (*Store)(nil)

// FindTraces implements storetest.TraceFinder: it reads every column of
// every table and materialized view of the store's schema, as the
// catalogue lists them (bytea as bytes, anything else as its text form),
// and asks every tsvector column for each needle with a tsquery in every
// text search configuration, since a tsvector holds stems, not the text.
func (s *Store) FindTraces(ctx context.Context, needles []string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.oid::bigint, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'm') ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	type table struct {
		OID  int64
		Name string
	}
	tables, err := pgx.CollectRows(rows, pgx.RowToStructByPos[table])
	if err != nil {
		return nil, err
	}
	var found []string
	for _, t := range tables {
		rows, err := s.pool.Query(ctx, `
			SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
			WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, t.OID)
		if err != nil {
			return nil, err
		}
		type column struct{ Name, Type string }
		cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[column])
		if err != nil {
			return nil, err
		}
		tableIdent := pgx.Identifier{t.Name}.Sanitize()
		var selects []string
		for _, c := range cols {
			ident := pgx.Identifier{c.Name}.Sanitize()
			switch c.Type {
			case "bytea":
				selects = append(selects, ident)
			case "tsvector":
				selects = append(selects, ident+"::text")
				for _, n := range needles {
					var hits int
					if err := s.pool.QueryRow(ctx, `
						SELECT count(*) FROM `+tableIdent+` t WHERE EXISTS (
							SELECT 1 FROM pg_ts_config cfg WHERE t.`+ident+` @@ plainto_tsquery(cfg.oid::regconfig, $1))`, n).Scan(&hits); err != nil {
						return nil, fmt.Errorf("query %s.%s: %w", t.Name, c.Name, err)
					}
					if hits > 0 {
						found = append(found, fmt.Sprintf("%s.%s (tsvector): %s", t.Name, c.Name, n))
					}
				}
			default:
				selects = append(selects, ident+"::text")
			}
		}
		if len(selects) == 0 {
			continue
		}
		rows, err = s.pool.Query(ctx, `SELECT `+strings.Join(selects, ", ")+` FROM `+tableIdent)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.Name, err)
		}
		vals := make([][]byte, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		_, err = pgx.ForEachRow(rows, ptrs, func() error {
			for i, v := range vals {
				lower := bytes.ToLower(v)
				for _, n := range needles {
					if bytes.Contains(lower, bytes.ToLower([]byte(n))) {
						found = append(found, fmt.Sprintf("%s.%s: %s", t.Name, cols[i].Name, n))
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.Name, err)
		}
	}
	return found, nil
}

// TestEraseCleansSearchColumns: a generated tsvector column and a search
// table kept by a trigger, as a search feature builds them, hold nothing
// of an erased citizen.
func TestEraseCleansSearchColumns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(ctx, pgtest.DSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `
		ALTER TABLE messages ADD COLUMN test_tsv tsvector
			GENERATED ALWAYS AS (to_tsvector('dutch', sender_name || ' ' || subject || ' ' || text)) STORED;
		CREATE TABLE test_search (message_id bigint PRIMARY KEY, body text NOT NULL, tsv tsvector NOT NULL);
		CREATE FUNCTION test_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO test_search VALUES (NEW.id, NEW.sender_name || ' ' || NEW.text, to_tsvector('simple', NEW.sender_name || ' ' || NEW.text))
			ON CONFLICT (message_id) DO UPDATE SET body = EXCLUDED.body, tsv = EXCLUDED.tsv;
			RETURN NEW;
		END $$;
		CREATE TRIGGER test_search_sync AFTER INSERT OR UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION test_search_sync();`); err != nil {
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
		ms = append(ms, &store.Message{EventID: fmt.Sprint("ts-", i), Channel: "email", Domain: "gemeente", ContactID: id,
			SenderName: name, Subject: "Meldingen", Text: "Brief van " + name + " over de wegenwerken", Event: []byte(`{}`)})
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
	if found, err := s.FindTraces(ctx, []string{"Quaghebeur"}); err != nil || len(found) < 3 {
		t.Errorf("FindTraces(other citizen) = %v, %v; want kept in the messages and both indexes", found, err)
	}
}
