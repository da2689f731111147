package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/deadline"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/similar"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
)

// history is two years of a region's intake: who wrote what, through which
// channel and when, and how each case stands now. It holds no texts: the
// event of a message is made from the message's own seed when it is needed
// (to load it, or to write about its case again), so the same seed and size
// always give the same history, and a loaded one can be known again
// without reading it back.
type history struct {
	seed       uint64
	start, end time.Time
	loc        *time.Location
	citizens   []citizen
	cases      []hcase
	msgs       []hmsg // message id i+1
}

type citizen struct {
	domain                      caseevent.Domain
	name, email, phone, address string
	// facebookThread is the citizen's Messenger conversation with the page.
	facebookID, facebookThread string
	firstCase                  int32 // index of the case that made the contact
	lastFacebook               int64 // id of their last message in the conversation
}

type hcase struct {
	id      int64
	ref     string
	domain  caseevent.Domain
	channel caseevent.Channel
	citizen int32
	topic   int16
	subject int16 // index in topic.subjects
	status  string
	opened  time.Time
	updated time.Time // the last message
	msgs    []int64   // message ids, oldest first
	address string    // where an e-loket report is about
	repeats int
}

type hmsg struct {
	at      int64 // Unix microseconds
	kase    int32 // index in cases; -1: no case (a bounce)
	seq     int16 // position in its case
	channel caseevent.Channel
	out     bool
	auto    bool
}

// The statuses of open and of closed cases.
var (
	openStatuses   = []string{store.StatusNew, store.StatusInProgress, store.StatusInProgress, store.StatusWaiting}
	closedStatuses = []string{store.StatusClosed, store.StatusClosed, store.StatusClosed, store.StatusAnswered}
)

// newHistory generates n messages ending at end.
func newHistory(seed uint64, n int, end time.Time, loc *time.Location) *history {
	h := &history{seed: seed, end: end, start: end.AddDate(-2, 0, 0), loc: loc}
	rng := rand.New(rand.NewPCG(seed, 1))
	bounces := n / 100 // automatic mail about nothing known: no case
	var counts []int
	for total := 0; total < n-bounces; {
		k := min(messagesPerCase(rng), n-bounces-total)
		counts = append(counts, k)
		total += k
	}
	span := h.end.Sub(h.start)
	// Returning citizens are drawn by tickets: most have one, a few
	// (the town's regulars) many.
	var tickets [2][]int32
	msgs := make([]hmsg, 0, n)
	h.cases = make([]hcase, len(counts))
	for i, k := range counts {
		opened := h.start.Add(time.Duration((float64(i) + rng.Float64()) / float64(len(counts)) * float64(span))).Truncate(time.Microsecond)
		d := 0
		if rng.Float64() < 0.15 {
			d = 1
		}
		domain := [...]caseevent.Domain{caseevent.DomainGemeente, caseevent.DomainSociaalhuis}[d]
		var ci int32
		if len(tickets[d]) == 0 || rng.Float64() < 0.4 {
			ci = h.newCitizen(rng, domain, int32(i))
			for range activity(rng) {
				tickets[d] = append(tickets[d], ci)
			}
		} else {
			ci = tickets[d][rng.IntN(len(tickets[d]))]
		}
		cz := &h.citizens[ci]
		t := pickTopic(rng, domain)
		c := &h.cases[i]
		*c = hcase{domain: domain, citizen: ci, topic: int16(t), opened: opened,
			subject: int16(rng.IntN(len(topics[t].subjects))), channel: pickChannel(rng, cz, &topics[t])}
		if c.channel == caseevent.ChannelEloket && topics[t].place {
			c.address = reportAddress(rng)
		}
		offsets := make([]time.Duration, k)
		for j := 1; j < k; j++ {
			offsets[j] = offsets[j-1] + time.Minute + time.Duration(rng.ExpFloat64()*float64(36*time.Hour))
		}
		if last := offsets[k-1]; opened.Add(last).After(h.end) {
			scale := float64(h.end.Sub(opened)) / float64(last) * 0.999
			for j := range offsets {
				offsets[j] = time.Duration(float64(offsets[j]) * scale)
			}
		}
		auto := -1
		if k >= 3 && rng.Float64() < 0.1 {
			auto = 2 // an out-of-office answer to the town's first answer
		}
		for j := range k {
			out := j%2 == 1
			ch := c.channel
			if j > 0 {
				ch = followUpChannel(c.channel, cz, out)
			}
			msgs = append(msgs, hmsg{at: opened.Add(offsets[j]).UnixMicro(), kase: int32(i), seq: int16(j), channel: ch, out: out, auto: j == auto})
		}
		if rng.Float64() < 0.05 {
			c.repeats = 1 + rng.IntN(2)
		}
	}
	for range bounces {
		at := h.start.Add(time.Duration(rng.Float64() * float64(span)))
		msgs = append(msgs, hmsg{at: at.UnixMicro(), kase: -1, channel: caseevent.ChannelEmail, auto: true})
	}
	// Ids grow with the time a message was stored.
	slices.SortStableFunc(msgs, func(a, b hmsg) int { return cmp.Compare(a.at, b.at) })
	h.msgs = msgs
	for i, m := range msgs {
		id := int64(i + 1)
		if m.kase < 0 {
			continue
		}
		c := &h.cases[m.kase]
		c.msgs = append(c.msgs, id)
		if m.channel == caseevent.ChannelFacebook && !m.out {
			h.citizens[c.citizen].lastFacebook = id
		}
	}
	counter := map[int]int64{}
	for i := range h.cases {
		c := &h.cases[i]
		c.id = int64(i + 1)
		c.updated = time.UnixMicro(h.msgs[c.msgs[len(c.msgs)-1]-1].at).UTC()
		p := 0.07 // forgotten, or waiting on others for long
		if h.end.Sub(c.opened) < 45*24*time.Hour {
			p = 0.55
		}
		if rng.Float64() < p {
			c.status = openStatuses[rng.IntN(len(openStatuses))]
		} else {
			c.status = closedStatuses[rng.IntN(len(closedStatuses))]
		}
		year := c.opened.In(loc).Year()
		counter[year]++
		c.ref = fmt.Sprintf("MP-%04d-%06d", year, counter[year])
	}
	return h
}

