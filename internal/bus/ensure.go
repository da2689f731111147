package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
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

// Ensure and Lookup try again while JetStream is briefly unavailable: a
// cluster still electing its leaders, or a replicated stream whose creation
// waits for the election of its own leader on a busy machine, which may
// take longer than the client's usual five seconds.
const (
	setupAttempts = 8
	setupTimeout  = 15 * time.Second // per attempt
)

// Ensure creates the intake stream, the object store and the checkpoint
// bucket, or brings their configuration in line with the bus Config. The
// registry calls it at start; calling it again changes nothing.
//
// Only the stream settings meldpunt depends on are managed; anything else an
// operator changed on the stream (placement, compression, ...) is kept.
func (b *Bus) Ensure(ctx context.Context) error {
	return b.retrySetup(ctx, b.ensure)
}

// retrySetup runs setup until it succeeds, fails in a way that does not
// pass, or setupAttempts were made.
func (b *Bus) retrySetup(ctx context.Context, setup func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, setupTimeout)
		err := setup(attemptCtx)
		cancel()
		// A refused request is never answered: say why it timed out.
		if last := b.nc.LastError(); err != nil && errors.Is(last, nats.ErrPermissionViolation) {
			return fmt.Errorf("%w (%v: is the NATS user's configuration that of `registry nats-accounts`?)", err, last)
		}
		if err == nil || !transient(err) || attempt == setupAttempts || ctx.Err() != nil {
			return err
		}
		b.log.Info("JetStream not ready, trying again", "error", err)
		if sleep(ctx, retryDelay(attempt)) != nil {
			return err
		}
	}
}

func (b *Bus) ensure(ctx context.Context) error {
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

// ErrNotSetUp is returned by Lookup when the intake stream or a bucket does
// not exist: the registry creates them (Ensure) when it starts.
var ErrNotSetUp = errors.New("start the registry first")

// Lookup binds the bus to the intake stream, the object store and the
// checkpoint bucket, creating and changing nothing. Connectors call it
// instead of Ensure: their NATS users may not create or change streams
// (see Role.Permissions); the registry sets everything up. A missing one
// gives an error that wraps ErrNotSetUp.
func (b *Bus) Lookup(ctx context.Context) error {
	return b.retrySetup(ctx, b.lookup)
}

func (b *Bus) lookup(ctx context.Context) error {
	if _, err := b.js.Stream(ctx, StreamName); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("stream %s not found: %w", StreamName, ErrNotSetUp)
		}
		return fmt.Errorf("look up stream %s: %w", StreamName, err)
	}
	objects, err := b.js.ObjectStore(ctx, ObjectBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return fmt.Errorf("object store %s not found: %w", ObjectBucket, ErrNotSetUp)
	}
	if err != nil {
		return fmt.Errorf("look up object store %s: %w", ObjectBucket, err)
	}
	checkpoints, err := b.js.KeyValue(ctx, CheckpointBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return fmt.Errorf("kv bucket %s not found: %w", CheckpointBucket, ErrNotSetUp)
	}
	if err != nil {
		return fmt.Errorf("look up kv bucket %s: %w", CheckpointBucket, err)
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
		return nil, fmt.Errorf("object store %s (was Ensure or Lookup called?): %w", ObjectBucket, err)
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
		return nil, fmt.Errorf("kv bucket %s (was Ensure or Lookup called?): %w", CheckpointBucket, err)
	}
	b.checkpoints = kv
	return kv, nil
}
