package mail

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// Errors Parse and Headers return when nothing useful could be read. The
// connector then publishes the raw original with parse_error set.
var (
	// ErrEmpty: the input is empty or only white space.
	ErrEmpty = errors.New("mail: empty message")
	// ErrNoHeader: the input does not start with a header field, so it is
	// not a message (or not one this package can recognise).
	ErrNoHeader = errors.New("mail: no header fields found")
	// ErrInternal: the parser failed on a bug (a recovered panic). The fuzz
	// targets exist so that this never happens.
	ErrInternal = errors.New("mail: internal parser error")
)

// Options tune Parse and Headers. The zero value is valid.
type Options struct {
	// CaseRef finds a case reference in the subject; nil finds none. The
	// leftmost match is kept, with white space removed and letters
	// upper-cased, so a tolerant pattern such as CaseRefPattern's turns
	// "mp - 2026 - 000123" into "MP-2026-000123".
	CaseRef *regexp.Regexp

	// MaxBodyBytes caps Text and HTML, each, in bytes of UTF-8 (default
	// caseevent.MaxBodySize, 512 KiB). Longer bodies are cut on a character
	// boundary and a problem says so.
	MaxBodyBytes int
}

func (o Options) maxBody() int {
	if o.MaxBodyBytes <= 0 {
		return caseevent.MaxBodySize
	}
	return o.MaxBodyBytes
}

// CaseRefPattern returns the pattern of the registry's case references,
// MP-YYYY-NNNNNN, tolerant of case and of spaces around the dashes
// ("[MP-2026-000123]", "mp - 2026 - 000123"). Each call compiles a new one.
func CaseRefPattern() *regexp.Regexp {
	return caseevent.CaseRefPattern("MP")
}

// Message is a normalised e-mail message. Every string is valid UTF-8
// without NUL characters.
type Message struct {
	// MessageID, InReplyTo and References are message ids in one form:
	// "<left@right>", angle brackets included, white space and comments
	// removed, case kept. An id written without brackets gets them.
	MessageID  string   `json:"message_id,omitempty"`
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`

	// CaseRef is the case reference found in Subject by Options.CaseRef.
	CaseRef string `json:"case_ref,omitempty"`

	// From is the first address of From:. Sender is the Sender: header
	// when its address differs from From's, else zero. Addresses are
	// lower-cased; names are decoded and unquoted.
	From    caseevent.Party   `json:"from,omitzero"`
	Sender  caseevent.Party   `json:"sender,omitzero"`
	ReplyTo []caseevent.Party `json:"reply_to,omitempty"`
	To      []caseevent.Party `json:"to,omitempty"`
	Cc      []caseevent.Party `json:"cc,omitempty"`
	Bcc     []caseevent.Party `json:"bcc,omitempty"`

	// Subject is decoded and unfolded, runs of white space made one space.
	Subject string `json:"subject,omitempty"`

	// Date is the Date: header with the sender's offset; nil when absent
	// or unreadable. ReceivedAt is the date of the newest (topmost)
	// Received: header, for imports that have no IMAP INTERNALDATE.
	Date       *time.Time `json:"date,omitempty"`
	ReceivedAt *time.Time `json:"received_at,omitempty"`

	// Text is the readable body: text/plain where the sender gave one,
	// otherwise text derived from the HTML; forwarded messages are appended.
	// Line ends are "\n". HTML is the HTML body as received, decoded to
	// UTF-8 but otherwise untouched (not sanitised).
	Text string `json:"text,omitempty"`
	HTML string `json:"html,omitempty"`

	// AutoSubmitted names what an automatic message is (see the package
	// documentation for the values); empty for a person's message.
	AutoSubmitted string `json:"auto_submitted,omitempty"`

	Attachments []Attachment `json:"attachments,omitempty"`

	// Problems lists what was wrong with the message but did not stop
	// Parse, in words for staff. They never quote bodies or addresses.
	Problems []string `json:"problems,omitempty"`
}

// Attachment is a file that came with the message: a MIME part that is not
// the body, an inline image, a file unpacked from winmail.dat, or a
// forwarded message itself.
type Attachment struct {
	// Name is the file name as sent (path removed), or made up from the
	// type when the sender gave none ("part-2.png", "invite.ics",
	// "<subject>.eml").
	Name string `json:"name"`
	// ContentType is "type/subtype", lower case, without parameters.
	ContentType string `json:"content_type"`
	// ContentID is the Content-ID without angle brackets, as "cid:" URLs in
	// the HTML refer to it.
	ContentID string `json:"content_id,omitempty"`
	// Inline is set for parts meant to be shown in the body (inline images).
	Inline bool   `json:"inline,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Data holds the decoded bytes. It may share memory with the raw input
	// of Parse: do not modify either while the other is in use.
	Data []byte `json:"-"`
	// FromTNEF is set for files unpacked from a winmail.dat.
	FromTNEF bool `json:"from_tnef,omitempty"`
	// FromMessage is the Name of the attached message (message/rfc822)
	// this file was unpacked from, for display.
	FromMessage string `json:"from_message,omitempty"`
}

