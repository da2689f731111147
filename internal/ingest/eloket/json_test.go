package eloket_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket/jsonapi"
	"github.com/meldpunt/meldpunt/internal/testutil/jsonapifake"
)

var formMapping = jsonapi.Mapping{
	List: jsonapifake.ListPath, ID: "id", Timestamp: "created",
	Subject: "attributes.title", Text: "attributes.description",
	ServiceCode: "attributes.category.code", ServiceName: "attributes.category.label",
	SenderName: "contact.name", SenderEmail: "contact.email", SenderPhone: "contact.phone",
	Address: "location.street", Lat: "location.lat", Lon: "location.lng",
	Attachments: "files", AttachmentURL: "url", AttachmentName: "filename",
}

// TestJSONAPI: a generic JSON API with cursor paging and bearer auth,
// through a server error and a malformed item, and a restart: every
// submission once, unknown fields kept.
func TestJSONAPI(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	fake := jsonapifake.Start(t)
	fake.Generate(120, 5)
	fake.InjectMalformed()
	fake.Generate(30, 6)
	fake.FailNext(1, 502, "<html>Bad Gateway</html>")
	newSource := func() eloket.Source {
		client, err := jsonapi.NewClient(jsonapi.Config{URL: fake.ListURL(), Mapping: formMapping,
			Auth:   jsonapi.Auth{Kind: "bearer", Token: jsonapifake.DefaultToken},
			Cursor: jsonapi.Cursor{Param: "since", Kind: jsonapi.CursorTimestamp, PageSizeParam: "per_page", PageSize: 40}})
		if err != nil {
			t.Fatal(err)
		}
		return eloket.Source{Inbox: "eloket-form", Domain: caseevent.DomainGemeente, PollInterval: 100 * time.Millisecond, JSON: client}
	}
	stop := r.run(newSource())
	r.waitCount(151)
	stop()
	fake.Generate(10, 7)
	r.run(newSource())
	r.waitCount(161)
	time.Sleep(500 * time.Millisecond)
	evs := r.events()
	if len(evs) != 161 {
		t.Fatalf("stream holds %d events, want 161", len(evs))
	}
	var malformed, kept, photos int
	for _, ev := range evs {
		d := ev.Data
		if d.ParseError != "" {
			malformed++
		}
		if d.Form != nil && d.Form.Fields["status"] != "" {
			kept++ // a field nobody mapped is still there
		}
		photos += len(d.Attachments)
	}
	if malformed != 1 || kept < 150 || photos == 0 {
		t.Errorf("malformed %d (want 1), with unmapped fields kept %d, photos %d", malformed, kept, photos)
	}
}

// TestWebhook: a signed post is published before the answer; a forged or
// unsigned one is refused and publishes nothing.
func TestWebhook(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	runner := eloket.NewRunner(r.bus, r.health, ingest.NewMetrics("eloket"), 1<<20, quiet())
	src := eloket.Source{Inbox: "eloket-hook", Domain: caseevent.DomainSociaalhuis}
	m := formMapping
	m.List = ""
	h := jsonapi.NewWebhook(jsonapi.WebhookConfig{Secret: func() string { return "gedeeld-geheim" }, Mapping: m}, runner.Webhook(src), quiet())
	body := []byte(`{"id": 77, "created": "2026-12-04T09:30:00+01:00", "attributes": {"title": "Aanvraag leefloon", ` +
		`"description": "Graag een afspraak.", "category": {"code": "LL", "label": "Leefloon"}}, "contact": {"name": "Fatima"}, "kanaal": "web"}`)
	post := func(sig string) int {
		req := httptest.NewRequest("POST", "/webhook/eloket-hook", bytes.NewReader(body))
		if sig != "" {
			req.Header.Set(jsonapi.DefaultSignatureHeader, sig)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct {
		name string
		sig  string
		code int
		want uint64
	}{
		{"missing signature", "", http.StatusUnauthorized, 0},
		{"forged signature", jsonapi.Sign(body, "fout"), http.StatusUnauthorized, 0},
		{"signed", jsonapi.Sign(body, "gedeeld-geheim"), http.StatusOK, 1},
		{"signed, delivered again", jsonapi.Sign(body, "gedeeld-geheim"), http.StatusOK, 1},
	} {
		if code := post(tc.sig); code/100 != tc.code/100 || r.count() != tc.want {
			t.Errorf("%s: answer %d, stream %d; want %d, %d", tc.name, code, r.count(), tc.code, tc.want)
		}
	}
	for _, ev := range r.events() {
		if ev.Data.Domain != caseevent.DomainSociaalhuis || ev.Data.Form.Fields["kanaal"] != "web" || ev.ID != eloket.EventID("eloket-hook", "77") {
			t.Errorf("event %+v", ev)
		}
	}
}