// messagesPerCase: most questions are answered at once, some take a long
// exchange.
func messagesPerCase(rng *rand.Rand) int {
	switch r := rng.Float64(); {
	case r < 0.35:
		return 1
	case r < 0.60:
		return 2
	case r < 0.75:
		return 3
	case r < 0.85:
		return 4
	case r < 0.97:
		return 5 + rng.IntN(4)
	default:
		return 9 + rng.IntN(22)
	}
}

// activity is how many tickets a new citizen gets: how likely they are to
// write again.
func activity(rng *rand.Rand) int {
	switch r := rng.Float64(); {
	case r < 0.70:
		return 1
	case r < 0.95:
		return 2 + rng.IntN(4)
	case r < 0.995:
		return 10 + rng.IntN(20)
	default:
		return 50 + rng.IntN(50)
	}
}

func (h *history) newCitizen(rng *rand.Rand, domain caseevent.Domain, firstCase int32) int32 {
	id := int64(len(h.citizens) + 1)
	first, last := fullName(rng)
	c := citizen{domain: domain, name: first + " " + last, firstCase: firstCase}
	if rng.Float64() < 0.85 {
		c.email = mailbox(first, last, strconv.FormatInt(id, 36), providers[rng.IntN(len(providers))])
	}
	if rng.Float64() < 0.5 {
		// 7919 is prime to 10^8: every citizen has another number.
		c.phone = belgianMobile(id * 7919 % 100_000_000)
	}
	if domain == caseevent.DomainGemeente && rng.Float64() < 0.3 {
		c.facebookID = strconv.FormatInt(100_000_000_000_000+id*7, 10)
		c.facebookThread = "t_" + strconv.FormatInt(500_000_000_000_000+id*13, 10)
	}
	if rng.Float64() < 0.6 {
		c.address = fmt.Sprintf("%s %d, 9999 Meldegem", spaced(streets[rng.IntN(len(streets))]), 1+rng.IntN(180))
	}
	h.citizens = append(h.citizens, c)
	return int32(id - 1)
}

func mailbox(first, last, tag, provider string) string {
	local := strings.ToLower(first + "." + last + "." + tag)
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\'':
			return -1
		case r > unicode.MaxASCII:
			return 'e'
		}
		return r
	}, local) + "@" + provider
}

func belgianMobile(n int64) string {
	s := fmt.Sprintf("%08d", n)
	return "+32 4" + s[:2] + " " + s[2:4] + " " + s[4:6] + " " + s[6:]
}

func pickTopic(rng *rand.Rand, domain caseevent.Domain) int {
	social := domain == caseevent.DomainSociaalhuis && rng.Float64() < 0.8
	for {
		t := rng.IntN(len(topics))
		if topics[t].social == social {
			return t
		}
	}
}

