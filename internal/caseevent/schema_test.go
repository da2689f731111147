package caseevent

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaFile = "../../docs/case-event.schema.json"

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(schemaFile)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaFile, err)
	}
	return sch
}

// validateSchema checks wire bytes against the schema; it returns nil or
// the *jsonschema.ValidationError.
func validateSchema(t testing.TB, sch *jsonschema.Schema, wire []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(wire))
	if err != nil {
		t.Fatalf("decode instance: %v", err)
	}
	return sch.Validate(inst)
}

// TestSchemaGoldenFiles: the valid golden files pass the schema, the invalid
// ones (those with a .txt of problems) fail it.
func TestSchemaGoldenFiles(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			wire, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, statErr := os.Stat(strings.TrimSuffix(file, ".json") + ".txt")
			invalid := statErr == nil
			err = validateSchema(t, sch, wire)
			switch {
			case invalid && err == nil:
				t.Error("the schema accepts an invalid golden file")
			case !invalid && err != nil:
				t.Errorf("the schema rejects a valid golden file: %v", err)
			}
		})
	}
}

// TestSchemaAgreesWithValidate changes one thing at a time in a valid event
// and checks that Validate and the schema agree: both accept it, or both
// reject it, the schema at the field Validate names (or at its parent, for a
// missing field). goOnly marks the rules JSON Schema cannot express; the
// schema must accept those, so this test also lists every known gap.
func TestSchemaAgreesWithValidate(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	long := strings.Repeat("x", MaxStringLength+1)
	sha := sha256Hex("x")
	tests := []struct {
		name   string
		change func(e *Event)
		path   string // the problem Validate must report; "" for none
		goOnly bool
	}{
		{name: "unchanged", change: func(e *Event) {}},
		{name: "datacontenttype empty", change: func(e *Event) { e.DataContentType = "" }},
		{name: "inbox of 64 accented characters", change: func(e *Event) { e.Data.Inbox = strings.Repeat("é", MaxInboxLength) }},
		{name: "subject at the limit", change: func(e *Event) { e.Data.Subject = strings.Repeat("é", MaxStringLength) }},
		{name: "text at the limit", change: func(e *Event) { e.Data.Text = strings.Repeat("x", MaxBodySize) }},
		{name: "corner of the map", change: func(e *Event) { e.Data.Location = &Location{Lat: 90, Lon: -180} }},
		{name: "empty file", change: func(e *Event) { e.Data.Attachments[0].Size = 0 }},
		{name: "outgoing letter", change: func(e *Event) { e.Data.Channel, e.Data.Direction = ChannelLetter, DirectionOutgoing }},

		{name: "specversion", change: func(e *Event) { e.SpecVersion = "1.1" }, path: "specversion"},
		{name: "id empty", change: func(e *Event) { e.ID = "" }, path: "id"},
		{name: "id with space", change: func(e *Event) { e.ID = "mp1 x" }, path: "id"},
		{name: "id not ASCII", change: func(e *Event) { e.ID = "mp1-é" }, path: "id"},
		{name: "id too long", change: func(e *Event) { e.ID = strings.Repeat("a", MaxIDLength+1) }, path: "id"},
		{name: "source empty", change: func(e *Event) { e.Source = "" }, path: "source"},
		{name: "source too long", change: func(e *Event) { e.Source = long }, path: "source"},
		{name: "type unknown", change: func(e *Event) { e.Type = "meldpunt.intake.message.v2" }, path: "type"},
		{name: "type empty", change: func(e *Event) { e.Type = "" }, path: "type"},
		{name: "time zero", change: func(e *Event) { e.Time = time.Time{} }, path: "time", goOnly: true},
		{name: "datacontenttype", change: func(e *Event) { e.DataContentType = "text/plain" }, path: "datacontenttype"},
		{name: "channel unknown", change: func(e *Event) { e.Data.Channel = "sms" }, path: "data.channel"},
		{name: "channel empty", change: func(e *Event) { e.Data.Channel = "" }, path: "data.channel"},
		{name: "direction", change: func(e *Event) { e.Data.Direction = "out" }, path: "data.direction"},
		{name: "domain", change: func(e *Event) { e.Data.Domain = "ocmw" }, path: "data.domain"},
		{name: "inbox empty", change: func(e *Event) { e.Data.Inbox = "" }, path: "data.inbox"},
		{name: "inbox too long", change: func(e *Event) { e.Data.Inbox = strings.Repeat("x", MaxInboxLength+1) }, path: "data.inbox"},
		{name: "external_id empty", change: func(e *Event) { e.Data.ExternalID = "" }, path: "data.external_id"},
		{name: "in_reply_to too long", change: func(e *Event) { e.Data.Thread.InReplyTo = long }, path: "data.thread.in_reply_to"},
		{name: "reference empty", change: func(e *Event) { e.Data.Thread.References = []string{"<a@b>", ""} }, path: "data.thread.references[1]"},
		{name: "too many references", change: func(e *Event) {
			e.Data.Thread.References = make([]string, MaxListLength+1)
			for i := range e.Data.Thread.References {
				e.Data.Thread.References[i] = "<r@x>"
			}
		}, path: "data.thread.references"},
		{name: "case_ref too long", change: func(e *Event) { e.Data.Thread.CaseRef = long }, path: "data.thread.case_ref"},
		{name: "sender name with NUL", change: func(e *Event) { e.Data.Sender.Name = "a\x00b" }, path: "data.sender.name"},
		{name: "recipient email too long", change: func(e *Event) { e.Data.Recipients = []Party{{}, {Email: long}} }, path: "data.recipients[1].email"},
		{name: "too many recipients", change: func(e *Event) { e.Data.Recipients = make([]Party, MaxListLength+1) }, path: "data.recipients"},
		{name: "subject too long", change: func(e *Event) { e.Data.Subject = long }, path: "data.subject"},
		{name: "text too long", change: func(e *Event) { e.Data.Text = strings.Repeat("x", MaxBodySize+1) }, path: "data.text"},
		{name: "text too many bytes", change: func(e *Event) { e.Data.Text = strings.Repeat("é", MaxBodySize/2+1) }, path: "data.text", goOnly: true},
		{name: "html with NUL", change: func(e *Event) { e.Data.HTML = "<p>\x00</p>" }, path: "data.html"},
		{name: "sent_at zero", change: func(e *Event) { e.Data.SentAt = &time.Time{} }, path: "data.sent_at", goOnly: true},
		{name: "received_at zero", change: func(e *Event) { e.Data.ReceivedAt = &time.Time{} }, path: "data.received_at", goOnly: true},
		{name: "auto_submitted too long", change: func(e *Event) { e.Data.AutoSubmitted = long }, path: "data.auto_submitted"},
		{name: "lat", change: func(e *Event) { e.Data.Location.Lat = 90.5 }, path: "data.location.lat"},
		{name: "lon", change: func(e *Event) { e.Data.Location.Lon = -181 }, path: "data.location.lon"},
		{name: "location address too long", change: func(e *Event) { e.Data.Location.Address = long }, path: "data.location.address"},
		{name: "service_code too long", change: func(e *Event) { e.Data.Form.ServiceCode = long }, path: "data.form.service_code"},
		{name: "form field name empty", change: func(e *Event) { e.Data.Form.Fields[""] = "x" }, path: `data.form.fields[""]`},
		{name: "form field name too long", change: func(e *Event) { e.Data.Form.Fields[long] = "x" }, path: "data.form.fields[" + strconv.Quote(long) + "]"},
		{name: "form field value too long", change: func(e *Event) {
			e.Data.Form.Fields["omschrijving"] = strings.Repeat("x", MaxFormValueLength+1)
		}, path: `data.form.fields["omschrijving"]`},
		{name: "too many form fields", change: func(e *Event) {
			for i := range MaxListLength {
				e.Data.Form.Fields[strconv.Itoa(i)] = "x"
			}
		}, path: "data.form.fields"},
		{name: "attachment name empty", change: func(e *Event) { e.Data.Attachments[0].Name = "" }, path: "data.attachments[0].name"},
		{name: "attachment content_type too long", change: func(e *Event) { e.Data.Attachments[0].ContentType = long }, path: "data.attachments[0].content_type"},
		{name: "attachment size negative", change: func(e *Event) { e.Data.Attachments[0].Size = -1 }, path: "data.attachments[0].size"},
		{name: "attachment sha256 upper case", change: func(e *Event) { e.Data.Attachments[0].SHA256 = strings.ToUpper(sha) }, path: "data.attachments[0].sha256"},
		{name: "attachment sha256 empty", change: func(e *Event) { e.Data.Attachments[0].SHA256 = "" }, path: "data.attachments[0].sha256"},
		{name: "attachment object empty", change: func(e *Event) { e.Data.Attachments[0].Object = "" }, path: "data.attachments[0].object"},
		{name: "too many attachments", change: func(e *Event) {
			for range MaxListLength {
				e.Data.Attachments = append(e.Data.Attachments, e.Data.Attachments[0])
			}
		}, path: "data.attachments"},
		{name: "raw sha256 empty", change: func(e *Event) { e.Data.Raw.SHA256 = "" }, path: "data.raw.sha256"},
		{name: "raw size negative", change: func(e *Event) { e.Data.Raw.Size = -1 }, path: "data.raw.size"},
		{name: "raw object empty", change: func(e *Event) { e.Data.Raw.Object = "" }, path: "data.raw.object"},
		{name: "parse_error too long", change: func(e *Event) { e.Data.ParseError = long }, path: "data.parse_error"},
		{name: "event too large", change: func(e *Event) {
			e.Data.Text = strings.Repeat("x", MaxBodySize)
			e.Data.HTML = strings.Repeat("x", MaxBodySize)
		}, path: "", goOnly: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := eloketEvent()
			e.Data.Recipients = []Party{{Name: "Onthaal"}}
			tt.change(&e)
			wantInvalid := tt.path != "" || tt.goOnly

			err := e.Validate()
			var verr *ValidationError
			switch {
			case !wantInvalid && err != nil:
				t.Fatalf("Validate: %v", err)
			case wantInvalid && !errors.As(err, &verr):
				t.Fatalf("Validate: got %v, want a *ValidationError", err)
			case wantInvalid && !hasPath(verr, tt.path):
				t.Fatalf("Validate: got %v, want a problem at %q", err, tt.path)
			}

			wire, err := encode(e)
			if err != nil {
				t.Fatal(err)
			}
			serr := validateSchema(t, sch, wire)
			switch {
			case !wantInvalid || tt.goOnly:
				if serr != nil {
					t.Fatalf("the schema rejects it: %v", serr)
				}
			case serr == nil:
				t.Fatalf("the schema accepts it, Validate does not: %v", verr)
			default:
				var sverr *jsonschema.ValidationError
				if !errors.As(serr, &sverr) {
					t.Fatalf("schema: %v", serr)
				}
				if !schemaBlames(sverr, pathTokens(t, tt.path)) {
					t.Fatalf("the schema rejects it elsewhere than %s: %v", tt.path, serr)
				}
			}
		})
	}
}

