//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest/mailevent"
	"github.com/meldpunt/meldpunt/internal/testutil/graphfake"
	"github.com/meldpunt/meldpunt/internal/testutil/mailgen"
	"github.com/meldpunt/meldpunt/internal/testutil/open311fake"
)

// The sources of the workload, as the connectors are configured.
const (
	fbInbox     = "facebook"
	eloketInbox = "eloket"
)

// mailbox is one of the two Dovecot mailboxes; the user name is the inbox.
type mailbox struct {
	inbox  string
	domain caseevent.Domain
}

func mailboxes() [2]mailbox {
	return [2]mailbox{
		{inbox: "gemeentebestuur", domain: caseevent.DomainGemeente},
		{inbox: "sociaalhuis", domain: caseevent.DomainSociaalhuis},
	}
}

// identity is what an input is registered under: one messages row per
// identity (and per distinct message sharing it, such as two different
// mails with one reused Message-ID).
type identity struct {
	channel    caseevent.Channel
	inbox      string
	externalID string
}

func (id identity) String() string {
	return fmt.Sprintf("%s/%s/%s", id.channel, id.inbox, id.externalID)
}

type mailDelivery struct {
	box    int
	raw    []byte
	repeat bool // the same bytes were delivered before: a second UID
}

type fbDelivery struct {
	conv     int
	id, text string
	fromPage bool
	attach   int64 // attachment size, 0: none
	repeat   bool  // the same message id listed again by the fake
}

type eloketDelivery struct {
	n      int
	update bool // an earlier request changed: listed again with another status
}

// workload is what is delivered, in order, and what must be registered.
type workload struct {
	mails  []mailDelivery
	fb     []fbDelivery
	eloket []eloketDelivery
	// want is how many registrations each identity must have.
	want map[identity]int
	// distinct inputs and deliveries repeated, per channel.
	inputs, repeats map[caseevent.Channel]int
}

// repeatQueue holds repeats of plan elements until their position comes.
type repeatQueue[T any] map[int][]T

// add puts a repeat of element i at a later position, between near and
// far places on, so that it is delivered after the original.
func (q repeatQueue[T]) add(r *rand.Rand, i, near, far int, v T) {
	at := i + near + r.IntN(far-near)
	q[at] = append(q[at], v)
}

func (q repeatQueue[T]) take(i int) []T {
	v := q[i]
	delete(q, i)
	return v
}

