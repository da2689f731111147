// Package mailevent turns one raw e-mail into a case event: it normalises
// the message with internal/mail, puts the raw original and the attachments
// into the object store, and gives the event its identity (see
// docs/mail-identity.md). The IMAP sync and the archive import share it, so
// a message registers the same whichever way it came in.
//
// It imports caseevent and mail; the object store is reached through the
// small Objects interface (internal/bus implements it).
package mailevent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/mail"
)

// Objects stores bytes by SHA-256.
type Objects interface {
	PutObject(ctx context.Context, data []byte, contentType string) (caseevent.ObjectRef, error)
}

// Source says where a message was captured.
type Source struct {
	Inbox     string
	Domain    caseevent.Domain
	Direction caseevent.Direction
}

// Capture is what the transport knows about one message.
type Capture struct {
	// Raw is the message, or only its header when Truncated.
	Raw []byte
	// Size is the message's full size (the server's RFC822.SIZE).
	Size int64
	// Truncated: the message is over the size limit and Raw is its header.
	Truncated bool
	// ReceivedAt is when the mailbox received it (IMAP INTERNALDATE);
	// zero when unknown (imports).
	ReceivedAt time.Time
	// Limit is the size limit that truncated it, for the note.
	Limit int64
}

// Options tune the normalisation.
type Options struct {
	// CaseRef finds a case reference in the subject.
	CaseRef *regexp.Regexp
}

// Build normalises c and stores its objects, and returns the event. An
// error means the object store failed (worth a retry); a message that
// cannot be parsed still gives an event, with its raw original and
// parse_error.
func Build(ctx context.Context, objs Objects, src Source, c Capture, opts Options) (caseevent.Event, error) {
	mopts := mail.Options{CaseRef: opts.CaseRef}
	var (
		msg      *mail.Message
		parseErr error
	)
	if c.Truncated {
		msg, parseErr = mail.Headers(c.Raw, mopts)
	} else {
		msg, parseErr = mail.Parse(c.Raw, mopts)
	}
	if msg == nil {
		msg = &mail.Message{}
	}
	raw, err := objs.PutObject(ctx, c.Raw, "message/rfc822")
	if err != nil {
		return caseevent.Event{}, fmt.Errorf("store raw original: %w", err)
	}
	if !c.Truncated {
		raw.Size = int64(len(c.Raw))
	} else {
		raw.ContentType = "text/rfc822-headers"
	}
	m := caseevent.Message{
		Channel:       caseevent.ChannelEmail,
		Direction:     src.Direction,
		Inbox:         src.Inbox,
		Domain:        src.Domain,
		Thread:        caseevent.Thread{InReplyTo: msg.InReplyTo, References: capList(msg.References), CaseRef: msg.CaseRef},
		Sender:        cleanParty(msg.From),
		Subject:       clip(msg.Subject, caseevent.MaxStringLength),
		Text:          msg.Text,
		HTML:          msg.HTML,
		SentAt:        msg.Date,
		AutoSubmitted: msg.AutoSubmitted,
		Raw:           &raw,
	}
	for _, p := range append(slices.Clone(msg.To), msg.Cc...) {
		if len(m.Recipients) < caseevent.MaxListLength {
			m.Recipients = append(m.Recipients, cleanParty(p))
		}
	}
	switch {
	case !c.ReceivedAt.IsZero():
		t := c.ReceivedAt.UTC()
		m.ReceivedAt = &t
	case msg.ReceivedAt != nil:
		m.ReceivedAt = msg.ReceivedAt
	}
	for i := range msg.Attachments {
		a := &msg.Attachments[i]
		if len(m.Attachments) >= caseevent.MaxListLength {
			break
		}
		ref, err := objs.PutObject(ctx, a.Data, a.ContentType)
		if err != nil {
			return caseevent.Event{}, fmt.Errorf("store attachment: %w", err)
		}
		a.Data = nil // stored: let a large one go before the next
		m.Attachments = append(m.Attachments, caseevent.Attachment{
			Name: clip(a.Name, caseevent.MaxStringLength), ContentType: a.ContentType,
			Size: ref.Size, SHA256: ref.SHA256, Object: ref.Object,
		})
	}

	var problems []string
	switch {
	case c.Truncated:
		problems = append(problems, fmt.Sprintf("the message is %d bytes, over the limit of %d: only its header was captured", c.Size, c.Limit))
		m.Text = fmt.Sprintf("Dit bericht is te groot (%.1f MB, de grens is %.0f MB) en werd niet volledig opgehaald. "+
			"Het volledige bericht staat nog in de mailbox %q.", float64(c.Size)/1e6, float64(c.Limit)/1e6, src.Inbox)
	case parseErr != nil:
		problems = append(problems, "the message could not be read: "+parseErr.Error())
	}
	problems = append(problems, msg.Problems...)
	m.ParseError = clip(strings.Join(problems, "; "), caseevent.MaxStringLength)

	m.ExternalID = msg.MessageID
	fp := fingerprint(msg, c, parseErr)
	if m.ExternalID == "" {
		// No Message-ID: an id of our own, from the content, so that the
		// message can still be named (nobody can reply to it by id).
		m.ExternalID = "<" + fp[:32] + "@meldpunt.invalid>"
	}
	m.ExternalID = clip(m.ExternalID, caseevent.MaxStringLength)

	t := time.Now().UTC()
	if m.ReceivedAt != nil {
		t = *m.ReceivedAt
	} else if m.SentAt != nil {
		t = m.SentAt.UTC()
	}
	ev := caseevent.NewEvent(ID(src.Inbox, msg.MessageID, fp), "meldpunt/ingest-mail/"+src.Inbox, t, m)
	fitSize(&ev)
	return ev, nil
}

