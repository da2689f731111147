package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrResolved is returned when a quarantined item was resolved already.
var ErrResolved = errors.New("quarantined item is resolved already")

// AccessViewQuarantine is the access log action of downloading a
// quarantined payload, which may hold anyone's personal data.
const AccessViewQuarantine = "view_quarantine"

// Resolutions of a quarantined item.
const (
	// ResolutionRetried: the payload was published to the intake stream
	// again, for the registry to try once more.
	ResolutionRetried = "retried"
	// ResolutionResolved: staff dealt with the item otherwise.
	ResolutionResolved = "resolved"
)

// IntakeActions is what staff follow and do on the intake path outside
// cases: whether a front-desk registration has been stored yet, and the
// quarantine (items the registry could not take), which they resolve or
// send again.
type IntakeActions interface {
	// EventMessage returns the stored message of an event. ErrNotFound
	// while there is none.
	EventMessage(ctx context.Context, eventID string) (EventMessage, error)
	// ListQuarantineEntries returns quarantined items without their
	// payloads (PayloadSize is set), newest (highest id) first.
	ListQuarantineEntries(ctx context.Context, f QuarantineFilter) ([]QuarantineEntry, error)
	// GetQuarantineEntry returns one item with its payload. ErrNotFound
	// when there is no such item.
	GetQuarantineEntry(ctx context.Context, id int64) (QuarantineEntry, error)
	// OpenQuarantineByEvent returns the newest item not resolved whose
	// EventID is eventID, with its payload. ErrNotFound when there is
	// none (or eventID is empty).
	OpenQuarantineByEvent(ctx context.Context, eventID string) (QuarantineEntry, error)
	// ResolveQuarantine marks an item resolved, as r says, and returns it
	// as it then is (with its payload). A retried item (ResolutionRetried)
	// also gives up its Key (RetriedKeySuffix and its id are appended), so
	// that when the payload fails again it is
	// quarantined as a new item instead of being taken for a redelivery
	// of this one. ErrNotFound when there is no such item, ErrResolved
	// when it is resolved already (nothing changes then). A zero At means
	// now.
	ResolveQuarantine(ctx context.Context, r QuarantineResolution) (QuarantineEntry, error)
	// ReopenQuarantine takes back the resolution of a retried item whose
	// payload could not be published after all. Its Key stays given up.
	// ErrNotFound when there is no such item or it is not resolved as
	// retried.
	ReopenQuarantine(ctx context.Context, id int64) error
}

// EventMessage is where the message of an event ended up.
type EventMessage struct {
	MessageID int64
	EventID   string
	Domain    string
	// CaseRef is the reference of the message's case; empty when the
	// message has none.
	CaseRef  string
	StoredAt time.Time
}

// QuarantineFilter narrows ListQuarantineEntries. Zero values mean "any".
type QuarantineFilter struct {
	// Open: only items not resolved; Resolved: only resolved ones.
	Open, Resolved bool
	// BeforeID pages backwards: only items with id < BeforeID.
	BeforeID int64
	Limit    int // 0: 100
}

// QuarantineEntry is a quarantined item with what staff did about it.
type QuarantineEntry struct {
	QuarantineItem
	// PayloadSize is the size of the payload in bytes, also when Payload
	// is not loaded.
	PayloadSize int64
	// Resolution is ResolutionRetried or ResolutionResolved once
	// ResolvedAt is set, else empty; ResolvedBy and Note say who and why.
	Resolution string
	ResolvedBy string
	Note       string
}

// QuarantineResolution resolves a quarantined item.
type QuarantineResolution struct {
	ID         int64
	Resolution string // ResolutionRetried or ResolutionResolved
	Actor      string
	Note       string
	At         time.Time
}

// RetriedKeySuffix and the item's id are appended to the Key of a retried
// item, which so gives up its Key.
const RetriedKeySuffix = "#retried-"

// Check rejects a resolution a driver must not store.
func (r QuarantineResolution) Check() error {
	switch {
	case r.Resolution != ResolutionRetried && r.Resolution != ResolutionResolved:
		return fmt.Errorf("resolve quarantined item %d: unknown resolution %q", r.ID, r.Resolution)
	case strings.TrimSpace(r.Actor) == "":
		return fmt.Errorf("resolve quarantined item %d: no actor", r.ID)
	}
	return nil
}
