package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// seedQuarantine quarantines one item with payload, as the registry does.
func seedQuarantine(t *testing.T, st store.Store, payload string) {
	t.Helper()
	tx, err := st.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context()) //nolint:errcheck
	sum := sha256.Sum256([]byte(payload))
	if err := tx.Quarantine(t.Context(), []store.QuarantineItem{{Key: hex.EncodeToString(sum[:]), Subject: "meldpunt.intake.email.sociaalhuis",
		Reason: "invalid case event: id: must not be empty", Payload: []byte(payload), Deliveries: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// quarantined waits until the registry quarantined n open items and
// returns them, newest first.
func quarantined(t *testing.T, c *http.Client, url string, n int) []api.QuarantineItem {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var l api.QuarantineList
		if code := send(t, c, http.MethodGet, url+"/api/v1/quarantine", "", nil, &l); code != http.StatusOK {
			t.Fatalf("GET quarantine = %d", code)
		}
		if len(l.Items) == n {
			return l.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("quarantine holds %d open items, want %d: %+v", len(l.Items), n, l.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestQuarantineRetry: an event the registry could not take is shown
// without its payload, downloaded, sent again — although the stream saw
// its id already — and then either stored or, failing again, shown again.
func TestQuarantineRetry(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			s := newBusServer(t, kind)
			ctx := t.Context()
			admin := s.client(s.token(t, "beheerder", "gemeente", "sociaalhuis"))

			// An e-mail whose attachment never reached the object store, and
			// a payload that is no event at all.
			att := []byte("%PDF-1.4 bijlage")
			sum := sha256.Sum256(att)
			ref := hex.EncodeToString(sum[:])
			id := caseevent.NewID(caseevent.ChannelEmail, "sociaalhuis", "<missing@example.org>")
			ev := caseevent.NewEvent(id, "meldpunt/ingest-mail/sociaalhuis", time.Now(), caseevent.Message{
				Channel: caseevent.ChannelEmail, Direction: caseevent.DirectionIncoming, Inbox: "sociaalhuis",
				Domain: caseevent.DomainSociaalhuis, ExternalID: "<missing@example.org>", Subject: "Aanvraag",
				Attachments: []caseevent.Attachment{{Name: "aanvraag.pdf", ContentType: "application/pdf", Size: int64(len(att)), SHA256: ref, Object: ref}},
			})
			if _, err := s.bus.PublishEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
			garbage := []byte(`{"specversion":"1.0","geen":"event"}`)
			if _, err := s.bus.PublishRaw(ctx, "meldpunt.intake.email.sociaalhuis", "garbage-1", garbage); err != nil {
				t.Fatal(err)
			}
			items := quarantined(t, admin, s.URL, 2)
			var missing, bad api.QuarantineItem
			for _, it := range items {
				if it.EventID == id {
					missing = it
				} else {
					bad = it
				}
			}
			if missing.Status != "open" || !strings.Contains(missing.Reason, "not in the object store") || missing.Payload.Size == 0 ||
				missing.Payload.URL != "/api/v1/quarantine/"+itoa(missing.ID)+"/payload" || missing.Payload.SHA256 != "" {
				t.Errorf("quarantined event = %+v", missing)
			}

			// The list and an item show metadata only; the payload is a
			// download.
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+bad.Payload.URL, nil)
			resp, err := admin.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, garbage) || resp.Header.Get("Content-Type") != "application/octet-stream" ||
				!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("payload download = %d %q %v", resp.StatusCode, body, resp.Header)
			}
			if log, err := s.st.ListAccess(ctx, store.AccessFilter{Action: store.AccessViewQuarantine}); err != nil || len(log) != 1 ||
				log[0].Detail != "quarantaine "+itoa(bad.ID) || log[0].Actor == "" {
				t.Errorf("access log of the download = %+v, %v", log, err)
			}
			var one api.QuarantineItem
			if code := send(t, admin, http.MethodGet, s.URL+"/api/v1/quarantine/"+itoa(bad.ID), "", nil, &one); code != http.StatusOK ||
				one.Payload.SHA256 != sha(garbage) || one.Payload.Size != int64(len(garbage)) {
				t.Errorf("GET item = %d %+v", code, one)
			}

			// The object arrives after all: a retry stores the event.
			if _, err := s.bus.PutObject(ctx, att, "application/pdf"); err != nil {
				t.Fatal(err)
			}
			var retried api.QuarantineItem
			if code := send(t, admin, http.MethodPost, s.URL+"/api/v1/quarantine/"+itoa(missing.ID)+"/retry", "", map[string]string{"note": "bijlage alsnog opgeladen"}, &retried); code != http.StatusOK ||
				retried.Status != "retried" || retried.ResolvedBy == "" || retried.ResolvedAt == nil || retried.Note != "bijlage alsnog opgeladen" {
				t.Errorf("retry = %d %+v", code, retried)
			}
			deadline := time.Now().Add(time.Minute)
			for {
				if _, err := s.st.EventMessage(ctx, id); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the retried event was not stored")
				}
				time.Sleep(50 * time.Millisecond)
			}

			// Garbage stays garbage: retried, it is quarantined again, and
			// shown again as a new open item.
			if code := send(t, admin, http.MethodPost, s.URL+"/api/v1/quarantine/"+itoa(bad.ID)+"/retry", "", nil, &retried); code != http.StatusOK {
				t.Fatalf("retry garbage = %d %+v", code, retried)
			}
			again := quarantined(t, admin, s.URL, 1)[0]
			if again.ID <= bad.ID || again.Status != "open" || again.Payload.Size != int64(len(garbage)) || again.Reason == "" {
				t.Errorf("garbage after a retry = %+v, want a new open item", again)
			}
			// Retrying that again works the same way.
			if code := send(t, admin, http.MethodPost, s.URL+"/api/v1/quarantine/"+itoa(again.ID)+"/retry", "", nil, &retried); code != http.StatusOK {
				t.Fatalf("second retry = %d", code)
			}
			third := quarantined(t, admin, s.URL, 1)[0]
			if third.ID <= again.ID {
				t.Errorf("after a second retry: %+v, want a newer item than %d", third, again.ID)
			}

			// Resolving: a note is required; once resolved, it is done.
			var p api.Problem
			if code := send(t, admin, http.MethodPost, s.URL+"/api/v1/quarantine/"+itoa(third.ID)+"/resolve", "", map[string]string{}, &p); code != http.StatusBadRequest {
				t.Errorf("resolve without a note = %d", code)
			}
			var res api.QuarantineItem
			if code := send(t, admin, http.MethodPost, s.URL+"/api/v1/quarantine/"+itoa(third.ID)+"/resolve", "", map[string]string{"note": "leverancier verwittigd"}, &res); code != http.StatusOK ||
				res.Status != "resolved" || res.Note != "leverancier verwittigd" {
				t.Errorf("resolve = %d %+v", code, res)
			}
			for _, action := range []string{"resolve", "retry"} {
				if code := send(t, admin, http.MethodPost, s.URL+"/api/v1/quarantine/"+itoa(third.ID)+"/"+action, "", map[string]string{"note": "nog eens"}, &p); code != http.StatusConflict {
					t.Errorf("%s a resolved item = %d, want 409", action, code)
				}
			}
			quarantined(t, admin, s.URL, 0)
			var all api.QuarantineList
			if code := send(t, admin, http.MethodGet, s.URL+"/api/v1/quarantine?status=all&limit=2", "", nil, &all); code != http.StatusOK || len(all.Items) != 2 || all.Next == "" {
				t.Errorf("all, 2 per page = %d %+v", code, all)
			}
			if code := send(t, admin, http.MethodGet, s.URL+all.Next, "", nil, &all); code != http.StatusOK || len(all.Items) != 2 {
				t.Errorf("next page = %d %+v", code, all)
			}
		})
	}
}

