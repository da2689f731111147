package driverutil

import (
	"slices"
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestMentions(t *testing.T) {
	t.Parallel()
	got := Mentions(
		store.Contact{Name: "An Peeters", Email: "an@voorbeeld.be", Phone: "0470 12 34 56", Address: "Kerkstraat 1, Gent"},
		store.Contact{Name: "AN PEETERS", Email: "x@y.z", FacebookID: "fb12345678"}, // a duplicate, and too short
		store.Contact{Name: "Jan", Address: "Gent"},                                 // one word, too short
	)
	want := []string{"Kerkstraat 1, Gent", "an@voorbeeld.be", "0470 12 34 56", "An Peeters", "fb12345678"}
	if !slices.Equal(got, want) {
		t.Errorf("Mentions = %q, want %q", got, want)
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	mentions := []string{"an@voorbeeld.be", "An Peeters"}
	for _, tc := range []struct {
		name, in, want string
		changed        bool
	}{
		{"none", "Gebeld met de burger.", "Gebeld met de burger.", false},
		{"case", "Gebeld met AN PEETERS (An@Voorbeeld.be).", "Gebeld met [gewist] ([gewist]).", true},
		{"twice", "an peeters, an peeters", "[gewist], [gewist]", true},
		{"regexp characters are literal", "An.Peeters", "An.Peeters", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := Scrub(tc.in, mentions)
			if got != tc.want || changed != tc.changed {
				t.Errorf("Scrub(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.changed)
			}
		})
	}
}

func TestPayloadMentioned(t *testing.T) {
	t.Parallel()
	mentions := PayloadMentions(store.Contact{Name: "An Peeters", Email: "An@Voorbeeld.be", Phone: "+32 470"})
	if !slices.Equal(mentions, []string{"An@Voorbeeld.be", "+32 470"}) {
		t.Fatalf("PayloadMentions = %q", mentions)
	}
	ids := map[string]bool{"ev-1": true}
	for _, tc := range []struct {
		name    string
		payload string
		eventID string
		want    bool
	}{
		{"e-mail in another case", `{"email":"an@voorbeeld.BE"}`, "", true},
		{"phone", `{"phone":"+32 470"}`, "", true},
		{"event id", `{}`, "ev-1", true},
		{"name only", `{"name":"An Peeters"}`, "ev-2", false},
		{"nothing", `not json at all`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PayloadMentioned([]byte(tc.payload), tc.eventID, mentions, ids); got != tc.want {
				t.Errorf("PayloadMentioned(%s) = %v, want %v", tc.payload, got, tc.want)
			}
		})
	}
}
