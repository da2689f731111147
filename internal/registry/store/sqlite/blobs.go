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

func (t *tx) PutBlobs(ctx context.Context, bs []store.Blob) error {
	for _, b := range bs {
		if err := driverutil.CheckBlob(b); err != nil {
			return fmt.Errorf("put blobs: %w", err)
		}
	}
	now := formatTime(at(time.Time{}))
	err := t.each(ctx, `
		INSERT INTO blobs (sha256, content_type, size, data, stored_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, len(bs), func(s *sql.Stmt, i int) error {
		b := bs[i]
		if _, err := s.ExecContext(ctx, b.SHA256, driverutil.Clean(b.ContentType), len(b.Data), nonNil(b.Data), now); err != nil {
			return fmt.Errorf("blob %s: %w", b.SHA256, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put blobs: %w", err)
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
