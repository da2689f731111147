package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) PutBlob(ctx context.Context, b store.Blob) error {
	if err := driverutil.CheckBlob(b); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO blobs (sha256, content_type, size, data, stored_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (sha256) DO NOTHING`,
		b.SHA256, driverutil.Clean(b.ContentType), len(b.Data), nonNil(b.Data), at(time.Time{}))
	if err != nil {
		return fmt.Errorf("put blob %s: %w", b.SHA256, err)
	}
	return nil
}

func (s *Store) HasBlobs(ctx context.Context, sums []string) (map[string]bool, error) {
	has := make(map[string]bool, len(sums))
	if len(sums) == 0 {
		return has, nil
	}
	for _, sum := range sums {
		has[sum] = false
	}
	rows, err := s.pool.Query(ctx, `SELECT sha256 FROM blobs WHERE sha256 = ANY($1)`, sums)
	if err != nil {
		return nil, fmt.Errorf("look up blobs: %w", err)
	}
	var sum string
	if _, err := pgx.ForEachRow(rows, []any{&sum}, func() error {
		has[sum] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("look up blobs: %w", err)
	}
	return has, nil
}

func (s *Store) Blob(ctx context.Context, sha256 string) (store.Blob, error) {
	b := store.Blob{SHA256: sha256}
	err := s.pool.QueryRow(ctx, `SELECT content_type, data FROM blobs WHERE sha256 = $1`, sha256).Scan(&b.ContentType, &b.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Blob{}, errNotFound("blob %s", sha256)
	}
	if err != nil {
		return store.Blob{}, fmt.Errorf("read blob %s: %w", sha256, err)
	}
	return b, nil
}
