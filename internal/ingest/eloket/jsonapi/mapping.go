package jsonapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Mapping says where the parts of a submission sit in an item of the API's
// answer, as dot paths: "data.items", "attributes.title", "files.0.url",
// "location.coordinates.1". An empty path means "not present", except for
// List, where it means the answer itself is the list.
type Mapping struct {
	List            string `toml:"list"`
	ID              string `toml:"id"`        // required
	Timestamp       string `toml:"timestamp"` // required
	Subject         string `toml:"subject"`
	Text            string `toml:"text"`
	ServiceCode     string `toml:"service_code"`
	ServiceName     string `toml:"service_name"`
	SenderName      string `toml:"sender_name"`
	SenderEmail     string `toml:"sender_email"`
	SenderPhone     string `toml:"sender_phone"`
	Address         string `toml:"address"`
	Lat             string `toml:"lat"`
	Lon             string `toml:"lon"`
	Attachments     string `toml:"attachments"`     // a list of URLs, or of objects holding AttachmentURL / AttachmentName
	AttachmentURL   string `toml:"attachment_url"`  // inside one element of Attachments
	AttachmentName  string `toml:"attachment_name"` // inside one element of Attachments
	TimestampFormat string `toml:"timestamp_format"`
}

// Timestamp formats besides a Go layout.
const (
	FormatISO    = ""       // RFC 3339 and common ISO 8601 variants
	FormatUnix   = "unix"   // seconds since 1970, number or string
	FormatUnixMS = "unixms" // milliseconds since 1970, number or string
)

// Item is one submission as the mapping read it.
type Item struct {
	ID          string
	Timestamp   time.Time
	Subject     string
	Text        string
	ServiceCode string
	ServiceName string
	SenderName  string
	SenderEmail string
	SenderPhone string
	Address     string
	Lat, Lon    float64
	HasLocation bool
	Attachments []AttachmentRef
	// Fields holds every field of the item the mapping did not use,
	// flattened to dot paths; arrays and empty objects are JSON text,
	// null is "".
	Fields map[string]string
	// Raw is the item exactly as received.
	Raw json.RawMessage
	// ParseError says what was wrong with a malformed item. Such an item is
	// still returned, with Raw and whatever could be read.
	ParseError string
}

// AttachmentRef is a file a submission points at.
type AttachmentRef struct {
	URL  string
	Name string
}

// ErrBadAnswer is returned (wrapped) when an answer is not JSON or holds
// no list where the mapping says it is. IsTransient counts it as transient:
// a source answering garbage is usually a source having a bad moment.
var ErrBadAnswer = errors.New("answer is not a JSON list")

// Validate reports every problem of the mapping at once, naming the
// settings as they are spelled in the configuration.
func (m Mapping) Validate() error {
	var errs []error
	bad := func(setting, format string, args ...any) {
		errs = append(errs, fmt.Errorf("mapping %s: "+format, append([]any{setting}, args...)...))
	}
	if m.ID == "" {
		bad("id", "required")
	}
	if m.Timestamp == "" {
		bad("timestamp", "required")
	}
	for _, p := range m.paths() {
		if err := checkPath(*p.path); err != nil {
			bad(p.setting, "%v", err)
		}
	}
	if (m.Lat == "") != (m.Lon == "") {
		bad("lat", "lat and lon go together (lat %q, lon %q)", m.Lat, m.Lon)
	}
	if m.Attachments == "" {
		if m.AttachmentURL != "" {
			bad("attachment_url", "needs attachments")
		}
		if m.AttachmentName != "" {
			bad("attachment_name", "needs attachments")
		}
	} else if m.AttachmentName != "" && m.AttachmentURL == "" {
		bad("attachment_url", "required with attachment_name")
	}
	switch m.TimestampFormat {
	case FormatISO, FormatUnix, FormatUnixMS:
	default:
		if ref := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC); ref.Format(m.TimestampFormat) == m.TimestampFormat {
			bad("timestamp_format", "%q is neither \"unix\", \"unixms\" nor a Go time layout", m.TimestampFormat)
		}
	}
	return errors.Join(errs...)
}

