package registry_test

import (
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry"
)

func TestDissatisfied(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"Ik heb nog steeds geen antwoord gekregen op mijn vraag.", true},
		{"Al drie weken wacht ik op een reactie!", true},
		{"Dit is onaanvaardbaar.", true},
		{"Ik wil een KLACHT indienen.", true},
		{"Ik ben zeer ontevreden over de opvolging.", true},
		{"Ik heb nooit antwoord ontvangen", true},
		{"Ik heb niets meer gehoord van de dienst.", true},
		{"Ik ben teleurgesteld", true},
		{"Wanneer wordt mijn afval opgehaald?", false},
		{"Bedankt voor het snelle antwoord!", false},
		{"De lamp in de Kerkstraat brandt niet.", false},
		{"Hierbij nog een foto van de put.", false},
		{"> Nog steeds geen antwoord (quoted)\nBedankt, het is in orde.", false},
		{"Klachtenbehandeling? Nee, een vraag over mijn paspoort.", false}, // a word, not the phrase
	} {
		if got := registry.Dissatisfied(tc.text); got != tc.want {
			t.Errorf("Dissatisfied(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
