package open311

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDecodeRequestsJSON(t *testing.T) {
	t.Parallel()
	brussels := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name      string
		in        string
		want      Request // Raw is not compared
		parseErr  string  // substring; "" means none
		wantCount int
	}{
		{
			name: "numeric id, numbers",
			in:   `[{"service_request_id":638344,"status":"open","requested_datetime":"2024-03-01T10:15:00+01:00","lat":51.05,"long":3.72}]`,
			want: Request{ID: "638344", Status: "open", RequestedAt: time.Date(2024, 3, 1, 9, 15, 0, 0, time.UTC), Lat: 51.05, Long: 3.72, HasLocation: true},
		},
		{
			name: "string lat/long, offset without colon, fraction",
			in:   `[{"service_request_id":"A-1","requested_datetime":"2024-03-01T10:15:00.123+0100","lat":" 51.05 ","long":"3.72"}]`,
			want: Request{ID: "A-1", RequestedAt: time.Date(2024, 3, 1, 9, 15, 0, 123e6, time.UTC), Lat: 51.05, Long: 3.72, HasLocation: true},
		},
		{
			name: "no offset is local, nulls, empty location",
			in:   `[{"service_request_id":"7","requested_datetime":"2024-03-01 10:15:00","updated_datetime":null,"lat":"","long":null,"media_url":null,"email":"a@example.be"}]`,
			want: Request{ID: "7", RequestedAt: time.Date(2024, 3, 1, 10, 15, 0, 0, brussels), Email: "a@example.be"},
		},
		{
			name:     "broken fields",
			in:       `[{"service_request_id":"8","requested_datetime":12,"lat":"north","long":3.7,"description":"ok"}]`,
			want:     Request{ID: "8", Description: "ok"},
			parseErr: "requested_datetime",
		},
		{
			name:     "object as string field",
			in:       `[{"service_request_id":"9","address":{"street":"Kerkstraat"}}]`,
			want:     Request{ID: "9"},
			parseErr: "address",
		},
		{
			name:     "missing id",
			in:       `[{"status":"open"}]`,
			want:     Request{Status: "open"},
			parseErr: "service_request_id",
		},
		{
			name:     "item not an object",
			in:       `["hallo"]`,
			want:     Request{},
			parseErr: "not a JSON object",
		},
		{
			name: "wrapped list",
			in:   `{"service_requests":[{"service_request_id":"10"}]}`,
			want: Request{ID: "10"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeRequestsJSON([]byte(tc.in), brussels)
			if err != nil || len(got) != 1 {
				t.Fatalf("got %d, %v", len(got), err)
			}
			r := got[0]
			if !strings.Contains(r.ParseError, tc.parseErr) || (tc.parseErr == "") != (r.ParseError == "") {
				t.Errorf("parse error %q, want %q", r.ParseError, tc.parseErr)
			}
			if !json.Valid(r.Raw) {
				t.Errorf("raw %q", r.Raw)
			}
			r.Raw, r.ParseError = nil, ""
			if !r.RequestedAt.Equal(tc.want.RequestedAt) {
				t.Errorf("requested %v, want %v", r.RequestedAt, tc.want.RequestedAt)
			}
			r.RequestedAt, tc.want.RequestedAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(r, tc.want) {
				t.Errorf("got  %+v\nwant %+v", r, tc.want)
			}
		})
	}
}

func TestDecodeGarbage(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "<html><body>Onderhoud</body></html>", `{"error":"x"}`, `[{"a":1}`, "null x"} {
		if _, err := decodeRequestsJSON([]byte(in), nil); !errors.Is(err, ErrGarbage) {
			t.Errorf("json %q: err %v, want ErrGarbage", in, err)
		}
	}
	for _, in := range []string{"", "<html><body>Onderhoud</body></html>", "<service_requests><request>", "[]", "<a/><b/>"} {
		if _, err := decodeRequestsXML([]byte(in), nil); !errors.Is(err, ErrGarbage) {
			t.Errorf("xml %q: err %v, want ErrGarbage", in, err)
		}
	}
}

