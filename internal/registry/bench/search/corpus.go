package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
)

// A generated history of a region's intake: two years of messages from
// citizens to the municipality (gemeente, four in five) and its social
// services (sociaalhuis), about the usual topics, on every channel, in
// cases of one to five messages. Same seed, same history.

// topic is what a case is about.
type topic struct {
	domain, department, typ string
	// words are what citizens call it, in the forms they write them
	// (singular, plural, compounds).
	words    []string
	subjects []string
	// sentences hold %s for one of words, and may hold {street}.
	sentences []string
	weight    int
}

var topics = []topic{
	{"gemeente", "openbare-werken", "melding",
		[]string{"straatlamp", "straatlampen", "straatverlichting", "lantaarnpaal", "verlichting"},
		[]string{"Kapotte straatlamp", "Straatverlichting defect", "Lamp brandt niet", "Lantaarnpaal scheef"},
		[]string{"De %s in de {street} brandt al een week niet.", "Sinds het onweer is de %s aan de hoek van de {street} kapot.",
			"Het is 's avonds pikdonker want de %s doet het niet meer.", "Kan iemand de %s in onze straat herstellen?"}, 10},
	{"gemeente", "openbare-werken", "melding",
		[]string{"put", "putten", "gat", "fietspad", "fietspaden", "voetpad", "stoep", "wegdek", "tegels"},
		[]string{"Put in het fietspad", "Losliggende tegels", "Gevaarlijk voetpad", "Gat in de weg"},
		[]string{"Er zit een diepe %s in de {street}, ter hoogte van huisnummer {nr}.", "Mijn dochter is gevallen door de %s in de {street}.",
			"Het %s ligt er al maanden slecht bij.", "Wanneer wordt het %s in de {street} hersteld?"}, 8},
	{"gemeente", "openbare-werken", "melding",
		[]string{"riolering", "rioolputje", "rioolputjes", "wateroverlast", "overstroming", "grachten"},
		[]string{"Wateroverlast", "Verstopt rioolputje", "Riolering ruikt", "Ondergelopen kelder"},
		[]string{"Bij elke regenbui staat de {street} onder water door de %s.", "Het %s voor mijn deur is verstopt.",
			"Na de storm hebben we %s in de kelder.", "Wie ruimt de %s op in de {street}?"}, 4},
	{"gemeente", "milieu", "melding",
		[]string{"sluikstort", "sluikstorten", "zwerfvuil", "afval", "vuilniszakken", "afvalzakken"},
		[]string{"Sluikstort", "Afval op de stoep", "Zwerfvuil in het park", "Vuilniszakken niet opgehaald"},
		[]string{"Aan de glasbak in de {street} ligt weer een %s.", "Er staan al dagen %s op de hoek van de {street}.",
			"Het %s langs de {street} wordt niet opgeruimd.", "Iemand dumpt telkens %s naast de container."}, 9},
	{"gemeente", "milieu", "vraag",
		[]string{"containerpark", "recyclagepark", "GFT", "PMD", "restafval", "ophaling", "afvalkalender"},
		[]string{"Vraag over de afvalophaling", "Openingsuren containerpark", "PMD niet opgehaald", "Afvalkalender"},
		[]string{"Wanneer is het %s open op zaterdag?", "Onze %s is deze week niet meegenomen in de {street}.",
			"Mag ik asbest naar het %s brengen?", "Waar vind ik de %s voor volgend jaar?"}, 6},
	{"gemeente", "mobiliteit", "vraag",
		[]string{"parkeerkaart", "bewonerskaart", "parkeren", "parkeerplaats", "parkeerplaatsen", "blauwe zone"},
		[]string{"Aanvraag bewonerskaart", "Parkeerkaart verlengen", "Parkeren in de {street}", "Geen parkeerplaats"},
		[]string{"Ik wil een %s aanvragen voor de {street}.", "Mijn %s is vervallen, hoe verleng ik die?",
			"Er is nooit %s in de {street} door de pendelaars.", "Geldt de %s ook voor bezoekers?"}, 5},
	{"gemeente", "mobiliteit", "melding",
		[]string{"snelheid", "verkeersdrempel", "verkeersdrempels", "zone 30", "wegenwerken", "omleiding", "verkeersbord"},
		[]string{"Te snel in de {street}", "Vraag om verkeersdrempel", "Wegenwerken", "Omleiding slecht aangeduid"},
		[]string{"Auto's rijden veel te snel in de {street}, een %s zou helpen.", "De %s in de {street} duren al maanden.",
			"De %s is slecht aangeduid.", "Het %s aan de school is omgereden."}, 4},
	{"gemeente", "burgerzaken", "vraag",
		[]string{"identiteitskaart", "eID", "rijbewijs", "reispas", "paspoort", "uittreksel", "adreswijziging", "afspraak"},
		[]string{"Afspraak burgerzaken", "Nieuwe identiteitskaart", "Rijbewijs kwijt", "Adreswijziging", "Uittreksel strafregister"},
		[]string{"Ik wil een afspraak maken voor een nieuwe %s.", "Mijn %s is verlopen, wat moet ik meebrengen?",
			"Hoe lang duurt het om een %s te krijgen?", "Kan ik de %s online aanvragen?"}, 6},
	{"gemeente", "omgeving", "vraag",
		[]string{"bouwvergunning", "omgevingsvergunning", "verbouwing", "tuinhuis", "afsluiting", "regenwaterput", "carport"},
		[]string{"Vraag over bouwvergunning", "Omgevingsvergunning tuinhuis", "Verbouwing melden", "Is een vergunning nodig?"},
		[]string{"Heb ik een %s nodig voor een tuinhuis van 20 m²?", "Onze buren in de {street} starten een %s zonder vergunning.",
			"Hoe ver staat mijn aanvraag voor een %s?", "Mag een %s tot op de perceelsgrens?"}, 4},
	{"gemeente", "economie", "vraag",
		[]string{"terras", "terrassen", "markt", "evenement", "braderij", "fuif", "café"},
		[]string{"Terras aanvragen", "Standplaats op de markt", "Evenement organiseren", "Lawaai van het café"},
		[]string{"Mag het %s op het Dorpsplein uitbreiden in de zomer?", "We organiseren een %s in de {street}.",
			"Het %s in de {street} maakt tot 3 uur lawaai.", "Hoe vraag ik een plaats aan op de %s?"}, 3},
	{"gemeente", "vrije-tijd", "vraag",
		[]string{"zwembad", "sporthal", "bibliotheek", "speeltuin", "jeugdhuis", "academie", "sportkamp"},
		[]string{"Openingsuren zwembad", "Speeltuin kapot", "Inschrijving sportkamp", "Boeken bibliotheek"},
		[]string{"Is het %s open tijdens de kerstvakantie?", "De schommel in de %s aan de {street} is stuk.",
			"Hoe schrijf ik mijn zoon in voor het %s?", "Kan ik mijn boeken in de %s online verlengen?"}, 4},
	{"sociaalhuis", "woonloket", "vraag",
		[]string{"huurpremie", "huursubsidie", "sociale woning", "huurwaarborg", "woonloket", "huurcontract"},
		[]string{"Huurpremie aanvragen", "Sociale woning", "Huurwaarborg", "Vraag over mijn huurcontract"},
		[]string{"Ik wil een %s aanvragen voor mijn appartement in de {street}.", "Kom ik in aanmerking voor een %s?",
			"Mijn %s werd geweigerd, waarom?", "Wanneer kan ik langskomen bij het %s?"}, 5},
	{"sociaalhuis", "sociale-dienst", "vraag",
		[]string{"leefloon", "budgetbegeleiding", "schuldbemiddeling", "verwarmingstoelage", "stookolietoelage", "energiefactuur"},
		[]string{"Aanvraag leefloon", "Hulp bij schulden", "Verwarmingstoelage", "Energiefactuur te hoog"},
		[]string{"Ik kan mijn %s niet meer betalen.", "Graag een afspraak over %s.",
			"Mijn maatschappelijk werker zei dat ik recht heb op %s.", "Hoe lang duurt de behandeling van mijn %s?"}, 5},
	{"sociaalhuis", "kinderopvang", "vraag",
		[]string{"kinderopvang", "kinderdagverblijf", "buitenschoolse opvang", "opvangplaats", "crèche"},
		[]string{"Plaats in de kinderopvang", "Inschrijving crèche", "Buitenschoolse opvang", "Wachtlijst kinderopvang"},
		[]string{"Is er nog een plaats in de %s vanaf september?", "Hoe lang is de wachtlijst voor de %s?",
			"Mijn dochter gaat naar de %s in de {street}.", "Wat kost de %s per dag?"}, 3},
	{"sociaalhuis", "thuiszorg", "vraag",
		[]string{"thuiszorg", "poetsdienst", "warme maaltijden", "dienstencentrum", "mantelzorg", "mantelzorgpremie"},
		[]string{"Thuiszorg voor mijn moeder", "Poetshulp", "Maaltijden aan huis", "Mantelzorgpremie"},
		[]string{"Mijn vader heeft %s nodig na zijn operatie.", "Kan de %s ook in het weekend komen?",
			"Ik zorg voor mijn moeder, heb ik recht op %s?", "Waar is het %s in de {street}?"}, 3},
}

