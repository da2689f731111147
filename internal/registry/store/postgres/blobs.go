package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// PutBlobs inserts in sha256 order: two transactions storing the same new
// blobs wait for each other's rows one way round, never both ways.
func (t *tx) PutBlobs(ctx context.Context, bs []store.Blob) error {
	if len(bs) == 0 {
		return nil
	}
	for _, b := range bs {
		if err := driverutil.CheckBlob(b); err != nil {
			return fmt.Errorf("put blobs: %w", err)
		}
	}
	bs = slices.SortedStableFunc(slices.Values(bs), func(a, b store.Blob) int { return strings.Compare(a.SHA256, b.SHA256) })
	bs = slices.CompactFunc(bs, func(a, b store.Blob) bool { return a.SHA256 == b.SHA256 })
	sums, types, sizes, data := make([]string, len(bs)), make([]string, len(bs)), make([]int64, len(bs)), make([][]byte, len(bs))
	for i, b := range bs {
		sums[i], types[i], sizes[i], data[i] = b.SHA256, driverutil.Clean(b.ContentType), int64(len(b.Data)), nonNil(b.Data)
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO blobs (sha256, content_type, size, data, stored_at)
		SELECT sha256, content_type, size, data, $5
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[]) AS b(sha256, content_type, size, data)
		ON CONFLICT (sha256) DO NOTHING`,
		sums, types, sizes, data, at(time.Time{}))
	if err != nil {
		return fmt.Errorf("put %d blobs: %w", len(bs), err)
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