// TestQuarantineNeedsEveryDomain: a payload may hold any domain's data, so
// a beheerder of one domain sees no quarantine.
func TestQuarantineNeedsEveryDomain(t *testing.T) {
	t.Parallel()
	st, log := openStore(t)
	srv := newServer(t, st, log, casework.Options{})
	seedQuarantine(t, st, `{"data":{"domain":"gemeente"}}`)
	c := srv.client(srv.token(t, "beheerder", "gemeente"))
	var l api.QuarantineList
	if code := send(t, c, http.MethodGet, srv.URL+"/api/v1/quarantine", "", nil, &l); code != http.StatusOK || !l.Restricted || len(l.Items) != 0 {
		t.Errorf("list for one domain = %d %+v, want restricted and empty", code, l)
	}
	for _, path := range []string{"/api/v1/quarantine/1", "/api/v1/quarantine/1/payload"} {
		var p api.Problem
		if code := send(t, c, http.MethodGet, srv.URL+path, "", nil, &p); code != http.StatusNotFound {
			t.Errorf("GET %s for one domain = %d, want 404", path, code)
		}
	}
	for _, action := range []string{"retry", "resolve"} {
		var p api.Problem
		if code := send(t, c, http.MethodPost, srv.URL+"/api/v1/quarantine/1/"+action, "", map[string]string{"note": "x"}, &p); code != http.StatusNotFound {
			t.Errorf("%s for one domain = %d, want 404", action, code)
		}
	}
	var p api.Problem
	if code := send(t, c, http.MethodGet, srv.URL+"/api/v1/quarantine?status=weg", "", nil, &p); code != http.StatusBadRequest {
		t.Errorf("unknown status filter = %d, want 400", code)
	}
	// Without a bus, a retry is refused and the item stays open.
	all := srv.client(srv.token(t, "beheerder", "gemeente", "sociaalhuis"))
	if code := send(t, all, http.MethodPost, srv.URL+"/api/v1/quarantine/1/retry", "", nil, &p); code != http.StatusServiceUnavailable {
		t.Errorf("retry without a bus = %d, want 503", code)
	}
	if code := send(t, all, http.MethodGet, srv.URL+"/api/v1/quarantine", "", nil, &l); code != http.StatusOK || len(l.Items) != 1 || l.Items[0].Status != "open" {
		t.Errorf("after a refused retry = %d %+v", code, l)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