// rest returns what is still queued, in position order.
func (q repeatQueue[T]) rest() []T {
	keys := make([]int, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []T
	for _, k := range keys {
		out = append(out, q[k]...)
	}
	return out
}

// buildWorkload makes the plan: mails mails (the mail corpus in both
// mailboxes, the rest from mailgen), facebookMsgs Messenger messages and
// eloketReqs Open311 requests; a fraction repeat of each is delivered a
// second time.
func buildWorkload(t *testing.T, r *rand.Rand, mails, facebookMsgs, eloketReqs int, repeat float64) *workload {
	t.Helper()
	w := &workload{want: map[identity]int{}, inputs: map[caseevent.Channel]int{}, repeats: map[caseevent.Channel]int{}}
	boxes := mailboxes()

	corpus, err := filepath.Glob(filepath.Join("..", "mail", "testdata", "corpus", "*.eml"))
	if err != nil || len(corpus) == 0 {
		t.Fatalf("mail corpus: %v (%d files)", err, len(corpus))
	}
	generated := mails - 2*len(corpus)
	if generated < 0 {
		t.Fatalf("-e2e.mails %d: the corpus alone is %d mails (in both mailboxes)", mails, 2*len(corpus))
	}
	var base []mailDelivery
	for i := range generated {
		box := 0
		if i >= generated*7/10 {
			box = 1
		}
		// Some without a Message-ID, some reusing the one before with
		// other content: both must still register once each.
		base = append(base, mailDelivery{box: box, raw: mailgen.Message(i, mailgen.Options{NoMessageID: 89, ReusedMessageID: 97})})
	}
	for _, path := range corpus {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for box := range boxes {
			at := r.IntN(len(base) + 1)
			base = slices.Insert(base, at, mailDelivery{box: box, raw: raw})
		}
	}
	ctx := context.Background()
	seen := map[string]bool{} // event ids
	for _, m := range base {
		mb := boxes[m.box]
		ev, err := mailevent.Build(ctx, hashOnly{}, mailevent.Source{Inbox: mb.inbox, Domain: mb.domain, Direction: caseevent.DirectionIncoming},
			mailevent.Capture{Raw: m.raw, Size: int64(len(m.raw))}, mailevent.Options{CaseRef: caseevent.CaseRefPattern("MP")})
		if err != nil {
			t.Fatal(err)
		}
		if seen[ev.ID] {
			continue // the same message twice in the corpus is one message
		}
		seen[ev.ID] = true
		w.want[identity{caseevent.ChannelEmail, mb.inbox, ev.Data.ExternalID}]++
		w.inputs[caseevent.ChannelEmail]++
	}
	mq := repeatQueue[mailDelivery]{}
	for i, m := range base {
		w.mails = append(w.mails, mq.take(i)...)
		w.mails = append(w.mails, m)
		if r.Float64() < repeat {
			mq.add(r, i, 20, 400, mailDelivery{box: m.box, raw: m.raw, repeat: true})
		}
	}
	w.mails = append(w.mails, mq.rest()...)

	// Messenger: conversations open over time and get messages while
	// newer ones open, so that a conversation is read again and again.
	fq := repeatQueue[fbDelivery]{}
	convs, hasMsg := 0, map[int]bool{}
	for j := range facebookMsgs {
		var conv int
		if convs == 0 || r.Float64() < 0.3 {
			conv = convs
			convs++
		} else {
			conv = convs - 1 - r.IntN(min(convs, 15))
		}
		d := fbDelivery{conv: conv, id: fmt.Sprintf("m_e2e%07d", j), fromPage: hasMsg[conv] && r.IntN(3) == 0,
			text: fmt.Sprintf("%s (bericht %d)", fbTexts[r.IntN(len(fbTexts))], j)}
		if r.IntN(10) == 0 {
			d.attach = 2<<10 + r.Int64N(14<<10)
		}
		hasMsg[conv] = true
		w.fb = append(w.fb, fq.take(j)...)
		w.fb = append(w.fb, d)
		w.want[identity{caseevent.ChannelFacebook, fbInbox, d.id}]++
		w.inputs[caseevent.ChannelFacebook]++
		if r.Float64() < repeat {
			d.repeat = true
			fq.add(r, j, 5, 100, d)
		}
	}
	w.fb = append(w.fb, fq.rest()...)

	eq := repeatQueue[eloketDelivery]{}
	for n := range eloketReqs {
		w.eloket = append(w.eloket, eq.take(n)...)
		w.eloket = append(w.eloket, eloketDelivery{n: n})
		w.want[identity{caseevent.ChannelEloket, eloketInbox, eloketID(n)}]++
		w.inputs[caseevent.ChannelEloket]++
		if r.Float64() < repeat {
			eq.add(r, n, 3, 30, eloketDelivery{n: n, update: true})
		}
	}
	w.eloket = append(w.eloket, eq.rest()...)

	for _, m := range w.mails {
		if m.repeat {
			w.repeats[caseevent.ChannelEmail]++
		}
	}
	for _, d := range w.fb {
		if d.repeat {
			w.repeats[caseevent.ChannelFacebook]++
		}
	}
	for _, d := range w.eloket {
		if d.update {
			w.repeats[caseevent.ChannelEloket]++
		}
	}
	return w
}

func (w *workload) totalInputs() int {
	n := 0
	for _, v := range w.inputs {
		n += v
	}
	return n
}

func eloketID(n int) string { return fmt.Sprint(310000000 + n) }

var fbTexts = [...]string{
	"Goedemorgen, de lantaarnpaal bij ons in de straat is al een week kapot.",
	"Wanneer wordt het grofvuil opgehaald in de wijk Noord?",
	"Er ligt al dagen zwerfafval bij het speeltuintje aan de Lindelaan.",
	"Kan ik mijn identiteitskaart ook op zaterdag ophalen?",
	"De stoeptegels voor nummer 12 liggen los, iemand is gevallen.",
	"Dank voor uw melding, we hebben het doorgezet naar de buitendienst.",
	"Goedemiddag, kunt u ons het exacte adres sturen?",
}

var eloketServices = [...]struct{ code, name, text string }{
	{"SLUIK", "Sluikstort", "Er staan al drie dagen vuilniszakken naast de glasbol."},
	{"PUT", "Put in de weg", "Diepe put in de rijweg, gevaarlijk voor fietsers."},
	{"LICHT", "Defecte straatverlichting", "De straatlamp voor ons huis brandt al een week niet meer."},
	{"RIOOL", "Verstopte riolering", "De straatkolk is verstopt, het water blijft staan."},
	{"TEGEL", "Losliggende stoeptegel", "Een tegel steekt vijf centimeter uit, gevaarlijk met de rollator."},
}

// hashOnly stands in for the object store when the harness works out
// which identity a mail must be registered under: only the reference
// matters, not the bytes.
type hashOnly struct{}

func (hashOnly) PutObject(_ context.Context, data []byte, contentType string) (caseevent.ObjectRef, error) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	return caseevent.ObjectRef{ContentType: contentType, Size: int64(len(data)), SHA256: h, Object: "sha256-" + h}, nil
}

