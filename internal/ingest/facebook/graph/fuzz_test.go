package graph_test

import (
	"net/http"
	"testing"

	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
)

var pageSeeds = []string{
	`{"data":[{"id":"m_AbC","message":"Hallo","from":{"id":"1","name":"A","email":"1@facebook.com"},"to":{"data":[{"id":"2"}]},"created_time":"2026-12-04T10:15:00+0000","attachments":{"data":[{"id":"9","mime_type":"image/jpeg","name":"f.jpg","size":12,"image_data":{"url":"http://x/f"}}]},"sticker":"http://s","shares":{"data":[{"link":"http://l"}]}}],"paging":{"cursors":{"before":"a","after":"b"},"next":"http://x/v21.0/t_1/messages?after=b"}}`,
	`{"data":[{"id":"t_1","updated_time":"2026-12-04T10:15:00+0000","message_count":3,"participants":{"data":[{"id":"1","name":"A"}]}}]}`,
	`{"data":[{"id":"1_2","message":"x","from":{"id":"1"},"created_time":"2026-12-04T10:15:00Z","updated_time":"1796379300","permalink_url":"http://p","attachments":{"data":[{"type":"album","subattachments":{"data":[{"type":"photo","media":{"image":{"src":"http://i"}},"target":{"id":2}}]}}]}}]}`,
	`{"data":[{"id":"2_3","message":"x","parent":{"id":"2_1"},"attachment":{"type":"video_inline","media":{"source":"http://v"}}}]}`,
	`{"data":[],"paging":{"next":"http://x"}}`,
	`{"data":[{"id":1e400,"size":-1,"message_count":"12"}]}`,
	`{"data":null}`,
	`[]`,
}

// FuzzDecode feeds every page decoder arbitrary bytes: they must never
// panic, and what they return must be consistent.
func FuzzDecode(f *testing.F) {
	for _, s := range pageSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if cs, next, err := graph.DecodeConversations(body); err != nil && (cs != nil || next != "") {
			t.Errorf("conversations: results with error %v", err)
		}
		if ms, _, err := graph.DecodeMessages(body); err == nil {
			for _, m := range ms {
				for _, a := range m.Attachments {
					if a.Kind == "" || a.Size < 0 {
						t.Errorf("attachment %+v", a)
					}
				}
			}
		}
		if _, _, err := graph.DecodePosts(body); err != nil && graph.Classify(err) != graph.Permanent {
			t.Errorf("posts: decode error classified %v", graph.Classify(err))
		}
		graph.DecodeComments(body)
	})
}

// FuzzDecodeMessages is FuzzDecode for the messages decoder alone, with the
// paging answer shapes Graph sends.
func FuzzDecodeMessages(f *testing.F) {
	for _, s := range pageSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ms, next, err := graph.DecodeMessages(body)
		if err != nil && (ms != nil || next != "") {
			t.Errorf("results with error %v", err)
		}
	})
}

// FuzzUsageHeaders feeds the usage header parser arbitrary header values.
func FuzzUsageHeaders(f *testing.F) {
	f.Add(`{"call_count":28,"total_time":25,"total_cputime":25}`, `{"call_count":100}`,
		`{"104857600123456":[{"type":"messenger","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}]}`)
	f.Add(`{"call_count":1e308}`, `{"call_count":-5}`, `{"1":[{"estimated_time_to_regain_access":1e300}]}`)
	f.Add(``, `null`, `{"1":null}`)
	f.Fuzz(func(t *testing.T, app, page, buc string) {
		h := http.Header{}
		h.Set("X-App-Usage", app)
		h.Set("X-Page-Usage", page)
		h.Set("X-Business-Use-Case-Usage", buc)
		b := graph.ParseUsage(h).Backoff()
		if b < 0 || b > 24*60*60*1e9 {
			t.Errorf("backoff %v out of range", b)
		}
	})
}
