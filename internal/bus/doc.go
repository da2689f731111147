// Package bus owns meldpunt's use of NATS: the connection, the intake stream
// (StreamName), the object store for raw originals and attachments
// (ObjectBucket) and the key-value bucket with connector checkpoints
// (CheckpointBucket). It publishes case events with acknowledgement and
// deduplication, hands the registry its durable pull consumer, and can run
// an embedded nats-server for the default single-machine mode and for tests.
// It also says which NATS subjects each kind of process needs
// (Role.Permissions), the source of the users `registry nats-accounts` writes.
//
// Of meldpunt's own packages it imports only internal/caseevent.
package bus
