package store

import (
	"context"
	"fmt"
	"time"
)

// Erased is what erasure and the retention purge put in the place of free
// text they remove (a case subject, a timeline detail, a note, a forward's
// question or answer), so staff see that something was there.
const Erased = "[gewist]"

// Access log actions.
const (
	AccessViewCase      = "view_case"
	AccessViewCitizen   = "view_citizen"
	AccessSearch        = "search"
	AccessExport        = "export"
	AccessErase         = "erase"
	AccessPurge         = "purge"
	AccessViewAccessLog = "view_access_log"
)

// Privacy is what the GDPR asks of the store: an access log of who saw
// which personal data and why, the export of everything about a citizen,
// the erasure of a citizen, and the retention purge of closed cases.
//
// A citizen is a contact: contacts are kept per domain, so one person who
// wrote to both domains is two contacts, exported and erased each on its
// own.
type Privacy interface {
	// LogAccess appends entries to the access log, in one transaction: all
	// or none are written. Actor and Action are required; a zero At means
	// now.
	LogAccess(ctx context.Context, es []AccessEntry) error
	// ListAccess returns access log entries, newest (highest id) first.
	ListAccess(ctx context.Context, f AccessFilter) ([]AccessEntry, error)
	// ExportContact returns everything stored about a contact: the
	// contact, the messages of the contact (see ContactExport) and the
	// contact's cases with their timelines and forwards. ErrNotFound when
	// there is no such contact.
	ExportContact(ctx context.Context, contactID int64) (ContactExport, error)
	// EraseContact removes a contact's personal data, in one transaction:
	//   - the messages of the contact (the same set ExportContact returns)
	//     lose their sender fields, subject, text, HTML, event JSON, thread
	//     ids, parse error and raw original reference, and their
	//     attachment rows;
	//   - raw originals and attachments of those messages that no remaining
	//     message or attachment refers to are deleted from the blobs;
	//   - the contact's cases lose subject, place and any inadmissibility
	//     explanation (Erased), and every non-empty timeline detail and
	//     forward question and answer of those cases, and the timeline
	//     details of the erased messages in other cases, become Erased;
	//   - mentions of the contact's name, e-mail, phone, Facebook id or
	//     address in staff text of other cases of the domain (timeline,
	//     forwards, subjects) and in the access log's reasons and details
	//     are replaced by Erased;
	//   - quarantined events whose payload holds the contact's e-mail,
	//     phone or Facebook id, or the event id of an erased message, are
	//     deleted;
	//   - the contact row is deleted.
	// Statistics stay: cases keep reference, domain, type, status,
	// department, priority, channel, dates, counts, and messages keep their
	// row (channel, direction, inbox, times, sizes). The erasure is
	// recorded (without personal data: mentions of the contact in Reason
	// are replaced too) in the erasures table and the access log.
	//
	// The contact must be in one of e.Domains (empty: any domain), else
	// ErrNotFound, as when there is no such contact.
	EraseContact(ctx context.Context, e Erasure) (ErasureResult, error)
	// PurgeClosedBefore is the retention purge of one domain: for the cases
	// closed (status afgesloten) before p.Before and not purged yet (or
	// updated since they were: a message or note added later), and the
	// messages without a case stored before p.Before, it removes what
	// EraseContact removes from a contact's messages and cases, deletes
	// the contacts no message or case refers to any more, and marks the
	// cases purged, so a second run finds nothing. Unless p.DryRun, it
	// records the purge (when it purged anything) in the erasures table
	// and the access log. With p.DryRun it changes nothing and returns
	// what it would purge.
	PurgeClosedBefore(ctx context.Context, p Purge) (PurgeResult, error)
}

