package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// publishAttempts is how often a publish is tried when it fails in a
	// way that may pass (no responders, timeout, reconnect).
	publishAttempts = 5
	retryBase       = 100 * time.Millisecond
	// publishAttemptTimeout caps the wait for one acknowledgement.
	publishAttemptTimeout = 5 * time.Second

	// asyncWindow is how many asynchronous publishes are in flight at once.
	asyncWindow = 256
)

// ErrMessageTooLarge is returned for a message larger than the stream or the
// server accepts (MaxMessageSize, or the server's max_payload if smaller).
var ErrMessageTooLarge = errors.New("message too large")

// PublishResult is the outcome of publishing one event.
type PublishResult struct {
	EventID string
	Seq     uint64 // stream sequence; for a duplicate, that of the stored original; 0 if it failed
	// Duplicate is true when the stream already held an event with this id
	// within the duplicate window: the publish succeeded and stored nothing.
	// An earlier attempt of the same call, whose ack was lost, counts too.
	Duplicate bool
}

// PublishEvent publishes ev on its intake subject with Nats-Msg-Id set to its
// id and waits until JetStream acknowledged it. A duplicate counts as
// success. Failures that may pass are retried a few times.
func (b *Bus) PublishEvent(ctx context.Context, ev caseevent.Event) (PublishResult, error) {
	res := PublishResult{EventID: ev.ID}
	msg, err := eventMsg(ev)
	if err != nil {
		return res, err
	}
	ack, err := b.publishSync(ctx, msg, true)
	if err != nil {
		return res, fmt.Errorf("publish event %s: %w", ev.ID, err)
	}
	res.Seq, res.Duplicate = ack.Sequence, ack.Duplicate
	return res, nil
}

// PublishRaw publishes data as is, for tests and tools (garbage payloads
// included). Without a msgID there is no Nats-Msg-Id header, no
// deduplication and therefore no retry.
func (b *Bus) PublishRaw(ctx context.Context, subject, msgID string, data []byte) (PublishResult, error) {
	res := PublishResult{EventID: msgID}
	msg := &nats.Msg{Subject: subject, Data: data}
	if msgID != "" {
		msg.Header = nats.Header{}
		msg.Header.Set(jetstream.MsgIDHeader, msgID)
	}
	if err := checkSize(msg); err != nil {
		return res, fmt.Errorf("publish to %s: %w", subject, err)
	}
	ack, err := b.publishSync(ctx, msg, msgID != "")
	if err != nil {
		return res, fmt.Errorf("publish to %s: %w", subject, err)
	}
	res.Seq, res.Duplicate = ack.Sequence, ack.Duplicate
	return res, nil
}

// PublishEvents publishes a batch asynchronously and waits for every
// acknowledgement. Results line up with evs and are filled for every event
// that succeeded; a failed one has Seq 0. The error, if any, names the ids
// that failed and wraps their errors.
func (b *Bus) PublishEvents(ctx context.Context, evs []caseevent.Event) ([]PublishResult, error) {
	results := make([]PublishResult, len(evs))
	errs := make([]error, len(evs))
	msgs := make([]*nats.Msg, len(evs))
	var todo []int
	for i, ev := range evs {
		results[i].EventID = ev.ID
		msg, err := eventMsg(ev)
		if err != nil {
			errs[i] = err
			continue
		}
		msgs[i] = msg
		todo = append(todo, i)
	}

	for attempt := 1; len(todo) > 0; attempt++ {
		todo = b.publishAsync(ctx, msgs, todo, results, errs)
		if len(todo) == 0 || attempt == publishAttempts {
			break
		}
		b.log.Debug("retrying event publish", "error", errs[todo[0]])
		if sleep(ctx, retryDelay(attempt)) != nil {
			break
		}
	}

	var failed batchError
	for i, err := range errs {
		if err != nil {
			id := evs[i].ID
			if id == "" {
				id = "(no id)"
			}
			failed.ids = append(failed.ids, id)
			failed.errs = append(failed.errs, err)
		}
	}
	if len(failed.ids) > 0 {
		failed.total = len(evs)
		return results, &failed
	}
	return results, nil
}

// publishAsync publishes msgs[i] for every i in todo, asyncWindow at a time,
// and records each outcome in results and errs. It returns the indexes that
// failed in a way worth retrying.
func (b *Bus) publishAsync(ctx context.Context, msgs []*nats.Msg, todo []int, results []PublishResult, errs []error) []int {
	var retry []int
	futures := make([]jetstream.PubAckFuture, 0, asyncWindow)
	for len(todo) > 0 {
		window := todo[:min(asyncWindow, len(todo))]
		todo = todo[len(window):]
		futures = futures[:0]
		for _, i := range window {
			var f jetstream.PubAckFuture
			if err := ctx.Err(); err != nil {
				errs[i] = err
			} else if f, errs[i] = b.js.PublishMsgAsync(msgs[i]); errs[i] != nil {
				errs[i] = classify(errs[i])
			}
			futures = append(futures, f)
		}
		for k, i := range window {
			f := futures[k]
			if f != nil {
				errs[i] = waitAck(ctx, f, &results[i])
			}
			if errs[i] != nil && transient(errs[i]) && ctx.Err() == nil {
				retry = append(retry, i)
			}
		}
	}
	return retry
}

