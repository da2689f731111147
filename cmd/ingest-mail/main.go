// Command ingest-mail captures every e-mail of the shared mailboxes (IMAP,
// Microsoft 365 OAuth2) into case events on NATS JetStream, and imports
// mail archives (.eml, mbox, Maildir).
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
	code := cli.IngestMail(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
