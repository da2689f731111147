package mail

import (
	"reflect"
	"testing"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

func TestParseAddressList(t *testing.T) {
	t.Parallel()
	type P = caseevent.Party
	tests := []struct {
		name    string
		in      string
		want    []P
		wantBad int
	}{
		{"bare", "els.peeters@example.org", []P{{Email: "els.peeters@example.org"}}, 0},
		{"name and angle", "Els Peeters <els.peeters@example.org>", []P{{Name: "Els Peeters", Email: "els.peeters@example.org"}}, 0},
		{"lower-cased", "Kevin <Kevin.Wouters@Example.COM>", []P{{Name: "Kevin", Email: "kevin.wouters@example.com"}}, 0},
		{"quoted with comma", `"Wouters, Kevin" <k@example.com>, j@example.org`,
			[]P{{Name: "Wouters, Kevin", Email: "k@example.com"}, {Email: "j@example.org"}}, 0},
		{"Outlook single quotes", `'Sociaal Huis' <sh@gemeente.example>`, []P{{Name: "Sociaal Huis", Email: "sh@gemeente.example"}}, 0},
		{"double quoting", `"'Els Peeters'" <e@example.org>`, []P{{Name: "Els Peeters", Email: "e@example.org"}}, 0},
		{"name equal to address dropped", `"e@example.org" <e@example.org>`, []P{{Email: "e@example.org"}}, 0},
		{"comment as name", "e@example.org (Els Peeters)", []P{{Name: "Els Peeters", Email: "e@example.org"}}, 0},
		{"comment ignored after angle", "Els <e@example.org> (werk)", []P{{Name: "Els", Email: "e@example.org"}}, 0},
		{"encoded name", "=?iso-8859-1?Q?Andr=E9_Verbeke?= <a@example.org>", []P{{Name: "André Verbeke", Email: "a@example.org"}}, 0},
		{"encoded name with comma inside", "=?utf-8?Q?Dubois=2C_Marc?= <m@example.net>", []P{{Name: "Dubois, Marc", Email: "m@example.net"}}, 0},
		{"encoded word in quotes", `"=?utf-8?Q?Dienst_Omgeving?=" <o@gemeente.example>`, []P{{Name: "Dienst Omgeving", Email: "o@gemeente.example"}}, 0},
		{"raw UTF-8 name", "Zoë Vandenbroucke <z@example.org>", []P{{Name: "Zoë Vandenbroucke", Email: "z@example.org"}}, 0},
		{"unquoted dots", "J. P. Janssens <jp@example.org>", []P{{Name: "J. P. Janssens", Email: "jp@example.org"}}, 0},
		{"semicolon separator", "a@example.org; b@example.org", []P{{Email: "a@example.org"}, {Email: "b@example.org"}}, 0},
		{"group", "Famille: a@example.net, \"B\" <b@example.net>;", []P{{Email: "a@example.net"}, {Name: "B", Email: "b@example.net"}}, 0},
		{"empty group", "undisclosed-recipients:;", nil, 0},
		{"missing comma", "A <a@example.org> B <b@example.org>", []P{{Name: "A", Email: "a@example.org"}, {Name: "B", Email: "b@example.org"}}, 0},
		{"address among words", "Els Peeters els@example.org", []P{{Name: "Els Peeters", Email: "els@example.org"}}, 0},
		{"mailto", "<mailto:info@example.org>", []P{{Email: "info@example.org"}}, 0},
		{"route", "<@relay.example,@other.example:els@example.org>", []P{{Email: "els@example.org"}}, 0},
		{"unterminated angle", "Els <els@example.org", []P{{Name: "Els", Email: "els@example.org"}}, 0},
		{"name only", "Gemeentebestuur", nil, 1},
		{"null address with name", `"Mail Delivery" <>`, []P{{Name: "Mail Delivery"}}, 0},
		{"empty entries", " , ,a@example.org,, ", []P{{Email: "a@example.org"}}, 0},
		{"empty", "", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bad, _ := parseAddressList([]byte(tt.in))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseAddressList(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if bad != tt.wantBad {
				t.Errorf("bad = %d, want %d", bad, tt.wantBad)
			}
		})
	}
}

func TestParseMsgIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"one", "<abc@example.org>", []string{"<abc@example.org>"}},
		{"several, folded", "<a@x>\r\n <b@x>\t<c@x>", []string{"<a@x>", "<b@x>", "<c@x>"}},
		{"no brackets", "abc@example.org", []string{"<abc@example.org>"}},
		{"no brackets, several", "a@x b@x, c@x", []string{"<a@x>", "<b@x>", "<c@x>"}},
		{"comment", "<a@x> (Els Peeters's message of Thu, 3 Dec 2026 <09:00>)", []string{"<a@x>"}},
		{"white space inside", "<abc\r\n def@example.org>", []string{"<abcdef@example.org>"}},
		{"duplicates", "<a@x> <b@x> <a@x>", []string{"<a@x>", "<b@x>"}},
		{"empty brackets", "<> <a@x>", []string{"<a@x>"}},
		{"unterminated", "<a@x> <b@x", []string{"<a@x>", "<b@x>"}},
		{"double bracket", "<<a@x>", []string{"<a@x>"}},
		{"text before", "In reply to <a@x>", []string{"<a@x>"}},
		{"quoted comment char", `<"a(b)"@x>`, []string{`<"a(b)"@x>`}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseMsgIDs([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseMsgIDs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
