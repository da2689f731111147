package graphfake

import (
	"fmt"
	"math/rand/v2"
	"time"
)

var (
	firstNames = []string{"Anouk", "Bram", "Daan", "Emma", "Fleur", "Jeroen", "Lotte", "Mohammed", "Noor", "Pieter", "Sanne", "Thijs", "Yasmina", "Zeynep"}
	lastNames  = []string{"de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "El Amrani", "Yilmaz", "van Dijk", "Bos"}
	questions  = []string{
		"Goedemorgen, de lantaarnpaal bij ons in de straat is al een week kapot.",
		"Wanneer wordt het grofvuil opgehaald in de wijk Noord?",
		"Er ligt al dagen zwerfafval bij het speeltuintje aan de Lindelaan.",
		"Kan ik mijn paspoort ook op zaterdag ophalen?",
		"De stoeptegels voor nummer 12 liggen los, iemand is gevallen.",
		"Hoe vraag ik een parkeervergunning aan voor bezoek?",
		"Mijn container is vandaag niet geleegd, kunt u dat nakijken?",
		"Er staat een fietswrak al maanden tegen het hek van de school.",
		"Is het gemeentehuis open op Koningsdag?",
		"Bij de rotonde is de verkeerslichtinstallatie uitgevallen.",
	}
	answers = []string{
		"Dank voor uw melding, we hebben het doorgezet naar de buitendienst.",
		"Goedemiddag, kunt u ons het exacte adres sturen?",
		"Dat kan, maak wel eerst een afspraak via de website.",
		"We gaan ernaar kijken en laten u binnen vijf werkdagen iets weten.",
	}
	attachmentKinds = []struct{ name, mime string }{
		{"foto.jpg", "image/jpeg"},
		{"schermafbeelding.png", "image/png"},
		{"brief.pdf", "application/pdf"},
		{"spraakbericht.mp4", "audio/mp4"},
		{"filmpje.mp4", "video/mp4"},
	}
)

// Generate adds conversations with messagesPer messages each, reproducible
// from seed: Dutch questions from citizens and answers from the page, about
// one message in eight with an attachment (1-64 KiB, served at /files/...),
// and the odd sticker or shared link. Conversation ids are "t_...", the
// newest message of conversation i is newer than that of i-1.
func (s *Server) Generate(conversations, messagesPer int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed^0x5DEECE66D))
	page := s.Page()
	for i := 0; i < conversations; i++ {
		citizen := Person{
			ID:   fmt.Sprintf("%d", 24000000000000000+r.Uint64N(1e15)),
			Name: firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))],
		}
		convID := fmt.Sprintf("t_%d", 10000000000000000+r.Uint64N(1e16))
		s.AddConversation(convID, citizen)
		for j := 0; j < messagesPer; j++ {
			m := Message{From: citizen, Text: questions[r.IntN(len(questions))]}
			if j%3 == 2 {
				m.From, m.Text = page, answers[r.IntN(len(answers))]
			}
			switch r.IntN(40) {
			case 0, 1, 2, 3, 4:
				k := attachmentKinds[r.IntN(len(attachmentKinds))]
				m.Attachments = []Attachment{{Name: k.name, MimeType: k.mime, Size: 1024 + r.Int64N(63*1024)}}
			case 5:
				m.Sticker = "https://scontent.xx.fbcdn.net/v/t39.1997-6/851557_369239266556155_759568595_n.png"
				m.Text = ""
			case 6:
				m.Shares = []string{"https://www.voorbeeld.nl/afval/ophaaldagen"}
			}
			s.AddMessage(convID, m)
		}
	}
}

// Advance moves the server's clock (the time given to items added without a
// time) forward by d.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.clock = s.clock.Add(d)
	s.mu.Unlock()
}

// Now is the server's clock.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock
}
