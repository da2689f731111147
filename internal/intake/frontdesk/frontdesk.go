// Package frontdesk turns what staff register by hand — a visit at the front
// desk ("onthaal"), a phone call, a letter with its scanned pages — into a
// case event, and publishes it the way the connectors do: the files and a
// record of the registration into the object store first, then the event on
// the intake stream. The registry stores it like any other message.
//
// The event id comes from the member of staff and an idempotency key the
// client chooses once per form, so a form posted twice registers once.
//
// It imports internal/caseevent only; the bus is reached through Publisher.
package frontdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// Publisher is what registering needs of the bus.
type Publisher interface {
	// PutObject stores data in the object store under its SHA-256.
	PutObject(ctx context.Context, data []byte, contentType string) (caseevent.ObjectRef, error)
	// PublishEvent publishes ev and waits for the stream's
	// acknowledgement; duplicate is true when the stream held it already.
	PublishEvent(ctx context.Context, ev caseevent.Event) (duplicate bool, err error)
}

// Channels are the channels staff register by hand.
func Channels() []caseevent.Channel {
	return []caseevent.Channel{caseevent.ChannelCounter, caseevent.ChannelPhone, caseevent.ChannelLetter}
}

// DefaultInbox is the inbox of a channel when the registration names none.
func DefaultInbox(ch caseevent.Channel) string {
	switch ch {
	case caseevent.ChannelPhone:
		return "telefoon"
	case caseevent.ChannelLetter:
		return "brieven"
	}
	return "onthaal"
}

// Registration is what a member of staff registers.
type Registration struct {
	Channel caseevent.Channel // counter, phone or letter
	// Direction is incoming (the citizen came, called or wrote) unless
	// staff register their own call or letter (outgoing).
	Direction caseevent.Direction
	Domain    caseevent.Domain
	// Inbox names the desk, line or mailroom; empty: DefaultInbox.
	Inbox   string
	Citizen Citizen
	Subject string
	Text    string
	// CaseRef is the case the citizen came about, if they said.
	CaseRef string
	// ReceivedAt is when the visit, call or letter came in; nil: now.
	ReceivedAt *time.Time
	// SentAt is the date of a letter, if known.
	SentAt *time.Time
	Files  []File
}

// Citizen is who came, called or wrote. Every field may be empty (an
// anonymous question).
type Citizen struct {
	Name, Email, Phone, Address string
}

// File is an attachment, such as a scanned letter.
type File struct {
	Name string
	Data []byte
}

// Staff is the member of staff who registers.
type Staff struct {
	// Actor names them on timelines (auth.Principal.Actor).
	Actor string
	// Name is their display name.
	Name string
}

// Limits bound what one registration may hold.
type Limits struct {
	MaxFiles     int
	MaxFileSize  int64
	MaxTotalSize int64
}

// DefaultLimits: ten files of at most 25 MiB, 50 MiB together.
func DefaultLimits() Limits {
	return Limits{MaxFiles: 10, MaxFileSize: 25 << 20, MaxTotalSize: 50 << 20}
}

// Limits on the idempotency key.
const (
	MaxKeyLength = 200
	// SourcePrefix starts the event source; the inbox follows.
	SourcePrefix = "meldpunt/frontdesk/"
	// RecordContentType is the content type of the registration record,
	// the event's raw original.
	RecordContentType = "application/vnd.meldpunt.frontdesk+json"
)

// InputError lists everything wrong with a registration, for the member
// of staff to put right. It never repeats what they entered.
type InputError struct {
	Problems []string
}

func (e *InputError) Error() string { return "registration: " + strings.Join(e.Problems, "; ") }

// EventID is the id of the event registered by staff with key: the same
// member of staff, key, channel and inbox always give the same id.
func EventID(staff, key string, ch caseevent.Channel, inbox string) string {
	return caseevent.NewID(ch, inbox, "frontdesk", staff, key)
}

// CheckKey reports what is wrong with an idempotency key, or "".
func CheckKey(key string) string {
	switch {
	case key == "":
		return "idempotency key: required (a random value the form makes once, such as a UUID)"
	case len(key) > MaxKeyLength:
		return fmt.Sprintf("idempotency key: at most %d characters", MaxKeyLength)
	case strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0:
		return "idempotency key: printable ASCII without spaces"
	}
	return ""
}

// Receipt says what was registered.
type Receipt struct {
	EventID string
	// Duplicate: the stream held this registration already (the form was
	// posted twice); nothing new was published.
	Duplicate bool
	Event     caseevent.Event
}

// Prepared is a registration turned into an event whose objects are not
// stored yet.
type Prepared struct {
	Event caseevent.Event
	// Objects are the files and the record, by SHA-256.
	Objects []Object
}

// Object is content to put in the object store.
type Object struct {
	Data        []byte
	ContentType string
}