func TestDecodeRequestsXML(t *testing.T) {
	t.Parallel()
	in := `<?xml version="1.0" encoding="utf-8"?>
<service_requests>
  <request>
    <service_request_id>638344</service_request_id>
    <status>open</status>
    <description>Put in de weg &amp; plas</description>
    <requested_datetime>2024-03-01T10:15:00+01:00</requested_datetime>
    <lat>51.05</lat><long>3.72</long>
    <attributes><attribute>a</attribute><attribute>b</attribute></attributes>
  </request>
  <request><service_request_id>2</service_request_id><lat>north</lat><long/></request>
</service_requests>`
	got, err := decodeRequestsXML([]byte(in), nil)
	if err != nil || len(got) != 2 {
		t.Fatalf("got %d, %v", len(got), err)
	}
	r := got[0]
	if r.ID != "638344" || r.Description != "Put in de weg & plas" || !r.HasLocation || r.Lat != 51.05 ||
		!r.RequestedAt.Equal(time.Date(2024, 3, 1, 9, 15, 0, 0, time.UTC)) || r.ParseError != "" {
		t.Errorf("got %+v", r)
	}
	want := `{"service_request_id":"638344","status":"open","description":"Put in de weg \u0026 plas","requested_datetime":"2024-03-01T10:15:00+01:00","lat":"51.05","long":"3.72","attributes":{"attribute":["a","b"]}}`
	if string(r.Raw) != want {
		t.Errorf("raw\n got %s\nwant %s", r.Raw, want)
	}
	if got[1].ID != "2" || !strings.Contains(got[1].ParseError, "lat") || got[1].HasLocation {
		t.Errorf("got %+v", got[1])
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2024, 3, 1, 9, 15, 0, 0, time.UTC)
	for _, s := range []string{"2024-03-01T10:15:00+01:00", "2024-03-01T09:15:00Z", "2024-03-01T10:15:00+0100", "2024-03-01T10:15:00+01", "2024-03-01T09:15:00", "2024-03-01 09:15:00", " 2024-03-01T09:15:00.000Z "} {
		got, err := ParseTime(s, nil)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"12", "gisteren", "2024-13-01T00:00:00Z"} {
		if _, err := ParseTime(s, nil); err == nil {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
}

func FuzzDecodeRequests(f *testing.F) {
	f.Add([]byte(`[{"service_request_id":638344,"requested_datetime":"2024-03-01T10:15:00+01:00","lat":"51.0","long":3.7}]`))
	f.Add([]byte(`[{"service_request_id":"1","requested_datetime":12,"lat":"north"},null,[],"x"]`))
	f.Add([]byte(`{"service_requests":[{"address":{"a":1}}]}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, err := decodeRequestsJSON(data, nil)
		if err != nil {
			if !errors.Is(err, ErrGarbage) {
				t.Fatalf("error %v is not ErrGarbage", err)
			}
			return
		}
		for _, r := range reqs {
			if !json.Valid(r.Raw) {
				t.Fatalf("raw %q is not JSON", r.Raw)
			}
		}
	})
}

func FuzzDecodeRequestsXML(f *testing.F) {
	f.Add([]byte(`<service_requests><request><service_request_id>1</service_request_id><lat>51</lat><long>3.7</long><requested_datetime>2024-03-01T10:15:00Z</requested_datetime></request></service_requests>`))
	f.Add([]byte(`<service_requests><request><a><b>x</b><b>y</b></a></request><request/></service_requests>`))
	f.Add([]byte(`<html><body>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, err := decodeRequestsXML(data, nil)
		if err != nil {
			if !errors.Is(err, ErrGarbage) {
				t.Fatalf("error %v is not ErrGarbage", err)
			}
			return
		}
		for _, r := range reqs {
			if !json.Valid(r.Raw) {
				t.Fatalf("raw %q is not JSON", r.Raw)
			}
		}
	})
}