var (
	streetStems = strings.Fields(`Kerk Station Molen School Nieuw Dorps Beek Linde Eiken Berken Kapel Veld Heide
		Bos Meulen Smis Hoog Kouter Brug Markt Bloemen Rozen Tulpen Vijver Water Hof Kasteel Abdij Pastorij Klooster
		Zand Steen Akker Weide Wilgen Populieren Kastanje Noord Zuid Oost West Blekerij Brouwerij Vlas Hop Koren`)
	streetEnds = []string{"straat", "straat", "straat", "laan", "weg", "plein", "dreef", "veld"}
	firstNames = strings.Fields(`Jan Piet Koen Bart Tom Wim Dirk Luc Marc Peter Johan Kris Stijn Pieter Jef Lars Arne Wout
		Emma Lotte Els An Sofie Lieve Katrien Nathalie Sarah Hanne Ines Marie Julie Fien Nele Eline Hélène Chloé Zoë Noémie
		Mohamed Youssef Ahmed Fatima Yasmina Amina Mehmet Ayşe Emre Elif Karim Samira Piotr Agnieszka Andrei Ioana José`)
	lastNames = strings.Fields(`Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters De_Smet Dubois Lambert
		Dupont Martens Hermans Van_den_Broeck Vermeulen De_Clercq Aerts Pauwels Vandamme Desmet Verstraete Coppens Smets
		Segers Lemmens Michiels Verhoeven Declercq Van_Damme Bogaert Claeys Hendrickx Van_de_Velde Leclercq Cools Thys
		Çelik Yılmaz Demir Şahin El_Amrani Benali Bakkali Ouali Nowak Kowalski Popescu Müller Schäfer García Nguyen`)
	mailHosts = []string{"gmail.com", "telenet.be", "hotmail.com", "skynet.be", "outlook.com", "proximus.be"}
	greetings = []string{"Goeiedag,", "Beste,", "Geachte,", "Hallo,", "Beste mevrouw, meneer,", "Dag,"}
	closings  = []string{"Met vriendelijke groeten,", "Alvast bedankt,", "Groeten,", "Mvg,", "Dank u wel,"}
	fillers   = []string{
		"Ik heb dit vorige maand al eens gemeld maar er is nog niets gebeurd.",
		"Mijn buren hebben hetzelfde probleem.",
		"Kunt u mij laten weten wie dit opvolgt?",
		"Ik ben bereikbaar op mijn gsm na 17 uur.",
		"Het loket was gesloten toen ik langskwam, daarom stuur ik deze mail.",
		"Graag een antwoord voor het einde van de week.",
		"In bijlage vindt u een foto.",
		"Ik woon hier al twintig jaar en dit is nog nooit zo erg geweest.",
		"Wie kan ik hiervoor contacteren?",
		"Ik hoop dat u hier snel iets aan kunt doen.",
		"De vorige keer kreeg ik geen antwoord.",
		"Is het mogelijk om telefonisch contact op te nemen?",
	}
	replyTexts = []string{
		"Bedankt voor uw antwoord, maar het probleem is nog altijd niet opgelost.",
		"Ik verwijs naar mijn vorige bericht over dossier %s.",
		"Hierbij de gevraagde documenten voor dossier %s.",
		"Is er al nieuws over mijn vraag? Dossier %s.",
		"Dank u, dat is duidelijk.",
	}
	attachmentNames = []string{"foto_%s.jpg", "IMG_%d.jpg", "offerte_%s.pdf", "aanvraagformulier.pdf", "loonbrief_%s.pdf",
		"huurcontract.pdf", "attest_%s.pdf", "plan_verbouwing.pdf", "screenshot.png", "scan_%d.pdf"}
	months = strings.Fields("januari februari maart april mei juni juli augustus september oktober november december")
)

