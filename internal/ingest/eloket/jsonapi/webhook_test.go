package jsonapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const testSecret = "gedeeld-geheim"

type recorder struct {
	mu    sync.Mutex
	items []Item
	err   error
}

func (r *recorder) publish(_ context.Context, items []Item) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.items = append(r.items, items...)
	return nil
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	one := `{"id":7,"created":"2024-01-01T10:00:00Z","attributes":{"title":"Put"}}`
	list := `{"data":{"items":[` + one + `,{"id":8,"created":"2024-01-01T11:00:00Z"}]}}`
	tests := []struct {
		name       string
		method     string
		body       string
		header     map[string]string
		publishErr error
		want       int
		published  int
	}{
		{"good signature", "POST", one, map[string]string{"X-Signature-256": Sign([]byte(one), testSecret)}, nil, 200, 1},
		{"plain hex signature", "POST", one, map[string]string{"X-Signature-256": strings.TrimPrefix(Sign([]byte(one), testSecret), "sha256=")}, nil, 200, 1},
		{"list at mapping.list", "POST", list, map[string]string{"X-Signature-256": Sign([]byte(list), testSecret)}, nil, 200, 2},
		{"bare list", "POST", "[" + one + "," + one + "]", map[string]string{"X-Signature-256": Sign([]byte("["+one+","+one+"]"), testSecret)}, nil, 200, 2},
		{"garbage kept", "POST", "not json", map[string]string{"X-Signature-256": Sign([]byte("not json"), testSecret)}, nil, 200, 1},
		{"bad signature", "POST", one, map[string]string{"X-Signature-256": Sign([]byte(one), "other")}, nil, 401, 0},
		{"signature of other body", "POST", one, map[string]string{"X-Signature-256": Sign([]byte(list), testSecret)}, nil, 401, 0},
		{"not hex", "POST", one, map[string]string{"X-Signature-256": "sha256=zz"}, nil, 401, 0},
		{"missing signature", "POST", one, nil, nil, 401, 0},
		{"bearer", "POST", one, map[string]string{"Authorization": "Bearer tok"}, nil, 200, 1},
		{"wrong bearer", "POST", one, map[string]string{"Authorization": "Bearer nope"}, nil, 401, 0},
		{"publish fails", "POST", one, map[string]string{"X-Signature-256": Sign([]byte(one), testSecret)}, errors.New("no ack"), 503, 0},
		{"get", "GET", "", nil, nil, 405, 0},
		{"too large", "POST", strings.Repeat("x", 2000), map[string]string{"Authorization": "Bearer tok"}, nil, 413, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{err: tt.publishErr}
			h := NewWebhook(WebhookConfig{
				Secret:      func() string { return testSecret },
				BearerToken: func() string { return "tok" },
				MaxBody:     1024,
				Mapping:     fakeMapping,
			}, rec.publish, nil)
			req := httptest.NewRequest(tt.method, "/hook", strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Errorf("status = %d, want %d (%s)", w.Code, tt.want, w.Body)
			}
			if len(rec.items) != tt.published {
				t.Errorf("published %d items, want %d", len(rec.items), tt.published)
			}
			for _, it := range rec.items {
				if len(it.Raw) == 0 {
					t.Error("published item without raw")
				}
			}
		})
	}
}

func TestWebhookWithoutCredentialsRefusesAll(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := NewWebhook(WebhookConfig{Secret: func() string { return "" }, Mapping: fakeMapping}, rec.publish, nil)
	body := `{"id":1,"created":"2024-01-01"}`
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set(DefaultSignatureHeader, Sign([]byte(body), ""))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized || len(rec.items) != 0 {
		t.Errorf("status %d, published %d", w.Code, len(rec.items))
	}
}

func TestWebhookCustomHeader(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := NewWebhook(WebhookConfig{Secret: func() string { return testSecret }, SignatureHeader: "X-Hub-Signature", Mapping: fakeMapping}, rec.publish, nil)
	body := `{"id":"abc","created":"2024-01-01"}`
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("X-Hub-Signature", Sign([]byte(body), testSecret))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 || len(rec.items) != 1 || rec.items[0].ID != "abc" {
		t.Errorf("status %d, items %+v", w.Code, rec.items)
	}
}
