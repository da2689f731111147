package natscluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/meldpunt/meldpunt/internal/testutil/natscluster"
)

// TestKillRestart: a node killed with SIGKILL comes back on its port with
// its store.
func TestKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds nats-server")
	}
	bin, err := natscluster.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := natscluster.Start(t, natscluster.Options{Binary: bin})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	nc, err := nats.Connect(c.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.1", []byte("kept")); err != nil {
		t.Fatal(err)
	}

	node := c.Nodes()[0]
	node.Kill()
	node.Restart()
	s, err := js.Stream(ctx, "T")
	if err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	msg, err := s.GetMsg(ctx, 1)
	if err != nil || string(msg.Data) != "kept" {
		t.Fatalf("message after the restart = %v, %v", msg, err)
	}
	if lines := c.LogLines(t, "Server is ready"); len(lines) != 2 {
		t.Errorf("log shows %d starts, want 2: %v", len(lines), lines)
	}
}
