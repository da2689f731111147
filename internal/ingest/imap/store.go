package imap

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// setBatch bounds the UIDs in one STORE, COPY or MOVE: scattered UIDs
// make long command lines, and servers limit those (Dovecot to 64 kB).
const setBatch = 500

// AddFlag adds a flag, such as the keyword $Meldpunt, to messages of the
// folder, which must be selected read-write. Other flags stay as they are
// (STORE +FLAGS.SILENT, RFC 9051 section 6.4.6).
func (c *Client) AddFlag(ctx context.Context, uids []uint32, flag string) error {
	if err := c.writable("store"); err != nil {
		return err
	}
	if err := checkFlag(flag); err != nil {
		return fmt.Errorf("imap: store: %w", err)
	}
	for chunk := range slices.Chunk(uids, setBatch) {
		err := c.do(ctx, "uid store +flags "+flag, func() error {
			return c.cli.Store(uidSet(chunk), &imap.StoreFlags{
				Op:     imap.StoreFlagsAdd,
				Silent: true,
				Flags:  []imap.Flag{imap.Flag(flag)},
			}, nil).Close()
		})
		if err != nil {
			return fmt.Errorf("imap: %w", err)
		}
	}
	return nil
}

// Move moves messages of the folder, which must be selected read-write,
// to dest: with MOVE (RFC 6851) where the server has it, otherwise with
// COPY, STORE \Deleted and UID EXPUNGE (RFC 4315) of exactly these
// messages. A server with neither MOVE nor UIDPLUS gets the copy and the
// \Deleted flag, but no EXPUNGE, which would also remove what a person
// marked deleted.
func (c *Client) Move(ctx context.Context, uids []uint32, dest string) error {
	if err := c.writable("move"); err != nil {
		return err
	}
	for chunk := range slices.Chunk(uids, setBatch) {
		set := uidSet(chunk)
		var err error
		if c.caps.Has(imap.CapMove) {
			err = c.do(ctx, "uid move to "+dest, func() error {
				_, err := c.cli.Move(set, dest).Wait()
				return err
			})
		} else {
			err = c.copyDelete(ctx, set, dest)
		}
		if err != nil {
			return fmt.Errorf("imap: %w", err)
		}
	}
	return nil
}

func (c *Client) copyDelete(ctx context.Context, set imap.UIDSet, dest string) error {
	err := c.do(ctx, "uid copy to "+dest, func() error {
		_, err := c.cli.Copy(set, dest).Wait()
		return err
	})
	if err != nil {
		return err
	}
	err = c.do(ctx, `uid store +flags \Deleted`, func() error {
		return c.cli.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
	})
	if err != nil {
		return err
	}
	if !c.caps.Has(imap.CapUIDPlus) {
		c.log.Warn("imap server has neither MOVE nor UIDPLUS: moved messages stay in the folder, marked deleted", "folder", c.selected)
		return nil
	}
	return c.do(ctx, "uid expunge", func() error { return c.cli.UIDExpunge(set).Close() })
}

func (c *Client) writable(what string) error {
	if c.selected == "" {
		return fmt.Errorf("imap: %s: %w", what, ErrNotSelected)
	}
	if c.readOnly {
		return fmt.Errorf("imap: %s in %s: %w", what, c.selected, ErrReadOnly)
	}
	return nil
}

// checkFlag accepts a system flag (\Seen) or a keyword, which is an atom
// (RFC 9051 section 9: flag-keyword), so that it cannot break the command.
func checkFlag(flag string) error {
	name := strings.TrimPrefix(flag, `\`)
	if name == "" {
		return fmt.Errorf("invalid flag %q", flag)
	}
	for _, r := range name {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`(){%*"\]`, r) {
			return fmt.Errorf("invalid flag %q", flag)
		}
	}
	return nil
}
