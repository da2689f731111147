package similar

import "testing"

func TestSame(t *testing.T) {
	t.Parallel()
	first := "Goeiedag, de straatlamp aan de hoek van de Kerkstraat en de Molenstraat brandt al twee weken niet. Kan iemand die herstellen?"
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"asks again in other words", first, "Ik meldde al dat de straatlamp op de hoek Kerkstraat-Molenstraat niet brandt. Wanneer wordt die hersteld?", true},
		{"accents and case", "Ontevreden over de afhandeling van mijn premie-aanvraag", "ONTEVREDEN: AFHANDELING PREMIE AANVRAAG!", true},
		{"quoted earlier mail does not count", "Bedankt voor uw antwoord over het containerpark.\n\nOp 3 maart 2026 om 10:12 schreef Gemeente:\n> De straatlamp aan de hoek van de Kerkstraat en de Molenstraat brandt niet", first, false},
		{"another subject", first, "Wanneer is het containerpark open op zaterdag? Ik wil grofvuil brengen.", false},
		{"too few words", "Lamp kapot", "Lamp kapot", false},
		{"empty", "", first, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Same(Of(tt.a), Of(tt.b)); got != tt.want {
				t.Errorf("Same = %v (score %.2f), want %v; words %v / %v", got, Score(Of(tt.a), Of(tt.b)), tt.want, Of(tt.a), Of(tt.b))
			}
		})
	}
}

func FuzzOf(f *testing.F) {
	f.Add("Goeiedag,\nOp 3 maart schreef X:\n> oud", "de lamp brandt niet")
	f.Fuzz(func(t *testing.T, a, b string) {
		s := Score(Of(a), Of(b))
		if s < 0 || s > 1 {
			t.Fatalf("score %v", s)
		}
		if Score(Of(a), Of(b)) != Score(Of(b), Of(a)) {
			t.Fatal("not symmetric")
		}
	})
}
