package registry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/deadline"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/testutil/eventgen"
)

// mail makes an e-mail event in a domain with a Message-ID.
func mail(gen *eventgen.Generator, i int, domain caseevent.Domain, messageID string, th caseevent.Thread) caseevent.Event {
	ev := gen.Event(i)
	ev.Data.Domain = domain
	ev.Data.Inbox = map[caseevent.Domain]string{caseevent.DomainGemeente: "gemeentebestuur", caseevent.DomainSociaalhuis: "sociaalhuis"}[domain]
	ev.Data.ExternalID = messageID
	ev.Data.Thread = th
	ev.ID = caseevent.NewID(ev.Data.Channel, ev.Data.Inbox, messageID)
	return ev
}

// caseOf returns the reference of the case holding the event.
func caseOf(t *testing.T, st store.Store, eventID string) string {
	t.Helper()
	ctx := context.Background()
	cases, err := st.ListCases(ctx, store.CaseFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		d, err := st.GetCase(ctx, c.Ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range d.Messages {
			if m.EventID == eventID {
				return c.Ref
			}
		}
	}
	t.Fatalf("event %s is in no case", eventID)
	return ""
}

func TestCaseGrouping(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			ctx := context.Background()
			gen := eventgen.New(eventgen.Options{Seed: 3})
			gem, soc := caseevent.DomainGemeente, caseevent.DomainSociaalhuis
			publish := func(evs ...caseevent.Event) {
				t.Helper()
				if _, err := h.bus.PublishEvents(ctx, evs); err != nil {
					t.Fatal(err)
				}
			}
			stored := int64(0)
			step := func(evs ...caseevent.Event) {
				t.Helper()
				publish(evs...)
				stored += int64(len(evs))
				h.waitFor("messages stored", func(s store.Stats) bool { return s.Messages >= stored })
			}

			// A question and its reply in one batch: the reply finds the
			// case opened a moment earlier in the same transaction.
			b1 := mail(gen, 1, gem, "<b1@example.be>", caseevent.Thread{})
			b2 := mail(gen, 2, gem, "<b2@meldegem.be>", caseevent.Thread{InReplyTo: "<b1@example.be>"})
			publish(b1, b2)
			stored = 2
			h.run(registry.Config{CasePrefix: "MP", BatchSize: 50})
			h.waitFor("batch stored", func(s store.Stats) bool { return s.Messages >= 2 })

			a1 := mail(gen, 10, gem, "<a1@example.be>", caseevent.Thread{})
			step(a1)
			ref := caseOf(t, h.store, a1.ID)
			a2 := mail(gen, 11, gem, "<a2@meldegem.be>", caseevent.Thread{InReplyTo: "<a1@example.be>"})
			a3 := mail(gen, 12, gem, "<a3@example.be>", caseevent.Thread{References: []string{"<unknown@x>", "<a2@meldegem.be>"}})
			step(a2, a3)
			a4 := mail(gen, 13, gem, "<a4@example.be>", caseevent.Thread{CaseRef: ref})
			step(a4)
			// Never across domains: not by reply, not by reference.
			s1 := mail(gen, 20, soc, "<s1@example.be>", caseevent.Thread{InReplyTo: "<a1@example.be>"})
			s2 := mail(gen, 21, soc, "<s2@example.be>", caseevent.Thread{CaseRef: ref})
			step(s1, s2)

			for _, tc := range []struct {
				name    string
				eventID string
				want    string // "" means: a case of its own
			}{
				{"reply in the same batch", b2.ID, caseOf(t, h.store, b1.ID)},
				{"In-Reply-To", a2.ID, ref},
				{"References", a3.ID, ref},
				{"case reference", a4.ID, ref},
			} {
				if got := caseOf(t, h.store, tc.eventID); got != tc.want {
					t.Errorf("%s: message in case %s, want %s", tc.name, got, tc.want)
				}
			}
			for _, id := range []string{s1.ID, s2.ID} {
				if got := caseOf(t, h.store, id); got == ref {
					t.Errorf("a sociaalhuis message joined gemeente case %s", ref)
				}
			}
			if caseOf(t, h.store, s1.ID) == caseOf(t, h.store, s2.ID) {
				t.Errorf("two unrelated sociaalhuis messages share a case")
			}
			s, err := h.store.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if s.Messages != 8 || s.Cases != 4 {
				t.Errorf("store holds %d messages in %d cases, want 8 in 4", s.Messages, s.Cases)
			}
			d, err := h.store.GetCase(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Messages) != 4 || len(d.Timeline) != 4 {
				t.Errorf("case %s has %d messages and %d timeline entries, want 4 and 4", ref, len(d.Messages), len(d.Timeline))
			}
			if d.Domain != string(gem) || d.Status != store.StatusNew || !strings.HasPrefix(d.Ref, "MP-2026-") {
				t.Errorf("case %+v", d.Case)
			}
		})
	}
}