// Prepare checks r and turns it into an event registered by staff at now
// with key, without storing anything. An *InputError lists what is wrong.
func Prepare(staff Staff, key string, r Registration, now time.Time, l Limits) (Prepared, error) {
	r = r.withDefaults()
	now = now.UTC()
	problems := r.check(now, l)
	if p := CheckKey(key); p != "" {
		problems = append(problems, p)
	}
	if strings.TrimSpace(staff.Actor) == "" {
		problems = append(problems, "staff: unknown member of staff")
	}
	files, fileProblems := checkFiles(r.Files, l)
	problems = append(problems, fileProblems...)
	if len(problems) > 0 {
		return Prepared{}, &InputError{Problems: problems}
	}

	id := EventID(staff.Actor, key, r.Channel, r.Inbox)
	received := now
	if r.ReceivedAt != nil {
		received = r.ReceivedAt.UTC()
	}
	var p Prepared
	var atts []caseevent.Attachment
	for _, f := range files {
		ref := objectRef(f.data, f.contentType)
		atts = append(atts, caseevent.Attachment{Name: f.name, ContentType: ref.ContentType, Size: ref.Size, SHA256: ref.SHA256, Object: ref.Object})
		p.Objects = append(p.Objects, Object{Data: f.data, ContentType: f.contentType})
	}
	rec, err := json.Marshal(newRecord(id, key, staff, r, received, now, atts))
	if err != nil {
		return Prepared{}, fmt.Errorf("registration record: %w", err)
	}
	raw := objectRef(rec, RecordContentType)
	p.Objects = append(p.Objects, Object{Data: rec, ContentType: RecordContentType})

	citizen := caseevent.Party{Name: r.Citizen.Name, Email: r.Citizen.Email, Phone: r.Citizen.Phone, Address: r.Citizen.Address}
	member := caseevent.Party{Name: staffName(staff)}
	m := caseevent.Message{
		Channel:     r.Channel,
		Direction:   r.Direction,
		Inbox:       r.Inbox,
		Domain:      r.Domain,
		ExternalID:  id,
		Thread:      caseevent.Thread{CaseRef: r.CaseRef},
		Sender:      citizen,
		Recipients:  []caseevent.Party{member},
		Subject:     r.Subject,
		Text:        r.Text,
		SentAt:      utc(r.SentAt),
		ReceivedAt:  &received,
		Attachments: atts,
		Raw:         &raw,
	}
	if r.Direction == caseevent.DirectionOutgoing {
		m.Sender, m.Recipients = member, nil
		if citizen != (caseevent.Party{}) {
			m.Recipients = []caseevent.Party{citizen}
		}
	}
	p.Event = caseevent.NewEvent(id, SourcePrefix+r.Inbox, now, m)
	if err := p.Event.Validate(); err != nil {
		var verr *caseevent.ValidationError
		if errors.As(err, &verr) {
			ie := &InputError{}
			for _, vp := range verr.Problems {
				ie.Problems = append(ie.Problems, strings.TrimPrefix(vp.String(), "data."))
			}
			return Prepared{}, ie
		}
		return Prepared{}, fmt.Errorf("registration event: %w", err)
	}
	return p, nil
}

// Register prepares r and publishes it.
func Register(ctx context.Context, pub Publisher, staff Staff, key string, r Registration, now time.Time, l Limits) (Receipt, error) {
	p, err := Prepare(staff, key, r, now, l)
	if err != nil {
		return Receipt{}, err
	}
	return Publish(ctx, pub, p)
}

// Publish stores the objects of p, then publishes its event. It finishes
// even when ctx ends meanwhile (the client went away): a half-done
// registration would only be done again by the next post.
func Publish(ctx context.Context, pub Publisher, p Prepared) (Receipt, error) {
	work := context.WithoutCancel(ctx)
	for _, o := range p.Objects {
		if _, err := pub.PutObject(work, o.Data, o.ContentType); err != nil {
			return Receipt{}, fmt.Errorf("register %s: %w", p.Event.ID, err)
		}
	}
	dup, err := pub.PublishEvent(work, p.Event)
	if err != nil {
		return Receipt{}, fmt.Errorf("register %s: %w", p.Event.ID, err)
	}
	return Receipt{EventID: p.Event.ID, Duplicate: dup, Event: p.Event}, nil
}

func (r Registration) withDefaults() Registration {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	for _, s := range []*string{&r.Inbox, &r.Citizen.Name, &r.Citizen.Email, &r.Citizen.Phone, &r.Citizen.Address, &r.Subject, &r.CaseRef} {
		trim(s)
	}
	r.Text = strings.TrimRight(r.Text, " \t\r\n")
	if r.Direction == "" {
		r.Direction = caseevent.DirectionIncoming
	}
	if r.Inbox == "" {
		r.Inbox = DefaultInbox(r.Channel)
	}
	return r
}

// clockSkew is how far in the future a time may be: clocks differ a little.
const clockSkew = 5 * time.Minute

