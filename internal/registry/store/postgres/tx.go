package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// tx is a store.Tx over a pgx transaction.
type tx struct {
	tx pgx.Tx
	// newCases are cases not written yet (see CreateCases).
	newCases []newCase
}

func (t *tx) Commit(ctx context.Context) error {
	if len(t.newCases) > 0 {
		b := &pgx.Batch{}
		t.queueNewCases(b, nil)
		if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
			// Commit ends the transaction, whatever happens.
			return errors.Join(fmt.Errorf("commit: create cases: %w", err), t.Rollback(ctx))
		}
	}
	if err := t.tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (t *tx) Rollback(ctx context.Context) error {
	if err := t.tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// nullID is id as a query argument: NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullTime is t as a query argument: NULL for nil.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// id reads a nullable id column: 0 for NULL.
func id(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// utc reads a nullable time column in UTC.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// nonNil keeps a NOT NULL bytea column from receiving NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
