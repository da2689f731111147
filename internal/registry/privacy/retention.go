package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Retention says how long the personal data of closed cases is kept.
type Retention struct {
	// Years per domain: the raw originals and personal data of cases
	// closed longer ago (and of messages without a case stored longer
	// ago) are purged. A domain that is not listed is never purged.
	Years map[string]int
	// Hour of the day (0-23, in Location) the daily purge runs.
	Hour     int
	Location *time.Location
}

// DefaultYears is the retention period when none is configured.
const DefaultYears = 5

// retryAfter is how soon a failed purge is tried again (unless the next
// daily run comes sooner).
const retryAfter = time.Hour

// Actor is how the retention job is named in the access log.
const Actor = "registry"

// Job is the retention purge.
type Job struct {
	st  store.Store
	r   Retention
	log *slog.Logger
	now func() time.Time
}

// NewJob returns the retention job over st. now is the clock (nil:
// time.Now).
func NewJob(st store.Store, r Retention, log *slog.Logger, now func() time.Time) *Job {
	if r.Location == nil {
		r.Location = time.UTC
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Job{st: st, r: r, log: log, now: now}
}

// Report is what one run purged (or would purge) in one domain.
type Report struct {
	Domain string
	// Before: cases closed before it were purged.
	Before time.Time
	Result store.PurgeResult
	DryRun bool
}

// Cutoff is the moment before which cases of domain closed are purged at
// now: the same day and time, Years[domain] years earlier, in Location.
func (j *Job) Cutoff(domain string, now time.Time) time.Time {
	return now.In(j.r.Location).AddDate(-j.r.Years[domain], 0, 0)
}

// Once purges every configured domain once, domains in order, and reports
// what it purged; with dryRun it changes nothing and reports what it would
// purge. It goes on with the other domains when one fails, and returns
// the errors joined.
func (j *Job) Once(ctx context.Context, dryRun bool) ([]Report, error) {
	now := j.now()
	var (
		reports []Report
		errs    []error
	)
	for _, d := range slices.Sorted(maps.Keys(j.r.Years)) {
		before := j.Cutoff(d, now)
		res, err := j.st.PurgeClosedBefore(ctx, store.Purge{Domain: d, Before: before, Actor: Actor, At: now, DryRun: dryRun})
		if err != nil {
			errs = append(errs, fmt.Errorf("purge %s: %w", d, err))
			continue
		}
		reports = append(reports, Report{Domain: d, Before: before, Result: res, DryRun: dryRun})
	}
	return reports, errors.Join(errs...)
}

// Run purges every day at the configured hour until ctx ends, logging
// what each run purged (the store records it in the access log too); a
// failed run is logged and tried again an hour later.
func (j *Job) Run(ctx context.Context) {
	next := NextRun(j.now(), j.r.Hour, j.r.Location)
	for {
		j.log.Debug("retention purge scheduled", "at", next)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		reports, err := j.Once(ctx, false)
		for _, r := range reports {
			j.log.Info("retention purge", "domain", r.Domain, "closed_before", r.Before.Format(time.DateOnly),
				"cases", r.Result.Cases, "messages", r.Result.Messages, "blobs", r.Result.Blobs,
				"attachments", r.Result.Attachments, "contacts", r.Result.Contacts)
		}
		next = NextRun(j.now(), j.r.Hour, j.r.Location)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			j.log.Error("retention purge failed", "error", err)
			if retry := j.now().Add(retryAfter); retry.Before(next) {
				next = retry
			}
		}
	}
}

// NextRun is the first time after now at hour:00 in loc.
func NextRun(now time.Time, hour int, loc *time.Location) time.Time {
	n := now.In(loc)
	next := time.Date(n.Year(), n.Month(), n.Day(), hour, 0, 0, 0, loc)
	if !next.After(now) {
		next = time.Date(n.Year(), n.Month(), n.Day()+1, hour, 0, 0, 0, loc)
	}
	return next
}