func (r Registration) check(now time.Time, l Limits) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !slices.Contains(Channels(), r.Channel) {
		bad("channel: want counter, phone or letter")
	}
	if r.Direction != caseevent.DirectionIncoming && r.Direction != caseevent.DirectionOutgoing {
		bad("direction: want incoming or outgoing")
	}
	if r.Domain != caseevent.DomainGemeente && r.Domain != caseevent.DomainSociaalhuis {
		bad("domain: want gemeente or sociaalhuis")
	}
	if len(r.Inbox) > caseevent.MaxInboxLength || caseevent.SafeToken(r.Inbox) != r.Inbox {
		bad("inbox: lower-case letters, digits, '-' and '_', at most %d", caseevent.MaxInboxLength)
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"citizen.name", r.Citizen.Name, caseevent.MaxStringLength},
		{"citizen.email", r.Citizen.Email, caseevent.MaxStringLength},
		{"citizen.phone", r.Citizen.Phone, caseevent.MaxStringLength},
		{"citizen.address", r.Citizen.Address, caseevent.MaxStringLength},
		{"subject", r.Subject, caseevent.MaxStringLength},
		{"case_ref", r.CaseRef, caseevent.MaxStringLength},
	} {
		if msg := textProblem(f.value, f.max); msg != "" {
			bad("%s: %s", f.name, msg)
		}
	}
	if msg := textProblem(r.Text, caseevent.MaxBodySize); msg != "" {
		bad("text: %s", msg)
	} else if len(r.Text) > caseevent.MaxBodySize {
		bad("text: at most %d bytes", caseevent.MaxBodySize)
	}
	if e := r.Citizen.Email; e != "" && (strings.Count(e, "@") != 1 || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@") ||
		strings.ContainsFunc(e, func(r rune) bool { return r <= ' ' || r == '<' || r == '>' || r == ',' })) {
		bad("citizen.email: not an e-mail address")
	}
	if ph := r.Citizen.Phone; ph != "" && (strings.ContainsFunc(ph, func(r rune) bool { return !strings.ContainsRune("0123456789+-/ ().", r) }) ||
		!strings.ContainsAny(ph, "0123456789")) {
		bad("citizen.phone: digits, spaces and + - / ( ) . only")
	}
	if r.Subject == "" && strings.TrimSpace(r.Text) == "" && len(r.Files) == 0 {
		bad("subject, text or attachments: register at least one")
	}
	for _, t := range []struct {
		name string
		at   *time.Time
	}{{"received_at", r.ReceivedAt}, {"sent_at", r.SentAt}} {
		switch {
		case t.at == nil:
		case t.at.Year() < 2000:
			bad("%s: want a date from 2000", t.name)
		case t.at.After(now.Add(clockSkew)):
			bad("%s: in the future", t.name)
		}
	}
	return problems
}

// textProblem is what is wrong with s as text of at most max characters.
func textProblem(s string, max int) string {
	switch {
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL character"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("at most %d characters", max)
	}
	return ""
}

// record is the registration as staff entered it, kept as the event's raw
// original: it shows who registered what and when.
type record struct {
	Kind           string                 `json:"kind"`
	EventID        string                 `json:"event_id"`
	IdempotencyKey string                 `json:"idempotency_key"`
	RegisteredBy   recordStaff            `json:"registered_by"`
	RegisteredAt   time.Time              `json:"registered_at"`
	Channel        caseevent.Channel      `json:"channel"`
	Direction      caseevent.Direction    `json:"direction"`
	Domain         caseevent.Domain       `json:"domain"`
	Inbox          string                 `json:"inbox"`
	Citizen        recordCitizen          `json:"citizen"`
	Subject        string                 `json:"subject,omitempty"`
	Text           string                 `json:"text,omitempty"`
	CaseRef        string                 `json:"case_ref,omitempty"`
	ReceivedAt     time.Time              `json:"received_at"`
	SentAt         *time.Time             `json:"sent_at,omitempty"`
	Attachments    []caseevent.Attachment `json:"attachments,omitempty"`
}

type recordStaff struct {
	Actor string `json:"actor"`
	Name  string `json:"name,omitempty"`
}

type recordCitizen struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
}

func newRecord(id, key string, staff Staff, r Registration, received, now time.Time, atts []caseevent.Attachment) record {
	return record{
		Kind: "meldpunt.frontdesk.registration.v1", EventID: id, IdempotencyKey: key,
		RegisteredBy: recordStaff{Actor: staff.Actor, Name: staff.Name}, RegisteredAt: now,
		Channel: r.Channel, Direction: r.Direction, Domain: r.Domain, Inbox: r.Inbox,
		Citizen: recordCitizen(r.Citizen), Subject: r.Subject, Text: r.Text, CaseRef: r.CaseRef,
		ReceivedAt: received, SentAt: utc(r.SentAt), Attachments: atts,
	}
}

func staffName(s Staff) string {
	if n := strings.TrimSpace(s.Name); n != "" && textProblem(n, caseevent.MaxStringLength) == "" {
		return n
	}
	return s.Actor
}

func objectRef(data []byte, contentType string) caseevent.ObjectRef {
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:])
	return caseevent.ObjectRef{ContentType: contentType, Size: int64(len(data)), SHA256: name, Object: name}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