func hasPath(verr *ValidationError, path string) bool {
	for _, p := range verr.Problems {
		if p.Path == path {
			return true
		}
	}
	return false
}

// schemaBlames reports whether a leaf error of the schema sits at the value
// at path or at one of its parents (where "required" reports a missing key).
func schemaBlames(e *jsonschema.ValidationError, path []string) bool {
	if len(e.Causes) == 0 {
		loc := e.InstanceLocation
		return len(loc) <= len(path) && slicesEqual(loc, path[:len(loc)])
	}
	for _, c := range e.Causes {
		if schemaBlames(c, path) {
			return true
		}
	}
	return false
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// pathTokens splits a Problem path into JSON pointer tokens:
// `data.form.fields["a.b"]` becomes data, form, fields, a.b.
func pathTokens(t *testing.T, path string) []string {
	t.Helper()
	var tokens []string
	for path != "" {
		switch {
		case strings.HasPrefix(path, "."):
			path = path[1:]
		case strings.HasPrefix(path, `["`):
			quoted, err := strconv.QuotedPrefix(path[1:])
			if err != nil {
				t.Fatalf("path %q: %v", path, err)
			}
			key, _ := strconv.Unquote(quoted)
			tokens = append(tokens, key)
			path = strings.TrimPrefix(path[1+len(quoted):], "]")
		case strings.HasPrefix(path, "["):
			end := strings.IndexByte(path, ']')
			tokens = append(tokens, path[1:end])
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			tokens = append(tokens, path[:end])
			path = path[end:]
		}
	}
	return tokens
}

// The schema cannot see values encoding/json cannot write; Validate must
// catch them before they reach the wire.
func TestValidateCatchesUnencodable(t *testing.T) {
	t.Parallel()
	e := eloketEvent()
	e.Data.Location.Lat = math.NaN()
	var verr *ValidationError
	if err := e.Validate(); !errors.As(err, &verr) || !hasPath(verr, "data.location.lat") {
		t.Fatalf("NaN latitude: got %v", err)
	}
}
