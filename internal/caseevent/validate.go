package caseevent

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Validate reports whether e follows version 1 of the contract. It returns
// nil or a *ValidationError that lists every problem at once, sorted by path.
// An empty DataContentType is accepted and means application/json.
func (e Event) Validate() error {
	_, err := e.encodeValid()
	return err
}

// encodeValid validates e and returns its wire form, so the size limit is
// checked on exactly the bytes that Marshal returns.
func (e Event) encodeValid() ([]byte, error) {
	c := &checker{}
	c.envelope(e)
	c.message("data", e.Data)
	b, err := encode(e)
	if err != nil {
		// Only values the checks above reject fail to encode; should one
		// slip through, the event must still not pass.
		if len(c.problems) == 0 {
			c.add("", "cannot be encoded as JSON: "+err.Error())
		}
	} else if len(b) > MaxEventSize {
		c.add("", fmt.Sprintf("the encoded event is %d bytes, more than the limit of %d", len(b), MaxEventSize))
	}
	if len(c.problems) > 0 {
		sortProblems(c.problems)
		return nil, &ValidationError{Problems: c.problems}
	}
	return b, nil
}

type checker struct {
	problems []Problem
}

func (c *checker) add(path, msg string) {
	c.problems = append(c.problems, Problem{Path: path, Message: msg})
}

func (c *checker) envelope(e Event) {
	if e.SpecVersion != SpecVersion {
		c.add("specversion", fmt.Sprintf("must be %q, not %s", SpecVersion, quoteShort(e.SpecVersion)))
	}
	c.id("id", e.ID)
	c.text("source", e.Source, true, MaxStringLength)
	switch e.Type {
	case TypeMessageV1:
	case "":
		c.add("type", "must not be empty (supported: "+TypeMessageV1+")")
	default:
		c.add("type", fmt.Sprintf("unsupported type %s (supported: %s)", quoteShort(e.Type), TypeMessageV1))
	}
	c.time("time", e.Time)
	if e.DataContentType != "" && e.DataContentType != DataContentType {
		c.add("datacontenttype", fmt.Sprintf("must be %q or empty, not %s", DataContentType, quoteShort(e.DataContentType)))
	}
}

func (c *checker) id(path, id string) {
	switch {
	case id == "":
		c.add(path, "must not be empty")
	case len(id) > MaxIDLength:
		c.add(path, fmt.Sprintf("must be at most %d bytes, not %d", MaxIDLength, len(id)))
	case strings.IndexFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0:
		c.add(path, "must be printable ASCII without spaces")
	}
}

func (c *checker) message(path string, m Message) {
	if !slices.Contains(Channels(), m.Channel) {
		c.add(path+".channel", "must be one of "+joinValues(Channels()))
	}
	if m.Direction != DirectionIncoming && m.Direction != DirectionOutgoing {
		c.add(path+".direction", "must be one of "+joinValues([]Direction{DirectionIncoming, DirectionOutgoing}))
	}
	c.text(path+".inbox", m.Inbox, true, MaxInboxLength)
	if m.Domain != DomainGemeente && m.Domain != DomainSociaalhuis {
		c.add(path+".domain", "must be one of "+joinValues([]Domain{DomainGemeente, DomainSociaalhuis}))
	}
	c.text(path+".external_id", m.ExternalID, true, MaxStringLength)
	c.thread(path+".thread", m.Thread)
	c.party(path+".sender", m.Sender)
	c.length(path+".recipients", len(m.Recipients))
	for i, p := range m.Recipients {
		c.party(index(path+".recipients", i), p)
	}
	c.text(path+".subject", m.Subject, false, MaxStringLength)
	c.body(path+".text", m.Text)
	c.body(path+".html", m.HTML)
	if m.SentAt != nil {
		c.time(path+".sent_at", *m.SentAt)
	}
	if m.ReceivedAt != nil {
		c.time(path+".received_at", *m.ReceivedAt)
	}
	c.text(path+".auto_submitted", m.AutoSubmitted, false, MaxStringLength)
	if m.Location != nil {
		c.location(path+".location", *m.Location)
	}
	if m.Form != nil {
		c.form(path+".form", *m.Form)
	}
	c.length(path+".attachments", len(m.Attachments))
	for i, a := range m.Attachments {
		p := index(path+".attachments", i)
		c.text(p+".name", a.Name, true, MaxStringLength)
		c.object(p, ObjectRef{ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256, Object: a.Object})
	}
	if m.Raw != nil {
		c.object(path+".raw", *m.Raw)
	}
	c.text(path+".parse_error", m.ParseError, false, MaxStringLength)
}

