package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrNoCheckpoint is returned by GetCheckpoint for a key never written.
	ErrNoCheckpoint = errors.New("no checkpoint")
	// ErrCheckpointConflict is returned by PutCheckpoint when the checkpoint
	// is not at the given revision: another process moved it.
	ErrCheckpointConflict = errors.New("checkpoint conflict: revision changed")
)

// GetCheckpoint returns the value stored under key and its revision, to be
// passed to PutCheckpoint.
func (b *Bus) GetCheckpoint(ctx context.Context, key string) (value []byte, revision uint64, err error) {
	kv, err := b.checkpointStore(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("get checkpoint %s: %w", key, err)
	}
	entry, err := kv.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, 0, fmt.Errorf("get checkpoint %s: %w", key, ErrNoCheckpoint)
	case errors.Is(err, jetstream.ErrInvalidKey):
		return nil, 0, fmt.Errorf("get checkpoint %q: %w (build keys with CheckpointKey)", key, err)
	case err != nil:
		return nil, 0, fmt.Errorf("get checkpoint %s: %w", key, err)
	}
	return entry.Value(), entry.Revision(), nil
}

// PutCheckpoint stores value under key if the checkpoint is still at
// revision, and returns the new revision. Revision 0 creates the checkpoint
// and fails if it already exists. A checkpoint someone else moved gives
// ErrCheckpointConflict.
func (b *Bus) PutCheckpoint(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	kv, err := b.checkpointStore(ctx)
	if err != nil {
		return 0, fmt.Errorf("put checkpoint %s: %w", key, err)
	}
	var rev uint64
	if revision == 0 {
		rev, err = kv.Create(ctx, key, value)
	} else {
		rev, err = kv.Update(ctx, key, value, revision)
	}
	switch {
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		return 0, fmt.Errorf("put checkpoint %s at revision %d: %w", key, revision, ErrCheckpointConflict)
	case errors.Is(err, jetstream.ErrInvalidKey):
		return 0, fmt.Errorf("put checkpoint %q: %w (build keys with CheckpointKey)", key, err)
	case err != nil:
		return 0, fmt.Errorf("put checkpoint %s: %w", key, err)
	}
	return rev, nil
}

// CheckpointKey builds a valid key from parts such as a connector, an
// account and a mailbox name. Parts are joined with "."; within a part,
// every byte other than [-_a-zA-Z0-9] is written as "=" and two hex digits,
// and an empty part as "=", so different parts never give the same key.
func CheckpointKey(parts ...string) string {
	if len(parts) == 0 {
		parts = []string{""}
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i, part := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		if part == "" {
			b.WriteByte('=')
			continue
		}
		for _, c := range []byte(part) {
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
				b.WriteByte(c)
			default:
				b.WriteByte('=')
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0x0f])
			}
		}
	}
	return b.String()
}
