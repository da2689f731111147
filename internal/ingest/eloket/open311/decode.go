package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Request is one service request as listed by GET requests.{format}.
type Request struct {
	// ID is service_request_id, always as a string, even when the server
	// sends a number.
	ID          string
	Status      string // open, closed, or whatever the server says
	StatusNotes string
	ServiceCode string
	ServiceName string
	Description string
	RequestedAt time.Time
	UpdatedAt   time.Time
	Address     string
	ZipCode     string
	Lat, Long   float64
	HasLocation bool // both lat and long were present and numeric
	MediaURL    string
	// Contact fields: not in the standard's listing, but common extensions.
	Email, Phone, FirstName, LastName, DeviceID, AccountID string

	// Raw is the item exactly as received. For XML answers it is the item
	// re-encoded as a JSON object: each child element becomes a key, text
	// becomes a string, nested elements an object, repeated ones an array.
	Raw json.RawMessage
	// ParseError is set when fields of the item could not be read; the
	// fields that could are filled in and Raw holds the whole item.
	ParseError string
}

// decodeRequestsJSON reads a requests.json answer. An answer that is not a
// JSON array (or an object wrapping one) is ErrGarbage; a malformed item is
// returned with ParseError set.
func decodeRequestsJSON(data []byte, loc *time.Location) ([]Request, error) {
	items, err := jsonItems(data, "service_requests", "requests")
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(items))
	for _, raw := range items {
		out = append(out, requestFromJSON(raw, loc))
	}
	return out, nil
}

// jsonItems returns the elements of a top-level array, or of the array under
// one of keys when the server wraps the list in an object.
func jsonItems(data []byte, keys ...string) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	var items []json.RawMessage
	if len(data) > 0 && data[0] == '{' {
		var wrap map[string]json.RawMessage
		if err := json.Unmarshal(data, &wrap); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrGarbage, err)
		}
		for _, k := range keys {
			if v, ok := wrap[k]; ok {
				data = v
				break
			}
		}
	}
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrGarbage, err)
	}
	return items, nil
}

func requestFromJSON(raw json.RawMessage, loc *time.Location) Request {
	r := Request{Raw: append(json.RawMessage(nil), raw...)}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		r.ParseError = "item is not a JSON object"
		return r
	}
	f := fields{loc: loc, get: func(k string) (json.RawMessage, bool) { v, ok := m[k]; return v, ok }}
	f.fill(&r)
	return r
}

// fields reads one item's fields leniently and collects what went wrong.
type fields struct {
	loc  *time.Location
	get  func(key string) (json.RawMessage, bool)
	errs []string
}

func (f *fields) fill(r *Request) {
	r.ID = f.str("service_request_id")
	if r.ID == "" && len(f.errs) == 0 {
		f.errs = append(f.errs, "service_request_id: missing")
	}
	r.Status = f.str("status")
	r.StatusNotes = f.str("status_notes")
	r.ServiceCode = f.str("service_code")
	r.ServiceName = f.str("service_name")
	r.Description = f.str("description")
	r.RequestedAt = f.time("requested_datetime")
	r.UpdatedAt = f.time("updated_datetime")
	r.Address = f.str("address")
	r.ZipCode = f.str("zipcode")
	lat, okLat := f.float("lat")
	long, okLong := f.float("long")
	if okLat && okLong {
		r.Lat, r.Long, r.HasLocation = lat, long, true
	}
	r.MediaURL = f.str("media_url")
	r.Email = f.str("email")
	r.Phone = f.str("phone")
	r.FirstName = f.str("first_name")
	r.LastName = f.str("last_name")
	r.DeviceID = f.str("device_id")
	r.AccountID = f.str("account_id")
	r.ParseError = strings.Join(f.errs, "; ")
}

func (f *fields) fail(key, format string, args ...any) {
	f.errs = append(f.errs, key+": "+fmt.Sprintf(format, args...))
}

// str accepts strings, numbers (ids are often numbers) and booleans.
func (f *fields) str(key string) string {
	v, ok := f.get(key)
	if !ok {
		return ""
	}
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return ""
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			f.fail(key, "%v", err)
		}
		return strings.TrimSpace(s)
	case v[0] == '-' || v[0] >= '0' && v[0] <= '9', string(v) == "true", string(v) == "false":
		return string(v)
	}
	f.fail(key, "want a string, got %s", kind(v))
	return ""
}

