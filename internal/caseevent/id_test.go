package caseevent

import (
	"regexp"
	"testing"
)

func TestNewIDDeterministic(t *testing.T) {
	t.Parallel()
	a := NewID(ChannelEmail, "gemeentebestuur", "<a@example.org>")
	b := NewID(ChannelEmail, "gemeentebestuur", "<a@example.org>")
	if a != b {
		t.Errorf("same input, different ids: %s, %s", a, b)
	}
	if !regexp.MustCompile(`^mp1-[0-9a-f]{64}$`).MatchString(a) {
		t.Errorf("id %q does not look like mp1-<64 hex>", a)
	}
	e := minimalEvent()
	e.ID = a
	if err := e.Validate(); err != nil {
		t.Errorf("an id from NewID is not valid: %v", err)
	}
}

// Inputs that a plain concatenation, or a join with a separator, would turn
// into the same bytes must still get different ids.
func TestNewIDNoCollisions(t *testing.T) {
	t.Parallel()
	type input struct {
		channel Channel
		inbox   string
		parts   []string
	}
	inputs := []input{
		{ChannelEmail, "gemeentebestuur", nil},
		{ChannelEmail, "gemeentebestuur", []string{""}},
		{ChannelEmail, "gemeentebestuur", []string{"", ""}},
		{ChannelEmail, "gemeentebestuur", []string{"ab", "c"}},
		{ChannelEmail, "gemeentebestuur", []string{"a", "bc"}},
		{ChannelEmail, "gemeentebestuur", []string{"abc"}},
		{ChannelEmail, "gemeentebestuura", []string{"bc"}},
		{ChannelEmail, "gemeentebestuur.", []string{"x"}},
		{ChannelEmail, "gemeentebestuur", []string{".x"}},
		{ChannelEmail, "gemeentebestuur", []string{"x\x00"}},
		{ChannelEmail, "gemeentebestuur", []string{"x", ""}},
		{"emailgemeentebestuur", "", nil},
		{"", "emailgemeentebestuur", nil},
		{ChannelFacebook, "gemeentebestuur", []string{"abc"}},
		{ChannelEmail, "Gemeentebestuur", []string{"abc"}},
	}
	seen := map[string]input{}
	for _, in := range inputs {
		id := NewID(in.channel, in.inbox, in.parts...)
		if prev, ok := seen[id]; ok {
			t.Errorf("%+v and %+v have the same id %s", prev, in, id)
		}
		seen[id] = in
	}
}
