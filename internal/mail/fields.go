package mail

import (
	"bytes"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// fillHeader sets the fields of m that come from the message header.
func (p *parser) fillHeader(m *Message, h header) {
	if v := h.get("message-id"); v != nil {
		if ids := parseMsgIDs(v); len(ids) > 0 {
			m.MessageID = ids[0]
		} else {
			p.problem("", "Message-ID is empty")
		}
	}
	if v := h.get("in-reply-to"); v != nil {
		if ids := parseMsgIDs(v); len(ids) > 0 {
			m.InReplyTo = ids[0]
		}
	}
	if refs := h.values("references"); len(refs) == 1 {
		m.References = parseMsgIDs(refs[0])
	} else if len(refs) > 1 {
		m.References = parseMsgIDs(bytes.Join(refs, []byte(" ")))
	}

	if from := p.addresses(h, "from", ""); len(from) > 0 {
		m.From = from[0]
	}
	if sender := p.addresses(h, "sender", ""); len(sender) > 0 && !samePartyEmail(sender[0], m.From) {
		m.Sender = sender[0]
	}
	m.ReplyTo = p.addresses(h, "reply-to", "")
	m.To = p.addresses(h, "to", "")
	m.Cc = p.addresses(h, "cc", "")
	m.Bcc = p.addresses(h, "bcc", "")

	m.Subject = p.text(h, "subject", "")
	if p.opts.CaseRef != nil && m.Subject != "" {
		if ref := p.opts.CaseRef.FindString(m.Subject); ref != "" {
			m.CaseRef = caseevent.NormalizeCaseRef(ref)
		}
	}

	if v := h.get("date"); v != nil {
		s, _ := decodeMixed(v)
		if t, note, ok := parseDate(s); ok {
			m.Date = &t
			if note != "" {
				p.problem("", "Date: %s", note)
			}
		} else {
			p.problem("", "Date: cannot read %s", quoteLabel(s))
		}
	}
	m.ReceivedAt = receivedAt(h)
}

// receivedAt is the date after the last ";" of the first (newest) Received:
// field that has a readable one (RFC 5321 section 4.4).
func receivedAt(h header) *time.Time {
	for _, v := range h.values("received") {
		i := bytes.LastIndexByte(v, ';')
		if i < 0 {
			continue
		}
		s, _ := decodeMixed(v[i+1:])
		if t, _, ok := parseDate(s); ok {
			return &t
		}
	}
	return nil
}

func samePartyEmail(a, b caseevent.Party) bool {
	return a.Email != "" && a.Email == b.Email || a.Email == "" && b.Email == "" && a.Name == b.Name
}
