package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/meldpunt/meldpunt/internal/config"
	"github.com/meldpunt/meldpunt/internal/registry/privacy"
)

// retention is the retention job's configuration.
func retention(cfg config.Registry) privacy.Retention {
	loc, err := time.LoadLocation(cfg.Cases.TimeZone) // validated by config
	if err != nil {
		loc = time.UTC
	}
	return privacy.Retention{Years: cfg.Retention.Years(), Hour: cfg.Retention.Hour, Location: loc}
}

// purge runs the retention purge once (what `registry serve` does every
// day) and prints what it purged, or with dryRun what it would purge.
func purge(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger, dryRun bool) error {
	st, name, err := openStore(ctx, cfg, env, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	reports, err := privacy.NewJob(st, retention(cfg), log, nil).Once(ctx, dryRun)
	for _, r := range reports {
		verb := "purged"
		if r.DryRun {
			verb = "would purge"
		}
		fmt.Fprintf(env.Stdout, "%s: cases closed before %s (%d years): %s %d cases, %d messages, %d attachments, %d stored files, %d timeline entries, %d forwards, %d contacts\n",
			r.Domain, r.Before.Format(time.DateOnly), cfg.Retention.Years()[r.Domain], verb, r.Result.Cases, r.Result.Messages,
			r.Result.Attachments, r.Result.Blobs, r.Result.TimelineEntries, r.Result.Forwards, r.Result.Contacts)
	}
	if dryRun {
		fmt.Fprintln(env.Stdout, "dry run: nothing was changed")
	}
	return err
}
