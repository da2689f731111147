package frontdesk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/intake/frontdesk"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

var (
	now   = time.Date(2026, 12, 4, 10, 15, 0, 0, time.FixedZone("CET", 3600))
	staff = frontdesk.Staff{Actor: "els", Name: "Els Claes"}
	pdf   = []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
	jpeg  = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{0}, 32)...)
)

func visit() frontdesk.Registration {
	return frontdesk.Registration{
		Channel: caseevent.ChannelCounter, Domain: caseevent.DomainGemeente,
		Citizen: frontdesk.Citizen{Name: " An Peeters ", Email: "an@example.org", Phone: "09 123 45 67", Address: "Kerkstraat 1, 9000 Gent"},
		Subject: "Kapotte straatlamp", Text: "Mevrouw meldt aan de balie dat de lamp niet brandt.\n\n",
	}
}

func prepare(t *testing.T, key string, r frontdesk.Registration) frontdesk.Prepared {
	t.Helper()
	p, err := frontdesk.Prepare(staff, key, r, now, frontdesk.DefaultLimits())
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return p
}

func TestPrepareVisit(t *testing.T) {
	t.Parallel()
	r := visit()
	r.Files = []frontdesk.File{{Name: `C:\Users\els\Scans\brief.pdf`, Data: pdf}, {Name: "", Data: jpeg}}
	p := prepare(t, "form-1", r)
	ev := p.Event
	if ev.ID != frontdesk.EventID("els", "form-1", caseevent.ChannelCounter, "onthaal") || ev.Source != "meldpunt/frontdesk/onthaal" ||
		!ev.Time.Equal(now) || ev.Time.Location() != time.UTC {
		t.Errorf("envelope = %s %s %v", ev.ID, ev.Source, ev.Time)
	}
	d := ev.Data
	if d.Channel != caseevent.ChannelCounter || d.Direction != caseevent.DirectionIncoming || d.Inbox != "onthaal" ||
		d.Domain != caseevent.DomainGemeente || d.ExternalID != ev.ID {
		t.Errorf("data = %+v", d)
	}
	if d.Sender != (caseevent.Party{Name: "An Peeters", Email: "an@example.org", Phone: "09 123 45 67", Address: "Kerkstraat 1, 9000 Gent"}) ||
		len(d.Recipients) != 1 || d.Recipients[0].Name != "Els Claes" {
		t.Errorf("sender %+v, recipients %+v", d.Sender, d.Recipients)
	}
	if d.Text != "Mevrouw meldt aan de balie dat de lamp niet brandt." || d.ReceivedAt == nil || !d.ReceivedAt.Equal(now) {
		t.Errorf("text %q, received %v", d.Text, d.ReceivedAt)
	}
	if len(d.Attachments) != 2 || d.Attachments[0].Name != "brief.pdf" || d.Attachments[0].ContentType != "application/pdf" ||
		d.Attachments[1].Name != "bijlage-2.jpg" || d.Attachments[1].ContentType != "image/jpeg" {
		t.Errorf("attachments = %+v", d.Attachments)
	}
	if d.Raw == nil || d.Raw.ContentType != frontdesk.RecordContentType || len(p.Objects) != 3 {
		t.Fatalf("raw %+v, %d objects", d.Raw, len(p.Objects))
	}
	// The raw original records who registered what.
	var rec map[string]any
	if err := json.Unmarshal(p.Objects[2].Data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec["event_id"] != ev.ID || rec["idempotency_key"] != "form-1" || rec["registered_by"].(map[string]any)["actor"] != "els" {
		t.Errorf("record = %v", rec)
	}
	if err := ev.Validate(); err != nil {
		t.Error(err)
	}
}

func TestPrepareOutgoingCall(t *testing.T) {
	t.Parallel()
	r := frontdesk.Registration{Channel: caseevent.ChannelPhone, Direction: caseevent.DirectionOutgoing, Domain: caseevent.DomainSociaalhuis,
		Inbox: "onthaal-zuid", Citizen: frontdesk.Citizen{Phone: "+32 470 12 34 56"}, Text: "Teruggebeld.", CaseRef: "MP-2026-000123"}
	d := prepare(t, "k", r).Event.Data
	if d.Sender.Name != "Els Claes" || len(d.Recipients) != 1 || d.Recipients[0].Phone != "+32 470 12 34 56" ||
		d.Inbox != "onthaal-zuid" || d.Thread.CaseRef != "MP-2026-000123" {
		t.Errorf("outgoing call = %+v", d)
	}
	// Without a citizen, there is no one to name as recipient.
	r.Citizen = frontdesk.Citizen{}
	if d := prepare(t, "k", r).Event.Data; len(d.Recipients) != 0 {
		t.Errorf("recipients without a citizen = %+v", d.Recipients)
	}
}

func TestEventID(t *testing.T) {
	t.Parallel()
	id := frontdesk.EventID("els", "k1", caseevent.ChannelCounter, "onthaal")
	// A double submit of the same form gives the same event, whatever else
	// differs.
	r := visit()
	a, b := prepare(t, "k1", r), prepare(t, "k1", func() frontdesk.Registration { r.Text = "anders"; return r }())
	if a.Event.ID != id || b.Event.ID != id {
		t.Errorf("ids %s %s, want %s", a.Event.ID, b.Event.ID, id)
	}
	for name, other := range map[string]string{
		"another key":    frontdesk.EventID("els", "k2", caseevent.ChannelCounter, "onthaal"),
		"another member": frontdesk.EventID("jan", "k1", caseevent.ChannelCounter, "onthaal"),
		"another desk":   frontdesk.EventID("els", "k1", caseevent.ChannelCounter, "onthaal-zuid"),
	} {
		if other == id {
			t.Errorf("%s gives the same id", name)
		}
	}
}

func TestPrepareRefuses(t *testing.T) {
	t.Parallel()
	future := now.Add(time.Hour)
	old := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
	big := frontdesk.Limits{MaxFiles: 2, MaxFileSize: 100, MaxTotalSize: 150}
	tests := []struct {
		name   string
		key    string
		staff  frontdesk.Staff
		limits frontdesk.Limits
		change func(r *frontdesk.Registration)
		want   []string // each in some problem
	}{
		{name: "no key", change: func(*frontdesk.Registration) {}, want: []string{"idempotency key: required"}},
		{name: "key too long", key: strings.Repeat("k", 201), change: func(*frontdesk.Registration) {}, want: []string{"at most 200"}},
		{name: "no staff", key: "k", staff: frontdesk.Staff{}, change: func(*frontdesk.Registration) {}, want: []string{"staff"}},
		{name: "e-mail channel", key: "k", change: func(r *frontdesk.Registration) { r.Channel = caseevent.ChannelEmail }, want: []string{"channel"}},
		{name: "no channel, domain or direction", key: "k", change: func(r *frontdesk.Registration) {
			r.Channel, r.Domain, r.Direction = "", "", "sideways"
		}, want: []string{"channel", "domain", "direction"}},
		{name: "nothing said", key: "k", change: func(r *frontdesk.Registration) { r.Subject, r.Text = " ", "\n" }, want: []string{"at least one"}},
		{name: "bad contact details", key: "k", change: func(r *frontdesk.Registration) {
			r.Citizen.Email, r.Citizen.Phone = "an@", "negen"
		}, want: []string{"citizen.email", "citizen.phone"}},
		{name: "bad text", key: "k", change: func(r *frontdesk.Registration) {
			r.Subject, r.Text, r.Citizen.Name = "a\x00b", "\xff", strings.Repeat("é", 1001)
		}, want: []string{"subject: contains a NUL", "text: not valid UTF-8", "citizen.name: at most 1000"}},
		{name: "text too large", key: "k", change: func(r *frontdesk.Registration) { r.Text = strings.Repeat("x", caseevent.MaxBodySize+1) }, want: []string{"text: at most"}},
		{name: "times", key: "k", change: func(r *frontdesk.Registration) { r.ReceivedAt, r.SentAt = &future, &old }, want: []string{"received_at: in the future", "sent_at: want a date"}},
		{name: "inbox", key: "k", change: func(r *frontdesk.Registration) { r.Inbox = "Balie Zuid" }, want: []string{"inbox"}},
		{name: "files", key: "k", limits: big, change: func(r *frontdesk.Registration) {
			r.Files = []frontdesk.File{{Name: "a.pdf"}, {Name: "b.pdf", Data: append(pdf, bytes.Repeat([]byte(" "), 100)...)}, {Name: "c.exe", Data: []byte("MZ\x90\x00")}}
		}, want: []string{"attachments: at most 2", "attachments[0]: empty", "attachments[1]: larger than", "attachments[2]: not a PDF"}},
		{name: "files together", key: "k", limits: big, change: func(r *frontdesk.Registration) {
			r.Files = []frontdesk.File{{Name: "a.pdf", Data: append(pdf, bytes.Repeat([]byte(" "), 40)...)}, {Name: "b.pdf", Data: append(pdf, bytes.Repeat([]byte(" "), 40)...)}}
		}, want: []string{"larger than 0 MiB together"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := visit()
			tc.change(&r)
			st, l := tc.staff, tc.limits
			if st == (frontdesk.Staff{}) && tc.name != "no staff" {
				st = staff
			}
			if l == (frontdesk.Limits{}) {
				l = frontdesk.DefaultLimits()
			}
			_, err := frontdesk.Prepare(st, tc.key, r, now, l)
			var ie *frontdesk.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Prepare = %v, want an InputError", err)
			}
			all := strings.Join(ie.Problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems lack %q:\n%s", w, all)
				}
			}
			// Problems never repeat what was entered.
			for _, secret := range []string{"an@", "negen", "Balie Zuid", "c.exe"} {
				if strings.Contains(all, secret) {
					t.Errorf("problems repeat %q:\n%s", secret, all)
				}
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ë", 300)
	tests := []struct{ name, in, want string }{
		{"plain", "brief.pdf", "brief.pdf"},
		{"windows path", `C:\Scans\brief 1.pdf`, "brief 1.pdf"},
		{"unix path", "/tmp/../etc/passwd", "passwd"},
		{"control characters", "bri\x00ef\r\n.pdf", "brief.pdf"},
		{"invalid UTF-8", "br\xffief.pdf", "brief.pdf"},
		{"dots only", "..", "fallback.pdf"},
		{"empty", "  ", "fallback.pdf"},
		{"trailing slash", "scans/", "fallback.pdf"},
		{"too long", long + ".pdf", strings.Repeat("ë", 196) + ".pdf"},
	}
	for _, tc := range tests {
		if got := frontdesk.CleanName(tc.in, "fallback.pdf"); got != tc.want {
			t.Errorf("%s: CleanName(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestDetectType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"pdf", pdf, "application/pdf"},
		{"jpeg", jpeg, "image/jpeg"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"tiff little-endian", []byte("II*\x00\x08\x00\x00\x00"), "image/tiff"},
		{"tiff big-endian", []byte("MM\x00*\x00\x00\x00\x08"), "image/tiff"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), "image/heic"},
		{"another ftyp brand is not heic", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x00\x00"), "application/octet-stream"},
		{"html", []byte("<html><script>alert(1)</script>"), "text/html"},
	}
	for _, tc := range tests {
		if got := frontdesk.DetectType(tc.data); got != tc.want {
			t.Errorf("%s: DetectType = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// busPublisher publishes through a real bus.
type busPublisher struct{ *bus.Bus }

func (p busPublisher) PublishEvent(ctx context.Context, ev caseevent.Event) (bool, error) {
	res, err := p.Bus.PublishEvent(ctx, ev)
	return res.Duplicate, err
}

// TestRegister registers a letter on a real NATS server: the scan and the
// record are in the object store before the event is on the stream, and a
// second post of the same form publishes nothing new.
func TestRegister(t *testing.T) {
	t.Parallel()
	b := natstest.Connect(t, natstest.Start(t))
	pub := busPublisher{b}
	r := frontdesk.Registration{Channel: caseevent.ChannelLetter, Domain: caseevent.DomainSociaalhuis, Subject: "Brief",
		Files: []frontdesk.File{{Name: "scan.pdf", Data: pdf}}}
	rec, err := frontdesk.Register(t.Context(), pub, staff, "letter-7", r, now, frontdesk.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Duplicate || rec.EventID != rec.Event.ID {
		t.Errorf("receipt = %+v", rec)
	}
	evs := natstest.StreamEvents(t, b)
	ev, ok := evs[rec.EventID]
	if !ok || len(evs) != 1 || ev.Data.Channel != caseevent.ChannelLetter || ev.Data.Inbox != "brieven" {
		t.Fatalf("stream holds %+v", evs)
	}
	for _, ref := range []caseevent.ObjectRef{*ev.Data.Raw, {Object: ev.Data.Attachments[0].Object}} {
		if _, err := b.GetObject(t.Context(), ref.Object); err != nil {
			t.Errorf("object %s: %v", ref.Object, err)
		}
	}
	scan, _ := b.GetObject(t.Context(), ev.Data.Attachments[0].Object)
	if !bytes.Equal(scan, pdf) {
		t.Errorf("stored scan = %q", scan)
	}

	again, err := frontdesk.Register(t.Context(), pub, staff, "letter-7", r, now.Add(time.Minute), frontdesk.DefaultLimits())
	if err != nil || !again.Duplicate || again.EventID != rec.EventID {
		t.Errorf("second post = %+v, %v; want a duplicate of %s", again, err, rec.EventID)
	}
	if n := natstest.StreamCount(t, b); n != 1 {
		t.Errorf("stream holds %d events, want 1", n)
	}
}
