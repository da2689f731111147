package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Fetched is one message as the server holds it.
type Fetched struct {
	UID uint32
	// Size is the size of the message: len(Raw) when it was fetched
	// whole, the server's RFC822.SIZE when Truncated.
	Size         int64
	InternalDate time.Time
	Flags        []string
	// Raw is the message exactly as stored, or only its header when
	// Truncated.
	Raw       []byte
	Truncated bool
}

// Batches: a round trip per batch, and at most one batch in memory.
const (
	sizeBatch     = 1000    // UIDs whose sizes are asked at once
	bodyBatch     = 100     // messages fetched at once
	bodyBatchSize = 8 << 20 // bytes fetched at once, unless one message is larger
)

// Fetch gets the messages with the given UIDs from the selected folder and
// calls fn for each, in ascending UID order; UIDs that no longer exist are
// skipped. It reads with BODY.PEEK[] (RFC 9051 section 6.4.5), which never
// sets \Seen. A message larger than maxSize (when maxSize > 0) is fetched
// with BODY.PEEK[HEADER] only and marked Truncated.
//
// Messages come in batches, fn being called once a batch is read, so fn
// may use the Client. An error from fn stops Fetch and is returned as is.
// When the server refuses a message (NO, other than throttling) Fetch
// returns a *MessageError after handing over the messages before it; a
// server in trouble may refuse every message, so retry before deciding
// the message itself is at fault.
func (c *Client) Fetch(ctx context.Context, uids []uint32, maxSize int64, fn func(Fetched) error) error {
	if c.selected == "" {
		return fmt.Errorf("imap: fetch: %w", ErrNotSelected)
	}
	uids = slices.Clone(uids)
	slices.Sort(uids)
	uids = slices.Compact(uids)
	for chunk := range slices.Chunk(uids, sizeBatch) {
		if err := ctx.Err(); err != nil {
			return err
		}
		// The sizes decide how each message is fetched and bound the bytes
		// of a batch.
		sizes, err := c.sizes(ctx, chunk)
		if err != nil {
			return err
		}
		for _, b := range planBatches(chunk, sizes, maxSize) {
			if err := c.fetchAndDeliver(ctx, b, maxSize, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// batch is consecutive UIDs fetched the same way with one command.
type batch struct {
	uids []uint32
	full bool // the whole message, not only its header
}

// planBatches groups UIDs, in order, by how they are fetched, bounded in
// count and bytes. UIDs missing from sizes have been expunged.
func planBatches(uids []uint32, sizes map[uint32]int64, maxSize int64) []batch {
	var out []batch
	var bytes int64
	for _, uid := range uids {
		size, known := sizes[uid]
		if !known {
			continue
		}
		full := maxSize <= 0 || size <= maxSize
		var cost int64
		if full {
			cost = size
		}
		if n := len(out); n == 0 || out[n-1].full != full || len(out[n-1].uids) >= bodyBatch || bytes+cost > bodyBatchSize {
			out = append(out, batch{full: full})
			bytes = 0
		}
		out[len(out)-1].uids = append(out[len(out)-1].uids, uid)
		bytes += cost
	}
	return out
}

// sizes asks the RFC822.SIZE of each message.
func (c *Client) sizes(ctx context.Context, uids []uint32) (map[uint32]int64, error) {
	var msgs []*imapclient.FetchMessageBuffer
	err := c.do(ctx, "uid fetch rfc822.size", func() (err error) {
		msgs, err = c.cli.Fetch(uidSet(uids), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("imap: %w", err)
	}
	sizes := make(map[uint32]int64, len(msgs))
	for _, m := range msgs {
		if m.UID != 0 {
			sizes[uint32(m.UID)] = m.RFC822Size
		}
	}
	return sizes, nil
}

// fetchAndDeliver fetches one batch and hands it over in UID order. When
// the server refuses the batch, its messages are fetched one by one, to
// find the one it cannot return.
func (c *Client) fetchAndDeliver(ctx context.Context, b batch, maxSize int64, fn func(Fetched) error) error {
	msgs, err := c.fetchBatch(ctx, b, maxSize, true)
	var imapErr *imap.Error
	_, throttled := ThrottleDelay(err)
	if err != nil && errors.As(err, &imapErr) && !IsConnectionError(err) && !throttled {
		if len(b.uids) == 1 {
			return &MessageError{UID: b.uids[0], Err: err}
		}
		for _, uid := range b.uids {
			if err := c.fetchAndDeliver(ctx, batch{uids: []uint32{uid}, full: b.full}, maxSize, fn); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// fetchBatch fetches the messages of one batch, sorted by UID. A message
// whose body turns out larger than maxSize (RFC822.SIZE is an estimate
// on some servers, Exchange among them) is fetched again, header only.
func (c *Client) fetchBatch(ctx context.Context, b batch, maxSize int64, retry bool) ([]Fetched, error) {
	var msgs []Fetched
	var tooBig, noBody []uint32
	err := c.do(ctx, "uid fetch", func() error {
		cmd := c.cli.Fetch(uidSet(b.uids), fetchOptions(b.full))
		for {
			msg := cmd.Next()
			if msg == nil {
				break
			}
			f, state, err := readMessage(msg, b.full, maxSize)
			if err != nil {
				_ = cmd.Close() // the read error says what went wrong
				return err
			}
			switch {
			case f.UID == 0: // go-imap hands over only responses with a UID asked for
			case state == bodyRead && b.full && len(f.Raw) == 0:
				// Expunged while we fetched it (a person moved or deleted
				// it): Dovecot answers an empty body. There is nothing to
				// deliver; moved back, it comes again under a new UID.
			case state == bodyRead:
				msgs = append(msgs, f)
			case state == bodyTooBig:
				tooBig = append(tooBig, f.UID)
			default:
				noBody = append(noBody, f.UID)
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("imap: %w", err)
	}

	// A FETCH response without the body is a flag update the server sent
	// on its own, taken for the answer: ask again, once.
	if len(noBody) > 0 && !retry {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: fmt.Sprintf("server returned no body for uid %d", noBody[0])}
	}
	for _, again := range []batch{{uids: noBody, full: b.full}, {uids: tooBig, full: false}} {
		if len(again.uids) == 0 {
			continue
		}
		more, err := c.fetchBatch(ctx, again, maxSize, false)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, more...)
	}
	slices.SortFunc(msgs, func(a, b Fetched) int { return int(int64(a.UID) - int64(b.UID)) })
	msgs = slices.CompactFunc(msgs, func(a, b Fetched) bool { return a.UID == b.UID })
	return msgs, nil
}

func fetchOptions(full bool) *imap.FetchOptions {
	section := &imap.FetchItemBodySection{Peek: true} // BODY.PEEK[]
	if !full {
		section.Specifier = imap.PartSpecifierHeader // BODY.PEEK[HEADER]
	}
	return &imap.FetchOptions{
		UID:          true,
		RFC822Size:   true,
		InternalDate: true,
		Flags:        true,
		BodySection:  []*imap.FetchItemBodySection{section},
	}
}

type bodyState int

const (
	bodyMissing bodyState = iota
	bodyRead
	bodyTooBig
)

// readMessage reads the items of one FETCH response; the body literal is
// read straight into a buffer of its announced size.
func readMessage(msg *imapclient.FetchMessageData, full bool, maxSize int64) (Fetched, bodyState, error) {
	var f Fetched
	state := bodyMissing
	var serverSize int64
	for {
		item := msg.Next()
		if item == nil {
			break
		}
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			f.UID = uint32(item.UID)
		case imapclient.FetchItemDataRFC822Size:
			serverSize = item.Size
		case imapclient.FetchItemDataInternalDate:
			f.InternalDate = item.Time
		case imapclient.FetchItemDataFlags:
			f.Flags = make([]string, len(item.Flags))
			for i, flag := range item.Flags {
				f.Flags[i] = string(flag)
			}
		case imapclient.FetchItemDataBodySection:
			wantHeader := !full
			if (item.Section.Specifier == imap.PartSpecifierHeader) != wantHeader || len(item.Section.Part) > 0 {
				continue // not the section asked for; go-imap discards it
			}
			if item.Literal == nil { // NIL
				f.Raw, state = []byte{}, bodyRead
				continue
			}
			n := item.Literal.Size()
			if full && maxSize > 0 && n > maxSize {
				state = bodyTooBig
				continue
			}
			if maxSize > 0 && n > maxSize {
				n = maxSize // a header larger than the limit: keep its start
			}
			if n < 0 {
				return f, state, fmt.Errorf("uid %d: invalid literal size %d", f.UID, n)
			}
			f.Raw = make([]byte, n)
			if _, err := io.ReadFull(item.Literal, f.Raw); err != nil {
				return f, state, fmt.Errorf("uid %d: read body: %w", f.UID, err)
			}
			state = bodyRead
		}
	}
	if full {
		f.Size = int64(len(f.Raw))
	} else {
		f.Size, f.Truncated = serverSize, true
	}
	return f, state, nil
}

func uidSet(uids []uint32) imap.UIDSet {
	var set imap.UIDSet
	for _, uid := range uids {
		set.AddNum(imap.UID(uid))
	}
	return set
}