// TestAttachments: objects are copied out of the object store once per
// SHA-256, and each message lists its own.
func TestAttachments(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{})
			ctx := context.Background()
			gen := eventgen.New(eventgen.Options{Seed: 4})
			photo := []byte("\xff\xd8\xff\xe0 not really a JPEG, but bytes all the same")
			ref, err := h.bus.PutObject(ctx, photo, "image/jpeg")
			if err != nil {
				t.Fatal(err)
			}
			raw1, err := h.bus.PutObject(ctx, []byte("From: a@example.be\r\n\r\nfirst"), "message/rfc822")
			if err != nil {
				t.Fatal(err)
			}
			var evs []caseevent.Event
			for i, raw := range []caseevent.ObjectRef{raw1, raw1} {
				ev := gen.Event(i)
				ev.Data.Attachments = []caseevent.Attachment{{Name: "foto.jpg", ContentType: ref.ContentType, Size: ref.Size, SHA256: ref.SHA256, Object: ref.Object}}
				r := raw
				ev.Data.Raw = &r
				evs = append(evs, ev)
			}
			if _, err := h.bus.PublishEvents(ctx, evs); err != nil {
				t.Fatal(err)
			}
			s := h.waitFor("2 messages", func(s store.Stats) bool { return s.Messages >= 2 })
			if s.Blobs != 2 {
				t.Errorf("store holds %d blobs, want 2 (photo and raw, each once)", s.Blobs)
			}
			b, err := h.store.Blob(ctx, ref.SHA256)
			if err != nil || string(b.Data) != string(photo) {
				t.Fatalf("blob %s = %q, %v", ref.SHA256, b.Data, err)
			}
			c, err := h.store.GetCase(ctx, caseOf(t, h.store, evs[1].ID))
			if err != nil {
				t.Fatal(err)
			}
			m := c.Messages[0]
			if len(m.Attachments) != 1 || m.Attachments[0].Name != "foto.jpg" || m.Attachments[0].SHA256 != ref.SHA256 || m.RawSHA256 != raw1.SHA256 {
				t.Errorf("message attachments %+v raw %s", m.Attachments, m.RawSHA256)
			}
		})
	}
}