// feeder delivers the workload into Dovecot and the two fake servers.
type feeder struct {
	w    *workload
	fb   *graphfake.Server
	o311 *open311fake.Server
	// clients deliver to the mailboxes (directly, not through the proxy
	// the connector's connection is cut at), one per mailbox.
	clients [2]*imapclient.Client
	nMail   int
	nFB     int
	nEloket int
}

// feed delivers every planned item up to the fraction done (0..1) of each
// plan.
func (f *feeder) feed(t *testing.T, done float64) {
	t.Helper()
	done = min(max(done, 0), 1)
	upTo := func(n int) int { return int(float64(n) * done) }

	for ; f.nMail < upTo(len(f.w.mails)); f.nMail++ {
		m := f.w.mails[f.nMail]
		if err := appendMail(f.clients[m.box], m.raw); err != nil {
			t.Fatalf("deliver mail %d to %s: %v", f.nMail, mailboxes()[m.box].inbox, err)
		}
	}

	page := f.fb.Page()
	for ; f.nFB < upTo(len(f.w.fb)); f.nFB++ {
		d := f.w.fb[f.nFB]
		convID := fmt.Sprintf("t_e2e%06d", d.conv)
		citizen := graphfake.Person{ID: fmt.Sprint(24000000000000000 + d.conv), Name: fmt.Sprintf("Inwoner %d", d.conv)}
		f.fb.AddConversation(convID, citizen)
		m := graphfake.Message{ID: d.id, From: citizen, Text: d.text}
		if d.fromPage {
			m.From = page
		}
		if d.attach > 0 {
			m.Attachments = []graphfake.Attachment{{ID: "9" + d.id[5:], Name: "foto.jpg", MimeType: "image/jpeg", Size: d.attach}}
		}
		f.fb.AddMessage(convID, m)
	}

	for ; f.nEloket < upTo(len(f.w.eloket)); f.nEloket++ {
		d := f.w.eloket[f.nEloket]
		id := eloketID(d.n)
		if d.update {
			if !f.o311.Update(id, "closed") {
				t.Fatalf("open311fake: no request %s to update", id)
			}
			continue
		}
		s := eloketServices[d.n%len(eloketServices)]
		req := open311fake.Request{ID: id, ServiceCode: s.code, ServiceName: s.name, Description: fmt.Sprintf("%s (melding %d)", s.text, d.n),
			Requested: time.Now(), Address: fmt.Sprintf("Kerkstraat %d, 9999 Meldegem", 1+d.n%180),
			HasLocation: d.n%10 != 0, Lat: 51.0 + float64(d.n%97)/10000, Long: 3.7 + float64(d.n%89)/10000}
		if d.n%4 == 0 {
			req.MediaURL = f.o311.AddMedia(id+".jpg", fakeJPEG(d.n))
		}
		if d.n%3 == 0 {
			req.FirstName, req.LastName, req.Email = "Melder", fmt.Sprint(d.n), fmt.Sprintf("melder%d@example.be", d.n)
		}
		f.o311.Add(req)
	}
}

// appendMail delivers one message with IMAP APPEND, as a delivery agent
// does: Dovecot tells an IDLE client about it at once.
func appendMail(c *imapclient.Client, raw []byte) error {
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

// fakeJPEG is a few KiB that start and end like a JPEG file, different for
// every n.
func fakeJPEG(n int) []byte {
	b := make([]byte, 2048+n%4096)
	r := rand.New(rand.NewPCG(uint64(n), 0x0e2e))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00})
	b[len(b)-2], b[len(b)-1] = 0xFF, 0xD9
	return b
}

// delivered is a progress line.
func (f *feeder) delivered() string {
	return fmt.Sprintf("mail %d/%d facebook %d/%d eloket %d/%d", f.nMail, len(f.w.mails), f.nFB, len(f.w.fb), f.nEloket, len(f.w.eloket))
}
