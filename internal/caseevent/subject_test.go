package caseevent

import (
	"regexp"
	"testing"
)

func TestSafeToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "_"},
		{"already safe", "gemeentebestuur", "gemeentebestuur"},
		{"dash and underscore kept", "e-loket_2", "e-loket_2"},
		{"upper case", "Gemeentebestuur", "gemeentebestuur"},
		{"dot", "sociaal.huis", "sociaal_huis"},
		{"space", "Sociaal Huis", "sociaal_huis"},
		{"wildcards", "a*b>c", "a_b_c"},
		{"whitespace", "a\tb\nc", "a_b_c"},
		{"accents", "Café Élégant", "cafe_elegant"},
		{"Dutch", "Ĳzendijke Koöperatie", "ijzendijke_kooperatie"},
		{"two letters", "Straße Æble Œuvre", "strasse_aeble_oeuvre"},
		{"no simple plain form", "日本", "__"},
		{"emoji", "inbox😀", "inbox_"},
		{"e-mail address", "info@gemeente.be", "info_gemeente_be"},
		{"invalid UTF-8", "a\xffb", "a_b"},
		{"Kelvin sign", "\u212a", "k"},
		{"only dots", "...", "___"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SafeToken(tt.in); got != tt.want {
				t.Errorf("SafeToken(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSubject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		channel Channel
		inbox   string
		want    string
	}{
		{ChannelEmail, "gemeentebestuur", "meldpunt.intake.email.gemeentebestuur"},
		{ChannelFacebook, "Gemeente Facebook", "meldpunt.intake.facebook.gemeente_facebook"},
		{ChannelEloket, "e-loket", "meldpunt.intake.eloket.e-loket"},
		{ChannelEmail, "info@gemeente.be", "meldpunt.intake.email.info_gemeente_be"},
		{ChannelPhone, "", "meldpunt.intake.phone._"},
		{"bad.channel", "x", "meldpunt.intake.bad_channel.x"},
	}
	for _, tt := range tests {
		if got := Subject(tt.channel, tt.inbox); got != tt.want {
			t.Errorf("Subject(%q, %q) = %q, want %q", tt.channel, tt.inbox, got, tt.want)
		}
	}
}

var safeTokenPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

func FuzzSafeToken(f *testing.F) {
	for _, s := range []string{"", "gemeentebestuur", "Sociaal Huis", "a.b*c>d", "Café", "Straße", "日本", "\xff", "\u212a", "İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeToken(s)
		if !safeTokenPattern.MatchString(got) {
			t.Fatalf("SafeToken(%q) = %q, not a safe token", s, got)
		}
		if again := SafeToken(got); again != got {
			t.Fatalf("SafeToken(%q) = %q, but SafeToken(%q) = %q", s, got, got, again)
		}
	})
}
