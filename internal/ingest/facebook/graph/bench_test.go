package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
	"github.com/meldpunt/meldpunt/internal/testutil/graphfake"
)

// BenchmarkBacklog reads 2,000 conversations of 10 messages each through
// the client (rate limit off), the Graph side of the connector's benchmark.
func BenchmarkBacklog(b *testing.B) {
	fake := graphfake.Start(b)
	fake.Generate(2000, 10, 1)
	c, err := graph.New(graph.Config{BaseURL: fake.URL(), AppSecret: fake.AppSecret(), Timeout: 10 * time.Second, ConversationsRate: -1})
	if err != nil {
		b.Fatal(err)
	}
	c.SetToken(fake.Token())
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := c.Conversations(ctx, fake.PageID(), func(cs []graph.Conversation) (bool, error) {
			for _, cv := range cs {
				err := c.Messages(ctx, cv.ID, func(ms []graph.Message) (bool, error) {
					n += len(ms)
					return true, nil
				})
				if err != nil {
					return false, err
				}
			}
			return true, nil
		})
		if err != nil || n != 20000 {
			b.Fatalf("%d messages, %v", n, err)
		}
	}
	b.ReportMetric(20000*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
