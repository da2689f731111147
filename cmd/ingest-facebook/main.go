// Command ingest-facebook captures a Facebook page: Messenger conversations,
// visitor posts and comments, polled through the Graph API and pushed by
// webhooks, into case events on NATS JetStream.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/meldpunt/meldpunt/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.IngestFacebook(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
