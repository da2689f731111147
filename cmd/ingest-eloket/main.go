// Command ingest-eloket captures every e-loket submission: Open311 servers,
// any JSON API, or signed webhooks, into case events on NATS JetStream.
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
	code := cli.IngestEloket(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
