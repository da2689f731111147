package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// TestQuarantine: an event the registry could not take is listed with its
// reason, its payload downloads (and the download is logged), it is sent
// again once the cause is mended and then registered; another is closed
// with a note. Only a beheerder of every domain sees any of it.
func TestQuarantine(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, "sqlite", uiOptions{bus: true})
	ctx := t.Context()
	admin := e.login(t, "jan", auth.RoleBeheerder, "", "gemeente", "sociaalhuis")

	// An e-mail whose attachment never reached the object store: the
	// registry quarantines it.
	att := []byte("%PDF-1.4 aanvraag")
	s := sha256.Sum256(att)
	sum := hex.EncodeToString(s[:])
	id := caseevent.NewID(caseevent.ChannelEmail, "info", "<ontbreekt@example.be>")
	ev := caseevent.NewEvent(id, "meldpunt/ingest-mail/info", time.Now(), caseevent.Message{
		Channel: caseevent.ChannelEmail, Direction: caseevent.DirectionIncoming, Inbox: "info", Domain: caseevent.DomainGemeente,
		ExternalID: "<ontbreekt@example.be>", Subject: "Aanvraag parkeerkaart", Sender: caseevent.Party{Name: "Karel Verstraeten"},
		Attachments: []caseevent.Attachment{{Name: "aanvraag.pdf", ContentType: "application/pdf", Size: int64(len(att)), SHA256: sum, Object: sum}},
	})
	if _, err := e.bus.PublishEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	// And one that did not come from the intake stream.
	seedQuarantine(t, e.st, "elders.iets", "", []byte(`{"geen":"event"}`))
	var missing, other store.QuarantineEntry
	deadline := time.Now().Add(time.Minute)
	for missing.ID == 0 || other.ID == 0 {
		items, err := e.st.ListQuarantineEntries(ctx, store.QuarantineFilter{Open: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.EventID == id {
				missing = it
			} else {
				other = it
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registry did not quarantine the event: %+v", items)
		}
		time.Sleep(50 * time.Millisecond)
	}
	item := "/quarantaine/" + itoa(missing.ID)

	list := admin.get(t, "/quarantaine")
	for _, want := range []string{`id="item-` + itoa(missing.ID) + `"`, "not in the object store", id, `href="` + item + `/inhoud"`,
		`action="` + item + `/opnieuw"`, `action="` + item + `/afhandelen"`, "&lt;id&gt; must not be empty"} {
		if !strings.Contains(list.body, want) {
			t.Errorf("the quarantine page lacks %q", want)
		}
	}
	if strings.Contains(list.body, `action="/quarantaine/`+itoa(other.ID)+`/opnieuw"`) {
		t.Error("the page offers to send an item again that did not come from the intake stream")
	}

	// A beheerder of one domain, and a behandelaar, see nothing.
	for _, c := range []*client{
		e.login(t, "els", auth.RoleBeheerder, "", "gemeente"),
		e.login(t, "sofie", auth.RoleBeheerder, "", "sociaalhuis"),
	} {
		r := c.get(t, "/quarantaine")
		if r.status != http.StatusOK || !strings.Contains(r.body, "toegang nodig tot alle domeinen") || strings.Contains(r.body, id) {
			t.Errorf("quarantine of a beheerder of one domain = %d\n%s", r.status, r.body)
		}
		for _, path := range []string{item + "/inhoud"} {
			if r := c.get(t, path); r.status != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, r.status)
			}
		}
		for _, path := range []string{item + "/opnieuw", item + "/afhandelen"} {
			if r := c.post(t, path, url.Values{"note": {"x"}}); r.status != http.StatusNotFound {
				t.Errorf("POST %s = %d, want 404", path, r.status)
			}
		}
	}
	if r := e.login(t, "piet", auth.RoleBehandelaar, "", "gemeente", "sociaalhuis").get(t, "/quarantaine"); r.status != http.StatusForbidden {
		t.Errorf("quarantine of a behandelaar = %d, want 403", r.status)
	}

	// The payload downloads, logged.
	pay := admin.get(t, item+"/inhoud")
	if pay.status != http.StatusOK || pay.header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(pay.header.Get("Content-Disposition"), `attachment; filename="quarantaine-`) ||
		!strings.Contains(pay.body, "Aanvraag parkeerkaart") || pay.header.Get("Content-Security-Policy") != "sandbox; default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("payload download = %d %v\n%s", pay.status, pay.header, pay.body)
	}
	if log := accessLog(t, e.st, store.AccessFilter{Action: store.AccessViewQuarantine}); len(log) != 1 || log[0].Actor != "jan" ||
		log[0].Detail != "quarantaine "+itoa(missing.ID) || log[0].Domain != "" {
		t.Errorf("access log of the download = %+v", log)
	}

	// Mended (the attachment is in the object store now) and sent again:
	// the registry stores it.
	if _, err := e.bus.PutObject(ctx, att, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	r := admin.follow(t, item+"/opnieuw", url.Values{"note": {"bijlage hersteld"}})
	if !strings.Contains(r.body, "Item "+itoa(missing.ID)+" is opnieuw naar het register gestuurd.") {
		t.Errorf("after the retry:\n%s", r.body)
	}
	for deadline := time.Now().Add(time.Minute); ; {
		if _, err := e.st.EventMessage(ctx, id); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the retried event was never stored")
		}
		time.Sleep(50 * time.Millisecond)
	}
	got, err := e.st.GetQuarantineEntry(ctx, missing.ID)
	if err != nil || got.Resolution != store.ResolutionRetried || got.ResolvedBy != "jan" || got.Note != "bijlage hersteld" {
		t.Errorf("retried item = %+v, %v", got, err)
	}
	if r := admin.follow(t, item+"/opnieuw", nil); !strings.Contains(r.body, "Dit item is al afgehandeld.") {
		t.Errorf("retrying twice:\n%s", r.body)
	}

	// The other cannot be sent again; it is closed with a note.
	otherItem := "/quarantaine/" + itoa(other.ID)
	if r := admin.follow(t, otherItem+"/opnieuw", nil); !strings.Contains(r.body, "kan niet opnieuw verstuurd worden") {
		t.Errorf("retrying an item not from the intake stream:\n%s", r.body)
	}
	if r := admin.follow(t, otherItem+"/afhandelen", url.Values{"note": {"  "}}); !strings.Contains(r.body, "Schrijf in de notitie") {
		t.Errorf("resolving without a note:\n%s", r.body)
	}
	if r := admin.follow(t, otherItem+"/afhandelen", url.Values{"note": {"geen bericht van een burger"}}); !strings.Contains(r.body, "is afgehandeld.") {
		t.Errorf("resolving:\n%s", r.body)
	}
	done := admin.get(t, "/quarantaine?status=afgehandeld").body
	for _, want := range []string{"Opnieuw verstuurd door jan: bijlage hersteld", "Afgehandeld door jan: geen bericht van een burger"} {
		if !strings.Contains(done, want) {
			t.Errorf("the resolved items lack %q:\n%s", want, done)
		}
	}
	if open := admin.get(t, "/quarantaine").body; !strings.Contains(open, "Geen items.") {
		t.Errorf("open items remain:\n%s", open)
	}
	if r := admin.get(t, "/quarantaine?status=raar"); r.status != http.StatusBadRequest {
		t.Errorf("unknown filter = %d, want 400", r.status)
	}
}
