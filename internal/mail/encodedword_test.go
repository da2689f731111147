package mail

import (
	"testing"
)

func TestDecodeWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          string
		want        string
		wantProblem bool
	}{
		{"plain", "Afvalophaling Molenstraat", "Afvalophaling Molenstraat", false},
		{"utf-8 Q", "=?UTF-8?Q?Straatverlichting_kapot_=E2=80=93_Kerkstraat?=", "Straatverlichting kapot – Kerkstraat", false},
		{"utf-8 B", "=?utf-8?B?Tm/Dq2w=?=", "Noël", false},
		{"B without padding", "=?UTF-8?B?RnJhbsOnb2lz?= =?UTF-8?B?IE1lcnRlbnM?=", "François Mertens", false},
		{"latin-1 Q read as windows-1252", "=?iso-8859-1?Q?=93Klacht=94_=80_58?=", "“Klacht” € 58", false},
		{"windows-1252", "=?windows-1252?Q?l=92enl=E8vement?=", "l’enlèvement", false},
		{"space between words dropped", "=?utf-8?q?Vraag_over?= =?utf-8?q?_huurpremie?=", "Vraag over huurpremie", false},
		{"folding between words dropped", "=?utf-8?q?Vraag?=\r\n =?utf-8?q?_over?=", "Vraag over", false},
		{"text between words kept", "=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c", false},
		{"character split over two B words", "=?UTF-8?B?4oA=?= =?UTF-8?B?kw==?=", "–", false},
		{"character split over two Q words", "=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?=", "café", false},
		{"glued to text", "Re:=?utf-8?q?Vraag?=", "Re:Vraag", false},
		{"glued after", "=?utf-8?q?Vraag?=dringend", "Vraagdringend", false},
		{"spaces inside a Q word", "=?utf-8?Q?Vraag over de huurpremie?=", "Vraag over de huurpremie", false},
		{"unterminated last word", "Re: =?utf-8?q?dringend_antwoord", "Re: dringend antwoord", false},
		{"lower-case encoding", "=?utf-8?b?Tm/Dq2w=?=", "Noël", false},
		{"language suffix (RFC 2231)", "=?utf-8*nl?Q?Dag?=", "Dag", false},
		{"unknown charset", "=?x-klingon?Q?Secr=E9tariaat?=", "Secrétariaat", true},
		{"not a word", "Wat is 2+2=?", "Wat is 2+2=?", false},
		{"broken word kept as text", "=?utf-8?x?abc?=", "=?utf-8?x?abc?=", false},
		{"raw UTF-8 (RFC 6532)", "Caf\xc3\xa9 \xe2\x80\x99t Hoekske", "Café ’t Hoekske", false},
		{"raw latin-1", "Rue de l'\xc9glise", "Rue de l'Église", true},
		{"white space runs", "a \t\r\n  b", "a b", false},
		{"control characters", "a\x01b\x7fc", "a b c", false},
		{"decomposed becomes composed", "=?UTF-8?Q?vo=CC=88o=CC=88r?=", "vöör", false},
		{"encoded NUL dropped", "=?utf-8?q?a=00b?=", "ab", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := decodeWords([]byte(tt.in))
			if got != tt.want {
				t.Errorf("decodeWords(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if (len(probs) > 0) != tt.wantProblem {
				t.Errorf("problems %q, want a problem: %v", probs, tt.wantProblem)
			}
		})
	}
}