func (c *checker) thread(path string, t Thread) {
	c.text(path+".in_reply_to", t.InReplyTo, false, MaxStringLength)
	c.length(path+".references", len(t.References))
	for i, r := range t.References {
		c.text(index(path+".references", i), r, true, MaxStringLength)
	}
	c.text(path+".conversation_id", t.ConversationID, false, MaxStringLength)
	c.text(path+".case_ref", t.CaseRef, false, MaxStringLength)
}

func (c *checker) party(path string, p Party) {
	c.text(path+".name", p.Name, false, MaxStringLength)
	c.text(path+".email", p.Email, false, MaxStringLength)
	c.text(path+".phone", p.Phone, false, MaxStringLength)
	c.text(path+".facebook_id", p.FacebookID, false, MaxStringLength)
	c.text(path+".address", p.Address, false, MaxStringLength)
}

func (c *checker) location(path string, l Location) {
	c.coordinate(path+".lat", l.Lat, 90)
	c.coordinate(path+".lon", l.Lon, 180)
	c.text(path+".address", l.Address, false, MaxStringLength)
}

func (c *checker) coordinate(path string, v, limit float64) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		c.add(path, "must be a finite number")
	case v < -limit || v > limit:
		c.add(path, fmt.Sprintf("must be between %g and %g", -limit, limit))
	}
}

func (c *checker) form(path string, f Form) {
	c.text(path+".service_code", f.ServiceCode, false, MaxStringLength)
	c.text(path+".service_name", f.ServiceName, false, MaxStringLength)
	c.length(path+".fields", len(f.Fields))
	for key, value := range f.Fields {
		p := path + ".fields[" + strconv.Quote(key) + "]"
		if key == "" {
			c.add(p, "the field name must not be empty")
		} else if msg := textProblem(key, MaxStringLength); msg != "" {
			c.add(p, "the field name "+msg)
		}
		c.text(p, value, false, MaxFormValueLength)
	}
}

// object checks a reference into the object store; attachments share it.
func (c *checker) object(path string, o ObjectRef) {
	c.text(path+".content_type", o.ContentType, false, MaxStringLength)
	if o.Size < 0 {
		c.add(path+".size", "must not be negative")
	}
	if !isSHA256Hex(o.SHA256) {
		c.add(path+".sha256", "must be 64 lower-case hexadecimal characters")
	}
	c.text(path+".object", o.Object, true, MaxStringLength)
}

func (c *checker) time(path string, t time.Time) {
	if t.IsZero() {
		c.add(path, "must be set (not the zero time)")
		return
	}
	if _, err := t.MarshalText(); err != nil {
		c.add(path, "cannot be written as RFC 3339: "+err.Error())
	}
}

func (c *checker) length(path string, n int) {
	if n > MaxListLength {
		c.add(path, fmt.Sprintf("must have at most %d entries, not %d", MaxListLength, n))
	}
}

// text checks a string whose limit counts characters.
func (c *checker) text(path, s string, required bool, max int) {
	if s == "" {
		if required {
			c.add(path, "must not be empty")
		}
		return
	}
	if msg := textProblem(s, max); msg != "" {
		c.add(path, msg)
	}
}

// body checks text and html, whose limit counts bytes.
func (c *checker) body(path, s string) {
	if msg := textProblem(s, math.MaxInt); msg != "" {
		c.add(path, msg)
	}
	if len(s) > MaxBodySize {
		c.add(path, fmt.Sprintf("must be at most %d bytes, not %d", MaxBodySize, len(s)))
	}
}

// textProblem describes what is wrong with s, or returns "". Strings must be
// valid UTF-8 and must not contain NUL, which PostgreSQL cannot store in text
// or jsonb.
func textProblem(s string, maxChars int) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain NUL (U+0000)"
	}
	if len(s) > maxChars {
		if n := utf8.RuneCountInString(s); n > maxChars {
			return fmt.Sprintf("must be at most %d characters, not %d", maxChars, n)
		}
	}
	return ""
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if !isDigit(s[i]) && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	return true
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func joinValues[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// quoteShort quotes a value that is safe to show (a version or type name,
// never personal data), cut short so a hostile value cannot flood a log.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return strconv.Quote(s)
}
