package open311fake

import (
	"fmt"
	"math/rand/v2"
	"time"
)

type category struct {
	code, name, about, group string
	texts                    []string
}

var categories = []category{
	{"SLUIK", "Sluikstort", "Afval dat illegaal is achtergelaten", "Netheid", []string{
		"Er staan al drie dagen vuilniszakken naast de glasbol.",
		"Iemand heeft een oude matras en een zetel gedumpt aan de bosrand.",
		"Bouwafval achtergelaten op de parking van de sporthal.",
	}},
	{"ZWERF", "Zwerfvuil", "Blikjes, papier en plastic op straat", "Netheid", []string{
		"Veel zwerfvuil langs het fietspad naar school.",
		"De vuilbak aan het speelplein puilt uit en alles waait weg.",
	}},
	{"PUT", "Put in de weg", "Gaten en verzakkingen in het wegdek", "Wegen", []string{
		"Diepe put in de rijweg, gevaarlijk voor fietsers.",
		"Het asfalt is verzakt ter hoogte van de rioolput.",
	}},
	{"LICHT", "Defecte straatverlichting", "Straatlamp die niet of slecht brandt", "Openbare verlichting", []string{
		"De straatlamp voor ons huis brandt al een week niet meer.",
		"Lantaarnpaal knippert de hele nacht.",
	}},
	{"RIOOL", "Verstopte riolering", "Rioolkolken en putten die niet aflopen", "Riolering", []string{
		"De straatkolk is verstopt, het water blijft staan.",
		"Er komt een rioolgeur uit het rooster aan de hoek.",
	}},
	{"BORD", "Beschadigd verkeersbord", "Verkeersborden die scheef, kapot of weg zijn", "Wegen", []string{
		"Het stopbord is omvergereden en ligt in de gracht.",
		"Verkeersbord zone 30 is beklad en onleesbaar.",
	}},
	{"GRAF", "Graffiti", "Ongewenste graffiti op openbaar domein", "Netheid", []string{
		"Graffiti op de gevel van de bibliotheek.",
		"Er is gespoten op het bushokje aan de markt.",
	}},
	{"GROEN", "Overhangend groen", "Hagen en takken die hinderen", "Groen", []string{
		"De haag hangt zo ver over het voetpad dat je op de straat moet lopen.",
		"Takken hangen voor het verkeersbord, je ziet het niet meer.",
	}},
	{"TEGEL", "Losliggende stoeptegel", "Tegels die los liggen of uitsteken", "Wegen", []string{
		"Losliggende stoeptegels voor nummer 12, mijn moeder is gevallen.",
		"Een tegel steekt vijf centimeter uit, gevaarlijk met de rollator.",
	}},
	{"WATER", "Wateroverlast", "Ondergelopen straten en kelders", "Riolering", []string{
		"Na het onweer staat de straat volledig onder water.",
		"Het water komt tot aan de voordeur, de goten kunnen het niet slikken.",
	}},
}

var (
	streets    = []string{"Kerkstraat", "Stationsstraat", "Dorpsstraat", "Molenstraat", "Nieuwstraat", "Schoolstraat", "Beekstraat", "Kapelstraat", "Veldstraat", "Lindenlaan", "Markt", "Sint-Martinusplein"}
	towns      = []struct{ zip, name string }{{"9999", "Meldegem"}, {"9998", "Meldegem-Heide"}, {"9997", "Sint-Pieters-Meldegem"}}
	firstNames = []string{"An", "Bart", "Els", "Jan", "Katrien", "Lieven", "Marie", "Pieter", "Sofie", "Wim", "Yasmine", "Emre"}
	lastNames  = []string{"Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "De Smet", "Van den Broeck", "Vermeulen", "El Idrissi"}
	statuses   = []string{"open", "open", "closed"}
)

// Generate adds n requests spread over [from, to), reproducible from seed:
// the categories of a Flemish town with Dutch descriptions, addresses in
// Meldegem, lat/long around 51.0N 3.7E (one in ten without), one in four with
// a photo served at /media/{id}.jpg, one in three with contact fields. A
// third of them fall in a storm burst of ten days (wateroverlast, sluikstort
// after the clean-up) and a tenth in a burst of one day, so that with n in
// the thousands one 90-day window holds more than 1,000 requests.
func (s *Server) Generate(n int, from, to time.Time, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed^0x0731_1311))
	span := to.Sub(from)
	burst := from.Add(time.Duration(r.Int64N(int64(span) * 3 / 4)))
	burstLen := min(10*24*time.Hour, span/4)
	spike := from.Add(time.Duration(r.Int64N(int64(span) - int64(24*time.Hour))))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		var at time.Time
		c := categories[r.IntN(len(categories))]
		switch k := r.IntN(30); {
		case k < 10:
			at = burst.Add(time.Duration(r.Int64N(int64(burstLen))))
			if k < 6 {
				c = categories[len(categories)-1] // wateroverlast
			}
		case k < 13:
			at = spike.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))
		default:
			at = from.Add(time.Duration(r.Int64N(int64(span))))
		}
		at = at.Truncate(time.Second)
		town := towns[r.IntN(len(towns))]
		req := Request{
			ID:                fmt.Sprint(s.nextID),
			Status:            statuses[r.IntN(len(statuses))],
			ServiceCode:       c.code,
			ServiceName:       c.name,
			Description:       c.texts[r.IntN(len(c.texts))],
			AgencyResponsible: "Gemeente Meldegem, dienst " + c.group,
			Requested:         at,
			Updated:           at.Add(time.Duration(r.IntN(72*60)) * time.Minute),
			Address:           fmt.Sprintf("%s %d, %s %s", streets[r.IntN(len(streets))], 1+r.IntN(180), town.zip, town.name),
			ZipCode:           town.zip,
		}
		s.nextID++
		if req.Status == "closed" {
			req.StatusNotes = "Opgelost door de technische dienst."
		}
		if r.IntN(10) != 0 {
			req.HasLocation = true
			req.Lat = 51.0 + (r.Float64()-0.5)*0.04
			req.Long = 3.7 + (r.Float64()-0.5)*0.06
		}
		if r.IntN(4) == 0 {
			name := req.ID + ".jpg"
			s.media[name] = fakeJPEG(r, 2<<10+r.IntN(30<<10))
			req.MediaURL = s.srv.URL + "/media/" + name
		}
		if r.IntN(3) == 0 {
			req.FirstName = firstNames[r.IntN(len(firstNames))]
			req.LastName = lastNames[r.IntN(len(lastNames))]
			req.Email = fmt.Sprintf("melder%d@example.be", r.IntN(100000))
			if r.IntN(2) == 0 {
				req.Phone = fmt.Sprintf("+32 9 %03d %02d %02d", r.IntN(1000), r.IntN(100), r.IntN(100))
			}
		}
		s.addLocked(req)
	}
}

// fakeJPEG returns size bytes that start and end like a JPEG file.
func fakeJPEG(r *rand.Rand, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00})
	b[size-2], b[size-1] = 0xFF, 0xD9
	return b
}
