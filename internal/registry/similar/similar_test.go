package similar

import (
	"slices"
	"testing"
)

func TestSame(t *testing.T) {
	t.Parallel()
	first := "Goeiedag, de straatlamp aan de hoek van de Kerkstraat en de Molenstraat brandt al twee weken niet. Kan iemand die herstellen?"
	signature := "\n\nMet vriendelijke groeten,\nLuc Peeters\nBeukenlaan 12\n9990 Maldegem\n0470 12 34 56"
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

		// Repeats that add something new.
		{"a part of a compound", "Onze restafvalzak werd vanochtend niet meegenomen in de Beukenlaan, bij de buren wel.",
			"Beukenlaan: onze zak restafval staat er nog altijd. Komt de ophaler terug?", true},
		{"a short follow-up", "Aanvraag uittreksel strafregister voor mijn nieuwe job als leerkracht",
			"Is mijn uittreksel uit het strafregister al klaar? Ik heb het nodig tegen maandag.", true},
		{"it got worse", "De haag van de buren op de hoek Esdoornlaan-Wilgenstraat belemmert het zicht voor fietsers.",
			"Nog altijd niets gebeurd met de te hoge haag op de hoek van de Esdoornlaan. Vanmorgen was er bijna een ongeval met een fietser.", true},
		{"a phone note and a mail", "Mevr. Claus belt: haar zoon heeft nog geen plaats in de buitenschoolse opvang voor september.",
			"Mijn zoon staat op de wachtlijst voor de buitenschoolse opvang vanaf september. Is er al zicht op een plaats?", true},
		{"plural and singular", "Drie straatlampen in de Ooststraat zijn kapot.", "Kapotte straatlamp Ooststraat, al een week!", true},

		// The same person about something else.
		{"only the signature in common", "Wanneer wordt het grofvuil opgehaald in onze straat?" + signature,
			"Mag mijn zoon met een brommer door het park rijden?" + signature, false},
		{"the same address, another problem", "In de Beukenlaan 14 is het voetpad verzakt na de werken aan de waterleiding.",
			"Beukenlaan 14: de straatlamp voor de deur knippert constant.", false},
		{"two grants", "Vraag over de huurpremie", "Vraag over de mantelzorgpremie", false},
		{"another service", "Ik zoek hulp bij het invullen van mijn belastingaangifte.", "Kan ik een voorschot op mijn leefloon krijgen?", false},
		{"only courtesies in common", "Goeiedag, alvast bedankt voor uw antwoord. Met vriendelijke groeten",
			"Goeiedag, bedankt voor uw snelle antwoord! Vriendelijke groeten", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := Of(tt.a), Of(tt.b)
			if got := Same(a, b); got != tt.want {
				t.Errorf("Same = %v (score %.2f), want %v; words %v / %v", got, Score(a, b), tt.want, sorted(a), sorted(b))
			}
			if Same(a, b) != Same(b, a) {
				t.Error("Same is not symmetric")
			}
		})
	}
}

func TestOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"stop words, greeting and closing", "Goeiedag,\n\nWaar kan ik PMD-zakken kopen?\n\nMet vriendelijke groeten,\nEls", []string{"kop", "pmd", "zak"}},
		{"a signature without a closing formula", "Het gat in de Stationsstraat is opnieuw open.\n\nMarc Maes\nKerkstraat 4\n9999 Meldegem", []string{"gat", "open", "stationsstrat"}},
		{"a last paragraph that says something stays", "Het gat is gevuld.\n\nDank u, dat ging snel!", []string{"gat", "gevuld", "snel"}},
		{"short numbers go, file numbers stay", "Aanvraag OMV_2027004512, Ringlaan 10, 9999, tel. 0470 12 34 56", []string{"2027004512", "aanvrag", "omv", "ringlan"}},
		{"a forwarded mail", "Zie hieronder, nog geen reactie.\n\n---------- Doorgestuurd bericht ---------\nVan: Tim\nDe tegels liggen los.", []string{"reacti"}},
		{"a quoted reply", "Het is hersteld.\n\nOp di 3 mrt. 2026 om 10:12 schreef Gemeente Meldegem <info@meldegem.be>:\n> De herstelling is gepland.", []string{"hersteld"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := sorted(Of(tt.text)); !slices.Equal(got, tt.want) {
				t.Errorf("Of = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		words []string // all give the same stem
	}{
		{"plural -en and a doubled vowel", []string{"straat", "straten"}},
		{"plural -en", []string{"straatlamp", "straatlampen"}},
		{"a doubled consonant", []string{"kapot", "kapotte"}},
		{"plural -s", []string{"tegel", "tegels"}},
		{"inflected -e", []string{"nieuw", "nieuwe"}},
		{"open syllable", []string{"afspraak", "afspraken"}},
		{"short words stay", []string{"bus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := stem(tt.words[0])
			for _, w := range tt.words[1:] {
				if got := stem(w); got != want {
					t.Errorf("stem(%q) = %q, stem(%q) = %q; want the same", tt.words[0], want, w, got)
				}
			}
			if tt.words[0] == "bus" && want != "bus" {
				t.Errorf("stem(bus) = %q", want)
			}
		})
	}
}

func sorted(w Words) []string {
	var s []string
	for k := range w {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

func FuzzOf(f *testing.F) {
	f.Add("Goeiedag,\nOp 3 maart schreef X:\n> oud", "de lamp brandt niet")
	f.Add("Straatlampen Kerkstraat\n\nMet vriendelijke groeten,\nEls", "leefloonaanvraag leefloon")
	f.Fuzz(func(t *testing.T, a, b string) {
		s := Score(Of(a), Of(b))
		if s < 0 || s > 1 {
			t.Fatalf("score %v", s)
		}
		if Score(Of(a), Of(b)) != Score(Of(b), Of(a)) || Same(Of(a), Of(b)) != Same(Of(b), Of(a)) {
			t.Fatal("not symmetric")
		}
	})
}
