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
