package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// SearchAccess is a search or lookup to write to the access log.
type SearchAccess struct {
	Actor  string
	Action string // store.AccessSearch
	// Query says what was asked, without the reason ("berichten zoeken:
	// q=straatlamp").
	Query string
	// Domains are the domains searched: one entry is written for each.
	Domains []string
	// Shown is the domain of each result shown.
	Shown  []string
	Reason string
	At     time.Time
}

// RecordSearch writes a search to the access log before its results are
// shown: one entry per domain searched, with the query and how many results
// of that domain are shown. A reason is required when a result is of a
// domain that needs one (ReasonRequired); the errors are those of Record.
func RecordSearch(ctx context.Context, log store.Privacy, s SearchAccess) error {
	required := false
	count := map[string]int{}
	for _, d := range s.Shown {
		count[d]++
		required = required || ReasonRequired(d)
	}
	reason, err := CleanReason(s.Reason, required)
	if errors.Is(err, ErrReasonRequired) {
		// Refused, but logged: the refusal itself says there is such data.
		var es []store.AccessEntry
		for _, d := range s.Domains {
			if ReasonRequired(d) {
				es = append(es, store.AccessEntry{At: s.At, Actor: s.Actor, Action: s.Action, Domain: d,
					Detail: fmt.Sprintf("%s (geweigerd: geen reden opgegeven)", s.Query)})
			}
		}
		if len(es) > 0 {
			if lerr := log.LogAccess(ctx, es); lerr != nil {
				return fmt.Errorf("record refused %s: %w", s.Action, lerr)
			}
		}
		return err
	}
	if err != nil {
		return err
	}
	es := make([]store.AccessEntry, len(s.Domains))
	for i, d := range s.Domains {
		es[i] = store.AccessEntry{At: s.At, Actor: s.Actor, Action: s.Action, Domain: d}
		if required && !ReasonRequired(d) {
			// The query and the reason were given for the sensitive
			// domain's results: they stay in its entries, which only
			// those who may see that domain read.
			es[i].Detail = fmt.Sprintf("zoekopdracht over meerdere domeinen (%d resultaten)", count[d])
			continue
		}
		es[i].Reason, es[i].Detail = reason, fmt.Sprintf("%s (%d resultaten)", s.Query, count[d])
	}
	if err := log.LogAccess(ctx, es); err != nil {
		return fmt.Errorf("record %s: %w", s.Action, err)
	}
	return nil
}
