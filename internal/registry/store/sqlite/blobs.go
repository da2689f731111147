package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) PutBlob(ctx context.Context, b store.Blob) error {
	if err := driverutil.CheckBlob(b); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	_, err := t.tx.ExecContext(ctx, `
		INSERT INTO blobs (sha256, content_type, size, data, stored_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`,
		b.SHA256, driverutil.Clean(b.ContentType), len(b.Data), nonNil(b.Data), formatTime(at(time.Time{})))
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
	list, err := json.Marshal(sums)
	if err != nil {
		return nil, fmt.Errorf("look up blobs: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT sha256 FROM blobs WHERE sha256 IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("look up blobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sum string
		if err := rows.Scan(&sum); err != nil {
			return nil, fmt.Errorf("look up blobs: %w", err)
		}
		has[sum] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up blobs: %w", err)
	}
	return has, nil
}

func (s *Store) Blob(ctx context.Context, sha256 string) (store.Blob, error) {
	b := store.Blob{SHA256: sha256}
	err := s.read.QueryRowContext(ctx, `SELECT content_type, data FROM blobs WHERE sha256 = ?`, sha256).Scan(&b.ContentType, &b.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Blob{}, errNotFound("blob %s", sha256)
	}
	if err != nil {
		return store.Blob{}, fmt.Errorf("read blob %s: %w", sha256, err)
	}
	return b, nil
}
