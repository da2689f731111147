package mailevent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest/mailevent"
	"github.com/meldpunt/meldpunt/internal/mail"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

const original = "From: An Peeters <an@example.be>\r\nTo: gemeentebestuur@meldegem.be\r\n" +
	"Subject: Re: [MP-2026-000123] Put in de Kerkstraat\r\nDate: Mon, 5 Jan 2026 10:00:00 +0100\r\n" +
	"Message-ID: <q1@example.be>\r\nIn-Reply-To: <a1@meldegem.be>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n\r\nDe put is nog altijd niet hersteld.\r\nGroeten, An\r\n"

// reencoded is the same message as a server might hand it out another
// time: other header order and folding, quoted-printable instead of 8bit,
// bare LF line ends.
const reencoded = "Message-ID: <q1@example.be>\nDate: Mon, 5 Jan 2026 10:00:00 +0100\nFrom: \"An Peeters\"\n <an@example.be>\n" +
	"To: gemeentebestuur@meldegem.be\nSubject: Re: [MP-2026-000123] Put in de\n Kerkstraat\nIn-Reply-To: <a1@meldegem.be>\n" +
	"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
	"De put is nog altijd niet hersteld.\nGroeten, An\n"

func TestIdentity(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)
	ctx := context.Background()
	build := func(inbox, raw string, c mailevent.Capture) caseevent.Event {
		t.Helper()
		c.Raw = []byte(raw)
		if c.Size == 0 {
			c.Size = int64(len(raw))
		}
		ev, err := mailevent.Build(ctx, b, mailevent.Source{Inbox: inbox, Domain: caseevent.DomainGemeente, Direction: caseevent.DirectionIncoming},
			c, mailevent.Options{CaseRef: mail.CaseRefPattern()})
		if err != nil {
			t.Fatal(err)
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("invalid event: %v", err)
		}
		return ev
	}
	base := build("gemeentebestuur", original, mailevent.Capture{ReceivedAt: time.Date(2026, 1, 5, 9, 0, 1, 0, time.UTC)})
	reusedID := strings.Replace(original, "nog altijd niet", "eindelijk", 1)
	noID := strings.Replace(original, "Message-ID: <q1@example.be>\r\n", "", 1)

	tests := []struct {
		name string
		ev   caseevent.Event
		same bool
	}{
		{"fetched again, other INTERNALDATE", build("gemeentebestuur", original, mailevent.Capture{ReceivedAt: time.Now()}), true},
		{"served in another encoding", build("gemeentebestuur", reencoded, mailevent.Capture{}), true},
		{"the other mailbox", build("sociaalhuis", original, mailevent.Capture{}), false},
		{"a reused Message-ID with other content", build("gemeentebestuur", reusedID, mailevent.Capture{}), false},
		{"no Message-ID", build("gemeentebestuur", noID, mailevent.Capture{}), false},
	}
	for _, tt := range tests {
		if (tt.ev.ID == base.ID) != tt.same {
			t.Errorf("%s: id %s, original %s, want same=%v", tt.name, tt.ev.ID, base.ID, tt.same)
		}
	}
	if base.Data.Thread.CaseRef != "MP-2026-000123" || base.Data.Thread.InReplyTo != "<a1@meldegem.be>" || base.Data.ExternalID != "<q1@example.be>" {
		t.Errorf("thread hints %+v, external id %s", base.Data.Thread, base.Data.ExternalID)
	}
	if base.Data.Raw == nil || base.Data.Raw.Size != int64(len(original)) {
		t.Errorf("raw %+v", base.Data.Raw)
	}
	if got, err := b.GetObject(ctx, base.Data.Raw.Object); err != nil || string(got) != original {
		t.Errorf("raw original in the object store: %q, %v", got, err)
	}
	// Without a Message-ID the same message still has one identity.
	if a, c := build("gemeentebestuur", noID, mailevent.Capture{}), build("gemeentebestuur", noID, mailevent.Capture{}); a.ID != c.ID || !strings.HasSuffix(a.Data.ExternalID, "@meldpunt.invalid>") {
		t.Errorf("no Message-ID: ids %s and %s, external id %s", a.ID, c.ID, a.Data.ExternalID)
	}

	// Bad input is registered, never dropped.
	garbage := build("gemeentebestuur", "\x00\x01 not a mail", mailevent.Capture{})
	if garbage.Data.ParseError == "" || garbage.Data.Raw == nil {
		t.Errorf("unparseable message: parse_error %q, raw %+v", garbage.Data.ParseError, garbage.Data.Raw)
	}
	header := original[:strings.Index(original, "\r\n\r\n")+4]
	big := build("gemeentebestuur", header, mailevent.Capture{Truncated: true, Size: 60 << 20, Limit: 50 << 20})
	if !strings.Contains(big.Data.ParseError, "over the limit") || !strings.Contains(big.Data.Text, "te groot") || big.Data.Subject == "" {
		t.Errorf("oversized message: %+v", big.Data)
	}
}

// TestHugeBodyFits: a message whose text and HTML together exceed the
// event limit still gives a valid event; the raw original keeps it all.
func TestHugeBodyFits(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)
	para := strings.Repeat("Dit is een zeer lange klacht over de wegenwerken. ", 10000) // ~500 KB
	raw := "From: a@example.be\r\nSubject: lang\r\nMessage-ID: <long@x>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + para +
		"\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + para + "</p>\r\n--b--\r\n"
	ev, err := mailevent.Build(context.Background(), b, mailevent.Source{Inbox: "gemeentebestuur", Domain: caseevent.DomainGemeente, Direction: caseevent.DirectionIncoming},
		mailevent.Capture{Raw: []byte(raw), Size: int64(len(raw))}, mailevent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := ev.Marshal()
	if err != nil {
		t.Fatalf("event does not fit: %v", err)
	}
	if len(data) > caseevent.MaxEventSize || ev.Data.HTML != "" || !strings.Contains(ev.Data.ParseError, "HTML body was left out") {
		t.Errorf("event of %d bytes, html %d bytes, parse_error %q", len(data), len(ev.Data.HTML), ev.Data.ParseError)
	}
}
