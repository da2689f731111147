package mail

import (
	"testing"
)

func TestDecodeCharset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		label       string
		in          string
		want        string
		wantProblem bool
	}{
		{"utf-8", "utf-8", "caf\xc3\xa9 \xe2\x82\xac", "café €", false},
		{"utf-8 alias and case", " \"UTF8\" ", "caf\xc3\xa9", "café", false},
		{"utf-8 with latin-1 bytes", "utf-8", "caf\xe9 \xc3\xa9t\xe9", "café été", true},
		{"iso-8859-1 read as windows-1252", "iso-8859-1", "\x93quotes\x94 \x80 5 \x85", "“quotes” € 5 …", false},
		{"latin1 alias", "Latin1", "\x96 na\xefef", "– naïef", false},
		{"iso-8859-1 that is really UTF-8", "iso-8859-1", "caf\xc3\xa9 \xe2\x82\xac", "café €", true},
		{"windows-1252 undefined byte", "windows-1252", "a\x81b", "a\u0081b", false},
		{"iso-8859-15 euro at A4", "iso-8859-15", "\xa4 650, s\xbdur", "€ 650, sœur", false},
		{"us-ascii clean", "us-ascii", "hello", "hello", false},
		{"us-ascii with 8-bit", "us-ascii", "Fr\xe9d\xe9ric", "Frédéric", true},
		{"us-ascii with UTF-8", "us-ascii", "Fr\xc3\xa9d\xc3\xa9ric", "Frédéric", true},
		{"no charset, UTF-8", "", "No\xc3\xabl", "Noël", false},
		{"no charset, windows-1252", "", "No\xebl \x80", "Noël €", true},
		{"no charset, ASCII", "", "plain", "plain", false},
		{"unknown label", "x-does-not-exist", "caf\xe9", "café", true},
		{"unknown-8bit", "unknown-8bit", "caf\xc3\xa9", "café", true},
		{"koi8-r", "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", false},
		{"utf-16 with BOM", "utf-16", "\xff\xfeh\x00\xe9\x00", "hé", false},
		{"shift_jis", "shift_jis", "\x93\xfa\x96\x7b", "日本", false},
		{"gb2312", "gb2312", "\xd6\xd0\xce\xc4", "中文", false},
		{"NUL removed", "utf-8", "a\x00b", "ab", false},
		{"BOM removed", "utf-8", "\xef\xbb\xbfhallo", "hallo", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := decodeCharset(tt.label, []byte(tt.in))
			if got != tt.want {
				t.Errorf("decodeCharset(%q, %q) = %q, want %q", tt.label, tt.in, got, tt.want)
			}
			if (problem != "") != tt.wantProblem {
				t.Errorf("problem = %q, want a problem: %v", problem, tt.wantProblem)
			}
		})
	}
}

func TestTruncateUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		max     int
		want    string
		wantCut bool
	}{
		{"fits", "abc", 3, "abc", false},
		{"ascii", "abcdef", 4, "abcd", true},
		{"inside a two-byte character", "aé", 2, "a", true},
		{"inside a four-byte character", "a🎄b", 4, "a", true},
		{"after a character", "a🎄b", 5, "a🎄", true},
		{"zero", "abc", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := truncateUTF8(tt.in, tt.max)
			if got != tt.want || cut != tt.wantCut {
				t.Errorf("truncateUTF8(%q, %d) = %q, %v; want %q, %v", tt.in, tt.max, got, cut, tt.want, tt.wantCut)
			}
		})
	}
}