func pickChannel(rng *rand.Rand, c *citizen, t *topic) caseevent.Channel {
	if t.service != "" && rng.Float64() < 0.75 {
		return caseevent.ChannelEloket
	}
	switch r := rng.Float64(); {
	case r < 0.65 && c.email != "":
		return caseevent.ChannelEmail
	case r < 0.85 && c.facebookID != "":
		return caseevent.ChannelFacebook
	case r < 0.92:
		return caseevent.ChannelCounter
	case r < 0.98 && c.phone != "":
		return caseevent.ChannelPhone
	case c.email != "":
		return caseevent.ChannelEmail
	}
	return caseevent.ChannelLetter
}

// followUpChannel is how the exchange goes on after the first message.
func followUpChannel(first caseevent.Channel, c *citizen, out bool) caseevent.Channel {
	switch {
	case first == caseevent.ChannelEmail || first == caseevent.ChannelFacebook:
		return first
	case c.email != "":
		return caseevent.ChannelEmail
	case out:
		return caseevent.ChannelLetter
	case c.phone != "":
		return caseevent.ChannelPhone
	}
	return caseevent.ChannelCounter
}

// reportAddress is where an e-loket report is about; a quarter are about
// a few places that are reported again and again.
func reportAddress(rng *rand.Rand) string {
	if rng.Float64() < 0.25 {
		k := rng.IntN(150)
		return fmt.Sprintf("%s %d, 9999 Meldegem", spaced(streets[k%len(streets)]), 1+k*7%60)
	}
	return fmt.Sprintf("%s %d, 9999 Meldegem", spaced(streets[rng.IntN(len(streets))]), 1+rng.IntN(200))
}

// placeKey is an address as the registry compares places (its unexported
// placeKey): folded, letters and digits only, single spaces.
func placeKey(address string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return ' '
	}, similar.Fold(address))), " ")
}

// inbox is the inbox of a channel in a domain.
func inbox(ch caseevent.Channel, d caseevent.Domain) string {
	names := map[caseevent.Channel]string{caseevent.ChannelEmail: "gemeentebestuur", caseevent.ChannelFacebook: "facebook",
		caseevent.ChannelEloket: "eloket", caseevent.ChannelCounter: "onthaal", caseevent.ChannelPhone: "telefoon",
		caseevent.ChannelLetter: "post"}
	if d == caseevent.DomainSociaalhuis {
		if ch == caseevent.ChannelEmail {
			return "sociaalhuis"
		}
		return "sociaalhuis-" + names[ch]
	}
	return names[ch]
}

func source(ch caseevent.Channel, inbox string) string {
	switch ch {
	case caseevent.ChannelEmail:
		return "meldpunt/ingest-mail/" + inbox
	case caseevent.ChannelFacebook:
		return "meldpunt/ingest-facebook/" + inbox
	case caseevent.ChannelEloket:
		return "meldpunt/ingest-eloket/" + inbox
	}
	return "meldpunt/registry/" + inbox
}

// externalID is the id the source gave message id.
func (h *history) externalID(id int64) string {
	m := &h.msgs[id-1]
	tag := strconv.FormatUint(mix(h.seed, uint64(id)), 16)
	switch {
	case m.kase < 0:
		return "<bounce." + tag + "@mx.example.net>"
	case m.channel == caseevent.ChannelEmail && m.out:
		return fmt.Sprintf("<mp.%d.%s@meldegem.be>", id, tag)
	case m.channel == caseevent.ChannelEmail:
		c := &h.citizens[h.cases[m.kase].citizen]
		_, provider, _ := strings.Cut(c.email, "@")
		return fmt.Sprintf("<%s.%d@%s>", tag, id, provider)
	case m.channel == caseevent.ChannelFacebook:
		return "m_" + tag
	case m.channel == caseevent.ChannelEloket:
		return fmt.Sprintf("SR-%08d", id)
	}
	return fmt.Sprintf("%s-%d", m.channel, id)
}

