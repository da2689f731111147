// Package quarantine is what staff do with the events the registry could
// not take, checked once for the HTTP API and the web UI alike: who may see
// the quarantine, sending an item's payload to the intake stream again
// (retry) and closing it with a note (resolve).
//
// It works through the store interface and a small Republisher; it must
// not import the bus, the consume loop (package registry), the HTTP API or
// the web UI (they import it).
package quarantine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Republisher sends a quarantined payload to the intake stream again
// (package intake adapts *bus.Bus).
type Republisher interface {
	// Republish publishes payload on subject so that the stream does not
	// drop it as a duplicate of the event it once held.
	Republish(ctx context.Context, subject string, payload []byte) error
}

// Item statuses: StatusOpen, store.ResolutionRetried or
// store.ResolutionResolved.
const StatusOpen = "open"

// Errors of Retry and Resolve; store.ErrNotFound and store.ErrResolved
// come from the store.
var (
	// ErrNotFromIntake: the item did not come from the intake stream, so
	// there is nowhere to send it again.
	ErrNotFromIntake = errors.New("the item did not come from the intake stream")
	// ErrNoBus: the registry runs without a bus to send it on.
	ErrNoBus = errors.New("retrying needs the bus")
	// ErrNotSent: the payload could not be published; the item is open
	// again (unless reopening failed too, which the error then also says).
	ErrNotSent = errors.New("the payload could not be sent again")
	// ErrNoteRequired: resolving needs a note saying what was done.
	ErrNoteRequired = errors.New("a note is required")
)

// Visible reports whether p may see quarantined items. A payload may be
// anything and may hold personal data of either domain, while an item has
// no domain the registry vouches for: only someone who may see every
// domain sees the quarantine (the role is checked by the route).
func Visible(p auth.Principal) bool {
	for _, d := range auth.Domains() {
		if !p.CanSeeDomain(d) {
			return false
		}
	}
	return true
}

// Status is open, retried or resolved.
func Status(e store.QuarantineEntry) string {
	switch {
	case e.ResolvedAt == nil:
		return StatusOpen
	case e.Resolution == "":
		return store.ResolutionResolved
	}
	return e.Resolution
}

// Retry sends the payload of e to the intake stream again through pub and
// marks e retried by actor at now, with note. The item is marked first:
// should the payload fail again, the registry quarantines it as a new item
// (the retried one gave up its key), which it could not if the mark came
// after. A publish that fails takes the mark back (ErrNotSent). The publish
// and its undo finish even when ctx ends meanwhile.
func Retry(ctx context.Context, st store.IntakeActions, pub Republisher, e store.QuarantineEntry, actor, note string, now time.Time) (store.QuarantineEntry, error) {
	if !strings.HasPrefix(e.Subject, caseevent.SubjectPrefix+".") {
		return e, ErrNotFromIntake
	}
	if pub == nil {
		return e, ErrNoBus
	}
	resolved, err := st.ResolveQuarantine(ctx, store.QuarantineResolution{ID: e.ID, Resolution: store.ResolutionRetried,
		Actor: actor, Note: note, At: now})
	if err != nil {
		return e, fmt.Errorf("retry quarantined item %d: %w", e.ID, err)
	}
	work := context.WithoutCancel(ctx)
	if err := pub.Republish(work, e.Subject, e.Payload); err != nil {
		if rerr := st.ReopenQuarantine(work, e.ID); rerr != nil {
			err = errors.Join(err, fmt.Errorf("reopen: %w", rerr))
		}
		return e, fmt.Errorf("retry quarantined item %d: %w: %w", e.ID, ErrNotSent, err)
	}
	return resolved, nil
}

// Resolve closes item id as resolved by actor at now, with a note saying
// what was done (ErrNoteRequired without one).
func Resolve(ctx context.Context, st store.IntakeActions, id int64, actor, note string, now time.Time) (store.QuarantineEntry, error) {
	if strings.TrimSpace(note) == "" {
		return store.QuarantineEntry{}, ErrNoteRequired
	}
	resolved, err := st.ResolveQuarantine(ctx, store.QuarantineResolution{ID: id, Resolution: store.ResolutionResolved,
		Actor: actor, Note: note, At: now})
	if err != nil {
		return resolved, fmt.Errorf("resolve quarantined item %d: %w", id, err)
	}
	return resolved, nil
}

// PayloadDomain is the data.domain of an event payload that may be
// anything; empty when it has none.
func PayloadDomain(payload []byte) string {
	var ev struct {
		Data struct {
			Domain string `json:"domain"`
		} `json:"data"`
	}
	if json.Unmarshal(payload, &ev) != nil {
		return ""
	}
	return ev.Data.Domain
}