// TestMaxDeliveries: an event delivered more often than allowed without
// being stored goes to quarantine instead of being tried for ever.
func TestMaxDeliveries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	gen := eventgen.New(eventgen.Options{Seed: 5})
	ev := gen.Event(0)
	if _, err := h.bus.PublishEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	// Another consumer of the same durable takes it and dies without an ack.
	cons, err := h.bus.Consumer(ctx, bus.ConsumerConfig{AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := cons.Fetch(ctx, 1, 10*time.Second)
	if err != nil || len(ds) != 1 {
		t.Fatalf("fetch: %d, %v", len(ds), err)
	}
	h.run(registry.Config{MaxDeliveries: 1})
	h.waitFor("quarantined", func(s store.Stats) bool { return s.Quarantined >= 1 })
	items, err := h.store.ListQuarantine(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].EventID != ev.ID || !strings.Contains(items[0].Reason, "delivered 2 times") {
		t.Errorf("quarantine = %+v", items)
	}
}

// TestGroupingHints: a reference quoted in a subject or text, a Facebook
// conversation, and automatic mail that never opens a case.
func TestGroupingHints(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{})
			ctx := context.Background()
			gen := eventgen.New(eventgen.Options{Seed: 8})
			gem := caseevent.DomainGemeente
			stored := int64(0)
			step := func(evs ...caseevent.Event) {
				t.Helper()
				if _, err := h.bus.PublishEvents(ctx, evs); err != nil {
					t.Fatal(err)
				}
				stored += int64(len(evs))
				h.waitFor("messages stored", func(s store.Stats) bool { return s.Messages >= stored })
			}
			first := mail(gen, 1, gem, "<q1@example.be>", caseevent.Thread{})
			step(first)
			ref := caseOf(t, h.store, first.ID)
			inSubject := mail(gen, 2, gem, "<q2@example.be>", caseevent.Thread{})
			inSubject.Data.Subject = "Antw: TR: [" + strings.ToLower(strings.ReplaceAll(ref, "-", " - ")) + "] nog steeds niets"
			inText := mail(gen, 3, gem, "<q3@example.be>", caseevent.Thread{})
			inText.Data.Text = "Goeiedag, mijn dossiernummer is " + ref + ". Wanneer komt er iets?"
			// Automatic mail: one referring to the question, one to nothing.
			ooo := mail(gen, 4, gem, "<ooo@example.be>", caseevent.Thread{InReplyTo: "<q1@example.be>"})
			ooo.Data.AutoSubmitted = "auto-replied"
			bounce := mail(gen, 5, gem, "<bounce@example.be>", caseevent.Thread{InReplyTo: "<unknown@meldegem.be>"})
			bounce.Data.AutoSubmitted = "bounce"
			// Facebook: two messages of one Messenger conversation (one
			// citizen and the page), and a comment of someone else under a
			// post that citizen commented on: their own case.
			lies := caseevent.Party{Name: "Lies Claes", FacebookID: "24000000100"}
			fb := func(i int, mid, conv string, from caseevent.Party) caseevent.Event {
				ev := gen.Event(i)
				ev.Data.Channel, ev.Data.Inbox, ev.Data.Domain = caseevent.ChannelFacebook, "facebook", gem
				ev.Data.ExternalID, ev.Data.Thread, ev.Data.Sender = mid, caseevent.Thread{ConversationID: conv}, from
				ev.ID = caseevent.NewID(ev.Data.Channel, ev.Data.Inbox, mid)
				return ev
			}
			m1, m2 := fb(6, "m_1", "t_100", lies), fb(7, "m_2", "t_100", lies)
			c1, c2 := fb(8, "104_9_1", "104_9", lies), fb(9, "104_9_2", "104_9", caseevent.Party{Name: "Omar Haddou", FacebookID: "24000000101"})
			m1.Data.Text, m2.Data.Text = "Er zit een diepe put in de Veldstraat aan nummer 12.", "Is die put in de Veldstraat al gemeld?"
			c1.Data.Text, c2.Data.Text = "Wanneer gaat het zwembad terug open?", "Ook benieuwd naar het zwembad, mijn kinderen willen zwemmen."
			step(inSubject, inText, ooo, bounce, m1, c1)
			step(m2, c2)

			for name, id := range map[string]string{"reference in the subject": inSubject.ID, "reference in the text": inText.ID, "out of office": ooo.ID} {
				if got := caseOf(t, h.store, id); got != ref {
					t.Errorf("%s: in case %s, want %s", name, got, ref)
				}
			}
			if a, b := caseOf(t, h.store, m1.ID), caseOf(t, h.store, m2.ID); a != b {
				t.Errorf("one Facebook conversation in cases %s and %s", a, b)
			}
			if a, b := caseOf(t, h.store, c1.ID), caseOf(t, h.store, c2.ID); a == b {
				t.Errorf("two people's comments under one post in one case %s", a)
			}
			s, err := h.store.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// q1 (+ q2, q3, ooo), the Messenger conversation, Lies's
			// comment and Omar's; the bounce waits without a case.
			if s.Messages != 9 || s.Cases != 4 {
				t.Errorf("store holds %d messages in %d cases, want 9 in 4", s.Messages, s.Cases)
			}
			waiting, err := h.store.ListUnassigned(ctx, []string{string(gem)}, 10)
			if err != nil || len(waiting) != 1 || waiting[0].EventID != bounce.ID {
				t.Errorf("geen dossier: %d messages, %v; want the bounce", len(waiting), err)
			}
		})
	}
}