func waitAck(ctx context.Context, f jetstream.PubAckFuture, res *PublishResult) error {
	select {
	case ack := <-f.Ok():
		res.Seq, res.Duplicate = ack.Sequence, ack.Duplicate
		return nil
	case err := <-f.Err():
		return classify(err)
	case <-ctx.Done():
		// The ack may have arrived at the same moment.
		select {
		case ack := <-f.Ok():
			res.Seq, res.Duplicate = ack.Sequence, ack.Duplicate
			return nil
		default:
			return ctx.Err()
		}
	}
}

// publishSync publishes msg and waits for the ack, retrying transient
// failures when retry is set (only safe with a Nats-Msg-Id).
func (b *Bus) publishSync(ctx context.Context, msg *nats.Msg, retry bool) (*jetstream.PubAck, error) {
	for attempt := 1; ; attempt++ {
		ack, err := b.publishAttempt(ctx, msg, retry)
		if err == nil {
			return ack, nil
		}
		err = classify(err)
		if !retry || !transient(err) || attempt == publishAttempts || ctx.Err() != nil {
			return nil, err
		}
		b.log.Debug("retrying publish", "error", err)
		if sleep(ctx, retryDelay(attempt)) != nil {
			return nil, err
		}
	}
}

// publishAttempt publishes msg once. A request written just before a
// disconnect was noticed is lost without an error and would wait for its
// ack until ctx ends; so when msg may be retried, the wait ends at the
// next disconnect, or after publishAttemptTimeout.
func (b *Bus) publishAttempt(ctx context.Context, msg *nats.Msg, retry bool) (*jetstream.PubAck, error) {
	if !retry {
		return b.js.PublishMsg(ctx, msg)
	}
	lost := b.lostSignal()
	attemptCtx, cancel := context.WithTimeout(ctx, publishAttemptTimeout)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-lost:
			cancel()
		case <-done:
		}
	}()
	ack, err := b.js.PublishMsg(attemptCtx, msg)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.Canceled) {
		return nil, nats.ErrDisconnected
	}
	return ack, err
}

// eventMsg builds the NATS message for ev: its JSON on the subject of its
// channel and inbox, with the event id as Nats-Msg-Id. The event is not
// validated here; the registry quarantines what it cannot accept.
func eventMsg(ev caseevent.Event) (*nats.Msg, error) {
	if ev.ID == "" {
		return nil, errors.New("publish event: no id")
	}
	data, err := encodeEvent(ev)
	if err != nil {
		return nil, fmt.Errorf("publish event %s: encode: %w", ev.ID, err)
	}
	msg := &nats.Msg{
		Subject: caseevent.Subject(ev.Data.Channel, ev.Data.Inbox),
		Data:    data,
		Header:  nats.Header{},
	}
	msg.Header.Set(jetstream.MsgIDHeader, ev.ID)
	if err := checkSize(msg); err != nil {
		return nil, fmt.Errorf("publish event %s: %w", ev.ID, err)
	}
	return msg, nil
}

// encodeEvent is json.Marshal without escaping '<', '>' and '&', as
// caseevent's wire form: HTML bodies would otherwise grow up to sixfold.
func encodeEvent(ev caseevent.Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// checkSize rejects a message larger than the stream accepts before it goes
// out, so the caller gets a clear error instead of a rejected publish.
func checkSize(msg *nats.Msg) error {
	if len(msg.Data) > MaxMessageSize {
		return fmt.Errorf("%w: %d bytes, the limit is %d; put large content in the object store", ErrMessageTooLarge, len(msg.Data), MaxMessageSize)
	}
	return nil
}

// classify turns the several ways NATS reports a too large message into
// ErrMessageTooLarge.
func classify(err error) error {
	if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, jetstream.ErrStreamMessageExceedsMaximum) {
		return fmt.Errorf("%w: %w", ErrMessageTooLarge, err)
	}
	return err
}

// transient reports whether a publish that failed with err may succeed when
// tried again. Publishing with a Nats-Msg-Id is idempotent, so a retry after
// an ack was lost stores nothing twice.
func transient(err error) bool {
	var (
		apiErr *jetstream.APIError
		netErr *net.OpError
	)
	switch {
	case errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, nats.ErrTimeout),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, jetstream.ErrAsyncPublishTimeout),
		errors.Is(err, jetstream.ErrTooManyStalledMsgs),
		errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrStaleConnection),
		errors.Is(err, nats.ErrReconnectBufExceeded),
		errors.As(err, &netErr): // the write to a connection that just broke
		return true
	case errors.As(err, &apiErr):
		return apiErr.Code == 503 // JetStream (or a stream leader) briefly unavailable
	}
	return false
}

func retryDelay(attempt int) time.Duration {
	d := retryBase << (attempt - 1)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// batchError says which events of a batch failed.
type batchError struct {
	total int
	ids   []string
	errs  []error
}

func (e *batchError) Error() string {
	const show = 10
	ids := e.ids
	more := ""
	if len(ids) > show {
		more = fmt.Sprintf(" and %d more", len(ids)-show)
		ids = ids[:show]
	}
	return fmt.Sprintf("publish events: %d of %d failed (%s%s): %v", len(e.ids), e.total, strings.Join(ids, ", "), more, e.errs[0])
}

func (e *batchError) Unwrap() []error { return e.errs }
