// Package storetest is the conformance suite of the registry store: every
// driver runs it (from its own _test.go) and must pass it unchanged, so the
// registry can rely on the behaviour documented in package store whatever
// database sits underneath.
//
// It imports package store and the standard library only; never a driver.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Run runs every test of the suite, in parallel. open must return a new
// store on a new, empty database that is not migrated yet, and close it when
// t ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s store.Store)
	}{
		{"MigrateTwice", testMigrateTwice},
		{"Ping", testPing},
		{"InsertMessagesRoundTrip", testInsertMessagesRoundTrip},
		{"ClaimEvents", testClaimEvents},
		{"ClaimEventsWaitsForOtherTx", testClaimEventsWaitsForOtherTx},
		{"ClaimEventsConcurrent", testClaimEventsConcurrent},
		{"InsertMessagesDuplicate", testInsertMessagesDuplicate},
		{"InsertMessagesRequiredFields", testInsertMessagesRequiredFields},
		{"InsertMessagesCleansText", testInsertMessagesCleansText},
		{"InsertMessagesTimeline", testInsertMessagesTimeline},
		{"InsertMessagesOtherDomain", testInsertMessagesOtherDomain},
		{"RollbackLeavesNothing", testRollbackLeavesNothing},
		{"CommitThenRollback", testCommitThenRollback},
		{"CaseRefsSequential", testCaseRefsSequential},
		{"CaseRefRollbackGivesNumbersBack", testCaseRefRollbackGivesNumbersBack},
		{"CreateCasesConcurrent", testCreateCasesConcurrent},
		{"CreateCasesInvalid", testCreateCasesInvalid},
		{"FindCasesByRef", testFindCasesByRef},
		{"FindCasesByExternalID", testFindCasesByExternalID},
		{"FindConversationCasesOfAnyone", testFindConversationCasesOfAnyone},
		{"FindConversationCases", testFindConversationCases},
		{"RoutedCase", testRoutedCase},
		{"Deadlines", testDeadlines},
		{"Repeats", testRepeats},
		{"Statuses", testStatuses},
		{"Unassigned", testUnassigned},
		{"Related", testRelated},
		{"Complaints", testComplaints},
		{"NotesAssignForward", testNotesAssignForward},
		{"ComplaintSuggestion", testComplaintSuggestion},
		{"MergeSplit", testMergeSplit},
		{"ListCases", testListCases},
		{"GetCase", testGetCase},
		{"GetCaseNotFound", testGetCaseNotFound},
		{"UpsertContact", testUpsertContact},
		{"UpsertContacts", testUpsertContacts},
		{"UpsertContactsConcurrent", testUpsertContactsConcurrent},
		{"Blobs", testBlobs},
		{"PutBlobsChecksSum", testPutBlobsChecksSum},
		{"Quarantine", testQuarantine},
		{"QuarantineActions", testQuarantineActions},
		{"EventMessage", testEventMessage},
		{"AccountsUsers", testAccountsUsers},
		{"AccountsTokens", testAccountsTokens},
		{"AccountsSessions", testAccountsSessions},
		{"PrivacyAccessLog", testPrivacyAccessLog},
		{"PrivacyExport", testPrivacyExport},
		{"PrivacyErase", testPrivacyErase},
		{"PrivacyPurge", testPrivacyPurge},
		{"Stats", testStats},
		{"SearchMessages", testSearchMessages}, {"SearchCapped", testSearchCapped}, {"SearchContacts", testSearchContacts}, {"SplitMarked", testSplitMarked},
		{"IsTransient", testIsTransient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			tc.test(t, s)
		})
	}
}

// RunShared runs the tests that need several handles on one database, as
// several registry processes (or `registry serve` and `registry stats`)
// have. open must return n stores on one new, empty database that is not
// migrated yet, and close them when t ends.
func RunShared(t *testing.T, open func(t *testing.T, n int) []store.Store) {
	tests := []struct {
		name string
		n    int
		test func(t *testing.T, s []store.Store)
	}{
		{"MigrateConcurrently", 3, testSharedMigrateConcurrently},
		{"CreateCasesConcurrently", 2, testSharedCreateCases},
		{"ClaimEventsConcurrently", 2, testSharedClaimEvents},
		{"UpsertContactsConcurrently", 2, testSharedUpsertContacts},
		{"ReadWhileWriting", 2, testSharedReadWhileWriting},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, open(t, tc.n))
		})
	}
}

// ctx is the test's context with a deadline, so a hung database fails the
// test instead of the whole run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// inTx runs f in a transaction of s and commits it.
func inTx(t *testing.T, s store.Store, f func(tx store.Tx)) {
	t.Helper()
	tx, err := s.Begin(ctx(t))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	defer tx.Rollback(ctx(t)) //nolint:errcheck // no-op after commit
	f(tx)
	if err := tx.Commit(ctx(t)); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// inTxErr is inTx for goroutines other than the test's: it returns errors.
func inTxErr(c context.Context, s store.Store, f func(tx store.Tx) error) error {
	tx, err := s.Begin(c)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(c) //nolint:errcheck // no-op after commit
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit(c)
}

// at is a fixed time with nanoseconds and a zone, to see that the store keeps
// microseconds and returns UTC.
func at(minutes int) time.Time {
	return time.Date(2026, 12, 4, 10, 15, 0, 123456789, time.FixedZone("CET", 3600)).Add(time.Duration(minutes) * time.Minute)
}

// stored is t as a store returns it.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func storedPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := stored(*t)
	return &u
}