// corpusStart and corpusEnd bound the history's event times.
var (
	corpusEnd   = time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	corpusStart = corpusEnd.AddDate(-2, 0, 0)
)

// citizen is a generated person, as a contact of one domain.
type citizen struct {
	id                       int64
	domain                   string
	name, email, phone, fbID string
	address                  string
}

// corpus generates the history in chunks; it remembers what queries need
// (references, citizens).
type corpus struct {
	rng      *rand.Rand
	total    int // messages to generate
	streets  []string
	topicSum int

	nextContact, nextCase, nextMessage int64
	counters                           map[int]int64 // year: last reference number
	citizens                           map[string][]citizen
	refs                               map[string][]string // domain: case references
}

func newCorpus(seed uint64, total int) *corpus {
	c := &corpus{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), total: total,
		counters: map[int]int64{}, citizens: map[string][]citizen{}, refs: map[string][]string{}}
	for _, s := range streetStems {
		for _, e := range []string{"straat", "laan"} {
			c.streets = append(c.streets, s+e)
		}
	}
	for i := range 30 { // a few more forms
		c.streets = append(c.streets, streetStems[i]+streetEnds[2+i%6])
	}
	for _, t := range topics {
		c.topicSum += t.weight
	}
	return c
}

func (c *corpus) pick(list []string) string { return list[c.rng.IntN(len(list))] }

