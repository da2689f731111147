package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Consumer defaults.
const (
	DefaultDurable       = "registry"
	DefaultAckWait       = 60 * time.Second
	DefaultMaxAckPending = 10000
)

// ConsumerConfig configures the durable pull consumer on the intake stream.
type ConsumerConfig struct {
	Durable       string        // default "registry"
	AckWait       time.Duration // redelivery after this long without ack; default 60s
	MaxAckPending int           // default 10000
}

// Consumer is a durable pull consumer on the intake stream. Several
// processes may use the same durable; each message goes to one of them.
type Consumer struct {
	cons jetstream.Consumer
}

// Consumer creates the durable pull consumer, or updates it to cfg. It
// delivers every message of the stream, needs an explicit ack for each and
// redelivers without limit: the registry quarantines a message delivered too
// often itself, so the server never drops one.
func (b *Bus) Consumer(ctx context.Context, cfg ConsumerConfig) (*Consumer, error) {
	if cfg.Durable == "" {
		cfg.Durable = DefaultDurable
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = DefaultAckWait
	}
	if cfg.MaxAckPending == 0 {
		cfg.MaxAckPending = DefaultMaxAckPending
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: cfg.MaxAckPending,
		FilterSubject: SubjectAll,
		Replicas:      b.cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer %s on %s: %w", cfg.Durable, StreamName, err)
	}
	return &Consumer{cons: cons}, nil
}

// Delivery is one delivered message. Ack it after the work it stands for is
// committed; until then the server redelivers it after AckWait.
type Delivery struct {
	Subject      string
	MsgID        string // the Nats-Msg-Id header: the event id, if the publisher set it
	Data         []byte
	StreamSeq    uint64
	NumDelivered uint64 // 1 on the first delivery
	Timestamp    time.Time

	msg jetstream.Msg
}

// Ack acknowledges the message and waits until the server confirmed it, so
// that after a nil return it is not delivered again.
func (d *Delivery) Ack(ctx context.Context) error {
	if err := d.msg.DoubleAck(ctx); err != nil {
		return fmt.Errorf("ack stream seq %d: %w", d.StreamSeq, err)
	}
	return nil
}

// Nak asks for redelivery, after delay if it is positive.
func (d *Delivery) Nak(delay time.Duration) error {
	var err error
	if delay > 0 {
		err = d.msg.NakWithDelay(delay)
	} else {
		err = d.msg.Nak()
	}
	if err != nil {
		return fmt.Errorf("nak stream seq %d: %w", d.StreamSeq, err)
	}
	return nil
}

// InProgress resets the AckWait timer: the work on the message goes on.
func (d *Delivery) InProgress() error {
	if err := d.msg.InProgress(); err != nil {
		return fmt.Errorf("in progress stream seq %d: %w", d.StreamSeq, err)
	}
	return nil
}

// Fetch returns up to max messages. It returns what is available at once;
// when nothing is, it waits up to wait for a first message and then takes
// what else is available. It returns an empty slice when wait passes without
// a message and ctx's error when ctx ends first.
func (c *Consumer) Fetch(ctx context.Context, max int, wait time.Duration) ([]*Delivery, error) {
	if max < 1 {
		return nil, fmt.Errorf("fetch: max is %d, must be at least 1", max)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	batch, err := c.cons.FetchNoWait(max)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	got, err := collect(batch)
	if len(got) > 0 || err != nil || wait <= 0 {
		return got, err
	}

	waitCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	batch, err = c.cons.Fetch(1, jetstream.FetchContext(waitCtx))
	if err != nil {
		if errors.Is(err, jetstream.ErrInvalidOption) && waitCtx.Err() != nil {
			// The deadline passed before the request went out.
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("fetch: %w", err)
	}
	got, err = collect(batch)
	if len(got) == 0 {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, nil
	}
	if max > 1 {
		batch, err := c.cons.FetchNoWait(max - 1)
		if err == nil {
			more, _ := collect(batch) // a failed top-up shows again on the next Fetch
			got = append(got, more...)
		}
	}
	return got, nil
}

// collect drains a batch. Messages already received are returned even when
// the batch ended with an error: they are delivered and must be handled.
func collect(batch jetstream.MessageBatch) ([]*Delivery, error) {
	var got []*Delivery
	for msg := range batch.Messages() {
		d := &Delivery{
			Subject: msg.Subject(),
			MsgID:   msg.Headers().Get(jetstream.MsgIDHeader),
			Data:    msg.Data(),
			msg:     msg,
		}
		if meta, err := msg.Metadata(); err == nil {
			d.StreamSeq = meta.Sequence.Stream
			d.NumDelivered = meta.NumDelivered
			d.Timestamp = meta.Timestamp
		}
		got = append(got, d)
	}
	if err := batch.Error(); err != nil && len(got) == 0 {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	return got, nil
}

// Backlog returns how many messages wait for a first delivery (pending) and
// how many were delivered but not yet acknowledged (ackPending).
func (c *Consumer) Backlog(ctx context.Context) (pending uint64, ackPending int, err error) {
	info, err := c.cons.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("consumer info: %w", err)
	}
	return info.NumPending, info.NumAckPending, nil
}
