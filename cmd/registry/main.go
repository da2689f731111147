// Command registry consumes case events from NATS JetStream, stores every
// message exactly once, groups messages into cases and serves the HTTP API.
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
	code := cli.Registry(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
