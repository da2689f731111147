package routing

import (
	"path/filepath"
	"testing"
)

const testRules = `
[default]
department = "onthaal"

[[department]]
code = "onthaal"
name = "Onthaal"
[[department]]
code = "burgerzaken"
name = "Burgerzaken"
[[department]]
code = "milieu"
name = "Milieu"
[[department]]
code = "financien"
name = "Financiën"
[[department]]
code = "sociaal-huis"
name = "Sociaal Huis"

[[rule]]
name = "klachten"
keywords = ["klacht", "ontevreden", "schandalig", "geen antwoord"]
type = "klacht"
priority = "hoog"

[[rule]]
name = "sociaal huis mailbox"
inbox = ["sociaalhuis"]
department = "sociaal-huis"

[[rule]]
name = "e-loket sluikstort"
channel = ["eloket"]
service_code = ["sluikstort", "zwerfvuil"]
department = "milieu"
type = "melding"

[[rule]]
name = "leveranciers"
sender_domain = ["leverancier.be"]
department = "financien"

[[rule]]
name = "paspoort"
keywords = ["paspoort", "identiteitskaart", "kids-id"]
department = "burgerzaken"

[[rule]]
name = "afval"
keywords = ["afval*"]
department = "milieu"
`

func mustParse(t *testing.T, src string) *Rules {
	t.Helper()
	r, err := Parse([]byte(src), "test.toml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return r
}

func TestRoute(t *testing.T) {
	t.Parallel()
	r := mustParse(t, testRules)
	tests := []struct {
		name string
		in   Input
		want Result
	}{
		{"nothing matches: default queue",
			Input{Inbox: "info", Channel: "email", Subject: "Openingsuren", Text: "Wanneer is het gemeentehuis open?"},
			Result{"onthaal", "vraag", "normaal", "default"}},
		{"keyword in subject",
			Input{Inbox: "info", Channel: "email", Subject: "Paspoort aanvragen", Text: "Hoe lang duurt het?"},
			Result{"burgerzaken", "vraag", "normaal", "paspoort"}},
		{"keyword case and accent insensitive",
			Input{Channel: "email", Text: "Ik ben zéér ONTEVRÉDEN over de dienstverlening."},
			Result{"onthaal", "klacht", "hoog", "klachten"}},
		{"phrase across punctuation and line break",
			Input{Channel: "email", Text: "Ik kreeg nog steeds geen\nantwoord!"},
			Result{"onthaal", "klacht", "hoog", "klachten"}},
		{"phrase words out of order do not match",
			Input{Channel: "email", Text: "antwoord geen"},
			Result{"onthaal", "vraag", "normaal", "default"}},
		{"phrase does not span subject and text",
			Input{Channel: "email", Subject: "nog geen", Text: "antwoord op mijn vraag"},
			Result{"onthaal", "vraag", "normaal", "default"}},
		{"whole words only",
			Input{Channel: "email", Text: "Mijn paspoorten zijn vervallen; de klachtenbehandeling is elders."},
			Result{"onthaal", "vraag", "normaal", "default"}},
		{"hyphenated keyword",
			Input{Channel: "email", Text: "Een Kids-ID voor mijn dochter"},
			Result{"burgerzaken", "vraag", "normaal", "paspoort"}},
		{"prefix keyword matches compound",
			Input{Channel: "email", Text: "De afvalzakken werden niet opgehaald"},
			Result{"milieu", "vraag", "normaal", "afval"}},
		{"prefix keyword matches the word itself",
			Input{Channel: "email", Text: "Afval!"},
			Result{"milieu", "vraag", "normaal", "afval"}},
		{"first match wins",
			Input{Inbox: "sociaalhuis", Channel: "email", Text: "Klacht over mijn paspoort"},
			Result{"onthaal", "klacht", "hoog", "klachten"}},
		{"inbox, case-insensitive",
			Input{Inbox: "SociaalHuis", Channel: "email", Text: "Vraag over leefloon"},
			Result{"sociaal-huis", "vraag", "normaal", "sociaal huis mailbox"}},
		{"channel and service code both hold",
			Input{Channel: "eloket", ServiceCode: "zwerfvuil", Text: "Zakken langs de weg"},
			Result{"milieu", "melding", "normaal", "e-loket sluikstort"}},
		{"service code without channel",
			Input{Channel: "email", ServiceCode: "zwerfvuil", Text: "Zakken langs de weg"},
			Result{"onthaal", "vraag", "normaal", "default"}},
		{"channel without service code",
			Input{Channel: "eloket", ServiceCode: "parkeerkaart", Text: "Bewonerskaart"},
			Result{"onthaal", "vraag", "normaal", "default"}},
		{"sender domain",
			Input{Channel: "email", SenderEmail: "boekhouding@Leverancier.BE", Text: "In bijlage"},
			Result{"financien", "vraag", "normaal", "leveranciers"}},
		{"sender subdomain",
			Input{Channel: "email", SenderEmail: "noreply@facturatie.leverancier.be", Text: "In bijlage"},
			Result{"financien", "vraag", "normaal", "leveranciers"}},
		{"look-alike domain does not match",
			Input{Channel: "email", SenderEmail: "jan@nepleverancier.be", Text: "In bijlage"},
			Result{"onthaal", "vraag", "normaal", "default"}},
		{"no sender address",
			Input{Channel: "facebook", Text: "In bijlage"},
			Result{"onthaal", "vraag", "normaal", "default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := r.Route(tt.in); got != tt.want {
				t.Errorf("Route = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDepartments(t *testing.T) {
	t.Parallel()
	r := mustParse(t, testRules)
	got := r.Departments()
	if len(got) != 5 || got[0] != (Department{"onthaal", "Onthaal"}) || got[3] != (Department{"financien", "Financiën"}) {
		t.Errorf("Departments = %v", got)
	}
	got[0].Name = "changed"
	if r.Departments()[0].Name != "Onthaal" {
		t.Error("Departments exposes internal state")
	}
}

func TestWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"accents and case", "Ontevréden, ÉCHTE klacht!", "ontevreden|echte|klacht"},
		{"ij ligature", "ĳzel", "ijzel"},
		{"digits and punctuation", "Straat 12b - put (diep)", "straat|12b|put|diep"},
		{"trema", "financiën coördinatie", "financien|coordinatie"},
		{"empty", " ,.! ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ""
			for i, w := range words(tt.in) {
				if i > 0 {
					got += "|"
				}
				got += w
			}
			if got != tt.want {
				t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestExampleConfig(t *testing.T) {
	t.Parallel()
	r, err := Load(filepath.Join("..", "..", "..", "configs", "routing.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range r.Departments() {
		codes = append(codes, d.Code)
	}
	wantCodes := []string{"onthaal", "burgerzaken", "openbare-werken", "milieu", "ruimtelijke-ordening", "financien", "sociaal-huis"}
	if len(codes) != len(wantCodes) {
		t.Fatalf("departments %v, want %v", codes, wantCodes)
	}
	for i := range codes {
		if codes[i] != wantCodes[i] {
			t.Fatalf("departments %v, want %v", codes, wantCodes)
		}
	}
	tests := []struct {
		name           string
		in             Input
		dept, typ, pri string
	}{
		{"identiteitskaart", Input{Inbox: "info", Channel: "email", Subject: "Nieuwe identiteitskaart", Text: "Wanneer kan ik ze ophalen?"}, "burgerzaken", "vraag", "normaal"},
		{"rijbewijs", Input{Channel: "facebook", Text: "Ik ben mijn rijbewijs verloren"}, "burgerzaken", "vraag", "normaal"},
		{"straatlamp", Input{Channel: "email", Text: "De straatlamp in de Kerkstraat is stuk."}, "openbare-werken", "melding", "normaal"},
		{"put in voetpad", Input{Channel: "email", Text: "Er zit een put in het voetpad"}, "openbare-werken", "melding", "normaal"},
		{"gevaar", Input{Channel: "phone", Text: "Omgevallen boom op de weg, gevaarlijk!"}, "openbare-werken", "melding", "dringend"},
		{"containerpark", Input{Channel: "email", Subject: "Openingsuren containerpark"}, "milieu", "vraag", "normaal"},
		{"e-loket sluikstort", Input{Channel: "eloket", ServiceCode: "sluikstort", Text: "Matras in de gracht"}, "milieu", "melding", "normaal"},
		{"omgevingsvergunning", Input{Channel: "email", Text: "Heb ik een omgevingsvergunning nodig voor een tuinhuis?"}, "ruimtelijke-ordening", "vraag", "normaal"},
		{"belasting", Input{Channel: "email", Text: "Vraag over de belasting op tweede verblijven"}, "financien", "vraag", "normaal"},
		{"leverancier", Input{Channel: "email", SenderEmail: "facturen@leverancier.be", Text: "Herinnering"}, "financien", "vraag", "normaal"},
		{"leefloon", Input{Inbox: "info", Channel: "email", Text: "Heb ik recht op een leefloon?"}, "sociaal-huis", "vraag", "normaal"},
		{"OCMW", Input{Inbox: "info", Channel: "letter", Text: "Brief voor het OCMW"}, "sociaal-huis", "vraag", "normaal"},
		{"sociaal huis mailbox", Input{Inbox: "sociaalhuis", Channel: "email", Text: "Vraag over mijn paspoort"}, "sociaal-huis", "vraag", "normaal"},
		{"sociaal huis klacht stays there", Input{Inbox: "sociaalhuis", Channel: "email", Text: "Ik ben ontevreden"}, "sociaal-huis", "klacht", "normaal"},
		{"klacht", Input{Channel: "email", Text: "Klacht: de straatlamp is al maanden stuk"}, "onthaal", "klacht", "hoog"},
		{"default", Input{Channel: "email", Text: "Wanneer is de kermis?"}, "onthaal", "vraag", "normaal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := r.Route(tt.in)
			if got.Department != tt.dept || got.Type != tt.typ || got.Priority != tt.pri {
				t.Errorf("Route = %+v, want %s/%s/%s", got, tt.dept, tt.typ, tt.pri)
			}
		})
	}
}
