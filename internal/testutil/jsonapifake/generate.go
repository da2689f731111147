package jsonapifake

import (
	"fmt"
	"math/rand/v2"
	"time"
)

type category struct{ code, label string }

var categories = []category{
	{"AFV-SLUIK", "Sluikstort"},
	{"WEG-PUT", "Put in de weg"},
	{"VERL-DEFECT", "Straatverlichting defect"},
	{"GROEN-SNOEI", "Snoeiwerk nodig"},
	{"RIOL-VERSTOPT", "Verstopte riolering"},
	{"FIETS-WRAK", "Achtergelaten fiets"},
	{"GRAF-TAG", "Graffiti"},
	{"SPEEL-SCHADE", "Schade aan speeltuin"},
}

var streets = []string{
	"Kerkstraat", "Stationsstraat", "Molenstraat", "Dorpsstraat", "Schoolstraat",
	"Nieuwstraat", "Kapelstraat", "Beekstraat", "Markt", "Heirbaan",
}

var firstNames = []string{"An", "Bart", "Els", "Jan", "Lotte", "Pieter", "Sofie", "Wim", "Fatima", "Mehmet"}
var lastNames = []string{"Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet"}

// Generate adds n web form submissions, one every few hours after the
// newest one so far, made from the seed alone (apart from ids, which count
// on from the last).
func (s *Server) Generate(n int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed^0x5DEECE66D))
	at := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	s.mu.Lock()
	if k := len(s.subs); k > 0 {
		at = s.subs[k-1].created
	}
	base := s.URL()
	s.mu.Unlock()
	for range n {
		at = at.Add(time.Duration(1+r.IntN(6*3600)) * time.Second)
		c := categories[r.IntN(len(categories))]
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		street := fmt.Sprintf("%s %d", streets[r.IntN(len(streets))], 1+r.IntN(120))
		obj := map[string]any{
			"created": at.Format(time.RFC3339),
			"attributes": map[string]any{
				"title":       c.label + " " + street,
				"description": fmt.Sprintf("Melding over %s in de %s.", lowerFirst(c.label), street),
				"category":    map[string]any{"code": c.code, "label": c.label},
			},
			"contact": map[string]any{
				"name":  first + " " + last,
				"email": fmt.Sprintf("%s.%d@example.be", lowerFirst(first), r.IntN(1000)),
				"phone": fmt.Sprintf("+32 4%02d %02d %02d %02d", 70+r.IntN(30), r.IntN(100), r.IntN(100), r.IntN(100)),
			},
			"location": map[string]any{
				"street": street + ", 9000 Gent",
				"lat":    51.03 + r.Float64()*0.04,
				"lng":    3.70 + r.Float64()*0.05,
			},
			"status": []string{"new", "seen"}[r.IntN(2)],
		}
		nfiles := r.IntN(3)
		s.add(at, func(id int64) map[string]any {
			files := []any{}
			for i := range nfiles {
				files = append(files, map[string]any{
					"url":      fmt.Sprintf("%s/files/%d-%d.jpg", base, id, i+1),
					"filename": fmt.Sprintf("foto-%d.jpg", i+1),
				})
			}
			obj["files"] = files
			return obj
		})
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	b := []rune(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}
