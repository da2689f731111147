package jsonapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// fakeMapping reads the submissions of jsonapifake.
var fakeMapping = Mapping{
	List: "data.items", ID: "id", Timestamp: "created",
	Subject: "attributes.title", Text: "attributes.description",
	ServiceCode: "attributes.category.code", ServiceName: "attributes.category.label",
	SenderName: "contact.name", SenderEmail: "contact.email", SenderPhone: "contact.phone",
	Address: "location.street", Lat: "location.lat", Lon: "location.lng",
	Attachments: "files", AttachmentURL: "url", AttachmentName: "filename",
}

func TestItemNested(t *testing.T) {
	t.Parallel()
	raw := `{"id": 12345678901234567890, "created": "2024-03-05T10:11:12+01:00",
	  "attributes": {"title": "Put", "description": "Diepe put", "category": {"code": "WEG", "label": "Wegen"}},
	  "contact": {"name": "An Peeters", "email": "an@example.be", "phone": "+32 470"},
	  "location": {"street": "Kerkstraat 1", "lat": 51.05, "lng": "3.72"},
	  "files": [{"url": "https://x/1.jpg", "filename": "1.jpg", "size": 10}, {"url": "https://x/2.jpg"}],
	  "extra_field_x": {"consent": true, "tags": ["a", "b"], "none": null, "empty": {}},
	  "status": "new"}`
	it := fakeMapping.Item(json.RawMessage(raw))
	if it.ParseError != "" {
		t.Fatalf("ParseError = %q", it.ParseError)
	}
	if it.ID != "12345678901234567890" {
		t.Errorf("ID = %q, want the number exactly as written", it.ID)
	}
	if want := time.Date(2024, 3, 5, 9, 11, 12, 0, time.UTC); !it.Timestamp.Equal(want) {
		t.Errorf("Timestamp = %v, want %v", it.Timestamp, want)
	}
	checks := []struct{ name, got, want string }{
		{"subject", it.Subject, "Put"}, {"text", it.Text, "Diepe put"},
		{"service_code", it.ServiceCode, "WEG"}, {"service_name", it.ServiceName, "Wegen"},
		{"sender_name", it.SenderName, "An Peeters"}, {"sender_email", it.SenderEmail, "an@example.be"},
		{"sender_phone", it.SenderPhone, "+32 470"}, {"address", it.Address, "Kerkstraat 1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !it.HasLocation || it.Lat != 51.05 || it.Lon != 3.72 {
		t.Errorf("location = %v %v %v", it.HasLocation, it.Lat, it.Lon)
	}
	if len(it.Attachments) != 2 || it.Attachments[0] != (AttachmentRef{"https://x/1.jpg", "1.jpg"}) || it.Attachments[1].URL != "https://x/2.jpg" {
		t.Errorf("attachments = %+v", it.Attachments)
	}
	wantFields := map[string]string{
		"extra_field_x.consent": "true",
		"extra_field_x.tags":    `["a","b"]`,
		"extra_field_x.none":    "",
		"extra_field_x.empty":   "{}",
		"status":                "new",
	}
	if len(it.Fields) != len(wantFields) {
		t.Errorf("Fields = %v, want %v", it.Fields, wantFields)
	}
	for k, v := range wantFields {
		if got, ok := it.Fields[k]; !ok || got != v {
			t.Errorf("Fields[%q] = %q (%v), want %q", k, got, ok, v)
		}
	}
	if string(it.Raw) != raw {
		t.Error("Raw is not the item as received")
	}
}

func TestItemPartlyUsedArray(t *testing.T) {
	t.Parallel()
	m := Mapping{ID: "id", Timestamp: "t", TimestampFormat: "unix", Lat: "geo.coordinates.1", Lon: "geo.coordinates.0"}
	it := m.Item(json.RawMessage(`{"id":"a","t":1700000000,"geo":{"type":"Point","coordinates":[3.7,51.0,12]}}`))
	if it.ParseError != "" || !it.HasLocation || it.Lat != 51.0 || it.Lon != 3.7 {
		t.Fatalf("item = %+v", it)
	}
	if it.Fields["geo.coordinates.2"] != "12" || it.Fields["geo.type"] != "Point" || len(it.Fields) != 2 {
		t.Errorf("Fields = %v", it.Fields)
	}
	if !it.Timestamp.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("Timestamp = %v", it.Timestamp)
	}
}

func TestItemMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, raw, want string }{
		{"not json", `{"id":`, "not JSON"},
		{"not an object", `"hallo"`, "not a JSON object"},
		{"no id", `{"created":"2024-01-01T00:00:00Z"}`, "no id"},
		{"null id", `{"id":null,"created":"2024-01-01T00:00:00Z"}`, "no id"},
		{"object id", `{"id":{"x":1},"created":"2024-01-01T00:00:00Z"}`, "is an object"},
		{"bad time", `{"id":1,"created":"gisteren"}`, "timestamp"},
		{"bad lat", `{"id":1,"created":"2024-01-01","location":{"lat":"noord","lng":3}}`, "lat"},
		{"lat out of range", `{"id":1,"created":"2024-01-01","location":{"lat":91,"lng":3}}`, "lat"},
		{"attachment without url", `{"id":1,"created":"2024-01-01","files":[{"filename":"x"}]}`, "attachment 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it := fakeMapping.Item(json.RawMessage(tt.raw))
			if !strings.Contains(it.ParseError, tt.want) {
				t.Errorf("ParseError = %q, want it to mention %q", it.ParseError, tt.want)
			}
			if string(it.Raw) != tt.raw {
				t.Errorf("Raw = %q", it.Raw)
			}
		})
	}
}

