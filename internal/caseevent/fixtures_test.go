package caseevent

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// The events below are the golden files in testdata and the seeds of the
// fuzz targets. The people and addresses in them are made up.

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func emailEvent() Event {
	sent := mustTime("2026-12-04T09:14:02+01:00")
	received := mustTime("2026-12-04T08:14:05Z")
	photo := sha256Hex("photo of the broken street lamp")
	raw := sha256Hex("the original message/rfc822 bytes")
	m := Message{
		Channel:    ChannelEmail,
		Direction:  DirectionIncoming,
		Inbox:      "gemeentebestuur",
		Domain:     DomainGemeente,
		ExternalID: "<CAF3b2x9Qm7@mail.example.org>",
		Thread: Thread{
			InReplyTo:  "<20261201101500.5531@gemeente.example>",
			References: []string{"<20261130120000.1200@mail.example.org>", "<20261201101500.5531@gemeente.example>"},
			CaseRef:    "MP-2026-000123",
		},
		Sender: Party{Name: "Els Peeters", Email: "els.peeters@example.org"},
		Recipients: []Party{
			{Name: "Gemeentebestuur", Email: "gemeentebestuur@gemeente.example"},
			{Email: "secretariaat@gemeente.example"},
		},
		Subject:    "Re: Straatverlichting kapot – Kerkstraat 12",
		Text:       "Goedemiddag,\n\nDe lamp vóór nummer 12 is nog altijd stuk.\n\nMet vriendelijke groet,\nEls",
		HTML:       "<p>Goedemiddag,</p>\n<p>De lamp v&oacute;&oacute;r nummer 12 is nog altijd stuk &amp; het is donker.</p>",
		SentAt:     &sent,
		ReceivedAt: &received,
		Attachments: []Attachment{
			{Name: "foto lamp.jpg", ContentType: "image/jpeg", Size: 284113, SHA256: photo, Object: photo},
		},
		Raw: &ObjectRef{ContentType: "message/rfc822", Size: 391524, SHA256: raw, Object: raw},
	}
	return NewEvent(NewID(m.Channel, m.Inbox, m.ExternalID), "meldpunt/ingest-mail/gemeentebestuur",
		mustTime("2026-12-04T10:15:00.123456789+02:00"), m)
}

func facebookEvent() Event {
	received := mustTime("2026-12-04T18:02:11Z")
	photo := sha256Hex("photo of the full container park")
	raw := sha256Hex("the Graph API JSON of the comment")
	m := Message{
		Channel:    ChannelFacebook,
		Direction:  DirectionIncoming,
		Inbox:      "gemeente-facebook",
		Domain:     DomainGemeente,
		ExternalID: "1029384756_5647382910",
		Thread:     Thread{ConversationID: "1029384756"},
		Sender:     Party{Name: "Jan Janssens", FacebookID: "6543210987654321"},
		Text:       "Wanneer gaat het containerpark terug open? Staat al 3 dagen vol 😡",
		ReceivedAt: &received,
		Attachments: []Attachment{
			{Name: "photo.jpg", ContentType: "image/jpeg", Size: 102400, SHA256: photo, Object: photo},
		},
		Raw: &ObjectRef{ContentType: "application/json", Size: 2048, SHA256: raw, Object: raw},
	}
	return NewEvent(NewID(m.Channel, m.Inbox, "comment", m.ExternalID), "meldpunt/ingest-facebook/gemeente-facebook",
		mustTime("2026-12-04T18:05:00Z"), m)
}

func eloketEvent() Event {
	sent := mustTime("2026-12-03T21:47:30+01:00")
	photo := sha256Hex("photo of the litter")
	raw := sha256Hex("the e-loket submission JSON")
	m := Message{
		Channel:    ChannelEloket,
		Direction:  DirectionIncoming,
		Inbox:      "e-loket",
		Domain:     DomainGemeente,
		ExternalID: "SUB-2026-004211",
		Sender: Party{
			Name:    "Fatima El Amrani",
			Email:   "fatima@example.net",
			Phone:   "+32 470 12 34 56",
			Address: "Dorpsstraat 5, 9999 Voorbeeldgem",
		},
		Subject: "Melding zwerfvuil",
		Text:    "Naast de glasbak ligt al een week een hoop vuilniszakken.",
		SentAt:  &sent,
		Location: &Location{
			Lat:     51.0543,
			Lon:     3.7174,
			Address: "Glasbak Marktplein, 9999 Voorbeeldgem",
		},
		Form: &Form{
			ServiceCode: "melding-zwerfvuil",
			ServiceName: "Melding zwerfvuil",
			Fields: map[string]string{
				"omschrijving":    "Naast de glasbak ligt al een week een hoop vuilniszakken.",
				"contact_gewenst": "ja",
				"plaats":          "Marktplein <bij de glasbak>",
			},
		},
		Attachments: []Attachment{
			{Name: "IMG_2041.HEIC", ContentType: "image/heic", Size: 1843200, SHA256: photo, Object: photo},
		},
		Raw: &ObjectRef{ContentType: "application/json", Size: 4096, SHA256: raw, Object: raw},
	}
	return NewEvent(NewID(m.Channel, m.Inbox, m.ExternalID), "meldpunt/ingest-eloket/e-loket",
		mustTime("2026-12-03T20:50:00Z"), m)
}

func minimalEvent() Event {
	m := Message{
		Channel:    ChannelPhone,
		Direction:  DirectionIncoming,
		Inbox:      "onthaal",
		Domain:     DomainSociaalhuis,
		ExternalID: "call-2026-12-04-0001",
	}
	return NewEvent(NewID(m.Channel, m.Inbox, m.ExternalID), "meldpunt/registry", mustTime("2026-12-04T08:30:00Z"), m)
}

func invalidEnvelopeEvent() Event {
	e := minimalEvent()
	e.SpecVersion = "0.3"
	e.ID = "call 0001"
	e.Source = ""
	e.Type = "meldpunt.intake.message.v2"
	e.Time = time.Time{}
	e.DataContentType = "text/plain"
	return e
}

func invalidDataEvent() Event {
	zero := time.Time{}
	e := minimalEvent()
	e.Data.Channel = "sms"
	e.Data.Direction = ""
	e.Data.Inbox = strings.Repeat("x", MaxInboxLength+1)
	e.Data.Domain = "ocmw"
	e.Data.ExternalID = ""
	e.Data.Thread.References = []string{"<a@example.org>", ""}
	e.Data.Subject = "nul \x00 in the subject"
	e.Data.SentAt = &zero
	e.Data.Location = &Location{Lat: 91, Lon: -180.5}
	e.Data.Form = &Form{Fields: map[string]string{"": "no name"}}
	return e
}

func invalidAttachmentsEvent() Event {
	e := minimalEvent()
	good := sha256Hex("good")
	for range 11 {
		e.Data.Attachments = append(e.Data.Attachments,
			Attachment{Name: "file.pdf", ContentType: "application/pdf", Size: 1, SHA256: good, Object: good})
	}
	e.Data.Attachments[2] = Attachment{Name: "", Size: -1, SHA256: strings.ToUpper(good), Object: ""}
	e.Data.Attachments[10].SHA256 = good[:63]
	e.Data.Raw = &ObjectRef{ContentType: "message/rfc822", Size: -5, Object: good}
	return e
}