func (c *corpus) topic() *topic {
	n := c.rng.IntN(c.topicSum)
	for i := range topics {
		if n < topics[i].weight {
			return &topics[i]
		}
		n -= topics[i].weight
	}
	return &topics[0]
}

func personName(s string) string { return strings.ReplaceAll(s, "_", " ") }

// citizen returns a citizen of domain: mostly a new one, sometimes one who
// wrote before.
func (c *corpus) citizen(domain string, at time.Time, k *postgres.SearchCorpus) citizen {
	if known := c.citizens[domain]; len(known) > 100 && c.rng.IntN(10) < 3 {
		return known[c.rng.IntN(len(known))]
	}
	c.nextContact++
	first, last := c.pick(firstNames), personName(c.pick(lastNames))
	p := citizen{id: c.nextContact, domain: domain, name: first + " " + last,
		address: fmt.Sprintf("%s %d, 9000 Gent", c.pick(c.streets), 1+c.rng.IntN(180))}
	local := strings.ToLower(strings.ReplaceAll(first+"."+last, " ", ""))
	switch c.rng.IntN(10) {
	case 0, 1, 2, 3, 4, 5:
		p.email = fmt.Sprintf("%s%d@%s", local, c.rng.IntN(100), c.pick(mailHosts))
	case 6, 7:
		p.fbID = fmt.Sprint(10_000_000_000 + c.rng.Int64N(90_000_000_000))
	}
	if c.rng.IntN(3) == 0 {
		p.phone = fmt.Sprintf("04%02d %02d %02d %02d", 70+c.rng.IntN(30), c.rng.IntN(100), c.rng.IntN(100), c.rng.IntN(100))
	}
	c.citizens[domain] = append(c.citizens[domain], p)
	k.Contacts = append(k.Contacts, postgres.CorpusContact{ID: p.id, Domain: domain, CreatedAt: at,
		Contact: store.Contact{Name: p.name, Email: p.email, Phone: p.phone, FacebookID: p.fbID, Address: p.address}})
	return p
}

