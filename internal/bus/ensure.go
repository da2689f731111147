package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// Names of what Ensure creates.
const (
	StreamName       = "MELDPUNT_INTAKE"
	ObjectBucket     = "meldpunt_objects"
	CheckpointBucket = "meldpunt_checkpoints"
	SubjectAll       = "meldpunt.intake.>"

	// MaxMessageSize is the largest event the intake stream accepts. Large
	// content belongs in the object store.
	MaxMessageSize = 1 << 20

	checkpointHistory = 5
)

// Ensure creates the intake stream, the object store and the checkpoint
// bucket, or brings their configuration in line with the bus Config. Every
// process calls it at start; calling it again changes nothing.
//
// Only the stream settings meldpunt depends on are managed; anything else an
// operator changed on the stream (placement, compression, ...) is kept.
func (b *Bus) Ensure(ctx context.Context) error {
	if err := b.ensureStream(ctx); err != nil {
		return err
	}
	objects, err := b.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      ObjectBucket,
		Description: "meldpunt raw originals and attachments, named by sha-256",
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("ensure object store %s: %w", ObjectBucket, err)
	}
	checkpoints, err := b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      CheckpointBucket,
		Description: "meldpunt connector checkpoints",
		History:     checkpointHistory,
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("ensure kv bucket %s: %w", CheckpointBucket, err)
	}
	b.mu.Lock()
	b.objects = objects
	b.checkpoints = checkpoints
	b.mu.Unlock()
	return nil
}

func (b *Bus) streamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "meldpunt intake: case events from the connectors",
		Subjects:    []string{SubjectAll},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
		Duplicates:  b.cfg.DuplicateWindow,
		MaxAge:      b.cfg.StreamMaxAge,
		MaxMsgSize:  MaxMessageSize,
		MaxMsgs:     -1,
		MaxBytes:    -1,
	}
}

func (b *Bus) ensureStream(ctx context.Context) error {
	want := b.streamConfig()
	stream, err := b.js.Stream(ctx, StreamName)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = b.js.CreateStream(ctx, want)
		if err == nil {
			b.log.Info("created nats stream " + StreamName)
			return nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("create stream %s: %w", StreamName, err)
		}
		// Another process created it in the meantime: check its config.
		stream, err = b.js.Stream(ctx, StreamName)
	}
	if err != nil {
		return fmt.Errorf("look up stream %s: %w", StreamName, err)
	}

	cfg := stream.CachedInfo().Config
	if !applyManaged(&cfg, want) {
		return nil
	}
	if _, err := b.js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("update stream %s: %w", StreamName, err)
	}
	b.log.Info("updated nats stream config of " + StreamName)
	return nil
}

// applyManaged copies the settings meldpunt manages from want into cfg and
// reports whether anything changed. JetStream refuses some changes (storage
// type, for one); UpdateStream then says so.
func applyManaged(cfg *jetstream.StreamConfig, want jetstream.StreamConfig) bool {
	changed := false
	set := func(differs bool, apply func()) {
		if differs {
			apply()
			changed = true
		}
	}
	set(!slices.Equal(cfg.Subjects, want.Subjects), func() { cfg.Subjects = want.Subjects })
	set(cfg.Retention != want.Retention, func() { cfg.Retention = want.Retention })
	set(cfg.Discard != want.Discard, func() { cfg.Discard = want.Discard })
	set(cfg.Storage != want.Storage, func() { cfg.Storage = want.Storage })
	set(cfg.Replicas != want.Replicas, func() { cfg.Replicas = want.Replicas })
	set(cfg.Duplicates != want.Duplicates, func() { cfg.Duplicates = want.Duplicates })
	set(cfg.MaxAge != want.MaxAge, func() { cfg.MaxAge = want.MaxAge })
	set(cfg.MaxMsgSize != want.MaxMsgSize, func() { cfg.MaxMsgSize = want.MaxMsgSize })
	return changed
}

func (b *Bus) objectStore(ctx context.Context) (jetstream.ObjectStore, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.objects != nil {
		return b.objects, nil
	}
	objects, err := b.js.ObjectStore(ctx, ObjectBucket)
	if err != nil {
		return nil, fmt.Errorf("object store %s (was Ensure called?): %w", ObjectBucket, err)
	}
	b.objects = objects
	return objects, nil
}

func (b *Bus) checkpointStore(ctx context.Context) (jetstream.KeyValue, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.checkpoints != nil {
		return b.checkpoints, nil
	}
	kv, err := b.js.KeyValue(ctx, CheckpointBucket)
	if err != nil {
		return nil, fmt.Errorf("kv bucket %s (was Ensure called?): %w", CheckpointBucket, err)
	}
	b.checkpoints = kv
	return kv, nil
}
