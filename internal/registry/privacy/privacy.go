// Package privacy is what the GDPR asks of the registry beyond the store:
// the access log of every view of personal data, with the reason staff
// must give for the social services' data, the export of everything about
// a citizen as a zip file, and the retention job that purges the personal
// data of cases closed long ago.
//
// It works through the store interface (store.Privacy) and holds no SQL;
// it must not import the consume loop (package registry), the bus, the
// HTTP API or the web UI (they import it).
package privacy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// MaxReason bounds the reason a member of staff gives, in characters.
const MaxReason = 500

// Errors of Record about the reason: ask the member of staff for one.
var (
	ErrReasonRequired = errors.New("a reason is required")
	ErrReasonTooLong  = fmt.Errorf("a reason has at most %d characters", MaxReason)
)

// ReasonRequired reports whether looking at a case or citizen of domain
// needs a reason ("why") in the access log: the social services' data
// does; the municipality's may have one.
func ReasonRequired(domain string) bool { return domain == auth.DomainSociaalhuis }

// CleanReason trims a reason and checks it: ErrReasonTooLong, or
// ErrReasonRequired when required and empty.
func CleanReason(reason string, required bool) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case utf8.RuneCountInString(reason) > MaxReason:
		return reason, ErrReasonTooLong
	case reason == "" && required:
		return reason, ErrReasonRequired
	}
	return reason, nil
}

// Record writes an access to personal data to the access log, before the
// data is shown: every view of a case or citizen, every search and export.
// e.Actor (auth.Principal.Actor) and e.Action are required. The reason is
// checked first (see CleanReason): required for a domain that needs one
// (ReasonRequired) and, with always, for any domain. Show the data only
// when Record returns nil; ErrReasonRequired and ErrReasonTooLong ask for
// a reason, any other error means the log could not be written and
// nothing may be shown.
func Record(ctx context.Context, log store.Privacy, e store.AccessEntry, always bool) error {
	reason, err := CleanReason(e.Reason, always || ReasonRequired(e.Domain))
	if err != nil {
		return err
	}
	e.Reason = reason
	if err := log.LogAccess(ctx, []store.AccessEntry{e}); err != nil {
		return fmt.Errorf("record %s: %w", e.Action, err)
	}
	return nil
}