func TestItemsKeepsGoingAfterMalformed(t *testing.T) {
	t.Parallel()
	body := `{"data":{"items":[{"id":1,"created":"2024-01-01T00:00:00Z"}, 42, {"id":null}, {"id":3,"created":"2024-01-03T00:00:00Z"}]}}`
	items, err := fakeMapping.Items([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 {
		t.Fatalf("got %d items, want 4", len(items))
	}
	if items[0].ParseError != "" || items[3].ParseError != "" || items[3].ID != "3" {
		t.Errorf("good items: %+v %+v", items[0], items[3])
	}
	if items[1].ParseError == "" || string(items[1].Raw) != "42" || items[2].ParseError == "" {
		t.Errorf("malformed items: %+v %+v", items[1], items[2])
	}
}

func TestItemsBadAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, list, body string
		wantErr          bool
		wantN            int
	}{
		{"html", "", "<html>502</html>", true, 0},
		{"empty", "", "", true, 0},
		{"list missing", "data.items", `{"data":{}}`, true, 0},
		{"list not array", "data.items", `{"data":{"items":{}}}`, true, 0},
		{"top level object", "", `{"items":[]}`, true, 0},
		{"null list", "data.items", `{"data":{"items":null}}`, false, 0},
		{"bare list", "", `[{"id":1,"created":"2024-01-01"}]`, false, 1},
		{"dotted key", "data.items", `{"data.items":[{"id":1,"created":"2024-01-01"}]}`, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := fakeMapping
			m.List = tt.list
			items, err := m.Items([]byte(tt.body))
			if (err != nil) != tt.wantErr || len(items) != tt.wantN {
				t.Fatalf("Items = %d items, %v", len(items), err)
			}
			if err != nil && !IsTransient(err) {
				t.Errorf("a garbage answer should count as transient: %v", err)
			}
		})
	}
}

func TestTimestampFormats(t *testing.T) {
	t.Parallel()
	want := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct{ name, format, value string }{
		{"rfc3339", "", `"2024-05-06T07:08:09Z"`},
		{"offset", "", `"2024-05-06T09:08:09+02:00"`},
		{"no zone", "", `"2024-05-06T07:08:09"`},
		{"space", "", `"2024-05-06 07:08:09"`},
		{"compact offset", "", `"2024-05-06T09:08:09+0200"`},
		{"unix number", "unix", `1714979289`},
		{"unix string", "unix", `"1714979289"`},
		{"unixms", "unixms", `1714979289000`},
		{"layout", "02/01/2006 15:04:05", `"06/05/2024 07:08:09"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := Mapping{ID: "id", Timestamp: "ts", TimestampFormat: tt.format}
			it := m.Item(json.RawMessage(`{"id":1,"ts":` + tt.value + `}`))
			if it.ParseError != "" || !it.Timestamp.Equal(want) {
				t.Errorf("Timestamp = %v, ParseError %q", it.Timestamp, it.ParseError)
			}
			if got, err := parseTime(formatTime(want, tt.format), tt.format); err != nil || !got.Equal(want) {
				t.Errorf("cursor round trip: %v %v", got, err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	if err := fakeMapping.Validate(); err != nil {
		t.Fatalf("fake mapping: %v", err)
	}
	bad := Mapping{
		List: "data..items", Subject: ".title", Lat: "a.lat",
		AttachmentName: "name", TimestampFormat: "yesterday",
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"mapping id:", "mapping timestamp:", "mapping list:", "mapping subject:", "mapping lat:", "mapping attachment_name:", "mapping timestamp_format:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 7 {
		t.Errorf("got %d problems, want 7:\n%v", n, err)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	var v any
	if err := json.Unmarshal([]byte(`{"a":{"b":[10,{"c":"x"}]},"d.e":1,"f":null}`), &v); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		ok   bool
		want string
	}{
		{"a.b.0", true, "10"}, {"a.b.1.c", true, "x"}, {"d.e", true, "1"},
		{"f", true, ""}, {"a.b.2", false, ""}, {"a.b.-1", false, ""}, {"a.b.01", false, ""},
		{"a.x", false, ""}, {"a.b.0.c", false, ""}, {"", true, ""},
	}
	for _, tt := range tests {
		got, ok := lookup(v, tt.path)
		if ok != tt.ok || (ok && tt.path != "" && text(got) != tt.want) {
			t.Errorf("lookup(%q) = %v, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}
