package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// The ways a new message finds its case, and how often each comes in the
// workload. "new" opens a case after every lookup found nothing.
var paths = []struct {
	name  string
	share float64
	about string
}{
	{"reply", 0.20, "an e-mail answering a stored message (In-Reply-To, References)"},
	{"case-ref", 0.15, "an e-mail quoting a case reference in its subject"},
	{"conversation", 0.15, "a Facebook message in a stored Messenger conversation, within three days of the citizen's last one there"},
	{"repeat", 0.15, "the same question again, by e-mail from the same address or by phone under the same name, about an open case"},
	{"related", 0.10, "an e-loket report by another citizen about the place and category of an open report of the last week"},
	{"new", 0.25, "a new citizen with a new question (the name may be a common one)"},
}

// probe is one event of the workload and what grouping should make of it.
type probe struct {
	path string
	ev   caseevent.Event
	warm bool // warm-up: not measured
	// want is the stored case it should join; 0: it should open a case,
	// related to another when related is set.
	want    int64
	related bool
}

// target is what a probe is about: a stored case or a citizen, or
// nothing (a new citizen).
type target struct {
	path    string
	kase    int32
	citizen int32
}

// workload makes warm+measured events arriving after the history, each
// path's targets different where the history has enough of them. The
// first events take every path once, then they come in random order.
func (h *history) workload(warm, measured int) ([]probe, error) {
	rng := rand.New(rand.NewPCG(h.seed, 2))
	total := warm + measured
	recent := h.end.Add(-55 * 24 * time.Hour)
	var email, emailRecent, all, repeat, related []int32
	for i := range h.cases {
		c := &h.cases[i]
		k := int32(i)
		all = append(all, k)
		if c.channel == caseevent.ChannelEmail {
			email = append(email, k)
			if c.updated.After(recent) {
				emailRecent = append(emailRecent, k)
			}
		}
		if slices.Contains(openStatuses, c.status) {
			if c.updated.After(recent) {
				repeat = append(repeat, k)
			}
			if c.address != "" && c.opened.After(h.end.Add(-6*24*time.Hour)) {
				related = append(related, k)
			}
		}
	}
	// A Messenger message joins the citizen's case only within the
	// registry's ConversationWindow (3 days) of their last one: later it
	// is a new question.
	var facebook []int32
	for i := range h.citizens {
		if id := h.citizens[i].lastFacebook; id != 0 && h.msgs[id-1].at >= h.end.Add(-60*time.Hour).UnixMicro() {
			facebook = append(facebook, int32(i))
		}
	}
	draw := func(from []int32, n int) []int32 {
		if len(from) == 0 {
			return nil
		}
		from = slices.Clone(from)
		rng.Shuffle(len(from), func(i, j int) { from[i], from[j] = from[j], from[i] })
		out := make([]int32, n)
		for i := range out {
			out[i] = from[i%len(from)]
		}
		return out
	}
	var targets []target
	for _, p := range paths {
		n := int(p.share*float64(total) + 0.5)
		var got []int32
		switch p.name {
		case "reply":
			got = append(draw(emailRecent, n/2), draw(email, n-n/2)...)
		case "case-ref":
			got = draw(all, n)
		case "conversation":
			got = draw(facebook, n)
		case "repeat":
			got = draw(repeat, n)
		case "related":
			got = draw(related, n)
		case "new":
			got = make([]int32, n)
		}
		if len(got) < n {
			return nil, fmt.Errorf("the history has nothing to make %q probes about: use more messages", p.name)
		}
		for _, k := range got {
			t := target{path: p.name, kase: k, citizen: -1}
			if p.name == "conversation" {
				t = target{path: p.name, kase: -1, citizen: k}
			}
			targets = append(targets, t)
		}
	}
	rng.Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })
	for i, p := range paths {
		if j := slices.IndexFunc(targets[i:], func(t target) bool { return t.path == p.name }); j >= 0 {
			targets[i], targets[i+j] = targets[i+j], targets[i]
		}
	}
	targets = targets[:min(total, len(targets))]

	probes := make([]probe, len(targets))
	for k, t := range targets {
		at := h.end.Add(time.Minute + time.Duration(k)*time.Second)
		probes[k] = h.probe(rng, k, t, at)
		probes[k].warm = k < warm
	}
	return probes, nil
}