type settingPath struct {
	setting string
	path    *string
}

// paths lists the dot paths of the mapping. Attachment paths are relative to
// one element of Attachments and not listed.
func (m *Mapping) paths() []settingPath {
	return []settingPath{
		{"list", &m.List}, {"id", &m.ID}, {"timestamp", &m.Timestamp},
		{"subject", &m.Subject}, {"text", &m.Text},
		{"service_code", &m.ServiceCode}, {"service_name", &m.ServiceName},
		{"sender_name", &m.SenderName}, {"sender_email", &m.SenderEmail},
		{"sender_phone", &m.SenderPhone}, {"address", &m.Address},
		{"lat", &m.Lat}, {"lon", &m.Lon}, {"attachments", &m.Attachments},
		{"attachment_url", &m.AttachmentURL}, {"attachment_name", &m.AttachmentName},
	}
}

// Items reads the items of a list answer. It fails only when the answer
// itself is unusable (not JSON, or no list at Mapping.List); a malformed
// item comes back with ParseError set and the items after it still come.
func (m Mapping) Items(body []byte) ([]Item, error) {
	list, err := m.rawList(body)
	if err != nil {
		return nil, err
	}
	return m.itemsOf(list), nil
}

func (m Mapping) rawList(body []byte) ([]json.RawMessage, error) {
	if !json.Valid(body) {
		return nil, fmt.Errorf("%w: not valid JSON", ErrBadAnswer)
	}
	raw, err := rawLookup(body, m.List)
	if err != nil {
		return nil, fmt.Errorf("%w: list %q: %v", ErrBadAnswer, m.List, err)
	}
	if firstByte(raw) != '[' {
		if firstByte(raw) == 'n' && m.List != "" { // "items": null is an empty page
			return nil, nil
		}
		return nil, fmt.Errorf("%w: list %q is not an array", ErrBadAnswer, m.List)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%w: list %q: %v", ErrBadAnswer, m.List, err)
	}
	return list, nil
}

// Item reads one item. It never fails: what cannot be read is described in
// ParseError, and Raw always holds the bytes received.
func (m Mapping) Item(raw json.RawMessage) Item {
	it := Item{Raw: append(json.RawMessage(nil), raw...)}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		it.ParseError = "item is not JSON: " + err.Error()
		return it
	}
	if dec.More() {
		it.ParseError = "item is not JSON: data after the value"
		return it
	}
	obj, ok := v.(map[string]any)
	if !ok {
		it.ParseError = "item is not a JSON object"
		return it
	}
	r := reader{obj: obj, used: map[string]bool{}}

	if val, ok := r.get(m.ID); !ok || isEmpty(val) {
		r.fail("no id at %q", m.ID)
	} else if _, isContainer := val.(map[string]any); isContainer {
		r.fail("id at %q is an object", m.ID)
	} else if _, isList := val.([]any); isList {
		r.fail("id at %q is an array", m.ID)
	} else {
		it.ID = text(val)
	}
	if val, ok := r.get(m.Timestamp); !ok || isEmpty(val) {
		r.fail("no timestamp at %q", m.Timestamp)
	} else if ts, err := parseTime(val, m.TimestampFormat); err != nil {
		r.fail("timestamp at %q: %v", m.Timestamp, err)
	} else {
		it.Timestamp = ts
	}
	it.Subject = r.str(m.Subject)
	it.Text = r.str(m.Text)
	it.ServiceCode = r.str(m.ServiceCode)
	it.ServiceName = r.str(m.ServiceName)
	it.SenderName = r.str(m.SenderName)
	it.SenderEmail = r.str(m.SenderEmail)
	it.SenderPhone = r.str(m.SenderPhone)
	it.Address = r.str(m.Address)
	lat, okLat := r.coord(m.Lat, "lat", 90)
	lon, okLon := r.coord(m.Lon, "lon", 180)
	if okLat && okLon {
		it.Lat, it.Lon, it.HasLocation = lat, lon, true
	}
	it.Attachments = r.attachments(m)
	it.Fields = r.unused()
	it.ParseError = strings.Join(r.errs, "; ")
	return it
}

