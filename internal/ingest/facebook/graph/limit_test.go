package graph

import (
	"testing"
	"time"
)

func TestConversationsRate(t *testing.T) {
	t.Parallel()
	c, err := New(Config{AppSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	// Count what the limiter allows over ten seconds of a fake clock.
	start := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if !c.convRate.AllowN(start, 1) {
		t.Fatal("first call not allowed at once")
	}
	allowed := 1
	for now := start; now.Before(start.Add(10 * time.Second)); now = now.Add(10 * time.Millisecond) {
		if c.convRate.AllowN(now, 1) {
			allowed++
		}
	}
	if allowed > 21 || allowed < 19 {
		t.Errorf("allowed %d calls in 10s, want about 20", allowed)
	}

	c, err = New(Config{AppSecret: "s", ConversationsRate: -1})
	if err != nil || c.convRate != nil {
		t.Errorf("negative rate: limiter %v, %v", c.convRate, err)
	}
}