// mix scrambles i into a 64-bit tag (SplitMix64).
func mix(seed, i uint64) uint64 {
	z := seed + i*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// event is the event of message id as its connector made it.
func (h *history) event(id int64) caseevent.Event {
	m := &h.msgs[id-1]
	rng := rand.New(rand.NewPCG(h.seed, uint64(id)))
	at := time.UnixMicro(m.at).UTC()
	d := caseevent.Message{Channel: m.channel, Direction: caseevent.DirectionIncoming, ExternalID: h.externalID(id),
		SentAt: &at, ReceivedAt: &at}
	if m.kase < 0 {
		d.Domain, d.Inbox = caseevent.DomainGemeente, inbox(m.channel, caseevent.DomainGemeente)
		d.Sender = caseevent.Party{Name: "Mail Delivery System", Email: "mailer-daemon@mx.example.net"}
		d.Subject, d.Text, d.AutoSubmitted = "Undelivered Mail Returned to Sender", "This is the mail system. Delivery failed.", "bounce"
		return caseevent.NewEvent(caseevent.NewID(d.Channel, d.Inbox, d.ExternalID), source(d.Channel, d.Inbox), at, d)
	}
	c := &h.cases[m.kase]
	cz := &h.citizens[c.citizen]
	t := &topics[c.topic]
	subject := t.subjects[c.subject]
	d.Domain, d.Inbox = c.domain, inbox(m.channel, c.domain)
	if m.seq > 0 && m.channel == caseevent.ChannelEmail {
		subject = "Re: [" + c.ref + "] " + subject
		d.Thread.CaseRef = c.ref
		// The messages it answers, newest first in In-Reply-To.
		var refs []string
		for _, prev := range c.msgs[:m.seq] {
			if h.msgs[prev-1].channel == caseevent.ChannelEmail {
				refs = append(refs, h.externalID(prev))
			}
		}
		if len(refs) > 0 {
			d.Thread.InReplyTo = refs[len(refs)-1]
			d.Thread.References = refs[max(0, len(refs)-10):]
		}
	}
	if m.channel == caseevent.ChannelFacebook {
		d.Thread.ConversationID = cz.facebookThread
		subject = ""
	}
	if m.out {
		d.Direction = caseevent.DirectionOutgoing
		d.Sender = caseevent.Party{Name: "Gemeente Meldegem", Email: d.Inbox + "@meldegem.be"}
		if m.channel == caseevent.ChannelFacebook {
			d.Sender = caseevent.Party{Name: "Gemeente Meldegem", FacebookID: "100000000000001"}
		}
		d.Recipients = []caseevent.Party{{Name: cz.name, Email: cz.email}}
		d.Subject, d.Text = subject, staffText(rng, cz.name, 200+rng.IntN(600))
		return caseevent.NewEvent(caseevent.NewID(d.Channel, d.Inbox, d.ExternalID), source(d.Channel, d.Inbox), at, d)
	}
	d.Sender = sender(cz, m.channel)
	size := 300 + rng.IntN(1200)
	if m.seq > 0 {
		size = 100 + rng.IntN(500)
	}
	d.Subject, d.Text = subject, citizenText(rng, t, size, cz.name)
	if m.auto {
		d.AutoSubmitted, d.Subject, d.Text = "auto-replied", "Afwezig: "+subject, "Ik ben afwezig en lees uw bericht na mijn terugkeer."
	}
	if m.channel == caseevent.ChannelEloket {
		d.Thread.ConversationID = d.ExternalID
		d.Form = &caseevent.Form{ServiceCode: t.service, ServiceName: t.subjects[0]}
		if c.address != "" {
			d.Location = &caseevent.Location{Lat: 51 + rng.Float64()/10, Lon: 3.7 + rng.Float64()/10, Address: c.address}
		}
	}
	return caseevent.NewEvent(caseevent.NewID(d.Channel, d.Inbox, d.ExternalID), source(d.Channel, d.Inbox), at, d)
}

// sender is what a channel tells of a citizen.
func sender(c *citizen, ch caseevent.Channel) caseevent.Party {
	switch ch {
	case caseevent.ChannelEmail:
		return caseevent.Party{Name: c.name, Email: c.email}
	case caseevent.ChannelFacebook:
		return caseevent.Party{Name: c.name, FacebookID: c.facebookID}
	case caseevent.ChannelEloket:
		return caseevent.Party{Name: c.name, Email: c.email, Phone: c.phone, Address: c.address}
	case caseevent.ChannelPhone:
		return caseevent.Party{Name: c.name, Phone: c.phone}
	}
	return caseevent.Party{Name: c.name, Address: c.address}
}

// chunk is the rows of messages [lo, hi) with the contacts and cases they
// bring: a case comes with its first message, a contact with its first
// case, each as it stands at the end of the history.
func (h *history) chunk(lo, hi int64, rules *routing.Rules, deadlines *deadline.Policy) (postgres.History, error) {
	var out postgres.History
	for id := lo; id < hi; id++ {
		m := &h.msgs[id-1]
		ev := h.event(id)
		raw, err := json.Marshal(ev)
		if err != nil {
			return out, fmt.Errorf("encode message %d: %w", id, err)
		}
		sm := registry.MessageFromEvent(&ev, raw, ev.Time.Add(2*time.Second))
		sm.ID = id
		out.Messages = append(out.Messages, sm)
		if m.kase < 0 {
			continue
		}
		c := &h.cases[m.kase]
		cz := &h.citizens[c.citizen]
		sm.CaseID = c.id
		if !m.out {
			sm.ContactID = int64(c.citizen) + 1
		}
		out.Timeline = append(out.Timeline, postgres.HistoryEntry{CaseID: c.id,
			TimelineEntry: store.TimelineEntry{At: sm.StoredAt, Kind: "message", MessageID: id}})
		if m.seq != 0 {
			continue
		}
		if cz.firstCase == m.kase {
			out.Contacts = append(out.Contacts, postgres.HistoryContact{ID: int64(c.citizen) + 1, Domain: string(cz.domain),
				Contact:   store.Contact{Name: cz.name, Email: cz.email, Phone: cz.phone, FacebookID: cz.facebookID, Address: cz.address},
				CreatedAt: sm.StoredAt, UpdatedAt: sm.StoredAt})
		}
		hc, entries := h.caseRow(m.kase, &ev, sm, rules, deadlines)
		out.Cases = append(out.Cases, hc)
		out.Timeline = append(out.Timeline, entries...)
	}
	return out, nil
}

// caseRow is case k as it stands, routed as the registry routes it, with
// the timeline entries of its status changes.
func (h *history) caseRow(k int32, first *caseevent.Event, sm *store.Message, rules *routing.Rules, deadlines *deadline.Policy) (postgres.HistoryCase, []postgres.HistoryEntry) {
	c := &h.cases[k]
	d := &first.Data
	hc := postgres.HistoryCase{Case: store.Case{ID: c.id, Ref: c.ref, Domain: string(c.domain), Status: c.status,
		Subject: sm.Subject, Channel: string(c.channel), ContactID: int64(c.citizen) + 1,
		OpenedAt: c.opened, UpdatedAt: c.updated.Add(2 * time.Second), RepeatCount: c.repeats}}
	if rules != nil {
		in := routing.Input{Inbox: d.Inbox, Channel: string(d.Channel), SenderEmail: d.Sender.Email, Subject: d.Subject, Text: d.Text}
		if d.Form != nil {
			in.ServiceCode = d.Form.ServiceCode
		}
		res := rules.Route(in)
		hc.Department, hc.Type, hc.Priority = res.Department, res.Type, res.Priority
	}
	if deadlines != nil && hc.Type != "" {
		ack, answer := deadlines.Due(c.opened, hc.Type, hc.Department, h.loc)
		hc.AckDue, hc.AnswerDue = &ack, &answer
	}
	if d.Location != nil {
		hc.Place = placeKey(d.Location.Address)
	}
	hc.Category = hc.Department
	if d.Form != nil && d.Form.ServiceCode != "" {
		hc.Category = d.Form.ServiceCode
	}
	var entries []postgres.HistoryEntry
	if c.status == store.StatusNew {
		return hc, entries
	}
	started := c.opened.Add(2 * time.Hour)
	if len(c.msgs) > 1 {
		started = time.UnixMicro(h.msgs[c.msgs[1]-1].at).UTC()
	}
	hc.Assignee = fmt.Sprintf("medewerker%02d", mix(h.seed, uint64(c.id))%40)
	entries = append(entries,
		postgres.HistoryEntry{CaseID: c.id, TimelineEntry: store.TimelineEntry{At: c.opened.Add(time.Hour), Kind: "assign",
			Actor: "onthaal", Detail: hc.Assignee}},
		postgres.HistoryEntry{CaseID: c.id, TimelineEntry: store.TimelineEntry{At: started, Kind: "status",
			Actor: hc.Assignee, Detail: store.StatusNew + " → " + store.StatusInProgress}})
	if c.status == store.StatusWaiting {
		entries = append(entries, postgres.HistoryEntry{CaseID: c.id, TimelineEntry: store.TimelineEntry{At: started,
			Kind: "status", Actor: hc.Assignee, Detail: store.StatusInProgress + " → " + store.StatusWaiting}})
	}
	if c.status == store.StatusAnswered || c.status == store.StatusClosed {
		done := hc.UpdatedAt
		hc.AnsweredAt = &done
		if c.status == store.StatusClosed {
			hc.ClosedAt = &done
		}
		entries = append(entries, postgres.HistoryEntry{CaseID: c.id, TimelineEntry: store.TimelineEntry{At: done,
			Kind: "status", Actor: hc.Assignee, Detail: store.StatusInProgress + " → " + c.status}})
	}
	return hc, entries
}