// TestRouting: new cases get a department, type, priority and deadlines
// from the example rules of configs/routing.toml.
func TestRouting(t *testing.T) {
	t.Parallel()
	rules, err := routing.Load("../../configs/routing.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, "sqlite")
	brussels, _ := time.LoadLocation("Europe/Brussels")
	h.run(registry.Config{Routing: rules, Deadlines: deadline.DefaultPolicy(), Location: brussels})
	ctx := context.Background()
	gen := eventgen.New(eventgen.Options{Seed: 9})
	complaint := mail(gen, 1, caseevent.DomainGemeente, "<k1@example.be>", caseevent.Thread{})
	complaint.Data.Subject, complaint.Data.Text = "Klacht", "Ik ben zeer ontevreden: al drie weken geen antwoord over mijn dossier."
	pass := mail(gen, 2, caseevent.DomainGemeente, "<p1@example.be>", caseevent.Thread{})
	pass.Data.Subject, pass.Data.Text = "Nieuwe identiteitskaart", "Wanneer kan ik mijn identiteitskaart afhalen?"
	if _, err := h.bus.PublishEvents(ctx, []caseevent.Event{complaint, pass}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("2 messages", func(s store.Stats) bool { return s.Messages >= 2 })
	k, err := h.store.GetCase(ctx, caseOf(t, h.store, complaint.ID))
	if err != nil {
		t.Fatal(err)
	}
	if k.Type != "klacht" || k.AckDue == nil || k.AnswerDue == nil {
		t.Fatalf("complaint case %+v", k.Case)
	}
	opened := k.OpenedAt.In(brussels)
	if days := k.AckDue.In(brussels).Sub(opened).Hours() / 24; days < 9 || days > 11 {
		t.Errorf("a complaint is acknowledged within 10 days; due in %.1f", days)
	}
	if days := k.AnswerDue.In(brussels).Sub(opened).Hours() / 24; days < 44 || days > 46 {
		t.Errorf("a complaint is answered within 45 days; due in %.1f", days)
	}
	p, err := h.store.GetCase(ctx, caseOf(t, h.store, pass.ID))
	if err != nil {
		t.Fatal(err)
	}
	if p.Department != "burgerzaken" || p.Type == "" {
		t.Errorf("identity card question routed to %q as %q", p.Department, p.Type)
	}
}

// TestCitizenAsksAgain: a citizen mails, gets no answer, writes again three
// weeks later from another address with the same name, and then on
// Facebook: one case, asked again twice. Someone else writing about
// something else, and the same person writing to the other domain, are not
// drawn in.
func TestCitizenAsksAgain(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{})
			ctx := context.Background()
			day := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
			msg := func(id string, ch caseevent.Channel, domain caseevent.Domain, sender caseevent.Party, at time.Time, subject, text string) caseevent.Event {
				inbox := map[caseevent.Channel]string{caseevent.ChannelEmail: "gemeentebestuur", caseevent.ChannelFacebook: "facebook"}[ch]
				if domain == caseevent.DomainSociaalhuis {
					inbox = "sociaalhuis"
				}
				return caseevent.NewEvent(caseevent.NewID(ch, inbox, id), "test", at, caseevent.Message{
					Channel: ch, Direction: caseevent.DirectionIncoming, Inbox: inbox, Domain: domain, ExternalID: id,
					Sender: sender, Subject: subject, Text: text, ReceivedAt: &at,
				})
			}
			els := caseevent.Party{Name: "Els Wouters", Email: "els.wouters@example.be"}
			first := msg("<e1@example.be>", caseevent.ChannelEmail, caseevent.DomainGemeente, els, day,
				"Kapotte straatlamp", "De straatlamp aan de hoek van de Kerkstraat en de Molenstraat brandt al twee weken niet. Het is daar 's avonds gevaarlijk donker.")
			other := msg("<b1@example.be>", caseevent.ChannelEmail, caseevent.DomainGemeente, caseevent.Party{Name: "Bart Claes", Email: "bart@example.be"}, day.Add(time.Hour),
				"Containerpark", "Is het containerpark open op zaterdag? Ik wil grofvuil brengen.")
			step := func(evs ...caseevent.Event) {
				t.Helper()
				if _, err := h.bus.PublishEvents(ctx, evs); err != nil {
					t.Fatal(err)
				}
			}
			step(first, other)
			h.waitFor("2", func(s store.Stats) bool { return s.Messages >= 2 })
			again := msg("<e2@werk.example.be>", caseevent.ChannelEmail, caseevent.DomainGemeente,
				caseevent.Party{Name: "Els Wouters", Email: "e.wouters@werk.example.be"}, day.Add(21*24*time.Hour),
				"Nog steeds geen licht", "Drie weken geleden meldde ik dat de straatlamp op de hoek Kerkstraat Molenstraat niet brandt. Nog altijd donker en gevaarlijk!")
			step(again)
			h.waitFor("3", func(s store.Stats) bool { return s.Messages >= 3 })
			fb := msg("m_77", caseevent.ChannelFacebook, caseevent.DomainGemeente, caseevent.Party{Name: "Els Wouters", FacebookID: "24000000077"},
				day.Add(23*24*time.Hour), "", "Waarom brandt de straatlamp in de Kerkstraat aan de Molenstraat nog altijd niet? Al drie keer gemeld, gevaarlijk donker.")
			sociaal := msg("<s1@example.be>", caseevent.ChannelEmail, caseevent.DomainSociaalhuis, els, day.Add(23*24*time.Hour),
				"Straatlamp", "De straatlamp aan de hoek van de Kerkstraat en de Molenstraat brandt al twee weken niet. Het is daar 's avonds gevaarlijk donker.")
			step(fb, sociaal)
			h.waitFor("5", func(s store.Stats) bool { return s.Messages >= 5 })

			ref := caseOf(t, h.store, first.ID)
			for name, id := range map[string]string{"from another address": again.ID, "on Facebook": fb.ID} {
				if got := caseOf(t, h.store, id); got != ref {
					t.Errorf("%s: in case %s, want %s", name, got, ref)
				}
			}
			if caseOf(t, h.store, other.ID) == ref || caseOf(t, h.store, sociaal.ID) == ref {
				t.Error("another citizen's question or the other domain joined the case")
			}
			c, err := h.store.GetCase(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if c.RepeatCount != 2 || len(c.Messages) != 3 {
				t.Errorf("case %s: repeat count %d with %d messages, want 2 and 3", ref, c.RepeatCount, len(c.Messages))
			}
			// Unanswered for three weeks and "nog steeds": the registry
			// suggests a complaint, once; staff decide.
			suggestions := 0
			for _, e := range c.Timeline {
				if e.Kind == "suggestion" {
					suggestions++
				}
			}
			if c.Suggestion != store.SuggestComplaint || suggestions != 1 {
				t.Errorf("case %s: suggestion %q with %d timeline entries, want %q once", ref, c.Suggestion, suggestions, store.SuggestComplaint)
			}
		})
	}
}

