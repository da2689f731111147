package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
)

const (
	testSecret = "app-secret-for-tests"
	testToken  = "verify-token-for-tests"
)

// recorder is a Publisher that remembers what it was given.
type recorder struct {
	mu    sync.Mutex
	calls [][]Change
	err   error
}

func (p *recorder) publish(_ context.Context, changes []Change) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, changes)
	return p.err
}

func newTestServer(t *testing.T, p *recorder, maxBody int64) *httptest.Server {
	t.Helper()
	h := New(Config{
		VerifyToken: func() string { return testToken },
		AppSecret:   func() string { return testSecret },
		MaxBody:     maxBody,
	}, p.publish, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &recorder{}, 0)
	tests := []struct {
		name     string
		query    url.Values
		wantCode int
		wantBody string
	}{
		{"ok", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testToken}, "hub.challenge": {"1158201444"}}, 200, "1158201444"},
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1"}}, 403, ""},
		{"token prefix", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testToken[:5]}, "hub.challenge": {"1"}}, 403, ""},
		{"no token", url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1"}}, 403, ""},
		{"wrong mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {testToken}, "hub.challenge": {"1"}}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := http.Get(srv.URL + "/?" + tt.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.wantCode, body)
			}
			if tt.wantCode != 200 {
				return
			}
			if string(body) != tt.wantBody {
				t.Errorf("body %q, want %q", body, tt.wantBody)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q, want text/plain", ct)
			}
		})
	}
}

func TestHandshakeWithoutConfiguredToken(t *testing.T) {
	t.Parallel()
	h := New(Config{VerifyToken: func() string { return "" }, AppSecret: func() string { return testSecret }},
		(&recorder{}).publish, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?hub.mode=subscribe&hub.verify_token=&hub.challenge=1", nil))
	if rec.Code != 403 {
		t.Fatalf("status %d, want 403", rec.Code)
	}
}

func readPayload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/decode/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDelivery(t *testing.T) {
	t.Parallel()
	const message = `{"object":"page","entry":[{"id":"P","time":1717660800123,"messaging":[{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":1717660799876,"message":{"mid":"m1","text":"hallo"}}]}]}`
	type header = map[string]string
	signed := func(body string) header { return header{SignatureHeader: Sign([]byte(body), testSecret)} }
	tests := []struct {
		name        string
		body        string
		header      header
		publishErr  error
		wantCode    int
		wantKinds   []string // kinds published in the one call; nil: publisher not called
		wantReplied string
	}{
		{name: "message", body: message, header: signed(message), wantCode: 200, wantKinds: []string{"message"}, wantReplied: "EVENT_RECEIVED"},
		{name: "echo and attachments", body: string(readPayload(t, "messenger_echo_attachments")), wantCode: 200,
			wantKinds: []string{"message", "message_echo", "delivery", "read"}},
		{name: "feed comments add edited remove", body: string(readPayload(t, "feed_comments")), wantCode: 200,
			wantKinds: []string{"comment", "comment", "comment", "comment"}},
		{name: "feed posts over two entries", body: string(readPayload(t, "feed_posts")), wantCode: 200,
			wantKinds: []string{"post", "post", "post", "reaction", "post", "mention"}},
		{name: "forged signature", body: message, header: header{SignatureHeader: Sign([]byte(message), "not-the-secret")}, wantCode: 403},
		{name: "signature of another body", body: message, header: signed(message + " "), wantCode: 403},
		{name: "signature not hex", body: message, header: header{SignatureHeader: "sha256=zz"}, wantCode: 403},
		{name: "sha1 signature only", body: message, header: header{"X-Hub-Signature": "sha1=0000000000000000000000000000000000000000"}, wantCode: 403},
		{name: "missing signature", body: message, header: header{}, wantCode: 403},
		{name: "publisher error", body: message, header: signed(message), publishErr: errors.New("jetstream: no ack"), wantCode: 500, wantKinds: []string{"message"}},
		{name: "not a page", body: string(readPayload(t, "instagram_object")), wantCode: 200, wantReplied: "EVENT_RECEIVED"},
		{name: "page without entries", body: `{"object":"page","entry":[]}`, wantCode: 200},
		{name: "malformed with valid signature", body: string(readPayload(t, "malformed")), wantCode: 400},
		{name: "forged and malformed", body: "{", header: header{SignatureHeader: Sign([]byte("{"), "x")}, wantCode: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &recorder{err: tt.publishErr}
			srv := newTestServer(t, p, 0)
			req, err := http.NewRequest("POST", srv.URL+"/", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			h := tt.header
			if h == nil {
				h = signed(tt.body)
			}
			for k, v := range h {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.wantCode, body)
			}
			if tt.wantReplied != "" && string(body) != tt.wantReplied {
				t.Errorf("body %q, want %q", body, tt.wantReplied)
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			if tt.wantKinds == nil {
				if len(p.calls) != 0 {
					t.Fatalf("publisher called %d times, want never", len(p.calls))
				}
				return
			}
			if len(p.calls) != 1 {
				t.Fatalf("publisher called %d times, want once", len(p.calls))
			}
			var kinds []string
			for _, c := range p.calls[0] {
				kinds = append(kinds, c.Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(tt.wantKinds, ",") {
				t.Errorf("published kinds %v, want %v", kinds, tt.wantKinds)
			}
		})
	}
}

func TestOversizedDelivery(t *testing.T) {
	t.Parallel()
	const limit = 1024
	big := `{"object":"page","entry":[{"id":"P","messaging":[{"message":{"mid":"m","text":"` + strings.Repeat("a", 2*limit) + `"}}]}]}`
	tests := []struct {
		name    string
		chunked bool // no Content-Length: the limit must hold while reading
	}{
		{"content length", false},
		{"chunked", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &recorder{}
			srv := newTestServer(t, p, limit)
			var body io.Reader = strings.NewReader(big)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length from net/http
			}
			req, _ := http.NewRequest("POST", srv.URL, body)
			req.Header.Set(SignatureHeader, Sign([]byte(big), testSecret))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413", resp.StatusCode)
			}
			if len(p.calls) != 0 {
				t.Fatal("publisher called for an oversized delivery")
			}
		})
	}
}