// reader reads the mapped fields of one decoded item and remembers which
// paths it used, so that everything else ends up in Fields.
type reader struct {
	obj  map[string]any
	used map[string]bool
	errs []string
}

func (r *reader) fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *reader) get(path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	v, ok := lookup(r.obj, path)
	if ok {
		r.used[path] = true
	}
	return v, ok
}

func (r *reader) str(path string) string {
	v, ok := r.get(path)
	if !ok {
		return ""
	}
	return text(v)
}

func (r *reader) coord(path, name string, limit float64) (float64, bool) {
	v, ok := r.get(path)
	if !ok || isEmpty(v) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(text(v)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > limit {
		r.fail("%s at %q is not a coordinate: %q", name, path, text(v))
		return 0, false
	}
	return f, true
}

func (r *reader) attachments(m Mapping) []AttachmentRef {
	v, ok := r.get(m.Attachments)
	if !ok || isEmpty(v) {
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	var refs []AttachmentRef
	for i, el := range list {
		var ref AttachmentRef
		switch t := el.(type) {
		case string:
			ref.URL = t
		case map[string]any:
			if u, ok := lookup(t, m.AttachmentURL); ok && m.AttachmentURL != "" {
				ref.URL = text(u)
			}
			if n, ok := lookup(t, m.AttachmentName); ok && m.AttachmentName != "" {
				ref.Name = text(n)
			}
		}
		if ref.URL == "" {
			r.fail("attachment %d at %q has no url", i, m.Attachments)
			continue
		}
		refs = append(refs, ref)
	}
	return refs
}

// unused flattens every part of the item no mapped path used.
func (r *reader) unused() map[string]string {
	fields := map[string]string{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		if r.used[path] {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			if len(t) == 0 && path != "" {
				fields[path] = "{}"
				return
			}
			for k, child := range t {
				walk(child, join(path, k))
			}
		case []any:
			if !r.usedBelow(path) {
				fields[path] = text(t)
				return
			}
			for i, child := range t {
				walk(child, join(path, strconv.Itoa(i)))
			}
		default:
			fields[path] = text(t)
		}
	}
	walk(r.obj, "")
	if len(fields) == 0 {
		return nil
	}
	return fields
}

func (r *reader) usedBelow(path string) bool {
	for p := range r.used {
		if strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func isEmpty(v any) bool {
	s, isString := v.(string)
	return v == nil || isString && strings.TrimSpace(s) == ""
}

// text renders a decoded value as a string: strings as they are, numbers
// as written, null as "", arrays and objects as compact JSON.
func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(t); err != nil {
			return fmt.Sprint(t)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
}

// isoLayouts are tried in order for FormatISO.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads a timestamp; one without a zone is taken as UTC.
func parseTime(v any, format string) (time.Time, error) {
	s := strings.TrimSpace(text(v))
	switch format {
	case FormatUnix, FormatUnixMS:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
			return time.Time{}, fmt.Errorf("%q is not a %s time", s, format)
		}
		if format == FormatUnix {
			f *= 1000
		}
		return time.UnixMilli(int64(math.Round(f))).UTC(), nil
	case FormatISO:
		for _, layout := range isoLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time", s)
	default:
		return time.Parse(format, s)
	}
}

// formatTime writes a timestamp the way the source writes them, for a
// cursor.
func formatTime(t time.Time, format string) string {
	switch format {
	case FormatUnix:
		return strconv.FormatInt(t.Unix(), 10)
	case FormatUnixMS:
		return strconv.FormatInt(t.UnixMilli(), 10)
	case FormatISO:
		return t.Format(time.RFC3339Nano)
	default:
		return t.Format(format)
	}
}
