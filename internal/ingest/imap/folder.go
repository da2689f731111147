package imap

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Folder is a selected mailbox.
type Folder struct {
	Name string
	// UIDValidity changes when the server renumbered the folder: every
	// UID known before is then meaningless (RFC 9051 section 2.3.1.1).
	UIDValidity uint32
	// UIDNext is the UID the next message will get at least; 0 when the
	// server did not say.
	UIDNext  uint32
	Messages uint32
}

// Select opens a folder: with EXAMINE when readOnly, so that nothing in it
// can change through this connection, otherwise with SELECT.
func (c *Client) Select(ctx context.Context, name string, readOnly bool) (Folder, error) {
	verb := "select"
	if readOnly {
		verb = "examine"
	}
	c.selected = ""
	var data *imap.SelectData
	err := c.do(ctx, verb+" "+name, func() (err error) {
		data, err = c.cli.Select(name, &imap.SelectOptions{ReadOnly: readOnly}).Wait()
		return err
	})
	if err != nil {
		return Folder{}, fmt.Errorf("imap: %w", err)
	}
	if data.UIDValidity == 0 {
		return Folder{}, fmt.Errorf("imap: %s %s: server sent no UIDVALIDITY", verb, name)
	}
	c.selected, c.readOnly = name, readOnly
	// A change seen in the folder selected before means nothing here.
	select {
	case <-c.changes:
	default:
	}
	return Folder{
		Name:        name,
		UIDValidity: data.UIDValidity,
		UIDNext:     uint32(data.UIDNext),
		Messages:    data.NumMessages,
	}, nil
}

// UIDsAfter returns the UIDs greater than after in the selected folder,
// ascending.
func (c *Client) UIDsAfter(ctx context.Context, after uint32) ([]uint32, error) {
	if after == math.MaxUint32 {
		return nil, nil
	}
	var set imap.UIDSet
	set.AddRange(imap.UID(after+1), 0) // after+1:*
	uids, err := c.search(ctx, fmt.Sprintf("uid search %d:*", after+1), &imap.SearchCriteria{UID: []imap.UIDSet{set}})
	if err != nil {
		return nil, err
	}
	// "n:*" always includes the last message, even when its UID is below n
	// (RFC 9051 section 6.4.4 and the note on "*" in section 9): drop it.
	return slices.DeleteFunc(uids, func(uid uint32) bool { return uid <= after }), nil
}

// UIDsSince returns the UIDs of the messages that arrived on or after the
// day of since (SEARCH SINCE compares the date of INTERNALDATE, in the
// server's time zone, RFC 9051 section 6.4.4), ascending. Filter on
// Fetched.InternalDate for a finer cut.
func (c *Client) UIDsSince(ctx context.Context, since time.Time) ([]uint32, error) {
	return c.search(ctx, "uid search since "+since.Format("2-Jan-2006"), &imap.SearchCriteria{Since: since})
}

func (c *Client) search(ctx context.Context, what string, criteria *imap.SearchCriteria) ([]uint32, error) {
	if c.selected == "" {
		return nil, fmt.Errorf("imap: %s: %w", what, ErrNotSelected)
	}
	var opts *imap.SearchOptions
	if c.caps.Has(imap.CapESearch) {
		// ESEARCH answers with ranges (1:5000) instead of every number.
		opts = &imap.SearchOptions{ReturnAll: true}
	}
	var data *imap.SearchData
	err := c.do(ctx, what, func() (err error) {
		data, err = c.cli.UIDSearch(criteria, opts).Wait()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("imap: %w", err)
	}
	if data.All == nil {
		return nil, nil
	}
	set, ok := data.All.(imap.UIDSet)
	if !ok || set.Dynamic() {
		// A "*" (or 0) in a search result is a server bug, on which
		// go-imap's Nums would report a partial list.
		return nil, fmt.Errorf("imap: %s: %w", what, errors.New("server answered with an invalid UID set"))
	}
	nums, _ := set.Nums()
	uids := make([]uint32, 0, len(nums))
	for _, uid := range nums {
		uids = append(uids, uint32(uid))
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}
