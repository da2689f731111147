package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// tx is a store.Tx over a database/sql transaction.
type tx struct {
	tx *sql.Tx
}

func (t *tx) Commit(ctx context.Context) error {
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (t *tx) Rollback(ctx context.Context) error {
	if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// each runs f for i in [0, n) with query prepared as s, in the
// transaction: the loops of the batch methods. SQLite runs in this process,
// so a statement per row costs no round trip.
func (t *tx) each(ctx context.Context, query string, n int, f func(s *sql.Stmt, i int) error) error {
	if n == 0 {
		return nil
	}
	s, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer s.Close()
	for i := range n {
		if err := f(s, i); err != nil {
			return err
		}
	}
	return s.Close()
}

// timeFormat has a fixed width, so stored times sort as text.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

// at is t in UTC truncated as stored, or now for a zero t.
func at(t time.Time) time.Time { return driverutil.TimeOrNow(t) }

// formatTime is t as stored: UTC, microseconds.
func formatTime(t time.Time) string { return driverutil.Time(t).Format(timeFormat) }

// nullTime is t as a query argument: NULL for nil.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

// nullID is id as a query argument: NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nonNil keeps a NOT NULL blob column from receiving NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// timeColumn scans a stored time.
type timeColumn struct{ t *time.Time }

func (c timeColumn) Scan(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("time column holds %T, want text", v)
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return err
	}
	*c.t = t.UTC()
	return nil
}

// nullTimeColumn scans a nullable stored time.
type nullTimeColumn struct{ t **time.Time }

func (c nullTimeColumn) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeColumn{&t}).Scan(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// nullIDColumn scans a nullable id: 0 for NULL.
type nullIDColumn struct{ id *int64 }

func (c nullIDColumn) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.id = 0
	case int64:
		*c.id = v
	default:
		return fmt.Errorf("id column holds %T, want integer", v)
	}
	return nil
}
