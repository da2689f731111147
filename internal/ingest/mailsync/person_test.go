package mailsync_test

import (
	"net"
	"strconv"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

type imapUIDs []uint32

func uidSet(uids imapUIDs) imapv2.UIDSet {
	var s imapv2.UIDSet
	for _, u := range uids {
		s.AddNum(imapv2.UID(u))
	}
	return s
}

// storeSeen marks messages read, as a person opening them would.
func storeSeen(c *imapclient.Client, uids imapUIDs) error {
	return c.Store(uidSet(uids), &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Flags: []imapv2.Flag{imapv2.FlagSeen}, Silent: true}, nil).Close()
}

// moveUIDs moves messages of the selected folder, as a person would.
func moveUIDs(c *imapclient.Client, uids imapUIDs, dest string) error {
	_, err := c.Move(uidSet(uids), dest).Wait()
	return err
}

// moveAll moves everything of the selected folder.
func moveAll(c *imapclient.Client, dest string) error {
	_, err := c.Move(imapv2.SeqSet{{Start: 1, Stop: 0}}, dest).Wait() // 1:*; 0 stands for *
	return err
}

func splitHostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(p)
	return h, n, err
}