// ID is the event id of a message: the inbox, the Message-ID as the
// message gives it (possibly empty) and the content fingerprint. See
// docs/mail-identity.md for why.
func ID(inbox, messageID, fingerprint string) string {
	return caseevent.NewID(caseevent.ChannelEmail, inbox, "mail-v1", messageID, fingerprint)
}

// fingerprint is the SHA-256 (hex) of what makes a message this message,
// independent of how a server happens to serialise it: the sender, the
// Date header, the subject, the text, and the
// SHA-256 of every attachment. The text counts by its first letters and
// digits only (textKey). A message that cannot be parsed is
// fingerprinted by its raw bytes; one over the size limit by its header
// fields and size.
func fingerprint(msg *mail.Message, c Capture, parseErr error) string {
	h := sha256.New()
	field := func(s string) {
		fmt.Fprintf(h, "%d:%s\n", len(s), s)
	}
	switch {
	case c.Truncated:
		field("truncated")
		field(msg.MessageID)
		field(fmt.Sprint(c.Size))
	case parseErr != nil:
		field("raw")
		// Line ends as the transport had them (CRLF from IMAP, LF in a
		// file) and trailing newlines do not make another message.
		norm := bytes.TrimRight(bytes.ReplaceAll(c.Raw, []byte("\r\n"), []byte("\n")), "\n")
		sum := sha256.Sum256(norm)
		field(hex.EncodeToString(sum[:]))
		return hex.EncodeToString(h.Sum(nil))
	default:
		field("parsed")
	}
	field(msg.From.Email)
	if msg.Date != nil {
		field(msg.Date.UTC().Format(time.RFC3339))
	} else {
		field("")
	}
	field(msg.Subject)
	if !c.Truncated {
		field(textKey(msg.Text))
		sums := make([]string, 0, len(msg.Attachments))
		for _, a := range msg.Attachments {
			sums = append(sums, a.SHA256)
		}
		slices.Sort(sums)
		field(strings.Join(sums, ","))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// textKeyRunes is how much of the text the fingerprint reads: enough to
// tell messages apart, and far below the body limit, so that a different
// limit does not change identities.
const textKeyRunes = 16 << 10

// textKey is the part of a message's text that identifies it: its first
// letters and digits, lower-cased, without white space or punctuation. A
// better HTML-to-text conversion or another line wrapping in a later
// version of internal/mail leaves it alone, so a rescan keeps the ids.
func textKey(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == textKeyRunes {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			n++
		}
	}
	return b.String()
}

func cleanParty(p caseevent.Party) caseevent.Party {
	p.Name = clip(p.Name, caseevent.MaxStringLength)
	p.Email = clip(p.Email, caseevent.MaxStringLength)
	return p
}

func capList(refs []string) []string {
	if len(refs) > caseevent.MaxListLength {
		refs = refs[len(refs)-caseevent.MaxListLength:] // keep the newest
	}
	for i, r := range refs {
		refs[i] = clip(r, caseevent.MaxStringLength)
	}
	return refs
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// fitSize keeps the encoded event under the contract's limit: first the
// HTML goes (the raw original keeps it), then the text is shortened.
func fitSize(ev *caseevent.Event) {
	const budget = caseevent.MaxEventSize - 16<<10
	size := func() int {
		b, err := ev.Marshal()
		if err != nil {
			return len(ev.Data.Text) + len(ev.Data.HTML) // invalid for another reason: leave it to the caller
		}
		return len(b)
	}
	// Encoding costs as much as the publish that follows, so do it only
	// when the event can come near the limit: every field but the bodies
	// and the lists is cut to 1,000 characters, and the lists are short.
	d := &ev.Data
	if len(d.Text)+len(d.HTML) < budget/2 && len(d.Recipients)+len(d.Attachments)+len(d.Thread.References) < 20 {
		return
	}
	if size() <= budget {
		return
	}
	if ev.Data.HTML != "" {
		ev.Data.HTML = ""
		note := "the HTML body was left out of the event to keep it under the size limit; the raw original has it"
		ev.Data.ParseError = clip(strings.TrimPrefix(ev.Data.ParseError+"; "+note, "; "), caseevent.MaxStringLength)
	}
	for size() > budget && len(ev.Data.Text) > 1024 {
		cut := len(ev.Data.Text) * 3 / 4
		for cut > 0 && !utf8.RuneStart(ev.Data.Text[cut]) {
			cut--
		}
		ev.Data.Text = ev.Data.Text[:cut] + "\n[…]"
	}
}
