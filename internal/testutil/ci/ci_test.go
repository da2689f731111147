package ci

import "testing"

func TestEnabled(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{{"true", true}, {"1", true}, {"TRUE", true}, {"", false}, {"false", false}, {"yes", false}} {
		t.Setenv("CI", tc.v)
		if got := Enabled(); got != tc.want {
			t.Errorf("CI=%q: Enabled() = %v, want %v", tc.v, got, tc.want)
		}
	}
}
