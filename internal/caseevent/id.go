package caseevent

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// idVersion starts every id preimage, and idPrefix every id. A new algorithm
// gets new values for both, so old and new ids can never be equal.
const (
	idVersion = "meldpunt.id.v1"
	idPrefix  = "mp1-"
)

// NewID returns the deterministic event id of a source message: the same
// channel, inbox and parts always give the same id, and different inputs
// never give the same bytes to hash. parts identify the message within the
// inbox (a Message-ID, a Facebook message id, a submission id, ...).
//
// The id is "mp1-" followed by the lower-case hex SHA-256 of
//
//	item("meldpunt.id.v1") || item(channel) || item(inbox) || item(part) ...
//
// where item(s) is len(s) in bytes as an 8-byte big-endian unsigned integer
// followed by the bytes of s, unchanged. docs/case-event.md has test vectors.
func NewID(channel Channel, inbox string, parts ...string) string {
	h := sha256.New()
	writeItem := func(s string) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	writeItem(idVersion)
	writeItem(string(channel))
	writeItem(inbox)
	for _, p := range parts {
		writeItem(p)
	}
	return idPrefix + hex.EncodeToString(h.Sum(nil))
}