func ptr[T any](v T) *T { return &v }

// message is a complete message in domain, as the registry would store it.
func message(eventID, domain string) *store.Message {
	return &store.Message{
		EventID:          eventID,
		Channel:          "email",
		Direction:        "incoming",
		Inbox:            "gemeentebestuur",
		Domain:           domain,
		ExternalID:       "<" + eventID + "@example.org>",
		InReplyTo:        "<parent@example.org>",
		References:       []string{"<root@example.org>", "<parent@example.org>"},
		ConversationID:   "",
		CaseRefHint:      "MP-2026-000001",
		SenderName:       "Jan Peeters",
		SenderEmail:      "Jan.Peeters@Example.org",
		SenderPhone:      "+32 9 123 45 67",
		SenderFacebookID: "",
		SenderAddress:    "Kerkstraat 1, 9000 Gent",
		Subject:          "Kapotte straatlamp",
		Text:             "De lamp in de Kerkstraat brandt niet.",
		HTML:             "<p>De lamp in de Kerkstraat brandt niet.</p>",
		SentAt:           ptr(at(-1)),
		ReceivedAt:       ptr(at(0)),
		EventTime:        at(0),
		AutoSubmitted:    "",
		RawSHA256:        sum([]byte("raw " + eventID)),
		RawContentType:   "message/rfc822",
		RawSize:          int64(len("raw " + eventID)),
		Attachments: []store.Attachment{
			{Name: "foto.jpg", ContentType: "image/jpeg", Size: 3, SHA256: sum([]byte("jpg"))},
			{Name: "brief.pdf", ContentType: "application/pdf", Size: 3, SHA256: sum([]byte("pdf"))},
		},
		Event:    []byte(`{"specversion":"1.0","id":"` + eventID + `"}`),
		StoredAt: at(1),
	}
}

// wantMessage is m as GetCase returns it.
func wantMessage(m *store.Message, id, caseID int64) store.Message {
	w := *m
	w.ID, w.CaseID = id, caseID
	w.SentAt, w.ReceivedAt = storedPtr(m.SentAt), storedPtr(m.ReceivedAt)
	w.EventTime, w.StoredAt = stored(m.EventTime), stored(m.StoredAt)
	if len(w.References) == 0 {
		w.References = nil
	}
	if len(w.Attachments) == 0 {
		w.Attachments = nil
	}
	if len(w.Event) == 0 {
		w.Event = nil
	}
	return w
}

// normalize makes empty slices nil, which drivers may return either way.
func normalize(m store.Message) store.Message {
	if len(m.References) == 0 {
		m.References = nil
	}
	if len(m.Attachments) == 0 {
		m.Attachments = nil
	}
	if len(m.Event) == 0 {
		m.Event = nil
	}
	return m
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// insert claims and stores ms in one transaction and returns their ids.
func insert(t *testing.T, s store.Store, ms ...*store.Message) []int64 {
	t.Helper()
	inTx(t, s, func(tx store.Tx) { insertTx(t, tx, ms...) })
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// insertTx claims and stores ms in tx, as the registry does.
func insertTx(t *testing.T, tx store.Tx, ms ...*store.Message) {
	t.Helper()
	var eventIDs []string
	for _, m := range ms {
		eventIDs = append(eventIDs, m.EventID)
	}
	if stored, err := tx.ClaimEvents(ctx(t), eventIDs); err != nil || len(stored) != 0 {
		t.Fatalf("ClaimEvents(%q) = %v, %v; want none stored", eventIDs, stored, err)
	}
	if err := tx.InsertMessages(ctx(t), ms); err != nil {
		t.Fatalf("InsertMessages(%q): %v", eventIDs, err)
	}
}

// newCase opens a case in domain, opened at(0), in its own transaction.
func newCase(t *testing.T, s store.Store, domain string) (int64, string) {
	t.Helper()
	var c store.CaseRef
	inTx(t, s, func(tx store.Tx) { c = newCaseTx(t, tx, domain) })
	return c.ID, c.Ref
}

func newCaseTx(t *testing.T, tx store.Tx, domain string) store.CaseRef {
	t.Helper()
	cs, err := tx.CreateCases(ctx(t), []store.NewCase{{Prefix: "MP", Year: 2026, Domain: domain, OpenedAt: at(0)}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("CreateCases = %v, %v", cs, err)
	}
	return cs[0]
}

// inCase is m in case caseID, stored at when.
func inCase(m *store.Message, caseID int64, when time.Time) *store.Message {
	m.CaseID, m.StoredAt = caseID, when
	return m
}

func stats(t *testing.T, s store.Store) store.Stats {
	t.Helper()
	st, err := s.Stats(ctx(t))
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

func getCase(t *testing.T, s store.Store, ref string) store.CaseDetail {
	t.Helper()
	d, err := s.GetCase(ctx(t), ref)
	if err != nil {
		t.Fatalf("GetCase(%s): %v", ref, err)
	}
	return d
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: error %v, want store.ErrNotFound", what, err)
	}
}

func diff[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}