// TestRepeatInOneBatch: a citizen's two mails about the same thing that
// reach the registry in one batch (a backlog) make one case with a repeat,
// not two cases; their mail about something else is a case of its own.
func TestRepeatInOneBatch(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			an := caseevent.Party{Name: "An Wouters", Email: "an.wouters@example.be"}
			msg := func(id string, mins int, subject, text string) caseevent.Event {
				when := at.Add(time.Duration(mins) * time.Minute)
				return caseevent.NewEvent(caseevent.NewID(caseevent.ChannelEmail, "gemeentebestuur", id), "test", when, caseevent.Message{
					Channel: caseevent.ChannelEmail, Direction: caseevent.DirectionIncoming, Inbox: "gemeentebestuur",
					Domain: caseevent.DomainGemeente, ExternalID: id, Sender: an, Subject: subject, Text: text, ReceivedAt: &when,
				})
			}
			first := msg("<b1@example.be>", 0, "Verstopte riolering", "De riolering in de Beekstraat aan nummer 4 is verstopt, het water loopt over de stoep.")
			again := msg("<b2@example.be>", 30, "Riolering Beekstraat", "Nogmaals: de verstopte riolering in de Beekstraat loopt nog steeds over.")
			other := msg("<b3@example.be>", 40, "Parkeerkaart", "Hoe vraag ik een parkeerkaart aan voor bewoners van het centrum?")
			// Published before the registry runs: they come in one batch.
			if _, err := h.bus.PublishEvents(context.Background(), []caseevent.Event{first, again, other}); err != nil {
				t.Fatal(err)
			}
			h.run(registry.Config{BatchSize: 100})
			h.waitFor("3 messages", func(s store.Stats) bool { return s.Messages >= 3 })
			ref := caseOf(t, h.store, first.ID)
			if got := caseOf(t, h.store, again.ID); got != ref {
				t.Errorf("the repeat is in case %s, want %s", got, ref)
			}
			if got := caseOf(t, h.store, other.ID); got == ref {
				t.Errorf("another question joined case %s", ref)
			}
			c, err := h.store.GetCase(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if c.RepeatCount != 1 {
				t.Errorf("repeat count %d, want 1", c.RepeatCount)
			}
		})
	}
}