// sentence fills a template with a word of t and a street.
func (c *corpus) sentence(tmpl string, t *topic, street string) string {
	s := strings.ReplaceAll(tmpl, "{street}", street)
	s = strings.ReplaceAll(s, "{nr}", fmt.Sprint(1+c.rng.IntN(150)))
	if strings.Contains(s, "%s") {
		s = fmt.Sprintf(s, c.pick(t.words))
	}
	return s
}

// chunk generates the cases with their messages until at least n messages,
// or the total, are generated.
func (c *corpus) chunk(n int) postgres.SearchCorpus {
	var k postgres.SearchCorpus
	span := corpusEnd.Sub(corpusStart)
	for len(k.Messages) < n && int(c.nextMessage) < c.total {
		// Cases open in order over the two years.
		opened := corpusStart.Add(time.Duration(float64(span) * float64(c.nextMessage) / float64(c.total)))
		opened = opened.Add(time.Duration(c.rng.IntN(3600)) * time.Second)
		t := c.topic()
		who := c.citizen(t.domain, opened, &k)
		street := c.pick(c.streets)
		channel := c.channel(who)
		msgs := 1
		for msgs < 5 && c.rng.IntN(10) < 4 {
			msgs++
		}
		msgs = min(msgs, c.total-int(c.nextMessage))

		c.nextCase++
		year := opened.Year()
		c.counters[year]++
		ref := fmt.Sprintf("MP-%d-%06d", year, c.counters[year])
		c.refs[t.domain] = append(c.refs[t.domain], ref)
		subject := strings.ReplaceAll(c.pick(t.subjects), "{street}", street)
		typ := t.typ
		if c.rng.IntN(20) == 0 {
			typ = "klacht"
		}
		kc := postgres.CorpusCase{ID: c.nextCase, Ref: ref, Domain: t.domain, Type: typ, Department: t.department,
			Subject: subject, Channel: channel, ContactID: who.id, OpenedAt: opened}
		last := opened
		for i := range msgs {
			at := opened
			if i > 0 {
				at = last.Add(time.Duration(1+c.rng.IntN(72*14)) * time.Hour / 14)
				if at.After(corpusEnd) { // the history ends for every case at once
					at = corpusEnd
				}
			}
			last = at
			k.Messages = append(k.Messages, c.message(t, who, channel, street, subject, ref, i, at, kc.ID))
		}
		kc.UpdatedAt = last
		age := corpusEnd.Sub(opened)
		switch r := c.rng.IntN(100); {
		case age > 60*24*time.Hour && r < 85, age > 14*24*time.Hour && r < 50:
			kc.Status = store.StatusClosed
			closed := last.Add(48 * time.Hour)
			kc.ClosedAt = &closed
		case r < 60:
			kc.Status = store.StatusAnswered
		case r < 75:
			kc.Status = store.StatusWaiting
		case r < 90:
			kc.Status = store.StatusInProgress
		default:
			kc.Status = store.StatusNew
		}
		k.Cases = append(k.Cases, kc)
	}
	return k
}

func (c *corpus) channel(who citizen) string {
	switch {
	case who.fbID != "":
		return "facebook"
	case who.email != "":
		if c.rng.IntN(4) == 0 {
			return "eloket"
		}
		return "email"
	case who.phone != "" && c.rng.IntN(2) == 0:
		return "phone"
	case c.rng.IntN(3) == 0:
		return "letter"
	default:
		return "counter"
	}
}

