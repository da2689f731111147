package jsonapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzItems(f *testing.F) {
	f.Add([]byte(`{"data":{"items":[{"id":1,"created":"2024-01-01T00:00:00Z","files":[{"url":"u"}],"location":{"lat":1,"lng":2}}]}}`))
	f.Add([]byte(`{"data":{"items":[42,"x",null,{"id":{"a":1}}]}}`))
	f.Add([]byte(`{"data":{"items":[{"id":1e400,"created":99999999999999999999,"location":{"lat":"NaN"}}]}}`))
	f.Add([]byte(`{"data.items":[{}]}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, m := range []Mapping{fakeMapping, {ID: "0", Timestamp: "1", TimestampFormat: "unixms", Attachments: "2", Lat: "3.0", Lon: "3.1"}} {
			items, err := m.Items(body)
			if err != nil {
				continue
			}
			for _, it := range items {
				if len(it.Raw) == 0 || !json.Valid(it.Raw) || !bytes.Contains(body, bytes.TrimSpace(it.Raw)) {
					t.Fatalf("Raw %q not kept from %q", it.Raw, body)
				}
				if it.ParseError == "" && (it.ID == "" || it.Timestamp.IsZero()) {
					t.Fatalf("item without id or time but no ParseError: %+v", it)
				}
			}
		}
		it := fakeMapping.Item(body)
		if !bytes.Equal(it.Raw, body) {
			t.Fatalf("Item lost Raw")
		}
	})
}

func FuzzPath(f *testing.F) {
	f.Add("a.b.0.c", "x")
	f.Add("a..b", "y")
	f.Add("0", "")
	f.Add("a.b.c", "v")
	f.Fuzz(func(t *testing.T, path, value string) {
		var v any = map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": "x"}}}}
		lookup(v, path) // must not panic
		raw, _ := json.Marshal(v)
		rawLookup(raw, path) // must not panic
		// JSON keys are UTF-8; a path that is not can never match one.
		if checkPath(path) != nil || path == "" || !utf8.ValidString(path) {
			return
		}
		// A value placed at a path of plain keys is found there again.
		steps := strings.Split(path, ".")
		var built any = value
		for i := len(steps) - 1; i >= 0; i-- {
			built = map[string]any{steps[i]: built}
		}
		got, ok := lookup(built, path)
		if !ok || got != value {
			t.Fatalf("lookup(%q) = %v, %v; want %q", path, got, ok, value)
		}
		raw, _ = json.Marshal(built)
		r, err := rawLookup(raw, path)
		var s string
		if err != nil || json.Unmarshal(r, &s) != nil || (utf8.ValidString(value) && s != value) {
			t.Fatalf("rawLookup(%q) = %s, %v", path, r, err)
		}
	})
}