// TestReopen: a closed case is reopened when the citizen writes again,
// with the change on the timeline; an out-of-office answer does not.
func TestReopen(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{})
			ctx := context.Background()
			gen := eventgen.New(eventgen.Options{Seed: 12})
			gem := caseevent.DomainGemeente
			q := mail(gen, 1, gem, "<r1@example.be>", caseevent.Thread{})
			if _, err := h.bus.PublishEvent(ctx, q); err != nil {
				t.Fatal(err)
			}
			h.waitFor("1", func(s store.Stats) bool { return s.Messages >= 1 })
			ref := caseOf(t, h.store, q.ID)
			c, err := h.store.GetCase(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := h.store.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.SetStatuses(ctx, []store.StatusChange{{CaseID: c.ID, Status: store.StatusClosed, Actor: "onthaal"}}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			ooo := mail(gen, 2, gem, "<r2@example.be>", caseevent.Thread{InReplyTo: "<r1@example.be>"})
			ooo.Data.AutoSubmitted = "auto-replied"
			if _, err := h.bus.PublishEvent(ctx, ooo); err != nil {
				t.Fatal(err)
			}
			h.waitFor("2", func(s store.Stats) bool { return s.Messages >= 2 })
			if c, _ = h.store.GetCase(ctx, ref); c.Status != store.StatusClosed {
				t.Errorf("an out-of-office answer reopened the case: %s", c.Status)
			}
			again := mail(gen, 3, gem, "<r3@example.be>", caseevent.Thread{InReplyTo: "<r1@example.be>"})
			if _, err := h.bus.PublishEvent(ctx, again); err != nil {
				t.Fatal(err)
			}
			h.waitFor("3", func(s store.Stats) bool { return s.Messages >= 3 })
			c, err = h.store.GetCase(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			last := c.Timeline[len(c.Timeline)-1]
			if c.Status != store.StatusInProgress || c.ClosedAt != nil || !strings.Contains(last.Detail+c.Timeline[len(c.Timeline)-2].Detail, "heropend") {
				t.Errorf("case %s after the citizen wrote again: %s, timeline %+v", ref, c.Status, c.Timeline)
			}
		})
	}
}

// TestNeighbours: two neighbours report the same broken street light on
// the e-loket: two cases (each gets an answer), related. A report of
// something else at the same address is not related.
func TestNeighbours(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{})
			ctx := context.Background()
			day := time.Date(2026, 11, 20, 19, 0, 0, 0, time.UTC)
			report := func(id, name, code, address string, at time.Time) caseevent.Event {
				return caseevent.NewEvent(caseevent.NewID(caseevent.ChannelEloket, "eloket", id), "test", at, caseevent.Message{
					Channel: caseevent.ChannelEloket, Direction: caseevent.DirectionIncoming, Inbox: "eloket", Domain: caseevent.DomainGemeente,
					ExternalID: id, Thread: caseevent.Thread{ConversationID: id}, Sender: caseevent.Party{Name: name},
					Subject: "Melding", Text: "Defect aan de openbare weg", ReceivedAt: &at,
					Location: &caseevent.Location{Lat: 51.05, Lon: 3.72, Address: address},
					Form:     &caseevent.Form{ServiceCode: code},
				})
			}
			first := report("101", "An Peeters", "straatverlichting", "Kerkstraat 12, 9999 Meldegem", day)
			if _, err := h.bus.PublishEvent(ctx, first); err != nil {
				t.Fatal(err)
			}
			h.waitFor("1", func(s store.Stats) bool { return s.Messages >= 1 })
			second := report("102", "Bart Claes", "straatverlichting", "kerkstraat 12 - 9999 MELDEGEM", day.Add(26*time.Hour))
			other := report("103", "Els Maes", "sluikstort", "Kerkstraat 12, 9999 Meldegem", day.Add(27*time.Hour))
			if _, err := h.bus.PublishEvents(ctx, []caseevent.Event{second, other}); err != nil {
				t.Fatal(err)
			}
			h.waitFor("3", func(s store.Stats) bool { return s.Messages >= 3 })
			a, err := h.store.GetCase(ctx, caseOf(t, h.store, first.ID))
			if err != nil {
				t.Fatal(err)
			}
			b, err := h.store.GetCase(ctx, caseOf(t, h.store, second.ID))
			if err != nil {
				t.Fatal(err)
			}
			c, err := h.store.GetCase(ctx, caseOf(t, h.store, other.ID))
			if err != nil {
				t.Fatal(err)
			}
			if a.Ref == b.Ref || b.RelatedCaseID != a.ID {
				t.Errorf("neighbours: cases %s and %s, related %d (want %d)", a.Ref, b.Ref, b.RelatedCaseID, a.ID)
			}
			if c.RelatedCaseID != 0 {
				t.Errorf("a report of something else is related to case %d", c.RelatedCaseID)
			}
		})
	}
}

