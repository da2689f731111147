package store

import "testing"

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"lower", "jan@example.org", "jan@example.org"},
		{"mixed case and spaces", "  Jan.Peeters@Example.ORG\t", "jan.peeters@example.org"},
	} {
		if got := NormalizeEmail(tc.in); got != tc.want {
			t.Errorf("%s: NormalizeEmail(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"no digits", "n/a", ""},
		{"international plus", "+32 9 123 45 67", "3291234567"},
		{"international 00", "0032 (9) 123.45.67", "3291234567"},
		{"national stays", "09/123 45 67", "091234567"},
		{"mobile", "0470 12 34 56", "0470123456"},
		{"other digits ignored", "+32 ٣ 9", "329"},
	} {
		if got := NormalizePhone(tc.in); got != tc.want {
			t.Errorf("%s: NormalizePhone(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestNameKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Els", ""}, // one word says too little
		{"Wim Martens", "martens wim"},
		{"Martens Wim", "martens wim"},
		{"MARTENS, wim", "martens wim"},
		{"Kevin De Wulf", "dewulf kevin"},
		{"Kevin Dewulf", "dewulf kevin"},
		{"Jan Van den Broeck", "jan vandenbroeck"},
		{"Jan Vandenbroeck", "jan vandenbroeck"},
		{"Hélène Dubois-Lefèvre", "dubois helene lefevre"},
		{"Els D'Hondt", "dhondt els"},
		{"Els d’Hondt", "dhondt els"},
		{"Jan de", "de jan"},
	} {
		if got := NameKey(tc.in); got != tc.want {
			t.Errorf("NameKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