// Parse reads one message. It never panics. It returns an error (and no
// message) only when nothing useful could be read: ErrEmpty, ErrNoHeader or
// ErrInternal. Everything else that is wrong goes to Message.Problems.
func Parse(raw []byte, opts Options) (msg *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("%w: %v", ErrInternal, r)
		}
	}()
	return parse(raw, opts)
}

// Headers reads only the header fields of a message: the thread hints,
// addresses, subject, dates, case reference and the automatic-message
// markers that headers show. It is meant for messages over the size limit,
// which are registered without their body. Errors are as for Parse.
func Headers(raw []byte, opts Options) (msg *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("%w: %v", ErrInternal, r)
		}
	}()
	return headersOnly(raw, opts)
}

func parse(raw []byte, opts Options) (*Message, error) {
	if isBlank(raw) {
		return nil, ErrEmpty
	}
	p := newParser(opts)
	root := p.entity(raw, "", "text/plain", true)
	if len(root.hdr.fields) == 0 {
		return nil, ErrNoHeader
	}
	m := &Message{}
	p.fillHeader(m, root.hdr)

	c := p.walk(root, 0, walkCtx{})
	text := c.text
	if text == "" && p.tnefText != "" {
		text = p.tnefText
	}
	if text == "" && len(p.calendars) > 0 {
		text = joinParagraphs(p.calendars)
	}
	if text == "" && p.tnefRTFOnly {
		p.problem("", "the body is only in winmail.dat as compressed RTF, which is not converted")
	}
	if p.bodySkipped {
		p.problem("", "more text parts than fit; the rest is only in the raw message")
	}
	max := opts.maxBody()
	var cut bool
	if m.Text, cut = truncateUTF8(text, max); cut {
		p.problem("", "text cut to %d bytes; the rest is only in the raw message", max)
	}
	if m.HTML, cut = truncateUTF8(c.html, max); cut {
		p.problem("", "html cut to %d bytes; the rest is only in the raw message", max)
	}
	m.AutoSubmitted = p.autoSubmitted(root.hdr, m.From.Email)
	m.Attachments = p.attachments
	m.Problems = p.probs.list()
	return m, nil
}

func headersOnly(raw []byte, opts Options) (*Message, error) {
	if isBlank(raw) {
		return nil, ErrEmpty
	}
	p := newParser(opts)
	hdr, _ := p.readHeader(raw, "", true)
	if len(hdr.fields) == 0 {
		return nil, ErrNoHeader
	}
	m := &Message{}
	p.fillHeader(m, hdr)
	// The top-level Content-Type still tells a delivery report apart.
	mt, params := p.contentType(hdr, "", "text/plain")
	if mt == "multipart/report" {
		p.reportType = params["report-type"]
	}
	m.AutoSubmitted = p.autoSubmitted(hdr, m.From.Email)
	m.Problems = p.probs.list()
	return m, nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', 0:
		default:
			return false
		}
	}
	return true
}