func (f *fields) time(key string) time.Time {
	v, ok := f.get(key)
	if !ok {
		return time.Time{}
	}
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return time.Time{}
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		f.fail(key, "want a datetime string, got %s", kind(v))
		return time.Time{}
	}
	if strings.TrimSpace(s) == "" {
		return time.Time{}
	}
	t, err := ParseTime(s, f.loc)
	if err != nil {
		f.fail(key, "%v", err)
	}
	return t
}

// float accepts numbers and numeric strings; absent, null and "" are not an
// error but report ok=false.
func (f *fields) float(key string) (float64, bool) {
	v, ok := f.get(key)
	if !ok {
		return 0, false
	}
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return 0, false
	}
	s := string(v)
	if v[0] == '"' {
		if json.Unmarshal(v, &s) != nil {
			f.fail(key, "bad string")
			return 0, false
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x != x || x > 1e6 || x < -1e6 {
		f.fail(key, "want a number, got %q", truncate(s, 40))
		return 0, false
	}
	return x, true
}

func kind(v json.RawMessage) string {
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// timeLayouts are the datetime forms seen from Open311 servers: RFC 3339,
// ISO 8601 with a +hhmm offset, and local times without an offset.
// Fractional seconds are accepted by time.Parse after the seconds field.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
}

var localLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime reads an Open311 datetime. Times without an offset are taken in
// loc (nil: UTC).
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown datetime %q", truncate(s, 40))
}

// decodeRequestsXML reads a requests.xml answer:
// <service_requests><request>...</request>...</service_requests>.
func decodeRequestsXML(data []byte, loc *time.Location) ([]Request, error) {
	items, err := xmlItems(data, "service_requests", "requests")
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(items))
	for _, it := range items {
		r := Request{Raw: it.json()}
		f := fields{loc: loc, get: it.field}
		f.fill(&r)
		out = append(out, r)
	}
	return out, nil
}

// xmlNode is an element: its text when it has no child elements, else its
// children in document order.
type xmlNode struct {
	name     string
	text     string
	children []*xmlNode
}

// field returns a leaf child's text as a JSON string, so that the JSON field
// readers serve both formats.
func (n *xmlNode) field(key string) (json.RawMessage, bool) {
	for _, c := range n.children {
		if c.name == key {
			if len(c.children) > 0 {
				return c.json(), true
			}
			b, _ := json.Marshal(c.text)
			return b, true
		}
	}
	return nil, false
}

// json re-encodes an element as JSON, keeping the order of its children.
func (n *xmlNode) json() json.RawMessage {
	if len(n.children) == 0 {
		b, _ := json.Marshal(n.text)
		return b
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	done := map[string]bool{}
	first := true
	for _, c := range n.children {
		if done[c.name] {
			continue
		}
		done[c.name] = true
		var same []*xmlNode
		for _, d := range n.children {
			if d.name == c.name {
				same = append(same, d)
			}
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(c.name)
		buf.Write(k)
		buf.WriteByte(':')
		if len(same) == 1 {
			buf.Write(c.json())
			continue
		}
		buf.WriteByte('[')
		for i, d := range same {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(d.json())
		}
		buf.WriteByte(']')
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// maxXMLDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxXMLDepth = 32

// xmlItems parses the document and returns the children of its root, which
// must be one of roots.
func xmlItems(data []byte, roots ...string) ([]*xmlNode, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrGarbage, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: more than one root element", ErrGarbage)
			}
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("%w: nested too deeply", ErrGarbage)
			}
			n := &xmlNode{name: t.Name.Local}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.children) > 0 {
				n.text = ""
			} else {
				n.text = strings.TrimSpace(n.text)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				if len(n.children) == 0 {
					n.text += string(t)
				}
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: empty document", ErrGarbage)
	}
	for _, r := range roots {
		if root.name == r {
			return root.children, nil
		}
	}
	return nil, fmt.Errorf("%w: root element <%s>", ErrGarbage, root.name)
}
