package mail

import (
	"testing"
)

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>Een</p><p>Twee</p>", "Een\n\nTwee"},
		{"line breaks", "Een<br>Twee<br/><br>Drie", "Een\nTwee\n\nDrie"},
		{"divs", "<div>Een</div><div>Twee</div><div><br></div><div>Drie</div>", "Een\nTwee\n\nDrie"},
		{"white space collapsed", "<p>  Een\n   twee\t drie </p>", "Een twee drie"},
		{"inline tags keep words apart or together", "<b>Hal</b>lo <i>wereld</i>", "Hallo wereld"},
		{"entities", "caf&eacute; &amp; th&#233; &euro;&nbsp;5 &lt;tag&gt; &#x2013;", "café & thé € 5 <tag> –"},
		{"script and style dropped", "<style>p{color:red}</style><p>tekst</p><script>alert(1)</script>", "tekst"},
		{"head and title dropped", "<html><head><title>Titel</title><meta charset=utf-8></head><body>inhoud</body></html>", "inhoud"},
		{"head without end tag", "<html><head><title>T</title><body>inhoud</body></html>", "inhoud"},
		{"comments dropped", "een<!-- geheim -->twee<!--[if mso]><xml>x</xml><![endif]-->", "eentwee"},
		{"Outlook empty paragraphs", `<p class=MsoNormal>Beste,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Tekst<o:p></o:p></p>`, "Beste,\n\nTekst"},
		{"list items", "<ul><li>een</li><li>twee</li></ul>", "- een\n- twee"},
		{"table cells", "<table><tr><td>Naam</td><td>Els</td></tr><tr><td>Adres</td><td>Kerkstraat 12</td></tr></table>", "Naam\tEls\nAdres\tKerkstraat 12"},
		{"link text kept", `Zie <a href="https://example.org/x">de website</a>.`, "Zie de website."},
		{"pre kept", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"headings", "<h1>Titel</h1>tekst", "Titel\n\ntekst"},
		{"blockquote", "Antwoord<blockquote>citaat</blockquote>", "Antwoord\n\ncitaat"},
		{"broken markup", "<p>open <b>niet gesloten<p>volgende", "open niet gesloten\n\nvolgende"},
		{"unterminated tag", "tekst <a href=", "tekst"},
		{"self-closing script", "<script/>zichtbaar", "zichtbaar"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.in); got != tt.want {
				t.Errorf("htmlToText(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestUnflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		delSp bool
		want  string
	}{
		{"joined", "Een lange \nregel.", false, "Een lange regel."},
		{"fixed lines stay", "Een\nTwee", false, "Een\nTwee"},
		{"delsp", "Een lan \nge regel.", true, "Een lange regel."},
		{"quoted", "> Een \n> twee\nmijn antwoord", false, "> Een twee\nmijn antwoord"},
		{"quote depth change ends a paragraph", "> Een \n>> twee", false, "> Een \n>> twee"},
		{"space-stuffing removed", " >niet geciteerd\n From", false, ">niet geciteerd\nFrom"},
		{"signature separator", "-- \nEls", false, "-- \nEls"},
		{"last line flowed", "einde ", false, "einde "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unflow(tt.in, tt.delSp); got != tt.want {
				t.Errorf("unflow(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitMultipart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		want       []string
		wantFound  bool
		wantClosed bool
	}{
		{"simple", "--b\r\nA\r\n--b\r\nB\r\n--b--\r\n", []string{"A", "B"}, true, true},
		{"preamble and epilogue", "pre\r\n--b\r\nA\r\n--b--\r\nepi", []string{"A"}, true, true},
		{"bare LF", "--b\nA\n--b\nB\n--b--\n", []string{"A", "B"}, true, true},
		{"mixed line ends", "--b\r\nA\n--b\nB\r\n--b--", []string{"A", "B"}, true, true},
		{"empty part", "--b\r\n\r\n--b--", []string{""}, true, true},
		{"trailing white space", "--b \t\r\nA\r\n--b-- \r\n", []string{"A"}, true, true},
		{"not at line start", "--b\r\nA--b\r\n--b--", []string{"A--b"}, true, true},
		{"longer boundary is not a delimiter", "--b\r\nA\r\n--bc\r\n--b--", []string{"A\r\n--bc"}, true, true},
		{"missing close", "--b\r\nA\r\n--b\r\nB", []string{"A", "B"}, true, false},
		{"missing close, ends in delimiter", "--b\r\nA\r\n--b", []string{"A", ""}, true, false},
		{"no delimiter", "just text", nil, false, false},
		{"close first", "--b--\r\n", nil, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, found, closed := splitMultipart([]byte(tt.body), "b")
			var got []string
			for _, p := range parts {
				got = append(got, string(p))
			}
			if len(got) != len(tt.want) || found != tt.wantFound || closed != tt.wantClosed {
				t.Fatalf("got %q found %v closed %v; want %q %v %v", got, found, closed, tt.want, tt.wantFound, tt.wantClosed)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("part %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestGuessBoundary(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, want string }{
		{"repeated", "pre\n--abc\nA\n--abc--\n", "abc"},
		{"not repeated", "--abc\nA\n", ""},
		{"signature dashes are not a boundary", "tekst\n-- \nEls\n", ""},
		{"none", "tekst", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := guessBoundary([]byte(tt.body)); got != tt.want {
				t.Errorf("guessBoundary = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTransferDecoding(t *testing.T) {
	t.Parallel()
	b64 := []struct {
		name, in, want string
		bad            int
	}{
		{"plain", "SGFsbG8=", "Hallo", 0},
		{"lines", "SGFs\r\nbG8=\r\n", "Hallo", 0},
		{"no padding", "SGFsbG8", "Hallo", 0},
		{"indented", "  SGFs\n\tbG8=", "Hallo", 0},
		{"stray bytes", "SG*Fs-bG8=", "Hallo", 2},
		{"dangling sextet", "SGFsbG8=Q", "Hallo", 0},
	}
	for _, tt := range b64 {
		t.Run("base64 "+tt.name, func(t *testing.T) {
			got, bad := decodeBase64([]byte(tt.in), -1)
			if string(got) != tt.want || bad != tt.bad {
				t.Errorf("decodeBase64(%q) = %q, %d; want %q, %d", tt.in, got, bad, tt.want, tt.bad)
			}
		})
	}
	qp := []struct {
		name, in, want string
		bad            int
	}{
		{"escapes", "caf=C3=A9", "café", 0},
		{"lower-case hex", "caf=c3=a9", "café", 0},
		{"soft break", "een =\r\ntwee", "een twee", 0},
		{"soft break with trailing space", "een = \ntwee", "een twee", 0},
		{"hard breaks become CRLF", "een\ntwee\r\ndrie", "een\r\ntwee\r\ndrie", 0},
		{"trailing white space dropped", "een  \t\r\ntwee", "een\r\ntwee", 0},
		{"encoded trailing space kept", "een=20\r\n", "een \r\n", 0},
		{"bare equals", "1+1=2 en a=b", "1+1=2 en a=b", 2},
		{"equals at end", "einde=", "einde", 0},
	}
	for _, tt := range qp {
		t.Run("qp "+tt.name, func(t *testing.T) {
			got, bad := decodeQP([]byte(tt.in), -1)
			if string(got) != tt.want || bad != tt.bad {
				t.Errorf("decodeQP(%q) = %q, %d; want %q, %d", tt.in, got, bad, tt.want, tt.bad)
			}
		})
	}
	t.Run("limits", func(t *testing.T) {
		if got, _ := decodeBase64([]byte("SGFsbG8gd2VyZWxk"), 4); len(got) < 4 || len(got) > 6 {
			t.Errorf("base64 limit 4 gave %d bytes", len(got))
		}
		if got, _ := decodeQP([]byte("een\ntwee\ndrie\n"), 4); string(got) != "een\r\n" {
			t.Errorf("qp limit 4 gave %q", got)
		}
	})
}
