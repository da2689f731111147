package imap

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// idleRestart bounds one IDLE command: RFC 2177 has the client end IDLE
// at least every 29 minutes, because servers may log out an inactive
// client after 30.
const idleRestart = 25 * time.Minute

// Idle waits with IDLE (RFC 2177) until the server reports a change in
// the selected folder (EXISTS: a message may have arrived), maxWait
// passes, or ctx ends. It reports whether there was a change; a change
// seen before the call, during other commands, counts.
//
// IDLE has no read timeout of its own: a connection that died silently
// would wait forever. Each IDLE therefore ends with DONE, whose answer is
// awaited for Config.Timeout, so that Idle returns at the latest after
// maxWait plus the timeout, and TCP keep-alive notices a vanished server
// sooner. A lost connection gives an error for which IsConnectionError is
// true. When ctx ends, IDLE is ended cleanly and ctx's error returned.
func (c *Client) Idle(ctx context.Context, maxWait time.Duration) (changed bool, err error) {
	if !c.SupportsIdle() {
		return false, fmt.Errorf("imap: idle: %w", ErrIdleUnsupported)
	}
	if c.selected == "" {
		return false, fmt.Errorf("imap: idle: %w", ErrNotSelected)
	}
	deadline := time.Now().Add(maxWait)
	for {
		select {
		case <-c.changes:
			return true, nil
		default:
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return false, nil
		}
		changed, err := c.idleOnce(ctx, min(wait, idleRestart))
		if changed || err != nil {
			return changed, err
		}
	}
}

// idleOnce runs one IDLE command for at most wait.
func (c *Client) idleOnce(ctx context.Context, wait time.Duration) (changed bool, err error) {
	var idle *imapclient.IdleCommand
	err = c.do(ctx, "idle", func() (err error) {
		idle, err = c.cli.Idle()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("imap: %w", err)
	}

	timer := time.NewTimer(wait)
	defer timer.Stop()
	var ctxErr error
	select {
	case <-c.changes:
		changed = true
	case <-timer.C:
	case <-ctx.Done():
		ctxErr = ctx.Err()
	case <-c.cli.Closed():
		c.broken.Store(true)
		_ = idle.Close() // the connection is gone; its error is the one below
		return false, fmt.Errorf("imap: idle: %w: closed by the server", ErrConnection)
	}

	// End IDLE with DONE and wait for the server's OK, also when ctx
	// ended, so that the connection stays usable.
	err = c.do(context.WithoutCancel(ctx), "idle done", func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	})
	if err != nil {
		return false, fmt.Errorf("imap: %w", err)
	}
	return changed, ctxErr
}