func TestDeliveryAtLimit(t *testing.T) {
	t.Parallel()
	body := []byte(`{"object":"page","entry":[{"id":"P","messaging":[{"message":{"mid":"m"}}]}]}`)
	p := &recorder{}
	h := New(Config{VerifyToken: func() string { return testToken }, AppSecret: func() string { return testSecret }, MaxBody: int64(len(body))}, p.publish, nil)
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	req.Header.Set(SignatureHeader, Sign(body, testSecret))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || len(p.calls) != 1 {
		t.Fatalf("status %d, %d publish calls; want 200 and 1", rec.Code, len(p.calls))
	}
}

func TestNoAppSecretRefusesEverything(t *testing.T) {
	t.Parallel()
	body := []byte(`{"object":"page","entry":[{"id":"P","messaging":[{"message":{"mid":"m"}}]}]}`)
	p := &recorder{}
	h := New(Config{VerifyToken: func() string { return testToken }, AppSecret: func() string { return "" }}, p.publish, nil)
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	req.Header.Set(SignatureHeader, Sign(body, ""))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || len(p.calls) != 0 {
		t.Fatalf("status %d, %d publish calls; want 500 and none", rec.Code, len(p.calls))
	}
}

// TestNoReplyBeforePublish holds the publisher and checks that the
// response waits for it: 200 must mean JetStream acknowledged.
func TestNoReplyBeforePublish(t *testing.T) {
	t.Parallel()
	body := []byte(`{"object":"page","entry":[{"id":"P","messaging":[{"message":{"mid":"m"}}]}]}`)
	entered, release := make(chan struct{}), make(chan struct{})
	published := false
	h := New(Config{VerifyToken: func() string { return testToken }, AppSecret: func() string { return testSecret }},
		func(ctx context.Context, changes []Change) error {
			close(entered)
			<-release
			published = true
			return nil
		}, nil)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header.Set(SignatureHeader, Sign(body, testSecret))
		h.ServeHTTP(rec, req)
	}()
	<-entered
	select {
	case <-done:
		t.Fatal("handler answered while publish was still running")
	default:
	}
	close(release)
	<-done
	if !published || rec.Code != 200 {
		t.Fatalf("published=%v status=%d; want true and 200", published, rec.Code)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	h := New(Config{VerifyToken: func() string { return testToken }, AppSecret: func() string { return testSecret }}, (&recorder{}).publish, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("PUT", "/", nil))
	if rec.Code != 405 || rec.Header().Get("Allow") == "" {
		t.Fatalf("status %d Allow %q; want 405 with Allow", rec.Code, rec.Header().Get("Allow"))
	}
}
