package frontdesk_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/intake/frontdesk"
)

// FuzzPrepare feeds Prepare what staff and their browsers may send: either
// it refuses with an InputError, or the event is valid, its files are of an
// allowed type and their names are clean.
func FuzzPrepare(f *testing.F) {
	f.Add("counter", "gemeente", "", "An", "an@example.org", "09 123 45 67", "Vraag", "Tekst", "brief.pdf", pdf, "key-1")
	f.Add("letter", "sociaalhuis", "brieven", "", "", "", "", "", `C:\scan\x.jpg`, jpeg, "k")
	f.Add("phone", "gemeente", "Balie", "\x00", "@", "abc", "\xff", strings.Repeat("x", 10), "..", []byte("MZ"), "a b")
	f.Fuzz(func(t *testing.T, channel, domain, inbox, name, email, phone, subject, text, fileName string, file []byte, key string) {
		r := frontdesk.Registration{
			Channel: caseevent.Channel(channel), Domain: caseevent.Domain(domain), Inbox: inbox,
			Citizen: frontdesk.Citizen{Name: name, Email: email, Phone: phone}, Subject: subject, Text: text,
		}
		if len(file) > 0 {
			r.Files = []frontdesk.File{{Name: fileName, Data: file}}
		}
		p, err := frontdesk.Prepare(staff, key, r, time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), frontdesk.DefaultLimits())
		var ie *frontdesk.InputError
		if errors.As(err, &ie) {
			if len(ie.Problems) == 0 {
				t.Fatal("InputError without problems")
			}
			return
		}
		if err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		if err := p.Event.Validate(); err != nil {
			t.Fatalf("prepared event is invalid: %v", err)
		}
		for _, a := range p.Event.Data.Attachments {
			if !strings.HasPrefix(a.ContentType, "image/") && a.ContentType != "application/pdf" {
				t.Errorf("attachment of type %q", a.ContentType)
			}
			if !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "/\\\x00") || a.Name == "" {
				t.Errorf("attachment name %q", a.Name)
			}
		}
	})
}
