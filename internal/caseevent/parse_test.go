package caseevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	valid, err := minimalEvent().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		t.Helper()
		if !bytes.Contains(valid, []byte(old)) {
			t.Fatalf("%q not in %s", old, valid)
		}
		return bytes.Replace(valid, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name string
		data []byte
		want string // in the error message
	}{
		{"empty", nil, "unexpected end"},
		{"not JSON", []byte("From: someone@example.org"), "invalid character"},
		{"array", []byte("[]"), "not a JSON object"},
		{"null", []byte("null"), "not a JSON object"},
		{"string", []byte(`"event"`), "not a JSON object"},
		{"trailing data", append(bytes.Clone(valid), "{}"...), "invalid character"},
		{"byte order mark", append([]byte("\xef\xbb\xbf"), valid...), "invalid character"},
		{"not UTF-8", replace(`"onthaal"`, "\"onth\xe4al\""), "not valid UTF-8"},
		{"too large", append(bytes.Clone(valid), bytes.Repeat([]byte(" "), MaxEventSize)...), "more than the limit"},
		{"id a number", replace(`"id":"mp1-`, `"id":1,"x":"`), "cannot unmarshal number"},
		{"size a string", replace(`"sender":{}`, `"sender":{},"attachments":[{"size":"12"}]`), "cannot unmarshal string"},
		{"size a fraction", replace(`"sender":{}`, `"sender":{},"attachments":[{"size":1.5}]`), "cannot unmarshal number"},
		{"one-digit hour", replace(`"2026-12-04T08:30:00Z"`, `"2026-12-04T8:30:00Z"`), "time: must be an RFC 3339 date-time"},
		{"time not RFC 3339", replace(`"2026-12-04T08:30:00Z"`, `"04/12/2026 08:30"`), "time: must be an RFC 3339 date-time"},
		{"month 13", replace(`"2026-12-04T08:30:00Z"`, `"2026-13-04T08:30:00Z"`), "month out of range"},
		{"data a string", replace(`"data":{`, `"data":"x","y":{`), "cannot unmarshal string"},
		{"data null", replace(`"data":{`, `"data":null,"y":{`), "data: must not be null"},
		{"location null", replace(`"sender":{}`, `"sender":{},"location":null`), "data.location: must not be null"},
		{"reference null", replace(`"thread":{}`, `"thread":{"references":["<a@b>",null]}`), "data.thread.references[1]: must not be null"},
		{"form value null", replace(`"sender":{}`, `"sender":{},"form":{"fields":{"naam":null}}`), `data.form.fields["naam"]: must not be null`},
		{"field name upper case", replace(`"id":`, `"ID":`), `ID: field names are case-sensitive; did you mean "id"?`},
		{"nested field name upper case", replace(`"inbox":`, `"Inbox":`), `data.Inbox: field names are case-sensitive`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tt.data)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
			var verr *ValidationError
			if errors.As(err, &verr) {
				t.Errorf("a malformed event is also a *ValidationError: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
			if e.ID != "" {
				t.Errorf("got event %q with a malformed error", e.ID)
			}
		})
	}
}

// Parse wraps the decoder's error, so a caller can still look at it.
func TestParseWrapsDecodeError(t *testing.T) {
	t.Parallel()
	var syntax *json.SyntaxError
	if _, err := Parse([]byte("{")); !errors.As(err, &syntax) {
		t.Errorf("got %v, want a *json.SyntaxError inside", err)
	}
}

func TestParseInvalidReturnsEvent(t *testing.T) {
	t.Parallel()
	want := minimalEvent()
	want.Data.Channel = "sms"
	wire, err := encode(want)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Parse(wire)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	if errors.Is(err, ErrMalformed) {
		t.Errorf("an invalid event is also ErrMalformed: %v", err)
	}
	if e.ID != want.ID {
		t.Errorf("got id %q, want %q so the caller can quarantine it", e.ID, want.ID)
	}
}

// The contract lets fields be added, at any level, so readers must skip
// fields they do not know, even null ones.
func TestParseIgnoresUnknownFields(t *testing.T) {
	t.Parallel()
	data := []byte(`{
		"specversion": "1.0",
		"id": "mp1-abc",
		"source": "meldpunt/test",
		"type": "meldpunt.intake.message.v1",
		"time": "2026-12-04T10:15:00+01:00",
		"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"data": {
			"channel": "counter",
			"direction": "incoming",
			"inbox": "onthaal",
			"domain": "gemeente",
			"external_id": "visit-1",
			"language": "nl",
			"priority": null,
			"sender": {"name": "Bezoeker", "title": "mevrouw"},
			"attachments": [{"name": "a.pdf", "sha256": "` + sha256Hex("a") + `", "object": "` + sha256Hex("a") + `", "pages": 3}]
		}
	}`)
	e, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if e.DataContentType != DataContentType {
		t.Errorf("datacontenttype: got %q, want %q for an absent one", e.DataContentType, DataContentType)
	}
	if e.Data.Sender.Name != "Bezoeker" || e.Data.Attachments[0].Name != "a.pdf" {
		t.Errorf("known fields next to unknown ones were lost: %+v", e.Data)
	}
}

func TestMarshal(t *testing.T) {
	t.Parallel()
	e := minimalEvent()
	e.DataContentType = ""
	e.Data.HTML = "<p>a & b</p>"
	wire, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"datacontenttype":"application/json"`, `"html":"<p>a & b</p>"`} {
		if !bytes.Contains(wire, []byte(want)) {
			t.Errorf("got %s, want it to contain %s", wire, want)
		}
	}
	if bytes.HasSuffix(wire, []byte("\n")) {
		t.Error("the wire form ends in a newline")
	}

	e.Data.Inbox = ""
	var verr *ValidationError
	if wire, err := e.Marshal(); !errors.As(err, &verr) || wire != nil {
		t.Errorf("Marshal of an invalid event: got %q, %v", wire, err)
	}
}

func TestIsRFC3339(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want bool
	}{
		{"2026-12-04T10:15:00Z", true},
		{"2026-12-04T10:15:00.5Z", true},
		{"2026-12-04T10:15:00.123456789+01:00", true},
		{"2026-12-04T10:15:00-05:30", true},
		{"2026-12-04T0:15:00Z", false},
		{"2026-12-04t10:15:00Z", false},
		{"2026-12-04T10:15:00z", false},
		{"2026-12-04T10:15:00.Z", false},
		{"2026-12-04T10:15:00", false},
		{"2026-12-04T10:15:00+0100", false},
		{"2026-12-04 10:15:00Z", false},
		{"2026-12-04T10:15Z", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isRFC3339(tt.s); got != tt.want {
			t.Errorf("isRFC3339(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// time.Time reads an offset of +24:00 but cannot write it back, so Validate
// must reject it.
func TestParseOffsetOutOfRange(t *testing.T) {
	t.Parallel()
	valid, err := minimalEvent().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Replace(valid, []byte(`"2026-12-04T08:30:00Z"`), []byte(`"2026-12-04T08:30:00+24:00"`), 1)
	_, err = Parse(data)
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 1 || verr.Problems[0].Path != "time" {
		t.Errorf("got %v, want one problem at time", err)
	}
}