// AccessEntry is one access to personal data: who, what, when and why.
type AccessEntry struct {
	ID     int64
	At     time.Time
	Actor  string
	Action string // AccessViewCase, AccessSearch, ...
	// CaseRef and ContactID name what was accessed (empty, 0: not one
	// case or citizen).
	CaseRef   string
	ContactID int64
	// Domain of what was accessed; empty for what belongs to no domain
	// (reading the access log itself).
	Domain string
	// Reason is why, as the member of staff gave it (required for the
	// sociaalhuis domain).
	Reason string
	// Detail says more: the search query, the filter, what an erasure
	// removed.
	Detail string
}

// AccessFilter narrows ListAccess. Zero values mean "any".
type AccessFilter struct {
	Actor     string
	Action    string
	CaseRef   string
	ContactID int64
	// From and To bound At: From <= At < To.
	From, To time.Time
	// Domains limits the entries to these domains and to entries without a
	// domain; empty means ALL domains, so the caller must check a user's
	// grants before calling.
	Domains []string
	// BeforeID pages backwards: only entries with id < BeforeID.
	BeforeID int64
	Limit    int // 0: 100
}

// ContactRecord is a stored contact.
type ContactRecord struct {
	ID     int64
	Domain string
	Contact
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ContactExport is everything stored about a contact.
type ContactExport struct {
	Contact ContactRecord
	// Messages are the contact's messages and the messages without a
	// contact (replies of staff, automatic mail) in the contact's cases,
	// oldest first, with attachments and event JSON. Messages of other
	// contacts are not included, even in the contact's cases.
	Messages []Message
	// Cases are the cases of the contact, oldest first, each with its
	// timeline, forwards and moves; Messages of a CaseDetail is empty (they
	// are in Messages above).
	Cases []CaseDetail
}

// Erasure asks to erase a contact.
type Erasure struct {
	ContactID int64
	// Domains the contact must be in (empty: any).
	Domains []string
	Actor   string
	Reason  string
	At      time.Time // zero: now
}

// ErasureResult counts what an erasure or a purge removed.
type ErasureResult struct {
	ContactID int64  `json:"contact_id,omitempty"`
	Domain    string `json:"domain"`
	// Messages anonymised, and cases whose subject and timeline were.
	Messages int64 `json:"messages"`
	Cases    int64 `json:"cases"`
	// Attachments: attachment rows removed; Blobs: raw originals and
	// attachment contents deleted (those still referred to are kept).
	Attachments int64 `json:"attachments"`
	Blobs       int64 `json:"blobs"`
	// Timeline entries and forwards whose text was replaced.
	TimelineEntries int64 `json:"timeline_entries"`
	Forwards        int64 `json:"forwards"`
	// Mentions: texts elsewhere in which the contact's details were
	// replaced (other cases, the access log).
	Mentions int64 `json:"mentions"`
	// Quarantined events deleted.
	Quarantined int64 `json:"quarantined"`
	// Contacts deleted.
	Contacts int64 `json:"contacts"`
}

// Purge asks to purge the closed cases of a domain.
type Purge struct {
	Domain string
	// Before: cases closed before it, messages without a case stored
	// before it.
	Before time.Time
	Actor  string    // who records it (the retention job: "registry")
	At     time.Time // zero: now
	DryRun bool
}

// PurgeResult is what a purge removed (or would remove, on a dry run).
type PurgeResult = ErasureResult

// Summary describes the counts for staff (in Dutch), as the access log
// shows them.
func (r ErasureResult) Summary() string {
	return fmt.Sprintf("berichten %d, dossiers %d, bijlagen %d, bestanden %d, tijdlijn %d, doorverwijzingen %d, vermeldingen %d, quarantaine %d, contacten %d",
		r.Messages, r.Cases, r.Attachments, r.Blobs, r.TimelineEntries, r.Forwards, r.Mentions, r.Quarantined, r.Contacts)
}

// Empty reports whether nothing was removed.
func (r ErasureResult) Empty() bool {
	return r.Messages == 0 && r.Cases == 0 && r.Attachments == 0 && r.Blobs == 0 && r.TimelineEntries == 0 &&
		r.Forwards == 0 && r.Mentions == 0 && r.Quarantined == 0 && r.Contacts == 0
}
