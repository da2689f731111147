// Package store owns the registry's persistent state: messages, cases,
// contacts, the case timeline, attachments (blobs) and quarantine. It defines
// the Store interface that the PostgreSQL (store/postgres) and SQLite
// (store/sqlite) drivers implement, and the conformance suite
// (store/storetest) that every driver must pass.
//
// All SQL lives in the driver packages. This package must not import the
// registry, bus or web packages.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a case, message or blob does not exist.
var ErrNotFound = errors.New("not found")

// Store is one database holding the registry's state.
type Store interface {
	// Migrate applies every embedded migration that is not applied yet.
	// On PostgreSQL it holds an advisory lock, so concurrent starts are safe.
	Migrate(ctx context.Context) error
	// Begin starts a write transaction. On SQLite it takes the write lock
	// at once (BEGIN IMMEDIATE) and a process has one writer, so Begin
	// waits while another Tx of the same store is open: never hold a Tx
	// while waiting for another one.
	Begin(ctx context.Context) (Tx, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Stats counts what is stored.
	Stats(ctx context.Context) (Stats, error)
	// ListCases returns cases, newest (highest id) first, without their
	// messages but with MessageCount.
	ListCases(ctx context.Context, f CaseFilter) ([]Case, error)
	// GetCase returns one case with its messages (oldest first) and timeline.
	// ErrNotFound when there is no case with that reference.
	GetCase(ctx context.Context, ref string) (CaseDetail, error)
	// HasBlobs reports which of the given SHA-256 sums are already stored,
	// so the registry need not fetch them again.
	HasBlobs(ctx context.Context, sums []string) (map[string]bool, error)
	// Blob returns the stored bytes for a SHA-256. ErrNotFound if absent.
	Blob(ctx context.Context, sha256 string) (Blob, error)
	// CountDeadlines counts open cases whose answer is overdue at now, or
	// due before soon.
	CountDeadlines(ctx context.Context, now, soon time.Time) (Deadlines, error)
	// ListUnassigned returns messages without a case ("geen dossier":
	// automatic mail that refers to nothing known), newest first, without
	// attachments. Empty domains: all domains.
	ListUnassigned(ctx context.Context, domains []string, limit int) ([]Message, error)
	// ListUntouched returns the open cases opened since that no person has
	// touched yet (no assignee, no timeline entry with an actor), oldest
	// first, each with its first message's inbox, sender e-mail, subject
	// and text: what routing looks at.
	ListUntouched(ctx context.Context, since time.Time) ([]UntouchedCase, error)
	// ListComplaints returns the cases of type klacht opened in [from, to),
	// oldest first, without messages.
	ListComplaints(ctx context.Context, from, to time.Time) ([]Case, error)
	// ListQuarantine returns quarantined items, newest first.
	ListQuarantine(ctx context.Context, limit int) ([]QuarantineItem, error)
	// IsTransient reports whether err, returned by this store, is worth
	// retrying: a lost connection, a busy or locked database, a
	// serialization failure or deadlock, a cancelled or timed out context.
	// A retry must start a new transaction. Any other error is about the
	// data (or a bug) and will not go away by retrying.
	IsTransient(err error) bool
	Accounts
	Privacy
	IntakeActions
	Search
	Close() error
}

// Tx is one write transaction. Nothing is visible to others until Commit.
// After Commit or Rollback the Tx must not be used; Rollback after Commit is a
// no-op, so `defer tx.Rollback(ctx)` is safe. A Tx belongs to one goroutine.
// After any error the transaction should be rolled back (PostgreSQL refuses
// further statements in it).
//
// The methods work on batches, so that a driver can store a batch of events
// in a fixed number of round trips. A driver may hold a write back until a
// later call of the same Tx (PostgreSQL writes new cases together with
// their first messages), so an error from any call, Commit included, can
// concern what an earlier call did: the transaction as a whole failed.
//
// Text is stored as valid UTF-8 without NUL bytes: invalid sequences become
// U+FFFD and NULs are dropped (PostgreSQL accepts neither). The exact bytes
// stay available in Message.Event and the raw original.
type Tx interface {
	// ClaimEvents locks the given event ids until the transaction ends, so
	// that registries working on the same event wait for each other, and
	// reports which of them are stored already (committed by anyone, or
	// inserted earlier in this transaction), keyed as given. Ids are locked
	// in a fixed order, so two transactions claiming overlapping sets
	// cannot deadlock. Claim a batch's ids once, before anything else that
	// locks, and store only those not stored.
	ClaimEvents(ctx context.Context, eventIDs []string) (stored map[string]bool, err error)
	// FindCasesByRef resolves case references to case ids, including cases
	// created earlier in this transaction. A key whose reference does not
	// exist in its domain is absent from the result: lookups never cross
	// domains. A case that was merged into another resolves to the case it
	// ended up in.
	FindCasesByRef(ctx context.Context, keys []DomainKey) (map[DomainKey]int64, error)
	// FindCasesByExternalID resolves message external ids (Message-IDs,
	// Facebook ids, ...) to the case of the most recently stored message
	// (the highest id) in the same domain with that external id and a case,
	// each key on its own. Keys without such a message, and keys with an
	// empty Value, are absent from the result.
	FindCasesByExternalID(ctx context.Context, keys []DomainKey) (map[DomainKey]int64, error)
	// FindConversationCases answers, for each query, the case of the most
	// recently stored message (the highest id) in the query's domain and
	// conversation that has a case and, when ContactID is not 0, was
	// written by that contact, with that message's event time: a comment
	// under a Facebook post belongs with its writer's earlier comments, not
	// with another person's. A zero CaseID: none.
	FindConversationCases(ctx context.Context, qs []ConversationQuery) ([]ConversationMatch, error)
	// FindRepeatCandidates answers, for each query, the open cases in its
	// domain updated since Since whose contact is ContactID or has the name
	// Name (compared as NameKey makes them; a name of one word matches
	// nothing): the cases a citizen may be writing about again, newest
	// first, at most five, each with the subject of its first message and
	// as Text what was written in it (subject and text of its last ten
	// messages that are not automatic, the town's answers included, newest
	// first; the first message's text when there are none). Only cases
	// stored before this transaction are considered.
	FindRepeatCandidates(ctx context.Context, qs []RepeatQuery) ([][]RepeatCandidate, error)
	// MarkRepeats counts a repeat on each case ("burger vraagt opnieuw")
	// and adds a "repeat" timeline entry. A case that is not a complaint
	// gets the suggestion SuggestComplaint (and a "suggestion" entry) when
	// the repeat is Dissatisfied or comes SuggestAfter or longer after the
	// case was opened, unless it carries that suggestion already.
	MarkRepeats(ctx context.Context, rs []Repeat) error
	// CaseStatuses returns the status of each given case (absent: no such
	// case).
	CaseStatuses(ctx context.Context, ids []int64) (map[int64]string, error)
	// SetStatuses changes the status of cases and records each change on
	// the timeline ("status", "old → new", and the detail). Closing sets
	// ClosedAt; any other status clears it.
	SetStatuses(ctx context.Context, cs []StatusChange) error
	// FindRelatedCases answers, for each query, the newest open case in the
	// query's domain with the same place and category, opened since Since,
	// whose contact is not ContactID: another person reporting the same
	// thing. 0 when there is none. Only cases stored before this
	// transaction are considered.
	FindRelatedCases(ctx context.Context, qs []RelatedQuery) ([]int64, error)
	// SetRouting gives cases another department, type, priority and
	// deadlines, each change on the timeline ("routing").
	SetRouting(ctx context.Context, rs []RoutingChange) error
	// SetAdmissible records whether a complaint is admissible and why not,
	// on the timeline too ("admissibility").
	SetAdmissible(ctx context.Context, caseID int64, admissible bool, reason, actor string, at time.Time) error
	// CreateCases allocates the next references for each (prefix, year)
	// and creates the cases, in the order given (ids grow in that order);
	// it returns their ids and references (MP-2026-000123). Numbers start
	// at 1 per (prefix, year) and have no gaps: the counter row stays
	// locked until the transaction ends, so concurrent creators wait for
	// each other instead of failing, and a rollback gives the numbers back.
	// UpdatedAt starts at OpenedAt (zero: now).
	CreateCases(ctx context.Context, cs []NewCase) ([]CaseRef, error)
	// InsertMessages inserts messages with their attachment rows and sets
	// each m.ID (ids grow in the order given). Claim their event ids first:
	// an event id that is stored already, or twice in ms, fails the call
	// with an error wrapping ErrDuplicateEvent. For a message with a
	// CaseID, a "message" timeline entry is added at its StoredAt and the
	// case's UpdatedAt moves forward to it (never back). EventID, Domain
	// and Channel are required; a zero StoredAt means now. The case must be
	// in the message's domain: ErrNotFound when it is not, or does not
	// exist.
	InsertMessages(ctx context.Context, ms []*Message) error
	// PutBlobs stores bytes by SHA-256; existing blobs are left alone. It
	// fails when a SHA256 is not the lower-case hex SHA-256 of its Data.
	PutBlobs(ctx context.Context, bs []Blob) error
	// UpsertContact finds a contact in domain by e-mail, phone or Facebook id
	// (in that order, compared as NormalizeEmail and NormalizePhone make
	// them), or creates one, and returns its id. Fields that are empty on the
	// found contact are filled in from p; fields already set are never
	// overwritten. 0 when every field of p is empty.
	UpsertContact(ctx context.Context, domain string, p Contact) (int64, error)
	// UpsertContacts is UpsertContact for each contact in turn, in one call:
	// ids[i] is the contact of cs[i], and a later contact finds one that an
	// earlier one created or filled in.
	UpsertContacts(ctx context.Context, cs []DomainContact) (ids []int64, err error)
	// Quarantine records events the registry could not accept, their ids
	// growing in the order given. An item with the Key of one already
	// stored (or earlier in qs) is ignored. Key is required; a zero At
	// means now.
	Quarantine(ctx context.Context, qs []QuarantineItem) error
	// CaseActions are staff actions on cases (notes, assignment,
	// forwarding, merge and split).
	CaseActions
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// ErrDuplicateEvent is wrapped by the error of InsertMessages for an event
// id that is stored already.
var ErrDuplicateEvent = errors.New("event is stored already")

// ConversationQuery asks for the case of a conversation (of one contact).
type ConversationQuery struct {
	Domain, ConversationID string
	ContactID              int64 // 0: anyone's
}

// ConversationMatch is the case of a conversation and when its last
// message (of the contact asked for) was written.
type ConversationMatch struct {
	CaseID int64
	At     time.Time
}

// RepeatQuery asks for the open cases of a citizen.
type RepeatQuery struct {
	Domain    string
	ContactID int64
	Name      string
	Since     time.Time
}

// RelatedQuery asks for a case of another person about the same thing.
type RelatedQuery struct {
	Domain, Place, Category string
	ContactID               int64
	Since                   time.Time
}

// RepeatCandidate is an open case and how it began.
type RepeatCandidate struct {
	CaseID        int64
	Subject, Text string
}

// Repeat is one more message of a citizen about an open case.
type Repeat struct {
	CaseID int64
	At     time.Time
	Detail string
	// Dissatisfied: the message says the citizen is unhappy about how the
	// case is handled.
	Dissatisfied bool
	// SuggestAfter: a repeat this long after the case was opened suggests
	// a complaint (0: only Dissatisfied does).
	SuggestAfter time.Duration
}

// UntouchedCase is a case routing may still change.
type UntouchedCase struct {
	Case
	Inbox, SenderEmail, FirstSubject, FirstText string
}

// RoutingChange is a case routed again.
type RoutingChange struct {
	CaseID                     int64
	Actor                      string // empty: the registry itself
	Department, Type, Priority string
	AckDue, AnswerDue          *time.Time
	At                         time.Time
	Detail                     string
}

// StatusChange is a case moving to another status.
type StatusChange struct {
	CaseID int64
	Status string
	Actor  string // empty: the registry itself
	At     time.Time
	Detail string
}

// DomainKey is a value looked up within one domain.
type DomainKey struct {
	Domain string
	Value  string
}

// CaseRef names a case.
type CaseRef struct {
	ID  int64
	Ref string
}

// DomainContact is a contact as seen in one domain.
type DomainContact struct {
	Domain string
	Contact
}

// Message is a stored message. Times are UTC, kept to the microsecond (as
// every time in this package).
type Message struct {
	ID               int64
	EventID          string
	CaseID           int64
	Channel          string
	Direction        string
	Inbox            string
	Domain           string
	ExternalID       string
	InReplyTo        string
	References       []string
	ConversationID   string
	CaseRefHint      string
	SenderName       string
	SenderEmail      string
	SenderPhone      string
	SenderFacebookID string
	SenderAddress    string
	ContactID        int64
	Subject          string
	Text             string
	HTML             string
	SentAt           *time.Time
	ReceivedAt       *time.Time
	EventTime        time.Time
	AutoSubmitted    string
	ParseError       string
	RawSHA256        string
	RawContentType   string
	RawSize          int64
	Attachments      []Attachment
	// Event is the complete event JSON as received (for re-processing).
	Event    []byte
	StoredAt time.Time
}

// Attachment is a file of a message; its bytes are the Blob with SHA256.
type Attachment struct {
	Name        string
	ContentType string
	Size        int64
	SHA256      string
}

// Blob is stored content, deduplicated by SHA-256 (lower-case hex).
type Blob struct {
	SHA256      string
	ContentType string
	Data        []byte
}

// Contact is a citizen's contact details as seen on a message.
type Contact struct {
	Name, Email, Phone, FacebookID, Address string
}

// NewCase is what the registry knows when it opens a case.
type NewCase struct {
	Prefix    string // e.g. "MP": reference becomes MP-2026-000123
	Year      int
	Domain    string
	Type      string // vraag | melding | klacht; empty until routed
	Subject   string
	Channel   string
	ContactID int64
	OpenedAt  time.Time
	// What the case is about, where: the place (normalised address) and
	// category (service code or department) that make reports of
	// different people related. Empty: not comparable.
	Place, Category string
	// RelatedCaseID links the case to another about the same thing.
	RelatedCaseID int64
	// Routing: the department and priority, and the deadlines to
	// acknowledge and to answer (nil: none).
	Department string
	Priority   string
	AckDue     *time.Time
	AnswerDue  *time.Time
}

// Case statuses.
const (
	StatusNew        = "nieuw"
	StatusInProgress = "in behandeling"
	StatusWaiting    = "wacht op derde"
	StatusAnswered   = "beantwoord"
	StatusClosed     = "afgesloten"
)

// Case is a dossier.
type Case struct {
	ID           int64
	Ref          string
	Domain       string
	Type         string
	Status       string
	Department   string
	Priority     string
	Assignee     string
	Subject      string
	Channel      string
	ContactID    int64
	OpenedAt     time.Time
	UpdatedAt    time.Time
	AckDue       *time.Time
	AnswerDue    *time.Time
	ClosedAt     *time.Time
	MessageCount int
	// RepeatCount is how often the citizen asked again.
	RepeatCount int
	// RelatedCaseID is another case about the same thing (0: none).
	RelatedCaseID int64
	// AnsweredAt is when the case was first marked answered or closed.
	AnsweredAt *time.Time
	// Admissible records, for a complaint, whether it is admissible (nil:
	// not decided) and why not.
	Admissible         *bool
	InadmissibleReason string
	// MergedInto is the case this one was merged into (0: none).
	MergedInto int64
	// Suggestion is what the registry suggests staff make of the case
	// (SuggestComplaint), empty when nothing.
	Suggestion string
}

// TimelineEntry is one thing that happened to a case.
type TimelineEntry struct {
	ID        int64
	At        time.Time
	Kind      string // message | note | status | assign | forward | forward-answer | merge | split | unmerge | unsplit | repeat | routing | suggestion | admissibility
	Actor     string
	MessageID int64
	Detail    string
}

// CaseDetail is a case with its messages and timeline.
type CaseDetail struct {
	Case
	Messages []Message
	Timeline []TimelineEntry
	// Forwards are the case's forwards to outside organisations, oldest
	// first.
	Forwards []Forward
	// Moves are the merges and splits that involve the case, oldest first.
	Moves []CaseMove
}

// CaseFilter narrows ListCases. Zero values mean "any".
type CaseFilter struct {
	// Domains limits the cases to these domains; empty means ALL domains,
	// so the caller must check a user's grants before calling.
	Domains []string
	Status  string
	Limit   int // 0: 100
	// BeforeID pages backwards: only cases with id < BeforeID.
	BeforeID int64
	// Department: only cases of this department.
	Department string
	// Open: only cases not answered or closed.
	Open bool
	// AnswerDueBefore: only cases whose answer is due before this time.
	AnswerDueBefore *time.Time
}

// Deadlines counts open cases by their answer deadline.
type Deadlines struct {
	Overdue int64 // answer due before now
	DueSoon int64 // answer due between now and soon
}

// QuarantineItem is an event the registry could not accept.
type QuarantineItem struct {
	ID int64
	// Key makes quarantining idempotent: a second item with the same Key is
	// ignored (a redelivery of an event already quarantined).
	Key        string
	Subject    string // NATS subject
	EventID    string // Nats-Msg-Id header, if any
	StreamSeq  uint64
	Deliveries int
	Reason     string
	Payload    []byte
	At         time.Time
	// ResolvedAt is set once staff dealt with the item.
	ResolvedAt *time.Time
}

// Stats are counts of what is stored.
type Stats struct {
	Messages    int64            `json:"messages"`
	Cases       int64            `json:"cases"`
	Quarantined int64            `json:"quarantined"` // not yet resolved
	Blobs       int64            `json:"blobs"`
	ByChannel   map[string]int64 `json:"by_channel"`
}
