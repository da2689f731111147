package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/intake"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

// busServer is the API with a real NATS server behind it and a registry
// consuming from it into the same store, as `registry serve` runs them.
type busServer struct {
	*testServer
	st  store.Store
	bus *bus.Bus
}

func newBusServer(t *testing.T, kind string) *busServer {
	t.Helper()
	st, log := openStoreKind(t, kind)
	srv := newServer(t, st, log, casework.Options{})
	b := natstest.Connect(t, natstest.Start(t))
	if err := b.EnsureSources(t.Context()); err != nil {
		t.Fatal(err)
	}
	ib := intake.New(b)
	srv.api.WithIntake(ib).WithRepublisher(ib).WithSources(ib)

	ctx, cancel := context.WithCancel(context.Background())
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{AckWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := registry.New(st, b, registry.Config{FetchWait: 100 * time.Millisecond, MaxDeliveries: 3}, registry.NewMetrics(prometheus.NewRegistry()), log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(ctx, cons)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return &busServer{testServer: srv, st: st, bus: b}
}

// send posts body (JSON when it is not a *multipartBody) with the
// idempotency key (none when empty) and decodes the answer into out.
func send(t *testing.T, c *http.Client, method, url, key string, body any, out any) int {
	t.Helper()
	var (
		rd io.Reader
		ct string
	)
	switch b := body.(type) {
	case nil:
	case *multipartBody:
		rd, ct = bytes.NewReader(b.buf.Bytes()), b.w.FormDataContentType()
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if key != "" {
		req.Header.Set(api.IdempotencyKeyHeader, key)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s = %d %s: %v", method, url, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

// multipartBody is a multipart/form-data body being written.
type multipartBody struct {
	buf bytes.Buffer
	w   *multipart.Writer
}

func newMultipart(t *testing.T, fields map[string]string, files map[string][]byte) *multipartBody {
	t.Helper()
	m := &multipartBody{}
	m.w = multipart.NewWriter(&m.buf)
	for k, v := range fields {
		if err := m.w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
		h.Set("Content-Type", "application/octet-stream") // the server looks at the bytes
		pw, err := m.w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.w.Close(); err != nil {
		t.Fatal(err)
	}
	return m
}

// scannedLetter is the start of a PDF, as a scanner writes one.
var scannedLetter = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// waitIntake asks for the status of a registration until it is want.
func waitIntake(t *testing.T, c *http.Client, url, id, want string) api.IntakeStatus {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var st api.IntakeStatus
		code := send(t, c, http.MethodGet, url+"/api/v1/intake/"+id, "", nil, &st)
		if st.Status == want {
			if code != http.StatusOK {
				t.Errorf("status %s answered %d", want, code)
			}
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("registration %s: status %q (%d), want %s", id, st.Status, code, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIntake registers a phone call and a letter with its scan through the
// API, on both stores, and follows them until the registry stored them.
func TestIntake(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			s := newBusServer(t, kind)
			onthaal := s.client(s.token(t, "onthaal", "sociaalhuis"))

			// A phone call, posted twice (a double click): one registration.
			call := api.IntakeRequest{Channel: "phone", Citizen: api.IntakeCitizen{Name: "An Peeters", Phone: "+32 9 123 45 67"},
				Subject: "Vraag over leefloon", Text: "Mevrouw belt over haar aanvraag."}
			var first, second api.IntakeStatus
			if code := send(t, onthaal, http.MethodPost, s.URL+"/api/v1/intake", "call-1", call, &first); code != http.StatusAccepted {
				t.Fatalf("POST intake = %d %+v", code, first)
			}
			if first.Status != api.IntakeAccepted || !strings.HasPrefix(first.ID, "mp1-") || first.Domain != "sociaalhuis" ||
				first.StatusURL != "/api/v1/intake/"+first.ID || first.Duplicate {
				t.Errorf("accepted = %+v", first)
			}
			code := send(t, onthaal, http.MethodPost, s.URL+"/api/v1/intake", "call-1", call, &second)
			if (code != http.StatusAccepted && code != http.StatusOK) || second.ID != first.ID || !second.Duplicate {
				t.Errorf("posted again = %d %+v, want the same id, a duplicate", code, second)
			}
			reg := waitIntake(t, onthaal, s.URL, first.ID, api.IntakeRegistered)
			if reg.CaseRef == "" || reg.MessageID == 0 || reg.RegisteredAt == nil || reg.Domain != "sociaalhuis" {
				t.Errorf("registered = %+v", reg)
			}
			// Posted again after it was stored: the stored one, nothing new.
			var third api.IntakeStatus
			if code := send(t, onthaal, http.MethodPost, s.URL+"/api/v1/intake", "call-1", call, &third); code != http.StatusOK ||
				third.Status != api.IntakeRegistered || third.CaseRef != reg.CaseRef || !third.Duplicate {
				t.Errorf("posted after it was stored = %d %+v", code, third)
			}

			var c api.CaseDetail
			if code := send(t, onthaal, http.MethodGet, s.URL+"/api/v1/cases/"+reg.CaseRef+"?reason=opvolging", "", nil, &c); code != http.StatusOK {
				t.Fatalf("GET case = %d", code)
			}
			if len(c.Messages) != 1 || c.Channel != "phone" || c.Messages[0].Inbox != "telefoon" ||
				c.Messages[0].Sender.Name != "An Peeters" || c.Messages[0].EventID != first.ID || c.Messages[0].RawSHA256 == "" {
				t.Errorf("case of the call = %+v", c)
			}

			// A letter with its scan, as a form posts it, about that case.
			letter := newMultipart(t, map[string]string{
				"channel": "letter", "domain": "sociaalhuis", "subject": "Brief over leefloon", "case_ref": reg.CaseRef,
				"citizen_name": "An Peeters", "citizen_address": "Kerkstraat 1, 9000 Gent", "idempotency_key": "letter-1",
				"sent_at": "2026-12-01T00:00:00+01:00",
			}, map[string][]byte{`C:\Scans\brief 1.pdf`: scannedLetter})
			var acc api.IntakeStatus
			if code := send(t, onthaal, http.MethodPost, s.URL+"/api/v1/intake", "", letter, &acc); code != http.StatusAccepted {
				t.Fatalf("POST letter = %d %+v", code, acc)
			}
			got := waitIntake(t, onthaal, s.URL, acc.ID, api.IntakeRegistered)
			if got.CaseRef != reg.CaseRef {
				t.Errorf("letter about %s joined case %q", reg.CaseRef, got.CaseRef)
			}
			if code := send(t, onthaal, http.MethodGet, s.URL+"/api/v1/cases/"+reg.CaseRef+"?reason=opvolging", "", nil, &c); code != http.StatusOK {
				t.Fatalf("GET case = %d", code)
			}
			if len(c.Messages) != 2 {
				t.Fatalf("case has %d messages, want the call and the letter", len(c.Messages))
			}
			m := c.Messages[1]
			if m.Channel != "letter" || m.Inbox != "brieven" || len(m.Attachments) != 1 || m.Attachments[0].Name != "brief 1.pdf" ||
				m.Attachments[0].ContentType != "application/pdf" || m.Attachments[0].Size != int64(len(scannedLetter)) {
				t.Errorf("letter = %+v", m)
			}
			blob, err := s.st.Blob(t.Context(), m.Attachments[0].SHA256)
			if err != nil || !bytes.Equal(blob.Data, scannedLetter) {
				t.Errorf("stored scan = %q, %v", blob.Data, err)
			}
			if st, err := s.st.Stats(t.Context()); err != nil || st.Messages != 2 || st.Quarantined != 0 {
				t.Errorf("store holds %+v, %v; want 2 messages, nothing quarantined", st, err)
			}

			// Staff of the other domain learn nothing of it.
			other := s.client(s.token(t, "beheerder", "gemeente"))
			var st api.IntakeStatus
			if code := send(t, other, http.MethodGet, s.URL+"/api/v1/intake/"+first.ID, "", nil, &st); code != http.StatusNotFound || st.CaseRef != "" {
				t.Errorf("status for the other domain = %d %+v, want 404", code, st)
			}
		})
	}
}

// TestIntakeRefused: what a registration may not be, and who may not
// register where.
func TestIntakeRefused(t *testing.T) {
	t.Parallel()
	s := newBusServer(t, "sqlite")
	gemeente := s.client(s.token(t, "onthaal", "gemeente"))
	both := s.client(s.token(t, "onthaal", "gemeente", "sociaalhuis"))
	ok := api.IntakeRequest{Channel: "counter", Subject: "Vraag", Text: "Een vraag aan de balie."}
	with := func(f func(*api.IntakeRequest)) api.IntakeRequest {
		r := ok
		f(&r)
		return r
	}
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name   string
		client *http.Client
		key    string
		body   any
		code   int
		// problem is part of the error or of one of the problems.
		problem string
	}{
		{"no idempotency key", gemeente, "", ok, http.StatusBadRequest, "idempotency key: required"},
		{"key with a space", gemeente, "a b", ok, http.StatusBadRequest, "idempotency key"},
		{"header and body disagree", gemeente, "k1", with(func(r *api.IntakeRequest) { r.IdempotencyKey = "k2" }), http.StatusBadRequest, "differ"},
		{"another domain", gemeente, "k", with(func(r *api.IntakeRequest) { r.Domain = "sociaalhuis" }), http.StatusForbidden, "sociaalhuis"},
		{"domain left out with two", both, "k", ok, http.StatusBadRequest, "domain"},
		{"unknown domain", both, "k", with(func(r *api.IntakeRequest) { r.Domain = "ocmw" }), http.StatusBadRequest, "domain"},
		{"e-mail is not a channel here", gemeente, "k", with(func(r *api.IntakeRequest) { r.Channel = "email" }), http.StatusBadRequest, "channel"},
		{"nothing registered", gemeente, "k", with(func(r *api.IntakeRequest) { r.Subject, r.Text = "", " " }), http.StatusBadRequest, "at least one"},
		{"bad e-mail", gemeente, "k", with(func(r *api.IntakeRequest) { r.Citizen.Email = "an at example.org" }), http.StatusBadRequest, "citizen.email"},
		{"bad phone", gemeente, "k", with(func(r *api.IntakeRequest) { r.Citizen.Phone = "bel me" }), http.StatusBadRequest, "citizen.phone"},
		{"in the future", gemeente, "k", with(func(r *api.IntakeRequest) { r.ReceivedAt = &future }), http.StatusBadRequest, "received_at"},
		{"bad inbox", gemeente, "k", with(func(r *api.IntakeRequest) { r.Inbox = "Onthaal Zuid" }), http.StatusBadRequest, "inbox"},
		{"not a PDF or image", gemeente, "k", with(func(r *api.IntakeRequest) {
			r.Attachments = []api.IntakeFile{{Name: "virus.exe", Data: []byte("MZ\x90\x00 this program cannot be run in DOS mode")}}
		}), http.StatusBadRequest, "attachments[0]"},
		{"unknown field", gemeente, "k", map[string]any{"channel": "counter", "text": "x", "afzender": "An"}, http.StatusBadRequest, "unknown field"},
		{"unknown form field", gemeente, "k", newMultipart(t, map[string]string{"channel": "counter", "afzender": "An"}, nil), http.StatusBadRequest, "afzender"},
		{"bad form time", gemeente, "k", newMultipart(t, map[string]string{"channel": "counter", "received_at": "gisteren"}, nil), http.StatusBadRequest, "received_at"},
	}
	for _, tc := range tests {
		var p api.InputProblem
		code := send(t, tc.client, http.MethodPost, s.URL+"/api/v1/intake", tc.key, tc.body, &p)
		if code != tc.code || !strings.Contains(p.Error+strings.Join(p.Problems, "|"), tc.problem) {
			t.Errorf("%s: %d %+v, want %d with %q", tc.name, code, p, tc.code, tc.problem)
		}
	}
	// Text is plain: a body of another type is refused.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/api/v1/intake", strings.NewReader("channel=counter"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(api.IdempotencyKeyHeader, "k")
	resp, err := gemeente.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("urlencoded body = %d, want 415", resp.StatusCode)
	}
	if st, err := s.st.Stats(t.Context()); err != nil || st.Messages != 0 {
		t.Errorf("refused registrations stored %+v, %v", st, err)
	}
	if n := natstest.StreamCount(t, s.bus); n != 0 {
		t.Errorf("refused registrations published %d events", n)
	}
}

// TestIntakeWithoutBus: a registry without a bus refuses to register, and
// says why, after checking the registration.
func TestIntakeWithoutBus(t *testing.T) {
	t.Parallel()
	st, log := openStore(t)
	srv := newServer(t, st, log, casework.Options{})
	c := srv.client(srv.token(t, string(auth.RoleOnthaal), "gemeente"))
	var p api.Problem
	code := send(t, c, http.MethodPost, srv.URL+"/api/v1/intake", "k", api.IntakeRequest{Channel: "counter", Text: "Vraag"}, &p)
	if code != http.StatusServiceUnavailable || !strings.Contains(p.Error, "not available") {
		t.Errorf("POST without a bus = %d %+v, want 503", code, p)
	}
}