// probe makes the k-th event of the workload, about t, arriving at.
func (h *history) probe(rng *rand.Rand, k int, t target, at time.Time) probe {
	newEvent := func(d caseevent.Message) caseevent.Event {
		d.Direction, d.SentAt, d.ReceivedAt = caseevent.DirectionIncoming, &at, &at
		d.Inbox = inbox(d.Channel, d.Domain)
		return caseevent.NewEvent(caseevent.NewID(d.Channel, d.Inbox, d.ExternalID), source(d.Channel, d.Inbox), at, d)
	}
	fresh := func() (string, string) {
		first, last := fullName(rng)
		return first + " " + last, mailbox(first, last, "w"+strconv.Itoa(k), providers[rng.IntN(len(providers))])
	}
	mailID := func(provider string) string {
		return fmt.Sprintf("<w%d.%x@%s>", k, mix(h.seed^0xbe4c, uint64(k)), provider)
	}
	p := probe{path: t.path}
	switch t.path {
	case "reply":
		c := &h.cases[t.kase]
		cz := &h.citizens[c.citizen]
		refs := make([]string, 0, 10)
		for _, id := range c.msgs[max(0, len(c.msgs)-10):] {
			refs = append(refs, h.externalID(id))
		}
		_, provider, _ := strings.Cut(cz.email, "@")
		p.ev = newEvent(caseevent.Message{Channel: caseevent.ChannelEmail, Domain: c.domain, ExternalID: mailID(provider),
			Thread: caseevent.Thread{InReplyTo: refs[len(refs)-1], References: refs},
			Sender: caseevent.Party{Name: cz.name, Email: cz.email}, Subject: "Re: " + topics[c.topic].subjects[c.subject],
			Text: citizenText(rng, &topics[c.topic], 150+rng.IntN(400), cz.name)})
		p.want = c.id
	case "case-ref":
		c := &h.cases[t.kase]
		cz := &h.citizens[c.citizen]
		name, address := cz.name, cz.email
		if address == "" {
			name, address = fresh()
		}
		ref := c.ref
		if rng.IntN(5) == 0 {
			ref = strings.ToLower(strings.ReplaceAll(ref, "-", " - "))
		}
		_, provider, _ := strings.Cut(address, "@")
		p.ev = newEvent(caseevent.Message{Channel: caseevent.ChannelEmail, Domain: c.domain, ExternalID: mailID(provider),
			Sender: caseevent.Party{Name: name, Email: address}, Subject: "Vraag over dossier " + ref,
			Text: citizenText(rng, &topics[c.topic], 150+rng.IntN(400), name)})
		p.want = c.id
	case "conversation":
		cz := &h.citizens[t.citizen]
		last := &h.msgs[cz.lastFacebook-1]
		c := &h.cases[last.kase]
		p.ev = newEvent(caseevent.Message{Channel: caseevent.ChannelFacebook, Domain: cz.domain,
			ExternalID: fmt.Sprintf("m_w%d%x", k, mix(h.seed, uint64(k))), Thread: caseevent.Thread{ConversationID: cz.facebookThread},
			Sender: caseevent.Party{Name: cz.name, FacebookID: cz.facebookID},
			Text:   citizenText(rng, &topics[c.topic], 50+rng.IntN(300), cz.name)})
		p.want = c.id
	case "repeat":
		c := &h.cases[t.kase]
		cz := &h.citizens[c.citizen]
		first := h.event(c.msgs[0])
		if cz.email != "" && rng.Float64() < 0.6 {
			_, provider, _ := strings.Cut(cz.email, "@")
			p.ev = newEvent(caseevent.Message{Channel: caseevent.ChannelEmail, Domain: c.domain, ExternalID: mailID(provider),
				Sender: caseevent.Party{Name: cz.name, Email: cz.email}, Subject: first.Data.Subject,
				Text: "Ik stuur mijn vraag opnieuw, want ik kreeg nog geen antwoord.\n\n" + first.Data.Text})
		} else {
			// At the phone, from a number the town does not know: only
			// the name leads to the case.
			p.ev = newEvent(caseevent.Message{Channel: caseevent.ChannelPhone, Domain: c.domain,
				ExternalID: fmt.Sprintf("phone-w%d", k), Sender: caseevent.Party{Name: cz.name, Phone: fmt.Sprintf("+31 6 %08d", k)},
				Subject: first.Data.Subject, Text: "Burger belt opnieuw over de vraag hieronder.\n\n" + first.Data.Text})
		}
		p.want = c.id
	case "related":
		c := &h.cases[t.kase]
		tp := &topics[c.topic]
		name, address := fresh()
		ext := fmt.Sprintf("SR-W%07d", k)
		p.ev = newEvent(caseevent.Message{Channel: caseevent.ChannelEloket, Domain: c.domain, ExternalID: ext,
			Thread:   caseevent.Thread{ConversationID: ext},
			Sender:   caseevent.Party{Name: name, Email: address},
			Subject:  tp.subjects[rng.IntN(len(tp.subjects))],
			Text:     citizenText(rng, tp, 200+rng.IntN(800), name),
			Location: &caseevent.Location{Lat: 51 + rng.Float64()/10, Lon: 3.7 + rng.Float64()/10, Address: c.address},
			Form:     &caseevent.Form{ServiceCode: tp.service, ServiceName: tp.subjects[0]}})
		p.related = true
	case "new":
		domain := caseevent.DomainGemeente
		if rng.Float64() < 0.15 {
			domain = caseevent.DomainSociaalhuis
		}
		tp := &topics[pickTopic(rng, domain)]
		name, address := fresh()
		_, provider, _ := strings.Cut(address, "@")
		p.ev = newEvent(caseevent.Message{Channel: caseevent.ChannelEmail, Domain: domain, ExternalID: mailID(provider),
			Sender: caseevent.Party{Name: name, Email: address}, Subject: tp.subjects[rng.IntN(len(tp.subjects))],
			Text: citizenText(rng, tp, 300+rng.IntN(1200), name)})
	}
	return p
}