// message is the i-th message of a case.
func (c *corpus) message(t *topic, who citizen, channel, street, subject, ref string, i int, at time.Time, caseID int64) *store.Message {
	c.nextMessage++
	id := c.nextMessage
	about := strings.ToLower(subject)
	var text strings.Builder
	if i == 0 {
		if channel != "facebook" {
			text.WriteString(c.pick(greetings) + "\n\n")
		}
		sentences := 4 + c.rng.IntN(6)
		if channel == "facebook" {
			sentences = 1 + c.rng.IntN(3)
		}
		for j := range sentences {
			if j > 0 {
				text.WriteByte(' ')
			}
			if j%2 == 1 && c.rng.IntN(2) == 0 {
				text.WriteString(c.pick(fillers))
			} else {
				text.WriteString(c.sentence(c.pick(t.sentences), t, street))
			}
		}
	} else {
		subject = "Re: " + subject
		if c.rng.IntN(2) == 0 {
			subject = "Re: [" + ref + "] " + strings.TrimPrefix(subject, "Re: ")
		}
		r := c.pick(replyTexts)
		if strings.Contains(r, "%s") {
			r = fmt.Sprintf(r, ref)
		}
		text.WriteString(r + " " + c.pick(fillers) + " " + c.sentence(c.pick(t.sentences), t, street))
		if channel == "email" { // the mail it answers, quoted
			text.WriteString(fmt.Sprintf("\n\nOp %s schreef Gemeente Meldegem:\n> Beste %s,\n> Bedankt voor uw bericht over %s."+
				"\n> We hebben uw vraag doorgegeven aan de dienst %s. U krijgt zo snel mogelijk een antwoord.\n> Met vriendelijke groeten,\n> Het onthaal",
				at.Add(-48*time.Hour).Format("2 January 2006"), who.name, about, t.department))
		}
	}
	if channel != "facebook" {
		text.WriteString("\n\n" + c.pick(closings) + "\n" + who.name)
		if channel == "email" || channel == "eloket" {
			text.WriteString("\n" + who.address)
			if who.phone != "" {
				text.WriteString("\nGsm " + who.phone)
			}
		}
	}
	if channel == "facebook" || channel == "phone" || channel == "counter" {
		subject = ""
	}
	m := &store.Message{
		ID: id, EventID: fmt.Sprintf("bench-%d", id), CaseID: caseID, ContactID: who.id, Channel: channel,
		Direction: "incoming", Inbox: t.domain, Domain: t.domain, ExternalID: fmt.Sprintf("<bench-%d@example.org>", id),
		SenderName: who.name, SenderEmail: who.email, SenderPhone: who.phone, SenderFacebookID: who.fbID,
		Subject: subject, Text: text.String(), EventTime: at, ReceivedAt: &at, StoredAt: at, Event: []byte(`{}`),
	}
	if channel == "letter" || channel == "counter" {
		m.SenderAddress = who.address
	}
	if (channel == "email" || channel == "eloket") && c.rng.IntN(4) == 0 {
		for p := range 1 + c.rng.IntN(3) {
			name := c.pick(attachmentNames)
			switch {
			case strings.Contains(name, "%d"):
				name = fmt.Sprintf(name, 1000+c.rng.IntN(9000))
			case strings.HasPrefix(name, "loonbrief"):
				name = fmt.Sprintf(name, c.pick(months))
			case strings.Contains(name, "%s"):
				name = fmt.Sprintf(name, strings.ToLower(street))
			}
			m.Attachments = append(m.Attachments, store.Attachment{Name: name, ContentType: "application/octet-stream",
				Size: int64(20_000 + c.rng.IntN(2_000_000)), SHA256: fmt.Sprintf("%064x", id*8+int64(p))})
		}
	}
	return m
}
