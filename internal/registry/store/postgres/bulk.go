package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// BulkInsertMessages stores message rows the fastest way pgx knows, in one
// transaction: COPY into a temporary table, then one INSERT ... ON CONFLICT
// (event_id) DO NOTHING into messages. It writes the rows only: no
// attachments, timeline or case changes, and it sets no m.ID. It returns how
// many rows were new. Text is cleaned as InsertMessages cleans it, so both
// store identical rows.
//
// It is the ceiling the registry's throughput is measured against
// (internal/registry/bench, docs/benchmarks.md), and it can serve bulk
// imports of messages that need no case.
func (s *Store) BulkInsertMessages(ctx context.Context, ms []*store.Message) (int64, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	clean, err := driverutil.CleanMessages(ms)
	if err != nil {
		return 0, fmt.Errorf("bulk insert messages: %w", err)
	}
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return 0, fmt.Errorf("bulk insert messages: begin: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // no-op after commit

	// LIKE copies the NOT NULL of the identity column but not the identity,
	// so the id column goes: the rows get their ids in messages.
	if _, err := t.Exec(ctx, `
		CREATE TEMP TABLE bulk_messages (LIKE messages INCLUDING DEFAULTS) ON COMMIT DROP;
		ALTER TABLE bulk_messages DROP COLUMN id`); err != nil {
		return 0, fmt.Errorf("bulk insert messages: create temporary table: %w", err)
	}
	if _, err := t.CopyFrom(ctx, pgx.Identifier{"bulk_messages"}, messageCopyColumns,
		pgx.CopyFromSlice(len(clean), func(i int) ([]any, error) { return messageRow(&clean[i]) })); err != nil {
		return 0, fmt.Errorf("bulk insert messages: copy: %w", err)
	}
	columns := strings.Join(messageCopyColumns, ", ")
	tag, err := t.Exec(ctx, `INSERT INTO messages (`+columns+`) SELECT `+columns+` FROM bulk_messages
		ON CONFLICT (event_id) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("bulk insert messages: insert: %w", err)
	}
	if err := t.Commit(ctx); err != nil {
		return 0, fmt.Errorf("bulk insert messages: commit: %w", err)
	}
	return tag.RowsAffected(), nil
}
