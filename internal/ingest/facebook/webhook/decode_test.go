package webhook

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/decode")

// TestDecodeGolden decodes every testdata/decode/*.json and compares the
// result with the .golden file next to it.
func TestDecodeGolden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob(filepath.Join("testdata", "decode", "*.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no payloads in testdata/decode: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenOf(t, body)
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if string(got) != string(want) {
				t.Errorf("Decode(%s) differs from %s:\n got: %s\nwant: %s", in, golden, got, want)
			}
		})
	}
}

// goldenOf renders Decode's result, or its error, as indented JSON.
func goldenOf(t *testing.T, body []byte) []byte {
	t.Helper()
	changes, err := Decode(body)
	var v any = changes
	if err != nil {
		v = map[string]string{"error": err.Error()}
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestDecode(t *testing.T) {
	t.Parallel()
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	sec := func(v int64) time.Time { return time.Unix(v, 0).UTC() }
	tests := []struct {
		name    string
		body    string
		want    []Change // compared on the fields set here, Raw excepted
		wantErr error    // nil: no error; errAny: some error
	}{
		{
			name: "message",
			body: `{"object":"page","entry":[{"id":"P","time":1717660800123,"messaging":[{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":1717660799876,"message":{"mid":"m1","text":"hallo"}}]}]}`,
			want: []Change{{Kind: KindMessage, PageID: "P", MessageID: "m1", SenderID: "U", RecipientID: "P", Text: "hallo", Timestamp: ms(1717660799876)}},
		},
		{
			name: "echo",
			body: `{"object":"page","entry":[{"id":"P","messaging":[{"sender":{"id":"P"},"recipient":{"id":"U"},"timestamp":1717660799876,"message":{"is_echo":true,"mid":"m2","text":"antwoord"}}]}]}`,
			want: []Change{{Kind: KindMessageEcho, PageID: "P", MessageID: "m2", SenderID: "P", RecipientID: "U", Text: "antwoord", Timestamp: ms(1717660799876)}},
		},
		{
			name: "attachments",
			body: `{"object":"page","entry":[{"id":"P","messaging":[{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m3","attachments":[{"type":"image","payload":{"url":"https://x/a.jpg"}},{"type":"audio","payload":{"url":"https://x/a.mp4"}},{"type":"fallback","payload":null,"title":"t","URL":"https://x/link"},{"type":"template","payload":{"template_type":"generic"}}]}}]}]}`,
			want: []Change{{Kind: KindMessage, PageID: "P", MessageID: "m3", SenderID: "U", RecipientID: "P", Timestamp: ms(1), Attachments: []Attachment{
				{Type: "image", URL: "https://x/a.jpg"}, {Type: "audio", URL: "https://x/a.mp4"}, {Type: "fallback", URL: "https://x/link"}, {Type: "template"},
			}}},
		},
		{
			name: "numeric ids and entry time fallback",
			body: `{"object":"page","entry":[{"id":104,"time":1717660800123,"messaging":[{"sender":{"id":7012},"recipient":{"id":104},"message":{"mid":"m4","text":"x"}}]}]}`,
			want: []Change{{Kind: KindMessage, PageID: "104", MessageID: "m4", SenderID: "7012", RecipientID: "104", Text: "x", Timestamp: ms(1717660800123)}},
		},
		{
			name: "standby and other messaging events",
			body: `{"object":"page","entry":[{"id":"P","standby":[{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":5,"message":{"mid":"m5","text":"s"}}],"messaging":[{"sender":{"id":"U"},"recipient":{"id":"P"},"read":{"watermark":1}},{"sender":{"id":"U"},"recipient":{"id":"P"},"postback":{"mid":"m6","title":"Start","payload":"GET_STARTED"}},{"sender":{"id":"U"},"recipient":{"id":"P"}},null]}]}`,
			want: []Change{
				{Kind: "read", PageID: "P", SenderID: "U", RecipientID: "P"},
				{Kind: "postback", PageID: "P", SenderID: "U", RecipientID: "P", MessageID: "m6", Text: "Start"},
				{Kind: "messaging", PageID: "P", SenderID: "U", RecipientID: "P"},
				{Kind: KindMessage, PageID: "P", SenderID: "U", RecipientID: "P", MessageID: "m5", Text: "s", Timestamp: ms(5)},
			},
		},
		{
			name: "feed comment add, seconds",
			body: `{"object":"page","entry":[{"id":"P","time":1717662000,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"C","post_id":"P_1","parent_id":"P_1","from":{"id":"F","name":"Anna"},"message":"grofvuil","created_time":1717662000}}]}]}`,
			want: []Change{{Kind: KindComment, PageID: "P", Item: "comment", Verb: "add", CommentID: "C", PostID: "P_1", ParentID: "P_1", FromID: "F", FromName: "Anna", Text: "grofvuil", CreatedTime: sec(1717662000), Timestamp: sec(1717662000)}},
		},
		{
			name: "feed post edited with graph time string",
			body: `{"object":"page","entry":[{"id":"P","changes":[{"field":"feed","value":{"item":"status","verb":"edited","post_id":"P_2","from":{"id":"F"},"message":"m","created_time":"2024-06-06T08:20:00+0000"}}]}]}`,
			want: []Change{{Kind: KindPost, PageID: "P", Item: "status", Verb: "edited", PostID: "P_2", FromID: "F", Text: "m", CreatedTime: time.Date(2024, 6, 6, 8, 20, 0, 0, time.UTC)}},
		},
		{
			name: "feed post remove, unknown field, unknown item",
			body: `{"object":"page","entry":[{"id":"P","changes":[{"field":"feed","value":{"item":"status","verb":"remove","post_id":"P_3","created_time":"garbage"}},{"field":"ratings","value":{}},{"field":"feed","value":{"item":"event","verb":"add"}},{"value":{}}]}]}`,
			want: []Change{
				{Kind: KindPost, PageID: "P", Item: "status", Verb: "remove", PostID: "P_3"},
				{Kind: "ratings", PageID: "P"},
				{Kind: "event", PageID: "P", Item: "event", Verb: "add"},
				{Kind: "change", PageID: "P"},
			},
		},
		{
			name: "multiple entries keep order",
			body: `{"object":"page","entry":[{"id":"P1","messaging":[{"message":{"mid":"a"}},{"message":{"mid":"b"}}]},{"id":"P2","changes":[{"field":"feed","value":{"item":"photo","verb":"add","post_id":"P2_1","link":"https://x/p.jpg"}}]}]}`,
			want: []Change{
				{Kind: KindMessage, PageID: "P1", MessageID: "a"},
				{Kind: KindMessage, PageID: "P1", MessageID: "b"},
				{Kind: KindPost, PageID: "P2", Item: "photo", Verb: "add", PostID: "P2_1", Attachments: []Attachment{{Type: "image", URL: "https://x/p.jpg"}}},
			},
		},
		{name: "page without entries", body: `{"object":"page","entry":[]}`},
		{name: "other object", body: `{"object":"instagram","entry":[{"id":"1"}]}`, wantErr: ErrUnsupportedObject},
		{name: "no object", body: `{}`, wantErr: ErrUnsupportedObject},
		{name: "truncated", body: `{"object":"page","entry":[`, wantErr: errAny},
		{name: "entry not an array", body: `{"object":"page","entry":{}}`, wantErr: errAny},
		{name: "bad timestamp", body: `{"object":"page","entry":[{"id":"P","messaging":[{"timestamp":"soon","message":{"mid":"m"}}]}]}`, wantErr: errAny},
		{name: "id is an object", body: `{"object":"page","entry":[{"id":{"x":1}}]}`, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode([]byte(tt.body))
			switch {
			case tt.wantErr == errAny && err == nil:
				t.Fatalf("Decode: no error, want one; got %+v", got)
			case tt.wantErr == errAny:
				if errors.Is(err, ErrUnsupportedObject) {
					t.Fatalf("Decode: %v, want a malformed-delivery error", err)
				}
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Decode: %v, want %v", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatalf("Decode: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Decode: %d changes, want %d: %+v", len(got), len(tt.want), got)
			}
			for i := range got {
				if len(got[i].Raw) == 0 {
					t.Errorf("change %d: empty Raw", i)
				}
				g := got[i]
				g.Raw = nil
				if !equalChange(g, tt.want[i]) {
					t.Errorf("change %d:\n got %+v\nwant %+v", i, g, tt.want[i])
				}
			}
		})
	}
}

var errAny = errors.New("any error")

func equalChange(a, b Change) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestDecodeRawIsTheItem checks that Raw holds the element as Facebook sent
// it, byte for byte, so the original can be kept.
func TestDecodeRawIsTheItem(t *testing.T) {
	t.Parallel()
	item := `{"sender":{"id":"U"},  "recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m","text":"é \u00e9"}}`
	got, err := Decode([]byte(`{"object":"page","entry":[{"id":"P","messaging":[` + item + `]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got[0].Raw) != item {
		t.Fatalf("Raw = %s, want %s", got[0].Raw, item)
	}
}