// TestForwardedMail: a citizen forwards the town's acknowledgement (with
// the reference in the quoted text) to add something: it joins the case.
func TestForwardedMail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	h.run(registry.Config{})
	ctx := context.Background()
	gen := eventgen.New(eventgen.Options{Seed: 13})
	q := mail(gen, 1, caseevent.DomainGemeente, "<f1@example.be>", caseevent.Thread{})
	if _, err := h.bus.PublishEvent(ctx, q); err != nil {
		t.Fatal(err)
	}
	h.waitFor("1", func(s store.Stats) bool { return s.Messages >= 1 })
	ref := caseOf(t, h.store, q.ID)
	fwd := mail(gen, 2, caseevent.DomainGemeente, "<f2@other.example>", caseevent.Thread{})
	fwd.Data.Sender = caseevent.Party{Name: "Iemand Anders", Email: "iemand@other.example"}
	fwd.Data.Subject = "TR: Ontvangstbevestiging"
	fwd.Data.Text = "Hierbij nog een foto.\n\n---------- Doorgestuurd bericht ---------\nVan: Gemeente Meldegem\n" +
		"Onderwerp: Ontvangstbevestiging\n\nUw melding werd geregistreerd onder dossiernummer " + ref + "."
	if _, err := h.bus.PublishEvent(ctx, fwd); err != nil {
		t.Fatal(err)
	}
	h.waitFor("2", func(s store.Stats) bool { return s.Messages >= 2 })
	if got := caseOf(t, h.store, fwd.ID); got != ref {
		t.Errorf("forwarded mail in case %s, want %s", got, ref)
	}
}

// TestReroute: changed rules are applied again to untouched cases; a case
// a person touched keeps what people decided.
func TestReroute(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, kind)
			h.run(registry.Config{}) // no rules yet
			ctx := context.Background()
			gen := eventgen.New(eventgen.Options{Seed: 14})
			a := mail(gen, 1, caseevent.DomainGemeente, "<rr1@example.be>", caseevent.Thread{})
			a.Data.Subject, a.Data.Text = "Paspoort", "Wanneer kan ik mijn nieuwe paspoort afhalen?"
			b := mail(gen, 2, caseevent.DomainGemeente, "<rr2@example.be>", caseevent.Thread{})
			b.Data.Subject, b.Data.Text = "Identiteitskaart", "Mijn identiteitskaart is vervallen."
			if _, err := h.bus.PublishEvents(ctx, []caseevent.Event{a, b}); err != nil {
				t.Fatal(err)
			}
			h.waitFor("2", func(s store.Stats) bool { return s.Messages >= 2 })
			touched, err := h.store.GetCase(ctx, caseOf(t, h.store, b.ID))
			if err != nil {
				t.Fatal(err)
			}
			tx, err := h.store.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.SetStatuses(ctx, []store.StatusChange{{CaseID: touched.ID, Status: store.StatusInProgress, Actor: "els@meldegem.be"}}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			rules, err := routing.Load("../../configs/routing.toml")
			if err != nil {
				t.Fatal(err)
			}
			n, err := registry.Reroute(ctx, h.store, rules, deadline.DefaultPolicy(), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC)
			if err != nil || n != 1 {
				t.Fatalf("Reroute = %d, %v; want 1", n, err)
			}
			ra, err := h.store.GetCase(ctx, caseOf(t, h.store, a.ID))
			if err != nil {
				t.Fatal(err)
			}
			rb, err := h.store.GetCase(ctx, touched.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if ra.Department != "burgerzaken" || ra.AnswerDue == nil || rb.Department != "" {
				t.Errorf("after reroute: untouched %q (due %v), touched %q", ra.Department, ra.AnswerDue, rb.Department)
			}
			if n, err := registry.Reroute(ctx, h.store, rules, deadline.DefaultPolicy(), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC); err != nil || n != 0 {
				t.Errorf("second reroute changed %d, %v; want 0", n, err)
			}
		})
	}
}
